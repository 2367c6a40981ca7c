"""Shared helpers for the contracts tests (imported by name: pytest puts this folder on sys.path): a small valid contract whose line numbers are known."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Line numbers matter: tests assert `file:line:`. Keep this text's layout as it is.
BASE = """\
schema = "ccc-contract/1"

[contract]
id = "demo"
title = "Demo helpdesk"
client = "Client Co"
ccc = "CCC Co"
effective_from = 2026-01-01
timezone = "Europe/Paris"

[scope]
queues = ["q1"]
channels = ["voice", "email"]

[scope.hours]
mon = ["08:00-20:00"]

[[kpi]]
id = "sl"
metric = "service_level"
answer_within_s = 20
target = 0.8
breach = 0.75
class = "critical"
allocation = 0.6

[[kpi]]
id = "aht"
metric = "aht"
target = 300
breach = 360
allocation = 0.4

[review]
frequency = "monthly"

[service_credits]
at_risk_percent = 10
"""


def write(tmp_path: Path, text: str, name: str = "c.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def base_file(tmp_path):
    return write(tmp_path, BASE)
