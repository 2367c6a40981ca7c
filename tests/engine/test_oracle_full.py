"""Every KPI of the sample month's oracle (`expected_kpis.json`), per queue and overall, for every period
it lists: the three platform files imported through the real plugins, evaluated by the engine.

The oracle's rules: months cut in Europe/Paris, T = 20 s, S = 5 s, quarantined records left out. This test
is data-driven: point SAMPLES at another month from the same simulator and it checks that month.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from ccc_governance.engine.evaluate import evaluate
from ccc_governance.plugins import get_plugin_manager, get_sources
from ccc_governance.store.imports import import_file

SAMPLES = Path(__file__).resolve().parents[2] / "examples" / "october-2026"
FILES = {"asterisk-queue-log": "queue_log", "amazon-connect": "ctr.jsonl", "genesys-cloud": "genesys.json"}

KPIS = """
[[kpi]]
id = "sl-default"
metric = "service_level"
answer_within_s = {T}
short_abandon_s = {S}
target = 0.8
breach = 0.7
[[kpi]]
id = "sl-offered"
metric = "service_level"
variant = "offered"
answer_within_s = {T}
target = 0.8
breach = 0.7
[[kpi]]
id = "sl-answered"
metric = "service_level"
variant = "answered"
answer_within_s = {T}
target = 0.8
breach = 0.7
[[kpi]]
id = "abandon"
metric = "abandon_rate"
short_abandon_s = {S}
target = 0.05
breach = 0.1
[[kpi]]
id = "asa"
metric = "asa"
target = 20
breach = 30
[[kpi]]
id = "aht"
metric = "aht"
target = 300
breach = 400
[[kpi]]
id = "fcr"
metric = "fcr"
target = 0.8
breach = 0.7
[[kpi]]
id = "csat"
metric = "csat"
satisfied_min = 4
target = 0.8
breach = 0.7
[[kpi]]
id = "csat-mean"
metric = "csat_mean"
target = 4
breach = 3.5
"""


def contract_toml(cid: str, queue: str, params: dict) -> str:
    return f"""schema = "ccc-contract/1"
[contract]
id = "{cid}"
title = "oracle {queue}"
client = "c"
ccc = "v"
effective_from = 2026-01-01
timezone = "{params['tz']}"
[scope]
queues = ["{queue}"]
channels = ["voice", "email", "chat", "social", "sms", "video"]
""" + KPIS.format(T=int(params["T"]), S=int(params["S"]))


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    from ccc_governance.contracts import registry
    from ccc_governance.store.db import open_db
    from ccc_governance.workspace import init_workspace, load_workspace

    oracle = json.loads((SAMPLES / "expected_kpis.json").read_text())
    folder = tmp_path_factory.mktemp("oracle")
    init_workspace(folder / "ws", key="00" * 32)
    ws = load_workspace(folder / "ws")
    db = open_db(ws.db_path)
    queues = sorted({q for period in oracle["periods"].values() for q in period["queues"]})
    ids = {q: f"q{i}" for i, q in enumerate(queues)} | {"*": "overall"}
    for queue, cid in ids.items():
        path = folder / f"{cid}.toml"
        path.write_text(contract_toml(cid, queue, oracle["params"]), encoding="utf-8")
        registry.register(db, path)
    pm = get_plugin_manager(ws)
    assert set(FILES) <= set(get_sources(pm)), "the platform plugins are not installed"
    for source, name in FILES.items():
        import_file(db, ws, pm, source, SAMPLES / name)
    results = {}
    for period in oracle["periods"]:
        for r in evaluate(db, period=period, as_of="2027-06-30", persist=False):
            results[(r["contract"], period, r["kpi"])] = r
    yield oracle, ids, results
    db.conn.close()


def _cases():
    oracle = json.loads((SAMPLES / "expected_kpis.json").read_text())
    for period, data in oracle["periods"].items():
        for queue in [*data["queues"], "*"]:
            yield pytest.param(period, queue, id=f"{period}-{queue[:12]}")


def _check(result, numerator, denominator):
    """The engine's figure equals the oracle's fraction (0/0: no data)."""
    if not denominator:
        assert not result["denominator"] and result["actual"] is None, result
        return
    assert result["denominator"] == pytest.approx(denominator, abs=1e-6)
    assert result["numerator"] == pytest.approx(numerator, abs=1e-6)
    assert result["actual"] == pytest.approx(float(Fraction(str(numerator)) / Fraction(str(denominator))), rel=1e-12)


@pytest.mark.parametrize("period,queue", list(_cases()))
def test_every_kpi_matches_the_oracle(evaluated, period, queue):
    oracle, ids, results = evaluated
    exp = oracle["periods"][period]["overall" if queue == "*" else "queues"]
    exp = exp if queue == "*" else exp[queue]
    got = {kpi: results[(ids[queue], period, kpi)] for kpi in
           ("sl-default", "sl-offered", "sl-answered", "abandon", "asa", "aht", "fcr", "csat", "csat-mean")}
    for variant in ("default", "offered", "answered"):
        sl = exp["service_level"][variant]
        _check(got[f"sl-{variant}"], sl["numerator"], sl["denominator"])
    _check(got["abandon"], exp["abandon_rate"]["numerator"], exp["abandon_rate"]["denominator"])
    answered = exp["answered"]
    _check(got["asa"], round(exp["asa_s"] * answered, 3) if answered else 0, answered)
    _check(got["aht"], round(exp["aht_s"] * answered, 3) if answered else 0, answered)
    _check(got["fcr"], exp["fcr_rate"]["numerator"], exp["fcr_rate"]["denominator"])
    _check(got["csat"], exp["csat_top2"]["numerator"], exp["csat_top2"]["denominator"])
    n = exp["csat_responses"]
    _check(got["csat-mean"], round(exp["csat_mean"] * n, 6) if n else 0, n)
    assert got["sl-default"]["details"]["offered"] == exp["offered"]
    assert got["sl-default"]["details"].get("unresolved", 0) == exp["unresolved"]
