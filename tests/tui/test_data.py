"""The TUI's data layer, headless: what the screens will show, computed by hand from the fixture."""

from __future__ import annotations

import pytest

from ccc_governance.errors import StateError, WorkspaceError
from ccc_governance.tui import data


def test_portfolio_is_worst_first_with_its_columns(fixture_db, as_of):
    db = data.connect(fixture_db)
    p = data.portfolio(db, as_of)
    assert [r.contract_id for r in p.rows] == ["acme-support", "globex-help", "acme-sales"]
    worst = p.rows[0]
    assert (worst.period, worst.status, worst.open_breaches, worst.credits_due) == ("2026-10", "breached", 1, 1500.0)
    # Oct ends 10-31; held within 10 days → by 11-10, so on 11-12 it is overdue.
    assert (worst.next_review, worst.review_state) == ("2026-10 by 2026-11-10", "overdue")
    globex = p.rows[1]
    assert (globex.status, globex.open_breaches, globex.review_state) == ("at_risk", 1, "due")
    # acme-sales held its October review: next is November's, not due until November ends.
    assert (p.rows[2].next_review, p.rows[2].review_state) == ("2026-11 by 2026-12-10", "upcoming")
    assert [(i.source, i.last_imported) for i in p.imports] == [("asterisk", "2026-11-02 06:00")]


def test_last_closed_period_respects_as_of(fixture_db):
    from datetime import date

    db = data.connect(fixture_db)
    rows = {r.contract_id: r for r in data.portfolio(db, date(2026, 10, 31)).rows}
    assert rows["acme-support"].period == "2026-09"  # October is not over on its last day
    assert rows["acme-support"].status == "met"


def test_filter_by_client_ccc_and_status(fixture_db, as_of):
    rows = data.portfolio(data.connect(fixture_db), as_of).rows
    assert [r.contract_id for r in data.filter_rows(rows, "teleperf")] == ["acme-support", "globex-help"]
    assert [r.contract_id for r in data.filter_rows(rows, "acme status:met")] == ["acme-sales"]
    assert [r.contract_id for r in data.filter_rows(rows, "client:globex")] == ["globex-help"]
    assert data.filter_rows(rows, "nobody") == []


def test_contract_view_defaults_to_last_closed_period(fixture_db, as_of):
    view = data.contract_view(data.connect(fixture_db), "acme-support", None, as_of)
    assert view.period == "2026-10"
    assert view.periods[0] == "2026-01" and len(view.periods) == 10
    sl = view.kpis[0]
    assert (sl.kpi_id, sl.actual, sl.status) == ("service-level", 0.62, "breached")
    assert len(sl.trend) == 10 and sl.trend[-1] == 0.62 and sl.trend[0] == pytest.approx(0.81)
    assert [c["amount"] for c in view.credits] == [1500.0]


def test_kpi_view_explains_the_period(fixture_db):
    view = data.kpi_view(data.connect(fixture_db), "acme-support", "service-level", "2026-10")
    assert view.result["numerator"] == 620 and view.result["details"]["offered"] == 1000
    assert view.breach["id"] == 1 and view.breach["status"] == "open"
    assert [h["period"] for h in view.history][-1] == "2026-10"


def test_set_breach_status_writes_status_and_note(fixture_db, as_of):
    db = data.connect(fixture_db)
    row = data.set_breach_status(db, 1, "acknowledged", "vendor short-staffed", as_of)
    assert row["status"] == "acknowledged"
    events = list(db.query("SELECT status_from, status_to, note FROM breach_events WHERE breach_id = 1"))
    assert events[-1] == {"status_from": "open", "status_to": "acknowledged", "note": "vendor short-staffed"}
    with pytest.raises(StateError):
        data.set_breach_status(db, 1, "acknowledged", "again", as_of)
    with pytest.raises(StateError):
        data.set_breach_status(db, 1, "forgotten", "", as_of)


def test_missing_database_is_a_one_line_error(tmp_path):
    with pytest.raises(WorkspaceError, match="no database here yet"):
        data.connect(tmp_path / "nope.db")
    assert not (tmp_path / "nope.db").exists()


def test_pre_read_pack_is_the_html_review_pack(fixture_db, as_of, tmp_path):
    db = data.connect(fixture_db)
    path = data.pre_read_pack(db, "acme-support", "2026-10", as_of, tmp_path / "packs")
    assert path.suffix == ".html" and path.parent == tmp_path / "packs"
    html = path.read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html") and "acme-support" in html


