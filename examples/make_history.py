"""Generate the demo's history: July, August, September 2026 and November 1-15 2026, deterministically.

    python examples/make_history.py        # rewrites examples/history/ (seeded: same bytes every run)

The demo workspace is "as of" 2026-11-16 and `october-2026/` holds one month only, so trends, "changes
against last period" and the portfolio comparison need earlier months. This script derives every
history month from the October files, written EXACTLY in each platform's export format:

- `queue_log` (Asterisk), `ctr.jsonl` (Amazon Connect), `genesys.json` (Genesys Cloud): each target
  local day D (Europe/Paris) takes the contacts of the October day S = D + 7k days (same weekday; the
  month's main k, else the nearest k that lands in October: the "top-up" from another week). A contact
  is moved by shifting its local wall-clock time by whole weeks, so weekdays and opening hours line up
  (also across the 25 October DST change); every instant of the contact moves with it. New ids:
  Asterisk callids `epoch.seq` from the shifted epoch and a fresh per-file sequence; Connect
  `ContactId` and Genesys `conversationId`/`participantId` are uuid5(NAMESPACE_URL, "<old id>/<month>")
  (plus "/<k>w" for a top-up day). Contacts on the queue's contract holidays are left out (the
  helpdesk's 1 and 11 November; the public line's also 14 July and 15 August).
- Performance moves month by month: queue waits are scaled by FACTORS (July 0.7 good, August 0.85,
  September 1.15 worse, November 1.0). When waits grow, an answered contact whose patience (its old
  wait plus an exponential draw) is shorter than its new wait becomes an abandon, written as the
  format writes one (Asterisk ABANDON instead of CONNECT/COMPLETE, Connect `Agent` null, Genesys no
  agent `tAnswered`). When waits shrink, an abandoned customer whose needed wait (the wait given up
  plus an exponential draw) now fits in their patience is answered instead: the agent part of a
  random answered October contact of the same channel is grafted onto the abandon's slot (same
  customer, same arrival, new ids).
- Zendesk (tickets, ticket metrics, satisfaction ratings), the complaint log, the post-call survey
  and the vendor report (reported figures, forecasts, workforce, QA) are derived the same way, with
  reply, acknowledgement and resolution times scaled by the same factors; surveys and QA point at the
  month's own new contact ids, and the CCC's reported KPIs are the month's true figures, flattered.
- Every record is valid, except one truncated line in September's `queue_log` (quarantine shows).
  Connect's at-least-once delivery is kept: records delivered twice in October are delivered twice.

Only the standard library is used; it runs in a few seconds from the repository root.
"""

from __future__ import annotations

import copy
import csv
import json
import random
import re
import uuid
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
OCT = HERE / "october-2026"
OUT = HERE / "history"
TZ = ZoneInfo("Europe/Paris")
UTC = timezone.utc
SEED = 2026
#: Queue-wait factor per month (and reply / handling delays for e-mail and complaints).
FACTORS = {"2026-07": 0.70, "2026-08": 0.85, "2026-09": 1.15, "2026-11": 1.00}
#: Last local day of each month's data (November is month to date: the demo is "as of" 2026-11-16).
LAST_DAY = {"2026-07": date(2026, 7, 31), "2026-08": date(2026, 8, 31), "2026-09": date(2026, 9, 30),
            "2026-11": date(2026, 11, 15)}
#: When each month's Zendesk pages and complaint log were pulled (history months: when the demo was built).
EXPORT_AT = {"2026-07": datetime(2026, 11, 16, 7, tzinfo=UTC), "2026-08": datetime(2026, 11, 16, 7, tzinfo=UTC),
             "2026-09": datetime(2026, 11, 16, 7, tzinfo=UTC), "2026-11": datetime(2026, 11, 16, 7, tzinfo=UTC)}
OCT_FIRST, OCT_LAST = date(2026, 10, 1), date(2026, 10, 31)
GENESYS_QUEUE = "535f9413-fff9-4936-ae77-22ab07f61915"
BILLING_GROUP = 360004518231
#: Holidays of the contract that covers each queue (days with no traffic in the history).
HOLIDAYS = {"asterisk": {date(2026, 11, 1), date(2026, 11, 11)},
            "genesys": {date(2026, 7, 14), date(2026, 8, 15), date(2026, 11, 1), date(2026, 11, 11)},
            "connect": set()}
#: Mean of the exponential patience beyond a wait a customer already accepted (chat customers wait longer).
EXTRA_PATIENCE_S = {"voice": 120.0, "chat": 600.0}
EXTRA_NEED_S = 120.0      # mean of the exponential wait an abandoned customer still needed
HOURS = {0: (8, 20), 1: (8, 20), 2: (8, 20), 3: (8, 20), 4: (8, 20), 5: (9, 13)}  # helpdesk (Zendesk schedule)
HELPDESK_HOLIDAYS = {date(2026, 11, 1), date(2026, 11, 11)}


