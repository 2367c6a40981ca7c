"""`ccc export site DIR`: the review packs as a static site for colleagues without a terminal.

The site is a folder of plain HTML files linked to one another by relative links, so it opens from
`file://` and from any static host, needs no script and loads nothing from the network:

- `DIR/index.html`: the portfolio as `ccc portfolio` gives it (`portfolio.portfolio`): every contract
  worst first with its last closed period, worst KPI, open breaches, credits and next review; the
  open breaches of every contract; when each source last imported.
- `DIR/<contract>/index.html`: one contract: its stored periods with each KPI's status and figure,
  its breaches with their status history (`engine.breaches`), its review calendar
  (`governance.reviews.calendar`) and its actions.
- `DIR/<contract>/<contract>_<period>.html`: the HTML review pack of every stored period (the pack
  itself, built by `pack.build_pack` and rendered by the pack's template; `write.default_path` names it).

Every page is rendered by Jinja2 with autoescaping (`templating.render`), as the packs are, so text from
contracts and records shows as text. The folder is ccc's own: it must be new, empty or a site (or
pack folder) ccc wrote, every entry of it listed in its `.ccc-pack` marker (`outputs.PackFolder`),
each contract folder likewise; anything else there is refused before anything is evaluated or
written. Re-running refreshes the site in place, replacing only the files it listed; nothing is removed.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..clock import today
from ..contracts.problems import CONTRACT_FAILURES, failure_reason
from ..engine import breaches as engine_breaches
from ..engine import credits as engine_credits
from ..engine.results import stored_results
from ..engine.statuses import STATUS_RANK
from ..governance import actions as gov_actions
from ..governance import reviews as gov_reviews
from ..governance.status import OPEN_BREACH_STATUSES
from ..outputs import MARKER, OutputError, PackFolder, write_file
from ..periods import Period, parse_period
from ..portfolio import PortfolioRow, latest_contracts, portfolio
from .pack import BREACH_ORDER, build_pack, contracts_in_period, ensure_results, metric_info
from .templating import logo_data_uri, render
from .write import default_path, safe_name, write_document

INDEX = "index.html"
#: Kinds of period a site shows: those a review looks at (not single days nor ad-hoc ranges).
NOT_SITE_KINDS = ("day", "range")


@dataclass
class SiteResult:
    """What `export_site` wrote: the site's folder, its pages (index first) and its packs."""

    folder: Path
    pages: list[Path] = field(default_factory=list)
    packs: list[Path] = field(default_factory=list)
    contracts: int = 0

    @property
    def index(self) -> Path:
        """The page to open: `DIR/index.html`."""
        return self.folder / INDEX


# --------------------------------------------------------------------------- the folder


def _foreign(folder: Path, listed: set[str]) -> list[str]:
    """Entries of `folder` that its marker does not list."""
    return sorted(e.name for e in os.scandir(folder) if e.name != MARKER and e.name not in listed)


def _own_folder(path: Path, *, parents: bool = False, shown: str | None = None) -> PackFolder:
    """`path` as a site folder: new, empty, or marked by ccc with every entry listed (and every listed
    sub-folder holding only what its own marker lists). Anything else is refused, nothing written."""
    shown = shown or str(path)
    if os.path.islink(path) and not os.path.isdir(path):
        raise OutputError("is a link to no folder; choose another folder", file=shown)
    folder = PackFolder(path, strict=True, parents=parents)
    if not folder.exists:
        return folder
    foreign = _foreign(folder.path, folder.listed)
    if foreign:
        more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
        raise OutputError(f"holds files ccc did not write ({foreign[0]}{more}); the site needs a folder of its own: "
                          "choose another folder", file=shown)
    for name in sorted(folder.listed):
        sub = folder.path / name
        if os.path.islink(sub):
            raise OutputError("is a link ccc did not write; move it away or choose another folder", file=str(sub))
        if os.path.isdir(sub):
            _own_folder(sub, shown=str(sub))
    return folder


def check_site_folder(path: str | Path, *, parents: bool = False) -> None:
    """Refuse, before any work, a folder the site cannot be written to (see `export_site`)."""
    _own_folder(Path(path), parents=parents)


def _folder_names(cids: list[str]) -> dict[str, str]:
    """contract id → its folder's name in the site: the id as a file name, made unique."""
    used = {INDEX, MARKER}
    out = {}
    for cid in cids:
        base = name = safe_name(cid)
        n = 2
        while name in used:
            name, n = f"{base}_{n}", n + 1
        used.add(name)
        out[cid] = name
    return out


# --------------------------------------------------------------------------- the data


