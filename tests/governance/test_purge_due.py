"""`ccc purge --due`: every contract in force with a retention purges what is due everywhere; a
record another contract still holds (no retention, or not yet past it) is kept (issue #16 item 3)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

from ccc_governance.cli import cli
from ccc_governance.contracts import registry
from ccc_governance.governance import purge
from ccc_governance.store.db import open_db

AS_OF = "2027-11-01"  # acme keeps 365 days: before 2026-10-31T23:00Z goes


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc).timestamp() * 1000)


def _contract(cid: str, scope: str, data: str) -> str:
    return f"""schema = "ccc-contract/1"

[contract]
id = "{cid}"
title = "{cid}"
client = "Acme"
ccc = "CallCo"
effective_from = 2026-01-01
timezone = "Europe/Paris"

[scope]
{scope}

[[kpi]]
id = "sl"
metric = "service_level"
target = 0.8
{data}"""


@pytest.fixture
def db_path(tmp_path, contract_texts):
    folder = tmp_path / "contracts"
    folder.mkdir()
    (folder / "acme.toml").write_text(contract_texts["acme"], encoding="utf-8")
    (folder / "beta.toml").write_text(contract_texts["beta"], encoding="utf-8")
    # gamma keeps the Acme Support voice records two years; delta (no retention) uses acme-sales.
    (folder / "gamma.toml").write_text(_contract("gamma", 'queues = ["Acme Support"]\nchannels = ["voice"]',
                                                 "\n[data_handling]\nretention_days = 730\n"), encoding="utf-8")
    (folder / "delta.toml").write_text(_contract("delta", 'queues = ["acme-sales"]', ""), encoding="utf-8")
    path = tmp_path / "ccc.db"
    db = open_db(path)
    registry.register(db, folder)
    db["batches"].insert({"id": 1, "source": "x", "file_name": "f", "sha256": "0", "started_at": "2027-01-01"})
    old, new = ms("2026-06-01T10:00:00Z"), ms("2027-06-01T10:00:00Z")
    for sid, queue, at in [("held-by-gamma", "Acme Support", old), ("acme-only", "acme-billing", old),
                           ("held-by-delta", "acme-sales", old), ("recent", "acme-billing", new)]:
        db["contacts"].insert({"source": "amazon-connect", "source_id": sid, "batch_id": 1, "arrived_at": at,
                               "queue": queue, "channel": "voice", "direction": "inbound", "outcome": "answered"})
    db.conn.close()
    return path


def _left(path) -> list[str]:
    db = open_db(path)
    try:
        return sorted(r[0] for r in db.execute("SELECT source_id FROM contacts"))
    finally:
        db.conn.close()


def test_due_keeps_what_another_contract_still_holds(db_path):
    db = open_db(db_path)
    reports = {r["contract_id"]: r for r in purge.due(db, AS_OF)}
    db.conn.close()
    assert set(reports) == {"acme", "gamma"}  # beta and delta set no retention
    assert reports["acme"]["counts"]["contacts"] == 1 and reports["acme"]["kept"]["contacts"] == 2
    assert reports["gamma"]["counts"]["contacts"] == 0


def test_purge_due_dry_run_then_yes_deletes_exactly_what_is_due(db_path):
    def run(*args):
        return CliRunner().invoke(cli, ["--db", str(db_path), "purge", *args], catch_exceptions=False)

    dry = run("--due", "--as-of", AS_OF)
    assert dry.exit_code == 0
    assert "  contacts: would delete 1 (kept 2: another contract still holds them)" in dry.output
    assert "dry run: nothing deleted" in dry.output and len(_left(db_path)) == 4
    done = run("--due", "--as-of", AS_OF, "--yes", "--json")
    assert [(r["contract_id"], r["counts"]["contacts"]) for r in json.loads(done.output)] == [("acme", 1), ("gamma", 0)]
    assert _left(db_path) == ["held-by-delta", "held-by-gamma", "recent"]
    assert run("--due", "--as-of", AS_OF, "--yes").exit_code == 0 and len(_left(db_path)) == 3  # nothing more due


def test_purge_needs_contract_or_due(db_path):
    for args in ([], ["--due", "--contract", "acme"], ["--due", "--duty", "access-review"]):
        result = CliRunner().invoke(cli, ["--db", str(db_path), "purge", *args])
        assert result.exit_code == 2 and result.output.startswith("error: cli purge: ") and "\n" == result.output[-1:], result.output
        assert len(result.output.splitlines()) == 1


def test_status_flags_records_held_past_retention(db_path):
    result = CliRunner().invoke(cli, ["--db", str(db_path), "status", "acme", "--as-of", AS_OF, "--json"],
                                catch_exceptions=False)
    held = json.loads(result.output)["past_retention"]
    # Three old contacts in acme's scope; the oldest (2026-06-01) was past 365 days from 2027-06-02.
    assert held == {"records": 3, "counts": {"contacts": 3, "surveys": 0, "complaints": 0, "quality_evaluations": 0},
                    "oldest": "2026-06-01", "due_since": "2027-06-02"}
    assert json.loads(CliRunner().invoke(cli, ["--db", str(db_path), "status", "acme", "--as-of", "2027-06-01",
                                               "--json"]).output)["past_retention"] is None
    text = CliRunner().invoke(cli, ["--db", str(db_path), "status", "acme", "--as-of", AS_OF]).output
    assert ("Past retention: 3 records (3 contacts), oldest from 2026-06-01, due since 2027-06-02: "
            "run `ccc purge --contract acme`") in text
    beta = CliRunner().invoke(cli, ["--db", str(db_path), "status", "beta", "--as-of", AS_OF, "--json"]).output
    assert json.loads(beta)["past_retention"] is None  # no retention set


def test_the_portfolio_flags_what_status_flags_in_one_read_for_all_contracts(db_path):
    from ccc_governance.portfolio import portfolio
    from ccc_governance.tui.screens.portfolio import detail

    db = open_db(db_path)
    try:
        rows = {r.contract_id: r for r in portfolio(db, datetime.fromisoformat(AS_OF).date()).rows}
        statuses = {cid: json.loads(CliRunner().invoke(cli, ["--db", str(db_path), "status", cid, "--as-of", AS_OF,
                                                             "--json"]).output)["past_retention"] for cid in rows}
    finally:
        db.conn.close()
    # gamma keeps two years: nothing of its scope is past it; beta and delta set no retention.
    assert {cid: r.past_retention for cid, r in rows.items() if r.past_retention} == {
        "acme": {**statuses["acme"], "retention_days": 365}}
    assert statuses["gamma"] is None and statuses["beta"] is None
    text = " ".join(CliRunner().invoke(cli, ["--db", str(db_path), "portfolio", "--as-of", AS_OF]).output.split())
    assert ("acme: 3 records held past the 365-day retention (3 contacts), oldest from 2026-06-01, "
            "due since 2027-06-02: run `ccc purge --due`") in text
    assert "gamma: " not in text
    data = json.loads(CliRunner().invoke(cli, ["--db", str(db_path), "portfolio", "--as-of", AS_OF, "--json"]).output)
    assert {c["contract_id"]: c["past_retention"] for c in data["contracts"]}["acme"]["records"] == 3
    from rich.console import Console

    console = Console(width=200, record=True)
    console.print(detail(rows["acme"], wide=True))
    pane = console.export_text()
    assert "past retention: 3 records (3 contacts) held beyond 365 days, oldest from 2026-06-01, due since 2027-06-02" in pane
    console = Console(width=200, record=True)
    console.print(detail(rows["gamma"], wide=True))
    assert "past retention" not in console.export_text()


def test_past_retention_matches_expired_at_each_cutoff(db_path):
    """The grouped read gives the counts `expired()` gives, day after day around the cut-offs."""
    from datetime import date, timedelta

    from ccc_governance.governance.inforce import contract_for

    db = open_db(db_path)
    try:
        for offset in range(-2, 3):
            day = date(2027, 6, 2) + timedelta(days=offset)
            contracts = {cid: contract_for(db, cid, day) for cid in ("acme", "gamma", "delta")}
            held = purge.past_retention(db, contracts, day)
            for cid in ("acme", "gamma"):
                counts = purge.expired(db, cid, day)["counts"]
                assert (held[cid]["counts"] if cid in held else dict.fromkeys(counts, 0)) == counts, (cid, day)
    finally:
        db.conn.close()
