"""Breach notifier: appends one JSON line per new breach to a log file.

The path comes from the workspace's `ccc.toml`:

    [notify.jsonl]
    path = "breaches.jsonl"     # relative to the workspace folder (this is the default)

Anything that tails a file (a log shipper, `tail -f | jq`, a cron mail) can then tell people.
"""

from __future__ import annotations

import json
from pathlib import Path

from ccc_governance import hookimpl
from ccc_governance.clock import iso_utc

__version__ = "0.1.0"


def log_path(workspace) -> Path | None:
    """Where the lines go: `[notify.jsonl] path` (relative to the workspace), default `breaches.jsonl`."""
    if workspace is None:
        return None
    table = ((workspace.config or {}).get("notify") or {}).get("jsonl") or {}
    path = Path(str(table.get("path", "breaches.jsonl"))).expanduser()
    return path if path.is_absolute() else Path(workspace.root) / path


def line_for(breach: dict, result: dict, contract) -> dict:
    """The JSON object written for one breach."""
    return {
        "event": "breach_detected",
        "breach_id": breach.get("id"),
        "contract": breach.get("contract_id"),
        "contract_title": getattr(getattr(contract, "contract", None), "title", None),
        "contract_version": breach.get("contract_version"),
        "kpi": breach.get("kpi_id"),
        "metric": result.get("metric"),
        "period": breach.get("period"),
        "actual": result.get("actual"),
        "target": result.get("target"),
        "breach": result.get("breach"),
        "volume": result.get("volume"),
        "small_sample": bool(result.get("small_sample")),
        "first_seen_at": breach.get("first_seen_at"),  # the day it counts as (--as-of, or the day found)
        "first_recorded_at": iso_utc(breach.get("first_recorded_at")),  # the real instant (UTC)
    }


@hookimpl
def breach_detected(breach, result, contract, workspace):
    """Append one line to the breach log (nothing without a workspace to put it in). A write that
    fails raises: the host keeps the notification and calls this again at the next run."""
    path = log_path(workspace)
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(line_for(breach, result, contract), ensure_ascii=False, default=str) + "\n")