def site_periods(db, contract_id: str, as_of: date) -> list[Period]:
    """The periods of `contract_id` with stored results that a review looks at (no single days or
    ranges), started by `as_of`, newest first."""
    rows = db.execute(
        "SELECT DISTINCT period, period_start, period_end FROM kpi_results WHERE contract_id = ? "
        "AND period_kind NOT IN ('day', 'range') AND period_start <= ? ORDER BY period_start DESC, period_end DESC",
        [contract_id, as_of.isoformat()],
    ).fetchall()
    out, seen = [], set()
    for label, *_ in rows:
        if label in seen:
            continue
        seen.add(label)
        try:
            out.append(parse_period(label))
        except CONTRACT_FAILURES:  # a label this version cannot read: left out, not fatal
            continue
    return out


def _status_rank(status: str | None) -> int:
    return STATUS_RANK.get(status or "", len(STATUS_RANK))


def _period_rows(db, contract_id: str, periods: list[Period], kpi_order: list[str], packs: dict[str, str],
                 as_of: date) -> tuple[list[dict], list[dict]]:
    """The periods table of a contract page: the KPI columns (`{kpi_id, metric, channel}`) and one row
    per period, newest first, with each KPI's result (the highest contract version's)."""
    wanted = {p.label for p in periods}
    results: dict[str, dict[str, dict]] = {}
    kpis: dict[str, dict] = {}
    for r in stored_results(db, contract_id=contract_id):
        if r["period"] not in wanted or r["period_kind"] in NOT_SITE_KINDS:
            continue
        unit = metric_info(r["metric"], r.get("target"), r.get("breach"))["unit"]
        results.setdefault(r["period"], {})[r["kpi_id"]] = {
            "status": r["status"], "actual": r.get("actual"), "target": r.get("target"), "unit": unit,
            "reported": r.get("reported"), "reported_diff": r.get("reported_diff")}
        kpis.setdefault(r["kpi_id"], {"kpi_id": r["kpi_id"], "metric": r["metric"], "channel": r.get("channel")})
    columns = [kpis[k] for k in kpi_order if k in kpis] + [kpis[k] for k in sorted(kpis) if k not in kpi_order]
    rows = []
    for p in periods:
        cells = results.get(p.label, {})
        statuses = [c["status"] for c in cells.values()]
        credits = engine_credits.credits_for(db, contract_id, p.label)
        rows.append({
            "period": p.label, "kind": p.kind, "first_day": p.start.isoformat(), "last_day": p.last_day.isoformat(),
            "closed": p.last_day < as_of,
            "status": min(statuses, key=_status_rank) if statuses else "no_data",
            "cells": [cells.get(k["kpi_id"]) for k in columns],
            "credits_total": engine_credits.total(credits) if credits else None,
            "pack": packs.get(p.label),
        })
    return columns, rows


def _breach_rows(db, contract_id: str, metrics: dict[str, dict], packs: dict[str, str]) -> list[dict]:
    """Every breach of the contract with its history, unresolved first, newest period first."""
    out = []
    for b in engine_breaches.list_breaches(db, contract_id=contract_id):
        kpi = metrics.get(b["kpi_id"]) or {}
        metric = kpi.get("metric")
        out.append({
            "id": b["id"], "kpi_id": b["kpi_id"], "metric": metric, "channel": kpi.get("channel"),
            "period": b["period"], "status": b["status"], "actual": b.get("actual"), "target": b.get("target"),
            "breach": b.get("breach"), "volume": b.get("volume"),
            "unit": metric_info(metric or "", b.get("target"), b.get("breach"))["unit"],
            "still_breached": bool(b.get("still_breached", 1)), "first_seen_at": b.get("first_seen_at"),
            "pack": packs.get(b["period"]),
            "history": [{"at": h.get("at"), "from": h.get("status_from"), "to": h.get("status_to"),
                         "note": h.get("note")} for h in engine_breaches.history(db, b["id"])],
        })
    rank = {s: i for i, s in enumerate(BREACH_ORDER)}
    out.sort(key=lambda b: b["period"], reverse=True)
    out.sort(key=lambda b: rank.get(b["status"], len(rank)))
    return out


def _worst(row: PortfolioRow) -> dict | None:
    """The portfolio row's "why": its worst KPI, with its unit."""
    k = row.worst
    if k is None:
        return None
    return {"kpi_id": k.kpi_id, "metric": k.metric, "actual": k.actual, "target": k.target, "status": k.status,
            "unit": metric_info(k.metric, k.target, k.breach)["unit"], "change": k.change}


# --------------------------------------------------------------------------- writing


