"""Synthetic export files for the benchmarks: one function per format, each streaming to disk.

`GENERATORS[name](path, n, seed)` writes `n` contacts: `contacts_csv` (a plain CSV for the csv
plugin, with `CONTACTS_MAPPING`) and, keyed by the source that reads them, an Asterisk
queue_log, Amazon Connect CTRs (JSON lines) and a Genesys Cloud conversation-details response.
The same `n` and seed always give the same bytes.
"""

from __future__ import annotations

import json
import math
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

START = datetime(2026, 10, 1, tzinfo=timezone.utc)

CONTACTS_HEADER = "call_id,queued_at,answered_at,ended_at,queue,result,wait,talk,hold,wrap,agent,caller"

#: The csv plugin's mapping for `contacts_csv` files.
CONTACTS_MAPPING = """kind = "contact"
source_id = "call_id"
[fields]
arrived_at = "queued_at"
answered_at = "answered_at"
ended_at = "ended_at"
queue = "queue"
outcome = "result"
wait_s = "wait"
talk_s = "talk"
hold_s = "hold"
wrap_s = "wrap"
agent = "agent"
customer = "caller"
[values.outcome]
ANSWERED = "answered"
ABANDONED = "abandoned"
"""


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def engine_row(cid: str, t: datetime, queue: str, i: int, rnd: random.Random) -> str:
    """One CSV line of the engine benches (CONTACTS_HEADER): 90 % answered, waits exponential of mean
    15 s with one decimal, talk 30–900 s, hold 0–60 s, wrap 0–120 s."""
    wait = round(rnd.expovariate(1 / 15), 1)
    if rnd.random() < 0.9:
        talk, hold, wrap = rnd.randint(30, 900), rnd.randint(0, 60), rnd.randint(0, 120)
        ans = t + timedelta(seconds=math.ceil(wait))
        return (f"{cid},{_iso(t)},{_iso(ans)},{_iso(ans + timedelta(seconds=talk + hold))},{queue},"
                f"ANSWERED,{wait},{talk},{hold},{wrap},agent{i % 57},+3363{i % 100000:05d}\n")
    return (f"{cid},{_iso(t)},,{_iso(t + timedelta(seconds=math.ceil(wait)))},{queue},"
            f"ABANDONED,{wait},,,,,+3363{i % 100000:05d}\n")


def contacts_csv(path: Path, n: int, seed: int = 1) -> Path:
    """`n` contacts as a plain CSV (header `CONTACTS_HEADER`), ~2 s apart, 90 % answered."""
    rnd = random.Random(seed)
    t = START
    queues = ("billing", "support", "sales")
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(CONTACTS_HEADER + "\n")
        lines = []
        for i in range(n):
            t += timedelta(seconds=rnd.randint(0, 4))
            wait = rnd.randint(0, 90)
            answered = rnd.random() < 0.9
            if answered:
                talk, hold, wrap = rnd.randint(30, 900), rnd.randint(0, 60), rnd.randint(0, 120)
                ans = t + timedelta(seconds=wait)
                end = ans + timedelta(seconds=talk + hold)
                lines.append(f"c{i},{_iso(t)},{_iso(ans)},{_iso(end)},{queues[i % 3]},ANSWERED,{wait},{talk},{hold},"
                             f"{wrap},agent{i % 57},+336399{i % 100000:05d}\n")
            else:
                end = t + timedelta(seconds=wait)
                lines.append(f"c{i},{_iso(t)},,{_iso(end)},{queues[i % 3]},ABANDONED,{wait},,,,,+336399{i % 100000:05d}\n")
            if len(lines) >= 10_000:
                fh.writelines(lines)
                lines.clear()
        fh.writelines(lines)
    return path


# --- platform exports (queue_log, CTR, Genesys) -------------------------------------------------

EPOCH0 = int(START.timestamp())

#: The queue every platform generator puts its calls in (Genesys: a queue id; Connect: the name).
PLATFORM_QUEUES = {
    "asterisk-queue-log": "bench",
    "amazon-connect": "Bench",
    "genesys-cloud": "535f9413-fff9-4936-ae77-22ab07f61915",
}


def _calls(n: int, seed: int = 7):
    """(index, arrival epoch s, wait s, talk s, answered) for n contacts, ~3 s apart."""
    rnd = random.Random(seed)
    t = float(EPOCH0)
    for i in range(n):
        t += rnd.randint(1, 5)
        wait = rnd.randint(0, 60)
        yield i, int(t), wait, rnd.randint(30, 600), rnd.random() < 0.9


def queue_log(path: Path, n: int, seed: int = 7) -> Path:
    """Lines as Asterisk writes them (3 a call), calls interleaving in time order."""
    pending: list[tuple[int, str]] = []
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"{EPOCH0}|NONE|NONE|NONE|QUEUESTART|\n")
        for i, t, wait, talk, answered in _calls(n, seed):
            cid = f"{t}.{i}"
            lines = [(t, f"{t}|{cid}|bench|NONE|ENTERQUEUE||06399{i % 100000:05d}|1")]
            if answered:
                lines.append((t + wait, f"{t + wait}|{cid}|bench|PJSIP/1001|CONNECT|{wait}|{cid}9|2"))
                lines.append((t + wait + talk, f"{t + wait + talk}|{cid}|bench|PJSIP/1001|COMPLETECALLER|{wait}|{talk}|1"))
            else:
                lines.append((t + wait, f"{t + wait}|{cid}|bench|NONE|ABANDON|1|1|{wait}"))
            pending.extend(lines)
            if len(pending) > 2000:
                pending.sort()
                cut = t  # every line before the current arrival can be written in order
                keep = [p for p in pending if p[0] >= cut]
                f.writelines(text + "\n" for when, text in pending if when < cut)
                pending = keep
        pending.sort()
        f.writelines(text + "\n" for _, text in pending)
    return path


