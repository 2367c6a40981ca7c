"""Reading a contract file: TOML → checked plain data → the attrs model (via cattrs).

Three steps, so that every mistake is reported with the line of the key that holds it:

1. `tomllib` parses the text; a syntax error becomes `file:N: message` from tomllib's
   "(at line N, column M)". Values nested deeper than `MAX_NESTING` are refused with one line
   (a contract needs four; tomllib and the walk below recurse once per level).
2. `_Walker` checks the parsed data against the model's classes (unknown keys with a
   "did you mean", missing keys, wrong types, durations, dates, the range of every number and date
   from `model`), renames `class` → `kpi_class` and `from` → `from_`, and collects a KPI's extra
   plain keys into `Kpi.params` after checking them against the metric's parameters in the catalogue.
3. cattrs structures the checked data into `Contract`; `checks.check_contract` then looks at the
   meaning (breach sides, allocations, time zones, dates …).

A problem that leaves the contract buildable (an unknown key, which is then ignored; a number,
date or duration out of its range, which is then brought inside it) does not stop the steps: the
meaning is still checked, so every problem of the file is reported at once. A problem that leaves
no value to build with (a wrong type, a missing key, NaN) stops after step 2.

`read_contract_text` returns the contract (or None) and every problem found; `load_contract` and
`load_contract_text` raise the first problem as a `ContractError`.
"""

from __future__ import annotations

import math
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import attrs
import cattrs

from ..durations import Duration, max_amount, parse_duration, too_long_message
from ..errors import CccError, ContractError
from ..metrics import CATALOGUE
from . import model
from .checks import check_contract
from .model import DATE_MAX, DATE_MIN, Bound, Contract, Kpi, bound_of, number_text, param_bound
from .positions import KeyLines, deepest_line, display_path, line_of, long_key_line, shown
from .problems import Problem, did_you_mean, one_line

#: attribute name → TOML key, where the key is a Python keyword
TOML_NAMES = {"kpi_class": "class", "from_": "from"}
#: fields that are not TOML keys of their table
_NOT_KEYS = {(Kpi, "params")}
#: keys whose duration may be negative (due before the start of the period)
_NEGATIVE_OK = {(model.Obligation, "due"), (model.Duty, "due")}
#: Arrays and tables inside each other, at most (a contract needs four: `kpi = [{schedule = [{…}]}]`).
#: Deeper text is refused before anything recurses over it.
MAX_NESTING = 16


def toml_name(field_name: str) -> str:
    """The TOML key of a model attribute (`kpi_class` → `class`)."""
    return TOML_NAMES.get(field_name, field_name)


def table_keys(cls: type) -> dict[str, attrs.Attribute]:
    """TOML key → attrs attribute of a model class (without `Kpi.params`)."""
    return {toml_name(a.name): a for a in attrs.fields(cls) if (cls, a.name) not in _NOT_KEYS}


_HINTS: dict[type, dict[str, Any]] = {}


def field_types(cls: type) -> dict[str, Any]:
    """The resolved type hints of a model class (the model uses postponed annotations)."""
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls, vars(model))
    return _HINTS[cls]


def _unwrap_optional(tp: Any) -> tuple[Any, bool]:
    args = typing.get_args(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType) and type(None) in args:
        rest = tuple(a for a in args if a is not type(None))
        return (rest[0] if len(rest) == 1 else typing.Union[rest]), True
    return tp, False


def describe_type(tp: Any) -> str:
    """How a type is named in messages ("a number", "a list of strings" …)."""
    tp, _ = _unwrap_optional(tp)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(describe_type(a) for a in args)
    if origin is list:
        inner = describe_type(args[0])
        return "a list of " + re.sub(r"^an? ", "", inner) + ("s" if not inner.endswith(")") else "")
    if origin is dict:
        return "a table"
    names = {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "true or false",
        date: "a date (YYYY-MM-DD)",
        Duration: "a duration (e.g. 24h, 10d, 3bd)",
    }
    if tp in names:
        return names[tp]
    if attrs.has(tp):
        return "a table"
    return "a value"


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, datetime):
        return "a date-time"
    if isinstance(value, date):
        return "a date"
    if isinstance(value, time):
        return "a time"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


class _Invalid(Exception):
    """Raised inside the walk for a value that cannot be used (already reported)."""


