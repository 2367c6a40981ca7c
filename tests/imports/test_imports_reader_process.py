"""Reading in a reader process (`store/parallel.py`) and deferring secondary indexes store
exactly what the plain in-process import stores: same summaries, rows, quarantine, undo.
(The csv plugin's reader is the reader read in a process here.)"""

from __future__ import annotations

import os

import pytest

from ccc_governance.errors import SourceError
from ccc_governance.plugins import get_plugin_manager, get_sources
from ccc_governance.store import applying, imports, parallel
from ccc_governance.store.batches import undo_batch
from ccc_governance.store.db import open_db
from ccc_governance.workspace import init_workspace, load_workspace

ccc_csv = pytest.importorskip("ccc_csv")

MAPPING = """
kind = "contact"
source_id = "id"
timezone = "Europe/Paris"
[fields]
arrived_at = "arrived"
answered_at = "answered"
outcome = "result"
wait_s = "wait"
talk_s = { column = "talk", unit = "min" }
transferred = "xfer"
customer = "caller"
version = "updated"
[values.outcome]
OK = "answered"
GONE = "abandoned"
BAD = "lost"
"""
PARTIAL = 'kind = "contact"\nsource_id = "id"\npartial = true\n[fields]\ncsat = "csat"\nfcr = "fcr"\n'
HEADER = "id,arrived,answered,result,wait,talk,xfer,caller,updated"
ROWS = [
    "a1,2026-10-01T10:00:00Z,2026-10-01T10:00:20Z,OK,20,4.5,yes,+33 6 39 98 00 01,",
    "a2,2026-10-25T02:30:00,,GONE,53,,,0033639980001,",
    "a3,2026-10-01T10:00:00Z,,NOPE,1,,,,",  # not in [values.outcome]: the reader's
    "a4,2026-10-01T10:00:00Z,,BAD,1,,,,",  # 'lost': the host's
    "a5,2026-10-01T10:00:00Z,,OK,-3,,,,",
    ",2026-10-01T10:00:00Z,,OK,3,,,,",
    "a6,2026-10-01T10:00:00Z,,OK,abc,,,,",
    "a7,short",
    "d1,2026-10-02T09:00:00Z,,GONE,9,,,,2026-10-02T10:00:00Z",
    "d1,2026-10-02T09:00:00Z,2026-10-02T09:00:09Z,OK,9,,,,2026-10-02T11:00:00Z",
    "d1,2026-10-02T09:00:00Z,,GONE,9,,,,2026-10-02T09:30:00Z",
]
UPDATE = [
    "a1,2026-10-01T10:00:00Z,2026-10-01T10:00:20Z,OK,21,4.5,yes,+33 6 39 98 00 01,",
    "d1,2026-10-02T09:00:00Z,,GONE,9,,,,2026-10-02T09:00:00Z",
    "n1,2026-10-03T09:00:00Z,,GONE,9,,,,",
]


def _big(n=25_000):
    """n rows, with repeats of earlier ids spread over several chunks (bitmap probes)."""
    lines = [HEADER]
    for i in range(n):
        sid = f"r{i % (n - 3_000)}"  # the last 3,000 rows repeat the first ones
        version = f"2026-10-02T{(i // 1000) % 24:02d}:00:00Z"
        lines.append(f"{sid},2026-10-01T10:{i % 60:02d}:00Z,,GONE,{i % 90},,,+336399{i % 1000:05d},{version}")
    lines.extend(ROWS)
    return "\n".join(lines) + "\n"


def _steps(case):
    first = (MAPPING, HEADER + "\n" + "\n".join(ROWS) + "\n", None)
    update = HEADER + "\n" + "\n".join(UPDATE) + "\n"
    return {
        "one": [first],
        "big": [(MAPPING, _big(), None), (MAPPING, update, None)],
        "update": [first, (MAPPING, update, None)],
        "undo": [first, (MAPPING, update, "undo")],
        "partial": [first, (PARTIAL, "id,csat,fcr\na1,3,yes\na2,,no\nzz,4,\n", None)],
    }[case]


def _dump(db):
    out = {}
    for table in ("contacts", "quarantine", "replaced_rows", "batches"):
        cols = [c.name for c in db[table].columns]
        skip = {"started_at", "finished_at", "elapsed_s", "path", "undone_at", "options"}
        keep = [c for c in cols if c not in skip]
        out[table] = db.conn.execute(f"SELECT {', '.join(keep)} FROM {table} ORDER BY id").fetchall()
    return out


