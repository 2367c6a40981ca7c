"""Real-shaped Genesys Cloud conversation details (see data/real/README.md): reader, import, wrong formats."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

import ccc_genesys_cloud
from ccc_genesys_cloud.reader import read_conversations
from ccc_governance.errors import SourceError
from ccc_governance.records import Contact, Rejected
from ccc_governance.sources import ReadContext
from ccc_governance.testing import flatten, import_file, open_db

REAL = Path(__file__).parent / "data" / "real"
SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "october-2026"
ASTERISK_REAL = Path(__file__).resolve().parents[2] / "ccc-asterisk" / "tests" / "data" / "real"
Q1, Q2 = "5b1a2c3d-0000-4000-8000-00000000q001", "5b1a2c3d-0000-4000-8000-00000000q002"
U1, U2 = "7f000000-0000-4000-8000-0000000000a1", "7f000000-0000-4000-8000-0000000000a2"

EXPECTED = {
    # id: (outcome, channel, direction, queue, queue_name, wait, talk, hold, wrap, agent)
    "g0000001-voice": ("answered", "voice", "inbound", Q1, "Support FR", 25.5, 429.25, 45.25, 30.0, U1),
    "g0000002-abandon": ("abandoned", "voice", "inbound", Q1, "Support FR", 62.345, None, None, None, None),
    "g0000003-short": ("abandoned", "voice", "inbound", Q1, "Support FR", 3.0, None, None, None, None),
    "g0000004-flowout": ("timeout", "voice", "inbound", Q1, "Support FR", 300.0, None, None, None, None),
    "g0000005-live": ("open", "voice", "inbound", Q1, "Support FR", None, None, None, None, None),
    "g0000006-message": ("answered", "chat", "inbound", Q2, "Chat FR", 45.01, 1092.99, 0.0, 60.0, U2),
    "g0000007-outbound": ("not_queued", "voice", "outbound", None, None, None, None, None, None, None),
    "g0000008-callback": ("answered", "voice", "outbound", Q1, "Callback FR", 600.0, 540.0, 0.0, 60.0, U1),
    "g0000009-email": ("answered", "email", "inbound", Q2, "Email FR", 3600.0, 600.0, 0.0, 0.0, U2),
}


def _summary(c: Contact):
    return (c.outcome, c.channel, c.direction, c.queue, c.queue_name, c.wait_s, c.talk_s, c.hold_s, c.wrap_s, c.agent)


def _read(name: str):
    records = flatten(read_conversations(ReadContext(path=REAL / name)))
    assert [r for r in records if isinstance(r, Rejected)] == []
    return {r.source_id: r for r in records}


def test_details_query_response():
    contacts = _read("details-query.json")
    assert {k: _summary(c) for k, c in contacts.items()} == EXPECTED
    voice = contacts["g0000001-voice"]
    # The wait starts at the acd segment, not at conversationStart (40 s of IVR before it).
    assert voice.arrived_at == datetime(2026, 10, 1, 8, 0, 40, tzinfo=timezone.utc)
    assert voice.answered_at == datetime(2026, 10, 1, 8, 1, 5, 500000, tzinfo=timezone.utc)
    assert (voice.fcr, voice.csat, voice.customer, voice.transferred) == (True, 5.0, "tel:+33612345601", False)
    live = contacts["g0000005-live"]
    assert live.ended_at is None and live.version == datetime(2026, 10, 1, 23, 59, 20, tzinfo=timezone.utc)


def test_async_job_results_with_cursor_and_empty_page():
    contacts = _read("details-job-results.json")
    assert {k: _summary(c) for k, c in contacts.items()} == {k: EXPECTED[k] for k in list(EXPECTED)[:3]}
    assert _read("details-query-empty.json") == {}


def test_import_end_to_end(ccc_workspace, ccc_pm):
    ccc_pm.register(ccc_genesys_cloud)
    db = open_db(ccc_workspace.db_path)
    summary = import_file(db, ccc_workspace, ccc_pm, "genesys-cloud", REAL / "details-query.json")
    assert (summary["imported"], summary["quarantined"]) == (9, 0)
    rows = {r[0]: tuple(r[1:]) for r in db.execute(
        "SELECT source_id, outcome, channel, direction, queue, queue_name, wait_s, talk_s, hold_s, wrap_s, agent "
        "FROM contacts")}
    assert rows == EXPECTED
    empty = import_file(db, ccc_workspace, ccc_pm, "genesys-cloud", REAL / "details-query-empty.json")
    assert (empty["status"], empty["imported"], empty["quarantined"]) == ("imported", 0, 0)
    db.conn.close()


@pytest.mark.parametrize("wrong", [
    SAMPLE / "queue_log", SAMPLE / "ctr.jsonl", SAMPLE / "truth.csv", ASTERISK_REAL / "queue_log_table-mysql.tsv",
])
def test_other_formats_are_refused_whole(ccc_workspace, ccc_pm, wrong):
    ccc_pm.register(ccc_genesys_cloud)
    db = open_db(ccc_workspace.db_path)
    with pytest.raises(SourceError, match=r"does not look like Genesys Cloud conversation details: line \d+ ") as err:
        import_file(db, ccc_workspace, ccc_pm, "genesys-cloud", wrong)
    assert "\n" not in str(err.value)
    assert db.execute("SELECT count(*) FROM contacts").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM batches").fetchone()[0] == 0
    db.conn.close()
