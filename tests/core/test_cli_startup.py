"""`ccc` starts at once (issue #13, item 3): a command's module is imported only when that command
runs, heavy libraries only where they are used, and `ccc --help` lists every command from the
table `COMMANDS` (checked here against the commands themselves, so the two cannot drift)."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from ccc_governance import hookimpl
from ccc_governance.cli import COMMANDS, CccGroup, cli

#: Never loaded by `import ccc_governance.cli`, `ccc --version` or `ccc --help`.
HEAVY = ["sqlite3", "sqlite_utils", "rich", "rich.table", "jinja2", "openpyxl", "textual", "pluggy",
         "importlib.metadata", "attrs", "ccc_governance.engine", "ccc_governance.store",
         "ccc_governance.contracts", "ccc_governance.portfolio", "ccc_governance.workspace"]
COMMAND_MODULES = sorted({target.partition(":")[0] for target, _ in COMMANDS.values()})


def _loaded_after(code: str, *args: str, env: dict | None = None, cwd=None) -> set[str]:
    """The modules a fresh interpreter has loaded after running `code` with `args` as sys.argv[1:]
    (the code's exit, a `SystemExit` from click, is caught)."""
    script = (f"import sys, json\nsys.argv[1:] = {list(args)!r}\n"
              f"try:\n    {code}\nexcept SystemExit:\n    pass\n"
              "sys.__stdout__.write('\\n@@' + json.dumps(sorted(sys.modules)))\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=60)
    assert "@@" in proc.stdout, proc.stderr
    return set(json.loads(proc.stdout.rsplit("@@", 1)[1]))


def _env(**extra: str) -> dict:
    import os

    env = {k: v for k, v in os.environ.items() if k != "CCC_DB"}
    env.update(extra)
    return env


def test_importing_the_cli_loads_no_command_and_no_heavy_module():
    loaded = _loaded_after("import ccc_governance.cli")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    assert not loaded & set(COMMAND_MODULES), sorted(loaded & set(COMMAND_MODULES))


@pytest.mark.parametrize("args", [["--version"], ["--help"], []])
def test_version_and_help_load_no_command_module(args):
    """`ccc --help` (and a bare `ccc`, which prints it) lists the commands from the table; plugins
    are asked for their commands (the plugin host loads), the command modules are not."""
    code = "from ccc_governance.cli import main; main()"
    loaded = _loaded_after(code, *args, env=_env(CCC_NO_PLUGINS="1"))
    heavy = set(HEAVY) - ({"pluggy", "importlib.metadata", "attrs"} if args != ["--version"] else set())
    assert not loaded & heavy, sorted(loaded & heavy)
    assert not loaded & set(COMMAND_MODULES), sorted(loaded & set(COMMAND_MODULES))
    assert ("ccc_governance.plugins" in loaded) == (args != ["--version"])


def test_a_command_loads_its_own_module_only(tmp_path):
    """`ccc portfolio` imports `cli.portfolio` and what it needs, not the other commands' modules,
    the plugin host, the TUI or the export libraries."""
    from ccc_governance.store.db import open_db

    open_db(tmp_path / "x.db").conn.close()
    loaded = _loaded_after("from ccc_governance.cli import main; main()",
                           "--db", str(tmp_path / "x.db"), "portfolio", env=_env(), cwd=tmp_path)
    assert "ccc_governance.cli.portfolio" in loaded
    others = set(COMMAND_MODULES) - {"ccc_governance.cli.portfolio"}
    assert not loaded & others, sorted(loaded & others)
    unneeded = {"textual", "jinja2", "openpyxl", "ccc_governance.plugins", "ccc_governance.tui"}
    assert not loaded & unneeded, sorted(loaded & unneeded)
    loaded = _loaded_after("from ccc_governance.cli import main; main()",
                           "--db", str(tmp_path / "x.db"), "portfolio", "--json", env=_env(), cwd=tmp_path)
    assert "ccc_governance.portfolio" in loaded and "rich" not in loaded


def test_the_table_matches_each_commands_own_help():
    """Each entry of `COMMANDS` names the command it loads, and its help is the command's own
    one-line help, shortened alike at every width."""
    for name, (target, short) in COMMANDS.items():
        module, _, attr = target.partition(":")
        command = getattr(__import__(module, fromlist=[attr]), attr)
        assert isinstance(command, click.Command) and command.name == name, target
        assert not command.hidden
        assert short == command.get_short_help_str(10**6), f"COMMANDS[{name!r}]: help differs from the command's"
        stand_in = click.Command(name, help=short)
        for limit in range(1, 120):
            assert stand_in.get_short_help_str(limit) == command.get_short_help_str(limit), (name, limit)


def test_help_is_the_same_before_and_after_the_commands_are_loaded():
    """The list `ccc --help` prints from the table is the one click prints from the commands."""
    code = (
        "from click.testing import CliRunner\n"
        "from ccc_governance.cli import COMMANDS, cli\n"
        "first = CliRunner().invoke(cli, ['--help'], terminal_width=80).output\n"
        "for name in COMMANDS:\n"
        "    cli.get_command(None, name)\n"
        "again = CliRunner().invoke(cli, ['--help'], terminal_width=80).output\n"
        "print(first == again, first.count('\\n'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "True" and int(out[1]) > len(COMMANDS)
    result = CliRunner().invoke(cli, ["--help"])
    listed = [line.split()[0] for line in result.output.split("Commands:\n")[1].splitlines() if line.strip()]
    assert listed == sorted(COMMANDS)


# --------------------------------------------------------------------------- plugins' commands


class _Hello:
    @hookimpl
    def register_commands(self, cli):
        @cli.command("hello-plugin")
        def hello():
            """Say hello from a plugin."""
            click.echo("hello from a plugin")


class _Shadow:
    @hookimpl
    def register_commands(self, cli):
        @cli.command("init")
        def init():
            """Not the real init."""
            click.echo("shadow")


SHADOWED = "warning: plugin 'shadow': its command 'init' is ignored: a built-in command has that name\n"


@pytest.fixture
def plugin_group(monkeypatch):
    """A `ccc` group as `main` sets it up (one built-in command, `init`), whose plugin manager has
    two command plugins; `built` counts how often the manager is built."""
    import ccc_governance.plugins as plugins

    real = plugins.get_plugin_manager
    built = []

    def build(workspace=None, *, entrypoints=True):
        pm = real(workspace, entrypoints=False)
        pm.register(_Hello(), name="hello")
        pm.register(_Shadow(), name="shadow")
        built.append(pm)
        return pm

    monkeypatch.setattr(plugins, "get_plugin_manager", build)
    group = CccGroup("ccc", lazy={"init": COMMANDS["init"]})
    group.plugin_commands = True
    return group, built


def test_a_plugin_command_runs(plugin_group):
    group, built = plugin_group
    result = CliRunner().invoke(group, ["hello-plugin"])
    assert result.exit_code == 0 and result.stdout == "hello from a plugin\n"
    assert result.stderr == SHADOWED
    assert len(built) == 1


def test_a_built_in_command_does_not_load_the_plugins(plugin_group, tmp_path):
    group, built = plugin_group
    result = CliRunner().invoke(group, ["init", str(tmp_path / "ws")])
    assert result.exit_code == 0 and result.stdout.startswith("Workspace created: "), result.output
    assert built == []


def test_help_lists_plugin_commands_and_the_built_in_one_wins(plugin_group, tmp_path):
    group, built = plugin_group
    result = CliRunner().invoke(group, ["--help"])
    assert result.exit_code == 0
    assert "hello-plugin  Say hello from a plugin." in result.stdout
    assert "init          Create a workspace" in result.stdout
    assert result.stderr == SHADOWED
    result = CliRunner().invoke(group, ["init", str(tmp_path / "ws")])  # plugins loaded: still the real one
    assert result.exit_code == 0 and result.stdout.startswith("Workspace created: "), result.output
    assert len(built) == 1


def test_an_unknown_command_is_still_one_line(plugin_group):
    group, built = plugin_group
    result = CliRunner().invoke(group, ["nosuch"], prog_name="ccc")
    assert result.exit_code == 2
    assert result.stderr == SHADOWED + "error: ccc: No such command 'nosuch'.\n"
    assert len(built) == 1


def test_main_asks_plugins_for_commands_when_a_name_is_not_built_in(plugin_group, monkeypatch, capsys):
    """`main` (the console script) is what turns plugins' commands on, for the real `ccc` group."""
    from ccc_governance.cli import main

    _, built = plugin_group
    monkeypatch.setattr(cli, "commands", {})  # the plugins' commands go here: dropped after the test
    monkeypatch.setattr(cli, "plugin_commands", False)
    with pytest.raises(SystemExit) as exit_:
        main(["hello-plugin"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == "hello from a plugin\n"
    assert len(built) == 1
    assert cli.plugin_commands is False  # once per process
