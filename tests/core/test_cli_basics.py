"""Every command answers --help, the tool has a version, and user errors are one line, not a traceback."""

import click
from click.testing import CliRunner

from ccc_governance import __version__
from ccc_governance.cli import cli


def _all_commands(group, prefix=()):
    ctx = click.Context(group)
    for name in group.list_commands(ctx):  # `ccc`'s commands are loaded when asked for: not in .commands
        cmd = group.get_command(ctx, name)
        yield prefix + (name,), cmd
        if isinstance(cmd, click.Group):
            yield from _all_commands(cmd, prefix + (name,))


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


def test_every_command_has_help():
    runner = CliRunner()
    commands = list(_all_commands(cli))
    assert ("init",) in [c for c, _ in commands]
    for path, cmd in commands:
        result = runner.invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage:" in result.output
        assert cmd.help or cmd.short_help, f"ccc {' '.join(path)} has no help text"


def test_missing_workspace_is_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CCC_DB", raising=False)
    # any command that needs the workspace; `init` then works
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "ws")])
    assert result.exit_code == 0
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "ws")])
    assert result.exit_code == 2
    assert result.output.strip().startswith("error: ") and "already exists" in result.output
    assert "Traceback" not in result.output
