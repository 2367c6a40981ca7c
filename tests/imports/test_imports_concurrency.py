"""Two writers at once (`store/writelock.py`): a writer waits for an import with one note line and
gives up with one line; reads never wait; the same file imported twice at once is stored once;
an import killed at random moments while a second writer and reads run leaves no partial batch.

`CCC_CRASH_ROUNDS=N` runs N rounds of the random test instead of 2 (e.g. 50 before a release);
`CCC_CRASH_SEED` replays one run (the seed is in every failure message).
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from ccc_governance.store.db import open_db
from ccc_governance.store.dialect import is_postgres
from ccc_governance.store.imports import list_batches
from ccc_governance.store.writelock import ATTEMPT_S, current_writer

CCC = str(Path(sys.executable).with_name("ccc"))

# A workspace plugin: a file `n,prefix[,marker,release]` gives n contacts prefix0 … prefix<n-1>;
# after them the reader writes the marker and waits for the release file (the batch's
# transaction stays open meanwhile; at most 60 s).
GEN_PLUGIN = '''
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from ccc_governance import hookimpl
from ccc_governance.records import Contact
from ccc_governance.sources import Source

T0 = datetime(2026, 10, 1, tzinfo=timezone.utc)

def read(context):
    with open(context.path, encoding="utf-8") as fh:
        n, prefix, *rest = fh.readline().strip().split(",")
    for i in range(int(n)):
        yield Contact(f"{prefix}{i}", T0 + timedelta(seconds=i), outcome="answered", wait_s=1.0, line=i + 1)
    if rest:
        Path(rest[0]).write_text("ready")
        deadline = time.monotonic() + 60
        while not Path(rest[1]).exists() and time.monotonic() < deadline:
            time.sleep(0.02)

@hookimpl
def register_sources(register):
    register(Source(name="gen", description="generated contacts", read=read))
'''


@pytest.fixture
def ws(ccc_workspace):
    (ccc_workspace.plugins_dir / "gen.py").write_text(GEN_PLUGIN, encoding="utf-8")
    return ccc_workspace


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("CCC_DB", "CCC_LOCK_TIMEOUT", "CCC_IMPORT_PROCESS")}
    env.update(extra)
    return env


def _start(root: Path, *args, **env) -> subprocess.Popen:
    return subprocess.Popen([CCC, *args], cwd=root, env=_env(**env), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait_for(path: Path, proc: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 60
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


@pytest.mark.sqlite_only  # (SQLite's one writer; PostgreSQL: tests/store/test_postgres_store.py)
def test_writers_wait_for_an_import_with_a_note_and_reads_do_not(ws, tmp_path):
    root = ws.root
    marker, release = tmp_path / "marker", tmp_path / "release"
    (tmp_path / "a.txt").write_text(f"300,a,{marker},{release}\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("5,b\n", encoding="utf-8")
    a = _start(root, "import", "gen", str(tmp_path / "a.txt"), CCC_NO_PLUGINS="1")
    procs = [a]
    try:
        _wait_for(marker, a, "the first import never got going")
        # The import holds the write lock from here until `release`: three writers start now.
        gives_up = _start(root, "import", "gen", str(tmp_path / "b.txt"), CCC_NO_PLUGINS="1", CCC_LOCK_TIMEOUT="0")
        waits = _start(root, "import", "gen", str(tmp_path / "b.txt"), CCC_NO_PLUGINS="1", CCC_LOCK_TIMEOUT="60")
        same = _start(root, "import", "gen", str(tmp_path / "a.txt"), CCC_NO_PLUGINS="1", CCC_LOCK_TIMEOUT="60")
        procs += [gives_up, waits, same]
        # Reads do not wait, and see the store as it was before the import.
        started = time.monotonic()
        db = open_db(ws.db_path)
        assert list_batches(db) == [] and db.execute("SELECT count(*) FROM contacts").fetchone() == (0,)
        db.conn.close()
        assert time.monotonic() - started < ATTEMPT_S
        read = subprocess.run([CCC, "batches"], cwd=root, env=_env(CCC_NO_PLUGINS="1"), capture_output=True,
                              text=True, timeout=60)
        assert (read.returncode, read.stdout, read.stderr) == (0, "No imports yet: ccc import SOURCE FILE\n", "")
        out = {"gives_up": gives_up.communicate(timeout=60)}
        note = waits.stderr.readline()  # once it says it waits, the import may end
        release.write_text("go", encoding="utf-8")
        out.update((name, p.communicate(timeout=60)) for name, p in (("waits", waits), ("same", same), ("a", a)))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    assert a.returncode == 0, out["a"]
    # gave up: one line, naming the batch and the process that holds the lock
    assert gives_up.returncode == 2, out["gives_up"]
    err = out["gives_up"][1].splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {ws.db_path.resolve()}: the database is locked by the "
                                               f"import of batch 1 (a.txt) by process {a.pid}: gave up after waiting")
    # waited: one note line, then its summary
    assert waits.returncode == 0, out["waits"]
    assert (note + out["waits"][1]).splitlines() == [
        f"note: waiting for the import of batch 1 (a.txt) by process {a.pid}… "
        "(the database is locked; giving up after 60 s: CCC_LOCK_TIMEOUT)"]
    assert out["waits"][0].startswith("b.txt: imported 5, ")
    # the same file, started while it was being imported: stored once
    assert same.returncode == 0, out["same"]
    assert out["same"][0] == "a.txt: already imported in batch 1, nothing added (undo that batch to import it again)\n"
    db = open_db(ws.db_path)
    assert [(b["file_name"], b["imported"], b["status"]) for b in list_batches(db)] == [
        ("a.txt", 300, "complete"), ("b.txt", 5, "complete")]
    db.conn.close()
    assert not list(root.glob("ccc.db-writer-*")), "the import left its notice behind"


@pytest.mark.sqlite_only  # (SQLite's "database is locked")
def test_a_locked_error_escaping_a_command_is_one_line(ccc_db):
    """`database is locked` raised outside the wait (a connection not made by `open_db`) is
    mapped by the CLI to the same one line, exit 2."""
    from ccc_governance.cli import CccGroup

    group = CccGroup("ccc")

    @group.command("write")
    def write():
        raw = sqlite3.connect(ccc_db.conn.ccc_path, timeout=0)
        raw.execute("INSERT INTO store_meta (name, value, set_at) VALUES ('x', 'y', 'z')")

    ccc_db.conn.execute("BEGIN IMMEDIATE")
    try:
        result = CliRunner().invoke(group, ["write"])
    finally:
        ccc_db.conn.rollback()
    assert result.exit_code == 2
    assert result.output == ("error: the database is locked by another ccc process (an import running?): "
                             "try again when it ends\n")


# --------------------------------------------------------------------------- random kills

CSV_MAPPING = """kind = "contact"
source_id = "id"
[fields]
arrived_at = "at"
outcome = "result"
wait_s = "wait"
"""


def _consistent(db) -> list[str]:
    """What is wrong with the stored batches (a partial batch: its records not all there), read
    in one snapshot (a read transaction: it does not wait for a writer)."""
    db.conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ" if is_postgres(db) else "BEGIN DEFERRED")
    try:
        stored = dict(db.execute("SELECT batch_id, count(*) FROM contacts GROUP BY batch_id").fetchall())
        batches = list_batches(db)
    finally:
        db.conn.execute("COMMIT")
    problems = []
    for b in batches:
        if b["status"] != "complete" or b["finished_at"] is None:
            problems.append(f"batch {b['id']} is {b['status']}, finished {b['finished_at']}")
        if stored.get(b["id"], 0) != b["imported"] or b["records"] != b["imported"]:
            problems.append(f"batch {b['id']}: {stored.get(b['id'], 0)} contacts stored, {b['imported']} imported, "
                            f"{b['records']} read")
    orphans = set(stored) - {b["id"] for b in batches}
    if orphans:
        problems.append(f"contacts of batches {sorted(orphans)} that are not in batches")
    return problems


def _reads(db_path: Path, stop: threading.Event, errors: list, seen: list) -> None:
    """Read in a loop while the writers run: every read answers at once and sees whole batches."""
    try:
        db = open_db(db_path)
        while not stop.is_set():
            started = time.monotonic()
            problems = _consistent(db)
            if time.monotonic() - started > ATTEMPT_S:
                problems.append(f"a read took {time.monotonic() - started:.2f} s")
            if problems:
                errors.extend(problems)
                return
            seen.append(len(list_batches(db)))
            time.sleep(0.01)
        db.conn.close()
    except Exception as err:  # noqa: BLE001 - reported by the test
        errors.append(f"{type(err).__name__}: {err}")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SIGKILL and a reader process: POSIX")
def test_an_import_killed_at_random_while_another_writes_and_reads_run(ws, tmp_path):
    pytest.importorskip("ccc_csv")
    rounds = int(os.environ.get("CCC_CRASH_ROUNDS", "2"))
    seed = int(os.environ.get("CCC_CRASH_SEED", str(random.randrange(1 << 30))))
    rng = random.Random(seed)
    root = ws.root
    (root / "map.toml").write_text(CSV_MAPPING, encoding="utf-8")
    for n in range(rounds):
        where = f"seed {seed}, round {n}"
        # Every other round the killed import reads its file in a reader process (csv, 4 MB+).
        if n % 2:
            big = tmp_path / f"big{n}.csv"
            with open(big, "w", encoding="utf-8") as fh:
                fh.write("id,at,result,wait\n")
                for i in range(50_000):
                    fh.write(f"r{n}-{i},2026-10-01T08:{i % 60:02d}:00Z,answered,{i % 90}\n")
            victim = _start(root, "import", "csv", str(big), "-o", "mapping=map.toml", CCC_IMPORT_PROCESS="always")
        else:
            big = tmp_path / f"big{n}.txt"
            big.write_text(f"20000,r{n}-\n", encoding="utf-8")
            victim = _start(root, "import", "gen", str(big), CCC_NO_PLUGINS="1")
        small = tmp_path / f"small{n}.txt"
        small.write_text(f"20,s{n}-\n", encoding="utf-8")
        stop, errors, seen = threading.Event(), [], []
        reader = threading.Thread(target=_reads, args=(ws.db_path, stop, errors, seen))
        reader.start()
        other = None
        # The kill lands anywhere from before the import's transaction to after its commit (each
        # import takes ~1 s here, the victim's reading included).
        start_other, kill = rng.uniform(0, 0.6), rng.uniform(0, 1.6)
        try:
            time.sleep(min(start_other, kill))
            if start_other < kill:
                other = _start(root, "import", "gen", str(small), CCC_NO_PLUGINS="1", CCC_LOCK_TIMEOUT="60")
            time.sleep(abs(kill - start_other))
            if victim.poll() is None:  # (one that ended before is a round too: the commit raced the kill)
                os.kill(victim.pid, signal.SIGKILL)
            victim.wait(timeout=60)
            if other is None:
                other = _start(root, "import", "gen", str(small), CCC_NO_PLUGINS="1", CCC_LOCK_TIMEOUT="60")
            out, err = other.communicate(timeout=60)
        finally:
            stop.set()
            reader.join(timeout=60)
            for p in (victim, other):
                if p is not None and p.poll() is None:
                    p.kill()
                    p.wait()
        assert other.returncode == 0 and "Traceback" not in err, (where, out, err)
        assert out.startswith(f"small{n}.txt: imported 20, "), (where, out, err)
        assert set(err.splitlines()) <= {line for line in err.splitlines() if line.startswith("note: waiting for ")}, \
            (where, err)
        assert not errors, (where, errors)
        assert seen, (where, "no read was made")
        db = open_db(ws.db_path)
        try:
            assert _consistent(db) == [], where
            if not is_postgres(db):
                assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",), where
                assert current_writer(db.conn.ccc_path) is None, where  # a killed import's notice is not believed
        finally:
            db.conn.close()
