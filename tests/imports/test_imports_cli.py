"""`ccc import`, `ccc batches`, `ccc batch show|undo`, `ccc quarantine`, `ccc plugins` through click."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ccc_governance.cli import cli

MAPPING = """
kind = "contact"
source_id = "id"
timezone = "Europe/Paris"
[fields]
arrived_at = "start"
wait_s = "wait"
outcome = "result"
customer = "caller"
[values.outcome]
OK = "answered"
AB = "abandoned"
"""


@pytest.fixture
def run(ccc_workspace, monkeypatch):
    monkeypatch.chdir(ccc_workspace.root)
    (ccc_workspace.root / "map.toml").write_text(MAPPING, encoding="utf-8")

    def invoke(*args):
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return invoke


def _csv(path, *rows):
    path.write_text("id,start,wait,result,caller\n" + "".join(r + "\n" for r in rows), encoding="utf-8")
    return str(path)


def test_import_summary_quarantine_listing_and_second_import(run, tmp_path):
    f = _csv(tmp_path / "calls.csv", "a,2026-10-01 10:00:00,12,OK,0639981111", "b,2026-10-01 10:01:00,3,AB,",
             "c,2026-10-01 10:02:00,x,OK,", "d,2026-10-01 10:03:00,4,LOST,")
    r = run("import", "csv", f, "--option", "mapping=map.toml")
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0].startswith("calls.csv: imported 2, replaced 0, duplicates skipped 0, older skipped 0, quarantined 2 (batch 1, ")
    assert lines[0].endswith(" rows/s)")
    assert lines[1] == "  calls.csv:4: column 'wait': 'x' is not a number"
    assert lines[2] == "  calls.csv:5: column 'result': 'LOST' is not in [values.outcome] of the mapping"
    r = run("import", "csv", f, "-o", "mapping=map.toml")
    assert r.output == "calls.csv: already imported in batch 1, nothing added (undo that batch to import it again)\n"
    assert r.exit_code == 0


def test_strict_exits_2_with_first_reason_and_stores_nothing(run, tmp_path):
    f = _csv(tmp_path / "calls.csv", "a,2026-10-01 10:00:00,12,OK,", "c,2026-10-01 10:02:00,x,OK,")
    r = CliRunner().invoke(cli, ["import", "csv", f, "-o", "mapping=map.toml", "--strict"])
    assert r.exit_code == 2
    assert "error: --strict: 1 row(s) would be quarantined, nothing imported: calls.csv:3: column 'wait'" in r.output
    assert json.loads(run("batches", "--json").output) == []


def test_unknown_source_exit_2_lists_known(run, tmp_path):
    r = CliRunner().invoke(cli, ["import", "cvs", str(tmp_path / "x.csv")])
    assert r.exit_code == 2
    assert "error: unknown source 'cvs'. Did you mean 'csv'? Known sources:" in r.output


def test_bad_option_syntax_is_one_line(run, tmp_path):
    f = _csv(tmp_path / "calls.csv", "a,2026-10-01 10:00:00,12,OK,")
    r = CliRunner().invoke(cli, ["import", "csv", f, "-o", "mapping"])
    assert r.exit_code == 2 and r.output.startswith("error: ") and "must be written key=value" in r.output


def test_batches_show_undo_and_quarantine(run, tmp_path):
    f = _csv(tmp_path / "calls.csv", "a,2026-10-01 10:00:00,12,OK,", "c,2026-10-01 10:02:00,x,OK,")
    run("import", "csv", f, "-o", "mapping=map.toml", "--contract", "acme")
    batches = json.loads(run("batches", "--json").output)
    assert [(b["id"], b["source"], b["file_name"], b["imported"], b["quarantined"], b["contract_id"], b["status"])
            for b in batches] == [(1, "csv", "calls.csv", 1, 1, "acme", "complete")]
    assert batches[0]["first_at"] == "2026-10-01T08:00:00Z"  # 10:00 Paris summer time
    shown = run("batch", "show", "1").output
    assert "batch 1 (complete)" in shown and "1 in contacts" in shown
    q = run("quarantine", "1").output
    assert q.startswith("[batch 1] calls.csv:3: column 'wait': 'x' is not a number")
    r = run("batch", "undo", "1")
    assert r.output == "batch 1 undone: 1 records removed, 0 restored\n"
    assert json.loads(run("batches", "--json").output)[0]["status"] == "undone"
    r = CliRunner().invoke(cli, ["batch", "undo", "1"])
    assert r.exit_code == 2 and "error: batch 1 is already undone" in r.output
    r = CliRunner().invoke(cli, ["batch", "show", "7"])
    assert r.exit_code == 2 and "no batch 7" in r.output


def test_plugins_lists_csv_with_origin(run):
    out = json.loads(run("plugins", "--json").output)
    csv = next(p for p in out if p["name"] == "csv")
    assert csv["origin"] == "entry point (ccc-csv)" and csv["sources"][0]["name"] == "csv"
    assert "csv 0.1.0 [entry point (ccc-csv)]" in run("plugins").output


def test_plugins_new_creates_package(run, tmp_path):
    r = run("plugins", "new", "acme-pbx", "--dir", str(tmp_path))
    assert r.exit_code == 0
    assert (tmp_path / "ccc-acme-pbx" / "ccc_acme_pbx.py").is_file()


# --------------------------------------------------------------------------- faulty plugins

_DUP_PLUGIN = """from ccc_governance import hookimpl
from ccc_governance.sources import Source
@hookimpl
def register_sources(register):
    register(Source(name="csv", description="takes a name", read=lambda c: iter(())))
    register(Source(name="mine", description="its own", read=lambda c: iter(())))
