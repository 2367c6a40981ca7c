"""The survey-csv reader on hand-written survey exports."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from ccc_governance.errors import SourceError
from ccc_governance.records import Rejected, SurveyResponse
from ccc_governance.sources import ReadContext
from ccc_survey_csv.reader import read_surveys

UTC = timezone.utc


def read(path, **options):
    return list(read_surveys(ReadContext(path=path, options=options)))


def write(tmp_path, text, name="survey.csv", *, bom=False):
    path = tmp_path / name
    path.write_bytes((("\ufeff" if bom else "") + text).encode("utf-8"))
    return path


def test_tidy_export(tmp_path):
    text = (
        "response_id,responded_at,contact_id,channel,queue,agent,csat,csat_scale,nps,resolved,comment,customer\n"
        "S1,2026-10-03T10:00:00Z,1790805600.6181,Phone,acme-billing,ag-07,4,5,9,yes,\"Fine, thanks\",ACC-1\n"
        "S2,2026-10-04T10:00:00+02:00,,chat,Acme Support,,8,10,,false,,\n"
    )
    s1, s2 = read(write(tmp_path, text))
    assert isinstance(s1, SurveyResponse) and s1.line == 2
    assert (s1.source_id, s1.responded_at, s1.contact_id, s1.channel, s1.queue, s1.agent) == (
        "S1", datetime(2026, 10, 3, 10, tzinfo=UTC), "1790805600.6181", "voice", "acme-billing", "ag-07")
    assert (s1.csat, s1.csat_scale, s1.nps, s1.resolved, s1.comment, s1.customer) == (
        4.0, 5, 9, True, "Fine, thanks", "ACC-1")
    assert (s2.responded_at, s2.csat, s2.csat_scale, s2.nps, s2.resolved, s2.contact_id) == (
        datetime(2026, 10, 4, 8, tzinfo=UTC), 8.0, 10, None, False, None)


def test_aliases_semicolons_bom_decimal_comma_and_default_scale(tmp_path):
    text = "Survey ID;Date;Call ID;Satisfaction;FCR;Verbatim\nA;2026-10-05 09:00;c-1;4,5;Oui;\nB;2026-10-05 09:30;c-2;;non;bof\n"
    a, b = read(write(tmp_path, text, bom=True), timezone="Europe/Paris", csat_scale="7")
    assert (a.source_id, a.responded_at, a.contact_id, a.csat, a.csat_scale, a.resolved) == (
        "A", datetime(2026, 10, 5, 7, tzinfo=UTC), "c-1", 4.5, 7, True)
    assert (b.csat, b.resolved, b.comment) == (None, False, "bof")


def test_bad_rows_are_quarantined_with_line_and_column(tmp_path):
    text = (
        "response_id,responded_at,csat,nps,resolved\n"
        "R1,2026-10-05T09:00:00Z,6,,\n"
        "R2,2026-10-05T09:00:00Z,,11,\n"
        "R3,2026-10-05T09:00:00Z,,,\n"
        "R4,yesterday,4,,\n"
        "R5,2026-10-05T09:00:00Z,good,,\n"
        "R6,2026-10-05T09:00:00Z,5,10,y\n"
    )
    records = read(write(tmp_path, text))
    rejected = [r for r in records if isinstance(r, Rejected)]
    assert [(r.line, r.source_id) for r in rejected] == [(2, "R1"), (3, "R2"), (4, "R3"), (5, "R4"), (6, "R5")]
    assert rejected[0].reason == "response R1: csat 6 is outside the scale 0–5"
    assert rejected[1].reason == "response R2: nps 11 is outside 0–10"
    assert rejected[2].reason == "response R3: no answer: csat, nps and resolved are all empty"
    assert rejected[3].reason.startswith("response R4: responded_at 'yesterday': is not a date-time")
    assert rejected[4].reason == "response R5: csat 'good': is not a number"
    (ok,) = [r for r in records if isinstance(r, SurveyResponse)]
    assert (ok.source_id, ok.csat, ok.nps, ok.resolved) == ("R6", 5.0, 10, True)


def test_file_level_problems(tmp_path):
    with pytest.raises(SourceError) as err:
        read(write(tmp_path, "response_id,csat\nR1,4\n"))
    assert str(err.value).startswith(f"{tmp_path / 'survey.csv'}:1: missing required column responded_at")
    with pytest.raises(SourceError, match="no csat, nps or resolved column"):
        read(write(tmp_path, "response_id,responded_at,comment\nR1,2026-10-05T09:00:00Z,hi\n", "x.csv"))
    with pytest.raises(SourceError, match="option csat_scale='five'"):
        read(write(tmp_path, "response_id,responded_at,csat\n", "y.csv"), csat_scale="five")
