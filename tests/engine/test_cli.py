"""`ccc evaluate` and the breach, exclusion and credit commands through click."""

import json

from click.testing import CliRunner

from ccc_governance.cli import cli

from .conftest import SL


def run(ws, *args):
    return CliRunner().invoke(cli, ["--db", str(ws.db_path), *args], catch_exceptions=False)


def setup(store, good, bad):
    store.simple_contract(kpis=SL.format(target=0.8, breach=0.7)
                          + "\n[service_credits]\nat_risk_percent = 10.0\npool_percent = 100.0\n")
    store.contacts([{"at": "2026-10-05T10:00:00Z", "outcome": "answered", "wait_s": 1.0}] * good
                   + [{"at": "2026-10-05T10:00:00Z", "outcome": "answered", "wait_s": 99.0}] * bad)


def test_evaluate_json_and_exit_codes(store, ccc_workspace):
    setup(store, 6, 4)
    res = run(ccc_workspace, "evaluate", "--period", "2026-10", "--format", "json", "--as-of", "2026-11-15")
    assert res.exit_code == 3
    [r] = json.loads(res.output)["results"]
    assert {k: r[k] for k in ("contract", "contract_version", "kpi", "metric", "period", "volume", "numerator",
                              "denominator", "actual", "target", "breach", "status", "excluded")} == {
        "contract": "c1", "contract_version": 1, "kpi": "sl", "metric": "service_level", "period": "2026-10",
        "volume": 10, "numerator": 6, "denominator": 10, "actual": 0.6, "target": 0.8, "breach": 0.7,
        "status": "breached", "excluded": []}
    assert r["ci"]["low"] < 0.6 < r["ci"]["high"] and r["small_sample"] is True
    assert r["credits"][0]["amount"] == 1200.0  # 40,000 × 10 % × 100 % × 30 %
    res = run(ccc_workspace, "evaluate", "--period", "2026-09", "--as-of", "2026-11-15")
    assert res.exit_code == 0 and "no_data" in res.output
    assert max(len(line) for line in res.output.splitlines()) <= 80


def test_evaluate_junit_csv_and_range(store, ccc_workspace):
    setup(store, 6, 4)
    res = run(ccc_workspace, "evaluate", "--from", "2026-10-05", "--to", "2026-10-05", "--format", "junit",
              "--as-of", "2026-11-15")
    assert res.exit_code == 3 and 'failures="1"' in res.output and "<failure" in res.output
    res = run(ccc_workspace, "evaluate", "--period", "2026-10", "--format", "csv", "--as-of", "2026-11-15")
    assert res.output.splitlines()[1].startswith("c1,1,sl,service_level,2026-10,10.0,6.0,10.0,0.6,")


def test_evaluate_each_month_of_a_range(store, ccc_workspace):
    """`--each month` with --from/--to: every month they overlap, as `--period` gives each one."""
    setup(store, 6, 4)
    store.contacts([{"at": "2026-09-20T10:00:00Z", "outcome": "answered", "wait_s": 1.0}] * 3)
    res = run(ccc_workspace, "evaluate", "--from", "2026-09-15", "--to", "2026-11-02", "--each", "month",
              "--format", "json", "--as-of", "2026-11-15")
    assert res.exit_code == 3
    got = {r["period"]: (r["volume"], r["numerator"], r["status"]) for r in json.loads(res.output)["results"]}
    assert got == {"2026-09": (3, 3, "met"), "2026-10": (10, 6, "breached"), "2026-11": (0, 0, "mtd_no_data")}
    for label, figures in got.items():
        [r] = json.loads(run(ccc_workspace, "evaluate", "--period", label, "--format", "json",
                             "--as-of", "2026-11-15").output)["results"]
        assert (r["volume"], r["numerator"], r["status"]) == figures
    res = run(ccc_workspace, "evaluate", "--each", "month")
    assert res.exit_code == 2 and res.output.strip().splitlines()[-1].startswith("error: --each goes with --from and --to")


def test_breach_commands(store, ccc_workspace):
    setup(store, 6, 4)
    run(ccc_workspace, "evaluate", "--period", "2026-10", "--as-of", "2026-11-15")
    res = run(ccc_workspace, "breaches", "--json")
    [b] = json.loads(res.output)["breaches"]
    res = run(ccc_workspace, "breach", "ack", str(b["id"]), "--note", "seen", "--as-of", "2026-11-16")
    assert res.exit_code == 0 and "acknowledged" in res.output
    res = run(ccc_workspace, "breach", "ack", str(b["id"]), "--note", "again")
    assert res.exit_code == 2 and res.output.startswith("error: breach") and "already acknowledged" in res.output
    res = run(ccc_workspace, "breach", "show", str(b["id"]))
    assert "open → acknowledged: seen" in res.output
    res = run(ccc_workspace, "breach", "close", "999", "--note", "x")
    assert res.exit_code == 2 and "breach 999 does not exist" in res.output
    res = run(ccc_workspace, "credits", "--contract", "c1")
    assert "c1 2026-10: net 1,200.00 EUR" in res.output


def test_exclusion_commands_and_errors(store, ccc_workspace):
    setup(store, 6, 4)
    res = run(ccc_workspace, "exclusion", "add", "c1", "--from", "2026-10-05", "--to", "2026-10-05",
              "--reason", "storm", "--evidence", "met office", "--kind", "force_majeure")
    assert res.exit_code == 0 and "2026-10-04T22:00:00Z → 2026-10-05T22:00:00Z" in res.output
    res = run(ccc_workspace, "evaluate", "--period", "2026-10", "--format", "json", "--as-of", "2026-11-15")
    [r] = json.loads(res.output)["results"]
    assert r["status"] == "no_data" and r["excluded"][0]["volume"] == 10 and res.exit_code == 0
    res = run(ccc_workspace, "exclusion", "add", "nope", "--from", "2026-10-05", "--to", "2026-10-05", "--reason", "x")
    assert res.exit_code == 2 and "contract 'nope' is not registered" in res.output
    res = run(ccc_workspace, "exclusion", "add", "c1", "--from", "5 Oct", "--to", "2026-10-05", "--reason", "x")
    assert res.exit_code == 2 and "'5 Oct' is not a date" in res.output
    res = run(ccc_workspace, "evaluate", "--period", "October")
    assert res.exit_code == 2 and "period 'October' is not understood" in res.output
    res = run(ccc_workspace, "exclusion", "list", "c1")
    assert "force_majeure" in res.output and "(evidence: met office)" in res.output
