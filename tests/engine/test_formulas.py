"""Every service-level variant, ASA, abandon rate and AHT on hand-computed contacts."""

from ccc_governance.engine.evaluate import evaluate




def kpi(id, metric, target, breach, **params):
    extra = "\n".join(f"{k} = {v!r}" if isinstance(v, str) else f"{k} = {v}" for k, v in params.items())
    extra = extra.replace("'", '"')
    return f"""
[[kpi]]
id = "{id}"
metric = "{metric}"
target = {target}
breach = {breach}
{extra}
"""


# Ten contacts on 2026-10-05 (Paris): waits chosen around T=20 and S=5.
CONTACTS = [
    ("answered", 0.0, 100, 10, 20),
    ("answered", 19.999, 200, 0, 30),
    ("answered", 20.0, 300, 20, 0),
    ("answered", 20.001, 400, 0, 0),
    ("answered", 45.0, 500, 0, 10),
    ("abandoned", 0.0, None, None, None),  # short
    ("abandoned", 4.999, None, None, None),  # short
    ("abandoned", 5.0, None, None, None),  # not short (S = 5 exactly), within T
    ("abandoned", 30.0, None, None, None),  # after T
    ("timeout", 300.0, None, None, None),  # not offered
    ("not_queued", None, None, None, None),  # not offered
    ("exit_key", 45.0, None, None, None),  # not offered
]


def load(store):
    rows = []
    for i, (outcome, wait, talk, hold, wrap) in enumerate(CONTACTS):
        rows.append({"at": f"2026-10-05T08:{i:02d}:00Z", "outcome": outcome, "wait_s": wait, "talk_s": talk,
                     "hold_s": hold, "wrap_s": wrap})
    store.contacts(rows)


def by_kpi(results):
    return {r["kpi_id"]: r for r in results}


def test_service_level_variants_asa_abandon_aht(store, ccc_db):
    kpis = (
        kpi("sl-default", "service_level", 0.8, 0.7, answer_within_s=20, short_abandon_s=5, variant="default")
        + kpi("sl-offered", "service_level", 0.8, 0.7, answer_within_s=20, short_abandon_s=5, variant="offered")
        + kpi("sl-answered", "service_level", 0.8, 0.7, answer_within_s=20, short_abandon_s=5, variant="answered")
        + kpi("sl-ain", "service_level", 0.8, 0.7, answer_within_s=20, short_abandon_s=5, variant="abandons_in_sl")
        + kpi("asa", "asa", 20, 25)
        + kpi("abandon", "abandon_rate", 0.05, 0.1, short_abandon_s=5)
        + kpi("aht", "aht", 400, 450)
    )
    store.simple_contract(kpis=kpis)
    load(store)
    r = by_kpi(evaluate(ccc_db, period="2026-10", as_of="2026-11-15"))
    # answered 5 (within T: 0, 19.999, 20 → 3), abandoned 4 (short 2, within T: 0, 4.999, 5 → 3)
    assert (r["sl-default"]["numerator"], r["sl-default"]["denominator"]) == (3, 7)  # 5 + (4 - 2)
    assert (r["sl-offered"]["numerator"], r["sl-offered"]["denominator"]) == (3, 9)
    assert (r["sl-answered"]["numerator"], r["sl-answered"]["denominator"]) == (3, 5)
    assert (r["sl-ain"]["numerator"], r["sl-ain"]["denominator"]) == (6, 9)
    assert r["sl-default"]["details"]["unresolved"] == 2
    assert r["sl-default"]["details"]["not_queued"] == 1
    assert r["sl-default"]["volume"] == 9
    # ASA = (0 + 19.999 + 20 + 20.001 + 45) / 5 = 21.0
    assert abs(r["asa"]["actual"] - 21.0) < 1e-9
    assert r["asa"]["status"] == "at_risk"  # lower is better: 20 < 21 ≤ 25
    # abandon rate = 2 after S ÷ (5 + 2) = 2/7
    assert (r["abandon"]["numerator"], r["abandon"]["denominator"]) == (2, 7)
    assert r["abandon"]["status"] == "breached"  # 0.2857 > 0.1
    # AHT = (130 + 230 + 320 + 400 + 510) / 5 = 318
    assert abs(r["aht"]["actual"] - 318.0) < 1e-9
    assert r["aht"]["status"] == "met"
    assert r["sl-default"]["status"] == "at_risk" or r["sl-default"]["status"] == "breached"
    assert r["sl-default"]["status"] == "breached"  # 3/7 = 0.43 < 0.7
