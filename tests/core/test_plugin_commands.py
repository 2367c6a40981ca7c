"""The `register_commands` hook: an installed plugin can add a command to `ccc`."""

import click
import pytest
from click.testing import CliRunner

from ccc_governance import hookimpl
from ccc_governance.cli import add_plugin_commands


class _Plugin:
    @hookimpl
    def register_commands(self, cli):
        @cli.command("hello-plugin")
        def hello():
            """Say hello from a plugin."""
            click.echo("hello from a plugin")


class _Broken:
    @hookimpl
    def register_commands(self, cli):
        raise RuntimeError("boom")


class _Exits:
    @hookimpl
    def register_commands(self, cli):
        raise SystemExit(7)


@pytest.fixture
def fake_pm(monkeypatch):
    import ccc_governance.plugins as plugins

    real = plugins.get_plugin_manager

    def build(workspace=None, *, entrypoints=True):
        pm = real(workspace, entrypoints=False)
        pm.register(_Plugin(), name="hello")
        pm.register(_Broken(), name="broken")
        pm.register(_Exits(), name="exits")
        return pm

    monkeypatch.setattr(plugins, "get_plugin_manager", build)


def test_plugin_adds_a_command_and_a_broken_one_only_warns(fake_pm, capsys):
    """A hook that raises, or calls sys.exit() (that ended `ccc` itself, whatever the command),
    gives one warning each; the other plugins' commands work."""
    group = click.Group("ccc")
    add_plugin_commands(group)
    assert capsys.readouterr().err.splitlines() == [
        "warning: plugin 'broken' could not add its commands: RuntimeError: boom",
        "warning: plugin 'exits' could not add its commands: it called sys.exit(7)",
    ]
    result = CliRunner().invoke(group, ["hello-plugin"])
    assert result.exit_code == 0 and result.output == "hello from a plugin\n"
