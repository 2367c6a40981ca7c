"""Where ccc writes a user-named output (`ccc_governance.outputs`), through the real commands.

An export never removes or replaces what it did not write: a folder that is not a ccc pack is
refused, only the files a pack's `.ccc-pack` marker lists are replaced, devices and fifos are
refused, symlinks are written through, a missing parent folder needs `--parents`, and every file
gets the mode the umask gives.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from ccc_governance.cli import cli
from ccc_governance.demo import DEMO_MARKER, _clear_earlier_demo
from ccc_governance.errors import WorkspaceError
from ccc_governance.export.write import export_review_into
from ccc_governance.governance.evidence import add_evidence
from ccc_governance.outputs import MARKER, ForeignEntryError, OutputError, file_target
from ccc_governance.workspace import init_workspace

from .conftest import add_contract

FORMATS = ("md", "html", "json", "xlsx", "csv")
REVIEW = ["export", "review", "--contract", "acme", "--period", "2026-10"]
FOREIGN = "exists and holds files that are not a ccc pack; choose another folder"


@pytest.fixture
def ccc(pack_db, tmp_path, monkeypatch):
    """`ccc --db <the pack database> ARGS…`: returns (exit code, output lines)."""
    monkeypatch.delenv("CCC_AS_OF", raising=False)
    monkeypatch.delenv("CCC_DB", raising=False)
    db_path = str(tmp_path / "ccc.db")

    def invoke(*args):
        r = CliRunner().invoke(cli, ["--db", db_path, *args, "--as-of", "2026-11-07"], catch_exceptions=False)
        return r.exit_code, [line for line in r.output.splitlines() if line.strip()]

    return invoke


def _error(result, text: str) -> None:
    code, lines = result
    assert code == 2, lines
    assert len(lines) == 1 and lines[0].startswith("error: ") and text in lines[0], lines


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --------------------------------------------------------------------------- item 1: folders


@pytest.mark.parametrize("args", [
    [*REVIEW, "--format", "csv"],
    ["export", "review", "--all", "--period", "2026-10", "--format", "csv"],
    ["export", "review", "--all", "--period", "2026-10", "--format", "html"],
    ["export", "portfolio", "--period", "2026-10", "--format", "csv"],
])
def test_csv_or_all_into_the_workspace_folder_keeps_the_workspace(ccc, tmp_path, monkeypatch, args):
    init_workspace(tmp_path)
    (tmp_path / "contracts" / "mine.toml").write_text("# my contract\n", encoding="utf-8")
    before = _snapshot(tmp_path)
    monkeypatch.chdir(tmp_path)
    _error(ccc(*args, "-o", "."), f"error: .: {FOREIGN}")
    after = _snapshot(tmp_path)
    assert {"ccc.toml", "contracts/mine.toml"} | ({"ccc.db"} if not os.environ.get("CCC_TEST_PG") else set()) <= set(after)
    assert after["ccc.toml"] == before["ccc.toml"] and after["contracts/mine.toml"] == before["contracts/mine.toml"]
    assert not (tmp_path / MARKER).exists()


@pytest.mark.parametrize("args", [
    [*REVIEW, "--format", "csv"],
    ["export", "review", "--all", "--period", "2026-10", "--format", "md"],
    ["export", "portfolio", "--period", "2026-10", "--format", "csv"],
])
def test_a_users_folder_is_refused_in_one_line_and_left_alone(ccc, tmp_path, args):
    docs = tmp_path / "mydocs"
    docs.mkdir()
    (docs / "precious.txt").write_text("keep me", encoding="utf-8")
    _error(ccc(*args, "-o", str(docs)), f"error: {docs}: {FOREIGN}")
    assert sorted(p.name for p in docs.iterdir()) == ["precious.txt"]
    assert (docs / "precious.txt").read_text(encoding="utf-8") == "keep me"


def test_an_empty_folder_becomes_a_marked_csv_pack(ccc, tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    code, _ = ccc(*REVIEW, "--format", "csv", "-o", str(out))
    assert code == 0
    listed = json.loads((out / MARKER).read_text(encoding="utf-8"))["files"]
    assert "summary.csv" in listed and sorted(listed) == sorted(p.name for p in out.iterdir() if p.name != MARKER)


def test_reexport_of_a_marked_pack_replaces_only_its_own_files(ccc, tmp_path):
    out = tmp_path / "pack"
    assert ccc(*REVIEW, "--format", "csv", "-o", str(out))[0] == 0
    fresh = (out / "summary.csv").read_bytes()
    (out / "summary.csv").write_text("stale\n", encoding="utf-8")
    (out / "notes.txt").write_text("my notes", encoding="utf-8")
    # A section an earlier pack had and this one has not: ccc wrote it, so ccc removes it.
    marker = json.loads((out / MARKER).read_text(encoding="utf-8"))
    marker["files"].append("old_section.csv")
    (out / MARKER).write_text(json.dumps(marker), encoding="utf-8")
    (out / "old_section.csv").write_text("old\n", encoding="utf-8")

    assert ccc(*REVIEW, "--format", "csv", "-o", str(out))[0] == 0
    assert (out / "summary.csv").read_bytes() == fresh
    assert (out / "notes.txt").read_text(encoding="utf-8") == "my notes"
    assert not (out / "old_section.csv").exists()
    assert "old_section.csv" not in json.loads((out / MARKER).read_text(encoding="utf-8"))["files"]


def test_all_folder_reexport_and_a_foreign_file_under_a_packs_name(ccc, tmp_path):
    out = tmp_path / "all"
    code, lines = ccc("export", "review", "--all", "--period", "2026-10", "--format", "html", "-o", str(out))
    assert code == 0 and {Path(line).name for line in lines} == {"acme_2026-10.html", "index.html"}
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    assert ccc("export", "review", "--all", "--period", "2026-10", "--format", "html", "-o", str(out))[0] == 0
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    # In a marked folder, a name the marker does not list is the user's: never replaced.
    (out / "acme_2026-10.md").write_text("my own draft", encoding="utf-8")
    _error(ccc("export", "review", "--all", "--period", "2026-10", "--format", "md", "-o", str(out)),
           "acme_2026-10.md: exists and was not written by ccc")
    assert (out / "acme_2026-10.md").read_text(encoding="utf-8") == "my own draft"
    assert not (out / "index.md").exists()  # refused before anything was written


def test_due_never_replaces_a_file_it_did_not_write_and_still_writes_the_others(ccc, pack_db, tmp_path):
    add_contract(pack_db, "beta", title="Beta", ccc="Other CC")
    packs = tmp_path / "packs"
    packs.mkdir()
    (packs / "acme_2026-10.html").write_text("my own page", encoding="utf-8")
    (packs / "other.txt").write_text("unrelated", encoding="utf-8")
    code, lines = ccc("export", "due", "-o", str(packs))
    assert code == 2 and lines[-1].startswith("error: ") and "acme_2026-10.html: exists and was not written by ccc" in lines[-1]
    assert any(line.startswith("beta  2026-10") for line in lines[:-1])
    assert (packs / "beta_2026-10.html").is_file()
    assert (packs / "acme_2026-10.html").read_text(encoding="utf-8") == "my own page"
    assert (packs / "other.txt").read_text(encoding="utf-8") == "unrelated"
    # the refused pack is not recorded: once the user moves their file away, the next run writes it
    (packs / "acme_2026-10.html").rename(tmp_path / "mine.html")
    code, lines = ccc("export", "due", "-o", str(packs))
    assert code == 0 and [line.split()[0] for line in lines] == ["acme"]
    # and a pack ccc wrote there is its own: listed, so a later replacement is allowed
    assert "acme_2026-10.html" in json.loads((packs / MARKER).read_text(encoding="utf-8"))["files"]


def test_tui_pack_goes_through_the_same_collection_rules(pack_db, tmp_path):
    from ccc_governance.tui.data import pre_read_pack

    packs = tmp_path / "packs"
    packs.mkdir()
    (packs / "acme_2026-10.html").write_text("my own page", encoding="utf-8")
    with pytest.raises(ForeignEntryError):
        pre_read_pack(pack_db, "acme", "2026-10", "2026-11-07", packs)
    assert (packs / "acme_2026-10.html").read_text(encoding="utf-8") == "my own page"
    (packs / "acme_2026-10.html").unlink()
    path = pre_read_pack(pack_db, "acme", "2026-10", "2026-11-07", packs)
    assert path == packs / "acme_2026-10.html" and "<html" in path.read_text(encoding="utf-8").lower()
    # written by ccc: the TUI may write it again
    assert export_review_into(pack_db, "acme", "2026-10", "html", packs, as_of="2026-11-07")[0] == path


# --------------------------------------------------------------------------- item 2: paths


@pytest.mark.parametrize("fmt", ["md", "xlsx"])
def test_a_symlink_is_written_through(ccc, tmp_path, fmt):
    real = tmp_path / "elsewhere" / f"real.{fmt}"
    real.parent.mkdir()
    real.write_text("old", encoding="utf-8")
    link = tmp_path / f"link.{fmt}"
    link.symlink_to(real)
    assert ccc(*REVIEW, "--format", fmt, "-o", str(link))[0] == 0
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() != b"old" and real.stat().st_size > 100
    assert not [p for p in real.parent.iterdir() if p.name.endswith(".tmp")]


def test_a_dangling_symlink_creates_its_target(ccc, tmp_path):
    real = tmp_path / "new.md"
    (tmp_path / "link.md").symlink_to(real)
    assert ccc(*REVIEW, "--format", "md", "-o", str(tmp_path / "link.md"))[0] == 0
    assert (tmp_path / "link.md").is_symlink() and real.read_text(encoding="utf-8").startswith("#")


@pytest.mark.parametrize("fmt", ["md", "html", "json", "xlsx"])
def test_a_fifo_is_refused_and_stays_a_fifo(ccc, tmp_path, fmt):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    _error(ccc(*REVIEW, "--format", fmt, "-o", str(fifo)),
           f"error: {fifo}: is a named pipe (fifo), not a regular file; choose another path")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    # through a symlink too: the link is left as it is
    (tmp_path / "to-pipe").symlink_to(fifo)
    _error(ccc(*REVIEW, "--format", fmt, "-o", str(tmp_path / "to-pipe")), "is a named pipe (fifo)")
    assert (tmp_path / "to-pipe").is_symlink()


def test_a_device_or_folder_is_not_a_file_target(tmp_path):
    # A check only (file_target writes nothing), so it is safe on a real device.
    with pytest.raises(OutputError, match=r"^/dev/null: is a device, not a regular file; choose another path$"):
        file_target("/dev/null")
    with pytest.raises(OutputError, match="is a folder, not a regular file"):
        file_target(tmp_path)


def test_a_file_where_a_csv_folder_goes_is_refused(ccc, tmp_path):
    (tmp_path / "report").write_text("mine", encoding="utf-8")
    _error(ccc(*REVIEW, "--format", "csv", "-o", str(tmp_path / "report")), "is a file, not a folder")
    assert (tmp_path / "report").read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize("args, out", [
    ([*REVIEW, "--format", "html"], "a/b/pack.html"),
    ([*REVIEW, "--format", "csv"], "a/b/pack"),
    (["export", "review", "--all", "--period", "2026-10", "--format", "md"], "a/b/all"),
    (["export", "portfolio", "--period", "2026-10", "--format", "json"], "a/b/portfolio.json"),
    (["export", "due"], "a/b/packs"),
])
def test_a_missing_parent_folder_is_refused_unless_parents(ccc, tmp_path, args, out):
    target = tmp_path / out
    _error(ccc(*args, "-o", str(target)), f"folder {tmp_path / 'a' / 'b'} does not exist; create it first or pass --parents")
    assert not (tmp_path / "a").exists()
    assert ccc(*args, "-o", str(target), "--parents")[0] == 0
    assert target.exists()


def test_all_and_csv_create_their_own_folder_when_its_parent_exists(ccc, tmp_path):
    assert ccc("export", "review", "--all", "--period", "2026-10", "--format", "md", "-o", str(tmp_path / "all"))[0] == 0
    assert ccc(*REVIEW, "--format", "csv", "-o", str(tmp_path / "csvpack"))[0] == 0
    assert (tmp_path / "all" / "index.md").is_file() and (tmp_path / "csvpack" / "summary.csv").is_file()


def _evidence(pack_db, tmp_path, content=b"forecast,1\n") -> int:
    src = tmp_path / "forecast.csv"
    src.write_bytes(content)
    return add_evidence(pack_db, "acme", "forecast", on="2026-10-20", file_path=src)["id"]


def test_evidence_get_follows_the_same_rules(pack_db, tmp_path, monkeypatch):
    monkeypatch.delenv("CCC_DB", raising=False)
    eid = str(_evidence(pack_db, tmp_path))

    def get(*args):
        r = CliRunner().invoke(cli, ["--db", str(tmp_path / "ccc.db"), "evidence", "get", eid, *args])
        return r.exit_code, [line for line in r.output.splitlines() if line.strip()]

    os.mkfifo(tmp_path / "pipe")
    _error(get("-o", str(tmp_path / "pipe")), "is a named pipe (fifo), not a regular file")
    _error(get("-o", str(tmp_path / "x" / "y.csv")), "does not exist; create it first or pass --parents")
    assert not (tmp_path / "x").exists()
    assert get("-o", str(tmp_path / "x" / "y.csv"), "--parents")[0] == 0
    assert (tmp_path / "x" / "y.csv").read_bytes() == b"forecast,1\n"
    real = tmp_path / "real.csv"
    real.write_text("old", encoding="utf-8")
    (tmp_path / "link.csv").symlink_to(real)
    assert get("-o", str(tmp_path / "link.csv"))[0] == 0
    assert (tmp_path / "link.csv").is_symlink() and real.read_bytes() == b"forecast,1\n"
    # into a folder, the stored name is ccc's choice: a different file under it is the user's
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "forecast.csv").write_text("my version", encoding="utf-8")
    _error(get("-o", str(docs)), "forecast.csv: exists; give the file's own path with -o to replace it")
    assert (docs / "forecast.csv").read_text(encoding="utf-8") == "my version"
    (docs / "forecast.csv").write_bytes(b"forecast,1\n")
    assert get("-o", str(docs))[0] == 0  # the same content: nothing to replace


# --------------------------------------------------------------------------- item 4: modes


@pytest.fixture
def umask():
    """Set the process umask for a test and restore it after."""
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o027, 0o640)], ids=["umask022", "umask027"])
def test_every_written_file_gets_the_umasks_mode(ccc, pack_db, tmp_path, umask, mask, mode):
    umask(mask)
    for fmt in FORMATS:
        out = tmp_path / f"pack_{fmt}"
        assert ccc(*REVIEW, "--format", fmt, "-o", str(out))[0] == 0
        files = [p for p in out.iterdir()] if fmt == "csv" else [out]
        for f in files:
            assert stat.S_IMODE(f.stat().st_mode) == mode, (fmt, f.name, oct(f.stat().st_mode))
    # re-export over an existing pack, the portfolio, the due folder, --all and evidence get
    assert ccc(*REVIEW, "--format", "md", "-o", str(tmp_path / "pack_md"))[0] == 0
    assert ccc("export", "portfolio", "--period", "2026-10", "--format", "html", "-o", str(tmp_path / "p.html"))[0] == 0
    assert ccc("export", "due", "-o", str(tmp_path / "due"))[0] == 0
    assert ccc("export", "review", "--all", "--period", "2026-10", "--format", "json", "-o", str(tmp_path / "all"))[0] == 0
    eid = _evidence(pack_db, tmp_path)
    r = CliRunner().invoke(cli, ["--db", str(tmp_path / "ccc.db"), "evidence", "get", str(eid), "-o", str(tmp_path / "ev.csv")])
    assert r.exit_code == 0, r.output
    written = [tmp_path / "pack_md", tmp_path / "p.html", tmp_path / "ev.csv",
               *(tmp_path / "due").iterdir(), *(tmp_path / "all").iterdir()]
    assert {stat.S_IMODE(p.stat().st_mode) for p in written} == {mode}
    assert stat.S_IMODE((tmp_path / "pack_csv").stat().st_mode) == 0o777 & ~mask


# --------------------------------------------------------------------------- the demo's own folder


def _fake_demo(ws: Path) -> None:
    (ws / "contracts").mkdir(parents=True)
    (ws / "ccc.db").write_text("db", encoding="utf-8")
    (ws / "ccc.toml").write_text("toml", encoding="utf-8")
    (ws / "contracts" / "a.toml").write_text("a", encoding="utf-8")
    (ws / DEMO_MARKER).write_text(json.dumps({"files": ["ccc.db", "ccc.toml", "contracts/a.toml"]}), encoding="utf-8")


def test_a_demo_rebuild_refuses_a_folder_holding_the_users_files(tmp_path):
    ws = tmp_path / "demo"
    _fake_demo(ws)
    (ws / "contracts" / "mine.toml").write_text("mine", encoding="utf-8")
    (tmp_path / "outside.txt").write_text("outside", encoding="utf-8")
    (ws / "link").symlink_to(tmp_path / "outside.txt")
    before = _snapshot(ws)
    with pytest.raises(WorkspaceError, match="holds files the demo did not make"):
        _clear_earlier_demo(ws)
    assert _snapshot(ws) == before and (ws / "link").is_symlink()


def test_a_demo_rebuild_removes_only_what_ccc_made(tmp_path):
    ws = tmp_path / "demo"
    _fake_demo(ws)
    (ws / "ccc.db-wal").write_text("wal", encoding="utf-8")  # SQLite's, made while the user explored the demo
    (ws / "packs").mkdir()
    (ws / "packs" / "p.html").write_text("pack", encoding="utf-8")
    (ws / "packs" / MARKER).write_text(json.dumps({"schema": "ccc-pack/1", "files": ["p.html"]}), encoding="utf-8")
    _clear_earlier_demo(ws)
    assert ws.is_dir() and list(ws.iterdir()) == []


def test_a_demo_over_a_plain_file_or_a_users_folder_is_refused(tmp_path):
    from ccc_governance.cli import cli
    from ccc_governance.demo import run_demo

    (tmp_path / "afile").write_text("keep", encoding="utf-8")
    with pytest.raises(WorkspaceError, match="not a folder"):
        run_demo(tmp_path / "afile", cli, echo=lambda _: None)
    assert (tmp_path / "afile").read_text(encoding="utf-8") == "keep"
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "precious.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(WorkspaceError, match="not a demo workspace"):
        run_demo(tmp_path / "ws", cli, echo=lambda _: None)
    assert (tmp_path / "ws" / "precious.txt").read_text(encoding="utf-8") == "keep"
