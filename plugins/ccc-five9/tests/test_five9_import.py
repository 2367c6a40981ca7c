"""End to end: the installed five9 plugin, found through its entry point, importing into a fresh workspace."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from ccc_governance.errors import SourceError
from ccc_governance.plugins import get_plugin_manager, get_sources
from ccc_governance.testing import import_file

DATA = Path(__file__).parent / "data"
NEW_YORK = {"timezone": "America/New_York"}


@pytest.fixture
def pm(ccc_workspace):
    return get_plugin_manager(ccc_workspace)


def stored(db, sql: str, *params) -> list[tuple]:
    return [tuple(row) for row in db.execute(sql, params).fetchall()]


def test_the_entry_point_registers_the_source(pm):
    source = get_sources(pm)["five9"]
    assert "entry point (ccc-five9)" in source.origin
    assert (source.kinds, source.plugin_version) == (("contact",), "0.1.0")
    assert source.description.startswith("Five9 call log report")


def test_call_log_imports_with_quarantine_and_pseudonymised_callers(ccc_workspace, ccc_db, pm):
    summary = import_file(ccc_db, ccc_workspace, pm, "five9", DATA / "call-log.csv", options=NEW_YORK)
    # 17 data lines: one agent-to-agent call skipped, 4 quarantined, 12 contacts of which 300001 twice.
    assert (summary["imported"], summary["duplicates"], summary["quarantined"]) == (11, 1, 4)
    assert stored(ccc_db, "SELECT line, reason FROM quarantine ORDER BY line")[0] == (
        14, "TALK TIME '00:0x:12': is not a duration (expected HH:MM:SS)")
    assert dict(stored(ccc_db, "SELECT outcome, count(*) FROM contacts GROUP BY outcome")) == {
        "answered": 5, "abandoned": 2, "not_queued": 2, "timeout": 1, "callback": 1}
    # The later row of a call repeated in the report is the one kept.
    row = stored(ccc_db, "SELECT arrived_at, answered_at, wait_s, talk_s, hold_s, wrap_s, queue, agent "
                         "FROM contacts WHERE source_id = '300001'")
    # 2026-10-05T13:00:15Z and 13:00:45Z in epoch milliseconds
    assert row == [(1791205215000, 1791205245000, 30.0, 270.0, 20.0, 90.0, "Billing EN", "ana@acme-ccc.com")]
    keys = [k for (k,) in stored(ccc_db, "SELECT customer_key FROM contacts WHERE customer_key IS NOT NULL")]
    assert len(keys) == 11 and len(set(keys)) == 11
    dump = "\n".join(ccc_db.conn.iterdump())
    for number in ("6175550101", "6175550102", "6175550107", "6175550112", "6175550113"):
        assert number not in dump  # neither in the contacts nor in the quarantined raw text


def test_reimports_add_nothing_and_a_corrected_report_replaces(ccc_workspace, ccc_db, pm, tmp_path):
    path = DATA / "call-log.csv"
    import_file(ccc_db, ccc_workspace, pm, "five9", path, options=NEW_YORK)
    assert import_file(ccc_db, ccc_workspace, pm, "five9", path, options=NEW_YORK)["status"] == "already_imported"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    overlap = tmp_path / "call-log-overlap.csv"  # the next day's report repeats the first calls unchanged
    overlap.write_text(lines[0] + "".join(lines[2:7]), encoding="utf-8")
    again = import_file(ccc_db, ccc_workspace, pm, "five9", overlap, options=NEW_YORK)
    assert (again["imported"], again["replaced"], again["quarantined"]) == (0, 0, 0)
    # A call log has no update time: a later report showing a call differently replaces it
    # (line 2 has 300001's after-call work as 00:01:00, the stored row has line 13's 00:01:30).
    corrected = tmp_path / "call-log-corrected.csv"
    corrected.write_text(lines[0] + lines[1], encoding="utf-8")
    assert import_file(ccc_db, ccc_workspace, pm, "five9", corrected, options=NEW_YORK)["replaced"] == 1
    assert stored(ccc_db, "SELECT wrap_s FROM contacts WHERE source_id = '300001'") == [(60.0,)]
    assert stored(ccc_db, "SELECT count(*) FROM contacts") == [(11,)]


def test_a_file_refused_part_way_stores_nothing(ccc_workspace, ccc_db, pm, tmp_path):
    # The first call carries an offset and is read; the second has none and no time zone was given:
    # the whole file is refused, the call already read included.
    lines = (DATA / "call-log.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    path = tmp_path / "mixed.csv"
    path.write_text(lines[0] + lines[16] + lines[1], encoding="utf-8")
    with pytest.raises(SourceError, match="mixed.csv:3: TIMESTAMP 'Mon, 05 Oct 2026 09:00:00' has no time zone"):
        import_file(ccc_db, ccc_workspace, pm, "five9", path)
    cxone = tmp_path / "completed.jsonl"
    cxone.write_text('{"contactId": 1, "contactStart": "2026-10-05T08:00:00Z"}\n', encoding="utf-8")
    with pytest.raises(SourceError, match="does not look like a Five9 call log"):
        import_file(ccc_db, ccc_workspace, pm, "five9", cxone, options=NEW_YORK)
    assert stored(ccc_db, "SELECT (SELECT count(*) FROM contacts), (SELECT count(*) FROM batches), "
                          "(SELECT count(*) FROM quarantine)") == [(0, 0, 0)]


def test_a_bad_value_in_a_block_row_quarantines_that_row_alone(ccc_workspace, ccc_db, pm, monkeypatch):
    # The host judges every block row with the specification's checks: a value the reader let through
    # (here an outcome made unknown on purpose) quarantines its call with the reason a record would get.
    from ccc_five9 import reader

    row_of = reader._RowReader.row_of

    def corrupted(self, cells, line):
        values = row_of(self, cells, line)
        if values is not None and values[0] == "300002":
            values = values[:3] + ("hung_up",) + values[4:]
        return values

    monkeypatch.setattr(reader._RowReader, "row_of", corrupted)
    summary = import_file(ccc_db, ccc_workspace, pm, "five9", DATA / "call-log.csv", options=NEW_YORK)
    assert (summary["imported"], summary["duplicates"], summary["quarantined"]) == (10, 1, 5)
    assert stored(ccc_db, "SELECT line, reason FROM quarantine WHERE line = 3") == [
        (3, "outcome 'hung_up' is not one of answered, abandoned, timeout, exit_key, callback, not_queued, open")]
    assert stored(ccc_db, "SELECT count(*) FROM contacts WHERE source_id = '300002'") == [(0,)]


def test_the_reader_process_stores_the_same(tmp_path, monkeypatch):
    # Big files are read in a second process (Source.separate_process): the reader must be found by
    # name there, and what is stored must be what an import in one process stores.
    from ccc_governance.testing import open_db
    from ccc_governance.workspace import init_workspace, load_workspace

    source = get_sources(get_plugin_manager(None))["five9"]
    assert source.separate_process and pickle.loads(pickle.dumps(source.read)) is source.read
    stores = []
    for how in ("0", "always"):
        monkeypatch.setenv("CCC_IMPORT_PROCESS", how)
        init_workspace(tmp_path / how, key="00" * 32)
        workspace = load_workspace(tmp_path / how)
        db = open_db(workspace.db_path)
        summary = import_file(db, workspace, get_plugin_manager(workspace), "five9", DATA / "call-log.csv", options=NEW_YORK)
        contacts = db.execute("SELECT * FROM contacts ORDER BY source_id, line")
        names = [d[0] for d in contacts.description]
        rows = [{n: v for n, v in zip(names, row) if n not in ("id", "batch_id")} for row in contacts]
        quarantine = stored(db, "SELECT line, reason, raw, source_id FROM quarantine ORDER BY line")
        stores.append(({k: summary[k] for k in ("imported", "replaced", "duplicates", "quarantined")}, rows, quarantine))
        db.conn.close()
    assert stores[0] == stores[1]
    assert stores[0][1] and stores[0][2]  # contacts stored and rows quarantined, both ways
