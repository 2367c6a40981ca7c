"""Breach notifications go through an outbox: none is lost when a notifier fails, every path that
records a breach notifies, a failure is one warning line and is retried by the next run."""

import json

import pluggy
import pytest
from click.testing import CliRunner

from ccc_governance import hookspecs
from ccc_governance.cli import cli
from ccc_governance.engine import breaches, notifications
from ccc_governance.engine.evaluate import evaluate

from .conftest import SL

NOTIFIER = '''
from pathlib import Path

from ccc_governance import hookimpl


@hookimpl
def breach_detected(breach, result, contract, workspace):
    root = Path(workspace.root)
    if (root / "notifier-down").exists():
        raise RuntimeError("chat server unreachable\\n(second line of the message)")
    with (root / "notified.txt").open("a", encoding="utf-8") as fh:
        fh.write(f"{breach['id']} {breach['kpi_id']} {breach['period']} {result['actual']} {contract.id}\\n")
'''


@pytest.fixture
def notifier(ccc_workspace, monkeypatch):
    """A notifier in the workspace's plugins folder (entry-point plugins left out) that fails while
    the file `notifier-down` exists; returns a function giving the lines it wrote."""
    monkeypatch.setenv("CCC_NO_PLUGINS", "1")
    folder = ccc_workspace.root / "plugins"
    folder.mkdir(exist_ok=True)
    (folder / "flaky.py").write_text(NOTIFIER, encoding="utf-8")
    out = ccc_workspace.root / "notified.txt"
    return lambda: out.read_text(encoding="utf-8").splitlines() if out.exists() else []


def run(ws, *args):
    return CliRunner().invoke(cli, ["--db", str(ws.db_path), *args], catch_exceptions=False)


def breached_month(store, *, month="2026-10"):
    """c1 breaches its service level (0.6 against 0.7) in `month`."""
    if not store.db.execute("SELECT 1 FROM contract_versions").fetchone():
        store.simple_contract(kpis=SL.format(target=0.8, breach=0.7)
                              + "\n[service_credits]\nat_risk_percent = 10.0\npool_percent = 100.0\n")
    store.contacts([{"at": f"{month}-05T10:00:00Z", "outcome": "answered", "wait_s": 1.0}] * 6
                   + [{"at": f"{month}-05T10:00:00Z", "outcome": "answered", "wait_s": 99.0}] * 4)


def test_failing_notifier_warns_once_and_the_next_evaluate_delivers(store, ccc_workspace, notifier):
    breached_month(store)
    (ccc_workspace.root / "notifier-down").touch()
    res = run(ccc_workspace, "evaluate", "--period", "2026-10", "--as-of", "2026-11-15")
    assert res.exit_code == 3  # the breach's usual code: the notifier did not stop the evaluation
    assert "Traceback" not in res.output  # (and catch_exceptions=False: an exception would fail the test)
    [warning] = res.stderr.splitlines()
    assert warning.startswith("warning: notifier 'flaky' failed for breach #1 (RuntimeError: chat server unreachable")
    assert "`ccc notifications`" in warning
    assert notifier() == []
    # The credits were stored although the notifier failed (they are computed after the breach).
    assert "net 1,200.00 EUR" in run(ccc_workspace, "credits").output
    res = run(ccc_workspace, "notifications")
    assert res.exit_code == 0
    assert res.output.startswith("#1 breach #1 c1 v1 sl 2026-10: failed (1 attempt, last ")
    assert "flaky: RuntimeError: chat server unreachable (second line of the message)" in res.output

    (ccc_workspace.root / "notifier-down").unlink()
    res = run(ccc_workspace, "evaluate", "--period", "2026-10", "--as-of", "2026-11-15")
    assert res.exit_code == 3 and res.stderr == ""
    assert notifier() == ["1 sl 2026-10 0.6 c1"]
    run(ccc_workspace, "evaluate", "--period", "2026-10", "--as-of", "2026-11-15")
    assert notifier() == ["1 sl 2026-10 0.6 c1"]  # delivered once, never again
    res = run(ccc_workspace, "notifications")
    assert res.output == "no notification waiting (1 delivered; --all lists them)\n"
    [n] = json.loads(run(ccc_workspace, "notifications", "--all", "--json").output)["notifications"]
    assert (n["state"], n["attempts"], n["delivered_to"], n["error"]) == ("delivered", 2, ["flaky"], None)
    assert "notification delivered" in run(ccc_workspace, "breach", "show", "1").output


def test_export_review_that_evaluates_notifies(store, ccc_workspace, notifier, tmp_path):
    breached_month(store, month="2026-09")
    breached_month(store, month="2026-10")
    res = run(ccc_workspace, "export", "review", "--contract", "c1", "--period", "2026-10", "--format", "json",
              "-o", str(tmp_path / "pack.json"), "--as-of", "2026-11-15")
    assert res.exit_code == 0, res.output
    # The export evaluated October and September (for the changes): both breaches recorded, both notified.
    assert sorted(notifier()) == ["1 sl 2026-10 0.6 c1", "2 sl 2026-09 0.6 c1"]
    assert run(ccc_workspace, "notifications").output.startswith("no notification waiting (2 delivered")


