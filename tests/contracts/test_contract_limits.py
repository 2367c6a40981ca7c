"""Ranges, non-finite numbers, deep nesting and "every problem at once" (issue #11, items 5, 6, 14).

Each value of the issue passed `contract validate` and then broke a read command; each must now be
one `file:line: message` naming the key, from the one place the ranges live (`contracts.model`).
"""

from __future__ import annotations

import attrs
import pytest
from click.testing import CliRunner

from ccc_governance.cli import cli
from ccc_governance.contracts import model
from ccc_governance.contracts.jsonschema import contract_schema
from ccc_governance.contracts.loader import MAX_NESTING, load_contract_text, read_contract_text, table_keys
from ccc_governance.contracts.validate import validate_paths
from ccc_governance.durations import parse_duration
from ccc_governance.errors import ContractError, DurationError
from ccc_governance.metrics import CATALOGUE

from contract_helpers import BASE, write

APPEND = object()

# (case id, old text (or APPEND), new text, line, words the message must contain)
OUT_OF_RANGE = [
    ("hold-within-days-huge", 'frequency = "monthly"\n', 'frequency = "monthly"\nhold_within_days = 1000000000000\n', 36,
     "review.hold_within_days = 1,000,000,000,000 is outside 0–366 days"),
    ("pre-read-days-huge", 'frequency = "monthly"\n', 'frequency = "monthly"\npre_read_days = 1000000000\n', 36,
     "review.pre_read_days = 1,000,000,000 is outside 0–366 days"),
    ("pre-read-days-as-float", 'frequency = "monthly"\n', 'frequency = "monthly"\npre_read_days = 1e300\n', 36,
     "review.pre_read_days = 1e+300 is outside 0–366 days"),
    ("obligation-due-huge", APPEND, '\n[[obligation]]\nid = "x"\ndescription = "y"\ndue = "99999999d"\n', 43,
     "obligation x.due: '99999999d' is longer than 366 days (at most 366d)"),
    ("obligation-due-negative-huge", APPEND, '\n[[obligation]]\nid = "x"\ndescription = "y"\ndue = "-53w"\n', 43,
     "is longer than 366 days (at most 52w)"),
    ("duty-due-seconds-huge", APPEND, '\n[data_handling]\n[[data_handling.duty]]\nid = "d"\nevery = "monthly"\n'
     "due = 100000000000000000000000000000\n", 44, "is longer than 366 days (at most 31622400s)"),
    ("earn-back-huge", "at_risk_percent = 10\n", "at_risk_percent = 10\nearn_back_periods = 1000000000000\n", 39,
     "service_credits.earn_back_periods = 1,000,000,000,000 is outside 0–12 months"),
    ("answer-within-nan", "answer_within_s = 20", "answer_within_s = nan", 21,
     "kpi sl.answer_within_s must be a finite number, not nan"),
    ("answer-within-inf", "answer_within_s = 20", "answer_within_s = inf", 21,
     "kpi sl.answer_within_s must be a finite number, not inf"),
    ("answer-within-huge", "answer_within_s = 20", "answer_within_s = 1e12", 21,
     "kpi sl.answer_within_s = 1,000,000,000,000 is outside 0–31,622,400 s"),
    ("csat-scale-zero", APPEND, '\n[[kpi]]\nid = "csat"\nmetric = "csat"\nscale = 0\ntarget = 0.8\n', 43,
     "kpi csat.scale = 0 is outside 1–1,000"),
    ("target-nan", "target = 300", "target = nan", 30, "kpi aht.target must be a finite number, not nan"),
    ("target-minus-inf", "target = 300", "target = -inf", 30, "kpi aht.target must be a finite number, not -inf"),
    ("target-huge", "target = 300\nbreach = 360", "target = 1e300\nbreach = 2e300", 30,
     "kpi aht.target = 1e+300 is outside -1,000,000,000–1,000,000,000"),
    ("min-volume-huge-int", "allocation = 0.4", "allocation = 0.4\nmin_volume = " + "9" * 400, 33,
     "kpi aht.min_volume = 9,999,999… (400 digits) is outside 0–1,000,000,000"),
    ("allocation-negative", "allocation = 0.4", "allocation = -0.4", 32, "kpi aht.allocation = -0.4 is outside 0–1"),
    ("monthly-fee-inf", 'timezone = "Europe/Paris"', 'timezone = "Europe/Paris"\nmonthly_fee = inf', 10,
     "contract.monthly_fee must be a finite number, not inf"),
    ("percent-over", "at_risk_percent = 10", "at_risk_percent = 1000", 38,
     "service_credits.at_risk_percent = 1,000 is outside 0–100 %"),
    ("retention-huge", APPEND, "\n[data_handling]\nretention_days = 99999999\n", 41,
     "data_handling.retention_days = 99,999,999 is outside 0–36,600 days"),
    ("date-far-future", "effective_from = 2026-01-01", "effective_from = 2026-01-01\neffective_to = 9999-12-31", 9,
     "contract.effective_to = 9999-12-31 is outside 1970-01-01–2199-12-31"),
    ("date-far-past", "effective_from = 2026-01-01", "effective_from = 0001-01-01", 8,
     "contract.effective_from = 0001-01-01 is outside 1970-01-01–2199-12-31"),
    ("holiday-far-future", 'channels = ["voice", "email"]', 'channels = ["voice", "email"]\nholidays = [9999-01-01]', 14,
     "scope.holidays #1 = 9999-01-01 is outside"),
    ("complaint-time-long", APPEND, '\n[complaints]\nresolve_within = "400d"\n', 41,
     "complaints.resolve_within: '400d' is longer than 366 days"),
    ("volume-band-upper-inf", APPEND, "\n[volume_band]\nupper = inf\n", 41,
     "volume_band.upper must be a finite number, not inf"),
    ("hours-open-on-no-day", 'mon = ["08:00-20:00"]', "mon = []", 15, "scope.hours opens on no day"),
]


