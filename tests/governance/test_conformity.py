"""`ccc conformity`: each ISO 18295-2 client duty reaches met, partly and missing by construction on
hand-made workspaces; exit codes, the JSON layout, French labels and HTML escaping."""

from __future__ import annotations

import html
import json
import re

import pytest
from click.testing import CliRunner

from ccc_governance.cli import cli
from ccc_governance.governance import conformity
from ccc_governance.governance.actions import add_action, close_action
from ccc_governance.governance.audit import close_audit, start_audit
from ccc_governance.governance.evidence import add_evidence
from ccc_governance.governance.reviews import record_review, sign_off
from ccc_governance.iso18295 import MAPPING
from ccc_governance.store.db import open_db
from ccc_governance.testing import store_folder

from ccc_governance.contracts import registry


def register_text(db, contract_id: str, text: str) -> None:
    """Register a contract through the registry, from a file beside the database."""
    path = store_folder(db) / f"{contract_id}.toml"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    registry.register(db, path)

#: Monthly reviews signed by the client; a forecast due 5 days before each month; a quarterly
#: access review due on the 15th of its quarter's first month; complaints and data-handling rules.
GOOD = """\
schema = "ccc-contract/1"

[contract]
id = "good"
title = "Good line"
client = "Acme"
ccc = "CallCo"
effective_from = 2026-01-01
timezone = "Europe/Paris"

[[kpi]]
id = "sl"
metric = "service_level"
target = 0.8

[review]
frequency = "monthly"
hold_within_days = 10
sign_off = ["client"]

[complaints]
acknowledge_within = "2bd"
resolve_within = "10bd"

[data_handling]
retention_days = 365
data_location = "EU"

[[data_handling.duty]]
id = "access-review"
every = "quarterly"
due = "14d"
description = "Access review"

[[obligation]]
id = "forecast"
description = "Volume forecast"
every = "monthly"
due = "-5d"
"""

AS_OF = "2026-03-05"  # reviews owed: 2026-01 (hold by 02-10); forecasts owed: 01-27, 02-24; access review 01-15


def _kpi_result(db, cid: str, period: str = "2026-01", start: str = "2026-01-01", end: str = "2026-02-01") -> None:
    db["kpi_results"].insert({"contract_id": cid, "contract_version": 1, "kpi_id": "sl", "metric": "service_level",
                              "period": period, "period_kind": "month", "period_start": start, "period_end": end,
                              "status": "met", "evaluated_at": "2026-02-02T00:00:00Z"})


def _make_good(db, cid: str = "good", text: str = GOOD, *, review_on: str = "2026-02-05", audit_on: str | None = "2026-02-01",
               forecasts=("2026-01-25", "2026-02-20")) -> None:
    register_text(db, cid, text.replace('id = "good"', f'id = "{cid}"'))
    record_review(db, cid, "2026-01", held_on=review_on)
    sign_off(db, cid, "2026-01", "client", on=review_on)
    for day, occ in zip(forecasts, ("2026-01-27", "2026-02-24")):
        add_evidence(db, cid, "forecast", on=day, note="sent", occurrence=occ)
    add_evidence(db, cid, "access-review", on="2026-01-10", note="done")
    if audit_on:
        start_audit(db, "CallCo", contract_id=cid, on=audit_on)
        audit_id = db.execute("SELECT max(id) FROM audits").fetchone()[0]
        close_audit(db, audit_id, on=audit_on)
    _kpi_result(db, cid)


@pytest.fixture
def db(tmp_path):
    database = open_db(tmp_path / "ccc.db")
    yield database
    database.conn.close()


def _statuses(db, cid="good", as_of=AS_OF, **kw) -> dict[str, str]:
    report = conformity.readiness(db, cid, as_of, **kw)
    return {d["duty"]: d["status"] for d in report["contracts"][0]["duties"]}


def _duty(db, duty, cid="good", as_of=AS_OF, **kw) -> dict:
    report = conformity.readiness(db, cid, as_of, **kw)
    return next(d for d in report["contracts"][0]["duties"] if d["duty"] == duty)


def test_a_contract_kept_by_the_book_meets_every_duty(db):
    _make_good(db)
    assert _statuses(db) == {d: "met" for d in MAPPING.duties}
    report = conformity.readiness(db, None, AS_OF)
    assert report["met"] is True and [c["contract_id"] for c in report["contracts"]] == ["good"]


def test_a_late_review_makes_monitoring_partly_and_names_it(db):
    _make_good(db, review_on="2026-02-15")
    d = _duty(db, "monitoring")
    assert d["status"] == "partly"
    assert d["reasons"] == ["review 2026-01 held 5 day(s) late (2026-02-15, due by 2026-02-10)"]


