"""`ccc contract …` through click's CliRunner: output and exit codes 0 / 1 / 2."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ccc_governance.cli import cli
from ccc_governance.contracts.jsonschema import contract_schema

from contract_helpers import BASE, REPO, write


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.delenv("CCC_DB", raising=False)
    db = str(tmp_path / "ws" / "ccc.db")

    def invoke(*args):
        return CliRunner().invoke(cli, ["--db", db, *map(str, args)], catch_exceptions=False)

    return invoke


def test_validate_ok_and_problems(run, tmp_path):
    ok = run("contract", "validate", REPO / "contracts")
    assert ok.exit_code == 0
    assert ok.output.count(": OK (") == 3
    bad = write(tmp_path, BASE.replace("breach = 0.75", "breach = 0.85"), "bad.toml")
    result = run("contract", "validate", bad, REPO / "contracts/acme-retail-chat.toml")
    assert result.exit_code == 1
    assert f"{bad}:23: kpi sl: breach 0.85 is above target 0.8" in result.output
    assert "acme-retail-chat.toml: OK" in result.output
    assert "Traceback" not in result.output


def test_validate_syntax_error_gives_file_and_line(run, tmp_path):
    bad = write(tmp_path, BASE.replace('id = "sl"', 'id = "sl'), "broken.toml")
    result = run("contract", "validate", bad)
    assert result.exit_code == 1
    assert result.output.startswith(f"{bad}:19: not valid TOML")


def test_register_list_show_diff(run, tmp_path):
    first = run("contract", "register", REPO / "examples/contract-history/acme-utility-helpdesk-v1.toml")
    assert first.exit_code == 0 and "acme-utility-helpdesk: registered as version 1" in first.output
    second = run("contract", "register", REPO / "contracts")
    assert second.exit_code == 0
    assert "acme-utility-helpdesk: new version 2" in second.output
    again = run("contract", "register", REPO / "contracts")
    assert "acme-utility-helpdesk: unchanged, version 2" in again.output

    listing = run("contract", "list", "--format", "json")
    rows = {r["contract_id"]: r for r in json.loads(listing.output)}
    assert rows["acme-utility-helpdesk"]["versions"] == 2
    assert rows["acme-public-line"]["effective_to"] == "2027-12-31"
    assert "acme-retail-chat" in run("contract", "list").output

    at = run("contract", "show", "acme-utility-helpdesk", "--at", "2026-03-15")
    assert at.exit_code == 0 and "(version 1 of 2)" in at.output and "target 0.8, breach 0.75" in at.output
    shown = json.loads(run("contract", "show", "acme-utility-helpdesk", "--format", "json").output)
    assert shown["version"] == 2
    assert shown["contract"]["kpi"][0]["class"] == "critical"
    assert shown["contract"]["kpi"][0]["answer_within_s"] == 20.0
    toml_text = run("contract", "show", "acme-utility-helpdesk", "--version", "1", "--format", "toml").output
    assert toml_text == (REPO / "examples/contract-history/acme-utility-helpdesk-v1.toml").read_text(encoding="utf-8")

    diff = run("contract", "diff", "acme-utility-helpdesk")
    assert diff.exit_code == 0
    assert "version 1 → 2" in diff.output and "  review frequency quarterly → monthly" in diff.output
    same = run("contract", "diff", "acme-utility-helpdesk", "--from", "2", "--to", "2")
    assert "no change in meaning" in same.output


def test_register_refuses_an_invalid_file(run, tmp_path):
    bad = write(tmp_path, BASE.replace("allocation = 0.4", "allocation = 0.9"), "bad.toml")
    result = run("contract", "register", bad)
    assert result.exit_code == 1
    assert f"{bad}:25: KPI allocations add up to 150 %" in result.output
    assert "nothing registered" in result.output
    assert "no contracts registered yet" in run("contract", "list").output


def test_user_errors_exit_2(run, tmp_path):
    run("contract", "register", write(tmp_path, BASE))
    unknown = run("contract", "show", "nope")
    assert unknown.exit_code == 2 and "error: no contract 'nope' in the registry" in unknown.output
    bad_date = run("contract", "show", "demo", "--at", "2026-13-01")
    assert bad_date.exit_code == 2 and "is not a date" in bad_date.output
    before = run("contract", "show", "demo", "--at", "2025-01-01")
    assert before.exit_code == 2 and "no version of contract 'demo' is in force on 2025-01-01" in before.output
    only_one = run("contract", "diff", "demo")
    assert only_one.exit_code == 2 and "nothing to compare" in only_one.output


def test_schema_command_prints_the_schema(run):
    result = run("contract", "schema")
    assert result.exit_code == 0
    assert json.loads(result.output) == contract_schema()


def test_register_defaults_to_the_workspace_contracts_folder(tmp_path, monkeypatch):
    from ccc_governance.workspace import init_workspace

    monkeypatch.delenv("CCC_DB", raising=False)
    init_workspace(tmp_path / "ws")
    write(tmp_path / "ws" / "contracts", BASE)
    monkeypatch.chdir(tmp_path / "ws")
    result = CliRunner().invoke(cli, ["contract", "register"], catch_exceptions=False)
    assert result.exit_code == 0 and "demo: registered as version 1" in result.output