def _text(old, new):
    if old is APPEND:
        return BASE + new
    assert old in BASE, old
    return BASE.replace(old, new, 1)


@pytest.mark.parametrize("case,old,new,line,words", OUT_OF_RANGE, ids=[c[0] for c in OUT_OF_RANGE])
def test_every_value_is_bounded_and_finite(tmp_path, case, old, new, line, words):
    path = write(tmp_path, _text(old, new), f"{case}.toml")
    rendered = [str(p) for p in validate_paths([path])]
    assert any(r.startswith(f"{path}:{line}: ") and words in r for r in rendered), rendered
    assert all("\n" not in r for r in rendered)
    with pytest.raises(ContractError):
        load_contract_text(path.read_text(encoding="utf-8"), str(path))


def test_values_at_the_limits_are_valid(tmp_path):
    text = (BASE.replace('frequency = "monthly"\n', 'frequency = "monthly"\nhold_within_days = 366\npre_read_days = 366\n')
            .replace("at_risk_percent = 10\n", "at_risk_percent = 100\nearn_back_periods = 12\n")
            .replace("answer_within_s = 20", "answer_within_s = 31622400")
            + '\n[[obligation]]\nid = "x"\ndescription = "y"\ndue = "-366d"\n')
    assert validate_paths([write(tmp_path, text)]) == []


def test_durations_are_bounded_wherever_they_are_parsed():
    assert str(parse_duration("366d")) == "366d"
    assert str(parse_duration("-52w", allow_negative=True)) == "-52w"
    for text in ("367d", "53w", "8785h", "367bd", float("nan"), float("inf"), 10**400):
        with pytest.raises(DurationError):
            parse_duration(text, allow_negative=True)


def test_every_bound_is_in_the_json_schema():
    """The schema's minimum/maximum come from the same bounds the loader checks."""
    schema = contract_schema()

    def props(cls, node):
        for key, attribute in table_keys(cls).items():
            prop = node["properties"][key]
            yield cls, key, attribute, prop

    tables = {model.Contract: schema}
    seen = 0
    stack = [(model.Contract, schema)]
    while stack:
        cls, node = stack.pop()
        for _, key, attribute, prop in props(cls, node):
            inner = prop.get("items", prop)
            if inner.get("type") in ("number", "integer"):
                bound = model.bound_of(attribute)
                assert (inner["minimum"], inner["maximum"]) == (bound.lo, bound.hi), (cls.__name__, key)
                seen += 1
            if inner.get("type") == "object" and "properties" in inner:
                hint = attrs.fields_dict(cls)[attribute.name].type
                target = next(c for c in (model.ContractInfo, model.Scope, model.Kpi, model.ScheduleStep,
                                          model.VolumeBand, model.Review, model.Complaints, model.DataHandling,
                                          model.Duty, model.BonusBand, model.ServiceCredits, model.Obligation,
                                          model.Pricing, model.PriceLine, model.PriceTier)
                              if c.__name__ in str(hint))
                stack.append((target, inner))
        tables[cls] = node
    assert seen >= 20
    kpi = tables[model.Kpi]
    assert kpi["properties"]["answer_within_s"]["maximum"] == model.PARAM_BOUNDS["answer_within_s"].hi


