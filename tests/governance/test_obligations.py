"""Obligations and data-handling duties: occurrences, due dates, states and evidence."""

from __future__ import annotations

import pytest

from ccc_governance.errors import CccError, NotFoundError
from ccc_governance.governance import evidence, obligations


def _occ(db, obligation_id, due, as_of):
    rows = [r for r in obligations.schedule(db, "acme", as_of) if r["obligation_id"] == obligation_id and r["due"] == due]
    assert len(rows) == 1, [(r["obligation_id"], r["due"]) for r in obligations.schedule(db, "acme", as_of)]
    return rows[0]


@pytest.mark.parametrize(
    "as_of, state",
    [("2026-10-19", "upcoming"), ("2026-10-20", "due"), ("2026-10-27", "due"), ("2026-10-28", "overdue")],
)
def test_missing_forecast_for_november_is_overdue_after_27_october(gdb, as_of, state):
    # due = "-5d": five days before November starts.
    row = _occ(gdb, "forecast", "2026-10-27", as_of)
    assert (row["period"], row["kind"], row["state"]) == ("2026-11", "obligation", state)


@pytest.mark.parametrize("as_of, state", [("2026-10-15", "due"), ("2026-10-16", "overdue")])
def test_expired_access_review_is_overdue_from_16_october(gdb, as_of, state):
    # quarterly, due "14d": the 15th day of each quarter.
    row = _occ(gdb, "access-review", "2026-10-15", as_of)
    assert (row["period"], row["kind"], row["state"]) == ("2026-Q4", "duty", state)


def test_schedule_starts_with_the_contract_and_adds_the_next_occurrence(gdb):
    rows = obligations.schedule(gdb, "acme", "2026-02-10")
    forecast = [r["due"] for r in rows if r["obligation_id"] == "forecast"]
    # January's forecast would be due 27 Dec 2025, before the contract: not owed.
    assert forecast == ["2026-01-27", "2026-02-24"]
    assert [r["due"] for r in rows if r["obligation_id"] == "dpia"] == ["2026-12-31"]  # default: last day
    assert [r["due"] for r in rows if r["obligation_id"] == "info-pack"] == ["2026-01-15", "2026-02-15"]
    assert [r["state"] for r in rows if r["obligation_id"] == "info-pack"] == ["overdue", "due"]


def test_evidence_meets_an_occurrence_and_survives_the_file(gdb, tmp_path):
    proof = tmp_path / "access-review-q4.xlsx"
    proof.write_bytes(b"who can read what")
    ev = evidence.add_evidence(gdb, "acme", "access-review", on="2026-10-20", file_path=proof, occurrence="2026-10-15")
    assert (ev["occurrence"], ev["file_name"], ev["file_size"]) == ("2026-10-15", "access-review-q4.xlsx", 17)
    proof.rename(tmp_path / "moved.xlsx")
    (tmp_path / "moved.xlsx").unlink()
    # Met only from the evidence date on: on 19 October it was still overdue.
    assert _occ(gdb, "access-review", "2026-10-15", "2026-10-19")["state"] == "overdue"
    met = _occ(gdb, "access-review", "2026-10-15", "2026-10-20")
    assert (met["state"], met["met_on"], met["late_days"], met["evidence"]) == ("met", "2026-10-20", 5, [ev["id"]])
    out = evidence.save_file(gdb, ev["id"], tmp_path)
    assert out.name == "access-review-q4.xlsx" and out.read_bytes() == b"who can read what"


def test_default_occurrence_is_earliest_unmet_due_on_or_before_else_next(gdb):
    first = evidence.add_evidence(gdb, "acme", "forecast", on="2026-02-20", note="sent by mail")
    assert first["occurrence"] == "2026-01-27"  # the earliest unmet one due by 20 Feb
    second = evidence.add_evidence(gdb, "acme", "forecast", on="2026-02-21", note="sent early")
    assert second["occurrence"] == "2026-02-24"  # nothing unmet before: the next one
    rows = [r for r in obligations.schedule(gdb, "acme", "2026-02-25") if r["obligation_id"] == "forecast"]
    assert [(r["due"], r["state"]) for r in rows] == [("2026-01-27", "met"), ("2026-02-24", "met"), ("2026-03-27", "upcoming")]


def test_evidence_errors(gdb, tmp_path):
    with pytest.raises(NotFoundError, match=r"contract acme has no obligation or duty 'fcast' \(known: forecast, info-pack, access-review, dpia\)"):
        evidence.add_evidence(gdb, "acme", "fcast", on="2026-10-01", note="x")
    with pytest.raises(NotFoundError, match="unknown contract"):
        evidence.add_evidence(gdb, "zzz", "forecast", on="2026-10-01", note="x")
    with pytest.raises(CccError, match="needs a file"):
        evidence.add_evidence(gdb, "acme", "forecast", on="2026-10-01")
    with pytest.raises(NotFoundError, match="no occurrence due on 2026-10-26"):
        evidence.add_evidence(gdb, "acme", "forecast", on="2026-10-01", note="x", occurrence="2026-10-26")
    with pytest.raises(CccError, match="does not exist"):
        evidence.add_evidence(gdb, "acme", "forecast", on="2026-10-01", file_path=tmp_path / "nope.pdf")
    with pytest.raises(CccError, match="--date '1/10/2026' is not a date"):
        evidence.add_evidence(gdb, "acme", "forecast", on="1/10/2026", note="x")
    assert gdb.execute("SELECT count(*) FROM evidence").fetchone()[0] == 0
    note_only = evidence.add_evidence(gdb, "acme", "forecast", on="2026-10-01", note="x")
    with pytest.raises(NotFoundError, match="is a note"):
        evidence.save_file(gdb, note_only["id"], tmp_path)
