"""The client's audit of a CCC against the shipped checklist (`data/audit_checklist.toml`).

Scoring: yes = 1, partly = 0.5, no = 0, na = left out. A section's score is
`Σ weight × value / Σ weight` over its answered, applicable questions, as a percentage; the overall
score is the same sum over every section (so weights count across sections too). Unanswered
questions are reported and left out of the score. Every `no` or `partly` is a non-conformity and
opens an action item, owned by the CCC and due `ACTION_DUE_DAYS` after the answer, for the audit's
contract, or for every contract with that CCC when the audit names none.

Who started, answered and closed an audit is kept (`started_by`, `answered_by`, `closed_by`) and
logged (`audit.start`, `audit.answer`, `audit.close`).
"""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources

from .. import clock
from ..actor import current_actor
from ..errors import CccError, NotFoundError, StateError
from ..trail import record_change
from .actions import add_action
from .inforce import contract_for, contract_ids, require_contract

ANSWERS = {"yes": 1.0, "partly": 0.5, "no": 0.0, "na": None}
LANGS = ("en", "fr")
ACTION_DUE_DAYS = 30


@lru_cache(maxsize=1)
def load_checklist() -> dict:
    """The shipped checklist: `{schema, sections: [{id, en, fr, question: [{id, weight, en, fr}]}]}`."""
    text = resources.files("ccc_governance").joinpath("data/audit_checklist.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def questions(lang: str = "en") -> list[dict]:
    """Every checklist question in `lang`: `section, section_title, id, weight, text`."""
    _check_lang(lang)
    return [
        {"section": s["id"], "section_title": s[lang], "id": q["id"], "weight": q["weight"], "text": q[lang]}
        for s in load_checklist()["section"]
        for q in s["question"]
    ]


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise CccError(f"language {lang!r} is not available (choose {' or '.join(LANGS)})")


def _question(question_id: str) -> dict:
    for q in questions("en"):
        if q["id"] == question_id:
            return q
    raise NotFoundError(f"no checklist question {question_id!r} (see `ccc audit questions`)")


def _cccs(db, as_of: date) -> dict[str, list[str]]:
    """CCC name → the contract ids it serves."""
    out: dict[str, list[str]] = {}
    for cid in contract_ids(db):
        out.setdefault(contract_for(db, cid, as_of).contract.ccc, []).append(cid)
    return out


def start_audit(db, ccc: str, *, contract_id: str | None = None, lang: str = "en", on: date | str | None = None, title: str | None = None) -> dict:
    """Open an audit of `ccc` (a CCC named in a registered contract), optionally for one contract."""
    _check_lang(lang)
    day = clock.parse_date(on, what="--on") if isinstance(on, str) else clock.today(on)
    if contract_id:
        require_contract(db, contract_id)
        actual = contract_for(db, contract_id, day).contract.ccc
        if actual != ccc:
            raise CccError(f"contract {contract_id} is with CCC {actual!r}, not {ccc!r}")
    else:
        known = _cccs(db, day)
        if ccc not in known:
            raise NotFoundError(f"unknown CCC {ccc!r} (CCCs in registered contracts: {', '.join(sorted(known)) or 'none'})")
    who = current_actor(db)
    with db.atomic():
        cur = db.execute(
            "INSERT INTO audits (ccc, contract_id, title, started_on, lang, status, started_by)"
            " VALUES (?, ?, ?, ?, ?, 'open', ?)",
            [ccc, contract_id, title, day.isoformat(), lang, who],
        )
        audit_id = cur.lastrowid
        record_change(db, "audit.start", contract_id=contract_id, record=f"audits:{audit_id}", actor=who,
                      after={"ccc": ccc, "title": title, "started_on": day.isoformat(), "lang": lang})
    return get_audit(db, audit_id)


def get_audit(db, audit_id: int) -> dict:
    """One audit row (raises `NotFoundError`)."""
    rows = list(db.query("SELECT * FROM audits WHERE id = ?", [audit_id]))
    if not rows:
        raise NotFoundError(f"no audit with id {audit_id} (see `ccc audit list`)")
    return rows[0]


def answer(db, audit_id: int, question_id: str, value: str, *, comment: str | None = None,
           evidence: str | None = None, on: date | str | None = None) -> dict:
    """Record (or change) the answer to one question; a `no`/`partly` opens an action item per
    contract concerned, once per question. Returns `{answer, actions}` (the actions it opened)."""
    audit = get_audit(db, audit_id)
    if audit["status"] == "closed":
        raise StateError(f"audit #{audit_id} was closed on {audit['closed_on']}: its answers can no longer change")
    if value not in ANSWERS:
        raise CccError(f"answer {value!r} is not one of {', '.join(ANSWERS)}")
    question = _question(question_id)
    day = clock.parse_date(on, what="--on") if isinstance(on, str) else clock.today(on)
    start = date.fromisoformat(audit["started_on"])
    contracts = [audit["contract_id"]] if audit["contract_id"] else _cccs(db, max(day, start)).get(audit["ccc"], [])
    opened: list[dict] = []
    who = current_actor(db)
    logged = ("answer", "comment", "evidence", "answered_on", "answered_by")
    with db.atomic():
        old = db.execute(f"SELECT id, {', '.join(logged)} FROM audit_answers WHERE audit_id = ? AND question_id = ?",
                         [audit_id, question_id]).fetchone()
        db.execute(
            "INSERT INTO audit_answers (audit_id, question_id, answer, comment, evidence, answered_on, answered_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (audit_id, question_id) DO UPDATE SET answer = excluded.answer, comment = excluded.comment,"
            " evidence = excluded.evidence, answered_on = excluded.answered_on, answered_by = excluded.answered_by",
            [audit_id, question_id, value, comment, evidence, day.isoformat(), who],
        )
        answer_id = old[0] if old else db.execute(
            "SELECT id FROM audit_answers WHERE audit_id = ? AND question_id = ?", [audit_id, question_id]).fetchone()[0]
        record_change(db, "audit.answer", contract_id=audit["contract_id"], record=f"audit_answers:{answer_id}",
                      actor=who, before=dict(zip(logged, old[1:])) | {"question_id": question_id} if old else None,
                      after={"question_id": question_id, "answer": value, "comment": comment, "evidence": evidence,
                             "answered_on": day.isoformat(), "answered_by": who})
        if value in ("no", "partly"):
            text = {q["id"]: q["text"] for q in questions(audit["lang"])}[question_id]
            for cid in contracts:
                exists = db.execute(
                    "SELECT 1 FROM actions WHERE audit_id = ? AND audit_question = ? AND contract_id = ?",
                    [audit_id, question_id, cid],
                ).fetchone()
                if exists:
                    continue
                opened.append(
                    add_action(
                        db, cid, f"Audit #{audit_id} {question_id} ({value}): {text}",
                        owner=audit["ccc"], due=day + timedelta(days=ACTION_DUE_DAYS),
                        audit_id=audit_id, audit_question=question_id, raised_on=day,
                    )
                )
    row = next(db.query("SELECT * FROM audit_answers WHERE audit_id = ? AND question_id = ?", [audit_id, question_id]))
    row["weight"] = question["weight"]
    return {"answer": row, "actions": opened}


def close_audit(db, audit_id: int, *, on: date | str | None = None) -> dict:
    """Close an audit on `on` (default today): its answers and score are final from then on.
    The action items its non-conformities opened stay open until closed themselves."""
    audit = get_audit(db, audit_id)
    if audit["status"] == "closed":
        raise StateError(f"audit #{audit_id} is already closed (on {audit['closed_on']})")
    day = clock.parse_date(on, what="--on") if isinstance(on, str) else clock.today(on)
    if day.isoformat() < audit["started_on"]:
        raise CccError(f"audit #{audit_id} started on {audit['started_on']}: it cannot close before ({day})")
    who = current_actor(db)
    with db.atomic():
        db.execute("UPDATE audits SET status = 'closed', closed_on = ?, closed_by = ? WHERE id = ?",
                   [day.isoformat(), who, audit_id])
        record_change(db, "audit.close", contract_id=audit["contract_id"], record=f"audits:{audit_id}", actor=who,
                      before={"status": "open"}, after={"status": "closed", "closed_on": day.isoformat()})
    return get_audit(db, audit_id)


def _pct(points: float, weight: float) -> float | None:
    return round(100.0 * points / weight, 1) if weight else None


def report(db, audit_id: int) -> dict:
    """The audit's answers scored by section and overall (rules in the module docstring)."""
    audit = get_audit(db, audit_id)
    lang = audit["lang"]
    given = {r["question_id"]: r for r in db.query("SELECT * FROM audit_answers WHERE audit_id = ?", [audit_id])}
    sections, nonconformities = [], []
    total_points = total_weight = 0.0
    for s in load_checklist()["section"]:
        points = weight = 0.0
        rows = []
        for q in s["question"]:
            a = given.get(q["id"])
            value = ANSWERS[a["answer"]] if a else None
            if a and value is not None:
                points += q["weight"] * value
                weight += q["weight"]
            row = {"id": q["id"], "weight": q["weight"], "text": q[lang],
                   "answer": a["answer"] if a else None,
                   "comment": a["comment"] if a else None, "evidence": a["evidence"] if a else None}
            rows.append(row)
            if a and a["answer"] in ("no", "partly"):
                nonconformities.append(row | {"section": s["id"]})
        total_points += points
        total_weight += weight
        sections.append({
            "id": s["id"], "title": s[lang], "score_pct": _pct(points, weight),
            "answered": sum(1 for r in rows if r["answer"]),
            "not_applicable": sum(1 for r in rows if r["answer"] == "na"),
            "unanswered": sum(1 for r in rows if not r["answer"]),
            "questions": rows,
        })
    actions = list(db.query("SELECT id, contract_id, audit_question, status, due FROM actions WHERE audit_id = ? ORDER BY id", [audit_id]))
    return {"audit": audit, "overall_pct": _pct(total_points, total_weight), "sections": sections,
            "nonconformities": nonconformities, "actions": actions}


def list_audits(db, ccc: str | None = None, contract_id: str | None = None) -> list[dict]:
    """Audits (oldest first) with their overall score."""
    where, params = [], []
    if ccc:
        where.append("ccc = ?")
        params.append(ccc)
    if contract_id:
        where.append("contract_id = ?")
        params.append(contract_id)
    rows = list(db.query("SELECT * FROM audits" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY started_on, id", params))
    for r in rows:
        r["overall_pct"] = report(db, r["id"])["overall_pct"]
    return rows


def last_audit(db, contract_id: str, as_of: date | str | None = None) -> dict | None:
    """The latest audit started on or before `as_of` that covers the contract (its own, or one of its
    CCC that names no contract), with its overall score; None when there is none."""
    day = clock.today(as_of)
    ccc = contract_for(db, contract_id, day).contract.ccc
    rows = list(db.query(
        "SELECT * FROM audits WHERE started_on <= ? AND (contract_id = ? OR (contract_id IS NULL AND ccc = ?))"
        " ORDER BY started_on DESC, id DESC LIMIT 1",
        [day.isoformat(), contract_id, ccc],
    ))
    if not rows:
        return None
    return rows[0] | {"overall_pct": report(db, rows[0]["id"])["overall_pct"]}


#: Every heading and label of a rendered audit report, in the audit's language.
REPORT_LABELS = {
    "en": {"audit": "Audit #{id} of {ccc}", "contract": " (contract {contract})", "overall": "Overall score",
           "section": "Section", "score": "Score", "answered": "Answered", "na": "N/A", "unanswered": "Unanswered",
           "nonconformities": "Non-conformities", "none": "None.", "none_text": "none",
           "counts": "{answered} answered, {unanswered} open", "n_a": "n/a",
           "answers": {"yes": "yes", "partly": "partly", "no": "no", "na": "n/a"}},
    "fr": {"audit": "Audit n° {id} de {ccc}", "contract": " (contrat {contract})", "overall": "Note globale",
           "section": "Rubrique", "score": "Note", "answered": "Répondues", "na": "Sans objet",
           "unanswered": "Sans réponse", "nonconformities": "Non-conformités", "none": "Aucune.",
           "none_text": "aucune", "counts": "{answered} répondues, {unanswered} en attente", "n_a": "s.o.",
           "answers": {"yes": "oui", "partly": "en partie", "no": "non", "na": "sans objet"}},
}


def render(rep: dict, fmt: str = "text") -> str:
    """An audit report as plain text or Markdown, every heading and label in the audit's language."""
    a = rep["audit"]
    t = REPORT_LABELS.get(a.get("lang") or "en", REPORT_LABELS["en"])
    pct = lambda v: t["n_a"] if v is None else f"{v:.1f} %"  # noqa: E731
    head = (t["audit"].format(id=a["id"], ccc=a["ccc"])
            + (t["contract"].format(contract=a["contract_id"]) if a["contract_id"] else "") + f", {a['started_on']}")
    ans = lambda n: t["answers"].get(n["answer"], n["answer"])  # noqa: E731
    lines: list[str] = []
    if fmt == "md":
        lines += [f"# {head}", "", f"**{t['overall']}: {pct(rep['overall_pct'])}**", "",
                  f"| {t['section']} | {t['score']} | {t['answered']} | {t['na']} | {t['unanswered']} |", "|---|---|---|---|---|"]
        lines += [f"| {s['title']} | {pct(s['score_pct'])} | {s['answered']} | {s['not_applicable']} | {s['unanswered']} |" for s in rep["sections"]]
        lines += ["", f"## {t['nonconformities']}", ""]
        lines += [f"- **{n['id']}** ({ans(n)}): {n['text']}" + (f" — {n['comment']}" if n["comment"] else "") for n in rep["nonconformities"]] or [t["none"]]
    elif fmt == "text":
        lines += [head, f"{t['overall']}: {pct(rep['overall_pct'])}", ""]
        lines += [f"  {s['title']:<50} {pct(s['score_pct']):>8}  ({t['counts'].format(answered=s['answered'], unanswered=s['unanswered'])})" for s in rep["sections"]]
        lines += ["", f"{t['nonconformities']}:"]
        lines += [f"  {n['id']} ({ans(n)}): {n['text']}" + (f" — {n['comment']}" if n["comment"] else "") for n in rep["nonconformities"]] or [f"  {t['none_text']}"]
    else:
        raise CccError(f"report format {fmt!r} is not text, json or md")
    return "\n".join(lines) + "\n"
