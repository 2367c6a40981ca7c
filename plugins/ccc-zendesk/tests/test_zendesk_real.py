"""Real-shaped Zendesk Support exports (see data/real/README.md): reader, end-to-end import, wrong formats."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

import ccc_zendesk
from ccc_governance.errors import SourceError
from ccc_governance.records import Contact, Rejected, SurveyResponse
from ccc_governance.sources import ReadContext
from ccc_governance.testing import import_file, open_db
from ccc_zendesk.reader import read_zendesk

REAL = Path(__file__).parent / "data" / "real"
SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "october-2026"
ASTERISK_REAL = Path(__file__).resolve().parents[2] / "ccc-asterisk" / "tests" / "data" / "real"


def _read(name: str, **options):
    records = list(read_zendesk(ReadContext(path=REAL / name, options=options)))
    assert [r for r in records if isinstance(r, Rejected)] == []
    return records


def test_incremental_cursor_export_channels_directions_and_deleted():
    contacts = {c.source_id: c for c in _read("incremental-tickets-cursor.json")}
    got = {k: (c.outcome, c.channel, c.direction, c.queue) for k, c in contacts.items()}
    assert got == {
        "1001": ("answered", "email", "inbound", "360001"),
        "1002": ("open", "email", "inbound", "360002"),          # via web (help-center form)
        "1003": ("answered", "chat", "inbound", "360001"),       # native_messaging, closed
        "1004": ("answered", "chat", "inbound", "360001"),       # whatsapp, pending
        "1005": ("answered", "voice", "outbound", "360001"),     # voice, via.source.rel = outbound
        "1006": ("answered", "voice", "inbound", "360001"),      # voice, on hold
        "1007": ("open", "email", "inbound", None),              # web_widget: the default channel
    }                                                            # 1008 is deleted: skipped
    assert contacts["1003"].csat == 5.0 and contacts["1001"].csat is None  # "unoffered" is no answer
    assert contacts["1001"].arrived_at == datetime(2026, 10, 1, 8, tzinfo=timezone.utc)
    assert all(c.partial for c in contacts.values())


def test_time_based_export_with_side_loaded_metric_sets_and_groups():
    records = _read("incremental-tickets-time-metric_sets.json")
    tickets = [r for r in records if r.channel is not None]
    metrics = [r for r in records if r.channel is None]
    assert [(t.source_id, t.queue, t.queue_name) for t in tickets] == [("1001", "360001", "Facturation"),
                                                                       ("1002", "360002", None)]
    m1001, m1002 = metrics
    assert (m1001.source_id, m1001.outcome, m1001.first_response_s, m1001.first_response_business_s,
            m1001.resolution_s, m1001.resolution_business_s) == ("1001", "answered", 5700.0, 2100.0, 90000.0, 30000.0)
    assert m1001.ended_at == datetime(2026, 10, 2, 9, tzinfo=timezone.utc)
    # No reply yet: every time stays unknown, never zero.
    assert (m1002.outcome, m1002.first_response_s, m1002.resolution_s, m1002.ended_at) == (None, None, None, None)


def test_ticket_metrics_and_satisfaction_ratings_pages():
    metrics = {c.source_id: c for c in _read("ticket_metrics.json")}
    assert {k: (c.first_response_s, c.first_response_business_s, c.resolution_s) for k, c in metrics.items()} == {
        "1003": (120.0, 120.0, 1200.0), "1004": (300.0, 0.0, None), "1005": (0.0, 0.0, 600.0)}
    ratings = _read("satisfaction_ratings.json")
    surveys = [r for r in ratings if isinstance(r, SurveyResponse)]
    assert [(s.source_id, s.contact_id, s.csat, s.queue, s.agent) for s in surveys] == [
        ("7001", "1003", 5.0, "360001", "8001"), ("7002", "1001", 1.0, "360001", "8001")]  # "offered" skipped
    assert [(c.source_id, c.csat) for c in ratings if isinstance(c, Contact)] == [("1003", 5.0), ("1001", 1.0)]


def test_single_ticket_response():
    (contact,) = _read("show-ticket.json")
    assert (contact.source_id, contact.outcome, contact.channel) == ("1001", "answered", "email")


def test_all_exports_join_end_to_end(ccc_workspace, ccc_pm):
    ccc_pm.register(ccc_zendesk)
    db = open_db(ccc_workspace.db_path)
    for name in ("satisfaction_ratings.json", "incremental-tickets-cursor.json", "ticket_metrics.json",
                 "incremental-tickets-time-metric_sets.json", "show-ticket.json"):
        summary = import_file(db, ccc_workspace, ccc_pm, "zendesk", REAL / name)
        assert summary["quarantined"] == 0, (name, summary["quarantine"])
    rows = {r[0]: tuple(r[1:]) for r in db.execute(
        "SELECT source_id, outcome, channel, direction, queue, first_response_s, resolution_s, csat FROM contacts")}
    assert rows == {
        "1001": ("answered", "email", "inbound", "360001", 5700.0, 90000.0, 1.0),
        "1002": ("open", "email", "inbound", "360002", None, None, None),
        "1003": ("answered", "chat", "inbound", "360001", 120.0, 1200.0, 5.0),
        "1004": ("answered", "chat", "inbound", "360001", 300.0, None, None),
        "1005": ("answered", "voice", "outbound", "360001", 0.0, 600.0, None),
        "1006": ("answered", "voice", "inbound", "360001", None, None, None),
        "1007": ("open", "email", "inbound", None, None, None, None),
    }
    assert db.execute("SELECT count(*) FROM surveys").fetchone()[0] == 2
    db.conn.close()


@pytest.mark.parametrize("wrong, match", [
    (SAMPLE / "ctr.jsonl", r"does not look like a Zendesk .*export: line 1 is "),
    (SAMPLE / "genesys.json", r"does not look like a Zendesk .*export: line \d+ is "),
    (SAMPLE / "queue_log", r"this is not JSON"),
    (ASTERISK_REAL / "queue_log_table-data.csv", r"this is not JSON"),
])
def test_other_formats_are_refused_whole(ccc_workspace, ccc_pm, wrong, match):
    ccc_pm.register(ccc_zendesk)
    db = open_db(ccc_workspace.db_path)
    with pytest.raises(SourceError, match=match) as err:
        import_file(db, ccc_workspace, ccc_pm, "zendesk", wrong)
    assert "\n" not in str(err.value)
    assert db.execute("SELECT count(*) FROM contacts").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM batches").fetchone()[0] == 0
    db.conn.close()
