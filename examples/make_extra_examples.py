"""Generate the demo's extra example data for October 2026 (Europe/Paris), deterministically.

    python examples/make_extra_examples.py        # rewrites the files below from seed 2026

- `zendesk/`: tickets, ticket_metrics and satisfaction_ratings API pages for ~300 e-mail tickets of
  group "billing-email" (Acme Energy billing helpdesk);
- `complaints/complaints-2026-10.csv`: ~40 complaints over the demo queues, some acknowledged or
  resolved late, some escalated;
- `surveys/survey-2026-10.csv`: post-call survey answers for answered `acme-billing` calls (the
  Asterisk queue log carries no survey, so the CCC sends this file);
- `vendor-report/`: the CCC's own reported KPIs (slightly flattering versus `october-2026/
  expected_kpis.json`), daily forecasts, workforce figures and QA evaluations.

Only the standard library is used; the contacts surveyed and evaluated are real ids from
`october-2026/truth.csv`, so the files join with the platform samples.
"""

from __future__ import annotations

import csv
import json
import random
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
TZ = ZoneInfo("Europe/Paris")
UTC = timezone.utc
SEED = 2026
MONTH_DAYS = [date(2026, 10, d) for d in range(1, 32)]
EXPORTED_AT = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)
GENESYS_QUEUE = "535f9413-fff9-4936-ae77-22ab07f61915"
BILLING_GROUP = 360004518231
#: The helpdesk's opening hours (its contract's [scope.hours]); Zendesk counts business time in them.
HOURS = {0: (8, 20), 1: (8, 20), 2: (8, 20), 3: (8, 20), 4: (8, 20), 5: (9, 13)}


def z(dt: datetime) -> str:
    """Zendesk style: UTC, whole seconds, Z."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def local_iso(dt: datetime) -> str:
    """A CCC's CSV style: local time with its offset."""
    return dt.astimezone(TZ).isoformat(timespec="seconds")


def is_open(dt: datetime) -> bool:
    local = dt.astimezone(TZ)
    hours = HOURS.get(local.weekday())
    return bool(hours) and hours[0] <= local.hour < hours[1] and local.date() != date(2026, 11, 1)


def add_business_minutes(start: datetime, minutes: int) -> datetime:
    """Walk minute by minute through opening hours (slow but obviously right)."""
    t = start.replace(second=0)
    left = minutes
    while left > 0:
        t += timedelta(minutes=1)
        if is_open(t):
            left -= 1
    return t + timedelta(seconds=start.second)


def business_minutes(start: datetime, end: datetime) -> int:
    t, n = start, 0
    while t < end:
        if is_open(t):
            n += 1
        t += timedelta(minutes=1)
    return n


def random_local(rng: random.Random, day: date, weights: list[float]) -> datetime:
    hour = rng.choices(range(24), weights=weights)[0]
    return datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)), tzinfo=TZ).astimezone(UTC)


EMAIL_HOURS = [1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 14, 12, 9, 11, 12, 11, 10, 9, 7, 6, 5, 4, 3, 2]


