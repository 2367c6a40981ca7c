"""The csv source's fast path (ColumnBlocks, RowBlocks) stores exactly what the record path stores.

Each file is imported twice into fresh workspaces: once as shipped (fast path) and once with the
fast path switched off (every row built as an attrs record); the summaries, stored rows and
quarantine must be identical, including for bad rows, time-zone changes and re-imports.
"""

from __future__ import annotations

import pytest

import ccc_csv
from ccc_csv import reader as csv_reader
from ccc_governance.plugins import get_plugin_manager
from ccc_governance.store.db import open_db
from ccc_governance.store.imports import import_file, undo_batch
from ccc_governance.workspace import init_workspace, load_workspace

ISO_PARIS = """
kind = "contact"
source_id = "id"
timezone = "Europe/Paris"
[fields]
arrived_at = "arrived"
answered_at = "answered"
ended_at = "ended"
queue = "queue"
outcome = "result"
wait_s = "wait"
talk_s = { column = "talk", unit = "min" }
hold_s = { column = "hold", unit = "hms" }
transferred = "xfer"
csat = "csat"
csat_scale = { value = 5 }
customer = "caller"
version = "updated"
[values.outcome]
OK = "answered"
GONE = "abandoned"
BAD = "lost"
"""

HEADER = "id,arrived,answered,ended,queue,result,wait,talk,hold,xfer,csat,caller,updated"
ROWS = [
    "a1,2026-10-01T10:00:00Z,2026-10-01T10:00:20Z,2026-10-01T10:05:00Z,billing,OK,20,4.5,0:01:05,yes,4,+33 6 39 98 00 01,",
    "a2,2026-10-01T10:00:07Z,,2026-10-01T10:01:00Z,billing,GONE,53,,,,,0033639980001,",
    # naive local times across the end of summer time (Paris, 25 Oct 2026, 03:00 → 02:00)
    "a3,2026-10-25T01:59:59,2026-10-25T02:00:00,2026-10-25T02:59:59,sales,OK,1,1,,no,,+33639980002,",
    "a4,2026-10-25T02:30:00,2026-10-25T03:00:00,2026-10-25T03:30:00,sales,OK,1,1,,no,,caller@Example.COM,",
    "a5,2026-03-29T02:30:00,2026-03-29T03:00:00,,sales,OK,1,1,,,,tel:+33639980003,",
    # offsets, fractions, other layouts: correct, just not the quick way
    "a6,2026-10-01T10:00:00+02:00,2026-10-01 10:00:30+02:00,2026-10-01T10:10:00.250+02:00,x,OK,30,1,,,,,",
    "a7, 2026-10-01T11:00:00Z ,,, billing ,GONE, 5 ,,,,,,",
    # bad rows: quarantined with the record path's reasons
    "a8,2026-10-01T10:00:00Z,,,billing,NOPE,1,,,,,,",
    "a9,2026-10-01T10:00:00Z,,,billing,BAD,1,,,,,,",
    "a10,2026-10-01T10:00:00Z,,,billing,OK,-3,,,,,,",
    "a11,,,,billing,OK,3,,,,,,",
    "a12,2026-13-01T10:00:00Z,,,billing,OK,3,,,,,,",
    "a13,2026-10-01T10:00:60Z,,,billing,OK,3,,,,,,",
    ",2026-10-01T10:00:00Z,,,billing,OK,3,,,,,,",
    "a14,2026-10-01T10:00:00Z,,,billing,OK,3,,,maybe,,,",
    "a15,2026-10-01T10:00:00Z,,,billing,OK,abc,,,,,,",
    "a16,2026-10-01T10:00:00Z,,,billing",
    # in-file repeats resolved by version, whatever their order
    "d1,2026-10-02T09:00:00Z,,,billing,GONE,9,,,,,,2026-10-02T10:00:00Z",
    "d1,2026-10-02T09:00:00Z,2026-10-02T09:00:09Z,,billing,OK,9,,,,,,2026-10-02T11:00:00Z",
    "d1,2026-10-02T09:00:00Z,,,billing,GONE,9,,,,,,2026-10-02T09:30:00Z",
    "d2,2026-10-02T09:00:00Z,,,billing,GONE,9,,,,,,",
    "d2,2026-10-02T09:00:00Z,,,billing,GONE,9,,,,,,",
]
UPDATE = [
    "a1,2026-10-01T10:00:00Z,2026-10-01T10:00:20Z,2026-10-01T10:06:00Z,billing,OK,20,4.5,0:01:05,yes,5,+33 6 39 98 00 01,",
    "a2,2026-10-01T10:00:07Z,,2026-10-01T10:01:00Z,billing,GONE,53,,,,,0033639980001,",
    "d1,2026-10-02T09:00:00Z,,,billing,GONE,9,,,,,,2026-10-02T09:00:00Z",
    "n1,2026-10-03T09:00:00Z,,,billing,GONE,9,,,,,,",
]

