"""Real-shaped Amazon Connect CTRs (see data/real/README.md): reader, end-to-end import, wrong formats."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

import ccc_amazon_connect
from ccc_amazon_connect.reader import read_ctr
from ccc_governance.errors import SourceError
from ccc_governance.records import Contact, Rejected
from ccc_governance.sources import ReadContext
from ccc_governance.testing import flatten, import_file, open_db

REAL = Path(__file__).parent / "data" / "real"
SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "october-2026"
ASTERISK_REAL = Path(__file__).resolve().parents[2] / "ccc-asterisk" / "tests" / "data" / "real"

EXPECTED = {
    # source_id: (outcome, channel, direction, queue, wait, talk, hold, wrap, transferred)
    "c0000001-voice-ms": ("answered", "voice", "inbound", "Support", 18.0, 240.0, 30.0, 45.0, False),
    "c0000002-chat": ("answered", "chat", "inbound", "Chat", 30.0, 600.0, 0.0, 20.0, False),
    "c0000003-email": ("answered", "email", "inbound", "Email", 3600.0, 300.0, 0.0, 0.0, False),
    "c0000005-missed": ("abandoned", "voice", "inbound", "Support", 75.0, None, None, None, None),
    "c0000006-abandoned": ("abandoned", "voice", "inbound", "Support", 12.0, None, None, None, None),
    "c0000007-ivr": ("not_queued", "voice", "inbound", None, None, None, None, None, None),
    "c0000008-cb-origin": ("callback", "voice", "inbound", "Support", 120.0, None, None, None, None),
    "c0000009-callback": ("answered", "voice", "inbound", "Support", 600.0, 180.0, 0.0, 30.0, False),
    "c0000010-xfer": ("answered", "voice", "inbound", "Support", 7.0, 90.0, 0.0, 5.0, True),
    "c0000013-outbound": ("answered", "voice", "outbound", "Outbound", 0.0, 120.0, 0.0, 15.0, False),
    "c0000014-minimal": ("answered", "voice", "inbound", "Support", 3.0, 60.0, None, None, False),
}


def _summary(c: Contact):
    return (c.outcome, c.channel, c.direction, c.queue, c.wait_s, c.talk_s, c.hold_s, c.wrap_s, c.transferred)


@pytest.mark.parametrize("name", ["ctr-firehose.jsonl", "ctr-firehose-concatenated.json"])
def test_reader_on_real_shapes(name):
    records = flatten(read_ctr(ReadContext(path=REAL / name)))
    assert [r for r in records if isinstance(r, Rejected)] == []
    contacts = [r for r in records if isinstance(r, Contact)]
    # 14 records: the TASK and the MONITOR contact are skipped; the re-delivery is yielded too.
    assert len(contacts) == 12
    newest = {}
    for c in contacts:
        if c.source_id not in newest or c.version >= newest[c.source_id].version:
            newest[c.source_id] = c
    assert {k: _summary(c) for k, c in newest.items()} == EXPECTED
    voice = newest["c0000001-voice-ms"]
    assert voice.arrived_at == datetime(2026, 10, 1, 8, 0, 30, 250000, tzinfo=timezone.utc)
    assert voice.answered_at == datetime(2026, 10, 1, 8, 0, 48, 750000, tzinfo=timezone.utc)
    assert (voice.fcr, voice.csat, voice.csat_scale, voice.agent) == (True, 4.0, 5, "jdoe")
    assert voice.customer == "+33612345601"
    assert newest["c0000003-email"].customer == "client@example.org"
    assert newest["c0000002-chat"].customer is None
    assert newest["c0000007-ivr"].arrived_at == datetime(2026, 10, 1, 13, 0, tzinfo=timezone.utc)


def test_import_end_to_end_keeps_the_newest_delivery(ccc_workspace, ccc_pm):
    ccc_pm.register(ccc_amazon_connect)
    db = open_db(ccc_workspace.db_path)
    summary = import_file(db, ccc_workspace, ccc_pm, "amazon-connect", REAL / "ctr-firehose.jsonl")
    assert (summary["imported"], summary["quarantined"]) == (11, 0)
    assert summary["replaced"] + summary["duplicates"] + summary["older_skipped"] == 1
    rows = {r[0]: tuple(r[1:]) for r in db.execute(
        "SELECT source_id, outcome, channel, direction, queue, wait_s, talk_s, hold_s, wrap_s, transferred FROM contacts")}
    expected = {k: v[:8] + (None if v[8] is None else int(v[8]),) for k, v in EXPECTED.items()}
    assert rows == expected
    db.conn.close()


@pytest.mark.parametrize("wrong", [
    SAMPLE / "queue_log", SAMPLE / "truth.csv", SAMPLE / "genesys.json",
    ASTERISK_REAL / "queue_log_table-mysql.tsv",
])
def test_other_formats_are_refused_whole(ccc_workspace, ccc_pm, wrong):
    ccc_pm.register(ccc_amazon_connect)
    db = open_db(ccc_workspace.db_path)
    with pytest.raises(SourceError, match=r"does not look like Amazon Connect contact records: line \d+ ") as err:
        import_file(db, ccc_workspace, ccc_pm, "amazon-connect", wrong)
    assert "\n" not in str(err.value)
    assert db.execute("SELECT count(*) FROM contacts").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM batches").fetchone()[0] == 0
    db.conn.close()


def test_a_damaged_first_record_alone_does_not_refuse_the_file(tmp_path):
    good = (REAL / "ctr-firehose.jsonl").read_text().splitlines()
    path = tmp_path / "ctr.jsonl"
    path.write_text(good[0][:120] + "\n" + "\n".join(good[2:5]) + "\n")
    records = flatten(read_ctr(ReadContext(path=path)))
    assert [r.line for r in records if isinstance(r, Rejected)] == [1]
    assert len([r for r in records if isinstance(r, Contact)]) == 2  # the TASK is skipped
