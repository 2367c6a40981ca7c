"""Seeded random Genesys Cloud conversations for the golden test (`test_genesys_golden.py`): odd
purposes, missing or malformed timestamps, offsets, several queues and agents, metrics twice,
negative or non-numeric values, attributes, media types …

Everything is drawn from the `random.Random` handed in, so a seed gives the same conversations on
every machine and Python version (3.11+)."""

from __future__ import annotations

import random

T = ["2026-10-01T08:00:00.000Z", "2026-10-01T08:00:20.001Z", "2026-10-01T08:01:00Z", "2026-10-01T10:00:30.000+02:00",
     "2026-10-01T08:02:00.000123Z", "2026-10-01T08:03:00", "2026-10-01T08:05:00.000Z", "2026-10-01T08:00:20.001Z"]
BAD_T = ["2026-10-1T08:00:00.000Z", "yesterday", 1790841600, "", True]
PURPOSES = ["customer"] * 3 + ["acd"] * 5 + ["agent"] * 5 + ["external", "user", "ivr", "workflow", None, "outbound", 3]
MEDIA = ["voice"] * 4 + ["callback", "chat", "email", "message", "message", "video", "cobrowse", "VOICE", None, "", 7]
METRICS = ["tAnswered", "tTalk", "tTalkComplete", "tHeld", "tHeldComplete", "tAcw", "tAbandon", "tShortAbandon",
           "tFlowOut", "tAcd", "nOffered", "nTransferred", "oInteracting", "tAlert", "", None]


def _pick(rnd: random.Random, options, bad=(), p_bad=0.03, p_none=0.05):
    r = rnd.random()
    if bad and r < p_bad:
        return rnd.choice(bad)
    if r < p_bad + p_none:
        return None
    return rnd.choice(options)


def random_conversation(rnd: random.Random, i: int) -> dict:
    """A conversation of random shape, id `c<i>` (now and then a purpose that is a list: see `list_purpose`)."""
    conv = {"conversationId": f"c{i}"}
    for key in ("conversationStart", "conversationEnd"):
        if rnd.random() < 0.9:
            conv[key] = _pick(rnd, T, BAD_T, p_bad=0.02)
    if rnd.random() < 0.8:
        conv["originatingDirection"] = rnd.choice(["inbound", "outbound", None])
    parts = []
    for _ in range(rnd.choice([0, 1, 2, 3, 3, 4, 4, 5, 6])):
        part = {"purpose": _pick(rnd, PURPOSES, bad=[["acd"]], p_bad=0.002, p_none=0.02)}
        if rnd.random() < 0.3:
            part["userId"] = rnd.choice(["u1", "u2", None, 5])
        if rnd.random() < 0.3:
            part["participantName"] = rnd.choice(["Support", None, 12])
        if rnd.random() < 0.2:
            part["attributes"] = rnd.choice([{"fcr": "yes", "csat": "4,5"}, {"csat": 3}, {"fcr": False}, {}, "x",
                                             {"fcr": "non", "csat": "bad"}])
        sessions = []
        for _ in range(rnd.choice([0, 1, 1, 1, 2, 3])):
            session = {}
            if rnd.random() < 0.9:
                session["mediaType"] = _pick(rnd, MEDIA, p_none=0.02)
            if rnd.random() < 0.2:
                session["messageType"] = rnd.choice(["sms", "whatsapp", "webmessaging", None, "SMS"])
            if rnd.random() < 0.5:
                session["ani"] = rnd.choice(["tel:+33639981111", "", None, "sip:x@y"])
            segs = []
            for _ in range(rnd.randint(0, 4)):
                seg = {}
                for key in ("segmentStart", "segmentEnd"):
                    if rnd.random() < 0.9:
                        seg[key] = _pick(rnd, T, BAD_T, p_bad=0.02)
                if rnd.random() < 0.7:
                    seg["queueId"] = rnd.choice(["q1", "q2", "", None])
                if rnd.random() < 0.9:
                    seg["segmentType"] = rnd.choice(["interact", "alert", "wrapup", "hold", "ivr", None])
                if rnd.random() < 0.3:
                    seg["disconnectType"] = rnd.choice(["transfer", "endpoint", "client", None])
                segs.append(seg)
            if segs or rnd.random() < 0.5:
                session["segments"] = segs
            metrics = []
            for _ in range(rnd.randint(0, 5)):
                metric = {"name": _pick(rnd, METRICS, p_none=0.02)}
                r = rnd.random()
                metric["value"] = (rnd.choice([-1, "12", True, None, 1.5e300]) if r < 0.03 else
                                   rnd.choice([0, 1, 999, 20001, 12.5, 3000.25]))
                if rnd.random() < 0.9:
                    metric["emitDate"] = _pick(rnd, T, BAD_T, p_bad=0.02)
                metrics.append(metric)
            if metrics or rnd.random() < 0.5:
                session["metrics"] = metrics
            sessions.append(session)
        if sessions or rnd.random() < 0.5:
            part["sessions"] = sessions
        parts.append(part)
    if parts or rnd.random() < 0.5:
        conv["participants"] = parts
    return conv


def list_purpose(conv: dict) -> bool:
    """Whether a participant's purpose is a list (such a conversation is rejected)."""
    return any(isinstance(p.get("purpose"), list) for p in conv.get("participants", ()))
