"""Hand-made CTR files: layouts (JSONL, array, `}{`), outcomes, attributes and malformed records."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

import ccc_amazon_connect
from ccc_amazon_connect.reader import BLOCK, FIELDS, parse_flag, parse_score, read_ctr
from ccc_governance.blocks import ColumnBlock
from ccc_governance.records import Contact, Rejected
from ccc_governance.sources import ReadContext
from ccc_governance.testing import flatten


def _ctr(cid="c1", *, queue=True, agent=True, channel="VOICE", method="INBOUND", attrs=None, updated="2026-10-01T08:10:00Z", **extra):
    record = {
        "ContactId": cid,
        "Channel": channel,
        "InitiationMethod": method,
        "InitiationTimestamp": "2026-10-01T08:00:00Z",
        "DisconnectTimestamp": "2026-10-01T08:06:00Z",
        "LastUpdateTimestamp": updated,
        "CustomerEndpoint": {"Address": "+33639981234", "Type": "TELEPHONE_NUMBER"},
        "Attributes": attrs or {},
        "Queue": None,
        "Agent": None,
    }
    if queue:
        record["Queue"] = {
            "Name": "Support",
            "ARN": "arn:aws:connect:eu-west-3:1:instance/x/queue/q",
            "EnqueueTimestamp": "2026-10-01T08:00:20Z",
            "DequeueTimestamp": "2026-10-01T08:00:41Z",
            "Duration": 21,
        }
    if queue and agent:
        record["Agent"] = {
            "Username": "jdoe",
            "ConnectedToAgentTimestamp": "2026-10-01T08:00:41Z",
            "AgentInteractionDuration": 250,
            "CustomerHoldDuration": 30,
            "AfterContactWorkDuration": 45,
        }
    record.update(extra)
    return record


def _read(tmp_path, text: str, **kwargs):
    path = tmp_path / "ctr.json"
    path.write_text(text, encoding="utf-8")
    records = flatten(read_ctr(ReadContext(path=path, **kwargs)))
    return [r for r in records if isinstance(r, Contact)], [r for r in records if isinstance(r, Rejected)]


def test_registration():
    got = []
    ccc_amazon_connect.register_sources(got.append)
    assert [s.name for s in got] == ["amazon-connect"] and got[0].kinds == ("contact",)


def test_answered_contact_fields(tmp_path):
    contacts, rejected = _read(tmp_path, json.dumps(_ctr(attrs={"fcr": "true", "csat": "4"})) + "\n")
    assert rejected == []
    (c,) = contacts
    utc = timezone.utc
    assert c.source_id == "c1" and c.outcome == "answered" and c.channel == "voice" and c.direction == "inbound"
    assert c.arrived_at == datetime(2026, 10, 1, 8, 0, 20, tzinfo=utc)  # enqueue, not initiation
    assert c.answered_at == datetime(2026, 10, 1, 8, 0, 41, tzinfo=utc)
    assert c.ended_at == datetime(2026, 10, 1, 8, 6, tzinfo=utc)
    assert (c.wait_s, c.talk_s, c.hold_s, c.wrap_s) == (21.0, 250.0, 30.0, 45.0)
    assert (c.queue, c.agent, c.transferred) == ("Support", "jdoe", False)
    assert (c.fcr, c.csat, c.csat_scale) == (True, 4.0, 5)
    assert c.customer == "+33639981234"
    assert c.version == datetime(2026, 10, 1, 8, 10, tzinfo=utc) and c.line == 1


def test_abandoned_not_queued_transferred_and_channels(tmp_path):
    rows = [
        _ctr("ab", agent=False, channel="CHAT"),
        _ctr("iv", queue=False),
        _ctr("tr", TransferCompletedTimestamp="2026-10-01T08:05:00Z", channel="EMAIL"),
        _ctr("out", method="OUTBOUND"),
        # An agent was offered it (Agent present) but the customer left before the connection.
        _ctr("ring", Agent={"Username": "jdoe", "ConnectedToAgentTimestamp": None}),
    ]
    contacts, rejected = _read(tmp_path, "\n".join(json.dumps(r) for r in rows))
    assert rejected == []
    got = {c.source_id: c for c in contacts}
    ab = got["ab"]
    assert (ab.outcome, ab.channel, ab.wait_s, ab.talk_s, ab.hold_s, ab.wrap_s, ab.agent) == (
        "abandoned", "chat", 21.0, None, None, None, None
    )
    iv = got["iv"]
    assert (iv.outcome, iv.queue, iv.wait_s) == ("not_queued", None, None)
    assert iv.arrived_at == datetime(2026, 10, 1, 8, tzinfo=timezone.utc)
    assert (got["tr"].transferred, got["tr"].channel) == (True, "email")
    assert got["out"].direction == "outbound"
    assert got["ring"].outcome == "abandoned"


def test_layouts_give_the_same_records(tmp_path):
    rows = [_ctr(f"c{i}") for i in range(5)]
    jsonl = "\n".join(json.dumps(r) for r in rows) + "\n"
    array = json.dumps(rows, indent=2)
    firehose = "".join(json.dumps(r, separators=(",", ":")) for r in rows)
    compact_array = json.dumps(rows)
    for text in (jsonl, array, firehose, compact_array):
        contacts, rejected = _read(tmp_path, text)
        assert rejected == [] and [c.source_id for c in contacts] == [f"c{i}" for i in range(5)]
    contacts, _ = _read(tmp_path, array)
    starts = [n for n, text in enumerate(array.splitlines(), 1) if text == "  {"]
    assert len(starts) == 5 and [c.line for c in contacts] == starts  # the line each object starts on


def test_repeat_deliveries_are_all_yielded(tmp_path):
    newer = _ctr("d1", updated="2026-10-01T09:00:00Z")
    older = _ctr("d1", agent=False, updated="2026-10-01T08:07:00Z")
    contacts, _ = _read(tmp_path, json.dumps(newer) + "\n" + json.dumps(older) + "\n" + json.dumps(newer) + "\n")
    assert [(c.outcome, c.version.hour) for c in contacts] == [("answered", 9), ("abandoned", 8), ("answered", 9)]


def test_malformed_records_are_rejected_alone(tmp_path):
    bad_ts = _ctr("bad", InitiationTimestamp="2026-10-5T12:56:03Z")
    good = json.dumps(_ctr("ok1"))
    cut = json.dumps(_ctr("cut"))[:150]
    lines = [good, json.dumps(bad_ts), cut, json.dumps(_ctr("ok2")), json.dumps(_ctr("task", channel="TASK")), "[1, 2]"]
    contacts, rejected = _read(tmp_path, "\n".join(lines) + "\n")
    assert [c.source_id for c in contacts] == ["ok1", "ok2"]
    # A TASK is back-office work, not a customer contact: skipped, not quarantined.
    assert [(r.line, r.source_id) for r in rejected] == [(2, "bad"), (3, None), (6, None), (6, None)]
    assert "InitiationTimestamp '2026-10-5T12:56:03Z'" in rejected[0].reason
    assert rejected[1].reason.startswith("invalid JSON") and rejected[1].raw.startswith('{"ContactId": "cut"')
    assert "no ContactId" in rejected[2].reason


def test_truncated_last_line(tmp_path):
    text = json.dumps(_ctr("ok")) + "\n" + json.dumps(_ctr("cut"))[:200]
    contacts, rejected = _read(tmp_path, text)
    assert [c.source_id for c in contacts] == ["ok"] and [r.line for r in rejected] == [2]


def test_attribute_names_come_from_the_workspace(tmp_path):
    row = _ctr(attrs={"resolved": "yes", "score": 2, "fcr": "false"})
    contacts, _ = _read(tmp_path, json.dumps(row), attributes={"fcr": "resolved", "csat": "score"})
    assert (contacts[0].fcr, contacts[0].csat) == (True, 2.0)


@pytest.mark.parametrize(
    ("value", "flag"),
    [("true", True), ("False", False), ("yes", True), ("no", False), ("1", True), ("0", False), (1, True),
     (0, False), (True, True), ("maybe", None), (None, None), (2, None)],
)
def test_parse_flag(value, flag):
    assert parse_flag(value) is flag


def test_parse_score():
    assert [parse_score(v) for v in ("5", 4, "4,5", " 3 ", "", None, "n/a", True)] == [5.0, 4.0, 4.5, 3.0, None, None, None, None]


def test_blocks_hold_the_contacts_in_storage_form(tmp_path):
    path = tmp_path / "ctr.jsonl"
    path.write_text(json.dumps(_ctr("c1", attrs={"fcr": "no", "csat": "4,5"}, updated="2026-10-01T08:10:00.5006Z"))
                    + "\n" + json.dumps(_ctr("c2", queue=False)) + "\n", encoding="utf-8")
    (block,) = read_ctr(ReadContext(path=path))
    assert (block.kind, block.fields, block.partial) == ("contact", FIELDS, False)
    rows = list(zip(*block.columns))
    t = 1790841600000  # 2026-10-01T08:00:00Z in epoch ms
    assert rows[0] == ("c1", 1, t + 20_000, "answered", "voice", "inbound", "Support", "Support", t + 41_000,
                       t + 360_000, 21.0, 250.0, 30.0, 45.0, "jdoe", False, False, 4.5, 5, "+33639981234",
                       t + 600_501)  # the version's microseconds rounded to the millisecond, as stored
    assert rows[1] == ("c2", 2, t, "not_queued", "voice", "inbound", None, None, None, t + 360_000, None, None,
                       None, None, None, None, None, None, None, "+33639981234", t + 600_000)


def test_blocks_are_cut_at_block_size_and_before_rejections(tmp_path):
    lines = [json.dumps(_ctr(f"c{i}")) for i in range(2 * BLOCK + 7)]
    path = tmp_path / "ctr.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert [len(b) for b in read_ctr(ReadContext(path=path))] == [BLOCK, BLOCK, 7]
    lines.insert(3, "{not json")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = list(read_ctr(ReadContext(path=path)))
    assert [len(i) if isinstance(i, ColumnBlock) else i.line for i in items] == [3, 4, BLOCK, BLOCK, 4]
