"""The packs people read (HTML, Markdown, XLSX, portfolio): the CCC's figure beside ours, no `None`,
no raw fraction, no raw id, worst first; every XLSX sheet formatted, filtered and coloured."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import openpyxl
import pytest

from ccc_governance.export.formatting import label, metric_name
from ccc_governance.export.pack import build_pack
from ccc_governance.export.portfolio import build_portfolio
from ccc_governance.export.tables import pack_tables, portfolio_tables
from ccc_governance.export.write import default_path, export_portfolio, export_review, portfolio_path

from .conftest import add_contract

#: Ids a reader must never see (statuses, credit kinds, review states, metrics).
RAW_IDS = re.compile(r"\b(at_risk|earn_back|insufficient_volume|no_data|pre_read_due|signed_off|service_level"
                     r"|abandon_rate|mtd_\w+)\b")
#: A bare fraction such as 0.8462 or 0.85 (a rate before formatting), or a raw difference -0.1538;
#: `0.00 EUR`, `0.50 s`, a score's change `+0.00` are fine.
RAW_FRACTION = re.compile(r"(?<![\w.,+-])0\.\d{2,}(?![\w.%]|\s(%|s\b|pts\b|[A-Z]{3}\b))|[+-]0\.\d{3,}")


class Text(HTMLParser):
    """The text a browser shows: everything outside <style>, attribute values excluded."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag == "style"

    def handle_endtag(self, tag):
        self._skip -= tag == "style"

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible(html: str) -> str:
    p = Text()
    p.feed(html)
    return " ".join(p.parts)


@pytest.fixture
def read_db(pack_db):
    """The sample database with the CCC's own figures, an at-risk KPI and an engine-written breach note."""
    for period, reported in (("2026-08", 0.86), ("2026-09", 0.72), ("2026-10", 0.84)):
        pack_db.execute("UPDATE kpi_results SET reported = ?, reported_diff = actual - ? WHERE kpi_id = 'sl' "
                        "AND period = ?", [reported, reported, period])
    pack_db.execute("UPDATE kpi_results SET status = 'at_risk', actual = 33.5 WHERE kpi_id = 'asa' AND period = '2026-10'")
    bid = next(pack_db.query("SELECT id FROM breaches"))["id"]
    pack_db["breach_events"].insert(dict(breach_id=bid, at="2026-10-06T09:00:00Z", status_from="disputed",
                                         status_to="disputed", note="no longer breached after re-evaluation (at_risk, 0.7712)"))
    pack_db["breach_events"].insert(dict(breach_id=bid, at="2026-10-07", status_from="disputed", status_to="disputed",
                                         note="found by evaluation: sl 0.7 against breach threshold 0.75"))
    return pack_db


def _render(db, fmt, tmp_path, kind="review"):
    path = tmp_path / f"out.{fmt}"
    if kind == "review":
        export_review(db, "acme", "2026-10", fmt, path, as_of="2026-11-03", evaluate=False)
    else:
        export_portfolio(db, "2026-10", fmt, path, as_of="2026-11-03", evaluate=False)
    return path


def assert_readable(text: str) -> None:
    assert "None" not in text
    assert '{"' not in text
    assert RAW_IDS.findall(text) == []
    assert RAW_FRACTION.findall(text) == []


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_review_pack_reads_as_words_and_shows_the_ccc_figure(read_db, tmp_path, fmt):
    raw = _render(read_db, fmt, tmp_path).read_text(encoding="utf-8")
    text = visible(raw) if fmt == "html" else raw
    assert_readable(text)
    # ours, theirs and the difference, in the summary and in the KPI results
    assert "Our figures and the CCC's" in text
    assert re.search(r"82\.9 %\W+84\.0 %\W+-1\.1 pts", text)
    assert re.search(r"84\.0 %\s+\(ours -1\.1 pts\)", text)
    # the engine's notes in the KPI's unit, ids as words
    assert "found by evaluation: sl 70.0 % against breach threshold 75.0 %" in text
    assert "no longer breached after re-evaluation (at risk, 77.1 %)" in text
    assert "earn-back" in text and "at risk" in text
    # "(critical)" explained once, hashes in the appendix only
    assert text.count("critical KPI") == 1
    assert text.count("ab" * 32) == 1 and text.index("ab" * 32) > text.index("Appendix")
    # an action with neither a close date nor a note shows dashes
    assert "None" not in text and "Recruit 3 agents" in text