def export_site(db, folder: str | Path, *, as_of=None, period: Period | str | None = None, templates_dir=None,
                logo=None, parents: bool = False, iso_settings: dict | None = None) -> SiteResult:
    """Write (or refresh) the static site in `folder`; see the module docstring.

    Pages read stored results only. With `period`, every contract in force in it is evaluated first
    where nothing is stored for it (and the period before), as `ccc export review` does. The folder
    is checked before anything is evaluated or written."""
    day = today(as_of)
    folder = Path(folder)
    top = _own_folder(folder, parents=parents)
    logo_uri = logo_data_uri(logo)  # a bad logo is refused before anything is written
    if period is not None:
        period = parse_period(period) if isinstance(period, str) else period
        for cid in contracts_in_period(db, period):
            ensure_results(db, cid, period, day)

    data = portfolio(db, day)
    contracts = {c.contract_id: c for c in latest_contracts(db)}
    names = _folder_names([r.contract_id for r in data.rows])
    top.check(INDEX, *names.values())
    for name in names.values():
        entry = top.path / name
        if os.path.lexists(entry) and not os.path.isdir(entry):
            raise OutputError("is a file where the site needs a contract's folder; move it away or choose another folder",
                              file=str(entry))
    result = SiteResult(folder=folder, contracts=len(data.rows))
    plans = []
    for row in data.rows:
        periods = [] if row.problem else site_periods(db, row.contract_id, day)
        packs = {p.label: default_path(row.contract_id, p, "html") for p in periods}
        plans.append((row, periods, packs))

    paths = top.claim([INDEX, *names.values()])
    all_open = []
    index_rows = []
    for (row, periods, packs) in plans:
        cid = row.contract_id
        sub = PackFolder(top.path / names[cid], strict=True)
        sub.claim([INDEX, *packs.values()])
        problems = [row.problem] if row.problem else []
        for p in periods:
            try:
                pack = build_pack(db, cid, p, day, iso_settings=iso_settings)
            except CONTRACT_FAILURES as err:
                problems.append(f"{p.label}: the pack cannot be made ({failure_reason(err)})")
                packs.pop(p.label)
                continue
            path = sub.path / packs[p.label]
            write_document("pack", pack, "html", path, templates_dir=templates_dir, logo=logo)
            result.packs.append(path)
        contract = contracts.get(cid)
        kpi_order = [k.get("id") for k in (contract.kpis if contract else [])]
        columns, period_rows = _period_rows(db, cid, periods, kpi_order, packs, day)
        metrics = {k["kpi_id"]: k for k in columns}
        for k in (contract.kpis if contract else []):
            metrics.setdefault(k.get("id"), {"kpi_id": k.get("id"), "metric": k.get("metric"),
                                             "channel": k.get("channel")})
        breaches = _breach_rows(db, cid, metrics, packs)
        try:
            reviews = list(reversed(gov_reviews.calendar(db, cid, day)))
        except CONTRACT_FAILURES as err:
            reviews = []
            if not row.problem:
                problems.append(f"review calendar: {failure_reason(err)}")
        for r in reviews:
            r["pack"] = packs.get(r["period"])
        actions = gov_actions.list_actions(db, cid, as_of=day)
        actions.sort(key=lambda a: (a.get("status") != "open", a.get("due") or "9999", a["id"]))
        href = f"{names[cid]}/{INDEX}"
        for b in breaches:
            if b["status"] in OPEN_BREACH_STATUSES:
                all_open.append({**b, "contract_id": cid, "title": row.title,
                                 "href": f"{href}#breach-{b['id']}",
                                 "pack": f"{names[cid]}/{b['pack']}" if b["pack"] else None})
        page = {
            "as_of": day.isoformat(), "row": row, "worst": _worst(row), "problems": problems,
            "currency": contract.currency if contract else row.currency,
            "client": row.client, "columns": columns, "periods": period_rows, "breaches": breaches,
            "reviews": reviews, "actions": actions,
            "latest_pack": packs.get(row.period) if row.period else None,
        }
        html = render("html", "site_contract.html.j2", {"page": page, "logo": logo_uri}, templates_dir)
        write_file(sub.path / INDEX, html)
        result.pages.append(sub.path / INDEX)
        review_period, _, hold_by = (row.next_review or "").partition(" by ")
        index_rows.append({
            "contract_id": cid, "title": row.title, "client": row.client, "ccc": row.ccc, "href": href,
            "period": row.period, "status": row.status, "problem": row.problem, "worst": _worst(row),
            "pack": f"{names[cid]}/{packs[row.period]}" if row.period in packs else None,
            "open_breaches": row.open_breaches, "credits_due": row.credits_due, "currency": row.currency,
            "review_period": review_period or None, "review_hold_by": hold_by or None,
            "review_state": row.review_state, "overdue_obligations": row.overdue_obligations,
            "statuses": dict(Counter(k.status for k in row.kpis)),
            "packs": len(packs), "periods": len(periods),
        })
    rank = {s: i for i, s in enumerate(BREACH_ORDER)}
    all_open.sort(key=lambda b: (rank.get(b["status"], len(rank)), b["contract_id"], b["period"]))
    index = {"as_of": day.isoformat(), "contracts": index_rows, "open_breaches": all_open,
             "imports": data.imports}
    write_file(paths[0], render("html", "site_index.html.j2", {"site": index, "logo": logo_uri}, templates_dir))
    result.pages.insert(0, paths[0])
    return result
