"""formatting.py (how every value reads) and charts.py (ticks, the y-axis rule, the CCC's series)."""

from __future__ import annotations

import re

import pytest

from ccc_governance.export import charts
from ccc_governance.export.formatting import (
    engine_note, fmt_day, fmt_duration, fmt_instant, fmt_params, fmt_reported, fmt_term, fmt_tick, fmt_value,
    kpi_name, label, metric_name, nice_ticks,
)


def test_labels_and_names():
    assert [label(s) for s in ("at_risk", "earn_back", "pre_read_due", "insufficient_volume", None)] == [
        "at risk", "earn-back", "pre-read due", "insufficient volume", "–"]
    assert metric_name("service_level") == "Service level" and metric_name("new_metric_x") == "New metric x"
    assert kpi_name({"metric": "asa", "channel": "voice"}) == "Average speed of answer · voice"
    assert fmt_params({"answer_within_s": 20, "variant": "abandons_in_sl"}) == "answer within 20 s, variant abandons in sl"


def test_values_dates_and_durations():
    assert fmt_value(None) == "–" and fmt_value(0.8462, "fraction") == "84.6 %" and fmt_value(1462, "count") == "1,462"
    assert fmt_reported(0.84, 0.8293 - 0.84, "fraction") == "84.0 % (ours -1.1 pts)"
    assert fmt_reported(12.0, 0.0, "seconds") == "12.00 s (same as ours)" and fmt_reported(None, None) == "–"
    assert fmt_day("2026-10-02") == "2 Oct 2026" and fmt_instant("2026-10-02T08:05:00Z") == "2 Oct 2026 08:05 UTC"
    assert fmt_instant("2026-10-07") == "7 Oct 2026" and fmt_day(None) == "–" and fmt_day("soon") == "soon"
    assert fmt_duration("2bd") == "2 business days" and fmt_duration("1h") == "1 hour" and fmt_duration("x") == "x"
    assert fmt_term("on_time_target", 0.95) == "on time target 95.0 %"
    assert fmt_term("acknowledge_within", "24h") == "acknowledge within 24 hours"


def test_engine_notes_read_in_the_kpis_unit_and_peoples_notes_stay():
    assert engine_note("found by evaluation: sl 0.8462 against breach threshold 0.9", "fraction") == \
        "found by evaluation: sl 84.6 % against breach threshold 90.0 %"
    assert engine_note("found by evaluation: asa 13.2 against breach threshold 12.0", "seconds") == \
        "found by evaluation: asa 13.20 s against breach threshold 12.00 s"
    assert engine_note("no longer breached after re-evaluation (at_risk, 0.8293)", "fraction") == \
        "no longer breached after re-evaluation (at risk, 82.9 %)"
    assert engine_note("CCC says 0.85 is fine", "fraction") == "CCC says 0.85 is fine"
    assert engine_note(None) == "–"


@pytest.mark.parametrize("lo, hi", [(0.0, 369.47), (250.0, 371.2), (0.8, 0.9), (0.0, 0.083), (-12.0, 41.0), (5.0, 5.0)])
def test_ticks_are_round_and_cover_the_range(lo, hi):
    ticks, step = nice_ticks(lo, hi)
    assert ticks[0] <= lo + 1e-9 and ticks[-1] >= hi - 1e-9 and 2 <= len(ticks) <= 7
    mantissa = step / 10 ** int(f"{step:e}".split("e")[1])
    assert round(mantissa, 9) in (1, 2, 2.5, 5)


def test_tick_labels_have_no_more_decimals_than_the_step():
    assert fmt_tick(0.85, "fraction", 0.05) == "85 %" and fmt_tick(0.825, "fraction", 0.025) == "82.5 %"
    assert fmt_tick(350.0, "seconds", 50.0) == "350 s" and fmt_tick(12.5, None, 2.5) == "12.5"
    assert fmt_tick(-0.0, "seconds", 1.0) == "0 s"


def test_y_axis_rule():
    # rates far apart: from 0, no break
    ax = charts.axis([0.04, 0.066, 0.05, 0.08], "fraction")
    assert ax["lo"] == 0 and not ax["broken"] and ax["hi"] <= 1.0
    # every value above half the highest: starts below the lowest, marked broken
    ax = charts.axis([0.80, 0.85, 0.829, 0.865], "fraction")
    assert 0 < ax["lo"] <= 0.80 and ax["broken"] and ax["hi"] >= 0.865
    # a rate's axis stops at 100 %
    assert charts.axis([0.9, 1.0, 0.95], "fraction")["hi"] == 1.0
    # a score may go below 0 and is not "broken"
    ax = charts.axis([-20.0, 35.0], "score")
    assert ax["lo"] <= -20 and not ax["broken"]


def _trend(**extra):
    points = [{"period": f"2026-{m:02d}", "actual": a, "reported": r, "target": 0.85, "breach": 0.8, "status": s}
              for m, a, r, s in ((8, 0.844, 0.881, "at_risk"), (9, 0.817, None, "at_risk"), (10, 0.829, 0.865, "at_risk"))]
    return {"kpi_id": "sl-voice", "metric": "service_level", "channel": "voice", "unit": "fraction",
            "target": 0.85, "breach": 0.8, "points": points, **extra}


def test_trend_chart_draws_the_ccc_series_a_marked_break_and_round_ticks():
    svg = charts.trend_svg(_trend())
    assert 'class="reported-line"' in svg and svg.count('class="reported-point"') == 2
    assert "CCC&#x27;s figure" in svg or "CCC's figure" in svg
    assert 'class="axis-break"' in svg and "y-axis starts at 75 %" in svg
    assert "Service level · voice" in svg and 'width="' not in svg.split(">")[0]  # scales to its box
    ticks = re.findall(r'text-anchor="end" fill="#555">([^<]+)</text>', svg)
    assert ticks == ["75 %", "80 %", "85 %", "90 %"]


def test_trend_chart_without_the_ccc_figure_has_no_such_series():
    trend = _trend()
    for p in trend["points"]:
        p["reported"] = None
    svg = charts.trend_svg(trend)
    assert "reported" not in svg and "CCC" not in svg


def test_chart_text_is_escaped():
    svg = charts.trend_svg(_trend(kpi_id="<script>x</script>"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    bars = charts.status_bars_svg([{"contract_id": "a", "title": "<b>A</b>", "statuses": {"met": 2, "breached": 1}}])
    assert "<b>" not in bars and "&lt;b&gt;" in bars and ">breached<" in bars


def test_comparison_bars_start_at_zero_and_name_the_status():
    group = {"metric": "service_level", "unit": "fraction", "entries": [
        {"contract_id": "a", "ccc": "X", "actual": 0.78, "target": 0.8, "breach": 0.75, "status": "at_risk"},
        {"contract_id": "b", "ccc": "Y", "actual": 0.9, "target": 0.8, "breach": 0.75, "status": "met"}]}
    svg = charts.comparison_svg(group)
    assert ">0 %<" in svg and "78.0 % at risk" in svg and "90.0 % met" in svg
    assert svg.count('class="target-tick"') == 2


def test_y_axis_rule_holds_for_any_positive_unit():
    # a satisfaction mean of 3.9–4.3 on a 1–5 scale is all above half its highest: marked broken
    ax = charts.axis([3.9, 4.3, 4.0], "score")
    assert ax["broken"] and 0 < ax["lo"] <= 3.9
    assert charts.axis([1.0, 4.3], "score") == {**charts.axis([1.0, 4.3], "score"), "lo": 0, "broken": False}