def test_html_trend_charts_have_the_ccc_series_and_round_ticks(read_db, tmp_path):
    raw = _render(read_db, "html", tmp_path).read_text(encoding="utf-8")
    assert raw.count('class="reported-line"') == 1  # sl only: asa has no reported figure
    assert "CCC&#x27;s figure" in raw or "CCC's figure" in raw
    ticks = re.findall(r'text-anchor="end" fill="#555">([^<]+)</text>', raw)
    assert ticks and all(re.fullmatch(r"-?[\d,]+(\.\d)? (%|s)", t) for t in ticks), ticks


def test_lists_come_worst_first(read_db):
    pack = build_pack(read_db, "acme", "2026-10", as_of="2026-11-03")
    assert [k["kpi_id"] for k in pack["kpis"]] == ["asa", "sl"]  # at risk before met
    assert [c["kpi_id"] for c in pack["summary"]["changes"]] == ["asa", "sl"]
    assert [t["kpi_id"] for t in pack["trends"]] == ["asa", "sl"]
    assert [p.get("reported") for p in pack["trends"][1]["points"]] == [0.86, 0.72, 0.84]


def test_unresolved_breaches_first(read_db):
    read_db["breaches"].insert(dict(contract_id="acme", contract_version=1, kpi_id="sl", period="2026-10",
                                    status="closed", first_seen_at="2026-11-02", last_seen_at="2026-11-02",
                                    actual=50.0, target=30.0, breach=45.0, volume=20, small_sample=1, still_breached=1))
    read_db["breaches"].insert(dict(contract_id="acme", contract_version=1, kpi_id="asa", period="2026-10",
                                    status="open", first_seen_at="2026-11-02", last_seen_at="2026-11-02",
                                    actual=50.0, target=30.0, breach=45.0, volume=20, small_sample=1, still_breached=1))
    pack = build_pack(read_db, "acme", "2026-10", as_of="2026-11-03")
    assert [(b["status"], b["period"]) for b in pack["breaches"]] == [
        ("open", "2026-10"), ("disputed", "2026-09"), ("closed", "2026-10")]
    assert pack["breaches"][2]["unit"] == "fraction"
    assert pack["breaches"][0]["metric"] == "asa" and pack["breaches"][0]["unit"] == "seconds"


# --------------------------------------------------------------------------- XLSX

EXPECTED = {"fraction": "0.0%", "number": "#,##0.00", "integer": "0", "count": "#,##0", "money": "#,##0.00",
            "date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm:ss"}


def _expected(column, row) -> str | None:
    fmt = column.fmt
    if fmt == "cell":
        fmt = row.get("_fmt", "text")
    if fmt in ("value", "change"):
        unit = row.get("_unit", "number")
        if fmt == "change":
            return "+0.0%;-0.0%;0.0%" if unit == "fraction" else "+#,##0.00;-#,##0.00;0.00"
        fmt = unit
    return EXPECTED.get(fmt)


def ref_ok(ranges: dict, letter: str, rows: int) -> bool:
    """A conditional format covering every data row of the column (at least row 2)."""
    want = f"{letter}2" if rows <= 1 else f"{letter}2:{letter}{rows + 1}"
    return want in ranges


