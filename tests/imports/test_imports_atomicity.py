"""A process killed (SIGKILL) in the middle of an import leaves the store exactly as before."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ccc_governance.store.db import open_db
from ccc_governance.store.dialect import is_postgres
from ccc_governance.store.imports import import_file

from import_helpers import write

HERE = Path(__file__).resolve().parent

# The child imports a file through a source whose reader, after 30,000 records (three chunks
# already written inside the open transaction), creates a marker file and waits to be killed.
CHILD = r"""
import sys, time, types
from datetime import datetime, timedelta, timezone
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from ccc_governance import hookimpl
from ccc_governance.plugins import get_plugin_manager
from ccc_governance.records import Contact
from ccc_governance.sources import Source
from ccc_governance.store.db import open_db
from ccc_governance.store.imports import import_file
from ccc_governance.workspace import load_workspace

marker = Path(sys.argv[2])
T0 = datetime(2026, 10, 1, tzinfo=timezone.utc)

def read(context):
    for i in range(30_000):
        yield Contact(f"k{i}", T0 + timedelta(seconds=i), outcome="answered", wait_s=1.0, line=i + 1)
    yield Contact("c1", T0, outcome="abandoned", wait_s=99.0, version=T0 + timedelta(days=9), line=30_001)
    marker.write_text("ready")
    time.sleep(120)

mod = types.ModuleType("slow")
@hookimpl
def register_sources(register):
    register(Source(name="rows", description="slow", read=read))
mod.register_sources = register_sources
ws = load_workspace(sys.argv[1])
pm = get_plugin_manager(ws, entrypoints=False)
pm.register(mod)
import_file(open_db(ws.db_path), ws, pm, "rows", Path(sys.argv[1]) / "big.txt")
"""


def _fingerprint(db_path: Path) -> tuple:
    db = open_db(db_path)
    try:
        digest = hashlib.sha256()
        counts = {}
        for table in ("batches", "contacts", "quarantine", "replaced_rows", "source_state"):
            rows = db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            counts[table] = len(rows)
            digest.update(repr(rows).encode())
        if not is_postgres(db):
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return counts, digest.hexdigest()
    finally:
        db.conn.close()


def test_sigkill_mid_import_leaves_store_unchanged(ccc_workspace, pm, tmp_path):
    db = open_db(ccc_workspace.db_path)
    import_file(db, ccc_workspace, pm, "rows", write(tmp_path / "a.txt", "c1,0,10,0", "c2,60,20,0"))
    db.conn.close()
    before = _fingerprint(ccc_workspace.db_path)
    assert before[0]["contacts"] == 2

    (ccc_workspace.root / "big.txt").write_text("x", encoding="utf-8")
    marker = tmp_path / "marker"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(ccc_workspace.root), str(marker), str(HERE)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the child never reached the marker"
            time.sleep(0.05)
        # the uncommitted rows are really in the database files' WAL by now
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    assert _fingerprint(ccc_workspace.db_path) == before
    # and the store still works: the same file imports normally afterwards
    db = open_db(ccc_workspace.db_path)
    s = import_file(db, ccc_workspace, pm, "rows", write(tmp_path / "b.txt", "c3,0,1,0"))
    # (PostgreSQL never gives the killed batch's id again: its identities do not go back)
    assert (s["batch_id"], s["imported"]) == (3 if is_postgres(db) else 2, 1)
    db.conn.close()
