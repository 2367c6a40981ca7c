"""One rule for time: every decision is dated on `--as-of` (or today) and keeps the real instant it
was recorded; a breach's history never runs backwards. And credits follow a breach's status at once."""

import json
import re

from click.testing import CliRunner
from sqlite_utils import Database

from ccc_governance import clock
from ccc_governance.cli import cli
from ccc_governance.engine import schema

from .conftest import SL


def run(ws, *args):
    return CliRunner().invoke(cli, ["--db", str(ws.db_path), *args], catch_exceptions=False)


def setup(store, good=6, bad=4):
    store.simple_contract(kpis=SL.format(target=0.8, breach=0.7)
                          + "\n[service_credits]\nat_risk_percent = 10.0\npool_percent = 100.0\n")
    store.contacts([{"at": "2026-10-05T10:00:00Z", "outcome": "answered", "wait_s": 1.0}] * good
                   + [{"at": "2026-10-05T10:00:00Z", "outcome": "answered", "wait_s": 99.0}] * bad)


def history(ws, breach_id=1) -> dict:
    return json.loads(run(ws, "breach", "show", str(breach_id), "--json").output)


def test_history_as_of_a_past_day_is_dated_that_day_and_keeps_the_real_instant(store, ccc_workspace):
    setup(store)
    before = clock.to_ms(clock.now_utc())
    run(ccc_workspace, "evaluate", "--period", "2026-10", "--as-of", "2026-11-15")
    run(ccc_workspace, "breach", "ack", "1", "--note", "seen", "--as-of", "2026-11-16")
    after = clock.to_ms(clock.now_utc())
    data = history(ccc_workspace)
    b, events = data["breach"], data["history"]
    # First seen is the as-of day, like the transitions, not the real clock.
    assert (b["first_seen_at"], b["last_seen_at"]) == ("2026-11-15", "2026-11-15")
    assert [e["at"] for e in events] == ["2026-11-15", "2026-11-16"]
    assert before <= b["first_recorded_at"] <= after
    assert all(before <= e["recorded_at"] <= after for e in events)
    text = run(ccc_workspace, "breach", "show", "1").output
    assert "first seen 2026-11-15, last seen 2026-11-15" in text
    assert re.search(r"  2026-11-15  open: found by evaluation: .*  \[recorded \d{4}-\d\d-\d\dT[\d:.]+Z\]", text)
    assert "  2026-11-16  open → acknowledged: seen  [recorded " in text
    assert "first seen 2026-11-15" in run(ccc_workspace, "breaches").output


def test_a_change_dated_before_the_history_is_refused(store, ccc_workspace):
    setup(store)
    run(ccc_workspace, "evaluate", "--period", "2026-10", "--as-of", "2026-11-16")
    res = run(ccc_workspace, "breach", "waive", "1", "--note", "goodwill", "--as-of", "2026-11-10")
    assert res.exit_code == 2
    assert res.output == ("error: breach 1: its history already reaches 2026-11-16; a change as of 2026-11-10 "
                          "would come before it (give --as-of 2026-11-16 or later)\n")
    assert history(ccc_workspace)["breach"]["status"] == "open"
    assert run(ccc_workspace, "breach", "waive", "1", "--note", "goodwill", "--as-of", "2026-11-16").exit_code == 0


def test_reevaluating_as_of_an_earlier_day_never_dates_an_event_backwards(store, ccc_workspace):
    setup(store)
    run(ccc_workspace, "evaluate", "--period", "2026-10", "--as-of", "2026-11-20")
    run(ccc_workspace, "breach", "dispute", "1", "--note", "their data differs", "--as-of", "2026-11-25")
    store.contacts([{"at": "2026-10-06T10:00:00Z", "outcome": "answered", "wait_s": 1.0}] * 30)  # now met
    run(ccc_workspace, "evaluate", "--period", "2026-10", "--as-of", "2026-11-12")
    data = history(ccc_workspace)
    days = [e["at"] for e in data["history"]]
    assert days == ["2026-11-20", "2026-11-25", "2026-11-25"] and days == sorted(days)
    assert data["history"][-1]["note"].startswith("no longer breached")
    assert data["breach"]["last_seen_at"] == "2026-11-25" and data["breach"]["still_breached"] == 0
    recorded = [e["recorded_at"] for e in data["history"]]
    assert recorded == sorted(recorded)


def test_waive_removes_the_credit_at_once_and_reopen_brings_it_back(store, ccc_workspace):
    setup(store)
    run(ccc_workspace, "evaluate", "--period", "2026-10", "--as-of", "2026-11-15")
    assert "c1 2026-10: net 1,200.00 EUR" in run(ccc_workspace, "credits").output
    assert run(ccc_workspace, "breach", "waive", "1", "--note", "force majeure agreed",
               "--as-of", "2026-11-16").exit_code == 0
    months = json.loads(run(ccc_workspace, "credits", "--json").output)["credits"]
    assert not [line for m in months for line in m["lines"] if line["kind"] == "credit"]
    assert "1,200.00" not in run(ccc_workspace, "credits").output
    assert run(ccc_workspace, "breach", "reopen", "1", "--note", "agreement withdrawn",
               "--as-of", "2026-11-17").exit_code == 0
    assert "c1 2026-10: net 1,200.00 EUR" in run(ccc_workspace, "credits").output


def test_migration_keeps_the_instant_of_rows_stored_before_it(tmp_path):
    db = Database(tmp_path / "old.db")
    schema.migrations.apply(db, stop_before="m002_notifications_and_recorded_instants")
    db["breaches"].insert({"id": 1, "contract_id": "c", "contract_version": 1, "kpi_id": "k", "period": "2026-10",
                           "first_seen_at": "2026-12-05T08:43:35+00:00", "last_seen_at": "2026-12-05T08:43:35+00:00"})
    db["breach_events"].insert_all([{"breach_id": 1, "at": "2026-12-05T08:43:35+00:00", "status_to": "open"},
                                    {"breach_id": 1, "at": "2026-11-16", "status_to": "acknowledged"}])
    schema.migrations.apply(db)
    b = db.execute("SELECT first_seen_at, first_recorded_at, last_recorded_at FROM breaches").fetchone()
    assert b == ("2026-12-05T08:43:35+00:00", 1796460215000, 1796460215000)  # text kept, instant copied
    assert db.execute("SELECT at, recorded_at FROM breach_events ORDER BY id").fetchall() == [
        ("2026-12-05T08:43:35+00:00", 1796460215000), ("2026-11-16", None)]


def test_status_and_credits_change_together_or_not_at_all(store, ccc_workspace, ccc_db, monkeypatch):
    from ccc_governance.engine import breaches, credits

    setup(store)
    run(ccc_workspace, "evaluate", "--period", "2026-10", "--as-of", "2026-11-15")

    def broken(*args, **kwargs):
        ccc_db.execute("DELETE FROM credits")  # half done …
        raise RuntimeError("disk full")  # … then it fails

    monkeypatch.setattr(credits, "refresh_many", broken)
    try:
        breaches.set_status(ccc_db, 1, "waive", "goodwill", as_of="2026-11-16")
    except RuntimeError:
        pass
    assert breaches.get_breach(ccc_db, 1)["status"] == "open"
    assert [e["status_to"] for e in breaches.history(ccc_db, 1)] == ["open"]
    assert credits.total(credits.credits_for(ccc_db, "c1", "2026-10")) == 1200.0
