"""Every class of mistake in a contract file, each shown on a real file, with its exact `file:line:`."""

from __future__ import annotations

import pytest

from ccc_governance.contracts.loader import load_contract
from ccc_governance.contracts.validate import validate_paths
from ccc_governance.errors import ContractError

from contract_helpers import BASE, write

APPEND = object()

# (case id, old text, new text (or APPEND: add at the end), line, words the message must contain)
CASES = [
    ("toml-syntax", "target = 0.8\n", "target = 0.8.1\n", 22, "not valid TOML"),
    ("missing-schema", 'schema = "ccc-contract/1"\n', "\n", 1, 'missing `schema = "ccc-contract/1"`'),
    ("unsupported-schema", "ccc-contract/1", "ccc-contract/2", 1, "unsupported schema 'ccc-contract/2'"),
    ("unknown-key", "title =", "titel =", 5, "unknown key `titel` in [contract] (did you mean 'title'?)"),
    ("missing-key", 'client = "Client Co"\n', "\n", 3, "[contract]: missing key `client`"),
    ("wrong-type", "target = 0.8\n", 'target = "80%"\n', 22, "kpi sl.target must be a number, not a string"),
    ("wrong-type-date", "effective_from = 2026-01-01", "effective_from = 20260101", 8,
     "contract.effective_from must be a date (YYYY-MM-DD), not an integer"),
    ("unknown-metric", 'metric = "aht"', 'metric = "ahtt"', 29, "unknown metric 'ahtt' (did you mean 'aht'?)"),
    ("unknown-param", "answer_within_s = 20", "answer_within = 20", 21,
     "unknown key `answer_within` in [[kpi]] sl: metric service_level has parameters"),
    ("bad-param-choice", "answer_within_s = 20", 'variant = "offerd"', 21, "not one of default, offered"),
    ("rate-out-of-range", "target = 0.8\n", "target = 80\n", 22, "kpi sl: target 80 is outside 0–1"),
    ("breach-side-higher", "breach = 0.75", "breach = 0.85", 23,
     "breach 0.85 is above target 0.8, but for service_level higher is better"),
    ("breach-side-lower", "breach = 360", "breach = 250", 31,
     "breach 250 is below target 300, but for aht lower is better"),
    ("allocation-over-100", "allocation = 0.4", "allocation = 0.5", 25, "KPI allocations add up to 110 %"),
    ("unknown-timezone", "Europe/Paris", "Europe/Pariss", 9, "unknown time zone 'Europe/Pariss'"),
    ("bad-duration", APPEND, '\n[complaints]\nacknowledge_within = "2 days"\n', 41, "'2 days' is not a duration"),
    ("bad-window", 'mon = ["08:00-20:00"]', 'mon = ["20:00-08:00"]', 16, "the window ends before it starts"),
    ("bad-weekday", "mon = [", "monday = [", 16, "'monday' is not a weekday"),
    ("effective-to-before-from", 'timezone = "Europe/Paris"', 'timezone = "Europe/Paris"\neffective_to = 2025-12-31', 10,
     "effective_to 2025-12-31 is before effective_from 2026-01-01"),
    ("channel-outside-scope", 'metric = "aht"', 'metric = "aht"\nchannel = "chat"', 30,
     "channel 'chat' is not in the scope's channels (voice, email)"),
    ("duplicate-kpi", 'id = "aht"', 'id = "sl"', 28, "duplicate KPI id 'sl'"),
    ("schedule-outside-dates", APPEND, "\n[[kpi.schedule]]\nfrom = 2025-06-01\ntarget = 290\n", 41,
     "schedule from 2025-06-01 is outside the contract's effective dates"),
    ("unknown-period", "allocation = 0.4", 'allocation = 0.4\nperiod = "monthly"', 33,
     "'monthly' is not a known KPI period (one of interval, day, week, month, quarter) (did you mean 'month'?)"),
    ("unknown-class", 'class = "critical"', 'class = "critcal"', 24, "not a known KPI class"),
    ("unknown-frequency", 'frequency = "monthly"', 'frequency = "montly"', 35, "not a known review frequency"),
    ("unknown-direction", 'channels = ["voice", "email"]', 'channels = ["voice", "email"]\ndirection = "in"', 14,
     "'in' is not a known direction"),
    ("unknown-channel", 'channels = ["voice", "email"]', 'channels = ["voice", "emial"]', 13,
     "'emial' is not a known channel"),
    ("bonus-unknown-kpi", APPEND, '\n[[service_credits.bonus]]\nkpi = "csat"\nat_or_above = 0.9\npercent = 2\n', 41,
     "bonus band names unknown KPI 'csat'"),
    ("bad-obligation-due", APPEND, '\n[[obligation]]\nid = "x"\ndescription = "y"\ndue = "soon"\n', 43,
     "'soon' is not a duration"),
    ("unknown-table", APPEND, "\n[reviews]\nfrequency = \"monthly\"\n", 40,
     "unknown key `reviews` in the file (did you mean 'review'?)"),
    ("removed-key", APPEND, "\n[data_handling]\npseudonymise_customer_ids = true\n", 41,
     "`pseudonymise_customer_ids` in [data_handling] was removed: customer ids are always pseudonymised"),
    ("reserved-duty-id", APPEND, '\n[[data_handling.duty]]\nid = "breach-notification"\nevery = "annual"\n', 41,
     "duty id 'breach-notification' is kept for data-protection incidents"),
    ("negative-not-allowed", APPEND, '\n[complaints]\nresolve_within = "-2d"\n', 41, "a negative duration is not allowed"),
    ("complaint-kpi-without-timeframe", 'metric = "aht"\ntarget = 300\nbreach = 360',
     'metric = "complaint_resolved_on_time"\ntarget = 0.9\nbreach = 0.8', 29, "needs [complaints] resolve_within"),
]


