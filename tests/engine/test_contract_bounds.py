"""One contract must not take out the others (issue #11, item 5), and no contract value is SQL text.

A store registered by an older ccc may hold a contract text that no longer validates (the values of
the issue: `hold_within_days = 1000000000000`, `due = "99999999d"`, `answer_within_s = nan`). Such a
text is stored here directly, as that older ccc did; every read over all contracts must then show
that contract with its one-line reason and go on with the rest.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date

import pytest
from click.testing import CliRunner

from ccc_governance.cli import cli
from ccc_governance.contracts.loader import load_contract_text
from ccc_governance.engine import aggregates
from ccc_governance.engine.evaluate import evaluate
from ccc_governance.errors import CccError
from ccc_governance.governance import reviews as gov_reviews
from ccc_governance.governance.status import contract_status
from ccc_governance.portfolio import portfolio

from .conftest import CONTRACT, SL


def run(ws, *args):
    return CliRunner().invoke(cli, ["--db", str(ws.db_path), *args], catch_exceptions=False)


def contract_text(cid: str, kpis: str = "", extra: str = "") -> str:
    return CONTRACT.format(id=cid, queue="q1", effective_from="2026-01-01", extra_contract="", extra_scope="",
                           kpis=(kpis or SL.format(target=0.8, breach=0.7)) + extra)


def store_unchecked(db, cid: str, text: str) -> None:
    """Store `text` as version 1 of `cid` without validating it (what an older ccc let through)."""
    with db.conn:
        db.execute(
            "INSERT INTO contract_versions (contract_id, version, sha256, path, toml, title, client, ccc, timezone, "
            "effective_from, effective_to, registered_at) VALUES (?, 1, ?, ?, ?, 'Old', 'Client', 'CCC', "
            "'Europe/Paris', '2026-01-01', NULL, '2026-01-01T00:00:00Z')",
            [cid, hashlib.sha256(text.encode()).hexdigest(), f"/old/{cid}.toml", text])


BROKEN = {
    "huge-hold": "\n[review]\nhold_within_days = 1000000000000\n",
    "huge-due": '\n[[obligation]]\nid = "forecast"\ndescription = "x"\ndue = "99999999d"\n',
}


def answered(at: str, wait: float) -> dict:
    return {"at": at, "outcome": "answered", "wait_s": wait}


@pytest.fixture
def mixed(store, ccc_db):
    """One valid contract (`good`, breached in 2026-10) and the issue's broken ones stored unchecked."""
    store.simple_contract(id="good")
    store.contacts([answered("2026-10-05T10:00:00Z", 1.0)] * 6 + [answered("2026-10-05T10:00:00Z", 99.0)] * 4)
    for cid, extra in BROKEN.items():
        store_unchecked(ccc_db, cid, contract_text(cid, extra=extra))
    nan = contract_text("nan-threshold").replace("answer_within_s = 20", "answer_within_s = nan")
    store_unchecked(ccc_db, "nan-threshold", nan)
    return ccc_db


# -- values are parameters ----------------------------------------------------------------------


def test_contract_thresholds_are_sql_parameters_never_sql_text():
    text = contract_text("p", kpis=SL.format(target=0.8, breach=0.7).replace("answer_within_s = 20", "answer_within_s = 17.25")
                         .replace("short_abandon_s = 5", "short_abandon_s = 3.75")
                         + '\n[[kpi]]\nid = "csat"\nmetric = "csat"\nscale = 7\nsatisfied_min = 5.5\ntarget = 0.8\n'
                         + '\n[[kpi]]\nid = "fr"\nmetric = "first_response_within"\nresponse_within = "3h"\ntarget = 0.8\n')
    contract = load_contract_text(text, "p.toml")
    feats = aggregates._contact_features(contract.kpi)
    values = {17.25, 3.75, 7, 5.5, 10800.0}
    seen = set()
    for key, expr, params in feats:
        assert not re.search(r"17\.25|3\.75|5\.5|10800|\b7\b", expr), (key, expr)
        assert expr.count("?") == len(params), (key, expr, params)
        seen |= set(params)
    assert values <= seen


def test_a_fractional_threshold_counts_as_before(store, ccc_db):
    store.simple_contract(kpis=SL.format(target=0.8, breach=0.7).replace("answer_within_s = 20", "answer_within_s = 17.25"))
    store.contacts([answered("2026-10-05T10:00:00Z", 17.25), answered("2026-10-05T10:00:00Z", 17.26)])
    [r] = evaluate(ccc_db, period="2026-10", as_of="2026-11-15")
    assert (r["numerator"], r["denominator"]) == (1, 2)


# -- one contract does not take out the others ---------------------------------------------------


