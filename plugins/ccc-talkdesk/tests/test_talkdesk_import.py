"""End to end: the installed talkdesk plugin through the host's import pipeline into a fresh workspace."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ccc_governance.errors import SourceError
from ccc_governance.plugins import get_plugin_manager, get_sources
from ccc_governance.store.imports import import_file

DATA = Path(__file__).parent / "data"


@pytest.fixture
def pm(ccc_workspace):
    return get_plugin_manager(ccc_workspace)


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
