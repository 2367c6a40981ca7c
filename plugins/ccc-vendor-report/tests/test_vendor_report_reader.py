"""The vendor-report reader: each kind alone, a mixed file, and malformed rows."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from ccc_governance.errors import SourceError
from ccc_governance.records import (IntervalAggregate, QualityEvaluation, Rejected, ReportedFigure,
                                    WorkforceFigure)
from ccc_governance.sources import ReadContext
from ccc_vendor_report.reader import read_vendor_report

UTC = timezone.utc


def read(path, **options):
    return list(read_vendor_report(ReadContext(path=path, options=options)))


def write(tmp_path, text, name="report.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reported_figures_with_month_range_and_percent(tmp_path):
    text = (
        "metric,period,value,queue,channel,numerator,denominator,timezone\n"
        "service_level,2026-10,0.86,acme-billing,voice,1560,1814,Europe/Paris\n"
        "abandon_rate,2026-10-01/2026-10-15,4.5%,acme-billing,,,,Europe/Paris\n"
    )
    sl, ab = read(write(tmp_path, text))
    assert isinstance(sl, ReportedFigure)
    # October in Paris: 30 Sep 22:00 UTC (summer time) to 31 Oct 23:00 UTC (winter time).
    assert (sl.period_start, sl.period_end) == (datetime(2026, 9, 30, 22, tzinfo=UTC),
                                                datetime(2026, 10, 31, 23, tzinfo=UTC))
    assert (sl.metric, sl.value, sl.queue, sl.channel, sl.numerator, sl.denominator) == (
        "service_level", 0.86, "acme-billing", "voice", 1560.0, 1814.0)
    assert sl.source_id == "reported|service_level|acme-billing|voice|2026-10"
    assert ab.value == pytest.approx(0.045)
    assert (ab.period_start, ab.period_end) == (datetime(2026, 9, 30, 22, tzinfo=UTC),
                                                datetime(2026, 10, 15, 22, tzinfo=UTC))
    assert ab.source_id == "reported|abandon_rate|acme-billing|*|2026-10-01..2026-10-15"


def test_interval_rows_and_daily_forecasts_on_a_clock_change_day(tmp_path):
    text = (
        "interval_start;minutes;queue;offered;answered;answered_within;answer_threshold_s;abandoned;wait_sum_s;forecast\n"
        "2026-10-05T08:00:00+02:00;30;acme-billing;40;37;31;20;3;402,5;42\n"
        "2026-10-25;;acme-billing;;;;;;;310\n"
        "2026-10-26;;acme-billing;;;;;;;296\n"
    )
    a, b, c = read(write(tmp_path, text), timezone="Europe/Paris")
    assert isinstance(a, IntervalAggregate)
    assert (a.interval_start, a.interval_minutes, a.channel, a.direction) == (
        datetime(2026, 10, 5, 6, tzinfo=UTC), 30, None, "inbound")
    assert (a.offered, a.answered, a.answered_within, a.answer_threshold_s, a.abandoned, a.wait_sum_s,
            a.forecast_offered) == (40, 37, 31, 20.0, 3, 402.5, 42.0)
    assert a.source_id == "interval|acme-billing|*|inbound|2026-10-05T06:00Z|30"
    assert read(write(tmp_path, text), timezone="Europe/Paris", channel="voice")[0].channel == "voice"
    # 25 October 2026 has 25 hours in Paris; the day after has 24.
    assert (b.interval_start, b.interval_minutes, b.forecast_offered, b.offered) == (
        datetime(2026, 10, 24, 22, tzinfo=UTC), 1500, 310.0, None)
    assert (c.interval_start, c.interval_minutes) == (datetime(2026, 10, 25, 23, tzinfo=UTC), 1440)


def test_workforce_and_quality_files(tmp_path):
    wf = write(tmp_path, "day,queue,scheduled_minutes,adherent_minutes,headcount,leavers,engagement_score,"
                         "engagement_scale\n2026-10-01,acme-billing,4800,4416,12,1,3.9,5\n", "workforce.csv")
    (w,) = read(wf, timezone="Europe/Paris")
    assert isinstance(w, WorkforceFigure)
    assert (w.day, w.days, w.queue, w.scheduled_minutes, w.adherent_minutes, w.headcount, w.leavers,
            w.engagement_score, w.engagement_scale) == (
        datetime(2026, 9, 30, 22, tzinfo=UTC), 1, "acme-billing", 4800.0, 4416.0, 12.0, 1, 3.9, 5.0)
    qa = write(tmp_path, "evaluation_id,evaluated_at,score,max_score,form,evaluator,agent,contact_id\n"
                         "QA-1,2026-10-06T14:00:00Z,87,100,voice-v3,tl-02,ag-07,1790805600.6181\n"
                         "QA-2,2026-10-06T15:00:00Z,41,40,,,,\n", "quality.csv")
    q1, q2 = read(qa)
    assert isinstance(q1, QualityEvaluation)
    assert (q1.source_id, q1.evaluated_at, q1.score, q1.max_score, q1.form, q1.evaluator, q1.agent,
            q1.contact_id) == ("QA-1", datetime(2026, 10, 6, 14, tzinfo=UTC), 87.0, 100.0, "voice-v3", "tl-02",
                               "ag-07", "1790805600.6181")
    assert isinstance(q2, Rejected) and q2.line == 3 and q2.reason == "quality row: score 41 is outside 0–40"


def test_mixed_file_with_kind_column_and_bad_rows(tmp_path):
    text = (
        "kind,metric,period,value,queue,day,scheduled_minutes,adherent_minutes,evaluation_id,evaluated_at,score,timezone\n"
        "reported,asa,2026-10,14.2,acme-billing,,,,,,,Europe/Paris\n"
        "workforce,,,,acme-billing,2026-10-02,480,500,,,,Europe/Paris\n"
        "quality,,,,,,,,QA-9,2026-10-02 10:00,90,Europe/Paris\n"
        "banana,,,,,,,,,,,\n"
        "reported,asa,October,14,,,,,,,,Europe/Paris\n"
        "reported,asa,2026-10,14,,,,,,,,\n"
    )
    records = read(write(tmp_path, text))
    assert [type(r).__name__ for r in records] == ["ReportedFigure", "Rejected", "QualityEvaluation", "Rejected",
                                                   "Rejected", "Rejected"]
    assert records[1].reason == "workforce row: adherent_minutes 500 is more than scheduled_minutes 480"
    assert records[2].evaluated_at == datetime(2026, 10, 2, 8, tzinfo=UTC)
    assert records[3].reason == "row: kind 'banana' is not reported, interval, workforce or quality"
    assert records[4].line == 6 and "period 'October' is not understood" in records[4].reason
    assert records[5].reason == ("reported row: the period is a local date: add a timezone column or pass "
                                 "--option timezone=Europe/Paris")


def test_file_level_problems(tmp_path):
    with pytest.raises(SourceError, match="cannot tell which kind of rows this is"):
        read(write(tmp_path, "queue,offered\nq,1\n"))
    with pytest.raises(SourceError, match="option kind='sales'"):
        read(write(tmp_path, "queue,offered\nq,1\n"), kind="sales")
    # --option kind reads a file whose columns do not say it.
    (r,) = read(write(tmp_path, "kpi,month,actual\nasa,2026-10,15\n", "x.csv"), kind="reported",
                timezone="Europe/Paris")
    assert (r.metric, r.value) == ("asa", 15.0)

