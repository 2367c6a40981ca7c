"""The October 2026 sample queue_log read against the simulator's truth.csv, contact by contact."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest

from ccc_asterisk.reader import read_queue_log
from ccc_governance.blocks import flatten
from ccc_governance.records import Contact, Rejected
from ccc_governance.sources import ReadContext

SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "october-2026"
SOURCE = "asterisk-queue-log"


def _truth() -> dict[str, dict]:
    with open(SAMPLE / "truth.csv", newline="", encoding="utf-8") as f:
        return {row["id"]: row for row in csv.DictReader(f) if row["source"] == SOURCE}


def _num(text: str) -> float | None:
    return None if text == "" else float(text)


def _bool(text: str) -> bool | None:
    return None if text == "" else text == "true"


@pytest.fixture(scope="module")
def read():
    context = ReadContext(path=SAMPLE / "queue_log")
    records = flatten(read_queue_log(context))
    return records, context


def test_every_contact_matches_truth(read):
    records, _ = read
    truth = _truth()
    contacts = {r.source_id: r for r in records if isinstance(r, Contact)}
    valid = {k: v for k, v in truth.items() if v["valid"] == "true"}
    assert set(contacts) == set(valid)
    for cid, row in valid.items():
        c = contacts[cid]
        where = f"{cid}: {row['note']}"
        assert c.outcome == row["outcome"], where
        assert c.arrived_at == datetime.fromisoformat(row["arrived_at"]), where
        assert c.channel == row["channel"], where
        assert c.queue == row["queue"], where
        assert c.wait_s == _num(row["wait_s"]), where
        assert c.talk_s == _num(row["talk_s"]), where
        assert c.hold_s == _num(row["hold_s"]), where
        assert c.wrap_s == _num(row["wrap_s"]), where
        assert c.fcr == _bool(row["fcr"]), where
        assert c.csat == _num(row["csat"]), where


def test_quarantine_is_the_three_bad_lines(read):
    records, _ = read
    rejected = [r for r in records if isinstance(r, Rejected)]
    assert [(r.line, r.source_id) for r in rejected] == [
        (622, "1790963706.7432"),
        (773, "1791103987.7751"),
        (774, "1791103987.7751"),
    ]
    invalid = {k for k, v in _truth().items() if v["valid"] == "false"}
    assert {r.source_id for r in rejected} == invalid


def test_open_calls_are_kept_in_state(read):
    _, context = read
    assert sorted(context.state["open_calls"]) == ["1793489719.17480", "1793489726.17486", "1793489733.17490"]
