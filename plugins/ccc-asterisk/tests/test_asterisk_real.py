"""Real-shaped queue_log files of several Asterisk versions and table exports (see data/real/README.md).

Each file is read by the reader (with a `ReadContext`) and imported end to end (`import_file`), and a
file of another platform's format is refused as a whole.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

import ccc_asterisk
from ccc_asterisk.reader import read_queue_log
from ccc_governance.errors import SourceError
from ccc_governance.records import Contact, Rejected
from ccc_governance.sources import ReadContext
from ccc_governance.testing import flatten, import_file, open_db

REAL = Path(__file__).parent / "data" / "real"
SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "october-2026"


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=timezone.utc)


def _read(path: Path, **options):
    context = ReadContext(path=path, options=options, state={})
    records = flatten(read_queue_log(context))
    contacts = {r.source_id: r for r in records if isinstance(r, Contact)}
    rejected = [r for r in records if isinstance(r, Rejected)]
    return contacts, rejected, context


def _summary(c: Contact):
    return (c.outcome, c.wait_s, c.talk_s, c.transferred, c.agent)


def test_asterisk_1_4_layouts():
    contacts, rejected, context = _read(REAL / "queue_log-asterisk-1.4")
    assert rejected == []
    assert {k: _summary(c) for k, c in contacts.items()} == {
        "1790841600.101": ("answered", 8.0, 120.0, False, "Agent/1001"),
        # 1.4 TRANSFER has no origposition: holdtime and calltime are data3 and data4.
        "1790841700.103": ("answered", 5.0, 85.0, True, "Agent/1002"),
        # EXITWITHTIMEOUT|position and EXITWITHKEY|key|position carry no wait: it comes from the times.
        "1790841800.105": ("timeout", 60.0, None, None, None),
        "1790841900.106": ("exit_key", 12.0, None, None, None),
        "1790842000.107": ("abandoned", 21.0, None, None, None),
        # AGENTDUMP then ABANDON: the ABANDON line gives the wait.
        "1790842100.108": ("abandoned", 10.0, None, None, None),
        # SYSCOMPAT alone: app_queue dropped the caller and counted it abandoned.
        "1790842200.109": ("abandoned", 4.0, None, None, None),
        # COMPLETECALLER without a CONNECT line (rotated log): still answered, agent from the line.
        "1790842300.110": ("answered", 0.0, 30.0, False, "Agent/1001"),
    }
    first = contacts["1790841600.101"]
    assert first.arrived_at == _utc(1790841600) and first.answered_at == _utc(1790841608)
    assert first.customer == "0612345601" and first.queue == "support" and first.channel == "voice"
    assert (first.hold_s, first.wrap_s) == (0.0, 0.0)
    # Agent login/logoff lines carry a real uniqueid as callid but are not calls: nothing is left open.
    assert context.state["open_calls"] == {}


def test_asterisk_18_layouts_and_fractional_epochs():
    contacts, rejected, context = _read(REAL / "queue_log-asterisk-18")
    assert rejected == []
    assert {k: _summary(c) for k, c in contacts.items()} == {
        "1790841599.201": ("answered", 20.0, 180.0, True, "PJSIP/2002"),
        "1790841700.203": ("answered", 9.0, 121.0, True, "PJSIP/2001"),
        "1790841710.205": ("answered", 12.0, 178.0, True, "PJSIP/2002"),
        "1790841720.207": ("answered", 15.0, 260.0, True, "PJSIP/2001"),
        "1790842000.209": ("timeout", 300.0, None, None, None),
        "1790842100.210": ("timeout", 4.0, None, None, None),
        "1790842200.211": ("exit_key", 7.0, None, None, None),
        "1790842300.212": ("abandoned", 25.0, None, None, None),
    }
    blind = contacts["1790841599.201"]
    # Fractional epochs are kept to the millisecond.
    assert blind.arrived_at == datetime(2026, 10, 1, 8, 0, 0, 92000, tzinfo=timezone.utc)
    assert blind.answered_at == datetime(2026, 10, 1, 8, 0, 20, 551000, tzinfo=timezone.utc)
    assert blind.customer == "+33612345611"
    assert contacts["1790842000.209"].customer is None  # "anonymous" is no caller id
    assert context.state["open_calls"] == {}


def test_realtime_table_with_single_data_column():
    contacts, rejected, _ = _read(REAL / "queue_log_table-data.csv")
    assert rejected == []
    answered, abandoned = contacts["1790842200.401"], contacts["1790842260.403"]
    assert _summary(answered) == ("answered", 6.0, 120.0, False, "PJSIP/2001")
    assert answered.arrived_at == datetime(2026, 10, 1, 8, 10, 0, 123000, tzinfo=timezone.utc)
    assert answered.customer == "0612345621"
    assert _summary(abandoned) == ("abandoned", 42.0, None, None, None)


def test_mysql_tab_separated_dump_with_nulls_and_overflow():
    contacts, rejected, _ = _read(REAL / "queue_log_table-mysql.tsv", timezone="Europe/Paris")
    assert rejected == []
    linked, timed_out = contacts["1790842800.501"], contacts["1790842860.503"]
    assert _summary(linked) == ("answered", 10.0, 240.0, True, "PJSIP/3001")
    assert linked.arrived_at == datetime(2026, 10, 1, 8, 20, tzinfo=timezone.utc)  # 10:20 in Paris
    assert linked.customer == "0612345631" and linked.queue == "sales"
    assert _summary(timed_out) == ("timeout", 60.0, None, None, None)


@pytest.mark.parametrize("name, imported", [
    ("queue_log-asterisk-1.4", 8), ("queue_log-asterisk-18", 8),
    ("queue_log_table-data.csv", 2), ("queue_log_table-mysql.tsv", 2),
])
def test_real_files_import_end_to_end(ccc_workspace, ccc_pm, name, imported):
    ccc_pm.register(ccc_asterisk)
    db = open_db(ccc_workspace.db_path)
    summary = import_file(db, ccc_workspace, ccc_pm, "asterisk-queue-log", REAL / name)
    assert (summary["status"], summary["imported"], summary["quarantined"]) == ("imported", imported, 0)
    assert db.execute("SELECT count(*) FROM contacts WHERE outcome = 'open'").fetchone()[0] == 0
    db.conn.close()


def test_end_to_end_values_of_a_1_4_transfer(ccc_workspace, ccc_pm):
    ccc_pm.register(ccc_asterisk)
    db = open_db(ccc_workspace.db_path)
    import_file(db, ccc_workspace, ccc_pm, "asterisk-queue-log", REAL / "queue_log-asterisk-1.4")
    row = db.execute("SELECT outcome, wait_s, talk_s, hold_s, wrap_s, channel, queue, transferred "
                     "FROM contacts WHERE source_id = '1790841700.103'").fetchone()
    assert tuple(row) == ("answered", 5.0, 85.0, 0.0, 0.0, "voice", "support", 1)
    db.conn.close()


@pytest.mark.parametrize("sample", ["ctr.jsonl", "genesys.json", "truth.csv"])
def test_other_formats_are_refused_whole(ccc_workspace, ccc_pm, sample):
    ccc_pm.register(ccc_asterisk)
    db = open_db(ccc_workspace.db_path)
    with pytest.raises(SourceError, match=r"does not look like an Asterisk queue_log: line 1 ") as err:
        import_file(db, ccc_workspace, ccc_pm, "asterisk-queue-log", SAMPLE / sample)
    assert "\n" not in str(err.value)
    assert db.execute("SELECT count(*) FROM contacts").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM batches").fetchone()[0] == 0
    db.conn.close()


def test_a_bad_first_line_alone_does_not_refuse_the_file(tmp_path):
    path = tmp_path / "queue_log"
    path.write_text("garbage written by a crashed logrotate\n"
                    "1790841600|1.1|q1|NONE|ENTERQUEUE||555|1\n1790841610|1.1|q1|NONE|ABANDON|1|1|10\n")
    contacts, rejected, _ = _read(path)
    assert list(contacts) == ["1.1"] and [r.line for r in rejected] == [1]