def test_no_review_and_no_results_is_missing_monitoring(db):
    register_text(db, "good", GOOD)
    d = _duty(db, "monitoring")
    assert d["status"] == "missing"
    assert "review 2026-01 not held (due by 2026-02-10)" in d["reasons"]


def test_no_audit_is_missing_an_old_one_partly_unless_the_window_is_wider(db):
    _make_good(db, audit_on=None)
    assert _duty(db, "audit")["status"] == "missing"
    assert _duty(db, "audit")["reasons"] == ["no audit of CallCo on record"]
    start_audit(db, "CallCo", contract_id="good", on="2026-01-02")
    assert _duty(db, "audit")["status"] == "partly"  # open
    close_audit(db, 1, on="2026-01-03")
    late = "2027-02-10"  # more than 12 months after the audit
    assert _duty(db, "audit", as_of=late)["status"] == "partly"
    assert _duty(db, "audit", as_of=late, settings={"audit_within_months": 24})["status"] == "met"


def test_obligations_missing_partly_met(db):
    _make_good(db, forecasts=("2026-01-30", "2026-02-20"))  # the first 3 days late
    d = _duty(db, "information")
    assert d["status"] == "partly" and d["reasons"] == ["forecast 2026-02 met 3 day(s) late (due 2026-01-27)"]
    register_text(db, "bare", GOOD.replace('id = "good"', 'id = "bare"'))
    assert _duty(db, "information", cid="bare")["status"] == "missing"  # both owed, neither met
    nothing = GOOD.replace('id = "good"', 'id = "none"').split("[[obligation]]")[0]
    register_text(db, "none", nothing)
    assert _duty(db, "information", cid="none")["reasons"] == [
        "the contract lists no obligation of the client to the CCC"]
    theirs = GOOD.replace('id = "good"', 'id = "theirs"').replace('due = "-5d"', 'due = "-5d"\nowner = "ccc"')
    register_text(db, "theirs", theirs)  # an obligation of the CCC is no information given to it
    assert _duty(db, "information", cid="theirs")["status"] == "missing"


def test_agreement_and_protection_without_complaints_or_data_handling(db):
    thin = GOOD.split("[complaints]")[0] + "[[obligation]]" + GOOD.split("[[obligation]]")[1]
    register_text(db, "good", thin)
    statuses = _statuses(db)
    assert statuses["agreement"] == "partly" and statuses["protection"] == "missing"
    assert "no complaint time-frames (acknowledge and resolve) in [complaints]" in _duty(db, "agreement")["reasons"]


def test_an_ended_contract_is_missing_agreement(db):
    ended = GOOD.replace("effective_from = 2026-01-01", "effective_from = 2026-01-01\neffective_to = 2026-02-28")
    register_text(db, "good", ended)
    d = _duty(db, "agreement")
    assert d["status"] == "missing" and d["reasons"] == ["no version of the contract is in force on 2026-03-05"]
    assert conformity.readiness(db, None, AS_OF)["contracts"] == []  # every contract *in force*


def _breach(db, cid="good", period="2026-01", seen="2026-02-01", status_to=None, at="2026-02-03"):
    db["breaches"].insert({"contract_id": cid, "contract_version": 1, "kpi_id": "sl", "period": period,
                           "status": status_to or "open", "first_seen_at": seen, "last_seen_at": seen})
    bid = db.execute("SELECT max(id) FROM breaches").fetchone()[0]
    if status_to:
        db["breach_events"].insert({"breach_id": bid, "at": at, "status_from": "open", "status_to": status_to,
                                    "note": "looked at"})


def test_a_breach_left_open_past_the_follow_up_days_is_missing_improvement(db):
    _make_good(db)
    _breach(db)
    d = _duty(db, "improvement")
    assert d["status"] == "missing" and d["reasons"] == ["breach sl 2026-01 open 32 days with no follow-up"]
    assert _duty(db, "improvement", settings={"breach_follow_up_days": 40})["status"] == "met"
    db.execute("UPDATE breaches SET still_breached = 0")  # a later evaluation no longer finds it
    assert _duty(db, "improvement")["status"] == "met"