def _text(old, new):
    if old is APPEND:
        return BASE + new
    assert old in BASE, old
    return BASE.replace(old, new, 1)


def test_base_contract_is_valid(tmp_path):
    assert validate_paths([write(tmp_path, BASE)]) == []


@pytest.mark.parametrize("case,old,new,line,words", CASES, ids=[c[0] for c in CASES])
def test_each_mistake_is_reported_at_its_line(tmp_path, case, old, new, line, words):
    path = write(tmp_path, _text(old, new), f"{case}.toml")
    problems = validate_paths([path])
    rendered = [str(p) for p in problems]
    assert any(r.startswith(f"{path}:{line}: ") and words in r for r in rendered), rendered
    with pytest.raises(ContractError) as info:
        load_contract(path)
    assert str(info.value) == rendered[0]


def test_overlapping_dates_for_the_same_id_across_files(tmp_path):
    a = write(tmp_path, BASE, "a.toml")
    b = write(tmp_path, BASE.replace("effective_from = 2026-01-01", "effective_from = 2026-06-01"), "b.toml")
    problems = validate_paths([a, b])
    assert [str(p) for p in problems] == [
        f"{b}:8: contract demo is also in force 2026-01-01 to open-ended in {a}: "
        "effective dates of the same contract id must not overlap"
    ]
    # Consecutive versions do not overlap.
    closed = write(tmp_path, BASE.replace('timezone = "Europe/Paris"', 'timezone = "Europe/Paris"\neffective_to = 2026-05-31'), "a.toml")
    assert validate_paths([closed, b]) == []


def test_several_problems_are_all_reported_in_line_order(tmp_path):
    text = BASE.replace("title =", "titel =").replace("breach = 360", "breach = 250")
    path = write(tmp_path, text)
    problems = validate_paths([path])
    # `title` is missing (its table, line 3) and `titel` unknown (line 5); meaning is not checked yet.
    assert [p.line for p in problems] == [3, 5]
    text = BASE.replace("Europe/Paris", "Mars/Olympus").replace("breach = 360", "breach = 250")
    problems = validate_paths([write(tmp_path, text)])
    assert [p.line for p in problems] == [9, 31]


def test_missing_file_and_empty_folder(tmp_path):
    assert [str(p) for p in validate_paths([tmp_path / "nope.toml"])] == [f"{tmp_path / 'nope.toml'}: no such file or folder"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no contract files" in validate_paths([empty])[0].message


def test_binary_file_is_a_problem_not_a_traceback(tmp_path):
    path = tmp_path / "bin.toml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    assert validate_paths([path])[0].message == "not a text file in UTF-8"



def test_a_removed_key_is_one_line_at_its_line_through_the_cli_and_refused_by_the_schema(tmp_path):
    from click.testing import CliRunner

    from ccc_governance.cli import cli
    from ccc_governance.contracts.jsonschema import contract_schema

    path = write(tmp_path, BASE + "\n[data_handling]\npseudonymise_customer_ids = false\n", "old.toml")
    result = CliRunner().invoke(cli, ["contract", "validate", str(path)])
    lines = [line for line in result.output.splitlines() if "pseudonymise" in line]
    assert result.exit_code != 0 and len(lines) == 1, result.output
    assert f"{path}:41:" in lines[0] and "was removed: customer ids are always pseudonymised" in lines[0]
    # The schema names the key only to refuse it (`not: {}` matches no value), with the same reason.
    prop = contract_schema()["properties"]["data_handling"]["properties"]["pseudonymise_customer_ids"]
    assert prop["not"] == {} and "always pseudonymised" in prop["description"]


def test_a_stored_version_that_sets_a_removed_key_still_loads():
    from ccc_governance.contracts.loader import load_contract_text

    text = BASE + "\n[data_handling]\npseudonymise_customer_ids = true\nretention_days = 30\n"
    contract = load_contract_text(text, "demo v1")
    assert contract.data_handling.retention_days == 30
    assert not hasattr(contract.data_handling, "pseudonymise_customer_ids")