def test_every_numeric_metric_parameter_has_a_bound():
    numeric = {p.name for m in CATALOGUE.values() for p in m.params.values() if p.type in ("int", "float")}
    assert numeric <= set(model.PARAM_BOUNDS), numeric - set(model.PARAM_BOUNDS)


# -- item 6: deep nesting ------------------------------------------------------------------------


@pytest.mark.parametrize("deep", [
    "x = " + "[" * 500 + "]" * 500,
    "x = " + "{a = " * 500 + "1" + "}" * 500,
    "x = [" + "[" * 5000 + "]" * 5000 + "]",
])
def test_deep_nesting_is_one_line_exit_1(tmp_path, deep):
    path = write(tmp_path, 'schema = "ccc-contract/1"\n' + deep + "\n")
    result = CliRunner().invoke(cli, ["contract", "validate", str(path)])
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[0] == (
        f"{path}:2: values nested more than {MAX_NESTING} deep (arrays or tables inside each other): "
        "a contract needs four at most")
    assert len(result.output.splitlines()) == 2  # the problem and the count
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_deep_nesting_inside_a_real_contract_and_by_dotted_keys(tmp_path):
    text = BASE.replace("answer_within_s = 20", "answer_within_s = " + "[" * 300 + "]" * 300)
    [problem] = validate_paths([write(tmp_path, text)])
    assert problem.line == 21 and "nested more than" in problem.message
    dotted = 'schema = "ccc-contract/1"\n' + ".".join(["a"] * 3000) + " = 1\n"
    [problem] = validate_paths([write(tmp_path, dotted)])
    assert problem.line == 2 and "nested more than" in problem.message


def test_nesting_inside_strings_and_comments_is_not_nesting(tmp_path):
    text = BASE.replace('title = "Demo helpdesk"', 'title = "' + "[" * 100 + '" # ' + "{" * 100)
    assert validate_paths([write(tmp_path, text)]) == []


def test_an_integer_too_long_for_python_is_one_line(tmp_path):
    path = write(tmp_path, BASE.replace("target = 300", "target = " + "9" * 5000))
    [problem] = validate_paths([path])
    assert problem.message.startswith("not valid TOML") and "\n" not in problem.message


# -- item 14: every problem, not only the unknown key --------------------------------------------


def test_an_unknown_key_does_not_hide_the_other_problems(tmp_path):
    text = (BASE.replace('ccc = "CCC Co"', 'ccc = "CCC Co"\nowner = "me"')
            .replace("Europe/Paris", "Mars/Olympus")
            .replace("answer_within_s = 20", "answer_within_s = 20\nanswer_within = 5")
            .replace("breach = 360", "breach = 250")
            .replace('frequency = "monthly"', 'frequency = "monthly"\nhold_within_days = 400'))
    path = write(tmp_path, text)
    problems = validate_paths([path])
    assert [(p.line, p.message.split(" ")[0]) for p in problems] == [
        (8, "unknown"),         # `owner` in [contract]
        (10, "unknown"),        # time zone Mars/Olympus: a meaning check, run although a key is unknown
        (23, "unknown"),        # `answer_within` in [[kpi]] sl
        (33, "kpi"),            # breach 250 below target 300
        (38, "review.hold_within_days"),
    ], [str(p) for p in problems]
    contract, found, _ = read_contract_text(text, "x.toml")
    assert len(found) == 5  # the contract is built, but refused for its problems
    with pytest.raises(ContractError):
        load_contract_text(text, "x.toml")


def test_a_missing_key_still_stops_the_meaning_checks(tmp_path):
    # Without a required value there is no contract to judge: the keys' problems are all there is.
    text = BASE.replace('client = "Client Co"\n', "").replace("titel", "title").replace("Europe/Paris", "Mars/Olympus")
    assert [p.line for p in validate_paths([write(tmp_path, text)])] == [3]
