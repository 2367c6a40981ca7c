"""Audit checklist scoring and non-conformities, actions carried into reviews, per-contract status."""

from __future__ import annotations

import pytest

from ccc_governance.errors import CccError, NotFoundError, StateError
from ccc_governance.governance import actions, audit, evidence, reviews, status


def test_checklist_has_every_section_in_both_languages():
    sections = audit.load_checklist()["section"]
    assert [s["id"] for s in sections] == ["quality", "training", "information", "complaints", "continuity", "accessibility"]
    ids = [q["id"] for s in sections for q in s["question"]]
    assert len(ids) == len(set(ids))
    for s in sections:
        assert 5 <= len(s["question"]) <= 8
        for q in s["question"]:
            assert q["en"] and q["fr"] and q["en"] != q["fr"] and q["weight"] in (1, 2)
    fr = audit.questions("fr")
    assert fr[0]["section_title"] == "Management de la qualité du service externalisé"
    with pytest.raises(CccError, match="language 'de' is not available"):
        audit.questions("de")


def test_audit_scores_by_section_and_opens_actions_for_each_contract_of_the_ccc(gdb):
    a = audit.start_audit(gdb, "CallCo", on="2026-11-02")
    audit.answer(gdb, a["id"], "quality.owner", "yes", on="2026-11-02")
    r1 = audit.answer(gdb, a["id"], "quality.kpi-method", "partly", comment="SL computed on answered calls", on="2026-11-02")
    audit.answer(gdb, a["id"], "quality.monitoring", "no", on="2026-11-02")
    audit.answer(gdb, a["id"], "quality.improvement", "na", on="2026-11-02")
    audit.answer(gdb, a["id"], "training.induction", "yes", on="2026-11-02")
    assert [(x["contract_id"], x["due"]) for x in r1["actions"]] == [("acme", "2026-12-02"), ("beta", "2026-12-02")]
    # Answering the same question again does not open a second action.
    again = audit.answer(gdb, a["id"], "quality.monitoring", "no", comment="still none", on="2026-11-03")
    assert again["actions"] == []

    rep = audit.report(gdb, a["id"])
    by_id = {s["id"]: s for s in rep["sections"]}
    assert by_id["quality"]["score_pct"] == 60.0  # (2×1 + 2×0.5 + 1×0) / (2 + 2 + 1)
    assert (by_id["quality"]["answered"], by_id["quality"]["not_applicable"], by_id["quality"]["unanswered"]) == (4, 1, 2)
    assert by_id["training"]["score_pct"] == 100.0
    assert by_id["continuity"]["score_pct"] is None
    assert rep["overall_pct"] == 71.4  # 5 / 7
    assert [n["id"] for n in rep["nonconformities"]] == ["quality.kpi-method", "quality.monitoring"]
    assert len(rep["actions"]) == 4
    assert "Overall score: 71.4 %" in audit.render(rep, "text")
    assert "| Quality management of the outsourced service | 60.0 % |" in audit.render(rep, "md")


def test_audit_errors(gdb):
    with pytest.raises(NotFoundError, match=r"unknown CCC 'Nobody' \(CCCs in registered contracts: CallCo\)"):
        audit.start_audit(gdb, "Nobody", on="2026-11-02")
    with pytest.raises(CccError, match="contract acme is with CCC 'CallCo', not 'Other'"):
        audit.start_audit(gdb, "Other", contract_id="acme", on="2026-11-02")
    a = audit.start_audit(gdb, "CallCo", contract_id="acme", lang="fr", on="2026-11-02")
    with pytest.raises(NotFoundError, match="no checklist question 'q.9'"):
        audit.answer(gdb, a["id"], "q.9", "yes")
    with pytest.raises(CccError, match="answer 'maybe' is not one of yes, partly, no, na"):
        audit.answer(gdb, a["id"], "quality.owner", "maybe")
    with pytest.raises(NotFoundError, match="no audit with id 99"):
        audit.answer(gdb, 99, "quality.owner", "yes")
    opened = audit.answer(gdb, a["id"], "quality.owner", "no", on="2026-11-02")["actions"]
    assert [x["contract_id"] for x in opened] == ["acme"]  # the audit's own contract only
    assert "Un responsable nommé" in opened[0]["title"]


