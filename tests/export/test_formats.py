"""Each format read back: figures equal the stored kpi_results; hostile text comes out harmless."""

from __future__ import annotations

import csv
import json
from html.parser import HTMLParser

import openpyxl
import pytest

from ccc_governance.export.cells import neutralise
from ccc_governance.export.write import export_review

from .conftest import ASA_ACTUAL, SL_ACTUAL, add_contract

XSS = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://x")'


class Collect(HTMLParser):
    """Tags, the text of every table cell, and any <script> or on* attribute seen."""

    def __init__(self):
        super().__init__()
        self.tags, self.cells, self.scripts, self.handlers, self.links = [], [], 0, [], []
        self._cell = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.scripts += tag == "script"
        self.handlers += [a for a, _ in attrs if a.startswith("on")]
        self.links += [v for a, v in attrs if a in ("href", "src") and v and not v.startswith("data:")]
        if tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.cells.append(self._cell.strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


@pytest.fixture
def hostile_db(pack_db):
    add_contract(pack_db, contract_id="evil", title=XSS, ccc=FORMULA)
    pack_db.execute("UPDATE actions SET title = ? WHERE title = 'Recruit 3 agents'", [FORMULA])
    pack_db.execute("INSERT INTO actions (contract_id, title, owner, status, raised_on) VALUES ('evil', ?, ?, 'open', '2026-10-01')",
                    [FORMULA, XSS])
    return pack_db


def test_html_figures_and_structure(pack_db, tmp_path):
    path = tmp_path / "pack.html"
    export_review(pack_db, "acme", "2026-10", "html", path, as_of="2026-11-03", evaluate=False)
    text = path.read_text(encoding="utf-8")
    p = Collect()
    p.feed(text)
    assert "82.9 %" in p.cells and "12.96 s" in p.cells  # 2346/2829 and the stored ASA, as read
    assert text.count("<svg") == 2 and "target-line" in text and "breach-line" in text
    assert "@page" in text and "break-before: page" in text
    assert p.scripts == 0 and p.links == []  # self-contained: no script, no external file
    assert [s for s in ("Summary", "KPI results", "Trends", "Breaches", "Exclusions", "Service credits",
                        "Complaint time-frames", "Obligations and evidence", "Audit findings", "Actions",
                        "Data provenance") if s not in text] == []
    assert text.index("1. Summary") < text.index("2. KPI results") < text.index("11. Data provenance")
    assert "1,000.00 EUR" in text and "ab" * 32 in text
    # September's disputed breach: one row of the breaches table, figures in the KPI's unit
    i = max(i for i, cell in enumerate(p.cells) if cell == "Service level sl")
    assert p.cells[i - 1:i + 8] == ["1", "Service level sl", "2026-09", "disputed", "70.0 %", "75.0 %", "80.0 %",
                                    "1,000", "2 Oct 2026"]


def test_json_equals_stored(pack_db, tmp_path):
    path = tmp_path / "pack.json"
    export_review(pack_db, "acme", "2026-10", "json", path, as_of="2026-11-03", evaluate=False)
    data = json.loads(path.read_text(encoding="utf-8"))
    stored = {r["kpi_id"]: r for r in pack_db.query("SELECT * FROM kpi_results WHERE period = '2026-10'")}
    for k in data["kpis"]:
        assert k["actual"] == stored[k["kpi_id"]]["actual"]
        assert k["status"] == stored[k["kpi_id"]]["status"]
    assert data["schema"] == "ccc-review-pack/1" and data["credits"]["total"] == 1000.0


def test_csv_equals_stored(pack_db, tmp_path):
    folder = tmp_path / "csv"
    export_review(pack_db, "acme", "2026-10", "csv", folder, as_of="2026-11-03", evaluate=False)
    names = sorted(p.name for p in folder.iterdir())
    assert "kpis.csv" in names and "provenance.csv" in names and "breach_history.csv" in names
    with open(folder / "kpis.csv", newline="", encoding="utf-8") as fh:
        rows = {r["kpi_id"]: r for r in csv.DictReader(fh)}
    assert float(rows["sl"]["actual"]) == SL_ACTUAL and float(rows["asa"]["actual"]) == ASA_ACTUAL
    with open(folder / "credits.csv", newline="", encoding="utf-8") as fh:
        amounts = [r["amount"] for r in csv.DictReader(fh)]
    assert amounts == ["1250.0", "-250.0", "1000.0"]  # a real negative number stays a number
    with open(folder / "breach_history.csv", newline="", encoding="utf-8") as fh:
        notes = [r["note"] for r in csv.DictReader(fh)]
    assert notes == ["found", "'" + FORMULA]


def test_xlsx_numbers_formats_and_frozen_headers(pack_db, tmp_path):
    path = tmp_path / "pack.xlsx"
    export_review(pack_db, "acme", "2026-10", "xlsx", path, as_of="2026-11-03", evaluate=False)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:3] == ["summary", "changes", "kpis"] and "provenance" in wb.sheetnames
    ws = wb["kpis"]
    assert ws.freeze_panes == "A2"
    headers = [c.value for c in ws[1]]
    rows = {r[0]: dict(zip(headers, r)) for r in ws.iter_rows(min_row=2, values_only=True)}
    # XLSX keeps 15–16 significant digits (Excel's own precision).
    assert rows["sl"]["Actual"] == pytest.approx(SL_ACTUAL, rel=1e-14)
    assert rows["asa"]["Actual"] == pytest.approx(ASA_ACTUAL, rel=1e-14)
    col = headers.index("Actual") + 1
    sl_row = next(i for i in range(2, ws.max_row + 1) if ws.cell(i, 1).value == "sl")
    asa_row = next(i for i in range(2, ws.max_row + 1) if ws.cell(i, 1).value == "asa")
    assert ws.cell(sl_row, col).number_format == "0.0%" and ws.cell(asa_row, col).number_format == "#,##0.00"
    credits = wb["credits"]
    assert [r[2] for r in credits.iter_rows(min_row=2, values_only=True)] == [1250.0, -250.0, 1000.0]
    actions = wb["actions"]
    due = [r for r in actions.iter_rows(min_row=2) if r[1].value == "Recruit 3 agents"][0][3]
    assert due.value.isoformat().startswith("2026-11-15") and due.number_format == "yyyy-mm-dd"
    assert ws.column_dimensions["A"].width >= 5


