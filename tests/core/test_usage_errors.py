"""Usage errors are one `error: …` line on stderr, exit 2, as the README promises (issue #11, item 17);
`--help` and a group without its command still print the help; `ccc tui` refuses to run without a
terminal instead of hanging (item 11)."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from click.testing import CliRunner

from ccc_governance.cli import cli
from ccc_governance.cli import tui as tui_command
from ccc_governance.store.db import open_db


def _run(*args):
    return CliRunner().invoke(cli, list(args), prog_name="ccc")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--nope"], "error: ccc: No such option '--nope'."),
        (["nosuch"], "error: ccc: No such command 'nosuch'."),
        (["export", "review", "--contract", "x"], "error: ccc export review: Missing option '--period'."),
        (["contract", "show"], "error: ccc contract show: Missing argument 'CONTRACT_ID'."),
        (["contract", "--bad"], "error: ccc contract: No such option '--bad'."),
        (["evaluate", "--format", "xx"], "error: ccc evaluate: Invalid value for '--format': 'xx' is not one of"),
        (["breach", "show", "abc"], "error: ccc breach show: Invalid value for 'BREACH_ID': 'abc' is not a valid integer."),
        (["audit", "answer", "1"], "error: ccc audit answer: Missing argument 'QUESTION_ID'."),
        (["portfolio", "--as-o", "x"], "error: ccc portfolio: No such option '--as-o'."),
    ],
)
def test_usage_error_is_one_line_exit_2(args, message):
    result = _run(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(message) and len(result.stderr.splitlines()) == 1, result.stderr
    assert "Usage:" not in result.stderr and "Try " not in result.stderr


def test_usage_error_raised_by_a_command_is_one_line(tmp_path):
    # `ccc export review` raises click.UsageError itself when neither --contract nor --all is given
    result = _run("--db", str(tmp_path / "none.db"), "export", "review", "--period", "2026-10")
    assert result.exit_code == 2
    assert result.stderr == "error: ccc export review: give either --contract ID or --all\n"


def test_an_escape_sequence_in_a_mistyped_command_is_shown_visible():
    result = _run("\x1b]0;pwned\x07")
    assert result.exit_code == 2
    assert result.stderr == "error: ccc: No such command '\\x1b]0;pwned\\x07'.\n"


def test_help_is_unchanged():
    for args in (["--help"], ["export", "review", "--help"], ["contract", "-h"]):
        result = _run(*args)
        assert result.exit_code == 0 and result.stdout.startswith("Usage: ccc") and "Options:" in result.stdout


def test_a_group_without_its_command_prints_its_help():
    result = _run("contract")
    assert "Usage: ccc contract" in result.output and "Commands:" in result.output


def test_tui_refuses_without_a_terminal():
    NoTerminalError, require_terminal = tui_command.NoTerminalError, tui_command.require_terminal
    with pytest.raises(NoTerminalError, match="ccc tui needs a terminal"):
        require_terminal(io.StringIO(), io.StringIO())

    class Tty(io.StringIO):
        def isatty(self):
            return True

    with pytest.raises(NoTerminalError):
        require_terminal(Tty(), io.StringIO())
    with pytest.raises(NoTerminalError):
        require_terminal(io.StringIO(), Tty())
    require_terminal(Tty(), Tty())  # a terminal on both: no error


def test_ccc_tui_without_a_terminal_is_one_line_not_a_hang(tmp_path):
    # stdin from /dev/null and stdout to a file, as in a CI job, on a real database (before the
    # fix, Textual started, wrote escape codes and waited for keys until the timeout)
    open_db(tmp_path / "x.db").conn.close()
    out = tmp_path / "out"
    with open(out, "wb") as stdout:
        proc = subprocess.run([sys.executable, "-c", "from ccc_governance.cli import main; main()",
                               "--db", str(tmp_path / "x.db"), "tui"],
                              stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.PIPE, timeout=30,
                              cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.decode() == (
        "error: ccc tui needs a terminal (stdin and stdout); use ccc portfolio or ccc export for scripts\n"
    )
    assert out.read_bytes() == b""