# -- Zendesk ----------------------------------------------------------------------------------
def make_zendesk(rng: random.Random) -> list[dict]:
    tickets, metrics, ratings = [], [], []
    ticket_id, rating_id = 48213, 902110000
    for day in MONTH_DAYS:
        for _ in range(rng.choice([9, 10, 11, 12, 13, 14]) if day.weekday() < 5 else rng.choice([4, 5, 6])):
            created = random_local(rng, day, EMAIL_HOURS)
            ticket_id += 1
            age_h = (EXPORTED_AT - created).total_seconds() / 3600
            draw = rng.random()
            # First reply in business minutes: most within a business day (12 h), some later.
            reply_bm = rng.randint(15, 400) if draw < 0.8 else rng.randint(400, 720) if draw < 0.9 else rng.randint(
                721, 1500)
            replied_at = add_business_minutes(created, reply_bm)
            resolve_bm = reply_bm + rng.choice([0, 0, 0, 30, 90, 240, 600, 1200])
            solved_at = add_business_minutes(created, resolve_bm)
            if replied_at > EXPORTED_AT or (age_h < 30 and rng.random() < 0.25):
                status, replied_at, solved_at = ("new" if rng.random() < 0.5 else "open"), None, None
            elif solved_at > EXPORTED_AT or (age_h < 72 and rng.random() < 0.3):
                status, solved_at = rng.choice(["pending", "pending", "hold", "open"]), None
            else:
                status = "closed" if (EXPORTED_AT - solved_at).days >= 4 else "solved"
            updated = max(x for x in (created, replied_at, solved_at) if x) + timedelta(minutes=rng.randint(1, 30))
            via = "web" if rng.random() < 0.2 else "email"
            requester = 361000000000 + rng.randrange(900)
            assignee = 361999000000 + rng.randrange(12)
            tickets.append({
                "url": f"https://acme-energy.zendesk.com/api/v2/tickets/{ticket_id}.json",
                "id": ticket_id, "external_id": None,
                "via": {"channel": via, "source": {"from": {}, "to": {}, "rel": None}},
                "created_at": z(created), "updated_at": z(updated), "type": "question",
                "subject": rng.choice(["Facture incorrecte", "Question sur ma facture", "Relevé de compteur",
                                       "Échéancier de paiement", "Prélèvement rejeté"]),
                "raw_subject": None, "description": "…", "priority": rng.choice([None, "normal", "high"]),
                "status": status, "recipient": "factures@acme-energy.example", "requester_id": requester,
                "submitter_id": requester, "assignee_id": assignee if replied_at else None,
                "organization_id": None, "group_id": BILLING_GROUP, "collaborator_ids": [], "follower_ids": [],
                "has_incidents": False, "is_public": True, "due_at": None,
                "tags": ["billing", via], "custom_fields": [], "brand_id": 360000123456,
                "allow_channelback": False, "allow_attachments": True, "from_messaging_channel": False,
            })
            reply_cal = None if not replied_at else round((replied_at - created).total_seconds() / 60)
            reply_bus = None if not replied_at else business_minutes(created, replied_at)
            res_cal = None if not solved_at else round((solved_at - created).total_seconds() / 60)
            res_bus = None if not solved_at else business_minutes(created, solved_at)
            metrics.append({
                "url": f"https://acme-energy.zendesk.com/api/v2/ticket_metrics/{ticket_id + 7000000}.json",
                "id": ticket_id + 7000000, "ticket_id": ticket_id,
                "created_at": z(created), "updated_at": z(updated),
                "group_stations": 1, "assignee_stations": 1 if replied_at else 0, "reopens": 0,
                "replies": (1 + (res_cal or 0) // 600) if replied_at else 0,
                "assignee_updated_at": z(replied_at) if replied_at else None,
                "requester_updated_at": z(created), "status_updated_at": z(updated),
                "initially_assigned_at": z(created + timedelta(minutes=2)) if replied_at else None,
                "assigned_at": z(created + timedelta(minutes=2)) if replied_at else None,
                "solved_at": z(solved_at) if solved_at else None,
                "latest_comment_added_at": z(updated),
                "reply_time_in_minutes": {"calendar": reply_cal, "business": reply_bus},
                "first_resolution_time_in_minutes": {"calendar": res_cal, "business": res_bus},
                "full_resolution_time_in_minutes": {"calendar": res_cal, "business": res_bus},
                "agent_wait_time_in_minutes": {"calendar": None, "business": None},
                "requester_wait_time_in_minutes": {"calendar": reply_cal, "business": reply_bus},
                "on_hold_time_in_minutes": {"calendar": 0, "business": 0},
            })
            if solved_at and rng.random() < 0.45:
                rating_id += 1
                rated_at = solved_at + timedelta(minutes=rng.randint(20, 2000))
                if rated_at < EXPORTED_AT and rng.random() < 0.55:
                    score = "good" if rng.random() < (0.85 if reply_bm < 720 else 0.45) else "bad"
                    comment = rng.choice(["", "", "Merci, réponse rapide", "Toujours pas compris ma facture",
                                          "Très clair"]) if score == "good" else rng.choice(
                        ["", "Réponse trop lente", "Le problème n'est pas réglé"])
                else:
                    score, comment, rated_at = "offered", "", solved_at + timedelta(minutes=5)
                ratings.append({
                    "url": f"https://acme-energy.zendesk.com/api/v2/satisfaction_ratings/{rating_id}.json",
                    "id": rating_id, "assignee_id": assignee, "group_id": BILLING_GROUP, "requester_id": requester,
                    "ticket_id": ticket_id, "score": score, "created_at": z(rated_at), "updated_at": z(rated_at),
                    "comment": comment or None, "reason": None, "reason_id": None,
                })
    folder = HERE / "zendesk"
    folder.mkdir(exist_ok=True)
    groups = [{"url": f"https://acme-energy.zendesk.com/api/v2/groups/{BILLING_GROUP}.json", "id": BILLING_GROUP,
               "name": "billing-email", "description": "Acme Energy billing e-mails", "default": False,
               "deleted": False, "created_at": "2025-11-03T09:12:44Z", "updated_at": "2026-06-30T15:02:10Z"}]

    def page(key: str, items: list, **extra) -> str:
        # One object per line inside the array, as `jq -c` output of API pages is usually kept.
        body = ",\n".join(json.dumps(item, ensure_ascii=False) for item in items)
        tail = "".join(f',\n"{k}": {json.dumps(v, ensure_ascii=False)}' for k, v in extra.items())
        return f'{{"{key}": [\n{body}\n]{tail}\n}}\n'

    (folder / "tickets-2026-10.json").write_text(
        page("tickets", tickets, groups=groups, next_page=None, previous_page=None, count=len(tickets)),
        encoding="utf-8")
    (folder / "ticket_metrics-2026-10.json").write_text(
        page("ticket_metrics", metrics, next_page=None, previous_page=None, count=len(metrics)), encoding="utf-8")
    (folder / "satisfaction_ratings-2026-10.json").write_text(
        page("satisfaction_ratings", ratings, next_page=None, previous_page=None, count=len(ratings)),
        encoding="utf-8")
    return tickets


# -- complaints -------------------------------------------------------------------------------
def make_complaints(rng: random.Random) -> None:
    rows = []
    plan = ([("acme-billing", "Phone", ["billing error", "meter reading", "payment plan", "staff conduct"])] * 16
            + [("billing-email", "E-mail", ["billing error", "meter reading", "payment plan"])] * 10
            + [("Acme Support", "Chat", ["delivery", "refund", "staff conduct"])] * 8
            + [(GENESYS_QUEUE, "Phone", ["information", "staff conduct"])] * 6)
    rng.shuffle(plan)
    for n, (queue, channel, categories) in enumerate(plan, start=1):
        day = rng.choice(MONTH_DAYS)
        received = random_local(rng, day, [0] * 8 + [8, 10, 10, 9, 6, 8, 9, 8, 7, 6, 4, 3] + [0] * 4)
        late_ack = rng.random() < 0.12
        ack = add_business_minutes(received, rng.randint(900, 1700) if late_ack else rng.randint(20, 600))
        escalate = rng.random() < 0.25
        escalated = add_business_minutes(received, rng.randint(200, 2400) if escalate and rng.random() < 0.8
                                         else rng.randint(3700, 4500)) if escalate else None
        late_res = rng.random() < 0.15
        resolve_bm = rng.randint(7500, 11000) if late_res else rng.randint(600, 6500)
        resolved = add_business_minutes(received, resolve_bm)
        updates = []
        t = received
        while True:  # a progress update every few business days until resolution
            t = add_business_minutes(t, rng.randint(2400, 3500) if rng.random() < 0.85 else rng.randint(3700, 4800))
            if t >= resolved:
                break
            updates.append(t)
        open_at_end = resolved > EXPORTED_AT
        rows.append({
            "complaint_id": f"RC-2026-10-{n:03d}",
            "received_at": local_iso(received),
            "acknowledged_at": local_iso(ack) if ack < EXPORTED_AT else "",
            "escalated_at": local_iso(escalated) if escalated and escalated < EXPORTED_AT else "",
            "resolved_at": "" if open_at_end else local_iso(resolved),
            "updates": ";".join(local_iso(u) for u in updates if u < EXPORTED_AT),
            "category": rng.choice(categories),
            "channel": channel,
            "queue": queue,
            "upheld": "" if open_at_end else rng.choice(["yes", "no", "no"]),
            "escalation_required": "yes" if escalate else "no",
            "customer": f"ACC-{rng.randrange(100000, 999999)}",
        })
    rows.sort(key=lambda r: r["received_at"])
    folder = HERE / "complaints"
    folder.mkdir(exist_ok=True)
    with open(folder / "complaints-2026-10.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


# -- surveys ----------------------------------------------------------------------------------
def read_truth() -> list[dict]:
    with open(HERE / "october-2026" / "truth.csv", encoding="utf-8", newline="") as fh:
        return [r for r in csv.DictReader(fh) if r["valid"] == "true"]


def arrived(r: dict) -> datetime:
    return datetime.fromisoformat(r["arrived_at"].replace("Z", "+00:00"))


def make_surveys(rng: random.Random, truth: list[dict]) -> None:
    answered = [r for r in truth if r["source"] == "asterisk-queue-log" and r["outcome"] == "answered"]
    chosen = sorted(rng.sample(answered, 230), key=arrived)
    rows = []
    for n, r in enumerate(chosen, start=1):
        end = arrived(r) + timedelta(seconds=float(r["wait_s"] or 0) + float(r["talk_s"] or 0))
        csat = rng.choices([5, 4, 3, 2, 1], weights=[38, 34, 13, 8, 7])[0]
        nps = max(0, min(10, csat * 2 + rng.choice([-2, -1, 0, 0, 1])))
        rows.append({
            "response_id": f"SV-{2026100000 + n}",
            "responded_at": local_iso(end + timedelta(minutes=rng.randint(2, 240))),
            "contact_id": r["id"], "channel": "Phone", "queue": "acme-billing",
            "agent": f"ag-{rng.randrange(1, 19):02d}",
            "csat": csat, "csat_scale": 5, "nps": nps,
            "resolved": rng.choice(["yes"] * 4 + ["no"]) if csat >= 3 else rng.choice(["yes", "no", "no"]),
            "comment": rng.choice([""] * 8 + ["Conseiller très aimable", "Attente trop longue",
                                              "Toujours pas de remboursement"]),
            "customer": f"ACC-{rng.randrange(100000, 999999)}",
        })
    folder = HERE / "surveys"
    folder.mkdir(exist_ok=True)
    with open(folder / "survey-2026-10.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


# -- vendor report ----------------------------------------------------------------------------
def make_vendor_report(rng: random.Random, truth: list[dict], tickets: list[dict]) -> None:
    folder = HERE / "vendor-report"
    folder.mkdir(exist_ok=True)
    kpis = json.loads((HERE / "october-2026" / "expected_kpis.json").read_text(encoding="utf-8"))
    queues = kpis["periods"]["2026-10"]["queues"]
    # The CCC's own figures: each a little better than the truth (rounded as a report would be).
    flatter = {"service_level": 0.027, "asa_s": -1.9, "abandon_rate": -0.011, "aht_s": -11.0, "fcr_rate": 0.031,
               "csat_top2": 0.024, "csat_mean": 0.12}
    names = {"service_level": "service_level", "asa_s": "asa", "abandon_rate": "abandon_rate", "aht_s": "aht",
             "fcr_rate": "fcr", "csat_top2": "csat", "csat_mean": "csat_mean"}
    rows = []
    for queue in ("acme-billing", "Acme Support", GENESYS_QUEUE):
        for key, delta in flatter.items():
            value = queues[queue].get(key)
            if isinstance(value, dict):
                value = value.get("value", value.get("default", {}).get("value"))
            if value is None:
                continue
            value = max(0.0, min(1.0, value + delta)) if "rate" in key or key in ("service_level", "csat_top2") \
                else value + delta
            rows.append({"metric": names[key], "period": "2026-10", "value": round(value, 3), "queue": queue,
                         "channel": "", "numerator": "", "denominator": "", "timezone": "Europe/Paris"})
    replied = [t for t in tickets if t["status"] not in ("new", "open")]
    rows.append({"metric": "first_response_within", "period": "2026-10", "value": 0.95, "queue": "billing-email",
                 "channel": "email", "numerator": "", "denominator": len(replied), "timezone": "Europe/Paris"})
    rows.append({"metric": "complaint_acknowledged_on_time", "period": "2026-10", "value": 1.0, "queue": "",
                 "channel": "", "numerator": "", "denominator": "", "timezone": "Europe/Paris"})
    write_csv(folder / "reported-2026-10.csv", rows)

    # Daily forecasts: close to the real volumes, with two under-forecast days on acme-billing.
    volumes: Counter = Counter()
    for r in truth:
        volumes[(r["queue"], arrived(r).astimezone(TZ).date())] += 1
    for t in tickets:
        volumes[("billing-email", datetime.fromisoformat(t["created_at"].replace("Z", "+00:00")).astimezone(TZ).date())] += 1
    surprise = {date(2026, 10, 12), date(2026, 10, 27)}
    rows = []
    for queue, channel in (("acme-billing", "voice"), ("billing-email", "email"), ("Acme Support", ""),
                           (GENESYS_QUEUE, "")):
        for day in MONTH_DAYS:
            actual = volumes[(queue, day)]
            factor = 0.78 if queue == "acme-billing" and day in surprise else rng.uniform(0.95, 1.05)
            rows.append({"interval_start": day.isoformat(), "minutes": "", "queue": queue, "channel": channel,
                         "forecast_offered": round(actual * factor, 1), "timezone": "Europe/Paris"})
    write_csv(folder / "forecast-2026-10.csv", rows)

    rows = []
    for queue, agents in (("acme-billing", 14), ("billing-email", 4), ("Acme Support", 6), (GENESYS_QUEUE, 3)):
        for day in MONTH_DAYS:
            if day.weekday() == 6:
                continue
            scheduled = agents * (450 if day.weekday() < 5 else 240)
            adherence = rng.uniform(0.86, 0.96)
            rows.append({"day": day.isoformat(), "days": 1, "queue": queue, "scheduled_minutes": scheduled,
                         "adherent_minutes": round(scheduled * adherence), "headcount": "", "leavers": "",
                         "engagement_score": "", "engagement_scale": "", "timezone": "Europe/Paris"})
        rows.append({"day": "2026-10-01", "days": 31, "queue": queue, "scheduled_minutes": "", "adherent_minutes": "",
                     "headcount": agents + 0.5, "leavers": rng.choice([0, 1, 1, 2]),
                     "engagement_score": round(rng.uniform(3.4, 4.1), 2), "engagement_scale": 5,
                     "timezone": "Europe/Paris"})
    write_csv(folder / "workforce-2026-10.csv", rows)

    rows = []
    answered = [r for r in truth if r["outcome"] == "answered"]
    by_queue = defaultdict(list)
    for r in answered:
        by_queue[r["queue"]].append(r)
    n = 0
    for queue, count in (("acme-billing", 30), ("Acme Support", 20), (GENESYS_QUEUE, 12)):
        for r in sorted(rng.sample(by_queue[queue], count), key=arrived):
            n += 1
            rows.append({"evaluation_id": f"QA-2026-10-{n:03d}",
                         "evaluated_at": local_iso(arrived(r) + timedelta(days=rng.randint(1, 4), hours=2)),
                         "score": rng.choices([rng.randint(88, 100), rng.randint(70, 87), rng.randint(45, 69)],
                                              weights=[50, 40, 10])[0],
                         "max_score": 100, "form": f"{r['channel']}-quality-v3",
                         "evaluator": f"tl-{rng.randrange(1, 5):02d}", "agent": f"ag-{rng.randrange(1, 19):02d}",
                         "contact_id": r["id"], "channel": r["channel"], "queue": queue})
    write_csv(folder / "quality-2026-10.csv", rows)


def write_csv(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    rng = random.Random(SEED)
    truth = read_truth()
    tickets = make_zendesk(rng)
    make_complaints(rng)
    make_surveys(rng, truth)
    make_vendor_report(rng, truth, tickets)


if __name__ == "__main__":
    main()
