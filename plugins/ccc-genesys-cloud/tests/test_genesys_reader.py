"""Hand-made conversation-details files: layouts, outcomes, milliseconds, transfers and bad timestamps."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import ccc_genesys_cloud
from ccc_genesys_cloud.reader import read_conversations
from ccc_governance.records import Contact, Rejected
from ccc_governance.sources import ReadContext
from ccc_governance.testing import flatten

START = datetime(2026, 10, 1, 8, 0, tzinfo=timezone.utc)
Q1 = "535f9413-fff9-4936-ae77-22ab07f61915"
Q2 = "11111111-2222-3333-4444-555555555555"


def _ts(ms: int) -> str:
    return (START + timedelta(milliseconds=ms)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _metric(name, value, at):
    return {"name": name, "value": value, "emitDate": _ts(at)}


def _customer(media="voice", attrs=None, **session):
    p = {"purpose": "customer", "sessions": [{"mediaType": media, "ani": "tel:+33639981111", "segments": [
        {"segmentStart": _ts(0), "segmentEnd": _ts(100), "segmentType": "interact"}], **session}]}
    if attrs is not None:
        p["attributes"] = attrs
    return p


def _acd(start, end, queue=Q1, media="voice", abandon=None, **metrics):
    ms = [_metric("nOffered", 1, start), _metric("tAcd", end - start, end)]
    if abandon is not None:
        ms.append(_metric("tAbandon", abandon, end))
    ms += [_metric(k, v, end) for k, v in metrics.items()]
    return {"purpose": "acd", "sessions": [{"mediaType": media, "segments": [
        {"segmentStart": _ts(start), "segmentEnd": _ts(end), "queueId": queue, "segmentType": "interact"}],
        "metrics": ms}]}


def _agent(user, alert_at, answer_at=None, talk=0, held=0, acw=0, queue=Q1, media="voice", wait=None, end_type="peer"):
    segs = [{"segmentStart": _ts(alert_at), "segmentEnd": _ts(answer_at or alert_at + 5000), "queueId": queue, "segmentType": "alert"}]
    metrics = [_metric("tAlert", (answer_at or alert_at + 5000) - alert_at, answer_at or alert_at + 5000)]
    if answer_at is not None:
        segs.append({"segmentStart": _ts(answer_at), "segmentEnd": _ts(answer_at + talk + held), "queueId": queue,
                     "segmentType": "interact", "disconnectType": end_type})
        metrics += [_metric("tAnswered", wait, answer_at), _metric("tTalk", talk, answer_at + talk),
                    _metric("tTalkComplete", talk, answer_at + talk), _metric("tAcw", acw, answer_at + talk + acw),
                    _metric("tHandle", talk + held + acw, answer_at + talk + acw)]
        if held:
            metrics += [_metric("tHeld", held, answer_at + talk), _metric("tHeldComplete", held, answer_at + talk)]
    return {"purpose": "agent", "userId": user, "sessions": [{"mediaType": media, "segments": segs, "metrics": metrics}]}


def _conv(cid, participants, end=600_000, direction="inbound"):
    c = {"conversationId": cid, "conversationStart": _ts(0), "originatingDirection": direction, "participants": participants}
    if end is not None:
        c["conversationEnd"] = _ts(end)
    return c


def _read(tmp_path, text, **kwargs):
    path = tmp_path / "conversations.json"
    path.write_text(text, encoding="utf-8")
    records = flatten(read_conversations(ReadContext(path=path, **kwargs)))
    return {r.source_id: r for r in records if isinstance(r, Contact)}, [r for r in records if isinstance(r, Rejected)]


def _api(*convs):
    return json.dumps({"conversations": list(convs), "totalHits": len(convs)})


def test_registration():
    got = []
    ccc_genesys_cloud.register_sources(got.append)
    assert [s.name for s in got] == ["genesys-cloud"]


def test_answered_conversation(tmp_path):
    conv = _conv("a1", [_customer(attrs={"fcr": "true", "csat": "4"}), _acd(2000, 22001),
                        _agent("u1", 15000, 22001, talk=200500, held=30250, acw=45125, wait=20001)])
    contacts, rejected = _read(tmp_path, _api(conv))
    assert rejected == []
    c = contacts["a1"]
    assert c.outcome == "answered" and c.channel == "voice" and c.direction == "inbound"
    assert c.arrived_at == START + timedelta(milliseconds=2000)  # the acd segment start, not conversationStart
    assert c.queue == Q1 and c.agent == "u1" and c.customer == "tel:+33639981111"
    assert c.wait_s == 20.001  # never rounded: 20.001 s is not within 20 s
    assert (c.talk_s, c.hold_s, c.wrap_s) == (200.5, 30.25, 45.125)
    assert c.answered_at == START + timedelta(milliseconds=22001)
    assert c.ended_at == START + timedelta(milliseconds=600_000) and c.version == c.ended_at
    assert (c.fcr, c.csat, c.csat_scale, c.transferred) == (True, 4.0, 5, False)


def test_agent_alert_only_is_abandoned(tmp_path):
    conv = _conv("ab", [_customer(), _acd(0, 34885, abandon=34885), _agent("u1", 30000)])
    contacts, _ = _read(tmp_path, _api(conv))
    c = contacts["ab"]
    assert (c.outcome, c.wait_s, c.talk_s, c.hold_s, c.wrap_s, c.agent, c.answered_at) == (
        "abandoned", 34.885, None, None, None, None, None
    )


def test_answered_without_hold_has_zero_hold(tmp_path):
    conv = _conv("h0", [_customer(media="chat"), _acd(0, 1454, media="chat"),
                        _agent("u2", 500, 1454, talk=488517, acw=65883, media="chat", wait=1454)])
    c = _read(tmp_path, _api(conv))[0]["h0"]
    assert (c.channel, c.wait_s, c.talk_s, c.hold_s, c.wrap_s) == ("chat", 1.454, 488.517, 0.0, 65.883)


def test_layouts(tmp_path):
    convs = [_conv(f"c{i}", [_customer(), _acd(0, 4999, abandon=4999)]) for i in range(3)]
    for text in (_api(*convs), json.dumps(convs), "\n".join(json.dumps(c) for c in convs),
                 json.dumps({"totalHits": 3, "conversations": convs}, indent=1)):
        contacts, rejected = _read(tmp_path, text)
        assert rejected == [] and sorted(contacts) == ["c0", "c1", "c2"]
        assert contacts["c0"].wait_s == 4.999
    lines = "\n".join(json.dumps(c) for c in convs)
    assert [c.line for c in _read(tmp_path, lines)[0].values()] == [1, 2, 3]


def test_transfer_between_queues_keeps_the_first_queue(tmp_path):
    conv = _conv("tq", [
        _customer(),
        _acd(1000, 31000, queue=Q1, tFlowOut=30000),
        _acd(31000, 41000, queue=Q2),
        _agent("u3", 36000, 41000, talk=100000, queue=Q2, wait=10000),
    ])
    c = _read(tmp_path, _api(conv))[0]["tq"]
    assert c.queue == Q1 and c.outcome == "answered" and c.transferred is True
    assert c.wait_s == 40.0  # from entering the first queue to the answer


def test_agent_to_agent_transfer_sums_handling(tmp_path):
    conv = _conv("ta", [
        _customer(), _acd(0, 5000),
        _agent("u1", 1000, 5000, talk=60000, acw=10000, wait=5000, end_type="transfer"),
        _agent("u2", 70000, 72000, talk=30000, acw=5000, wait=72000),
    ])
    c = _read(tmp_path, _api(conv))[0]["ta"]
    assert (c.agent, c.wait_s, c.talk_s, c.wrap_s, c.transferred) == ("u1", 5.0, 90.0, 15.0, True)


def test_flow_out_open_and_not_queued(tmp_path):
    convs = [
        _conv("fo", [_customer(), _acd(0, 300000, tFlowOut=300000)]),
        _conv("op", [_customer(), _acd(0, 10000)], end=None),
        _conv("iv", [_customer()]),
        _conv("sm", [_customer(media="message", messageType="sms"), _acd(0, 3000, media="message", abandon=3000)]),
        _conv("wa", [_customer(media="message", messageType="whatsapp"), _acd(0, 3000, media="message", abandon=3000)]),
    ]
    contacts, rejected = _read(tmp_path, _api(*convs))
    assert rejected == []
    assert (contacts["fo"].outcome, contacts["fo"].wait_s) == ("timeout", 300.0)
    assert (contacts["op"].outcome, contacts["op"].wait_s, contacts["op"].ended_at) == ("open", None, None)
    assert (contacts["iv"].outcome, contacts["iv"].queue, contacts["iv"].arrived_at) == ("not_queued", None, START)
    assert (contacts["sm"].channel, contacts["wa"].channel) == ("sms", "social")


def test_malformed_conversations_are_rejected_alone(tmp_path):
    good = _conv("ok", [_customer(), _acd(0, 5000, abandon=5000)])
    bad = json.loads(json.dumps(_conv("bad", [_customer(), _acd(0, 5000, abandon=5000)])).replace("2026-10-01T", "2026-10-1T"))
    cobrowse = _conv("cb", [_customer(media="cobrowse")])
    lines = [json.dumps(good), json.dumps(bad), json.dumps(_conv("cut", []))[:40], json.dumps(cobrowse), json.dumps({"x": 1})]
    contacts, rejected = _read(tmp_path, "\n".join(lines))
    assert list(contacts) == ["ok"]
    assert [(r.line, r.source_id) for r in rejected] == [(2, "bad"), (3, None), (4, "cb"), (5, None)]
    assert "conversation #2 (bad): conversationStart '2026-10-1T08:00:00.000Z'" in rejected[0].reason
    assert "invalid JSON" in rejected[1].reason
    assert "cobrowse" in rejected[2].reason and "not a conversation" in rejected[3].reason


def test_attribute_names_from_workspace(tmp_path):
    conv = _conv("at", [_customer(attrs={"Resolved": "no", "Score": "2"}), _acd(0, 5000, abandon=5000)])
    c = _read(tmp_path, _api(conv), attributes={"fcr": "Resolved", "csat": "Score"})[0]["at"]
    assert (c.fcr, c.csat) == (False, 2.0)


def test_a_purpose_that_is_not_text_rejects_its_conversation_alone(tmp_path):
    # Regression: a purpose that is a list made the reader fail the whole file (TypeError: it was
    # looked up in a dict); a number was read as an unknown purpose, dropping what the participant was.
    convs = [_conv("ok1", [_customer(), _acd(0, 5000, abandon=5000)]),
             _conv("list", [_customer(), {**_acd(0, 5000, abandon=5000), "purpose": ["acd"]}]),
             _conv("number", [{**_customer(), "purpose": 3}, _acd(0, 5000, abandon=5000)]),
             _conv("ok2", [{**_customer(), "purpose": None}, _acd(0, 5000, abandon=5000)])]
    contacts, rejected = _read(tmp_path, "\n".join(json.dumps(c) for c in convs))
    assert list(contacts) == ["ok1", "ok2"]
    assert [(r.line, r.source_id, r.reason) for r in rejected] == [
        (2, "list", "conversation #2 (list): participants[1] purpose ['acd'] is not text"),
        (3, "number", "conversation #3 (number): participants[0] purpose 3 is not text"),
    ]


def test_a_participant_session_or_metric_of_the_wrong_shape_rejects_its_conversation_alone(tmp_path):
    good = _conv("ok", [_customer(), _acd(0, 5000, abandon=5000)])
    odd = [
        {**good, "conversationId": "p", "participants": {"purpose": "acd"}},
        {**good, "conversationId": "p1", "participants": [good["participants"][0], "acd"]},
        _conv("s", [_customer(), {**_acd(0, 5000, abandon=5000), "sessions": [[1]]}]),
        _conv("m", [_customer(), _acd(0, 5000, abandon=5000)]),
    ]
    odd[3]["participants"][1]["sessions"][0]["metrics"][1] = "tAcd"
    contacts, rejected = _read(tmp_path, "\n".join(json.dumps(c) for c in [good, *odd, good]))
    assert list(contacts) == ["ok"] and len(rejected) == 4
    assert [r.reason for r in rejected] == [
        "conversation #2 (p): participants is {'purpose': 'acd'}, not a list",
        "conversation #3 (p1): participants[1] is 'acd', not an object",
        "conversation #4 (s): participants[1].sessions[0] is [1], not an object",
        "conversation #5 (m): participants[1].sessions[0].metrics[1] is 'tAcd', not an object",
    ]