@attrs.define
class _Walker:
    name: str
    lines: Mapping
    data: dict
    problems: list[Problem] = attrs.Factory(list)

    def problem(self, path: tuple, message: str, *, removed: bool = False) -> None:
        self.problems.append(Problem(self.name, line_of(self.lines, path), message, removed=removed))

    def bounded(self, value, bound: Bound, path: tuple):
        """`value` if `bound` holds it; else a problem, and the value brought inside the range so that
        the meaning of the rest can still be checked (the contract is refused either way)."""
        if bound.contains(value):
            return value
        self.problem(path, f"{self.where(path)} = {number_text(value)} is outside {bound.text()}{bound.hint}")
        return bound.clamp(value)

    def where(self, path: tuple) -> str:
        return display_path(path, self.data)

    # -- tables ---------------------------------------------------------------------------------
    def table(self, raw: Any, cls: type, path: tuple) -> dict:
        if not isinstance(raw, dict):
            self.problem(path, f"{self.where(path) or 'the file'} must be a table, not {_type_of(raw)}")
            raise _Invalid
        keys = table_keys(cls)
        hints = field_types(cls)
        out: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        failed = False
        for key, value in raw.items():
            if key not in keys:
                extra[key] = value
                continue
            attribute = keys[key]
            try:
                out[attribute.name] = self.value(value, hints[attribute.name], path + (key,), (cls, attribute.name))
            except _Invalid:
                failed = True
        missing = [k for k, a in keys.items() if a.default is attrs.NOTHING and k not in raw]
        for key in missing:
            if not path and key == "schema":
                continue  # reported with its own message by read_contract_text
            if attrs.has(_unwrap_optional(hints[keys[key].name])[0]):
                self.problem(path, f"missing table [{key}]")
            else:
                self.problem(path, f"{self._table_label(path)}: missing key `{key}`")
            failed = True
        if cls is Kpi:
            try:
                out["params"] = self.kpi_params(raw, extra, path)
            except _Invalid:
                failed = True
        else:
            # An unknown key is told and ignored: the rest of the table still builds and is checked.
            for key in extra:
                removed = model.REMOVED_KEYS.get((cls, key))
                if removed is not None:
                    self.problem(path + (key,), f"`{key}` in {self._table_label(path)} was removed: {removed}",
                                 removed=True)
                    continue
                self.problem(
                    path + (key,),
                    f"unknown key `{shown(key)}` in {self._table_label(path)}{did_you_mean(key, keys)}",
                )
        if failed:
            raise _Invalid
        return out

    def _table_label(self, path: tuple) -> str:
        if not path:
            return "the file"
        if isinstance(path[-1], int):
            return f"[[{'.'.join(p for p in path if isinstance(p, str))}]] {self.where(path).rsplit(' ', 1)[-1]}"
        return f"[{'.'.join(p for p in path if isinstance(p, str))}]"

    def kpi_params(self, raw: dict, extra: dict, path: tuple) -> dict:
        metric_name = raw.get("metric")
        metric = CATALOGUE.get(metric_name) if isinstance(metric_name, str) else None
        if metric is None:
            # An unknown metric is reported by the checks; its parameters cannot be judged.
            if extra and not isinstance(metric_name, str):
                raise _Invalid
            return dict(extra)
        params: dict[str, Any] = {}
        failed = False
        for key, value in extra.items():
            param = metric.params.get(key)
            if param is None:  # told and ignored, like any unknown key
                allowed = list(metric.params) + list(table_keys(Kpi))
                known = ", ".join(metric.params) or "none"
                self.problem(
                    path + (key,),
                    f"unknown key `{shown(key)}` in [[kpi]] {self.where(path).rsplit(' ', 1)[-1]}: metric "
                    f"{metric.name} has parameters {known}{did_you_mean(key, allowed)}",
                )
                continue
            try:
                params[key] = self.param_value(value, param, path + (key,))
            except _Invalid:
                failed = True
        if failed:
            raise _Invalid
        # Defaults are filled in so that the engine and `diff` see every parameter's value.
        for pname, param in metric.params.items():
            if pname not in params and param.default is not None:
                params[pname] = self.param_value(param.default, param, path + (pname,))
        return params

    def param_value(self, value: Any, param, path: tuple) -> Any:
        where = self.where(path)
        if param.type == "bool":
            if not isinstance(value, bool):
                self.problem(path, f"{where} must be true or false, not {_type_of(value)}")
                raise _Invalid
            return value
        if param.type in ("int", "float"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                self.problem(path, f"{where} must be a number, not {_type_of(value)}")
                raise _Invalid
            if isinstance(value, float) and not math.isfinite(value):
                self.problem(path, f"{where} must be a finite number, not {value}")
                raise _Invalid
            if param.type == "int" and isinstance(value, float) and not value.is_integer():
                self.problem(path, f"{where} must be a whole number, not {value}")
                raise _Invalid
            value = self.bounded(value, param_bound(param.name), path)
            return int(value) if param.type == "int" else float(value)
        if param.type == "choice":
            if value not in param.choices:
                self.problem(
                    path,
                    f"{where} = {value!r} is not one of {', '.join(param.choices)}{did_you_mean(value, param.choices)}",
                )
                raise _Invalid
            return value
        if param.type == "duration":
            return self.duration(value, path, negative_ok=False)
        return value

    # -- values ---------------------------------------------------------------------------------
    def duration(self, value: Any, path: tuple, *, negative_ok: bool) -> Duration:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.problem(path, f"{self.where(path)} must be a duration such as 24h, 10d or 3bd, not {_type_of(value)}")
            raise _Invalid
        try:
            duration = parse_duration(value, allow_negative=negative_ok, bounded=False)
        except CccError as err:
            self.problem(path, f"{self.where(path)}: {err.message}")
            raise _Invalid from None
        too_long = too_long_message(duration)
        if too_long:  # told; the longest duration stands in so that the rest is still checked
            self.problem(path, f"{self.where(path)}: {shown_value(value)} is {too_long}")
            return Duration(math.copysign(max_amount(duration.unit), duration.amount), duration.unit)
        return duration

    def value(self, value: Any, tp: Any, path: tuple, owner: tuple) -> Any:
        inner, optional = _unwrap_optional(tp)
        where = self.where(path)
        origin, args = typing.get_origin(inner), typing.get_args(inner)
        if origin in (typing.Union, types.UnionType):  # Duration | date (an obligation's due)
            if isinstance(value, date) and not isinstance(value, datetime) and date in args:
                return value
            if isinstance(value, str) and date in args and re.match(r"^\d{4}-\d{2}-\d{2}$", value.strip()):
                return self.value(value, date, path, owner)
            return self.duration(value, path, negative_ok=owner in _NEGATIVE_OK)
        if inner is Duration:
            return self.duration(value, path, negative_ok=owner in _NEGATIVE_OK)
        if attrs.has(inner):
            return self.table(value, inner, path)
        if origin is list:
            if not isinstance(value, list):
                self.problem(path, f"{where} must be {describe_type(inner)}, not {_type_of(value)}")
                raise _Invalid
            item_tp = args[0]
            out, failed = [], False
            for i, item in enumerate(value):
                try:
                    out.append(self.value(item, item_tp, path + (i,), owner))
                except _Invalid:
                    failed = True
            if failed:
                raise _Invalid
            return out
        if origin is dict:
            if not isinstance(value, dict):
                self.problem(path, f"{where} must be a table, not {_type_of(value)}")
                raise _Invalid
            value_tp = args[1]
            out, failed = {}, False
            for key, item in value.items():
                try:
                    out[key] = self.value(item, value_tp, path + (key,), owner)
                except _Invalid:
                    failed = True
            if failed:
                raise _Invalid
            return out
        if inner is bool:
            if isinstance(value, bool):
                return value
        elif inner in (int, float) and isinstance(value, (int, float)) and not isinstance(value, bool):
            if isinstance(value, float) and not math.isfinite(value):
                self.problem(path, f"{where} must be a finite number, not {value}")
                raise _Invalid
            if inner is int and isinstance(value, float) and not value.is_integer():
                self.problem(path, f"{where} must be {describe_type(inner)}, not {_type_of(value)}")
                raise _Invalid
            value = self.bounded(value, self._bound(owner), path)
            return int(value) if inner is int else float(value)
        elif inner is str:
            if isinstance(value, str):
                return value
        elif inner is date:
            day = None
            if isinstance(value, date) and not isinstance(value, datetime):
                day = value
            elif isinstance(value, str):
                try:
                    day = date.fromisoformat(value.strip())
                except ValueError:
                    self.problem(path, f"{where} = {shown_value(value)} is not a date (write YYYY-MM-DD)")
                    raise _Invalid from None
            if day is not None:
                if not DATE_MIN <= day <= DATE_MAX:  # told; dates are only compared, so it stands
                    self.problem(path, f"{where} = {day} is outside {DATE_MIN}–{DATE_MAX}")
                return day
        elif inner is Any:
            return value
        self.problem(path, f"{where} must be {describe_type(inner)}, not {_type_of(value)}")
        raise _Invalid

    @staticmethod
    def _bound(owner: tuple) -> Bound:
        cls, name = owner
        return bound_of(attrs.fields_dict(cls)[name])


def shown_value(value: Any) -> str:
    """A value as a one-line message quotes it (a long one shortened)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _converter() -> cattrs.Converter:
    conv = cattrs.Converter()
    # The walk has already produced these values; cattrs only has to build the classes.
    passthrough = {date, Duration, Duration | date | None, dict[str, Any]}
    conv.register_structure_hook_func(lambda tp: tp in passthrough, lambda v, _: v)
    return conv


_CONVERTER = _converter()

_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def _too_deep(name: str, text: str) -> ContractError:
    return ContractError(
        f"values nested more than {MAX_NESTING} deep (arrays or tables inside each other): "
        "a contract needs four at most",
        file=name, line=deepest_line(text, MAX_NESTING),
    )


def _depth_over(data: Any, limit: int) -> bool:
    """Whether `data` nests lists/tables more than `limit` deep (walked without recursion)."""
    stack = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return False


def parse_toml(text: str, name: str) -> dict:
    """Parse TOML text, turning a syntax error into `ContractError` at `name:line`; values nested
    more than `MAX_NESTING` deep are refused the same way."""
    if deepest_line(text, MAX_NESTING) is not None:
        raise _too_deep(name, text)  # before tomllib, which recurses once per level
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        message = str(err)
        m = _TOML_POSITION.search(message)
        line = int(m.group(1)) if m else None
        if m:
            message = message[: m.start()]
            message = f"{message} (column {m.group(2)})"
        raise ContractError(f"not valid TOML: {message}", file=name, line=line) from None
    except RecursionError:  # the scan above missed a nesting (it follows only valid TOML closely)
        raise _too_deep(name, text) from None
    except ValueError as err:  # e.g. an integer of more than 4,300 digits
        raise ContractError(f"not valid TOML: {one_line(err)}", file=name) from None
    if _depth_over(data, MAX_NESTING):  # dotted keys nest without brackets
        # Headers and keys add up their parts: the first long one is the likely place.
        error = _too_deep(name, text)
        raise ContractError(error.message, file=name, line=long_key_line(text, MAX_NESTING // 2))
    return data


def read_contract_text(text: str, name: str) -> tuple[Contract | None, list[Problem], dict]:
    """Parse and check a contract's text. Returns (contract or None, problems, key lines).

    The contract is None when a problem prevents building it; problems found after it was built
    (ranges, sides, dates …) come with the contract too.
    """
    try:
        data = parse_toml(text, name)
    except ContractError as err:
        return None, [Problem(name, err.line, err.message)], {}
    lines = KeyLines(text)
    walker = _Walker(name=name, lines=lines, data=data)
    schema = data.get("schema")
    if "schema" not in data:
        walker.problems.append(Problem(name, 1, f'missing `schema = "{model.SCHEMA}"` at the top of the file'))
    elif schema != model.SCHEMA:
        walker.problem(("schema",), f"unsupported schema {shown_value(schema)}: this version of ccc reads {model.SCHEMA!r}")
    try:
        cleaned = walker.table(data, Contract, ())
    except _Invalid:
        cleaned = None
    if cleaned is None or schema != model.SCHEMA:  # nothing to build, or a format this version cannot judge
        return None, sorted(walker.problems, key=_order), lines
    try:
        contract = _CONVERTER.structure(cleaned, Contract)
    except Exception as err:  # the walk should make this impossible; never show a traceback
        return None, [Problem(name, None, f"cannot read the contract: {err}")], lines
    problems = walker.problems + check_contract(contract, data, lines, name)
    return contract, sorted(problems, key=_order), lines


def _order(problem: Problem) -> tuple:
    return (problem.line or 0, problem.message)


def read_contract(path: str | Path) -> tuple[Contract | None, list[Problem], dict]:
    """`read_contract_text` on a file (an unreadable file is one problem)."""
    path = Path(path)
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, [Problem(name, None, "not a text file in UTF-8")], {}
    except OSError as err:
        return None, [Problem(name, None, f"cannot be read: {err.strerror or err}")], {}
    return read_contract_text(text, name)


#: Contracts built from stored texts, by (text, name): a registered version's text never changes,
#: and a command reads the same versions many times (the portfolio: for reviews, then obligations).
_BUILT: dict[tuple[str, str], Contract] = {}
_BUILT_MAX = 512


def load_contract_text(text: str, name: str = "<contract>") -> Contract:
    """Build a `Contract` from TOML text; raises `ContractError` (file:line: message) on the first problem.

    The same text and name give the same `Contract` object again (built once per process): treat it
    as read-only. A key removed from the format since (`model.REMOVED_KEYS`) is ignored here: a
    registered version stays readable; a file that still sets it is refused by `load_contract`."""
    key = (text, name)
    contract = _BUILT.get(key)
    if contract is not None:
        return contract
    contract, problems, _ = read_contract_text(text, name)
    problems = [p for p in problems if not p.removed]
    if problems:
        raise problems[0].error()
    assert contract is not None
    if len(_BUILT) >= _BUILT_MAX:
        _BUILT.clear()
    _BUILT[key] = contract
    return contract


def load_contract(path: str | Path) -> Contract:
    """Build a `Contract` from a file; raises `ContractError` (file:line: message) on the first problem."""
    contract, problems, _ = read_contract(path)
    if problems:
        raise problems[0].error()
    assert contract is not None
    return contract
