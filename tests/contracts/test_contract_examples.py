"""Every shipped contract validates; the shipped JSON Schema and docs match their generators."""

from __future__ import annotations

import json
from datetime import date

from ccc_governance.contracts.jsonschema import contract_schema, schema_text
from ccc_governance.contracts.loader import load_contract, table_keys
from ccc_governance.contracts.model import Kpi
from ccc_governance.contracts.validate import validate_paths
from ccc_governance.metrics import CATALOGUE, render_markdown

from contract_helpers import REPO


def test_every_example_contract_validates():
    files = sorted((REPO / "contracts").glob("*.toml"))
    assert len(files) >= 3
    assert validate_paths([REPO / "contracts"]) == []
    ids = {load_contract(f).id for f in files}
    assert ids == {"acme-utility-helpdesk", "acme-retail-chat", "acme-public-line"}


def test_history_example_validates_alone_and_overlaps_with_the_amendment():
    v1 = REPO / "examples/contract-history/acme-utility-helpdesk-v1.toml"
    assert validate_paths([v1]) == []
    problems = validate_paths([REPO / "contracts/acme-utility-helpdesk.toml", v1])
    assert len(problems) == 1 and "overlap" in problems[0].message


def test_examples_carry_what_the_demo_needs():
    helpdesk = load_contract(REPO / "contracts/acme-utility-helpdesk.toml")
    assert helpdesk.scope.queues == ["acme-billing", "billing-email"]
    assert str(helpdesk.complaints.acknowledge_within) == "2bd"
    assert str(helpdesk.obligations[0].due) == "-5d"
    assert helpdesk.kpi_by_id("sl-voice").thresholds_on(date(2026, 10, 1)) == (0.85, 0.80)
    assert helpdesk.kpi_by_id("sl-voice").thresholds_on(date(2027, 1, 1)) == (0.87, 0.82)
    assert helpdesk.kpi_by_id("sl-voice").params == {"answer_within_s": 20.0, "short_abandon_s": 5.0, "variant": "default"}
    public = load_contract(REPO / "contracts/acme-public-line.toml")
    assert public.service_credits is None and public.review.frequency == "quarterly"
    assert date(2027, 3, 29) in public.scope.holidays  # Easter Monday 2027
    chat = load_contract(REPO / "contracts/acme-retail-chat.toml")
    assert chat.service_credits.bonus[0].kpi == "csat"


def test_examples_point_at_the_schema():
    for f in list((REPO / "contracts").glob("*.toml")) + list((REPO / "examples/contract-history").glob("*.toml")):
        first = f.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("#:schema ")
        target = (f.parent / first.split(" ", 1)[1]).resolve()
        assert target == (REPO / "src/ccc_governance/data/ccc-contract-1.schema.json").resolve()


def test_shipped_schema_matches_the_generator():
    shipped = (REPO / "src/ccc_governance/data/ccc-contract-1.schema.json").read_text(encoding="utf-8")
    assert shipped == schema_text(), "regenerate: ccc contract schema > src/ccc_governance/data/ccc-contract-1.schema.json"


def test_schema_knows_every_key_and_metric():
    schema = contract_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    kpi = schema["properties"]["kpi"]["items"]
    assert set(table_keys(Kpi)) <= set(kpi["properties"])
    assert kpi["properties"]["metric"]["enum"] == list(CATALOGUE)
    assert kpi["properties"]["class"] == {"enum": ["critical", "key"]}
    assert "answer_within_s" in kpi["properties"]
    assert schema["required"] == ["schema", "contract"]
    assert schema["additionalProperties"] is False
    json.dumps(schema)


def _keys_in_schema(data, schema):
    """Every key of `data` is a property of `schema` (a tiny stand-in for a JSON Schema validator)."""
    if isinstance(data, dict):
        if "propertyNames" in schema:  # scope.hours: weekday names
            assert set(data) <= set(schema["propertyNames"]["enum"])
            return
        props = schema.get("properties", {})
        for key, value in data.items():
            assert key in props, key
            _keys_in_schema(value, props[key])
    elif isinstance(data, list) and "items" in schema:
        for item in data:
            _keys_in_schema(item, schema["items"])


def test_example_keys_are_all_in_the_schema():
    import tomllib

    schema = contract_schema()
    for f in (REPO / "contracts").glob("*.toml"):
        _keys_in_schema(tomllib.loads(f.read_text(encoding="utf-8")), schema)


def test_metric_catalogue():
    sl = CATALOGUE["service_level"]
    assert sl.kind == "rate" and sl.higher_is_better and sl.area == "accessibility"
    assert sl.params["answer_within_s"].default == 20
    assert sl.params["variant"].choices == ("default", "offered", "answered", "abandons_in_sl")
    assert "answered within T ÷ (answered + abandoned after S)" in sl.formula
    assert CATALOGUE["aht"].higher_is_better is False
    assert CATALOGUE["abandon_rate"].params["short_abandon_s"].default == 5
    assert CATALOGUE["csat"].params["satisfied_min"].default == 4
    assert CATALOGUE["first_response_within"].params["business_hours"].type == "bool"
    assert CATALOGUE["agent_attrition"].higher_is_better is False
    expected = {
        "service_level", "asa", "abandon_rate", "aht", "fcr", "csat", "csat_mean", "nps", "first_response_within",
        "complaint_acknowledged_on_time", "complaint_resolved_on_time", "complaint_escalated_on_time",
        "complaint_updated_on_time", "qa_score", "schedule_adherence", "forecast_accuracy", "agent_attrition",
        "employee_engagement", "cost_per_contact", "cost_per_resolved_contact",
    }
    assert set(CATALOGUE) == expected


def test_metrics_doc_is_generated_from_the_catalogue():
    assert (REPO / "docs/metrics.md").read_text(encoding="utf-8") == render_markdown()
