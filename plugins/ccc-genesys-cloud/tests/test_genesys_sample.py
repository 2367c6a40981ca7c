"""The October 2026 sample conversation-details file read against the simulator's truth.csv."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest

from ccc_genesys_cloud.reader import read_conversations
from ccc_governance.records import Contact, Rejected
from ccc_governance.sources import ReadContext
from ccc_governance.testing import flatten

SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "october-2026"
SOURCE = "genesys-cloud"


def _truth() -> dict[str, dict]:
    with open(SAMPLE / "truth.csv", newline="", encoding="utf-8") as f:
        return {row["id"]: row for row in csv.DictReader(f) if row["source"] == SOURCE}


def _num(text: str) -> float | None:
    return None if text == "" else float(text)


def _bool(text: str) -> bool | None:
    return None if text == "" else text == "true"


@pytest.fixture(scope="module")
def records():
    return flatten(read_conversations(ReadContext(path=SAMPLE / "genesys.json")))


def test_one_contact_per_conversation(records):
    contacts = [r for r in records if isinstance(r, Contact)]
    assert len(contacts) == 345 == len({c.source_id for c in contacts})
    channels = [c.channel for c in contacts]
    assert (channels.count("voice"), channels.count("chat")) == (286, 59)  # 287 voice less the quarantined one


def test_every_contact_matches_truth(records):
    truth = _truth()
    kept = {r.source_id: r for r in records if isinstance(r, Contact)}
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
    assert (outcomes.count("answered"), outcomes.count("abandoned")) == (308, 37)


def test_quarantine_is_the_conversation_with_unpadded_days(records):
    rejected = [r for r in records if isinstance(r, Rejected)]
    assert [(r.line, r.source_id) for r in rejected] == [(28, "806cb96c-9761-449d-8574-c2097f483e6c")]
    assert "conversation #27" in rejected[0].reason and "2026-10-3T09:30:08.707Z" in rejected[0].reason
    invalid = {k for k, v in _truth().items() if v["valid"] == "false"}
    assert invalid == {"806cb96c-9761-449d-8574-c2097f483e6c"}


def test_milliseconds_are_kept(records):
    kept = {r.source_id: r for r in records if isinstance(r, Contact)}
    assert kept["c87e6eb9-4fa4-4e45-af0f-da2f1585a7ae"].wait_s == 20.001
    assert kept["e74426fd-c622-46b9-8031-b6ea0482365e"].wait_s == 19.999
    assert kept["509ecf54-38ba-47d6-ba81-cfb15f7a0f6c"].wait_s == 4.999