def _run(root, steps):
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
        s = imports.import_file(db, ws, pm, "csv", f, options={"mapping": str(root / "map.toml")})
        summaries.append({k: v for k, v in s.items() if k not in ("elapsed_s", "rows_per_s", "file")})
        if action == "undo":
            undo_batch(db, s["batch_id"])
    return summaries, _dump(db)


@pytest.mark.parametrize("case", ["one", "big", "update", "undo", "partial"])
@pytest.mark.parametrize("how", ["reader process", "deferred indexes"])
def test_reader_process_and_deferred_indexes_store_the_same(tmp_path, monkeypatch, case, how):
    if how == "deferred indexes" and os.environ.get("CCC_TEST_PG"):
        pytest.skip("PostgreSQL keeps its indexes live: others read the store during an import")
    monkeypatch.setenv("CCC_IMPORT_PROCESS", "0")
    plain = _run(tmp_path / "plain", _steps(case))
    used = []
    real = parallel.ReaderProcess.read
    monkeypatch.setattr(parallel.ReaderProcess, "read", lambda *a: used.append(a[2]) or real(*a))
    dropped = []
    real_defer = applying._defer_indexes

    def spy(*args):
        result = real_defer(*args)
        dropped.extend(result)
        return result

    monkeypatch.setattr(applying, "_defer_indexes", spy)
    monkeypatch.setattr(imports, "DEFER_INDEX_BYTES", 0)
    monkeypatch.setenv("CCC_IMPORT_PROCESS", "always" if how == "reader process" else "0")
    other = _run(tmp_path / "other", _steps(case))
    if how == "reader process":
        assert used and not dropped  # the importing process keeps the indexes live meanwhile
        # the reader process never holds the key: the importing process hashes the customers
        # (the same keys as the in-process import: `other == plain` below)
        assert all(job.key == b"" and not job.hash_customers for job in used)
    else:
        assert dropped and not used
    assert other == plain
    assert plain[0][0]["quarantined"] == 6
    if case == "big":
        assert plain[0][0]["duplicates"] + plain[0][0]["older_skipped"] >= 3_000


def test_big_files_are_read_in_a_reader_process_by_default(tmp_path, monkeypatch):
    pm = get_plugin_manager(None, entrypoints=False)
    pm.register(ccc_csv)
    source = get_sources(pm)["csv"]
    monkeypatch.delenv("CCC_IMPORT_PROCESS", raising=False)
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)
    assert parallel.wanted(source, parallel.MIN_BYTES)
    assert not parallel.wanted(source, parallel.MIN_BYTES - 1)
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 1)
    assert not parallel.wanted(source, parallel.MIN_BYTES)
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)
    monkeypatch.setenv("CCC_IMPORT_PROCESS", "0")
    assert not parallel.wanted(source, parallel.MIN_BYTES)


@pytest.mark.sqlite_only  # (indexes are deferred on SQLite only)
def test_indexes_are_rebuilt_and_survive_a_refused_file(tmp_path, monkeypatch):
    monkeypatch.setenv("CCC_IMPORT_PROCESS", "0")
    monkeypatch.setattr(imports, "DEFER_INDEX_BYTES", 0)
    root = tmp_path / "ws"
    _run(root, _steps("one"))
    db = open_db(root / "ccc.db")
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'contacts'")}
    assert {"contacts_queue_time", "contacts_batch"} <= names
    # --strict through the reader process: the same one-line refusal, nothing stored, indexes kept
    ws = load_workspace(root)
    pm = get_plugin_manager(ws, entrypoints=False)
    pm.register(ccc_csv)
    monkeypatch.setenv("CCC_IMPORT_PROCESS", "always")
    f = root / "bad.csv"
    f.write_text(HEADER + "\n" + "\n".join(ROWS[2:]) + "\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"--strict: \d+\+? row\(s\) would be quarantined"):
        imports.import_file(db, ws, pm, "csv", f, strict=True, options={"mapping": str(root / "map.toml")})
    names2 = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'contacts'")}
    assert names2 == names
    assert db.execute("SELECT count(*) FROM batches").fetchone()[0] == 1
    # an unreadable file: the reader's SourceError comes back as it is
    (root / "empty.csv").write_text("", encoding="utf-8")
    with pytest.raises(SourceError, match="the file is empty"):
        imports.import_file(db, ws, pm, "csv", root / "empty.csv", options={"mapping": str(root / "map.toml")})
