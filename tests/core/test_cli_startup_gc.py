"""`main` pauses the cyclic garbage collector until the command is loaded (issue #13), and always
gives it back as it found it, whatever the command did."""

from __future__ import annotations

import gc

import pytest

from ccc_governance.cli import main


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["nosuch"], ["metrics"]])
def test_main_gives_the_collector_back_on(args, capsys):
    assert gc.isenabled()
    with pytest.raises(SystemExit):
        main(args)
    assert gc.isenabled()


def test_main_leaves_a_disabled_collector_disabled(capsys):
    gc.disable()
    try:
        with pytest.raises(SystemExit):
            main(["--version"])
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_command_runs_with_the_collector_on(monkeypatch, capsys):
    import ccc_governance.cli.conformity as conformity

    seen = []
    real = conformity.metrics_command.callback
    monkeypatch.setattr(conformity.metrics_command, "callback", lambda *a, **k: (seen.append(gc.isenabled()),
                                                                               real(*a, **k))[1])
    with pytest.raises(SystemExit) as exit_:
        main(["metrics"])
    assert exit_.value.code == 0 and seen == [True]
