"""The review calendar: exact state boundaries, late reviews, sign-off by each party."""

from __future__ import annotations

from datetime import date

import pytest

from ccc_governance.errors import CccError, NotFoundError, PeriodError, StateError
from ccc_governance.governance import reviews


def _row(db, period, as_of, contract="acme"):
    rows = [r for r in reviews.calendar(db, contract, as_of) if r["period"] == period]
    assert len(rows) == 1, rows
    return rows[0]


@pytest.mark.parametrize(
    "as_of, state",
    [
        ("2026-10-31", "upcoming"),  # the period has not ended
        ("2026-11-01", "due"),  # first day after October
        ("2026-11-06", "due"),
        ("2026-11-07", "pre_read_due"),  # hold_by 10 Nov − 3 days
        ("2026-11-10", "pre_read_due"),  # hold_by itself: not yet overdue
        ("2026-11-11", "overdue"),
    ],
)
def test_monthly_review_state_boundaries(gdb, as_of, state):
    row = _row(gdb, "2026-10", as_of)
    assert row["hold_by"] == "2026-11-10"
    assert row["pre_read_on"] == "2026-11-07"
    assert row["state"] == state


def test_calendar_covers_every_period_since_start_and_the_next(gdb):
    rows = reviews.calendar(gdb, "acme", "2026-03-15")
    assert [r["period"] for r in rows] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert [r["state"] for r in rows] == ["overdue", "overdue", "upcoming", "upcoming"]


def test_quarterly_contract_uses_quarters(gdb):
    rows = reviews.calendar(gdb, "beta", date(2026, 10, 16))
    assert [r["period"] for r in rows] == ["2026-Q3", "2026-Q4", "2027-Q1"]
    q3 = rows[0]
    assert (q3["hold_by"], q3["pre_read_on"], q3["state"]) == ("2026-10-15", "2026-10-10", "overdue")


def test_review_held_late_then_signed_off(gdb, tmp_path):
    minutes = tmp_path / "minutes-oct.pdf"
    minutes.write_bytes(b"%PDF minutes of October")
    reviews.record_review(
        gdb, "acme", "2026-10", held_on="2026-11-14", attendees=["Ann (client)", "Bob (CallCo)"],
        decisions=["Add two agents on Mondays"], minutes_path=str(minutes), recorded_on="2026-11-14",
    )
    # Before the meeting day, the calendar still shows it overdue (reproducible as of that day).
    assert _row(gdb, "2026-10", "2026-11-13")["state"] == "overdue"
    held = _row(gdb, "2026-10", "2026-11-14")
    assert (held["state"], held["held_on"], held["late_days"]) == ("held", "2026-11-14", 4)
    assert held["missing_signoffs"] == ["client", "ccc"]

    reviews.sign_off(gdb, "acme", "2026-10", "client", on="2026-11-14", name="Ann")
    reviews.sign_off(gdb, "acme", "2026-10", "ccc", on="2026-11-20")
    assert _row(gdb, "2026-10", "2026-11-19")["state"] == "held"
    assert _row(gdb, "2026-10", "2026-11-19")["missing_signoffs"] == ["ccc"]
    assert _row(gdb, "2026-10", "2026-11-20")["state"] == "signed_off"

    # Minutes are kept by content, so deleting the file loses nothing.
    minutes.unlink()
    stored = reviews.get_review(gdb, "acme", "2026-10")
    assert stored["minutes_name"] == "minutes-oct.pdf"
    blob = gdb.execute("SELECT content FROM blobs WHERE sha256 = ?", [stored["minutes_sha256"]]).fetchone()[0]
    assert bytes(blob) == b"%PDF minutes of October"
    assert stored["decisions"] == ["Add two agents on Mondays"]


def test_review_held_on_time_has_no_lateness(gdb):
    reviews.record_review(gdb, "acme", "2026-10", held_on="2026-11-10")
    row = _row(gdb, "2026-10", "2026-12-01")
    assert (row["state"], row["late_days"]) == ("held", 0)


def test_sign_off_errors(gdb):
    reviews.record_review(gdb, "beta", "2026-Q3", held_on="2026-10-05")
    with pytest.raises(NotFoundError, match=r"party 'ccc' does not sign off reviews of contract beta \(its \[review\] sign_off: client\)"):
        reviews.sign_off(gdb, "beta", "2026-Q3", "ccc", on="2026-10-06")
    with pytest.raises(CccError, match="cannot be signed before it was held"):
        reviews.sign_off(gdb, "beta", "2026-Q3", "client", on="2026-10-04")
    reviews.sign_off(gdb, "beta", "2026-Q3", "client", on="2026-10-06")
    with pytest.raises(StateError, match="already signed"):
        reviews.sign_off(gdb, "beta", "2026-Q3", "client", on="2026-10-07")
    with pytest.raises(NotFoundError, match="no review of 2026-Q4"):
        reviews.sign_off(gdb, "beta", "2026-Q4", "client", on="2027-01-07")


def test_record_review_errors(gdb, tmp_path):
    with pytest.raises(NotFoundError, match="unknown contract 'nope'"):
        reviews.record_review(gdb, "nope", "2026-10", held_on="2026-11-01")
    with pytest.raises(PeriodError, match="is not a month"):
        reviews.record_review(gdb, "acme", "2026-Q3", held_on="2026-10-01")
    with pytest.raises(CccError, match="before the period starts"):
        reviews.record_review(gdb, "acme", "2026-10", held_on="2026-09-30")
    with pytest.raises(CccError, match="does not exist"):
        reviews.record_review(gdb, "acme", "2026-10", held_on="2026-11-02", minutes_path=str(tmp_path / "gone.pdf"))
    # Nothing half-written by the failed attempts.
    assert gdb.execute("SELECT count(*) FROM reviews").fetchone()[0] == 0
    reviews.record_review(gdb, "acme", "2026-10", held_on="2026-11-02")
    with pytest.raises(StateError, match="already recorded"):
        reviews.record_review(gdb, "acme", "2026-10", held_on="2026-11-03")