def test_kpi_history_keeps_one_kind_of_period(fixture_db):
    db = data.connect(fixture_db)
    months = data.kpi_history(db, "acme-support", "service-level")
    assert months and {r["period_kind"] for r in months} == {"month"}
    row = next(db.query("SELECT * FROM kpi_results WHERE contract_id = 'acme-support' AND kpi_id = 'service-level'"
                        " ORDER BY period_start DESC LIMIT 1"))
    row.update(period="2026-Q3", period_kind="quarter", period_start="2026-07-01", period_end="2026-10-01")
    db["kpi_results"].insert(row)
    # a quarter evaluated among the months does not become a point of the monthly trend
    assert [r["period"] for r in data.kpi_history(db, "acme-support", "service-level")] == [r["period"] for r in months]
    assert [r["period"] for r in data.kpi_history(db, "acme-support", "service-level", until="2026-Q3")] == ["2026-Q3"]


def test_portfolio_is_headless_core_and_printed_by_ccc_portfolio(fixture_db, as_of):
    import json
    import subprocess
    import sys

    from click.testing import CliRunner

    from ccc_governance.cli import cli

    code = "import sys, ccc_governance.portfolio, ccc_governance.cli.portfolio; print('textual' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"
    out = CliRunner().invoke(cli, ["--db", str(fixture_db), "portfolio", "--json", "--as-of", as_of.isoformat()])
    assert out.exit_code == 0, out.output
    printed = json.loads(out.output)
    assert list(printed) == ["as_of", "contracts", "imports"]
    shown = data.portfolio(data.connect(fixture_db), as_of)
    assert [r["contract_id"] for r in printed["contracts"]] == [r.contract_id for r in shown.rows]
    assert list(printed["contracts"][0]) == [
        "contract_id", "title", "client", "ccc", "period", "status", "open_breaches", "credits_due", "currency",
        "next_review", "review_state", "overdue_obligations", "problem", "kpis", "past_retention",
    ]
    worst = printed["contracts"][0]["kpis"][0]  # the KPI that explains the status comes first
    assert (worst["kpi_id"], worst["status"], worst["actual"], worst["target"]) == ("service-level", "breached", 0.62, 0.8)
    assert worst["history"][-1] == 0.62
    assert printed["imports"] == [{"source": "asterisk", "last_imported": "2026-11-02 06:00", "batches": 1}]


def test_kpi_counts_line_is_in_words():
    from ccc_governance.tui.screens.kpi import _counts

    details = {"span": {"from": "2026-10-01", "to": "2026-10-31"}, "offered": 1000.0, "answered": 900.0,
               "abandoned": 100.0, "short_abandons": 12.0, "answered_within": 620.0, "unresolved": 3.0,
               "small_sample": False, "kpi_class": "key"}
    text = _counts(details).plain
    assert text == ("counts over 2026-10-01 → 2026-10-31: offered 1,000, answered 900, answered within T 620,"
                    " abandoned 100, short abandons 12, unresolved 3\n")
    assert "{" not in text and "small_sample" not in text and "kpi_class" not in text
    note = _counts({"offered": 5, "reason": "no time-frame", "projection": "at_risk", "projection_basis": "why"}).plain
    assert note == "counts: offered 5\nnote: no time-frame\nprojection: at risk (why)\n"


def test_the_workspace_store_opens_as_the_path_does(fixture_db, as_of):
    """`ccc tui` hands the screens the workspace's store (`Workspace.store`), a SQLite one included."""
    from pathlib import Path

    from ccc_governance.store.location import StoreLocation

    by_store = data.portfolio(data.connect(StoreLocation("sqlite", path=Path(fixture_db))), as_of).rows
    by_path = data.portfolio(data.connect(fixture_db), as_of).rows
    assert [r.contract_id for r in by_store] == [r.contract_id for r in by_path] != []


def test_breach_rows_carry_their_metric_so_values_show_in_its_unit(fixture_db):
    from ccc_governance.tui import data as tui_data
    from ccc_governance.tui.widgets import format as fmt

    db = tui_data.connect(fixture_db)
    try:
        rows = {r["id"]: r for r in tui_data.breaches(db)}
    finally:
        db.conn.close()
    assert rows[1]["metric"] == "service_level" and rows[2]["metric"] == "abandon_rate"
    assert fmt.kpi_value(rows[1]["actual"], rows[1]["metric"]) == "62.0%"
    assert fmt.kpi_value(13.17, "asa") == "13.2 s"


def test_breach_notes_show_the_engines_figures_in_the_kpis_unit():
    from ccc_governance.tui.widgets.format import breach_note

    note = "found by evaluation: abandon-voice 0.1241 against breach threshold 0.1"
    assert breach_note(note, "abandon_rate") == (
        "found by evaluation: abandon-voice 12.4% against breach threshold 10.0%")
    assert breach_note("found by evaluation: asa 13.17 against breach threshold 12", "asa") == (
        "found by evaluation: asa 13.2 s against breach threshold 12.0 s")
    assert breach_note("no longer breached after re-evaluation (at_risk, 0.771)", "service_level") == (
        "no longer breached after re-evaluation (at risk, 77.1%)")
    assert breach_note("CCC plan received 0.5", "service_level") == "CCC plan received 0.5"  # people's words
    assert breach_note(None, "asa") == ""
