"""`[pricing]` in a contract: read, refused with file:line when wrong, said in words by `diff`."""

from __future__ import annotations

from ccc_governance.contracts.diff import diff_contracts
from ccc_governance.contracts.jsonschema import contract_schema
from ccc_governance.contracts.loader import load_contract_text
from ccc_governance.contracts.validate import validate_paths

HEAD = """\
schema = "ccc-contract/1"

[contract]
id = "acme"
title = "Acme helpdesk"
client = "Acme"
ccc = "CCC Co"
effective_from = {start}
timezone = "Europe/Paris"

[scope]
channels = ["voice", "email"]
"""

PRICING = """
[pricing]
tolerance_percent = 1

[[pricing.line]]
id = "handled-voice"
unit = "handled_contact"
rate = {rate}
channels = ["voice"]
tiers = "whole"

[[pricing.line.tier]]
from = 1000
rate = 3.0

[[pricing.line]]
id = "base"
unit = "fixed_month"
rate = 5000
"""


def contract_text(start="2026-10-01", rate="3.2"):
    return HEAD.format(start=start) + PRICING.format(rate=rate)


def test_pricing_is_read_into_the_model():
    c = load_contract_text(contract_text())
    assert c.pricing.tolerance_percent == 1.0 and c.pricing.tolerance_amount == 1.0
    voice = c.pricing.line_by_id("handled-voice")
    assert (voice.unit, voice.rate, voice.channels, voice.tiers) == ("handled_contact", 3.2, ["voice"], "whole")
    assert voice.rate_for(999) == 3.2 and voice.rate_for(1000) == 3.0
    assert c.pricing_currency == "EUR"
    assert c.pricing.line_by_id("base").queues == []


def test_bad_pricing_table_is_refused_with_file_and_line(tmp_path):
    text = HEAD.format(start="2026-10-01") + """
[pricing]
currency = "euro"

[[pricing.line]]
id = "voice"
unit = "handled_call"
rate = -1
channels = ["chat"]
tiers = "stepped"

[[pricing.line.tier]]
from = 500
rate = 3.0

[[pricing.line.tier]]
from = 400
rate = 2.9

[[pricing.line]]
id = "voice"
unit = "fixed_month"
rate = 10
queues = ["q1"]
"""
    path = tmp_path / "bad.toml"
    path.write_text(text)
    problems = [str(p) for p in validate_paths([path])]
    f = str(path)
    assert f"{f}:15: pricing currency 'euro' is not a three-letter ISO 4217 code (e.g. EUR)" in problems
    assert any(p.startswith(f"{f}:19: ") and "'handled_call' is not a known pricing unit" in p
               and "did you mean 'handled_contact'" in p for p in problems)
    assert any(p.startswith(f"{f}:20: ") and "-1 is outside 0–1,000,000,000" in p for p in problems)
    assert f"{f}:21: pricing line voice: channel 'chat' is not in the scope's channels (voice, email)" in problems
    assert any(p.startswith(f"{f}:22: ") and "'stepped' is not a known tier mode" in p for p in problems)
    assert (f"{f}:29: pricing line voice: tier from 400 must be above the previous tier's 500 "
            "(write the tiers in rising order)") in problems
    assert f"{f}:33: duplicate pricing line id 'voice' (already used by line #1)" in problems
    assert any(p.startswith(f"{f}:36: ") and "a fixed_month line has no scope" in p for p in problems)


def test_unknown_key_in_a_tier_names_its_line(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(contract_text().replace("rate = 3.0\n", "rate = 3.0\nprice = 2\n"))
    assert [str(p) for p in validate_paths([path])] == [f"{path}:27: unknown key `price` in [[pricing.line.tier]] #1"]


def test_diff_says_a_rate_change_with_its_currency_and_date():
    old = load_contract_text(contract_text())
    new = load_contract_text(contract_text(start="2027-01-01", rate="3.05"))
    lines = diff_contracts(old, new)
    assert "handled-voice rate 3.20 → 3.05 EUR from 2027-01-01" in lines
    # same start: a corrected re-issue, no date
    assert diff_contracts(old, load_contract_text(contract_text(rate="3.1"))) == ["handled-voice rate 3.20 → 3.10 EUR"]
    assert diff_contracts(old, old) == []


def test_json_schema_knows_pricing():
    line = contract_schema()["properties"]["pricing"]["properties"]["line"]["items"]
    assert line["properties"]["unit"]["enum"] == ["handled_contact", "handled_minute", "productive_hour",
                                                   "fte_month", "fixed_month"]
    assert line["required"] == ["id", "unit", "rate"]
    assert line["properties"]["tier"]["items"]["required"] == ["from", "rate"]
