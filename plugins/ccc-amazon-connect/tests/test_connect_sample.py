"""The October 2026 sample CTR file read against the simulator's truth.csv, contact by contact."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest

from ccc_amazon_connect.reader import read_ctr
from ccc_governance.records import Contact, Rejected
from ccc_governance.sources import ReadContext
from ccc_governance.testing import flatten

SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "october-2026"
SOURCE = "amazon-connect"


def _truth() -> dict[str, dict]:
    with open(SAMPLE / "truth.csv", newline="", encoding="utf-8") as f:
        return {row["id"]: row for row in csv.DictReader(f) if row["source"] == SOURCE}


def _num(text: str) -> float | None:
    return None if text == "" else float(text)


def _bool(text: str) -> bool | None:
    return None if text == "" else text == "true"


@pytest.fixture(scope="module")
def records():
    return flatten(read_ctr(ReadContext(path=SAMPLE / "ctr.jsonl")))


def _newest(records) -> dict[str, Contact]:
    """What the host keeps: per ContactId the newest copy (a later copy wins a tie)."""
    kept: dict[str, Contact] = {}
    for r in records:
        if isinstance(r, Contact):
            old = kept.get(r.source_id)
            if old is None or r.version >= old.version:
                kept[r.source_id] = r
    return kept


def test_every_copy_is_yielded(records):
    contacts = [r for r in records if isinstance(r, Contact)]
    assert len(contacts) == 730  # 732 lines, 2 quarantined; repeats are the host's to settle
    assert len({c.source_id for c in contacts}) == 700


def test_every_contact_matches_truth(records):
    truth = _truth()
    kept = _newest(records)
    valid = {k: v for k, v in truth.items() if v["valid"] == "true"}
    assert set(kept) == set(valid)
    for cid, row in valid.items():
        c = kept[cid]
        where = f"{cid}: {row['note']}"
        assert c.outcome == row["outcome"], where
        assert c.arrived_at == datetime.fromisoformat(row["arrived_at"]), where
        assert c.channel == row["channel"], where
        assert c.queue == (row["queue"] or None), where
        assert c.wait_s == _num(row["wait_s"]), where
        assert c.talk_s == _num(row["talk_s"]), where
        assert c.hold_s == _num(row["hold_s"]), where
        assert c.wrap_s == _num(row["wrap_s"]), where
        assert c.fcr == _bool(row["fcr"]), where
        assert c.csat == _num(row["csat"]), where
    outcomes = sorted(c.outcome for c in kept.values())
    assert (outcomes.count("answered"), outcomes.count("abandoned"), outcomes.count("not_queued")) == (596, 92, 12)


def test_quarantine_is_the_two_bad_records(records):
    rejected = [r for r in records if isinstance(r, Rejected)]
    assert [r.line for r in rejected] == [83, 425]
    assert rejected[0].source_id == "22497579-acf1-4f41-b3b9-2b9f98cd70a3"
    assert "2026-10-5T12:56:03Z" in rejected[0].reason
    assert "invalid JSON" in rejected[1].reason and "bedf74aa-8faf-417f-bcd6-b771a3563197" in rejected[1].raw
    invalid = {k for k, v in _truth().items() if v["valid"] == "false"}
    assert invalid == {"22497579-acf1-4f41-b3b9-2b9f98cd70a3", "bedf74aa-8faf-417f-bcd6-b771a3563197"}
