"""Reading in a reader process (`store/parallel.py`) and deferring secondary indexes store
exactly what the plain in-process import stores: same summaries, rows, quarantine, undo."""

from __future__ import annotations

import pytest

from ccc_governance.errors import SourceError
from ccc_governance.store import imports, parallel

from test_ccc_csv_fastpath import HEADER, ISO_PARIS, PARTIAL, ROWS, UPDATE, _dump, _run


def _big(n=25_000):
    """n rows, with repeats of earlier ids spread over several chunks (bitmap probes)."""
    lines = [HEADER]
    for i in range(n):
        sid = f"r{i % (n - 3_000)}"  # the last 3,000 rows repeat the first ones
        version = f"2026-10-02T{(i // 1000) % 24:02d}:00:00Z"
        lines.append(f"{sid},2026-10-01T10:{i % 60:02d}:00Z,,,billing,GONE,{i % 90},,,,,+336399{i % 1000:05d},{version}")
    lines.extend(ROWS)
    return "\n".join(lines) + "\n"


def _steps(case):
    first = (ISO_PARIS, HEADER + "\n" + "\n".join(ROWS) + "\n", None)
    return {
        "one": [first],
        "big": [(ISO_PARIS, _big(), None), (ISO_PARIS, HEADER + "\n" + "\n".join(UPDATE) + "\n", None)],
        "update": [first, (ISO_PARIS, HEADER + "\n" + "\n".join(UPDATE) + "\n", None)],
        "undo": [first, (ISO_PARIS, HEADER + "\n" + "\n".join(UPDATE) + "\n", "undo")],
        "partial": [first, (PARTIAL, "id,csat,fcr\na1,3,yes\na2,,no\nzz,4,\n", None)],
    }[case]


class _Keep:
    """monkeypatch stand-in for `_run` that keeps the patches in place."""

    def setattr(self, *a):
        raise AssertionError

    def undo(self):
        pass


@pytest.mark.parametrize("case", ["one", "big", "update", "undo", "partial"])
@pytest.mark.parametrize("how", ["reader process", "deferred indexes"])
def test_reader_process_and_deferred_indexes_store_the_same(tmp_path, monkeypatch, case, how):
    monkeypatch.setenv("CCC_IMPORT_PROCESS", "0")
    plain = _run(tmp_path, "plain", _steps(case), True, monkeypatch)
    used = []
    real = parallel.ReaderProcess.read
    monkeypatch.setattr(parallel.ReaderProcess, "read", lambda *a: used.append(1) or real(*a))
    dropped = []
    real_defer = imports._defer_indexes

    def spy(*args):
        result = real_defer(*args)
        dropped.extend(result)
        return result

    monkeypatch.setattr(imports, "_defer_indexes", spy)
    monkeypatch.setattr(imports, "DEFER_INDEX_BYTES", 0)
    monkeypatch.setenv("CCC_IMPORT_PROCESS", "always" if how == "reader process" else "0")
    other = _run(tmp_path, "other", _steps(case), True, _Keep())
    if how == "reader process":
        assert used and not dropped  # the importing process keeps the indexes live meanwhile
    else:
        assert dropped and not used
    assert other == plain
    if case == "big":
        assert plain[0][0]["duplicates"] + plain[0][0]["older_skipped"] >= 3_000


def test_big_files_are_read_in_a_reader_process_by_default(tmp_path, monkeypatch):
    from ccc_governance.plugins import get_sources, get_plugin_manager
    import ccc_csv

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


def test_indexes_are_rebuilt_and_survive_a_refused_file(tmp_path, monkeypatch):
    monkeypatch.setenv("CCC_IMPORT_PROCESS", "0")
    monkeypatch.setattr(imports, "DEFER_INDEX_BYTES", 0)
    summaries, dump = _run(tmp_path, "ws", _steps("one"), True, _Keep())
    from ccc_governance.store.db import open_db

    db = open_db(tmp_path / "ws" / "ccc.db")
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'contacts'")}
    assert {"contacts_queue_time", "contacts_batch"} <= names
    # --strict through the reader process: the same one-line refusal, nothing stored, indexes kept
    from ccc_governance.plugins import get_plugin_manager
    from ccc_governance.workspace import load_workspace
    import ccc_csv

    ws = load_workspace(tmp_path / "ws")
    pm = get_plugin_manager(ws, entrypoints=False)
    pm.register(ccc_csv)
    monkeypatch.setenv("CCC_IMPORT_PROCESS", "always")
    f = tmp_path / "ws" / "bad.csv"
    f.write_text(HEADER + "\n" + "\n".join(ROWS[7:]) + "\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"--strict: \d+\+? row\(s\) would be quarantined"):
        imports.import_file(db, ws, pm, "csv", f, strict=True, options={"mapping": str(tmp_path / "ws" / "map.toml")})
    names2 = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'contacts'")}
    assert names2 == names
    assert db.execute("SELECT count(*) FROM batches").fetchone()[0] == 1
    # an unreadable file: the reader's SourceError comes back as it is
    (tmp_path / "ws" / "empty.csv").write_text("", encoding="utf-8")
    with pytest.raises(SourceError, match="the file is empty"):
        imports.import_file(db, ws, pm, "csv", tmp_path / "ws" / "empty.csv",
                            options={"mapping": str(tmp_path / "ws" / "map.toml")})