def _check_workbook(path, tables) -> None:
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [t.name for t in tables]
    for table in tables:
        ws = wb[table.name]
        last = openpyxl.utils.get_column_letter(len(table.columns))
        assert ws.freeze_panes == "A2", table.name
        assert ws.auto_filter.ref == f"A1:{last}{max(len(table.rows) + 1, 2)}", table.name
        assert [c.value for c in ws[1]] == [c.header for c in table.columns]  # one table, from A1
        assert ws.max_row == len(table.rows) + 1 and ws.max_column == len(table.columns), table.name
        ranges = {str(cf.sqref): cf.rules for cf in ws.conditional_formatting}
        for i, col in enumerate(table.columns, start=1):
            letter = openpyxl.utils.get_column_letter(i)
            if col.fmt == "status":
                rules = [r for ref, rs in ranges.items() if ref.split(":")[0] == f"{letter}2" for r in rs]
                assert ref_ok(ranges, letter, len(table.rows)), (table.name, col.key)
                assert {r.formula[0] for r in rules} >= {'"breached"', '"at risk"', '"met"', '"open"'}
            for r, row in enumerate(table.rows, start=2):
                cell = ws.cell(r, i)
                if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                    want = _expected(col, row)
                    assert want is not None and cell.number_format == want, (table.name, col.key, cell.number_format)
                if isinstance(cell.value, str):
                    assert not RAW_IDS.search(cell.value), (table.name, col.key, cell.value)


def test_every_pack_sheet_is_formatted_filtered_and_coloured(read_db, tmp_path):
    path = _render(read_db, "xlsx", tmp_path)
    pack = build_pack(read_db, "acme", "2026-10", as_of="2026-11-03")
    _check_workbook(path, pack_tables(pack))
    wb = openpyxl.load_workbook(path)
    # the cases: the breaches sheet's rates as percent, counts as integers, labels not ids
    b = wb["breaches"]
    head = [c.value for c in b[1]]
    row = [c for c in b[2]]
    assert row[head.index("Actual")].value == 0.70 and row[head.index("Actual")].number_format == "0.0%"
    assert row[head.index("Volume")].number_format == "#,##0"
    assert row[head.index("Status")].value == "disputed"
    kinds = [r[1] for r in wb["credits"].iter_rows(min_row=2, values_only=True)]
    assert kinds == ["credit", "earn-back", "net total"]
    assert list(wb["complaint_terms"].iter_rows(min_row=2, values_only=True)) == [
        ("acknowledge within", "24 hours"), ("resolve within", "10 days"), ("on time target", 0.95)]
    assert wb["complaint_terms"]["B4"].number_format == "0.0%"
    kpis = wb["kpis"]
    head = [c.value for c in kpis[1]]
    asa = next(r for r in kpis.iter_rows(min_row=2, values_only=True) if r[0] == "asa")
    assert asa[head.index("Status")] == "at risk" and asa[head.index("Metric")] == "Average speed of answer"


def test_every_portfolio_sheet_is_formatted_filtered_and_coloured(read_db, tmp_path):
    add_contract(read_db, contract_id="beta", title="Beta line", ccc="Other CC",
                 sl={"2026-10": (0.78, "breached", 100, 78)}, asa={})
    path = _render(read_db, "xlsx", tmp_path, kind="portfolio")
    _check_workbook(path, portfolio_tables(build_portfolio(read_db, "2026-10", as_of="2026-11-03")))
    ws = openpyxl.load_workbook(path)["contracts"]
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == ["beta", "acme"]


# --------------------------------------------------------------------------- portfolio


def test_portfolio_worst_first_with_what_ccc_portfolio_gives(read_db):
    add_contract(read_db, contract_id="beta", title="Beta line", ccc="Other CC",
                 sl={"2026-10": (0.78, "breached", 100, 78)}, asa={})
    add_contract(read_db, contract_id="gamma", title="Gamma line", ccc="Third CC",
                 sl={"2026-10": (0.79, "met", 100, 79)}, asa={})
    pf = build_portfolio(read_db, "2026-10", as_of="2026-11-03")
    assert [c["contract_id"] for c in pf["contracts"]] == ["beta", "acme", "gamma"]
    acme = pf["contracts"][1]
    assert acme["status"] == "at_risk" and acme["open_breaches"] == 1 and acme["credits_total"] == 1000.0
    assert acme["statuses"]["at_risk"] == 1 and acme["statuses"]["met"] == 1
    assert acme["worst"]["kpi_id"] == "asa" and acme["review_state"] and acme["review_period"]
    assert acme["overdue_obligations"] >= 1
    [sl] = [g for g in pf["groups"] if g["metric"] == "service_level"]
    # a met KPI ranks above a breached one even with a lower figure; listed worst first
    assert [(e["contract_id"], e["status"], e["rank"]) for e in sl["entries"]] == [
        ("beta", "breached", 3), ("gamma", "met", 2), ("acme", "met", 1)]


