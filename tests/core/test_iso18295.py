"""The ISO 18295 mapping: every metric, contract section, governance duty and audit question has a
reference; unknown ids are refused; a workspace's own references are merged; `ccc metrics`."""

from __future__ import annotations

import json
import pkgutil
import tomllib
from importlib import resources

import attrs
import pytest
from click.testing import CliRunner

import ccc_governance.governance as governance_pkg
from ccc_governance.cli import cli
from ccc_governance.contracts.model import Contract
from ccc_governance.errors import WorkspaceError
from ccc_governance.governance.audit import questions
from ccc_governance.iso18295 import MAPPING, MappingError, parse, references, workspace_settings
from ccc_governance.metrics import CATALOGUE

#: Modules of governance/ that are machinery, not a duty the client performs.
NOT_DUTIES = {"schema", "blobs", "inforce", "status", "conformity"}


def _missing(kind: str, ids) -> list[str]:
    return [i for i in ids if not MAPPING.of(kind, i)["clauses"] and not MAPPING.of(kind, i)["duties"]]


def test_every_metric_has_a_reference():
    assert _missing("metric", CATALOGUE) == [], "metrics without an ISO 18295 reference in data/iso18295.toml"


def test_every_contract_section_has_a_reference():
    sections = [f.name for f in attrs.fields(Contract) if f.name != "schema"]
    assert _missing("section", sections) == [], "contract sections without a reference in data/iso18295.toml"


def test_every_governance_duty_has_a_reference():
    modules = [m.name for m in pkgutil.iter_modules(governance_pkg.__path__) if m.name not in NOT_DUTIES]
    assert _missing("governance", [*modules, "breaches"]) == [], "governance duties without a reference"


def test_every_audit_question_has_a_reference():
    assert _missing("question", [q["id"] for q in questions()]) == [], "audit questions without a reference"


def test_no_reference_to_an_item_that_does_not_exist():
    known = {"metric": set(CATALOGUE), "question": {q["id"] for q in questions()},
             "section": {f.name for f in attrs.fields(Contract)}}
    for kind, ids in known.items():
        assert set(MAPPING.refs[kind]) <= ids, kind


def _raw() -> dict:
    return tomllib.loads(resources.files("ccc_governance").joinpath("data/iso18295.toml").read_text(encoding="utf-8"))


def test_unknown_clause_or_duty_ids_are_refused():
    raw = _raw()
    raw["metric"]["asa"]["clauses"] = ["4.1", "4.9"]
    with pytest.raises(MappingError, match=r"\[metric.asa\]: unknown ISO 18295-1 clause '4.9'"):
        parse(raw, "x.toml")
    raw = _raw()
    raw["question"]["quality.owner"]["duties"] = ["pay"]
    with pytest.raises(MappingError, match=r"\[question.quality.owner\]: unknown ISO 18295-2 duty 'pay'"):
        parse(raw, "x.toml")
    raw = _raw()
    raw["section"]["review"] = {"clauses": [], "duties": []}
    with pytest.raises(MappingError, match=r"\[section.review\] has no reference"):
        parse(raw, "x.toml")
    raw = _raw()
    del raw["clause"]["4.4"]["fr"]
    with pytest.raises(MappingError, match="has no fr heading"):
        parse(raw, "x.toml")


class _Ws:
    def __init__(self, table):
        self.iso18295 = table
        self.config_path = "ws/ccc.toml"


def test_workspace_references_are_merged():
    settings = workspace_settings(_Ws({"refs": {"service_level": ["COPC 2.1"], "section": {"complaints": "18295-2 5.3"},
                                                "question.quality.owner": ["POL-7"]}}))
    assert references("metric", "service_level", settings) == {
        "clauses": ["4.1", "Annex A"], "duties": ["agreement", "monitoring"], "own": ["COPC 2.1"]}
    assert references("section", "complaints", settings)["own"] == ["18295-2 5.3"]
    assert references("question", "quality.owner", settings)["own"] == ["POL-7"]
    assert references("metric", "asa", settings)["own"] == []
    assert workspace_settings(None)["audit_within_months"] == 12


@pytest.mark.parametrize("table, message", [
    ({"refs": {"speed": ["x"]}}, "'speed' is no metric, contract section, governance duty or audit question"),
    ({"refs": {"asa": [1]}}, "asa must be a list of references"),
    ({"audit_within_months": -1}, "audit_within_months must be a whole number ≥ 0"),
    ({"colour": 1}, "unknown key 'colour'"),
])
def test_bad_workspace_references_are_one_line_errors(table, message):
    with pytest.raises(WorkspaceError, match=message):
        workspace_settings(_Ws(table))


def test_ccc_metrics_table_and_json_with_the_workspace_references(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CCC_DB", raising=False)
    (tmp_path / "ccc.toml").write_text('[workspace]\ndatabase = "ccc.db"\n[iso18295.refs]\nservice_level = ["COPC 2.1"]\n',
                                       encoding="utf-8")
    table = CliRunner().invoke(cli, ["metrics"], catch_exceptions=False)
    assert table.exit_code == 0
    line = next(x for x in table.output.splitlines() if x.startswith("service_level "))
    assert "Service level" in line and "accessibility" in line and "higher is better" in line
    assert line.endswith("18295-1 4.1, Annex A; 18295-2 agreement, monitoring; COPC 2.1")
    rows = json.loads(CliRunner().invoke(cli, ["metrics", "--json"], catch_exceptions=False).output)
    assert [r["id"] for r in rows] == list(CATALOGUE)
    assert rows[0]["references"]["own"] == ["COPC 2.1"] and rows[0]["unit"] == "share"


def test_ccc_metrics_outside_a_workspace(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CCC_DB", raising=False)
    result = CliRunner().invoke(cli, ["metrics"], catch_exceptions=False)
    assert result.exit_code == 0 and "qa_score" in result.output and "7.4" in result.output


def test_docs_iso18295_is_current():
    from pathlib import Path

    from ccc_governance.governance.conformity import render_docs

    doc = Path(__file__).resolve().parents[2] / "docs" / "iso18295.md"
    assert doc.read_text(encoding="utf-8") == render_docs(), \
        "docs/iso18295.md is stale: run `python -m ccc_governance.governance.conformity > docs/iso18295.md`"


def test_ccc_toml_iso18295_table_is_read_and_old_files_stay_valid(tmp_path):
    from ccc_governance.workspace import load_workspace

    config = tmp_path / "ccc.toml"
    config.write_text('[workspace]\ndatabase = "ccc.db"\n', encoding="utf-8")
    assert load_workspace(tmp_path).iso18295 == {}
    config.write_text('[workspace]\ndatabase = "ccc.db"\n[iso18295]\nbreach_follow_up_days = 7\n', encoding="utf-8")
    assert workspace_settings(load_workspace(tmp_path))["breach_follow_up_days"] == 7
    config.write_text('iso18295 = 3\n[workspace]\ndatabase = "ccc.db"\n', encoding="utf-8")
    with pytest.raises(WorkspaceError, match=r"ccc.toml: \[iso18295\] must be a table"):
        load_workspace(tmp_path)
