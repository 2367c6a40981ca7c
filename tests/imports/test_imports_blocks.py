"""Blocks store exactly what records store, whatever the repeats and the bad values.

A `ColumnBlock` whose columns pass is inserted without looking its ids up; the UNIQUE key finds
an id stored by an earlier batch, by an earlier unit or earlier in the same unit, and the rest
of the unit is then resolved the careful way; a block with a bad value is judged row by row.
Hypothesis writes files of contacts with repeated ids, versions in any order and bad values,
imports them one after the other (and undoes the last one) through a reader yielding records and
one yielding ColumnBlocks, in blocks of any size: summaries, stored rows, replaced rows,
quarantine (but its raw text, which shows a record or a block row) and batches must be equal.
"""

from __future__ import annotations

import json
import types
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccc_governance import hookimpl
from ccc_governance.plugins import get_plugin_manager
from ccc_governance.records import Contact
from ccc_governance.sources import Source
from ccc_governance.store.db import open_db
from ccc_governance.blocks import ColumnBlock
from ccc_governance.store.imports import import_file, undo_batch
from ccc_governance.workspace import init_workspace, load_workspace

from import_helpers import T0, T0_MS

FIELDS = ("arrived_at", "outcome", "wait_s", "customer", "version")


def _record(row, line):
    sid, offset, wait, version, customer, partial = row
    if partial:
        return Contact(sid, None, wait_s=wait, partial=True, line=line)
    return Contact(sid, T0 + timedelta(seconds=offset), outcome="answered", wait_s=wait, customer=customer,
                   version=None if version is None else T0 + timedelta(seconds=version), line=line)


def _stored(row, line):
    sid, offset, wait, version, customer, _ = row
    return (sid, line, T0_MS + offset * 1000, "answered", wait, customer, None if version is None else T0_MS + version * 1000)


def block_source(mode: str, size: int):
    """A source reading a JSON list of rows `[id, offset s, wait, version s | null, customer, partial]`."""

    def read(context):
        rows = json.loads(context.path.read_text(encoding="utf-8"))
        for start in range(0, len(rows), size):
            part = rows[start:start + size]
            lines = list(range(start + 1, start + len(part) + 1))
            if mode == "records" or any(r[5] for r in part):
                yield from (_record(r, n) for r, n in zip(part, lines))
                continue
            stored = [_stored(r, n) for r, n in zip(part, lines)]
            yield ColumnBlock("contact", FIELDS, [list(c) for c in zip(*stored)])

    module = types.ModuleType("blocks_plugin")

    @hookimpl
    def register_sources(register):
        register(Source(name="blocks", description="test blocks", read=read))

    module.register_sources = register_sources
    return module


def _dump(db):
    """The stored rows; a contact's id as its rank (PostgreSQL's identities leave gaps SQLite's do not)."""
    out = {}
    for table in ("contacts", "quarantine", "replaced_rows", "batches"):
        cols = [c.name for c in db[table].columns]
        keep = [c for c in cols if c not in {"started_at", "finished_at", "elapsed_s", "path", "undone_at", "options",
                                             "raw"}]
        out[table] = [tuple(r) for r in db.conn.execute(f"SELECT {', '.join(keep)} FROM {table} ORDER BY id")]
    rank = {row[0]: n for n, row in enumerate(out["contacts"], 1)}
    out["contacts"] = [(rank[row[0]], *row[1:]) for row in out["contacts"]]
    replaced = []
    for row in out["replaced_rows"]:
        old = json.loads(row[3])
        old["id"] = rank.get(old["id"], ("gone", old["id"]))
        replaced.append((*row[:3], old, *row[4:]))
    out["replaced_rows"] = replaced
    return out