def test_actions_overdue_and_carried_until_closed(gdb):
    reviews.record_review(gdb, "acme", "2026-09", held_on="2026-10-08")
    act = actions.add_action(gdb, "acme", "Fix the IVR menu", owner="CallCo", due="2026-10-31", review_period="2026-09", raised_on="2026-10-08")
    assert act["review_id"] is not None
    open_on = lambda day: [(x["id"], x["overdue"]) for x in actions.list_actions(gdb, "acme", "open", as_of=day)]  # noqa: E731
    assert open_on("2026-10-31") == [(act["id"], False)]
    assert open_on("2026-11-01") == [(act["id"], True)]
    assert open_on("2026-10-07") == []  # not raised yet
    # Carried into October's review, held on 9 November.
    reviews.record_review(gdb, "acme", "2026-10", held_on="2026-11-09")
    assert [x["id"] for x in reviews.get_review(gdb, "acme", "2026-10")["actions"]] == [act["id"]]
    actions.close_action(gdb, act["id"], "menu changed", closed_on="2026-11-20")
    with pytest.raises(StateError, match="already closed"):
        actions.close_action(gdb, act["id"], "again")
    assert open_on("2026-11-19") == [(act["id"], True)]  # reproducible: still open that day
    assert open_on("2026-11-20") == []
    reviews.record_review(gdb, "acme", "2026-11", held_on="2026-12-05")
    assert reviews.get_review(gdb, "acme", "2026-11")["actions"] == []
    with pytest.raises(NotFoundError, match="no action with id 42"):
        actions.close_action(gdb, 42, "x")
    with pytest.raises(NotFoundError, match="no review of 2026-08"):
        actions.add_action(gdb, "acme", "x", review_period="2026-08")


def test_contract_status_in_one_place(gdb):
    db = gdb
    reviews.record_review(db, "acme", "2026-09", held_on="2026-10-08")
    actions.add_action(db, "acme", "Fix the IVR menu", due="2026-10-31", raised_on="2026-10-08")
    evidence.add_evidence(db, "acme", "access-review", on="2026-10-10", note="done", occurrence="2026-10-15")
    a = audit.start_audit(db, "CallCo", on="2026-10-05")
    audit.answer(db, a["id"], "quality.owner", "partly", on="2026-10-05")
    db["breaches"].insert({"contract_id": "acme", "contract_version": 1, "kpi_id": "sl", "period": "2026-10",
                           "status": "open", "first_seen_at": "x", "last_seen_at": "x", "actual": 0.7, "target": 0.8})
    db["breaches"].insert({"contract_id": "acme", "contract_version": 1, "kpi_id": "sl", "period": "2026-09",
                           "status": "waived", "first_seen_at": "x", "last_seen_at": "x"})
    for period, start, end, st in [("2026-09", "2026-09-01", "2026-10-01", "met"), ("2026-10", "2026-10-01", "2026-11-01", "breached"),
                                   ("2026-11", "2026-11-01", "2026-12-01", "mtd_met")]:
        db["kpi_results"].insert({"contract_id": "acme", "contract_version": 1, "kpi_id": "sl", "metric": "service_level",
                                  "period": period, "period_kind": "month", "period_start": start, "period_end": end,
                                  "status": st, "evaluated_at": "x"})
    st = status.contract_status(db, "acme", "2026-11-11")
    # The earliest review not held comes first: nothing was recorded for January to August.
    assert (st["next_review"]["period"], st["next_review"]["state"]) == ("2026-01", "overdue")
    assert st["reviews_overdue"] == [f"2026-{m:02d}" for m in (1, 2, 3, 4, 5, 6, 7, 8, 10)]
    assert st["unsigned_reviews"] == ["2026-09"]
    # The audit's non-conformity opened an action due 30 days later (4 November): overdue too.
    assert [(x["title"][:16], x["due"], x["overdue"]) for x in st["open_actions"]] == [
        ("Fix the IVR menu", "2026-10-31", True), ("Audit #1 quality", "2026-11-04", True)]
    overdue = [(o["obligation_id"], o["due"]) for o in st["overdue_obligations"]]
    assert ("forecast", "2026-10-27") in overdue and ("info-pack", "2026-10-15") in overdue
    assert ("access-review", "2026-10-15") not in overdue and ("access-review", "2026-07-15") in overdue
    assert (st["last_audit"]["id"], st["last_audit"]["overall_pct"]) == (a["id"], 50.0)
    assert [(b["period"], b["status"]) for b in st["open_breaches"]] == [("2026-10", "open")]
    # November is only month to date on the 11th: the last *closed* period is October.
    assert st["last_evaluated"]["period"] == "2026-10" and st["last_evaluated"]["counts"] == {"breached": 1}
    assert status.contract_status(db, "acme", "2026-10-20")["last_evaluated"]["period"] == "2026-09"
    # Before the audit there is no last audit.
    assert status.contract_status(db, "acme", "2026-10-04")["last_audit"] is None
