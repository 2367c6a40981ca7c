"""End to end: the installed plugin found through its entry point, importing into a fresh workspace."""

from __future__ import annotations

from pathlib import Path

from ccc_governance.plugins import get_plugin_manager, get_sources
from ccc_governance.testing import import_file, list_quarantine, open_db

SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "october-2026"
T0 = 1790841600


def test_sample_imports_once(ccc_workspace):
    db = open_db(ccc_workspace.db_path)
    pm = get_plugin_manager(ccc_workspace)
    assert "entry point" in get_sources(pm)["asterisk-queue-log"].origin
    summary = import_file(db, ccc_workspace, pm, "asterisk-queue-log", SAMPLE / "queue_log")
    assert (summary["status"], summary["imported"], summary["quarantined"]) == ("imported", 1894, 3)
    counts = dict(db.execute("SELECT outcome, count(*) FROM contacts GROUP BY outcome").fetchall())
    assert counts == {"answered": 1711, "abandoned": 155, "timeout": 5, "exit_key": 20, "open": 3}
    again = import_file(db, ccc_workspace, pm, "asterisk-queue-log", SAMPLE / "queue_log")
    assert again["status"] == "already_imported"
    assert db.execute("SELECT count(*) FROM contacts").fetchone()[0] == 1894
    db.conn.close()


def test_open_call_completed_by_a_later_import(ccc_workspace, tmp_path):
    db = open_db(ccc_workspace.db_path)
    pm = get_plugin_manager(ccc_workspace)
    first = tmp_path / "queue_log.1"
    first.write_text(f"{T0}|1.1|q1|NONE|ENTERQUEUE||0639981111|1\n{T0 + 15}|1.1|q1|PJSIP/1|RINGNOANSWER|15000\n")
    second = tmp_path / "queue_log"
    second.write_text(f"{T0 + 20}|1.1|q1|PJSIP/2|CONNECT|20|1.5|3\n{T0 + 80}|1.1|q1|PJSIP/2|COMPLETECALLER|20|60|1\n")
    import_file(db, ccc_workspace, pm, "asterisk-queue-log", first)
    assert db.execute("SELECT outcome FROM contacts WHERE source_id = '1.1'").fetchone()[0] == "open"
    summary = import_file(db, ccc_workspace, pm, "asterisk-queue-log", second)
    assert summary["replaced"] == 1
    row = db.execute("SELECT outcome, wait_s, talk_s, arrived_at FROM contacts WHERE source_id = '1.1'").fetchone()
    assert tuple(row) == ("answered", 20.0, 60.0, T0 * 1000)
    db.conn.close()


def test_a_contact_the_checks_refuse_is_quarantined_alone(ccc_workspace, ccc_db, ccc_pm, tmp_path):
    """The reader passes a negative wait on as the line gives it; the host quarantines that block
    row with the reason the specification gives, and stores the rest of the block."""
    import ccc_asterisk

    ccc_pm.register(ccc_asterisk)
    path = tmp_path / "queue_log"
    path.write_text(
        f"{T0}|1.1|q1|NONE|ENTERQUEUE||0639981111|1\n"
        f"{T0 + 1}|1.2|q1|NONE|ENTERQUEUE||0639982222|1\n"
        f"{T0 + 2}|1.3|q1|NONE|ENTERQUEUE||0639983333|1\n"
        f"{T0 + 20}|1.2|q1|PJSIP/1|COMPLETEAGENT|-3|60|1\n"
        f"{T0 + 30}|1.1|q1|PJSIP/2|COMPLETECALLER|30|0|1\n"
        f"{T0 + 40}|1.3|q1|NONE|ABANDON|1|1|38\n"
        f"{T0 + 50}|1.4|q1\n"
    )
    summary = import_file(ccc_db, ccc_workspace, ccc_pm, "asterisk-queue-log", path)
    assert (summary["imported"], summary["quarantined"]) == (2, 2)
    quarantined = [(q["line"], q["source_id"], q["reason"]) for q in list_quarantine(ccc_db, summary["batch_id"])]
    assert sorted(quarantined) == [
        (2, "1.2", "wait_s is negative (-3.0)"),
        (7, "1.4", "3 field(s), expected at least 5 (time|callid|queue|agent|event)"),
    ]
    stored = ccc_db.execute("SELECT source_id, outcome, wait_s FROM contacts ORDER BY source_id").fetchall()
    assert [tuple(row) for row in stored] == [("1.1", "answered", 30.0), ("1.3", "abandoned", 38.0)]