def test_markdown_figures(pack_db, tmp_path):
    path = tmp_path / "pack.md"
    export_review(pack_db, "acme", "2026-10", "md", path, as_of="2026-11-03", evaluate=False)
    text = path.read_text(encoding="utf-8")
    assert "| Service level \\* (sl) | met | 82.9 % | 80.0 % | 75.0 % | – | 2,829 | 2,829 |" in text
    assert "## 11. Data provenance" in text and "\n\n\n" not in text


@pytest.mark.parametrize("fmt", ["html", "md", "json", "csv", "xlsx"])
def test_hostile_text_is_harmless(hostile_db, tmp_path, fmt):
    path = tmp_path / f"pack.{fmt}"
    export_review(hostile_db, "evil", "2026-10", fmt, path, as_of="2026-11-03", evaluate=False)
    if fmt == "html":
        text = path.read_text(encoding="utf-8")
        p = Collect()
        p.feed(text)
        assert p.scripts == 0 and p.handlers == []
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and XSS not in text
    elif fmt == "md":
        text = path.read_text(encoding="utf-8")
        assert XSS not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    elif fmt == "json":
        text = path.read_text(encoding="utf-8")
        assert XSS not in text
        data = json.loads(text)
        assert data["contract"]["title"] == XSS  # the data itself is faithful
    elif fmt == "csv":
        cells = []
        for f in path.iterdir():
            with open(f, newline="", encoding="utf-8") as fh:
                cells += [c for row in csv.reader(fh) for c in row]
        assert "'" + FORMULA in cells
        assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
        assert not [c for c in cells if c.startswith("-") and not _is_number(c)]
    else:
        wb = openpyxl.load_workbook(path)
        values = [c.value for ws in wb for row in ws.iter_rows() for c in row]
        texts = [v for v in values if isinstance(v, str)]
        assert "'" + FORMULA in texts
        assert not [v for v in texts if v[:1] in ("=", "+", "-", "@", "\t", "\r")]
        assert 0.8 in values and 2829 in values  # numbers are not touched


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def test_neutralise():
    assert neutralise("=1+1") == "'=1+1" and neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise("\tx") == "'\tx" and neutralise("-2") == "'-2"
    assert neutralise(-2.5) == -2.5 and neutralise("plain") == "plain" and neutralise(None) is None
