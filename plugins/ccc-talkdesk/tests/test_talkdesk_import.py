"""End to end: the installed talkdesk plugin through the host's import pipeline into a fresh workspace."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest

from ccc_governance.errors import SourceError
from ccc_governance.plugins import get_plugin_manager, get_sources
from ccc_governance.testing import import_file

DATA = Path(__file__).parent / "data"


@pytest.fixture
def pm(ccc_workspace):
    return get_plugin_manager(ccc_workspace)


def stored(db, sql: str, *params) -> list[tuple]:
    return [tuple(row) for row in db.execute(sql, params).fetchall()]


def test_the_entry_point_registers_the_source(pm):
    source = get_sources(pm)["talkdesk"]
    assert "entry point" in source.origin and source.plugin_version == "0.1.0"


def test_import_quarantines_bad_calls_and_keeps_the_later_delivery(ccc_workspace, ccc_db, pm):
    summary = import_file(ccc_db, ccc_workspace, pm, "talkdesk", DATA / "calls-explore.json")
    # 13 entries: 9 calls (one delivered twice), 3 quarantined.
    assert (summary["imported"], summary["quarantined"]) == (9, 3)
    assert summary["replaced"] + summary["duplicates"] == 1
    row = ccc_db.execute("SELECT csat, wait_s, outcome, arrived_at FROM contacts WHERE source_id = ?",
                         ("c0a1e9d3b1475f68c7d9a1b2c3d40001",)).fetchone()
    assert tuple(row) == (5.0, 18.0, "answered", 1791187200000)  # 2026-10-05T08:00:00Z in epoch ms
    reasons = [r[0] for r in ccc_db.execute("SELECT reason FROM quarantine ORDER BY line")]
    assert reasons[2] == "call c0a1e9d3b1475f68c7d9a1b2c3d40012: wait_time -3 is negative"
    lines = [r[0] for r in ccc_db.execute("SELECT line FROM quarantine ORDER BY line")]
    assert lines == [205, 213, 221]


def test_reimport_adds_nothing(tmp_path, ccc_workspace, ccc_db, pm):
    first = import_file(ccc_db, ccc_workspace, pm, "talkdesk", DATA / "calls-report.csv")
    assert (first["imported"], first["quarantined"]) == (4, 1)
    again = import_file(ccc_db, ccc_workspace, pm, "talkdesk", DATA / "calls-report.csv")
    assert again["status"] == "already_imported"
    # The same calls in another file (here: without the truncated last line) change nothing either.
    copy = tmp_path / "calls-again.csv"
    copy.write_text("".join((DATA / "calls-report.csv").read_text().splitlines(keepends=True)[:-1]))
    third = import_file(ccc_db, ccc_workspace, pm, "talkdesk", copy)
    assert (third["imported"], third["replaced"], third["duplicates"], third["quarantined"]) == (0, 0, 4, 0)
    assert ccc_db.execute("SELECT count(*) FROM contacts").fetchone()[0] == 4


def test_customers_are_not_stored_in_clear(ccc_workspace, ccc_db, pm):
    import_file(ccc_db, ccc_workspace, pm, "talkdesk", DATA / "calls-report.csv")
    keys = [r[0] for r in ccc_db.execute("SELECT customer_key FROM contacts")]
    assert all(k and len(k) == 32 for k in keys)
    dump = "\n".join(ccc_db.conn.iterdump())
    assert "+33639981" not in dump and "33639981001" not in dump
    assert "<phone>" in dump  # the truncated line is quarantined with the number masked


def test_a_file_refused_whole_stores_nothing(tmp_path, ccc_workspace, ccc_db, pm):
    # Good calls first, then bytes that are not UTF-8: the whole batch is refused, nothing kept.
    path = tmp_path / "calls.csv"
    shutil.copy(DATA / "calls-report.csv", path)
    with open(path, "ab") as fh:
        fh.write(b"\nd9,CA9,inbound,2026-10-06T09:00:00Z,,,,\xff\xfe,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\n")
    with pytest.raises(SourceError, match="not utf-8-sig text"):
        import_file(ccc_db, ccc_workspace, pm, "talkdesk", path)
    assert ccc_db.execute("SELECT count(*) FROM contacts").fetchone()[0] == 0
    assert ccc_db.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 0


def test_a_bad_value_in_a_block_row_quarantines_that_row_alone(ccc_workspace, ccc_db, pm, monkeypatch):
    # The host judges every block row with the specification's checks: a value the reader let through
    # (here a negative talk time made on purpose) quarantines its call with the reason a record would get.
    from ccc_talkdesk import reader

    row_of = reader.row_of

    def corrupted(*args):
        row = row_of(*args)
        return row[:8] + (-5.0,) + row[9:] if row[0] == "d1000000000000000000000000000001" else row

    monkeypatch.setattr(reader, "row_of", corrupted)
    summary = import_file(ccc_db, ccc_workspace, pm, "talkdesk", DATA / "calls-report.csv")
    assert (summary["imported"], summary["quarantined"]) == (3, 2)
    reasons = [tuple(r) for r in ccc_db.execute("SELECT line, reason FROM quarantine ORDER BY line")]
    assert reasons == [(2, "talk_s is negative (-5.0)"), (7, "has 13 fields, the header has 39 (a line cut short?)")]
    assert ccc_db.execute("SELECT count(*) FROM contacts WHERE source_id = 'd1000000000000000000000000000001'"
                          ).fetchone()[0] == 0


def test_the_reader_process_stores_the_same(tmp_path, monkeypatch):
    # Big files are read in a second process (Source.separate_process): the reader must be found by
    # name there, and what is stored must be what an import in one process stores.
    from ccc_governance.testing import open_db
    from ccc_governance.workspace import init_workspace, load_workspace

    source = get_sources(get_plugin_manager(None))["talkdesk"]
    assert source.separate_process and pickle.loads(pickle.dumps(source.read)) is source.read
    stores = []
    for how in ("0", "always"):
        monkeypatch.setenv("CCC_IMPORT_PROCESS", how)
        init_workspace(tmp_path / how, key="00" * 32)
        workspace = load_workspace(tmp_path / how)
        db = open_db(workspace.db_path)
        summary = import_file(db, workspace, get_plugin_manager(workspace), "talkdesk", DATA / "calls-explore.json")
        contacts = db.execute("SELECT * FROM contacts ORDER BY source_id, line")
        names = [d[0] for d in contacts.description]
        rows = [{n: v for n, v in zip(names, row) if n not in ("id", "batch_id")} for row in contacts]
        quarantine = stored(db, "SELECT line, reason, raw, source_id FROM quarantine ORDER BY line")
        stores.append(({k: summary[k] for k in ("imported", "replaced", "duplicates", "quarantined")}, rows, quarantine))
        db.conn.close()
    assert stores[0] == stores[1]
    assert stores[0][1] and stores[0][2]  # contacts stored and rows quarantined, both ways
