"""One pseudonymisation key per store (issue #11, item 3).

Run from outside the workspace with `CCC_DB=ws/ccc.db`, a command used to create a new random
`ccc.db.key` beside the database, so the same caller imported both ways got two customer keys.
Now the workspace is found from the database, no command creates a key, and the store refuses an
import made with a key other than the one it was built with.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ccc_governance.store.db import open_db
from ccc_governance.store.keyprint import fingerprint
from ccc_governance.workspace import init_workspace

COMPLAINTS = Path(__file__).resolve().parents[2] / "examples" / "complaints" / "complaints-2026-10.csv"
KEY_A = "aa" * 32
KEY_B = "bb" * 32


def ccc(*args, cwd, env=None):
    """The real `ccc` in a subprocess: what a user runs (cwd and environment matter here)."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("CCC_")}
    full.update(env or {})
    return subprocess.run([sys.executable, "-m", "ccc_governance", *map(str, args)], cwd=cwd, env=full,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)


def _split(tmp_path, lines: int) -> tuple[Path, Path]:
    """The complaints file cut in two (header on both), so two imports are two batches."""
    head, *rows = COMPLAINTS.read_text(encoding="utf-8").splitlines()
    first, second = tmp_path / "c1.csv", tmp_path / "c2.csv"
    first.write_text("\n".join([head, *rows[:lines]]) + "\n", encoding="utf-8")
    second.write_text("\n".join([head, *rows[lines:]]) + "\n", encoding="utf-8")
    return first, second


def _keys(db_path: Path) -> set[str]:
    db = open_db(db_path)
    try:
        return {r[0] for r in db.execute("SELECT customer_key FROM complaints WHERE customer_key IS NOT NULL")}
    finally:
        db.conn.close()


def test_ccc_db_from_outside_uses_the_workspace_key_and_creates_no_key_file(tmp_path):
    ws = tmp_path / "ws"
    init_workspace(ws, key=KEY_A)
    first, second = _split(tmp_path, 10)
    r = ccc("import", "complaints-csv", first, cwd=ws)
    assert r.returncode == 0, r.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    r = ccc("batches", cwd=elsewhere, env={"CCC_DB": str(ws / "ccc.db")})
    assert r.returncode == 0, r.stderr
    r = ccc("import", "complaints-csv", second, cwd=elsewhere, env={"CCC_DB": str(ws / "ccc.db")})
    assert r.returncode == 0, r.stderr
    assert not (ws / "ccc.db.key").exists()
    # every customer hashed with the one key: the same as importing the whole file inside the workspace
    whole = tmp_path / "whole"
    init_workspace(whole, key=KEY_A)
    assert ccc("import", "complaints-csv", COMPLAINTS, cwd=whole).returncode == 0
    assert _keys(ws / "ccc.db") == _keys(whole / "ccc.db")


def test_an_import_with_another_key_is_refused_and_nothing_stored(tmp_path):
    ws = tmp_path / "ws"
    init_workspace(ws, key=KEY_A)
    first, second = _split(tmp_path, 10)
    assert ccc("import", "complaints-csv", first, cwd=ws).returncode == 0
    other = tmp_path / "other"
    init_workspace(other, key=KEY_B)
    r = ccc("--db", ws / "ccc.db", "import", "complaints-csv", second, cwd=other)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert str(other / "ccc.toml") in lines[0] and "pseudonymisation_key" in lines[0]
    assert fingerprint(bytes.fromhex(KEY_B)) in lines[0] and fingerprint(bytes.fromhex(KEY_A)) in lines[0]
    assert KEY_A not in r.stderr and KEY_B not in r.stderr  # the keys themselves are never shown
    db = open_db(ws / "ccc.db")
    try:
        assert db.execute("SELECT count(*) FROM batches").fetchone()[0] == 1
    finally:
        db.conn.close()
    # the environment variable overrides the file; with the store's key the import goes through
    r = ccc("--db", ws / "ccc.db", "import", "complaints-csv", second, cwd=other,
            env={"CCC_PSEUDONYMISATION_KEY": KEY_A})
    assert r.returncode == 0, r.stderr


def test_a_store_without_a_key_is_read_but_not_imported_into(tmp_path):
    bare = tmp_path / "bare"
    bare.mkdir()
    db = bare / "x.db"
    for args in (["tui"], ["batches"], ["portfolio"]):  # `tui` first: refused, the database does not exist
        ccc("--db", db, *args, cwd=bare)
    assert not list(bare.glob("*.key"))
    r = ccc("--db", db, "import", "complaints-csv", COMPLAINTS, cwd=bare)
    assert r.returncode == 2
    assert r.stderr.startswith("error: ") and "no pseudonymisation key" in r.stderr and "CCC_PSEUDONYMISATION_KEY" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert not list(bare.glob("*.key"))


def test_key_file_and_legacy_key_beside_the_database(tmp_path):
    ws = tmp_path / "ws"
    init_workspace(ws, key=KEY_A)
    toml = (ws / "ccc.toml").read_text(encoding="utf-8")
    secret = tmp_path / "secret.key"
    secret.write_text(KEY_A + "\n", encoding="utf-8")
    lines = [f'pseudonymisation_key_file = "{secret}"' if line.startswith("pseudonymisation_key") else line
             for line in toml.splitlines()]
    (ws / "ccc.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert ccc("import", "complaints-csv", COMPLAINTS, cwd=ws).returncode == 0
    assert len(_keys(ws / "ccc.db")) > 1
    # a workspace without ccc.toml made by an older version keeps its `<db>.key`
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "x.db.key").write_text(KEY_B, encoding="utf-8")
    r = ccc("--db", bare / "x.db", "import", "complaints-csv", COMPLAINTS, cwd=bare)
    assert r.returncode == 0, r.stderr
    assert (bare / "x.db.key").read_text(encoding="utf-8") == KEY_B


@pytest.mark.parametrize("text, message", [("zz", "hexadecimal"), ("abcd", "at least 32 hex digits")])
def test_bad_key_in_environment_is_one_line(tmp_path, text, message):
    ws = tmp_path / "ws"
    init_workspace(ws, key=KEY_A)
    r = ccc("import", "complaints-csv", COMPLAINTS, cwd=ws, env={"CCC_PSEUDONYMISATION_KEY": text})
    assert r.returncode == 2 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1