def _import_all(root, mode, size, files, undo_last):
    init_workspace(root, key="0" * 64)
    ws = load_workspace(root)
    db = open_db(root / "ccc.db")
    pm = get_plugin_manager(ws, entrypoints=False)
    pm.register(block_source(mode, size))
    summaries = []
    for i, rows in enumerate(files):
        path = root / f"f{i}.json"
        path.write_text(json.dumps(rows), encoding="utf-8")
        s = import_file(db, ws, pm, "blocks", path)
        summaries.append({k: v for k, v in s.items() if k not in ("elapsed_s", "rows_per_s", "file")})
    if undo_last and summaries and summaries[-1]["status"] == "imported":
        undo_batch(db, summaries[-1]["batch_id"])
    result = summaries, _dump(db)
    db.conn.close()
    return result


ROW = st.tuples(
    st.sampled_from(["a", "b", "c", "d", "e"]),
    st.integers(0, 3),
    # -1, NaN, infinity: a wait that is refused, the row is judged (and quarantined) by the record path
    st.sampled_from([0.0, 1.5, 2.0, -1.0, float("nan"), float("inf")]),
    st.one_of(st.none(), st.integers(0, 3)),
    st.sampled_from([None, "+33639980001", "caller@example.com"]),
    st.just(False),
)
FILE = st.lists(ROW, min_size=0, max_size=12)
PARTIAL_ROW = st.tuples(st.sampled_from(["a", "b", "z"]), st.just(0), st.sampled_from([0.5, 4.0]), st.none(),
                        st.none(), st.just(True))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.lists(st.one_of(FILE, st.lists(PARTIAL_ROW, min_size=1, max_size=4)), min_size=1, max_size=3),
       size=st.integers(1, 5), undo_last=st.booleans())
def test_blocks_store_what_records_store(tmp_path_factory, files, size, undo_last):
    root = tmp_path_factory.mktemp("blocks")
    expected = _import_all(root / "records", "records", size, files, undo_last)
    assert _import_all(root / "columns", "columns", size, files, undo_last) == expected


def test_a_repeat_across_units_is_resolved_by_version(tmp_path):
    """Three copies of one id in three blocks, newest in the middle: the newest is kept."""
    rows = [["x", 0, 1.0, 2, None, False], ["y", 0, 1.0, None, None, False], ["x", 0, 9.0, 3, None, False],
            ["x", 0, 5.0, 1, None, False]]
    summaries, dump = _import_all(tmp_path / "c", "columns", 1, [rows], False)
    s = summaries[0]
    assert (s["imported"], s["duplicates"], s["older_skipped"]) == (2, 1, 1)
    wait = {r[2]: r for r in dump["contacts"]}["x"]
    assert 9.0 in wait


def test_a_float_that_is_not_finite_is_quarantined_whatever_the_path(tmp_path):
    rows = [["a", 0, float("nan"), None, None, False], ["b", 0, float("inf"), None, None, False],
            ["c", 0, 2.0, None, None, False]]
    for mode in ("records", "columns"):
        summaries, dump = _import_all(tmp_path / mode, mode, 3, [rows], False)
        assert (summaries[0]["imported"], summaries[0]["quarantined"]) == (1, 2)
        assert [q["reason"] for q in summaries[0]["quarantine"]] == [
            "wait_s is not a finite number (nan)", "wait_s is not a finite number (inf)"]


def test_a_bad_block_row_is_quarantined_with_its_values_and_no_customer(tmp_path):
    rows = [["a", 0, -1.0, None, "+33639980001", False], ["b", 0, 2.0, None, None, False]]
    summaries, _ = _import_all(tmp_path / "c", "columns", 5, [rows], False)
    assert (summaries[0]["imported"], summaries[0]["quarantined"]) == (1, 1)
    db = open_db(tmp_path / "c" / "ccc.db")
    reason, raw, sid = db.conn.execute("SELECT reason, raw, source_id FROM quarantine").fetchone()
    assert (reason, sid) == ("wait_s is negative (-1.0)", "a")
    assert "wait_s=-1.0" in raw and "customer='<hidden>'" in raw and "39980001" not in raw