def _iso_epoch(epoch: float, ms: bool = False) -> str:
    dt = datetime.fromtimestamp(epoch, tz=timezone.utc)
    return dt.isoformat(timespec="milliseconds" if ms else "seconds").replace("+00:00", "Z")


def connect_ctr(path: Path, n: int, seed: int = 7) -> Path:
    """One Amazon Connect CTR object per line, shaped like Connect's."""
    with open(path, "w", encoding="utf-8") as f:
        for i, t, wait, talk, answered in _calls(n, seed):
            agent = None
            if answered:
                agent = {"Username": "agent1", "ConnectedToAgentTimestamp": _iso_epoch(t + wait),
                         "AgentInteractionDuration": talk, "CustomerHoldDuration": 0, "AfterContactWorkDuration": 30,
                         "NumberOfHolds": 0}
            end = t + wait + (talk if answered else 0)
            rec = {
                "AWSAccountId": "123456789012", "AWSContactTraceRecordFormatVersion": "2017-03-10", "Agent": agent,
                "Attributes": {"fcr": "true", "csat": "4"} if i % 5 == 0 else {}, "Channel": "VOICE",
                "ContactId": f"00000000-0000-4000-8000-{i:012d}",
                "CustomerEndpoint": {"Address": f"+336399{i % 100000:05d}", "Type": "TELEPHONE_NUMBER"},
                "DisconnectTimestamp": _iso_epoch(end), "InitiationMethod": "INBOUND",
                "InitiationTimestamp": _iso_epoch(t - 10), "LastUpdateTimestamp": _iso_epoch(end + 60),
                "Queue": {"ARN": "arn:aws:connect:eu-west-3:1:instance/x/queue/q", "Name": "Bench",
                          "EnqueueTimestamp": _iso_epoch(t), "DequeueTimestamp": _iso_epoch(t + wait),
                          "Duration": wait},
            }
            f.write(json.dumps(rec, separators=(",", ":")) + "\n")
    return path


def genesys_conversations(path: Path, n: int, seed: int = 7) -> Path:
    """The Genesys Cloud API's `{"conversations": [...]}`, one conversation per line, metrics in ms."""
    q = PLATFORM_QUEUES["genesys-cloud"]
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"conversations":[\n')
        for i, t, wait, talk, answered in _calls(n, seed):
            w = wait * 1000 + i % 1000
            ts = lambda ms: _iso_epoch(t + ms / 1000, ms=True)  # noqa: E731
            acd_metrics = [{"name": "nOffered", "value": 1, "emitDate": ts(0)},
                           {"name": "tAcd", "value": w, "emitDate": ts(w)}]
            parts = [
                {"purpose": "customer", "sessions": [{"mediaType": "voice", "ani": f"tel:+336399{i % 100000:05d}",
                 "segments": [{"segmentStart": ts(0), "segmentEnd": ts(w + talk * 1000), "segmentType": "interact"}]}]},
                {"purpose": "acd", "sessions": [{"mediaType": "voice", "segments": [
                    {"segmentStart": ts(0), "segmentEnd": ts(w), "queueId": q, "segmentType": "interact"}],
                    "metrics": acd_metrics}]},
            ]
            if answered:
                tk = talk * 1000
                parts.append({"purpose": "agent", "userId": "u1", "sessions": [{"mediaType": "voice", "segments": [
                    {"segmentStart": ts(w - 2000), "segmentEnd": ts(w), "queueId": q, "segmentType": "alert"},
                    {"segmentStart": ts(w), "segmentEnd": ts(w + tk), "queueId": q, "segmentType": "interact"},
                    {"segmentStart": ts(w + tk), "segmentEnd": ts(w + tk + 30000), "queueId": q, "segmentType": "wrapup"}],
                    "metrics": [{"name": "tAnswered", "value": w, "emitDate": ts(w)},
                                {"name": "tTalkComplete", "value": tk, "emitDate": ts(w + tk)},
                                {"name": "tAcw", "value": 30000, "emitDate": ts(w + tk + 30000)}]}]})
            else:
                acd_metrics.append({"name": "tAbandon", "value": w, "emitDate": ts(w)})
            conv = {"conversationId": f"00000000-0000-4000-9000-{i:012d}", "conversationStart": ts(0),
                    "conversationEnd": ts(w + (talk * 1000 + 30000 if answered else 0)),
                    "originatingDirection": "inbound", "participants": parts}
            f.write(("," if i else "") + json.dumps(conv, separators=(",", ":")) + "\n")
        f.write(f'],"totalHits":{n}}}\n')
    return path


GENERATORS = {
    "contacts_csv": contacts_csv,
    "asterisk-queue-log": queue_log,
    "amazon-connect": connect_ctr,
    "genesys-cloud": genesys_conversations,
}
