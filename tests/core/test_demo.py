"""`ccc demo` builds a complete workspace from contracts/ and examples/ with the public commands,
and every capability shows in it (contracts, imports, evaluation, governance, packs)."""

import json

from click.testing import CliRunner

from ccc_governance.cli import cli
from ccc_governance.demo import DEMO_AS_OF


def test_demo_builds_everything_and_summarises_without_a_terminal(tmp_path, monkeypatch):
    monkeypatch.delenv("CCC_DB", raising=False)
    monkeypatch.delenv("CCC_AS_OF", raising=False)
    ws = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", str(ws), "--no-tui"])
    assert result.exit_code == 0, result.output
    assert "Portfolio as of 2026-11-16" in result.output
    assert "error" not in result.output.lower()

    db = str(ws / "ccc.db")
    out = CliRunner().invoke(cli, ["--db", db, "portfolio", "--json", "--as-of", DEMO_AS_OF])
    data = json.loads(out.output)
    rows = {r["contract_id"]: r for r in data["contracts"]}
    assert set(rows) == {"acme-utility-helpdesk", "acme-retail-chat", "acme-public-line"}
    helpdesk = rows["acme-utility-helpdesk"]
    # worst first: the helpdesk breached October, its review is overdue, a forecast and an access review are missing
    assert data["contracts"][0]["contract_id"] == "acme-utility-helpdesk"
    assert (helpdesk["status"], helpdesk["review_state"], helpdesk["overdue_obligations"]) == ("breached", "overdue", 2)
    assert helpdesk["credits_due"] > 0
    assert {i["source"] for i in data["imports"]} >= {"asterisk-queue-log", "amazon-connect", "genesys-cloud", "zendesk"}

    # the contract history shows two versions and their differences in words
    diff = CliRunner().invoke(cli, ["--db", db, "contract", "diff", "acme-utility-helpdesk"])
    assert diff.exit_code == 0 and "→" in diff.output

    # October's evaluation reproduces the sample's oracle where the contract counts like the oracle
    ev = CliRunner().invoke(cli, ["--db", db, "evaluate", "--period", "2026-10", "--format", "json",
                                  "--contract", "acme-public-line", "--as-of", DEMO_AS_OF])
    assert ev.exit_code in (0, 3)
    assert {r["period"] for r in json.loads(ev.output)["results"]} == {"2026-10"}

    packs = sorted(p.name for p in (ws / "packs").iterdir())
    assert "acme-utility-helpdesk_2026-10.html" in packs and "acme-utility-helpdesk_2026-10.xlsx" in packs

    # a second run rebuilds the same workspace from scratch
    again = CliRunner().invoke(cli, ["demo", str(ws), "--no-tui"])
    assert again.exit_code == 0, again.output


def test_demo_refuses_a_folder_that_is_not_a_demo(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    result = CliRunner().invoke(cli, ["demo", str(tmp_path), "--no-tui"])
    assert result.exit_code == 2 and "not a demo workspace" in result.output
    assert (tmp_path / "precious.txt").read_text() == "keep me"