# -- time helpers -------------------------------------------------------------------------------
def to_ms(dt: datetime) -> int:
    return round(dt.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def parse_z(text: str) -> int:
    return to_ms(datetime.fromisoformat(text.replace("Z", "+00:00")))


def fmt_s(ms: int) -> str:
    return from_ms(ms).strftime("%Y-%m-%dT%H:%M:%SZ")


def fmt_ms(ms: int) -> str:
    return from_ms(ms).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def check_iso(text: str) -> str:
    """Refuse what the importers quarantine (e.g. the unpadded day `2026-10-5T12:56:04Z`)."""
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z", text):
        raise ValueError(text)
    return text


def local_day(ms: int) -> date:
    return from_ms(ms).astimezone(TZ).date()


def local_iso(dt: datetime) -> str:
    return dt.astimezone(TZ).isoformat(timespec="seconds")


def week_delta_ms(ms: int, weeks: int) -> int:
    """How far an instant moves when its Paris wall-clock time moves by whole weeks."""
    local = from_ms(ms).astimezone(TZ)
    moved = (local.replace(tzinfo=None) + timedelta(weeks=weeks)).replace(tzinfo=TZ)
    return to_ms(moved) - to_ms(local)


def month_days(month: str) -> list[date]:
    first = date(int(month[:4]), int(month[5:]), 1)
    return [first + timedelta(days=i) for i in range((LAST_DAY[month] - first).days + 1)]


def day_plan(month: str) -> list[tuple[date, date, int, bool]]:
    """(target day, October source day, weeks to add to the source, top-up?) for every day of the month."""
    days = month_days(month)
    mid = days[0] + timedelta(days=15)
    main = round((mid - date(2026, 10, 16)).days / 7)
    plan = []
    for d in days:
        for k in sorted(range(main - 3, main + 4), key=lambda k: (abs(k - main), k)):
            s = d - timedelta(weeks=k)
            if OCT_FIRST <= s <= OCT_LAST:
                plan.append((d, s, k, k != main))
                break
    return plan


def new_uuid(old: str, month: str, k: int, topup: bool) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{old}/{month}" + (f"/{k}w" if topup else "")))


def warp_fn(a: int, q: int, d: int, new_wait: int):
    """Map an old instant: before arrival a it moves by d; during the wait it stretches to the new wait;
    after the old answer instant q it moves by d plus the wait's change."""
    w = q - a

    def warp(t: int) -> int:
        if t <= a:
            return t + d
        if t <= q:
            return a + d + (round((t - a) * new_wait / w) if w else 0)
        return t + d + new_wait - w
    return warp


def exp_draw(rng: random.Random, mean: float) -> float:
    return rng.expovariate(1.0 / mean)


def decide(rng: random.Random, outcome: str, wait_s: float, f: float,
           channel: str = "voice") -> tuple[str, float | None]:
    """What becomes of a contact in a month with factor f: ("keep", new wait), ("abandon", patience)
    or ("answer", new wait) (an abandon answered in a better month)."""
    if outcome == "answered":
        new = wait_s * f
        if f > 1:
            patience = wait_s + exp_draw(rng, EXTRA_PATIENCE_S[channel])
            if patience < new:
                return "abandon", patience
        return "keep", new
    if outcome == "abandoned" and f < 1:
        need = wait_s + exp_draw(rng, EXTRA_NEED_S)
        if need * f <= wait_s:
            return "answer", need * f
    return "keep", None


def truth_row(source, cid, queue, channel, arrived, outcome, wait_s, handle_s=None, fcr=None, csat=None, agent=None):
    return {"source": source, "id": cid, "queue": queue, "channel": channel, "arrived": arrived, "outcome": outcome,
            "wait_s": wait_s, "handle_s": handle_s, "fcr": fcr, "csat": csat, "agent": agent}


# -- Asterisk queue_log ---------------------------------------------------------------------------
TERMINAL = {"COMPLETEAGENT", "COMPLETECALLER", "TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER", "ABANDON",
            "EXITWITHTIMEOUT", "EXITWITHKEY", "EXITEMPTY"}
ANSWERED_END = {"COMPLETEAGENT", "COMPLETECALLER", "TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER"}


def read_queue_log():
    header, others, calls = [], [], {}
    for line in (OCT / "queue_log").read_text(encoding="utf-8").splitlines():
        f = line.split("|")
        if len(f) < 5 or not f[0].isdigit():
            continue  # October's malformed lines are not carried over
        if f[1] in ("NONE", "MANAGER", "REALTIME"):
            (others if calls else header).append(f)
        else:
            calls.setdefault(f[1], []).append(f)
    parsed = []
    for callid, lines in calls.items():
        events = [x[4] for x in lines]
        if "ENTERQUEUE" not in events or not TERMINAL & set(events):
            continue  # open at the end of the file: not carried over
        enter = next(x for x in lines if x[4] == "ENTERQUEUE")
        end = next(x for x in lines if x[4] in TERMINAL)
        a = int(enter[0])
        if end[4] in ANSWERED_END:
            conn = next(x for x in lines if x[4] == "CONNECT")
            outcome, q, wait = "answered", int(conn[0]), int(conn[5])
        else:
            outcome = {"ABANDON": "abandoned", "EXITWITHKEY": "exit_key"}.get(end[4], "timeout")
            q, wait = int(end[0]), int(end[-1])
        parsed.append({"id": callid, "lines": lines, "a": a, "q": q, "wait": wait, "outcome": outcome,
                       "day": local_day(a * 1000), "queue": enter[2], "callerid": enter[6], "pos": enter[7]})
    return header, others, parsed


def ast_answered(call, a_new: int, new_wait: int, callid_epoch: int, callerid: str, pos: str, seq: int):
    """The lines of an answered call, moved to arrive at a_new with the given wait."""
    old_seq0 = int(call["id"].split(".")[1])
    warp = warp_fn(call["a"] * 1000, call["q"] * 1000, (a_new - call["a"]) * 1000, new_wait * 1000)
    callid = f"{callid_epoch}.{seq}"
    out, talk, agent, span = [], 0, None, 0
    for x in call["lines"]:
        t = warp(int(x[0]) * 1000) // 1000
        y = [str(t), callid, *x[2:]]
        ev = x[4]
        if ev == "ENTERQUEUE":
            y[0], y[6], y[7] = str(a_new), callerid, pos
        elif ev in ("RINGNOANSWER", "RINGCANCELED"):
            if t - int(x[5]) / 1000 < a_new or t > a_new + new_wait:
                continue
        elif ev == "CONNECT":
            ring = min(int(x[7]), new_wait)
            chan_seq = int(x[6].split(".")[1]) - old_seq0
            span = max(span, chan_seq)
            y[5], y[6], y[7] = str(new_wait), f"{t - ring}.{seq + chan_seq}", str(ring)
            agent = x[3]
        elif ev in ("COMPLETEAGENT", "COMPLETECALLER"):
            y[5] = str(new_wait)
            talk = int(x[6])
        elif ev in ("TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER"):
            y[-3] = str(new_wait)
            talk = int(x[-2])
            if ev == "ATTENDEDTRANSFER":
                y[6] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{x[6]}/{callid}"))
        out.append(y)
    return out, span + 1, talk, agent


def make_asterisk(month: str, f: float, rng: random.Random, data):
    header, others, calls = data
    by_day = defaultdict(list)
    for c in calls:
        by_day[c["day"]].append(c)
    others_by_day = defaultdict(list)
    for x in others:
        others_by_day[local_day(int(x[0]) * 1000)].append(x)
    templates = [c for c in calls if c["outcome"] == "answered"]
    slots = []
    for d, s, k, topup in day_plan(month):
        if d in HOLIDAYS["asterisk"]:
            continue
        for c in by_day[s]:
            slots.append((c["a"] + week_delta_ms(c["a"] * 1000, k) // 1000, c, k))
        for x in others_by_day[s]:
            slots.append((int(x[0]) + week_delta_ms(int(x[0]) * 1000, k) // 1000, x, k))
    slots.sort(key=lambda s: (s[0], str(s[1])))
    lines: list[tuple[int, int, list[str]]] = []
    truth = []
    seq, order = 1000, 0  # Asterisk restarted (QUEUESTART): its uniqueid sequence starts again
    start = min(s[0] for s in slots if isinstance(s[1], dict)) - 3 * 3600
    for x in header:  # QUEUESTART / ADDMEMBER at the top of the file, a little before the first call
        t = start + int(x[0]) - int(header[0][0])
        lines.append((t, order, [str(t), *x[1:]]))
        order += 1
    for a_new, c, k in slots:
        if isinstance(c, list):  # a PAUSE / UNPAUSE / CONFIGRELOAD line
            lines.append((a_new, order, [str(a_new), *c[1:]]))
            order += 1
            continue
        d = a_new - c["a"]
        callid_epoch = int(c["id"].split(".")[0]) + d
        action, value = decide(rng, c["outcome"], c["wait"], f)
        if c["outcome"] == "answered" and action == "keep":
            out, span, talk, agent = ast_answered(c, a_new, round(value), callid_epoch, c["callerid"], c["pos"], seq)
            truth.append(truth_row("asterisk-queue-log", out[0][1], c["queue"], "voice", a_new * 1000, "answered",
                                   round(value), talk, agent=agent))
        elif action == "answer":
            t = rng.choice(templates)
            out, span, talk, agent = ast_answered(t, a_new, round(value), callid_epoch, c["callerid"], c["pos"], seq)
            truth.append(truth_row("asterisk-queue-log", out[0][1], c["queue"], "voice", a_new * 1000, "answered",
                                   round(value), talk, agent=agent))
        elif action == "abandon":
            patience = int(value)  # whole seconds, in [old wait, new wait)
            callid = f"{callid_epoch}.{seq}"
            out, span = [], 1
            for x in c["lines"]:
                t = int(x[0]) + d
                if x[4] == "ENTERQUEUE":
                    out.append([str(t), callid, *x[2:]])
                elif x[4] == "RINGNOANSWER" and t <= a_new + patience and t - int(x[5]) / 1000 >= a_new:
                    out.append([str(t), callid, *x[2:]])
            out.append([str(a_new + patience), callid, c["queue"], "NONE", "ABANDON", "1", c["pos"], str(patience)])
            truth.append(truth_row("asterisk-queue-log", callid, c["queue"], "voice", a_new * 1000, "abandoned",
                                   patience))
        else:  # abandons, time-outs and exits keep their wait
            callid = f"{callid_epoch}.{seq}"
            out, span = [], 1
            for x in c["lines"]:
                out.append([str(int(x[0]) + d), callid, *x[2:]])
            truth.append(truth_row("asterisk-queue-log", callid, c["queue"], "voice", a_new * 1000, c["outcome"],
                                   c["wait"]))
        seq += span + rng.randint(1, 4)  # other channels (IVR legs, outbound) take numbers too
        for y in out:
            lines.append((int(y[0]), order, y))
            order += 1
    lines.sort(key=lambda x: (x[0], x[1]))
    text = ["|".join(y) for _, _, y in lines]
    if month == "2026-09":  # one truncated line, as a rotated log cut mid-write leaves: quarantined
        i = len(text) // 3
        epoch = lines[i][0]
        text.insert(i + 1, f"{epoch}|{epoch}.{seq + 7}|acme-b")
    return "\n".join(text) + "\n", truth


# -- Amazon Connect CTR ---------------------------------------------------------------------------
CONNECT_TIMES = ("InitiationTimestamp", "DisconnectTimestamp", "LastUpdateTimestamp", "EnqueueTimestamp",
                 "DequeueTimestamp", "ConnectedToAgentTimestamp", "AfterContactWorkStartTimestamp",
                 "AfterContactWorkEndTimestamp")


def read_ctr():
    copies = defaultdict(list)
    for line in (OCT / "ctr.jsonl").read_text(encoding="utf-8").splitlines():
        try:
            rec = json.loads(line)
            walk_times(copy.deepcopy(rec), CONNECT_TIMES, check_iso)
        except ValueError:
            continue  # October's malformed records are not carried over
        copies[rec["ContactId"]].append(rec)
    out = []
    for cid, recs in copies.items():
        newest = max(recs, key=lambda r: r["LastUpdateTimestamp"])
        again = sum(1 for r in recs if r == newest) - 1  # identical re-deliveries
        q = newest["Queue"]
        a = parse_z(q["EnqueueTimestamp"] if q else newest["InitiationTimestamp"])
        outcome = "not_queued" if not q else "answered" if newest["Agent"] else "abandoned"
        out.append({"id": cid, "rec": newest, "again": again, "a": a, "outcome": outcome,
                    "wait": q["Duration"] if q else None, "day": local_day(a), "channel": newest["Channel"]})
    return out


def walk_times(obj, keys, fn):
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in keys and isinstance(v, str):
                obj[k] = fn(v)
            else:
                walk_times(v, keys, fn)
    elif isinstance(obj, list):
        for v in obj:
            walk_times(v, keys, fn)


def ctr_answered(c, a_new: int, new_wait: int):
    rec = copy.deepcopy(c["rec"])
    q = parse_z(rec["Agent"]["ConnectedToAgentTimestamp"])
    warp = warp_fn(c["a"], q, a_new - c["a"], new_wait * 1000)
    walk_times(rec, CONNECT_TIMES, lambda v: fmt_s(warp(parse_z(v))))
    rec["Queue"]["Duration"] = new_wait
    return rec


def ctr_truth(rec, a_new, outcome, wait):
    agent = rec["Agent"] or {}
    attrs = rec["Attributes"]
    handle = sum(agent.get(k, 0) for k in ("AgentInteractionDuration", "CustomerHoldDuration",
                                            "AfterContactWorkDuration")) if agent else None
    return truth_row("amazon-connect", rec["ContactId"], "Acme Support", rec["Channel"].lower(), a_new, outcome, wait,
                     handle, attrs.get("fcr"), attrs.get("csat"), agent.get("Username"))


def make_connect(month: str, f: float, rng: random.Random, contacts):
    by_day = defaultdict(list)
    for c in contacts:
        by_day[c["day"]].append(c)
    templates = defaultdict(list)
    for c in contacts:
        if c["outcome"] == "answered":
            templates[c["channel"]].append(c)
    records, truth = [], []
    for d, s, k, topup in day_plan(month):
        if d in HOLIDAYS["connect"]:
            continue
        for c in sorted(by_day[s], key=lambda c: (c["a"], c["id"])):
            delta = week_delta_ms(c["a"], k)
            a_new = c["a"] + delta
            new_id = new_uuid(c["id"], month, k, topup)
            action, value = decide(rng, c["outcome"], c["wait"] or 0, f, c["channel"].lower())
            if c["outcome"] == "answered" and action == "keep":
                rec = ctr_answered(c, a_new, round(value))
                outcome, wait = "answered", round(value)
            elif action == "answer":
                t = rng.choice(templates[c["channel"]])
                rec = ctr_answered(t, a_new, round(value))
                shift = parse_z(c["rec"]["InitiationTimestamp"]) + delta - parse_z(rec["InitiationTimestamp"])
                rec["InitiationTimestamp"] = fmt_s(parse_z(rec["InitiationTimestamp"]) + shift)
                rec["CustomerEndpoint"] = copy.deepcopy(c["rec"]["CustomerEndpoint"])
                outcome, wait = "answered", round(value)
            elif action == "abandon":
                patience = int(value)  # whole seconds, in [old wait, new wait)
                rec = copy.deepcopy(c["rec"])
                walk_times(rec, CONNECT_TIMES, lambda v: fmt_s(parse_z(v) + delta))
                end = a_new + patience * 1000
                rec.update(Agent=None, AgentConnectionAttempts=0, Attributes={}, DisconnectReason="CUSTOMER_DISCONNECT",
                           DisconnectTimestamp=fmt_s(end), LastUpdateTimestamp=fmt_s(end + rng.randint(15, 40) * 1000))
                rec["Queue"].update(DequeueTimestamp=fmt_s(end), Duration=patience)
                outcome, wait = "abandoned", patience
            else:
                rec = copy.deepcopy(c["rec"])
                walk_times(rec, CONNECT_TIMES, lambda v: fmt_s(parse_z(v) + delta))
                outcome, wait = c["outcome"], c["wait"]
            rec["ContactId"] = new_id
            records.append((rec["LastUpdateTimestamp"], new_id, rec))
            for n in range(c["again"]):  # delivered again a little later, identical
                records.append((fmt_s(parse_z(rec["LastUpdateTimestamp"]) + (n + 1) * 97000), new_id, rec))
            truth.append(ctr_truth(rec, a_new, outcome, wait))
    records.sort(key=lambda r: (r[0], r[1]))
    text = "".join(json.dumps(r, separators=(",", ":"), sort_keys=True, ensure_ascii=False) + "\n"
                   for _, _, r in records)
    return text, truth


# -- Genesys Cloud --------------------------------------------------------------------------------
GENESYS_TIMES = ("conversationStart", "conversationEnd", "segmentStart", "segmentEnd", "emitDate")


def read_genesys():
    out = []
    for conv in json.loads((OCT / "genesys.json").read_text(encoding="utf-8"))["conversations"]:
        try:
            walk_times(copy.deepcopy(conv), GENESYS_TIMES, check_iso)
        except ValueError:
            continue  # October's malformed conversation is not carried over
        acd = next(p for p in conv["participants"] if p["purpose"] == "acd")
        seg = acd["sessions"][0]["segments"][0]
        a = parse_z(seg["segmentStart"])
        metrics = {m["name"]: m for p in conv["participants"] if p["purpose"] == "agent"
                   for m in p["sessions"][0]["metrics"]}
        answered = "tAnswered" in metrics
        wait = metrics["tAnswered"]["value"] if answered else parse_z(seg["segmentEnd"]) - a
        out.append({"id": conv["conversationId"], "conv": conv, "a": a, "wait": wait, "day": local_day(a),
                    "outcome": "answered" if answered else "abandoned",
                    "media": conv["participants"][0]["sessions"][0]["mediaType"]})
    return out


def set_metric(session, name, value, emit=None):
    for m in session["metrics"]:
        if m["name"] == name:
            m["value"] = value
            if emit is not None:
                m["emitDate"] = emit


def gen_answered(c, a_new: int, new_wait: int):
    conv = copy.deepcopy(c["conv"])
    warp = warp_fn(c["a"], c["a"] + c["wait"], a_new - c["a"], new_wait)
    walk_times(conv, GENESYS_TIMES, lambda v: fmt_ms(warp(parse_z(v))))
    for p in conv["participants"]:
        s = p["sessions"][0]
        if p["purpose"] == "acd":
            set_metric(s, "tAcd", new_wait)
        elif p["purpose"] == "agent":
            alert = sum(parse_z(g["segmentEnd"]) - parse_z(g["segmentStart"]) for g in s["segments"]
                        if g["segmentType"] == "alert")
            set_metric(s, "tAlert", alert)
            set_metric(s, "tAnswered", new_wait)
    return conv


def gen_truth(conv, a_new, outcome, wait_ms):
    metrics = {m["name"]: m["value"] for p in conv["participants"] if p["purpose"] == "agent"
               for m in p["sessions"][0]["metrics"]}
    attrs = conv["participants"][0].get("attributes", {})
    handle = None
    if outcome == "answered":
        handle = (metrics.get("tTalkComplete", metrics.get("tTalk", 0)) + metrics.get("tHeldComplete", 0)
                  + metrics.get("tAcw", 0)) / 1000
    agent = next((p.get("userId") for p in conv["participants"] if p["purpose"] == "agent"), None)
    return truth_row("genesys-cloud", conv["conversationId"], GENESYS_QUEUE,
                     conv["participants"][0]["sessions"][0]["mediaType"], a_new, outcome, wait_ms / 1000, handle,
                     attrs.get("fcr"), attrs.get("csat"), agent)


def make_genesys(month: str, f: float, rng: random.Random, convs):
    by_day = defaultdict(list)
    for c in convs:
        by_day[c["day"]].append(c)
    templates = defaultdict(list)
    for c in convs:
        if c["outcome"] == "answered":
            templates[c["media"]].append(c)
    out, truth = [], []
    for d, s, k, topup in day_plan(month):
        if d in HOLIDAYS["genesys"]:
            continue
        for c in sorted(by_day[s], key=lambda c: (c["a"], c["id"])):
            delta = week_delta_ms(c["a"], k)
            a_new = c["a"] + delta
            action, value = decide(rng, c["outcome"], c["wait"] / 1000, f, c["media"])
            old_ids = [p["participantId"] for p in c["conv"]["participants"]]
            if c["outcome"] == "answered" and action == "keep":
                conv, wait, outcome = gen_answered(c, a_new, round(value * 1000)), round(value * 1000), "answered"
            elif action == "answer":
                t = rng.choice(templates[c["media"]])
                conv, wait, outcome = gen_answered(t, a_new, round(value * 1000)), round(value * 1000), "answered"
                start = parse_z(c["conv"]["conversationStart"]) + delta
                cust = conv["participants"][0]
                cust["sessions"][0]["segments"][0]["segmentStart"] = fmt_ms(start)
                conv["conversationStart"] = fmt_ms(start)
                cust["sessions"][0]["metrics"][0]["emitDate"] = fmt_ms(start)
                if "ani" in c["conv"]["participants"][0]["sessions"][0]:
                    cust["sessions"][0]["ani"] = c["conv"]["participants"][0]["sessions"][0]["ani"]
                old_ids = [f"{c['id']}/{p['participantId']}" for p in conv["participants"]]
            elif action == "abandon":
                wait = int(value * 1000)
                end = a_new + wait
                conv = copy.deepcopy(c["conv"])
                walk_times(conv, GENESYS_TIMES, lambda v: fmt_ms(parse_z(v) + delta))
                kept = []
                for p in conv["participants"]:
                    s0 = p["sessions"][0]
                    if p["purpose"] == "customer":
                        p.pop("attributes", None)
                        s0["segments"] = [dict(s0["segments"][0], segmentEnd=fmt_ms(end), disconnectType="endpoint")]
                    elif p["purpose"] == "acd":
                        s0["segments"] = [dict(s0["segments"][0], segmentEnd=fmt_ms(end), disconnectType="peer")]
                        s0["metrics"] = [s0["metrics"][0], {"name": "tAcd", "value": wait, "emitDate": fmt_ms(end)},
                                         {"name": "tAbandon", "value": wait, "emitDate": fmt_ms(end)}]
                    else:  # the agent was still ringing when the customer hung up: an alert segment only
                        alert = next(g for g in s0["segments"] if g["segmentType"] == "alert")
                        if parse_z(alert["segmentStart"]) >= end:
                            continue
                        s0["segments"] = [dict(alert, segmentEnd=fmt_ms(end), disconnectType="peer")]
                        s0["metrics"] = [{"name": "tAlert", "value": end - parse_z(alert["segmentStart"]),
                                          "emitDate": fmt_ms(end)}]
                    kept.append(p)
                conv["participants"] = kept
                conv["conversationEnd"] = fmt_ms(end)
                outcome = "abandoned"
            else:
                conv = copy.deepcopy(c["conv"])
                walk_times(conv, GENESYS_TIMES, lambda v: fmt_ms(parse_z(v) + delta))
                wait, outcome = c["wait"], c["outcome"]
            conv["conversationId"] = new_uuid(c["id"], month, k, topup)
            for p, old in zip(conv["participants"], old_ids):
                p["participantId"] = new_uuid(old, month, k, topup)
            out.append(conv)
            truth.append(gen_truth(conv, a_new, outcome, wait))
    body = ",\n".join(json.dumps(c, separators=(",", ":"), ensure_ascii=False) for c in out)
    return '{"conversations":[\n' + body + f'\n],"totalHits":{len(out)}}}\n', truth


# -- Zendesk ----------------------------------------------------------------------------------------
def is_open(dt: datetime) -> bool:
    local = dt.astimezone(TZ)
    hours = HOURS.get(local.weekday())
    return bool(hours) and hours[0] <= local.hour < hours[1] and local.date() not in HELPDESK_HOLIDAYS


def open_windows(first: date):
    """The helpdesk's opening windows (UTC start, end) from local day `first` on."""
    day = first
    while True:
        hours = HOURS.get(day.weekday())
        if hours and day not in HELPDESK_HOLIDAYS:
            yield (datetime.combine(day, time(hours[0]), tzinfo=TZ).astimezone(UTC),
                   datetime.combine(day, time(hours[1]), tzinfo=TZ).astimezone(UTC))
        day += timedelta(days=1)


def _steps(a: datetime, b: datetime) -> int:
    """ceil((b - a) / 1 minute)."""
    return -int(-(b - a).total_seconds() // 60)


def add_business_minutes(start: datetime, minutes: int) -> datetime:
    """As Zendesk-style schedules count: the minute marks after `start` that fall in opening hours
    (the same answer as walking minute by minute through `is_open`)."""
    g0 = start.replace(second=0)
    left = minutes
    if left <= 0:
        return start
    for o, c in open_windows(g0.astimezone(TZ).date() - timedelta(days=1)):
        lo, hi = max(1, _steps(g0, o)), _steps(g0, c) - 1
        if hi < lo:
            continue
        if left <= hi - lo + 1:
            return g0 + timedelta(minutes=lo + left - 1, seconds=start.second)
        left -= hi - lo + 1


def business_minutes(start: datetime, end: datetime) -> int:
    """Minute marks start + i min (i >= 0) before `end` that fall in opening hours."""
    n = 0
    for o, c in open_windows(start.astimezone(TZ).date() - timedelta(days=1)):
        if o >= end:
            return n
        lo, hi = max(o, start), min(c, end)
        if lo < hi:
            n += _steps(start, hi) - _steps(start, lo)


def z(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def zdt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def read_zendesk():
    def items(name, key):
        return json.loads((HERE / "zendesk" / f"{name}-2026-10.json").read_text(encoding="utf-8"))[key]
    tickets = items("tickets", "tickets")
    groups = json.loads((HERE / "zendesk" / "tickets-2026-10.json").read_text(encoding="utf-8"))["groups"]
    metrics = {m["ticket_id"]: m for m in items("ticket_metrics", "ticket_metrics")}
    ratings = {r["ticket_id"]: r for r in items("satisfaction_ratings", "satisfaction_ratings")}
    return tickets, groups, metrics, ratings


def page(key: str, items: list, **extra) -> str:
    body = ",\n".join(json.dumps(item, ensure_ascii=False) for item in items)
    tail = "".join(f',\n"{k}": {json.dumps(v, ensure_ascii=False)}' for k, v in extra.items())
    return f'{{"{key}": [\n{body}\n]{tail}\n}}\n'


def make_zendesk(month: str, f: float, rng: random.Random, data, folder: Path) -> list[dict]:
    tickets, groups, metrics, ratings = data
    export = EXPORT_AT[month]
    by_day = defaultdict(list)
    for t in tickets:
        by_day[zdt(t["created_at"]).astimezone(TZ).date()].append(t)
    moved = []
    for d, s, k, topup in day_plan(month):
        for t in by_day[s]:
            created = zdt(t["created_at"]) + timedelta(milliseconds=week_delta_ms(parse_z(t["created_at"]), k))
            moved.append((created, t))
    moved.sort(key=lambda x: (x[0], x[1]["id"]))
    base = 48213 + (int(month[5:]) - 10) * 1000  # October's ids start at 48214
    out_t, out_m, out_r = [], [], []
    rating_id = 902110000 + (int(month[5:]) - 10) * 10000
    for n, (created, t) in enumerate(moved, start=1):
        old_m = metrics[t["id"]]
        tid = base + n
        reply_bm = old_m["reply_time_in_minutes"]["business"]
        res_bm = old_m["full_resolution_time_in_minutes"]["business"]
        if reply_bm is None:  # not replied when October was pulled: as the October generator draws it
            draw = rng.random()
            reply_bm = rng.randint(15, 400) if draw < 0.8 else rng.randint(400, 720) if draw < 0.9 else rng.randint(
                721, 1500)
        if res_bm is None:
            res_bm = reply_bm + rng.choice([0, 0, 0, 30, 90, 240, 600, 1200])
        new_reply = max(1, round(reply_bm * f))
        replied = add_business_minutes(created, new_reply)
        solved = add_business_minutes(created, new_reply + max(0, round((res_bm - reply_bm) * f)))
        age_h = (export - created).total_seconds() / 3600
        if replied > export or (age_h < 30 and rng.random() < 0.25):
            status, replied, solved = ("new" if rng.random() < 0.5 else "open"), None, None
        elif solved > export or (age_h < 72 and rng.random() < 0.3):
            status, solved = rng.choice(["pending", "pending", "hold", "open"]), None
        else:
            status = "closed" if (export - solved).days >= 4 else "solved"
        updated = max(x for x in (created, replied, solved) if x) + timedelta(minutes=rng.randint(1, 30))
        nt = dict(t, id=tid, url=f"https://acme-energy.zendesk.com/api/v2/tickets/{tid}.json", created_at=z(created),
                  updated_at=z(updated), status=status,
                  assignee_id=t["assignee_id"] or (361999000000 + rng.randrange(12)))
        if not replied:
            nt["assignee_id"] = None
        out_t.append(nt)
        reply_cal = None if not replied else round((replied - created).total_seconds() / 60)
        reply_bus = None if not replied else business_minutes(created, replied)
        res_cal = None if not solved else round((solved - created).total_seconds() / 60)
        res_bus = None if not solved else business_minutes(created, solved)
        out_m.append(dict(
            old_m, url=f"https://acme-energy.zendesk.com/api/v2/ticket_metrics/{tid + 7000000}.json",
            id=tid + 7000000, ticket_id=tid, created_at=z(created), updated_at=z(updated),
            assignee_stations=1 if replied else 0, replies=(1 + (res_cal or 0) // 600) if replied else 0,
            assignee_updated_at=z(replied) if replied else None, requester_updated_at=z(created),
            status_updated_at=z(updated),
            initially_assigned_at=z(created + timedelta(minutes=2)) if replied else None,
            assigned_at=z(created + timedelta(minutes=2)) if replied else None,
            solved_at=z(solved) if solved else None, latest_comment_added_at=z(updated),
            reply_time_in_minutes={"calendar": reply_cal, "business": reply_bus},
            first_resolution_time_in_minutes={"calendar": res_cal, "business": res_bus},
            full_resolution_time_in_minutes={"calendar": res_cal, "business": res_bus},
            requester_wait_time_in_minutes={"calendar": reply_cal, "business": reply_bus}))
        old_r = ratings.get(t["id"])
        if solved and old_r:
            old_solved = zdt(old_m["solved_at"])
            rated = solved + ((zdt(old_r["created_at"]) - old_solved) if old_solved else timedelta(minutes=5))
            if rated < export:
                rating_id += 1
                out_r.append(dict(old_r, id=rating_id, ticket_id=tid, assignee_id=nt["assignee_id"],
                                  url=f"https://acme-energy.zendesk.com/api/v2/satisfaction_ratings/{rating_id}.json",
                                  created_at=z(rated), updated_at=z(rated)))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"tickets-{month}.json").write_text(
        page("tickets", out_t, groups=groups, next_page=None, previous_page=None, count=len(out_t)), encoding="utf-8")
    (folder / f"ticket_metrics-{month}.json").write_text(
        page("ticket_metrics", out_m, next_page=None, previous_page=None, count=len(out_m)), encoding="utf-8")
    (folder / f"satisfaction_ratings-{month}.json").write_text(
        page("satisfaction_ratings", out_r, next_page=None, previous_page=None, count=len(out_r)), encoding="utf-8")
    return out_t


# -- complaints -------------------------------------------------------------------------------------
def make_complaints(month: str, f: float, rng: random.Random, path: Path) -> None:
    with open(HERE / "complaints" / "complaints-2026-10.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    by_day = defaultdict(list)
    for r in rows:
        by_day[datetime.fromisoformat(r["received_at"]).date()].append(r)
    export = EXPORT_AT[month]
    out = []
    for d, s, k, topup in day_plan(month):
        for r in by_day[s]:
            received = datetime.fromisoformat(r["received_at"])
            new_received = (received.replace(tzinfo=None) + timedelta(weeks=k)).replace(tzinfo=TZ)

            def move(text: str, default_bm: tuple[int, int] | None = None) -> str:
                if not text:
                    if not default_bm:
                        return ""
                    t = add_business_minutes(new_received, rng.randint(*default_bm))
                else:
                    t = add_business_minutes(new_received, round(
                        business_minutes(received, datetime.fromisoformat(text)) * f))
                return local_iso(t) if t < export else ""
            resolved = move(r["resolved_at"], (600, 6500))
            out.append(dict(r, received_at=local_iso(new_received),
                            acknowledged_at=move(r["acknowledged_at"], (20, 600)),
                            escalated_at=move(r["escalated_at"]), resolved_at=resolved,
                            updates=";".join(x for x in (move(u) for u in r["updates"].split(";") if u) if x),
                            upheld=(r["upheld"] or rng.choice(["yes", "no", "no"])) if resolved else "",
                            customer=f"ACC-{rng.randrange(100000, 999999)}"))
    out.sort(key=lambda r: r["received_at"])
    for n, r in enumerate(out, start=1):
        r["complaint_id"] = f"RC-{month}-{n:03d}"
    write_csv(path, out)


# -- surveys, vendor report ------------------------------------------------------------------------
CSAT_WEIGHTS = {"2026-07": [44, 34, 10, 7, 5], "2026-08": [40, 35, 12, 7, 6], "2026-09": [32, 33, 15, 11, 9],
                "2026-11": [37, 34, 13, 9, 7]}


def make_surveys(month: str, rng: random.Random, truth: list[dict], path: Path) -> None:
    answered = [r for r in truth if r["source"] == "asterisk-queue-log" and r["outcome"] == "answered"]
    chosen = sorted(rng.sample(answered, round(len(answered) * 230 / 1710)), key=lambda r: r["arrived"])
    rows = []
    for n, r in enumerate(chosen, start=1):
        end = from_ms(r["arrived"]) + timedelta(seconds=r["wait_s"] + (r["handle_s"] or 0))
        csat = rng.choices([5, 4, 3, 2, 1], weights=CSAT_WEIGHTS[month])[0]
        nps = max(0, min(10, csat * 2 + rng.choice([-2, -1, 0, 0, 1])))
        rows.append({
            "response_id": f"SV-{int(month.replace('-', '')) * 10000 + n}",
            "responded_at": local_iso(end + timedelta(minutes=rng.randint(2, 240))),
            "contact_id": r["id"], "channel": "Phone", "queue": "acme-billing",
            "agent": f"ag-{rng.randrange(1, 19):02d}", "csat": csat, "csat_scale": 5, "nps": nps,
            "resolved": rng.choice(["yes"] * 4 + ["no"]) if csat >= 3 else rng.choice(["yes", "no", "no"]),
            "comment": rng.choice([""] * 8 + ["Conseiller très aimable", "Attente trop longue",
                                              "Toujours pas de remboursement"]),
            "customer": f"ACC-{rng.randrange(100000, 999999)}",
        })
    write_csv(path, rows)


def kpis(rows: list[dict]) -> dict:
    """The month's true figures for a queue (T = 20 s, S = 5 s), as the engine computes them."""
    ans = [r for r in rows if r["outcome"] == "answered"]
    ab = [r for r in rows if r["outcome"] == "abandoned"]
    ab_late = [r for r in ab if r["wait_s"] >= 5]
    within = sum(1 for r in ans if r["wait_s"] <= 20)
    fcr = [str(r["fcr"]).lower() == "true" for r in ans if r["fcr"] is not None]
    csat = [int(r["csat"]) for r in ans if r["csat"] is not None]
    denom = len(ans) + len(ab_late)
    return {"service_level": within / denom if denom else None,
            "asa": sum(r["wait_s"] for r in ans) / len(ans) if ans else None,
            "abandon_rate": len(ab_late) / denom if denom else None,
            "aht": sum(r["handle_s"] for r in ans) / len(ans) if ans else None,
            "fcr": sum(fcr) / len(fcr) if fcr else None,
            "csat": sum(1 for x in csat if x >= 4) / len(csat) if csat else None,
            "csat_mean": sum(csat) / len(csat) if csat else None,
            "offered": len(ans) + len(ab), "answered": len(ans), "abandoned": len(ab)}


def make_vendor_report(month: str, rng: random.Random, truth: list[dict], tickets: list[dict], folder: Path) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    days = month_days(month)
    queues = {"acme-billing": [r for r in truth if r["source"] == "asterisk-queue-log"],
              "Acme Support": [r for r in truth if r["source"] == "amazon-connect"],
              GENESYS_QUEUE: [r for r in truth if r["source"] == "genesys-cloud"]}
    figures = {q: kpis(rows) for q, rows in queues.items()}
    if month != "2026-11":  # November is not over: the CCC has not reported it yet
        flatter = {"service_level": 0.027, "asa": -1.9, "abandon_rate": -0.011, "aht": -11.0, "fcr": 0.031,
                   "csat": 0.024, "csat_mean": 0.12}
        rows = []
        for queue, fig in figures.items():
            for key, delta in flatter.items():
                value = fig[key]
                if value is None:
                    continue
                value = max(0.0, min(1.0, value + delta)) if key in ("service_level", "abandon_rate", "fcr", "csat") \
                    else value + delta
                rows.append({"metric": key, "period": month, "value": round(value, 3), "queue": queue, "channel": "",
                             "numerator": "", "denominator": "", "timezone": "Europe/Paris"})
        replied = [t for t in tickets if t["status"] not in ("new", "open")]
        rows.append({"metric": "first_response_within", "period": month, "value": 0.95, "queue": "billing-email",
                     "channel": "email", "numerator": "", "denominator": len(replied), "timezone": "Europe/Paris"})
        rows.append({"metric": "complaint_acknowledged_on_time", "period": month, "value": 1.0, "queue": "",
                     "channel": "", "numerator": "", "denominator": "", "timezone": "Europe/Paris"})
        write_csv(folder / f"reported-{month}.csv", rows)

        # Daily forecasts (sent before the month; none for November: the demo leaves it missing).
        volumes: Counter = Counter()
        for queue, rows_q in queues.items():
            for r in rows_q:
                volumes[(queue, local_day(r["arrived"]))] += 1
        for t in tickets:
            volumes[("billing-email", zdt(t["created_at"]).astimezone(TZ).date())] += 1
        surprise = {days[rng.randrange(5, 12)], days[rng.randrange(18, 26)]}
        rows = []
        for queue, channel in (("acme-billing", "voice"), ("billing-email", "email"), ("Acme Support", ""),
                               (GENESYS_QUEUE, "")):
            for day in days:
                actual = volumes[(queue, day)]
                factor = 0.78 if queue == "acme-billing" and day in surprise else rng.uniform(0.95, 1.05)
                rows.append({"interval_start": day.isoformat(), "minutes": "", "queue": queue, "channel": channel,
                             "forecast_offered": round(actual * factor, 1), "timezone": "Europe/Paris"})
        write_csv(folder / f"forecast-{month}.csv", rows)

    rows = []
    for queue, agents in (("acme-billing", 14), ("billing-email", 4), ("Acme Support", 6), (GENESYS_QUEUE, 3)):
        for day in days:
            if day.weekday() == 6:
                continue
            scheduled = agents * (450 if day.weekday() < 5 else 240)
            adherence = rng.uniform(0.86, 0.96)
            rows.append({"day": day.isoformat(), "days": 1, "queue": queue, "scheduled_minutes": scheduled,
                         "adherent_minutes": round(scheduled * adherence), "headcount": "", "leavers": "",
                         "engagement_score": "", "engagement_scale": "", "timezone": "Europe/Paris"})
        if month != "2026-11":
            rows.append({"day": days[0].isoformat(), "days": len(days), "queue": queue, "scheduled_minutes": "",
                         "adherent_minutes": "", "headcount": agents + rng.choice([-0.5, 0, 0.5, 1]),
                         "leavers": rng.choice([0, 1, 1, 2]), "engagement_score": round(rng.uniform(3.4, 4.1), 2),
                         "engagement_scale": 5, "timezone": "Europe/Paris"})
    write_csv(folder / f"workforce-{month}.csv", rows)

    rows, n = [], 0
    scale = len(days) / 31
    for queue, count in (("acme-billing", 30), ("Acme Support", 20), (GENESYS_QUEUE, 12)):
        answered = [r for r in queues[queue] if r["outcome"] == "answered"]
        for r in sorted(rng.sample(answered, round(count * scale)), key=lambda r: r["arrived"]):
            n += 1
            good = {"2026-07": 55, "2026-08": 50, "2026-09": 42, "2026-11": 48}[month]
            rows.append({"evaluation_id": f"QA-{month}-{n:03d}",
                         "evaluated_at": local_iso(from_ms(r["arrived"]) + timedelta(days=rng.randint(1, 4), hours=2)),
                         "score": rng.choices([rng.randint(88, 100), rng.randint(70, 87), rng.randint(45, 69)],
                                              weights=[good, 40, 100 - good - 40 + 10])[0],
                         "max_score": 100, "form": f"{r['channel']}-quality-v3",
                         "evaluator": f"tl-{rng.randrange(1, 5):02d}", "agent": f"ag-{rng.randrange(1, 19):02d}",
                         "contact_id": r["id"], "channel": r["channel"], "queue": queue})
    write_csv(folder / f"quality-{month}.csv", rows)
    return figures


def write_csv(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


# -- README and driver ------------------------------------------------------------------------------
def pct(x):
    return "n/a" if x is None else f"{100 * x:.2f} %"


def num(x):
    return "n/a" if x is None else f"{x:.2f}"


def write_readme(summary: dict) -> None:
    lines = [
        "# Demo history: July, August, September 2026 and November 1–15 2026 (generated)",
        "",
        "Written by `python examples/make_history.py` (seeded, deterministic, standard library only; see its",
        "docstring for the method). Every month is derived from `october-2026/` and the October files of",
        "`zendesk/`, `complaints/`, `surveys/` and `vendor-report/`, each file in its platform's real export",
        "format: contacts moved by whole weeks of Paris wall-clock time (weekdays and opening hours line up),",
        "new unique ids, and queue waits scaled month by month so that the trends move:",
        "",
        "| Month | Wait factor | Meaning |",
        "|---|---|---|",
        "| 2026-07 | ×0.70 | a good month: shorter waits, some abandons answered instead |",
        "| 2026-08 | ×0.85 | better than October |",
        "| 2026-09 | ×1.15 | worse: longer waits, some answered calls abandoned instead |",
        "| 2026-11 (1–15) | ×1.00 | month to date, like October |",
        "",
        "Every record is valid except **one truncated line in `2026-09/queue_log`** (quarantined on purpose).",
        "Connect records delivered twice in October are delivered twice here too (identical copies).",
        "November has no `reported-` or `forecast-` file: the CCC has not reported the month yet, and its",
        "volume forecast is the obligation the demo leaves missing.",
        "",
        "Import a month in this order (the demo does the same, month by month, October between September and",
        "November):",
        "",
        "    ccc import asterisk-queue-log history/2026-07/queue_log",
        "    ccc import amazon-connect history/2026-07/ctr.jsonl",
        "    ccc import genesys-cloud history/2026-07/genesys.json",
        "    ccc import zendesk history/2026-07/zendesk/tickets-2026-07.json",
        "    ccc import zendesk history/2026-07/zendesk/ticket_metrics-2026-07.json",
        "    ccc import zendesk history/2026-07/zendesk/satisfaction_ratings-2026-07.json",
        "    ccc import complaints-csv history/2026-07/complaints-2026-07.csv",
        "    ccc import survey-csv history/2026-07/survey-2026-07.csv",
        "    ccc import vendor-report history/2026-07/vendor-report/reported-2026-07.csv   # forecast-, workforce-,",
        "    # quality- the same way",
        "",
        "## The true figures (T = 20 s, S = 5 s; months cut in Europe/Paris)",
        "",
        "Computed by the generator from the contacts it wrote (all channels of each queue). A worse month can",
        "show a lower ASA than October on a queue: the answered calls that would have waited longest",
        "abandon instead (and in a better month, answered former abandons bring long waits into ASA).",
        "",
        "| Month | Queue | Offered | Answered | Abandoned | SL default | Abandon rate (≥ S) | ASA s | AHT s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for month, figures in summary.items():
        for queue, fig in figures.items():
            name = "Acme Sales (`535f9413…`)" if queue == GENESYS_QUEUE else queue
            lines.append(f"| {month} | {name} | {fig['offered']} | {fig['answered']} | {fig['abandoned']} | "
                         f"{pct(fig['service_level'])} | {pct(fig['abandon_rate'])} | {num(fig['asa'])} | "
                         f"{num(fig['aht'])} |")
    (OUT / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    queue_log, ctr, genesys, zendesk = read_queue_log(), read_ctr(), read_genesys(), read_zendesk()
    summary = {}
    for month, f in FACTORS.items():
        folder = OUT / month
        folder.mkdir(parents=True, exist_ok=True)
        rng = random.Random(f"{SEED}/{month}")
        text, t_ast = make_asterisk(month, f, random.Random(f"{SEED}/{month}/asterisk"), queue_log)
        (folder / "queue_log").write_text(text, encoding="utf-8")
        text, t_ctr = make_connect(month, f, random.Random(f"{SEED}/{month}/connect"), ctr)
        (folder / "ctr.jsonl").write_text(text, encoding="utf-8")
        text, t_gen = make_genesys(month, f, random.Random(f"{SEED}/{month}/genesys"), genesys)
        (folder / "genesys.json").write_text(text, encoding="utf-8")
        truth = t_ast + t_ctr + t_gen
        tickets = make_zendesk(month, f, rng, zendesk, folder / "zendesk")
        make_complaints(month, f, rng, folder / f"complaints-{month}.csv")
        make_surveys(month, rng, truth, folder / f"survey-{month}.csv")
        summary[month] = make_vendor_report(month, rng, truth, tickets, folder / "vendor-report")
    write_readme(summary)


if __name__ == "__main__":
    main()
