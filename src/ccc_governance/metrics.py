"""The metric catalogue: which metrics a contract's `[[kpi]]` may name, and their parameters.

The catalogue is data (`data/metrics.toml`), loaded once into `CATALOGUE`. Computing the metrics is
the engine's job; this module only says what each one means, so that a contract naming an unknown
metric or parameter is refused when it is validated. `python -m ccc_governance.metrics` prints
`docs/metrics.md`. Each metric's ISO 18295 references live in `data/iso18295.toml` (`iso18295`).
"""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

import attrs

AREAS = ("accessibility", "efficiency", "quality", "customer_experience", "people")
KINDS = ("rate", "mean", "score", "count")
PARAM_TYPES = ("int", "float", "bool", "duration", "choice")


@attrs.frozen
class Param:
    """A metric parameter, written as a plain key in a `[[kpi]]` table."""

    name: str
    type: str  # int | float | bool | duration | choice
    default: Any = None  # None: no default (e.g. taken from another table of the contract)
    doc: str = ""
    choices: tuple[str, ...] = ()


@attrs.frozen
class Metric:
    """One catalogue entry. `min`/`max` bound the targets and breach thresholds a KPI may set."""

    name: str
    area: str
    kind: str  # rate | mean | score | count
    unit: str
    higher_is_better: bool
    description: str
    formula: str
    params: dict[str, Param] = attrs.field(factory=dict)
    min: float | None = None
    max: float | None = None
    title: str = ""  # how people name it: "Average speed of answer"
    short: str = ""  # the same in a narrow column: "ASA"

    @property
    def lower_is_better(self) -> bool:
        return not self.higher_is_better


def _load() -> dict[str, Metric]:
    text = resources.files("ccc_governance").joinpath("data/metrics.toml").read_text(encoding="utf-8")
    raw = tomllib.loads(text)
    catalogue: dict[str, Metric] = {}
    for name, entry in raw.items():
        params = {
            pname: Param(
                name=pname,
                type=p["type"],
                default=p.get("default"),
                doc=p.get("doc", ""),
                choices=tuple(p.get("choices", ())),
            )
            for pname, p in entry.get("params", {}).items()
        }
        metric = Metric(
            name=name,
            area=entry["area"],
            kind=entry["kind"],
            unit=entry["unit"],
            higher_is_better=entry["higher_is_better"],
            description=entry["description"],
            formula=entry["formula"].strip(),
            params=params,
            min=entry.get("min"),
            max=entry.get("max"),
            title=entry["title"],
            short=entry["short"],
        )
        # The file ships with the package: a mistake in it is a bug, so fail loudly at import.
        assert metric.area in AREAS, f"metrics.toml: {name}: unknown area {metric.area}"
        assert metric.kind in KINDS, f"metrics.toml: {name}: unknown kind {metric.kind}"
        assert all(p.type in PARAM_TYPES for p in params.values()), f"metrics.toml: {name}: bad param type"
        catalogue[name] = metric
    return catalogue


#: metric name → Metric, in catalogue order (grouped by area).
CATALOGUE: dict[str, Metric] = _load()


def get_metric(name: str) -> Metric | None:
    """The catalogue entry named `name`, or None."""
    return CATALOGUE.get(name)


def title(name: str, *, short: bool = False) -> str:
    """How people name metric `name` ("Service level", or "SL" when `short`); an unknown id as it is."""
    metric = CATALOGUE.get(name)
    if metric is None:
        return name
    return metric.short if short else metric.title


def param_defaults(name: str) -> dict[str, Any]:
    """The default value of every parameter of metric `name` that has one."""
    metric = CATALOGUE[name]
    return {p.name: p.default for p in metric.params.values() if p.default is not None}


def catalogue_rows(settings: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The catalogue as rows for `ccc metrics`: `id, title, short, area, kind, unit, direction,
    references` (`clauses`, `duties`, `own`: the workspace's, from `iso18295.workspace_settings`)."""
    from .iso18295 import references

    return [
        {"id": m.name, "title": m.title, "short": m.short, "area": m.area, "kind": m.kind, "unit": m.unit,
         "direction": "higher is better" if m.higher_is_better else "lower is better",
         "references": references("metric", m.name, settings)}
        for m in CATALOGUE.values()
    ]


def render_markdown() -> str:
    """`docs/metrics.md`: the catalogue grouped by area, with each formula and parameter."""
    out = [
        "# Metric catalogue",
        "",
        "Generated from `src/ccc_governance/data/metrics.toml` by `python -m ccc_governance.metrics`;",
        "edit that file, not this one. A `[[kpi]]` names one of these in `metric`, and sets its",
        "parameters as plain keys of the same table. Rates are fractions 0–1 (`target = 0.8` is 80 %).",
        "`higher is better` decides on which side of the target the breach threshold must lie.",
        "Each metric's ISO 18295 references come from `data/iso18295.toml` (see docs/iso18295.md).",
        "",
    ]
    for area in AREAS:
        members = [m for m in CATALOGUE.values() if m.area == area]
        if not members:
            continue
        out += [f"## {area.replace('_', ' ').capitalize()}", ""]
        for m in members:
            bounds = ""
            if m.min is not None or m.max is not None:
                lo = "−∞" if m.min is None else f"{m.min:g}"
                hi = "∞" if m.max is None else f"{m.max:g}"
                bounds = f", targets in {lo}…{hi}"
            better = "higher is better" if m.higher_is_better else "lower is better (breach lies above the target)"
            out += [
                f"### {m.title} (`{m.name}`)",
                "",
                m.description,
                "",
                f"*{m.kind}*, unit {m.unit}, {better}{bounds}.",
                "",
                f"ISO 18295: {_iso_line(m.name)}.",
                "",
                "```text",
                m.formula,
                "```",
                "",
            ]
            if m.params:
                out += ["| parameter | type | default | meaning |", "|---|---|---|---|"]
                for p in m.params.values():
                    kind = p.type if not p.choices else "choice: " + ", ".join(f"`{c}`" for c in p.choices)
                    default = "—" if p.default is None else f"`{str(p.default).lower() if isinstance(p.default, bool) else p.default}`"
                    out.append(f"| `{p.name}` | {kind} | {default} | {p.doc} |")
                out.append("")
    return "\n".join(out).rstrip() + "\n"


def _iso_line(name: str) -> str:
    """The metric's references in words: 18295-1 clauses with their headings, 18295-2 duties."""
    from .iso18295 import MAPPING

    refs = MAPPING.of("metric", name)
    clauses = ", ".join(f"{c} ({MAPPING.clauses[c]['en']})" for c in refs["clauses"])
    duties = ", ".join(MAPPING.duties[d]["en"].lower() for d in refs["duties"])
    return "; ".join(p for p in (f"18295-1 {clauses}" if clauses else "", f"18295-2 {duties}" if duties else "") if p)


if __name__ == "__main__":  # pragma: no cover - documentation generator
    print(render_markdown(), end="")
