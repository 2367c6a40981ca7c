"""Tests for the `example` source, with the fixtures and functions of `ccc_governance.testing`."""

from ccc_governance.plugins import get_sources
from ccc_governance.records import Contact, Rejected
from ccc_governance.sources import ReadContext
from ccc_governance.testing import flatten, import_file, list_quarantine

import ccc_example

SAMPLE = (
    "id,arrived_at,outcome,wait_s\n"
    "a1,2026-10-01T08:00:00+02:00,answered,12.5\n"
    "a2,2026-10-01T08:01:00+02:00,abandoned,40\n"
    "a3,not a date,answered,1\n"
    "a4,2026-10-01T08:02:00+02:00,answered,-1\n"
)


def test_reads_a_record_per_row(tmp_path):
    sample = tmp_path / "sample.csv"
    sample.write_text(SAMPLE, encoding="utf-8")
    items = flatten(ccc_example.read(ReadContext(path=sample)))  # flatten: blocks too, if you yield them
    assert [(type(i), i.line) for i in items] == [(Contact, 2), (Contact, 3), (Rejected, 4), (Contact, 5)]
    assert (items[0].source_id, items[0].outcome, items[0].wait_s) == ("a1", "answered", 12.5)
    assert "not a date" in items[2].reason


def test_imports_a_file(ccc_workspace, ccc_db, ccc_pm, tmp_path):
    sample = tmp_path / "sample.csv"
    sample.write_text(SAMPLE, encoding="utf-8")
    ccc_pm.register(ccc_example)
    assert "example" in get_sources(ccc_pm)
    summary = import_file(ccc_db, ccc_workspace, ccc_pm, "example", sample)
    assert (summary["imported"], summary["quarantined"]) == (2, 2)
    reasons = {q["line"]: q["reason"] for q in list_quarantine(ccc_db, summary["batch_id"])}
    assert "not a date" in reasons[4]
    assert reasons[5] == "wait_s is negative (-1.0)"  # judged by the host from the field specification
    rows = ccc_db.execute("SELECT source_id, arrived_at, wait_s FROM contacts ORDER BY source_id").fetchall()
    # 08:00 in Paris (UTC+2) is 06:00 UTC = 1790834400000 ms
    assert rows == [("a1", 1790834400000, 12.5), ("a2", 1790834460000, 40.0)]
