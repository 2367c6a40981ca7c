"""Seeded random Amazon Connect contact trace records for the golden test (`test_connect_golden.py`):
channels and methods in any case, skipped records, missing, empty, naive, offset or malformed
timestamps, durations as strings, negative, booleans, queues and agents of every type, attributes,
endpoints …, and lines that are not contact records or not JSON at all.

Everything is drawn from the `random.Random` handed in, so a seed gives the same records on every
machine and Python version (3.11+)."""

from __future__ import annotations

import random

T = ["2026-10-01T08:00:00Z", "2026-10-01T08:00:20.250Z", "2026-10-01T08:01:00Z", "2026-10-01T10:00:30+02:00",
     "2026-10-01T08:02:00.000123Z", "2026-10-01T08:03:00", "2026-10-01T08:05:00.5Z", "2026-10-01T08:00:20.250Z",
     "2026-09-30T23:59:59.999Z", "2026-10-01T08:00:00.0005Z", "2026-10-01T08:00:00.0015Z", "2026-10-01T08:00:07.000999Z"]
BAD_T = ["2026-10-1T08:00:00Z", "yesterday", 1790841600, "", True, {"t": 1}, ["2026-10-01T08:00:00Z"]]
SECONDS = [0, 1, 21, 250, 12.5, 0.001, 3600, 1e300]
BAD_SECONDS = [-1, -0.5, "21", "2,5", "abc", True, False, "", [1], {"s": 1}, "-3"]
CHANNELS = ["VOICE"] * 6 + ["CHAT", "EMAIL", "TASK", "voice", "Chat", "task", "SMS", "", None, 3, ["VOICE"], {}]
METHODS = ["INBOUND"] * 6 + ["OUTBOUND", "API", "CALLBACK", "TRANSFER", "MONITOR", "monitor", "EXTERNAL_OUTBOUND",
                              "agent_reply", "QUEUE_TRANSFER", "", None, 7]
FLAGS = ["true", "false", "yes", "Non", "1", "0", 1, 0, True, False, 2, "maybe", None, "", 1.0, [1]]
SCORES = ["4", 4, "4,5", " 3 ", "", None, "n/a", True, 2.5, "1e3", [4], {"v": 4}]


def _pick(rnd: random.Random, options, bad=(), p_bad=0.03, p_none=0.05):
    r = rnd.random()
    if bad and r < p_bad:
        return rnd.choice(bad)
    if r < p_bad + p_none:
        return None
    return rnd.choice(options)


def _maybe(rnd: random.Random, target: dict, key: str, value_fn, p: float = 0.9) -> None:
    if rnd.random() < p:
        target[key] = value_fn()


def random_record(rnd: random.Random, i: int) -> dict:
    """A contact trace record of random shape (its ContactId `c<i % 997>`: repeats, as Connect delivers them)."""
    r: dict = {"ContactId": f"c{i % 997}"}  # repeats, as Connect delivers them
    _maybe(rnd, r, "Channel", lambda: _pick(rnd, CHANNELS, p_none=0.03), 0.95)
    _maybe(rnd, r, "InitiationMethod", lambda: _pick(rnd, METHODS, p_none=0.03), 0.95)
    for key in ("InitiationTimestamp", "DisconnectTimestamp", "LastUpdateTimestamp"):
        _maybe(rnd, r, key, lambda: _pick(rnd, T, BAD_T, p_bad=0.02))
    for key in ("TransferCompletedTimestamp", "TransferredToEndpoint", "NextContactId"):
        _maybe(rnd, r, key, lambda: rnd.choice([None, "", "x", T[2], {"EndpointType": "TELEPHONE_NUMBER"}, {}, 0]), 0.15)
    shape = rnd.random()
    if shape < 0.05:
        r["Queue"] = rnd.choice([None, {}, [], "Support", 0, ["q"], 5])
    elif shape < 0.95:
        queue: dict = {}
        _maybe(rnd, queue, "Name", lambda: rnd.choice(["Support", "Sales", "", None, 5]), 0.8)
        _maybe(rnd, queue, "ARN", lambda: rnd.choice(["arn:aws:connect:eu-west-3:1:instance/x/queue/q", None, ""]), 0.7)
        for key in ("EnqueueTimestamp", "DequeueTimestamp"):
            _maybe(rnd, queue, key, lambda: _pick(rnd, T, BAD_T, p_bad=0.02), 0.85)
        _maybe(rnd, queue, "Duration", lambda: _pick(rnd, SECONDS, BAD_SECONDS), 0.8)
        r["Queue"] = queue
    shape = rnd.random()
    if shape < 0.05:
        r["Agent"] = rnd.choice([None, {}, [], "jdoe", 0, ["a"]])
    elif shape < 0.85:
        agent: dict = {}
        _maybe(rnd, agent, "Username", lambda: rnd.choice(["jdoe", "", None, 5]), 0.8)
        _maybe(rnd, agent, "ARN", lambda: rnd.choice(["arn:aws:connect:eu-west-3:1:instance/x/agent/a", None]), 0.5)
        _maybe(rnd, agent, "ConnectedToAgentTimestamp", lambda: _pick(rnd, T, BAD_T, p_bad=0.02, p_none=0.2), 0.9)
        for key in ("AgentInteractionDuration", "CustomerHoldDuration", "AfterContactWorkDuration"):
            _maybe(rnd, agent, key, lambda: _pick(rnd, SECONDS, BAD_SECONDS), 0.85)
        r["Agent"] = agent
    shape = rnd.random()
    if shape < 0.05:
        r["Attributes"] = rnd.choice([None, "x", [], 3])
    elif shape < 0.9:
        attributes: dict = {}
        _maybe(rnd, attributes, "fcr", lambda: rnd.choice(FLAGS), 0.4)
        _maybe(rnd, attributes, "csat", lambda: rnd.choice(SCORES), 0.4)
        _maybe(rnd, attributes, "resolved", lambda: rnd.choice(FLAGS), 0.1)
        _maybe(rnd, attributes, "score", lambda: rnd.choice(SCORES), 0.1)
        r["Attributes"] = attributes
    _maybe(rnd, r, "CustomerEndpoint", lambda: rnd.choice(
        [{"Address": "+33639981234", "Type": "TELEPHONE_NUMBER"}, {"Address": "client@example.org"}, {"Address": None},
         {"Address": 33639981234}, {}, None, "x", []]), 0.9)
    return r


#: Lines that are not a contact record, or not JSON at all.
NOT_RECORDS = ['{"ContactId": 5}', "[1, 2]", '"text"', '{"ContactId": "cut", "Chan', "{not json"]