def test_portfolio_ranks_met_above_at_risk_whatever_the_figure(read_db):
    add_contract(read_db, contract_id="beta", title="Beta line", ccc="Other CC",
                 sl={"2026-10": (0.95, "at_risk", 100, 95)}, asa={})
    [sl] = [g for g in build_portfolio(read_db, "2026-10", as_of="2026-11-03")["groups"]
            if g["metric"] == "service_level"]
    ranks = {e["contract_id"]: e["rank"] for e in sl["entries"]}
    assert ranks == {"acme": 1, "beta": 2}


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_portfolio_pack_reads_as_words(read_db, tmp_path, fmt):
    add_contract(read_db, contract_id="beta", title="Beta line", ccc="Other CC",
                 sl={"2026-10": (0.78, "breached", 100, 78)}, asa={})
    raw = _render(read_db, fmt, tmp_path, kind="portfolio").read_text(encoding="utf-8")
    text = visible(raw) if fmt == "html" else raw
    assert_readable(text)
    assert metric_name("service_level") in text and "answer within 20 s" in text
    assert text.index("Beta line") < text.index("Acme support")  # breached before at risk
    assert "Open breaches" in text and "Next review" in text and "1,000.00 EUR" in text
    if fmt == "html":
        assert raw.count("<svg") == 2  # KPIs by status, and the shared service level


# --------------------------------------------------------------------------- names


def test_one_file_name_scheme():
    assert default_path("acme-utility-helpdesk", "2026-10", "html") == "acme-utility-helpdesk_2026-10.html"
    assert portfolio_path("2026-10", "md") == "portfolio_2026-10.md"
    assert portfolio_path("2026-10..2026-10-15", "csv") == "portfolio_2026-10_to_2026-10-15"
    assert label("earn_back") == "earn-back"


def test_docs_list_the_csv_columns_the_tables_write(read_db):
    """docs/exports.md's CSV layout and `tables.py` stay in step."""
    from pathlib import Path

    docs = (Path(__file__).parents[2] / "docs" / "exports.md").read_text(encoding="utf-8")
    documented = {}
    for name, cols in re.findall(r"^\| `(\w+)\.csv` \| (.+) \|$", docs, flags=re.M):
        cols = re.sub(r"\([^)]*\)|—.*$", "", cols)
        documented[name] = [c.strip() for c in cols.split(",") if c.strip()]
    for table in pack_tables(build_pack(read_db, "acme", "2026-10", as_of="2026-11-03")):
        assert documented[table.name] == [c.key for c in table.columns], table.name


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_empty_sections_read_as_sentences(read_db, tmp_path, fmt):
    read_db.execute("DELETE FROM actions")
    read_db.execute("DELETE FROM breach_events")
    read_db.execute("DELETE FROM breaches")
    raw = _render(read_db, fmt, tmp_path).read_text(encoding="utf-8")
    text = visible(raw) if fmt == "html" else raw
    assert_readable(text)
    assert "No open action." in text and "No action closed since then." in text
    assert "No breaches in this period and none left open." in text


def test_scores_keep_two_decimals():
    from ccc_governance.export.formatting import fmt_value

    assert [fmt_value(v, "score") for v in (4, 3.5, 4.18)] == ["4.00", "3.50", "4.18"]
    assert fmt_value(12) == "12" and fmt_value(12.5) == "12.50"