def test_export_portfolio_warns_and_notifications_retry_exits_1_while_failing(store, ccc_workspace, notifier,
                                                                               tmp_path):
    breached_month(store)
    (ccc_workspace.root / "notifier-down").touch()
    res = run(ccc_workspace, "export", "portfolio", "--period", "2026-10", "--format", "json",
              "-o", str(tmp_path / "p.json"), "--as-of", "2026-11-15")
    assert res.exit_code == 0 and len(res.stderr.splitlines()) == 1 and "Traceback" not in res.output
    res = run(ccc_workspace, "notifications", "--retry")
    assert res.exit_code == 1 and "failed (2 attempts" in res.stdout
    (ccc_workspace.root / "notifier-down").unlink()
    res = run(ccc_workspace, "notifications", "--retry")
    assert res.exit_code == 0 and notifier() == ["1 sl 2026-10 0.6 c1"]


def _pm(*plugins):
    pm = pluggy.PluginManager("ccc_governance")
    pm.add_hookspecs(hookspecs)
    for name, plugin in plugins:
        pm.register(plugin, name=name)
    return pm


class Good:
    def __init__(self):
        self.calls = []

    @hookspecs.hookimpl
    def breach_detected(self, breach, result):  # a notifier may take only the arguments it needs
        self.calls.append((breach["id"], result["status"]))


class Bad:
    def __init__(self):
        self.fail = True

    @hookspecs.hookimpl
    def breach_detected(self, breach, contract):
        if self.fail:
            raise ConnectionError("mail relay refused")


def test_a_notifier_that_returned_is_not_called_again_when_another_failed(store, ccc_db):
    breached_month(store)
    good, bad = Good(), Bad()
    pm = _pm(("good", good), ("bad", bad))
    warnings = []
    evaluate(ccc_db, period="2026-10", as_of="2026-11-15", persist=True)  # recorded without a plugin manager
    [n] = notifications.list_notifications(ccc_db)
    assert n["state"] == "pending" and good.calls == []  # queued with the breach, not lost
    assert notifications.deliver_pending(ccc_db, pm, warn=warnings.append) == {"delivered": 0, "failed": 1}
    assert good.calls == [(1, "breached")] and len(warnings) == 1 and "'bad'" in warnings[0]
    [n] = notifications.list_notifications(ccc_db)
    assert (n["state"], n["delivered_to"], n["error"]) == ("failed", ["good"], "bad: ConnectionError: mail relay refused")
    bad.fail = False
    assert notifications.deliver_pending(ccc_db, pm, warn=warnings.append) == {"delivered": 1, "failed": 0}
    assert good.calls == [(1, "breached")] and len(warnings) == 1
    [n] = notifications.list_notifications(ccc_db)
    assert (n["state"], sorted(n["delivered_to"]), n["attempts"]) == ("delivered", ["bad", "good"], 2)
    assert n["delivered_at"] >= n["created_at"]


def test_one_warning_per_failing_notifier_however_many_breaches(store, ccc_db):
    store.simple_contract(kpis=SL.format(target=0.8, breach=0.7) + 'period = "day"\n')
    for day in ("2026-10-05", "2026-10-06", "2026-10-07"):
        store.contacts([{"at": f"{day}T10:00:00Z", "outcome": "answered", "wait_s": 99.0}] * 3)
    warnings = []
    bad = Bad()
    for day in ("2026-10-05", "2026-10-06", "2026-10-07"):
        evaluate(ccc_db, period=day, as_of="2026-11-15")
    assert len(breaches.list_breaches(ccc_db)) == 3
    notifications.deliver_pending(ccc_db, _pm(("bad", bad)), warn=warnings.append)
    assert warnings == ["notifier 'bad' failed for breach #1 and 2 more (ConnectionError: mail relay refused); "
                        "kept to retry at the next run (see `ccc notifications`)"]


def test_without_notifier_a_notification_is_delivered_to_none(store, ccc_db):
    breached_month(store)
    evaluate(ccc_db, period="2026-10", as_of="2026-11-15", pm=_pm())
    [n] = notifications.list_notifications(ccc_db)
    assert (n["state"], n["delivered_to"]) == ("delivered", [])


def test_the_plugin_manager_is_asked_for_only_when_a_notification_is_pending(store, ccc_db):
    # `ccc evaluate` passes a function that loads the plugins: an evaluation that notifies nothing
    # (no breach, or all delivered) does not load them; one with a new breach does, once.
    asked = []

    def lazy():
        asked.append(1)
        return _pm()

    store.simple_contract(kpis=SL.format(target=0.8, breach=0.7))
    store.contacts([{"at": "2026-10-05T10:00:00Z", "outcome": "answered", "wait_s": 1.0}] * 10)
    evaluate(ccc_db, period="2026-10", as_of="2026-11-15", pm=lazy)
    assert asked == [] and notifications.list_notifications(ccc_db) == []
    breached_month(store, month="2026-09")
    evaluate(ccc_db, period="2026-09", as_of="2026-11-15", pm=lazy)
    assert asked == [1]
    [n] = notifications.list_notifications(ccc_db)
    assert (n["state"], n["delivered_to"]) == ("delivered", [])
    evaluate(ccc_db, period="2026-09", as_of="2026-11-15", pm=lazy)  # the same breach: nothing new
    assert asked == [1]
