"""`ccc --help` trusts a record that no installed plugin adds commands (issue #13: start-up), and only
while what it depends on is unchanged: a plugin's file edited, a distribution added, a warning, or a
plugin with commands means the plugins are loaded again, as before the record existed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CCC = "from ccc_governance.cli import main; main()"

PLAIN = """import os
with open(os.environ["FAKEPLUG_LOG"], "a") as log:
    log.write(__name__ + "\\n")
"""

WITH_COMMAND = PLAIN + """
import click
from ccc_governance import hookimpl

@hookimpl
def register_commands(cli):
    @cli.command("{name}")
    def hello():
        \"\"\"Say hello from {module}.\"\"\"
"""


def _distribution(lib: Path, module: str, text: str) -> None:
    """An installed distribution `module` 1.0 in `lib` with one `ccc_governance` entry point."""
    (lib / f"{module}.py").write_text(text, encoding="utf-8")
    info = lib / f"{module}-1.0.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[ccc_governance]\n{module} = {module}\n", encoding="utf-8")


class Ccc:
    def __init__(self, tmp_path: Path) -> None:
        self.lib = tmp_path / "lib"
        self.lib.mkdir()
        self.log = tmp_path / "loaded.txt"
        self.cache = tmp_path / "cache"
        self.env = {k: v for k, v in os.environ.items() if k not in ("CCC_DB", "CCC_NO_PLUGINS")}
        self.env.update(PYTHONPATH=str(self.lib), XDG_CACHE_HOME=str(self.cache), FAKEPLUG_LOG=str(self.log),
                        PYTHONDONTWRITEBYTECODE="1")

    def help(self) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", CCC, "--help"], env=self.env, cwd=self.lib.parent,
                              capture_output=True, text=True, timeout=120)

    def loads(self) -> int:
        """How many times the fake plugins were imported so far."""
        return len(self.log.read_text().splitlines()) if self.log.exists() else 0

    def records(self) -> list[Path]:
        return sorted((self.cache / "ccc-governance").glob("*.marshal")) if self.cache.exists() else []


def test_help_trusts_the_record_until_a_plugin_file_changes(tmp_path):
    ccc = Ccc(tmp_path)
    _distribution(ccc.lib, "fakeplug", PLAIN)
    first = ccc.help()
    assert first.returncode == 0 and first.stderr == "", first.stderr
    assert ccc.loads() == 1 and len(ccc.records()) == 1
    again = ccc.help()
    assert (again.returncode, again.stdout, again.stderr) == (0, first.stdout, "")
    assert ccc.loads() == 1  # the record stood in for loading the plugins
    # The plugin now adds a command: its file changed, so the record no longer holds.
    (ccc.lib / "fakeplug.py").write_text(WITH_COMMAND.format(name="fake-hello", module="fakeplug"), encoding="utf-8")
    changed = ccc.help()
    assert changed.returncode == 0 and changed.stderr == "", changed.stderr
    assert "fake-hello" in changed.stdout and "Say hello from fakeplug." in changed.stdout
    assert ccc.loads() == 2
    assert "fake-hello" in ccc.help().stdout and ccc.loads() == 3  # a plugin with commands: loaded every time


def test_a_new_distribution_is_seen(tmp_path):
    ccc = Ccc(tmp_path)
    _distribution(ccc.lib, "fakeplug", PLAIN)
    ccc.help()
    ccc.help()
    assert ccc.loads() == 1
    _distribution(ccc.lib, "fakeplug2", WITH_COMMAND.format(name="other-hello", module="fakeplug2"))
    result = ccc.help()
    assert "other-hello" in result.stdout, result.stderr
    assert ccc.loads() == 3  # both plugins loaded


def test_no_record_after_a_warning(tmp_path):
    """A plugin that fails to load warns at every `ccc --help`, as it did before the record."""
    ccc = Ccc(tmp_path)
    _distribution(ccc.lib, "fakeplug", PLAIN + "raise RuntimeError('boom')\n")
    for _ in range(2):
        result = ccc.help()
        assert result.returncode == 0
        assert result.stderr == ("warning: plugin 'fakeplug' (fakeplug) failed to load and is ignored: "
                                 "RuntimeError: boom\n")
    assert ccc.loads() == 2 and ccc.records() == []


def test_ccc_no_plugins_is_part_of_the_record(tmp_path):
    ccc = Ccc(tmp_path)
    _distribution(ccc.lib, "fakeplug", WITH_COMMAND.format(name="fake-hello", module="fakeplug"))
    ccc.env["CCC_NO_PLUGINS"] = "1"
    assert "fake-hello" not in ccc.help().stdout
    assert "fake-hello" not in ccc.help().stdout
    assert ccc.loads() == 0
    del ccc.env["CCC_NO_PLUGINS"]
    assert "fake-hello" in ccc.help().stdout and ccc.loads() == 1


def test_a_record_that_cannot_be_read_is_no_record(tmp_path):
    ccc = Ccc(tmp_path)
    _distribution(ccc.lib, "fakeplug", PLAIN)
    first = ccc.help()
    [record] = ccc.records()
    record.write_bytes(b"\x00not a record")
    again = ccc.help()
    assert (again.stdout, again.stderr) == (first.stdout, "")
    assert ccc.loads() == 2