def test_a_followed_up_breach_and_an_overdue_action_make_improvement_partly(db):
    _make_good(db)
    _breach(db, status_to="acknowledged")
    assert _duty(db, "improvement")["status"] == "met"
    assert "breach sl 2026-01: acknowledged" in _duty(db, "improvement")["evidence"]
    action = add_action(db, "good", "Hire two agents", owner="CallCo", due="2026-02-20", raised_on="2026-02-05")
    d = _duty(db, "improvement")
    assert d["status"] == "partly"
    assert d["reasons"] == [f"action #{action['id']} overdue since 2026-02-20: Hire two agents"]
    close_action(db, action["id"], "done", closed_on="2026-03-01")
    assert _duty(db, "improvement")["status"] == "met"


def test_unknown_language_and_contract_are_one_line_errors(db):
    _make_good(db)
    with pytest.raises(Exception, match="language 'de' is not available"):
        conformity.readiness(db, "good", AS_OF, lang="de")
    with pytest.raises(Exception, match="unknown contract 'nope'"):
        conformity.readiness(db, "nope", AS_OF)


# --- through the command line ---------------------------------------------------------------


HOSTILE = '<script>alert(1)</script> & "quotes"'


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CCC_AS_OF", raising=False)
    monkeypatch.delenv("CCC_DB", raising=False)
    db_path = tmp_path / "ccc.db"
    database = open_db(db_path)
    _make_good(database)
    hostile = GOOD.replace('title = "Good line"', f"title = '{HOSTILE}'").replace('id = "good"', 'id = "zz"')
    register_text(database, "zz", hostile)
    database.conn.close()

    def invoke(*args):
        return CliRunner().invoke(cli, ["--db", str(db_path), *args], catch_exceptions=False)

    return invoke


def test_exit_codes_follow_the_statuses(run):
    assert run("conformity", "--contract", "good", "--as-of", AS_OF).exit_code == 0
    result = run("conformity", "--as-of", AS_OF)
    assert result.exit_code == 1
    assert "Contract zz" in result.output and "no audit of CallCo on record" in result.output
    assert run("conformity", "--contract", "nope").exit_code == 2


def test_json_layout(run):
    result = run("conformity", "--contract", "good", "--as-of", AS_OF, "--format", "json")
    data = json.loads(result.output)
    assert set(data) == {"as_of", "lang", "settings", "contracts", "met"}
    assert data["settings"] == {"audit_within_months": 12, "breach_follow_up_days": 14}
    contract = data["contracts"][0]
    assert set(contract) == {"contract_id", "title", "ccc", "duties", "met"}
    assert [d["duty"] for d in contract["duties"]] == list(MAPPING.duties)
    assert set(contract["duties"][0]) == {"duty", "name", "status", "reasons", "evidence"}


def test_french_report_has_french_labels_only(run):
    for fmt in ("table", "md", "html"):
        out = run("conformity", "--as-of", AS_OF, "--format", fmt, "--lang", "fr").output
        if fmt == "html":  # the words a reader sees: no style sheet, no tags (class names are not words)
            out = html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"(?s)<style>.*</style>", "", out)))
        assert "Exigence du donneur d'ordre" in out or fmt == "table"
        assert "Définir l'accord" in out and "satisfait" in out
        for english in ("Client duty", "Status", "Reasons", "Evidence", "Define the agreement", "as of",
                        "met on", "held on", "Contract ", " met\n", "missing", "partly", " review 20"):
            assert english not in out, (fmt, english)


def test_html_and_markdown_escape_hostile_contract_text(run):
    html = run("conformity", "--as-of", AS_OF, "--format", "html").output
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;quotes&#34;" in html
    md = run("conformity", "--as-of", AS_OF, "--format", "md").output
    assert "<script>" not in md and "&lt;script&gt;" in md


def test_ccc_toml_settings_and_bad_values(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CCC_DB", raising=False)
    database = open_db(tmp_path / "ccc.db")
    _make_good(database, audit_on=None)
    start_audit(database, "CallCo", contract_id="good", on="2024-06-01")
    close_audit(database, 1, on="2024-06-02")
    database.conn.close()
    config = tmp_path / "ccc.toml"
    config.write_text('[workspace]\ndatabase = "ccc.db"\n[iso18295]\naudit_within_months = 24\n', encoding="utf-8")
    ok = CliRunner().invoke(cli, ["conformity", "--as-of", AS_OF], catch_exceptions=False)
    assert ok.exit_code == 0, ok.output
    config.write_text('[workspace]\ndatabase = "ccc.db"\n[iso18295]\naudit_within_months = "soon"\n', encoding="utf-8")
    bad = CliRunner().invoke(cli, ["conformity", "--as-of", AS_OF], catch_exceptions=False)
    assert bad.exit_code == 2
    assert bad.output.strip().splitlines() == [
        f"error: {config} [iso18295]: audit_within_months must be a whole number ≥ 0, not 'soon'"]
