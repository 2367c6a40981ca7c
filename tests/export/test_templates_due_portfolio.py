"""Template overrides and logo, pre-read packs produced once, the portfolio view, and the CLI."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ccc_governance.cli import cli
from ccc_governance.errors import CccError
from ccc_governance.export.due import due_reviews, produce_due, produced_packs
from ccc_governance.export.portfolio import build_portfolio
from ccc_governance.export.write import export_all, export_review

from .conftest import SL_ACTUAL, add_contract


def test_user_template_overrides_and_missing_falls_back(pack_db, tmp_path):
    own = tmp_path / "tpl"
    own.mkdir()
    (own / "pack.md.j2").write_text("OWN {{ pack.contract.title }} {{ (pack.kpis|selectattr('kpi_id', 'equalto', 'sl')|first).actual|value('fraction') }}\n")
    out = tmp_path / "p.md"
    export_review(pack_db, "acme", "2026-10", "md", out, as_of="2026-11-03", templates_dir=own, evaluate=False)
    assert out.read_text() == "OWN Acme support 82.9 %\n"
    # No pack.html.j2 in the folder: the built-in one is used.
    html = tmp_path / "p.html"
    export_review(pack_db, "acme", "2026-10", "html", html, as_of="2026-11-03", templates_dir=own, evaluate=False)
    assert "1. Summary" in html.read_text()


def test_broken_user_template_is_one_line_error(pack_db, tmp_path):
    own = tmp_path / "tpl"
    own.mkdir()
    (own / "pack.md.j2").write_text("line one\n{% if %}\n")
    out = tmp_path / "p.md"
    with pytest.raises(CccError, match=r"pack.md.j2:2: template syntax error"):
        export_review(pack_db, "acme", "2026-10", "md", out, as_of="2026-11-03", templates_dir=own, evaluate=False)
    assert not out.exists()  # nothing half-written


def test_logo_embedded_as_data_uri(pack_db, tmp_path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG\r\n\x1a\nfake")
    out = tmp_path / "p.html"
    export_review(pack_db, "acme", "2026-10", "html", out, as_of="2026-11-03", logo=logo, evaluate=False)
    assert 'src="data:image/png;base64,iVBORw0KGgpmYWtl"' in out.read_text()
    with pytest.raises(CccError, match="logo cannot be read"):
        export_review(pack_db, "acme", "2026-10", "html", out, as_of="2026-11-03", logo=tmp_path / "nope.png",
                      evaluate=False)


def test_due_produces_each_pre_read_pack_once(pack_db, tmp_path):
    # Monthly, hold within 10 days, pre-read 3 days before: October's hold_by is 2026-11-10,
    # its pre-read day 2026-11-07.
    assert [r["period"] for r in due_reviews(pack_db, "2026-11-06") if r["period"] == "2026-10"] == []
    due = [r for r in due_reviews(pack_db, "2026-11-07") if r["period"] == "2026-10"]
    assert len(due) == 1 and due[0]["pre_read_on"] == "2026-11-07"
    produced = produce_due(pack_db, tmp_path / "packs", "2026-11-07")
    october = [r for r in produced if r["period"] == "2026-10"]
    assert len(october) == 1 and (tmp_path / "packs" / "acme_2026-10.html").is_file()
    # January to September are overdue too (never held), but only the latest pending review is prepared
    assert [r["period"] for r in produced] == ["2026-10"]
    assert produce_due(pack_db, tmp_path / "packs", "2026-11-08") == []
    assert {r["period"] for r in produced_packs(pack_db, "acme")} >= {"2026-10"}


def test_portfolio_compares_shared_kpis(pack_db):
    add_contract(pack_db, contract_id="beta", title="Beta line", ccc="Other CC",
                 sl={"2026-10": (0.9, "met", 100, 90)}, asa={})
    pf = build_portfolio(pack_db, "2026-10", as_of="2026-11-03")
    assert [c["contract_id"] for c in pf["contracts"]] == ["acme", "beta"]
    [group] = pf["groups"]  # only service_level (20 s) is held by both; asa only by acme
    assert group["metric"] == "service_level" and group["params_text"] == "answer_within_s=20"
    # worst first; rank 1 is the best
    assert [(e["contract_id"], e["rank"]) for e in group["entries"]] == [("acme", 2), ("beta", 1)]
    assert group["entries"][0]["actual"] == SL_ACTUAL


def test_export_all_writes_index(pack_db, tmp_path):
    add_contract(pack_db, contract_id="beta", title="Beta line", ccc="Other CC")
    written = export_all(pack_db, "2026-10", "json", tmp_path / "all", as_of="2026-11-03", evaluate=False)
    assert [p.name for p in written] == ["acme_2026-10.json", "beta_2026-10.json", "index.json"]
    index = json.loads((tmp_path / "all" / "index.json").read_text())
    assert [e["file"] for e in index["entries"]] == ["acme_2026-10.json", "beta_2026-10.json"]


def test_cli_review_portfolio_and_errors(pack_db, tmp_path):
    db_path = str(tmp_path / "ccc.db")
    runner = CliRunner()
    out = tmp_path / "out.json"
    r = runner.invoke(cli, ["--db", db_path, "export", "review", "--contract", "acme", "--period", "2026-10",
                            "--format", "json", "-o", str(out), "--as-of", "2026-11-03"])
    assert r.exit_code == 0, r.output
    assert json.loads(out.read_text())["kpis"][0]["actual"] in (SL_ACTUAL, 12.959309724349158)
    r = runner.invoke(cli, ["--db", db_path, "export", "review", "--contract", "nope", "--period", "2026-10",
                            "-o", str(tmp_path / "x.html")])
    assert r.exit_code == 2 and "error: contract 'nope' is not registered" in r.output
    r = runner.invoke(cli, ["--db", db_path, "export", "review", "--contract", "acme", "--period", "2026-13",
                            "-o", str(tmp_path / "x.html")])
    assert r.exit_code == 2 and "period '2026-13' is not understood" in r.output
    r = runner.invoke(cli, ["--db", db_path, "export", "portfolio", "--period", "2026-10", "--format", "md",
                            "-o", str(tmp_path / "pf.md"), "--as-of", "2026-11-03"])
    assert r.exit_code == 0, r.output and (tmp_path / "pf.md").read_text().startswith("# Portfolio")
    r = runner.invoke(cli, ["--db", db_path, "export", "due", "--as-of", "2026-11-07", "--dry-run"])
    assert r.exit_code == 0 and "acme  2026-10  pre-read from 2026-11-07" in r.output