PARTIAL = """
kind = "contact"
source_id = "id"
partial = true
[fields]
csat = "csat"
fcr = "fcr"
"""


def _dump(db):
    out = {}
    for table in ("contacts", "quarantine", "replaced_rows", "batches"):
        cols = [r[1] for r in db.conn.execute(f"PRAGMA table_info({table})")]
        skip = {"started_at", "finished_at", "elapsed_s", "path", "undone_at", "options"}
        keep = [c for c in cols if c not in skip]
        out[table] = db.conn.execute(f"SELECT {', '.join(keep)} FROM {table} ORDER BY id").fetchall()
    return out


def _run(tmp_path, name, steps, fast: bool, monkeypatch):
    if not fast:
        monkeypatch.setattr(csv_reader, "_fast_builder", lambda mapping, index: None)
    root = tmp_path / name
    init_workspace(root, key="0" * 64)
    ws = load_workspace(root)
    db = open_db(root / "ccc.db")
    pm = get_plugin_manager(ws, entrypoints=False)
    pm.register(ccc_csv)
    summaries = []
    for mapping, text, action in steps:
        (root / "map.toml").write_text(mapping, encoding="utf-8")
        f = root / f"f{len(summaries)}.csv"
        f.write_text(text, encoding="utf-8")
        s = import_file(db, ws, pm, "csv", f, options={"mapping": str(root / "map.toml")})
        s = {k: v for k, v in s.items() if k not in ("elapsed_s", "rows_per_s", "file")}
        summaries.append(s)
        if action == "undo":
            undo_batch(db, s["batch_id"])
    monkeypatch.undo()
    return summaries, _dump(db)


@pytest.mark.parametrize("block", [1000, 3])  # 3: clean blocks go as ColumnBlocks, odd ones row by row
@pytest.mark.parametrize("case", ["one", "update", "undo", "partial"])
def test_fast_path_stores_what_the_record_path_stores(tmp_path, monkeypatch, case, block):
    first = (ISO_PARIS, HEADER + "\n" + "\n".join(ROWS) + "\n", None)
    steps = {
        "one": [first],
        "update": [first, (ISO_PARIS, HEADER + "\n" + "\n".join(UPDATE) + "\n", None)],
        "undo": [first, (ISO_PARIS, HEADER + "\n" + "\n".join(UPDATE) + "\n", "undo")],
        "partial": [first, (PARTIAL, "id,csat,fcr\na1,3,yes\na2,,no\nzz,4,\n", None)],
    }[case]
    monkeypatch.setattr(csv_reader, "BLOCK", block)
    taken = []
    real = csv_reader._column_builder
    monkeypatch.setattr(csv_reader, "_column_builder", lambda *a: taken.append(1) or real(*a))
    fast = _run(tmp_path, "fast", steps, True, monkeypatch)
    assert taken
    slow = _run(tmp_path, "slow", steps, False, monkeypatch)
    assert fast == slow
    assert fast[0][0]["quarantined"] >= 9


def test_fast_path_is_taken_for_plain_mappings(tmp_path):
    (tmp_path / "map.toml").write_text(ISO_PARIS, encoding="utf-8")
    mapping = csv_reader.load_mapping(tmp_path / "map.toml")
    index = {name: i for i, name in enumerate(HEADER.split(","))}
    fields, fast = csv_reader._fast_builder(mapping, index)
    row = ROWS[0].split(",")
    values = fast(row, 2)
    assert values[0] == "a1" and values[1] == 2
    assert values[2] == 1790848800000  # 2026-10-01T10:00:00Z in epoch ms
    assert fast(ROWS[7].split(","), 9) is None  # NOPE is not in [values.outcome]: the record path says why


def test_clean_blocks_go_column_by_column_and_odd_ones_row_by_row(tmp_path, monkeypatch):
    from ccc_governance.sources import ReadContext
    from ccc_governance.store.fastrows import ColumnBlock, RowBlock

    (tmp_path / "map.toml").write_text(ISO_PARIS, encoding="utf-8")
    f = tmp_path / "f.csv"
    f.write_text(HEADER + "\n" + "\n".join(ROWS[:2] + ROWS[7:9]) + "\n", encoding="utf-8")
    monkeypatch.setattr(csv_reader, "BLOCK", 2)
    items = list(csv_reader.read_csv(ReadContext(path=f, options={"mapping": str(tmp_path / "map.toml")})))
    assert type(items[0]) is ColumnBlock
    assert items[0].columns[0] == ["a1", "a2"] and items[0].columns[1] == [2, 3]
    assert items[0].columns[2] == [1790848800000, 1790848807000]  # arrived_at, epoch ms
    assert items[0].fallback(1).source_id == "a2"
    # NOPE is not in [values.outcome]: that block is read row by row, that row the ordinary way;
    # BAD maps to "lost", which the host refuses (in a RowBlock, judged by the record path)
    assert [type(i).__name__ for i in items[1:]] == ["Rejected", "RowBlock"]
    assert items[2].rows[0][0] == "a9"
