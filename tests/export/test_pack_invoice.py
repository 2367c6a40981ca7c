"""The review pack's "Invoice" section (issue #17, item 6): present when the CCC's invoice lines for the
pack's period were imported, in every format; absent otherwise; one line when the check cannot be made.

The workspace is set up as tests/invoice/test_invoice_check.py sets it up (its contract with `[pricing]`,
its October contacts, its invoice CSV through the real invoice-csv plugin); every figure below is worked
out by hand in the comment beside it.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

import invoice_cases
from invoice_cases import over_billed, ws  # noqa: F401 - `ws` is a fixture

from ccc_governance.export.pack import SECTIONS, build_pack
from ccc_governance.export.tables import pack_tables
from ccc_governance.export.write import export_review

cases = invoice_cases

AS_OF = "2026-11-16"
FORMATS = {"md": "pack.md", "html": "pack.html", "json": "pack.json", "xlsx": "pack.xlsx", "csv": "csv"}


def export_all(ws, out: Path, period="2026-10") -> dict[str, Path]:
    paths = {}
    for fmt, name in FORMATS.items():
        paths[fmt] = out / name
        export_review(ws.db, "acme", period, fmt, paths[fmt], as_of=AS_OF)
    return paths


def section(md: str, heading: str) -> str:
    """The Markdown between `heading` and the next `## ` heading."""
    start = md.index(heading) + len(heading)
    end = md.find("\n## ", start)
    return md[start:] if end < 0 else md[start:end]


def test_an_over_billed_line_stands_out_in_every_format(ws, tmp_path):
    over_billed(ws)
    pack = build_pack(ws.db, "acme", "2026-10", as_of=AS_OF)

    # the data: the check's own dict, after the sections that were there before, which are unchanged
    assert [s["key"] for s in pack["sections"]] == [k for k, _ in SECTIONS] + ["invoice"]
    assert list(pack)[-1] == "invoice"
    inv = pack["invoice"]
    lines = {line["line_id"]: line for line in inv["lines"]}
    voice = lines["handled-voice"]
    # 26 handled calls: 20 × 3.20 + 6 × 3.00 = 82.00; invoiced 28 × 3.20 = 89.60: +7.60, over the larger of
    # 0.5 % of 82.00 (0.41) and 1.00
    assert (voice["expected_quantity"], voice["expected_amount"], voice["invoiced_amount"]) == (26, 82.00, 89.60)
    assert (voice["difference"], voice["status"], voice["within_tolerance"]) == (7.60, "over-billed", False)
    assert voice["words"] == ("26 handled calls: 20 × 3.20 EUR + 6 × 3.00 EUR = 82.00 EUR; invoiced 28 × 3.20 = "
                              "89.60 EUR: +2 calls, +7.60 EUR (outside the tolerance)")
    # 10 support e-mails × 5 minutes = 50 × 0.50 = 25.00, as invoiced; the platform 1,500 as invoiced
    assert (lines["email-minutes"]["status"], lines["platform"]["status"]) == ("ok", "ok")
    assert lines["service-credit"]["status"] == "credit on the invoice"
    # lines 82 + 25 + 1,500 = 1,607.00, less the 500.00 credit = 1,107.00 due; invoiced 89.60 + 25 + 1,500 − 500
    # = 1,114.60: +7.60, over the larger of 0.5 % of 1,107 (5.535) and 1.00
    assert (inv["expected_lines_total"], inv["credits"], inv["expected_total"]) == (1607.00, 500.00, 1107.00)
    assert (inv["invoiced_total"], inv["total_difference"], inv["within_tolerance"]) == (1114.60, 7.60, False)

    paths = export_all(ws, tmp_path)

    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert data["invoice"] == json.loads(json.dumps(inv))
    assert data["sections"][-1] == {"key": "invoice", "title": "Invoice"}

    md = paths["md"].read_text(encoding="utf-8")
    assert "- Invoice: **outside tolerance** — due 1,107.00 EUR, invoiced 1,114.60 EUR (section 13)" in md
    part = section(md, "## 13. Invoice")
    assert ("| handled-voice | handled contact | 28 | 89.60 EUR | 26 | 82.00 EUR | **+7.60 EUR** | **over-billed** |"
            in part)
    assert "| email-minutes | handled minute | 50 | 25.00 EUR | 50 | 25.00 EUR | 0.00 EUR | ok |" in part
    assert f"- **handled-voice**: {voice['words']}" in part
    assert ("- credit sl-voice: 500.00 EUR — sl-voice breached: 10,000.00 EUR × 5 % at risk × 100 % pool × "
            "100 % allocation = 500.00 EUR") in part
    assert ("- total due: expected 1,607.00 EUR − 500.00 EUR service credits = 1,107.00 EUR due; invoiced "
            "1,114.60 EUR: +7.60 EUR (outside the tolerance)") in part
    assert part.rstrip().endswith("- **outside tolerance (max of 0.5 % and 1.00 EUR)**")

    page = paths["html"].read_text(encoding="utf-8")
    assert '<section id="invoice" class="page">' in page and "<h2>13. Invoice</h2>" in page
    row = re.search(r'<tr class="line( outside)?" data-line="handled-voice">(.*?)</tr>', page, re.S)
    assert row.group(1) == " outside"
    assert '<span class="status status-breached">over-billed</span>' in row.group(2)
    assert '<td class="num differs worse">+7.60 EUR</td>' in row.group(2)
    ok_row = re.search(r'<tr class="line( outside)?" data-line="email-minutes">(.*?)</tr>', page, re.S)
    assert ok_row.group(1) is None and '<span class="status status-met">ok</span>' in ok_row.group(2)
    assert '<tr class="words outside"><td colspan="8">26 handled calls: 20 × 3.20 EUR' in page
    assert '<span class="status status-breached">outside tolerance (max of 0.5 % and 1.00 EUR)</span>' in page
    assert '<div class="big status status-breached">outside tolerance</div>' in page  # the summary's card

    wb = load_workbook(paths["xlsx"])
    assert wb.sheetnames[-1] == "invoice"
    sheet = wb["invoice"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c.value for c in r))) for r in sheet.iter_rows(min_row=2)]
    voice_row = next(r for r in rows if r["Line"] == "handled-voice")
    assert (voice_row["Invoiced quantity"], voice_row["Invoiced amount"], voice_row["Expected amount"],
            voice_row["Difference"], voice_row["Status"], voice_row["Within tolerance"]) == (
        28, 89.6, 82, 7.6, "over-billed", "no")
    total = next(r for r in rows if r["Row"] == "total due")
    assert (total["Invoiced amount"], total["Expected amount"], total["Difference"], total["Status"]) == (
        1114.6, 1107, 7.6, "outside tolerance")
    assert next(r for r in rows if r["Row"] == "service credits")["Expected amount"] == -500
    money = header.index("Invoiced amount") + 1
    assert sheet.cell(row=2, column=money).number_format == "#,##0.00"
    rules = [rule.formula[0] for rng in sheet.conditional_formatting for rule in rng.rules]
    assert '"over-billed"' in rules and '"outside tolerance"' in rules

    with open(paths["csv"] / "invoice.csv", encoding="utf-8", newline="") as f:
        table = list(csv.DictReader(f))
    voice_csv = next(r for r in table if r["line_id"] == "handled-voice")
    assert (voice_csv["row"], voice_csv["invoiced_amount"], voice_csv["expected_amount"], voice_csv["difference"],
            voice_csv["status"], voice_csv["within_tolerance"]) == ("line", "89.6", "82.0", "7.6", "over-billed",
                                                                    "false")
    assert [r["row"] for r in table] == ["line"] * 4 + ["service credits", "total due"]


def test_the_csv_layout_of_the_invoice_is_documented(ws):
    over_billed(ws)
    docs = (Path(__file__).parents[2] / "docs" / "exports.md").read_text(encoding="utf-8")
    found = re.search(r"^\| `invoice\.csv` \| (.+) \|$", docs, flags=re.M)
    cols = re.sub(r"\([^)]*\)|—.*$", "", found.group(1))
    table = next(t for t in pack_tables(build_pack(ws.db, "acme", "2026-10", as_of=AS_OF)) if t.name == "invoice")
    assert [c.strip() for c in cols.split(",") if c.strip()] == [c.key for c in table.columns]


def test_no_invoice_imported_no_section_and_no_key(ws, tmp_path):
    ws.contract(cases.contract(extra=cases.CREDITS))
    ws.calls(cases.Calls().october())
    paths = export_all(ws, tmp_path)
    assert "invoice" not in json.loads(paths["json"].read_text(encoding="utf-8"))
    assert [s["key"] for s in build_pack(ws.db, "acme", "2026-10", as_of=AS_OF)["sections"]] == [k for k, _ in SECTIONS]
    for fmt in ("md", "html"):
        text = paths[fmt].read_text(encoding="utf-8")
        assert "Invoice" not in text and "13. " not in text, fmt
    assert "invoice" not in load_workbook(paths["xlsx"]).sheetnames
    assert not (paths["csv"] / "invoice.csv").exists()


def test_only_an_invoice_inside_a_whole_month_period_makes_the_section(ws):
    over_billed(ws)
    # November has no invoice line; a week is not whole months (even one inside the invoiced month)
    for period in ("2026-11", "2026-W42", "2026-10-05"):
        assert "invoice" not in build_pack(ws.db, "acme", period, as_of=AS_OF), period
    # the quarter holds October's invoice: it is checked over the quarter
    quarter = build_pack(ws.db, "acme", "2026-Q4", as_of="2027-01-10")
    assert quarter["invoice"]["period"] == "2026-Q4"


def test_a_check_that_cannot_be_made_is_one_line_and_the_pack_still_renders(ws, tmp_path):
    ws.contract(cases.contract().replace('id = "platform"\nunit = "fixed_month"', 'id = "agents"\nunit = "fte_month"'))
    ws.calls(cases.Calls().october())
    ws.invoice("handled-voice,26,3.20,82", "agents,10,1500,15000")
    message = ("pricing line 'agents' (fte_month) needs the CCC's workforce figures (headcount) for 2026-10, and "
               "the store has none: import them (e.g. ccc import vendor-report …)")
    assert build_pack(ws.db, "acme", "2026-10", as_of=AS_OF)["invoice"] == {"error": message}

    paths = export_all(ws, tmp_path)
    assert json.loads(paths["json"].read_text(encoding="utf-8"))["invoice"] == {"error": message}
    md = paths["md"].read_text(encoding="utf-8")
    part = [line for line in section(md, "## 13. Invoice").splitlines() if line.strip()]
    assert part == [f"The CCC's invoice for 2026-10 cannot be checked: {message}"]
    assert "- Invoice: **cannot be checked** (section 13)" in md
    page = paths["html"].read_text(encoding="utf-8")
    html_part = page[page.index('<section id="invoice"'):]
    html_part = html_part[:html_part.index("</section>")]
    assert "cannot be checked:</span> pricing line &#39;agents&#39; (fte_month) needs" in html_part
    assert "<table" not in html_part
    sheet = load_workbook(paths["xlsx"])["invoice"]
    assert [[c.value for c in r][:2] + [r[-1].value] for r in sheet.iter_rows(min_row=2)] == [["error", None, message]]
    with open(paths["csv"] / "invoice.csv", encoding="utf-8", newline="") as f:
        assert [(r["row"], r["words"]) for r in csv.DictReader(f)] == [("error", message)]


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_record_text_in_the_invoice_stays_text(ws, tmp_path, fmt):
    """A line id from the CCC's file is escaped like any record text."""
    ws.contract(cases.contract())
    ws.calls(cases.Calls().october())
    ws.invoice("handled-voice,26,3.20,82", "<b>x|y</b>,1,,5")
    path = tmp_path / f"pack.{fmt}"
    export_review(ws.db, "acme", "2026-10", fmt, path, as_of=AS_OF)
    text = path.read_text(encoding="utf-8")
    assert "<b>x" not in text
    assert ("&lt;b&gt;x\\|y&lt;/b&gt;" if fmt == "md" else "&lt;b&gt;x|y&lt;/b&gt;") in text
