"""The review pack's "ISO 18295" section: the contract's ISO 18295-2 readiness (governance.conformity)
in the pack data (JSON key `iso18295`) and in every renderer (Markdown, HTML, XLSX sheet, CSV)."""

from __future__ import annotations

import json
from datetime import date

import openpyxl

from ccc_governance.export.pack import SECTIONS, build_pack
from ccc_governance.export.write import export_review
from ccc_governance.governance import conformity

STATUS = {"agreement": "partly", "audit": "partly", "protection": "partly"}


def test_the_pack_carries_the_contracts_readiness(pack_db):
    pack = build_pack(pack_db, "acme", "2026-10", as_of="2026-11-03")
    assert SECTIONS[-1] == ("iso18295", "ISO 18295")
    iso = pack["iso18295"]
    expected = conformity.contract_readiness(pack_db, "acme", date(2026, 11, 3), dict(conformity.DEFAULT_SETTINGS))
    assert iso["duties"] == expected["duties"] and iso["met"] is False
    statuses = {d["duty"]: d["status"] for d in iso["duties"]}
    assert list(statuses) == ["agreement", "information", "monitoring", "audit", "protection", "improvement"]
    # By construction: no [data_handling] (agreement partly), the October audit is still open (partly).
    assert {k: statuses[k] for k in STATUS} == STATUS
    assert iso["counts"] == {s: sum(1 for v in statuses.values() if v == s) for s in ("met", "partly", "missing")}
    audit = next(d for d in iso["duties"] if d["duty"] == "audit")
    assert any("2026-10-03" in r for r in audit["reasons"])
    # The workspace's settings are used when given: a 0-month window makes the audit too old.
    narrow = build_pack(pack_db, "acme", "2026-10", as_of="2026-11-03", iso_settings={"audit_within_months": 0})
    assert narrow["iso18295"]["settings"]["audit_within_months"] == 0


def test_french_labels(pack_db):
    iso = build_pack(pack_db, "acme", "2026-10", as_of="2026-11-03", lang="fr")["iso18295"]
    assert iso["labels"]["duty"] == "Exigence du donneur d'ordre" and iso["labels"]["partly"] == "partiel"
    assert iso["duties"][0]["name"] == "Définir l'accord"


def test_every_renderer_shows_it(pack_db, tmp_path):
    md = tmp_path / "p.md"
    export_review(pack_db, "acme", "2026-10", "md", md, as_of="2026-11-03", evaluate=False)
    text = md.read_text(encoding="utf-8")
    assert "## 12. ISO 18295" in text and "| Define the agreement | partly |" in text
    html = tmp_path / "p.html"
    export_review(pack_db, "acme", "2026-10", "html", html, as_of="2026-11-03", evaluate=False)
    page = html.read_text(encoding="utf-8")
    assert '<section id="iso18295"' in page and "<h2>12. ISO 18295</h2>" in page and "Audit the CCC" in page
    js = tmp_path / "p.json"
    export_review(pack_db, "acme", "2026-10", "json", js, as_of="2026-11-03", evaluate=False)
    assert [d["duty"] for d in json.loads(js.read_text(encoding="utf-8"))["iso18295"]["duties"]][0] == "agreement"
    xlsx = tmp_path / "p.xlsx"
    export_review(pack_db, "acme", "2026-10", "xlsx", xlsx, as_of="2026-11-03", evaluate=False)
    sheet = openpyxl.load_workbook(xlsx)["iso18295"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Duty", "Client duty", "Status") and len(rows) == 7
    assert rows[1][0] == "agreement" and rows[1][1] == "Define the agreement"
    folder = tmp_path / "csv"
    export_review(pack_db, "acme", "2026-10", "csv", folder, as_of="2026-11-03", evaluate=False)
    assert (folder / "iso18295.csv").read_text(encoding="utf-8").splitlines()[0] == \
        "duty,name,status,status_label,reasons,evidence"


def test_every_pack_command_uses_the_workspaces_settings(pack_db, tmp_path, monkeypatch):
    """`[iso18295]` of ccc.toml reaches the packs of `export review --all`, `export due` and `export site`
    as it reaches `export review` (they used the package's defaults)."""
    from click.testing import CliRunner

    from ccc_governance.cli import cli
    from ccc_governance.testing import store_folder

    monkeypatch.delenv("CCC_AS_OF", raising=False)
    monkeypatch.delenv("CCC_DB", raising=False)
    folder = store_folder(pack_db)
    (folder / "ccc.toml").write_text('[workspace]\ndatabase = "ccc.db"\n\n[iso18295]\naudit_within_months = 0\n',
                                     encoding="utf-8")
    db = ["--db", str(folder / "ccc.db")]
    r = CliRunner().invoke(cli, [*db, "export", "review", "--all", "--period", "2026-10", "--format", "json",
                                 "-o", str(tmp_path / "all"), "--as-of", "2026-11-03"])
    assert r.exit_code == 0, r.output
    pack = json.loads((tmp_path / "all" / "acme_2026-10.json").read_text(encoding="utf-8"))
    audit = next(d for d in pack["iso18295"]["duties"] if d["duty"] == "audit")
    assert pack["iso18295"]["settings"]["audit_within_months"] == 0
    assert audit["reasons"] == ["last audit #1 started 2026-10-03, more than 0 months before 2026-11-03"]
    r = CliRunner().invoke(cli, [*db, "export", "site", str(tmp_path / "site"), "--as-of", "2026-11-03"])
    assert r.exit_code == 0, r.output
    page = (tmp_path / "site" / "acme" / "acme_2026-10.html").read_text(encoding="utf-8")
    assert "more than 0 months before 2026-11-03" in page  # the default (12 months) says "is not closed"
