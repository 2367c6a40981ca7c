"""SIGKILL of an import that reads in a reader process (`store/parallel.py`): the store is left
exactly as before, and the reader process dies with the importing one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ccc_governance.store.db import open_db
from ccc_governance.store.dialect import is_postgres

from test_imports_atomicity import _fingerprint

pytest.importorskip("ccc_csv")

MAPPING = """kind = "contact"
source_id = "id"
[fields]
arrived_at = "at"
outcome = "result"
wait_s = "wait"
customer = "caller"
"""

CHILD = r"""
import sys
from pathlib import Path
import ccc_csv
from ccc_governance.plugins import get_plugin_manager
from ccc_governance.store.db import open_db
from ccc_governance.store.imports import import_file
from ccc_governance.workspace import load_workspace
ws = load_workspace(sys.argv[1])
pm = get_plugin_manager(ws, entrypoints=False)
pm.register(ccc_csv)
import_file(open_db(ws.db_path), ws, pm, "csv", Path(sys.argv[2]), options={"mapping": sys.argv[3]})
"""


def _schema(db_path):
    db = open_db(db_path)
    try:
        if is_postgres(db):
            return db.execute("SELECT table_name, column_name, data_type FROM information_schema.columns "
                              "WHERE table_schema = current_schema() UNION ALL SELECT tablename, indexname, indexdef "
                              "FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1, 2").fetchall()
        return db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    finally:
        db.conn.close()


def _children(pid: int) -> list[int]:
    out = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as fh:
            out += [int(c) for c in fh.read().split()]
    return out


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ")[1][0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sigkill_with_a_reader_process(ccc_workspace, tmp_path):
    root = ccc_workspace.root
    (root / "map.toml").write_text(MAPPING, encoding="utf-8")
    small = tmp_path / "small.csv"
    small.write_text("id,at,result,wait,caller\nc1,2026-10-01T08:00:00Z,answered,3,+33639980001\n", encoding="utf-8")
    env = dict(os.environ, CCC_IMPORT_PROCESS="always")
    subprocess.run([sys.executable, "-c", CHILD, str(root), str(small), str(root / "map.toml")], env=env, check=True)
    before = _fingerprint(ccc_workspace.db_path), _schema(ccc_workspace.db_path)
    assert before[0][0]["contacts"] == 1

    big = tmp_path / "big.csv"
    with open(big, "w", encoding="utf-8") as fh:
        fh.write("id,at,result,wait,caller\n")
        for i in range(400_000):
            fh.write(f"k{i},2026-10-01T08:{i % 60:02d}:00Z,answered,{i % 90},+336399{i % 100000:05d}\n")
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(root), str(big), str(root / "map.toml")], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wal = Path(str(ccc_workspace.db_path) + "-wal")
    watch = open_db(ccc_workspace.db_path)
    pg = is_postgres(watch)

    def writing() -> bool:
        """Uncommitted rows: in the WAL (SQLite), or a COPY under way (PostgreSQL)."""
        if pg:
            return watch.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                 "AND pid <> pg_backend_pid() AND query LIKE 'COPY%'").fetchone()[0] > 0
        return wal.exists() and wal.stat().st_size > 4_000_000

    reader = None
    try:
        deadline = time.monotonic() + 60
        while True:  # uncommitted rows in the WAL, and the reader process running
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the import never got going"
            kids = _children(proc.pid)
            if kids and writing():
                reader = kids[0]
                break
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while _alive(reader):
            assert time.monotonic() < deadline, "the reader process outlived the import"
            time.sleep(0.05)
    finally:
        watch.conn.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    # the secondary indexes dropped for the big batch (imports.DEFER_INDEX_BYTES) are there again
    assert (_fingerprint(ccc_workspace.db_path), _schema(ccc_workspace.db_path)) == before
    db = open_db(ccc_workspace.db_path)
    assert db.execute("SELECT count(*) FROM contacts").fetchone()[0] == 1
    db.conn.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_during_an_import_stops_it_in_one_line(ccc_workspace, tmp_path):
    """Ctrl-C in a terminal (SIGINT to the whole process group) while a reader process runs:
    `Aborted!`, exit 1, no traceback from either process, nothing stored, no process left."""
    root = ccc_workspace.root
    (root / "map.toml").write_text(MAPPING, encoding="utf-8")
    big = tmp_path / "big.csv"
    with open(big, "w", encoding="utf-8") as fh:
        fh.write("id,at,result,wait,caller\n")
        for i in range(400_000):
            fh.write(f"k{i},2026-10-01T08:{i % 60:02d}:00Z,answered,{i % 90},+336399{i % 100000:05d}\n")
    env = dict(os.environ, CCC_IMPORT_PROCESS="always")
    ccc = str(Path(sys.executable).with_name("ccc"))
    # Ctrl-C as in a terminal: SIGINT's default action restored in the command, which a test run started
    # in the background (`make test`'s PostgreSQL half, a CI job under `&`) would otherwise inherit as ignored
    proc = subprocess.Popen([ccc, "import", "csv", str(big), "--option", f"mapping={root / 'map.toml'}"], cwd=root,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    reader = None
    try:
        deadline = time.monotonic() + 60
        while reader is None:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the reader process never started"
            kids = _children(proc.pid)
            reader = kids[0] if kids else None
            time.sleep(0.05)
        time.sleep(0.3)  # reading and writing by now
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 1, (out, err)
    assert "Traceback" not in err.decode() and "Aborted!" in err.decode()
    deadline = time.monotonic() + 10
    while _alive(reader):
        assert time.monotonic() < deadline, "the reader process outlived the import"
        time.sleep(0.05)
    db = open_db(ccc_workspace.db_path)
    assert db.execute("SELECT count(*) FROM batches").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM contacts").fetchone()[0] == 0
    db.conn.close()