"""


def test_a_workspace_plugin_taking_a_source_name_breaks_no_command(run, ccc_workspace, tmp_path):
    """It made `ccc plugins` and every `ccc import` exit 2; now its source is ignored with one warning."""
    (ccc_workspace.plugins_dir / "dup.py").write_text(_DUP_PLUGIN, encoding="utf-8")
    warning = (f"warning: plugin 'dup' (plugins folder ({ccc_workspace.plugins_dir / 'dup.py'})): its source 'csv' "
               "is ignored: that name is registered already by plugin 'csv' (entry point (ccc-csv))\n")
    r = run("plugins")
    assert r.exit_code == 0 and r.stderr == warning
    assert "  mine: its own — contact" in r.stdout and "  csv: any CSV" in r.stdout
    r = run("import", "csv", _csv(tmp_path / "calls.csv", "a,2026-10-01 10:00:00,12,OK,"), "-o", "mapping=map.toml")
    assert r.exit_code == 0 and r.stderr == warning
    assert r.stdout.startswith("calls.csv: imported 1, ")


def test_a_plugin_module_that_exits_ends_no_command(run, ccc_workspace):
    """`raise SystemExit(7)` in a plugin module made every command exit 7 silently."""
    (ccc_workspace.plugins_dir / "exits.py").write_text("raise SystemExit(7)\n", encoding="utf-8")
    r = run("plugins")
    assert r.exit_code == 0 and "csv 0.1.0 [entry point (ccc-csv)]" in r.stdout
    assert r.stderr == f"warning: plugin {ccc_workspace.plugins_dir / 'exits.py'} failed to load and is ignored: " \
                       "it called sys.exit(7)\n"


_EXITING_READER = """import sys
from datetime import datetime, timezone
from ccc_governance.records import Contact

def read(context):
    yield Contact("c1", datetime(2026, 10, 1, tzinfo=timezone.utc), outcome="answered", line=1)
    sys.exit(0)
"""

_EXITING_PLUGIN = """from ccc_governance import hookimpl
from ccc_governance.sources import Source
import exiting_reader
@hookimpl
def register_sources(register):
    register(Source(name="exits", description="a reader that exits", read=exiting_reader.read,
                    separate_process=True))
"""


@pytest.mark.parametrize("process", ["0", "always"])
def test_a_reader_that_exits_is_a_failed_batch_in_one_line(ccc_workspace, tmp_path, process):
    """In this process it made `ccc import` exit 0 with no summary; in a reader process it said
    only that the process ended. Now: one line naming it, exit 2, nothing stored."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "exiting_reader.py").write_text(_EXITING_READER, encoding="utf-8")
    (ccc_workspace.plugins_dir / "exiter.py").write_text(_EXITING_PLUGIN, encoding="utf-8")
    data = tmp_path / "calls.txt"
    data.write_text("anything\n", encoding="utf-8")
    env = dict(os.environ, CCC_NO_PLUGINS="1", CCC_IMPORT_PROCESS=process, PYTHONPATH=str(tmp_path / "lib"))
    env.pop("CCC_DB", None)
    ccc = str(Path(sys.executable).with_name("ccc"))
    r = subprocess.run([ccc, "import", "exits", str(data)], cwd=ccc_workspace.root, env=env, capture_output=True,
                       text=True, timeout=60)
    assert (r.returncode, r.stdout) == (2, ""), r.stderr
    assert r.stderr == f"error: {data}: source 'exits' (plugin exiter) failed: it called sys.exit(0)\n"
    r = subprocess.run([ccc, "batches"], cwd=ccc_workspace.root, env=env, capture_output=True, text=True, timeout=60)
    assert r.stdout == "No imports yet: ccc import SOURCE FILE\n"