def test_evaluate_goes_on_past_contracts_that_cannot_be_read(mixed):
    results = evaluate(mixed, period="2026-10", as_of="2026-11-15")
    assert {r["contract_id"] for r in results} == {"good"}
    assert results[0]["status"] == "breached"
    assert set(results.skipped) == {"huge-hold", "huge-due", "nan-threshold"}
    assert "answer_within_s must be a finite number, not nan" in results.skipped["nan-threshold"]
    assert "hold_within_days = 1,000,000,000,000 is outside 0–366 days" in results.skipped["huge-hold"]
    assert all("\n" not in why for why in results.skipped.values())
    # The good contract's results, breach and credit were stored.
    assert mixed.execute("SELECT COUNT(*) FROM breaches WHERE contract_id = 'good'").fetchone()[0] == 1
    with pytest.raises(CccError, match="contract huge-due cannot be evaluated: .*longer than 366 days"):
        evaluate(mixed, contract_id="huge-due", period="2026-10", as_of="2026-11-15")


def test_evaluate_cli_warns_and_lists_skipped_contracts(mixed, ccc_workspace):
    res = run(ccc_workspace, "evaluate", "--period", "2026-10", "--format", "json", "--as-of", "2026-11-15")
    assert res.exit_code == 3  # the good contract's breach
    data = json.loads(res.stdout)
    assert [r["contract"] for r in data["results"]] == ["good"]
    assert sorted(s["contract"] for s in data["skipped"]) == ["huge-due", "huge-hold", "nan-threshold"]
    warnings = [w for w in res.stderr.splitlines() if w.startswith("warning: contract ")]
    assert sorted(w.split()[2] for w in warnings) == ["huge-due", "huge-hold", "nan-threshold"]
    assert "Traceback" not in res.stdout + res.stderr


def test_portfolio_lists_a_broken_contract_with_its_reason_and_the_others(mixed, ccc_workspace):
    evaluate(mixed, period="2026-10", as_of="2026-11-15")
    rows = portfolio(mixed, date(2026, 11, 16)).rows
    assert [r.contract_id for r in rows][:3] == ["huge-due", "huge-hold", "nan-threshold"]  # problems first
    good = rows[3]
    assert (good.contract_id, good.status, good.problem, good.open_breaches) == ("good", "breached", None, 1)
    assert "longer than 366 days" in rows[0].problem and "outside 0–366 days" in rows[1].problem
    res = run(ccc_workspace, "portfolio", "--as-of", "2026-11-16")
    assert res.exit_code == 0 and "Traceback" not in res.output
    assert "cannot be shown" in res.stdout and "good" in res.stdout
    assert any(line.startswith("huge-hold: ") and "hold_within_days" in line for line in res.stdout.splitlines())
    res = run(ccc_workspace, "portfolio", "--as-of", "2026-11-16", "--json")
    problems = {c["contract_id"]: c["problem"] for c in json.loads(res.stdout)["contracts"]}
    assert problems["good"] is None and all(problems[c] for c in BROKEN)


def test_portfolio_survives_a_failure_that_validation_cannot_prevent(store, ccc_db, monkeypatch):
    """The per-contract guard is defensive: any date or number overflow for one contract stays its own."""
    store.simple_contract(id="a")
    store.simple_contract(id="b", queue="q2")
    real = gov_reviews.review_dates

    def overflowing(period, hold, pre):
        if overflowing.calls == 0:
            overflowing.calls += 1
            raise OverflowError("date value out of range")
        return real(period, hold, pre)

    overflowing.calls = 0
    monkeypatch.setattr(gov_reviews, "review_dates", overflowing)
    rows = portfolio(ccc_db, date(2026, 11, 16)).rows
    assert [(r.contract_id, r.problem) for r in rows] == [
        ("a", "OverflowError: date value out of range"), ("b", None)]


def test_reviews_and_status_show_the_broken_contract_and_go_on(mixed, ccc_workspace):
    problems: dict = {}
    rows = gov_reviews.calendar(mixed, as_of="2026-11-16", problems=problems)
    assert {r["contract_id"] for r in rows} == {"good"}
    assert set(problems) == {"huge-hold", "huge-due", "nan-threshold"}
    res = run(ccc_workspace, "reviews", "--as-of", "2026-11-16")
    assert res.exit_code == 0 and "good" in res.stdout
    assert "warning: contract huge-hold left out: " in res.stderr
    status = contract_status(mixed, "huge-due", "2026-11-16")
    assert "longer than 366 days" in status["problem"] and status["next_review"] is None
    res = run(ccc_workspace, "status", "huge-due", "--as-of", "2026-11-16")
    assert res.exit_code == 0 and res.stdout.splitlines()[1].startswith("Problem: ")
    assert contract_status(mixed, "good", "2026-11-16")["problem"] is None
