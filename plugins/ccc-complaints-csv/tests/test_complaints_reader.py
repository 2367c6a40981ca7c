"""The complaints-csv reader on hand-written logs, tidy and messy."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ccc_governance.errors import SourceError
from ccc_governance.records import Complaint, Rejected
from ccc_governance.sources import ReadContext
from ccc_complaints_csv.reader import read_complaints

UTC = timezone.utc
PARIS_SUMMER = timezone(timedelta(hours=2))


def read(path, **options):
    return list(read_complaints(ReadContext(path=path, options=options)))


def write(tmp_path, text, name="complaints.csv", *, bom=False, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes((("\ufeff" if bom else "") + text).encode(encoding))
    return path


TIDY = """complaint_id,received_at,acknowledged_at,escalated_at,resolved_at,updates,category,channel,queue,upheld,escalation_required,customer
C-001,2026-10-02T09:15:00+02:00,2026-10-02T11:00:00+02:00,,2026-10-06T16:00:00+02:00,2026-10-04T10:00:00+02:00,billing,phone,acme-billing,yes,no,ACC-1001
C-002,2026-10-05T08:00:00Z,2026-10-07T08:00:00Z,2026-10-08T08:00:00Z,,"2026-10-09T08:00:00Z;2026-10-06T08:00:00Z",service,E-mail,billing-email,,,ACC-1002
"""


def test_tidy_log(tmp_path):
    c1, c2 = read(write(tmp_path, TIDY))
    assert isinstance(c1, Complaint)
    assert c1.source_id == "C-001" and c1.line == 2
    assert c1.received_at == datetime(2026, 10, 2, 7, 15, tzinfo=UTC)
    assert c1.acknowledged_at == datetime(2026, 10, 2, 9, tzinfo=UTC)
    assert c1.escalated_at is None
    assert c1.resolved_at == datetime(2026, 10, 6, 14, tzinfo=UTC)
    assert c1.updates == [datetime(2026, 10, 4, 8, tzinfo=UTC)]
    assert (c1.category, c1.channel, c1.queue, c1.upheld, c1.escalation_required, c1.customer) == (
        "billing", "voice", "acme-billing", True, False, "ACC-1001")
    # Updates are sorted; an escalated complaint with a blank flag did require escalation.
    assert c2.updates == [datetime(2026, 10, 6, 8, tzinfo=UTC), datetime(2026, 10, 9, 8, tzinfo=UTC)]
    assert (c2.channel, c2.upheld, c2.escalation_required, c2.line) == ("email", None, True, 3)


def test_messy_headers_semicolons_bom_french_booleans_and_local_times(tmp_path):
    text = (
        "Complaint No;Date Received;Date Acknowledged;Date Resolved;Justified;Escalation needed;Team;Notes\n"
        "R-7;2026-10-25 02:30;2026-10-25 09:00;2026-11-05;oui;NON;acme-billing;x\n"
        "R-8;2026-10-10 10:00:00;;;Non;;acme-billing;\n"
    )
    path = write(tmp_path, text, bom=True)
    with_tz = read(path, timezone="Europe/Paris")
    r7, r8 = with_tz
    # 02:30 on 25 October happens twice in Paris: the first (summer-time) occurrence is taken.
    assert r7.source_id == "R-7" and r7.received_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert r7.acknowledged_at == datetime(2026, 10, 25, 8, tzinfo=UTC)
    assert (r7.upheld, r7.escalation_required, r7.queue) == (True, False, "acme-billing")
    # A date alone is local midnight (winter time by then).
    assert r7.resolved_at == datetime(2026, 11, 4, 23, tzinfo=UTC)
    assert r8.received_at == datetime(2026, 10, 10, 10, tzinfo=PARIS_SUMMER)


def test_non_iso_date_is_rejected_with_its_column_and_line(tmp_path):
    text = "id;received;resolved\nA;2026-10-05T10:00:00Z;05/11/2026\nB;2026-10-05T10:00:00Z;\n"
    bad, good = read(write(tmp_path, text))
    assert isinstance(bad, Rejected) and bad.line == 2 and bad.source_id == "A"
    assert bad.reason.startswith("complaint A: resolved '05/11/2026': is not a date-time")
    assert good.source_id == "B"
    # With a format, the same file reads (a naive time needs the time zone too).
    fmt = text.replace("2026-10-05T10:00:00Z", "05/10/2026 10:00").replace("05/11/2026", "05/11/2026 00:00")
    a, b = read(write(tmp_path, fmt, "fmt.csv"),
                datetime_format="%d/%m/%Y %H:%M", timezone="Europe/Paris")
    assert a.resolved_at == datetime(2026, 11, 4, 23, tzinfo=UTC)  # midnight in Paris, winter time
    assert b.received_at == datetime(2026, 10, 5, 8, tzinfo=UTC)


def test_naive_times_without_a_time_zone_are_refused_row_by_row(tmp_path):
    text = "complaint_id,received_at\nX1,2026-10-05 10:00\nX2,2026-10-05T10:00:00+01:00\n"
    x1, x2 = read(write(tmp_path, text))
    assert isinstance(x1, Rejected)
    assert x1.reason == ("complaint X1: received_at '2026-10-05 10:00': has no UTC offset: write one "
                         "(2026-10-05T09:30:00+02:00) or pass --option timezone=Europe/Paris")
    assert x2.received_at == datetime(2026, 10, 5, 9, tzinfo=UTC)


def test_row_problems_quarantine_only_that_row(tmp_path):
    text = (
        "complaint_id,received_at,acknowledged_at,upheld\n"
        "K1,2026-10-05T10:00:00Z,2026-10-05T09:00:00Z,yes\n"  # acknowledged before received
        "K2,2026-10-05T10:00:00Z,,maybe\n"
        ",2026-10-05T10:00:00Z,,\n"
        "K4,2026-10-05T10:00:00Z\n"
        "\n"
        "K5,2026-03-29T02:30:00,,\n"  # does not exist in Paris
        "K6,2026-10-05T10:00:00Z,,no\n"
    )
    records = read(write(tmp_path, text), timezone="Europe/Paris")
    rejected = [r for r in records if isinstance(r, Rejected)]
    assert [r.line for r in rejected] == [2, 3, 4, 5, 7]
    assert rejected[0].reason == ("complaint K1: acknowledged_at 2026-10-05T09:00:00+00:00 is before "
                                  "received_at 2026-10-05T10:00:00+00:00")
    assert rejected[1].reason == "complaint K2: upheld 'maybe': is not yes/no (or true/false, oui/non, 1/0)"
    assert rejected[2].reason == "complaint_id is empty"
    assert rejected[3].reason == "has 2 fields, the header has 4"
    assert "does not exist in Europe/Paris" in rejected[4].reason
    assert [r.source_id for r in records if isinstance(r, Complaint)] == ["K6"]


def test_file_level_problems_raise_source_errors(tmp_path):
    with pytest.raises(SourceError) as err:
        read(write(tmp_path, "complaint_id,category\nA,billing\n"))
    assert str(err.value) == (f"{tmp_path / 'complaints.csv'}:1: missing required column received_at "
                              "(also accepted: received_at: received, date_received, received_on, "
                              "date_received_at, opened_at, logged_at, created_at, date_opened)")
    with pytest.raises(SourceError, match="the file is empty"):
        read(write(tmp_path, "\n\n", "empty.csv"))
    with pytest.raises(SourceError, match="columns 'id' and 'Reference' both mean complaint_id"):
        read(write(tmp_path, "id,Reference,received_at\n", "dup.csv"))
    with pytest.raises(SourceError, match="option timezone='Mars/Olympus'"):
        read(write(tmp_path, TIDY, "ok.csv"), timezone="Mars/Olympus")
    with pytest.raises(SourceError, match="not utf-8-sig text"):
        read(write(tmp_path, "complaint_id,received_at\nÉ1,2026-10-05T10:00:00Z\n", "latin.csv", encoding="cp1252"))
    (c,) = read(write(tmp_path, "complaint_id,received_at\nÉ1,2026-10-05T10:00:00Z\n", "latin2.csv",
                      encoding="cp1252"), encoding="cp1252")
    assert c.source_id == "É1"


def test_delimiter_option_and_sniffing(tmp_path):
    text = "complaint_id\treceived_at\tcategory\nT1\t2026-10-05T10:00:00Z\tdelay, then rude\n"
    (t1,) = read(write(tmp_path, text))
    assert (t1.source_id, t1.category) == ("T1", "delay, then rude")
    (t1,) = read(write(tmp_path, text), delimiter="tab")
    assert t1.category == "delay, then rude"
    with pytest.raises(SourceError, match="option delimiter=':'"):
        read(write(tmp_path, text), delimiter=":")
