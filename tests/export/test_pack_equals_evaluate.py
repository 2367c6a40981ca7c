"""The review pack's figures are `ccc evaluate`'s, in every format: a demo workspace (real imports,
real evaluation), `ccc evaluate --format json`, then `ccc export review` in JSON, CSV, XLSX and HTML."""

from __future__ import annotations

import csv
import json
from html.parser import HTMLParser

import openpyxl
import pytest
from click.testing import CliRunner

from ccc_governance.cli import cli
from ccc_governance.demo import DEMO_AS_OF, run_demo
from ccc_governance.export.formatting import label

CONTRACT, PERIOD = "acme-utility-helpdesk", "2026-10"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    ws = run_demo(tmp_path_factory.mktemp("demo") / "demo", cli, echo=lambda text: None)
    return ws


def _ccc(ws, *args):
    result = CliRunner().invoke(cli, ["--db", str(ws / "ccc.db"), *args])
    assert result.exit_code in (0, 3), result.output
    return result.output


@pytest.fixture(scope="module")
def evaluated(workspace):
    out = _ccc(workspace, "evaluate", "--contract", CONTRACT, "--period", PERIOD, "--format", "json", "--as-of", DEMO_AS_OF)
    results = {r["kpi"]: r for r in json.loads(out)["results"]}
    assert len(results) >= 5
    return results


def _export(ws, fmt, path):
    _ccc(ws, "export", "review", "--contract", CONTRACT, "--period", PERIOD, "--format", fmt, "-o", str(path),
         "--as-of", DEMO_AS_OF)
    return path


def test_json_pack_equals_evaluate(workspace, evaluated, tmp_path):
    pack = json.loads(_export(workspace, "json", tmp_path / "pack.json").read_text(encoding="utf-8"))
    kpis = {k["kpi_id"]: k for k in pack["kpis"]}
    assert set(kpis) == set(evaluated)
    for kpi_id, r in evaluated.items():
        k = kpis[kpi_id]
        assert (k["numerator"], k["denominator"], k["actual"], k["target"], k["breach"], k["status"]) == (
            r["numerator"], r["denominator"], r["actual"], r["target"], r["breach"], r["status"]), kpi_id


def test_csv_pack_equals_evaluate(workspace, evaluated, tmp_path):
    folder = _export(workspace, "csv", tmp_path / "pack-csv")
    with (folder / "kpis.csv").open(encoding="utf-8", newline="") as f:
        rows = {row["kpi_id"]: row for row in csv.DictReader(f)}
    for kpi_id, r in evaluated.items():
        row = rows[kpi_id]
        assert row["status"] == r["status"]
        if r["actual"] is None:
            assert row["actual"] == ""
        else:
            assert float(row["actual"]) == pytest.approx(r["actual"], rel=1e-12)


def test_xlsx_pack_equals_evaluate(workspace, evaluated, tmp_path):
    book = openpyxl.load_workbook(_export(workspace, "xlsx", tmp_path / "pack.xlsx"), data_only=True)
    sheet = book["kpis"]
    header = [c.value for c in sheet[1]]
    rows = {}
    for values in sheet.iter_rows(min_row=2, values_only=True):
        row = dict(zip(header, values))
        key = next(v for h, v in row.items() if h and h.lower().replace(" ", "_") in ("kpi_id", "kpi"))
        rows[key] = {str(h).lower().replace(" ", "_"): v for h, v in row.items()}
    for kpi_id, r in evaluated.items():
        assert rows[kpi_id]["status"] == label(r["status"])  # words, not the id
        if r["actual"] is not None:
            assert isinstance(rows[kpi_id]["actual"], float)
            assert rows[kpi_id]["actual"] == pytest.approx(r["actual"], rel=1e-14)


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.text: list[str] = []

    def handle_data(self, data):
        self.text.append(data)


def test_html_pack_shows_every_kpi_with_its_status(workspace, evaluated, tmp_path):
    parser = _Text()
    parser.feed(_export(workspace, "html", tmp_path / "pack.html").read_text(encoding="utf-8"))
    text = " ".join(parser.text)
    for kpi_id, r in evaluated.items():
        assert kpi_id in text
        assert r["status"].replace("_", " ") in text


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_demo_packs_read_as_words(workspace, evaluated, tmp_path, fmt):
    """Real data (the demo): the pack and the portfolio show the CCC's figures and no None, raw id or fraction."""
    from .test_readable import assert_readable, visible

    pack = _export(workspace, fmt, tmp_path / f"pack.{fmt}").read_text(encoding="utf-8")
    _ccc(workspace, "export", "portfolio", "--period", PERIOD, "--format", fmt, "-o", str(tmp_path / f"pf.{fmt}"),
         "--as-of", DEMO_AS_OF)
    portfolio = (tmp_path / f"pf.{fmt}").read_text(encoding="utf-8")
    for raw in (pack, portfolio):
        assert_readable(visible(raw) if fmt == "html" else raw)
    reported = [r for r in evaluated.values() if r.get("reported") is not None]
    assert reported and "Our figures and the CCC's" in pack
