"""Edge cases of conversations (also read by the golden test): the reader's blocks hold every readable
conversation in storage form; only the timestamps a contact's figures use can quarantine one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import ccc_genesys_cloud
from ccc_genesys_cloud import reader
from ccc_governance.blocks import ColumnBlock
from ccc_governance.records import Rejected
from ccc_governance.sources import ReadContext
from ccc_governance.testing import import_file

HERE = Path(__file__).parent
SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "october-2026" / "genesys.json"
Q1, Q2 = "q-one", "q-two"


def _seg(start, end, kind="interact", queue=Q1, **extra):
    return {"segmentStart": start, "segmentEnd": end, "queueId": queue, "segmentType": kind, **extra}


def _m(name, value, at="2026-10-01T08:00:05.000Z"):
    return {"name": name, "value": value, "emitDate": at}


def _conv(cid, acd_segs, acd_metrics, agents=(), start="2026-10-01T08:00:00.000Z", end="2026-10-01T08:10:00.000Z",
          customer_seg=None, attrs=None):
    parts = [{"purpose": "customer", "attributes": attrs or {}, "sessions": [{"mediaType": "voice", "ani": "tel:+33639981111",
              "segments": [customer_seg or _seg(start, end, queue=None)]}]}]
    if acd_segs is not None:
        parts.append({"purpose": "acd", "participantName": "Support", "sessions": [{"mediaType": "voice",
                      "segments": acd_segs, "metrics": acd_metrics}]})
    for user, segs, metrics in agents:
        parts.append({"purpose": "agent", "userId": user, "sessions": [{"mediaType": "voice", "segments": segs,
                      "metrics": metrics}]})
    conv = {"conversationId": cid, "conversationStart": start, "originatingDirection": "inbound", "participants": parts}
    if end is not None:
        conv["conversationEnd"] = end
    return conv


T0, T1, T2, T3 = "2026-10-01T08:00:00.000Z", "2026-10-01T08:00:20.001Z", "2026-10-01T08:05:00Z", "2026-10-01T08:10:00.000Z"
ANSWERED = [_seg(T0, T1)], [_m("nOffered", 1, T0), _m("tAcd", 20001, T1)]
AGENT = ("u1", [_seg(T1, T2), _seg(T2, T3, "wrapup")], [_m("tAnswered", 20001, T1), _m("tTalkComplete", 279999, T2),
                                                        _m("tHeld", 0, T2), _m("tAcw", 300000, T3)])
EDGES = [
    _conv("answered", *ANSWERED, agents=[AGENT], attrs={"fcr": "yes", "csat": "4,5"}),
    _conv("abandoned", [_seg(T0, T1)], [_m("tAbandon", 20001, T1)]),
    _conv("short", [_seg(T0, T1)], [_m("tShortAbandon", 2000, T1)]),
    _conv("flowout", [_seg(T0, T1)], [_m("tFlowOut", 20001, T1)]),
    _conv("ended-queued-no-metric", [_seg(T0, T1)], [], end=T2),
    _conv("open", [_seg(T0, None)], [_m("nOffered", 1, T0)], end=None),
    _conv("not-queued", None, []),
    _conv("other-queue", [_seg(T0, "2026-10-01T08:00:10.000Z")], [_m("tFlowOut", 10000)],
          agents=[("u2", [_seg(T1, T2, queue=Q2)], [_m("tAnswered", 5000, T1), _m("tTalk", 1000, T2)])]),
    _conv("transfer", *ANSWERED, agents=[("u1", [_seg(T1, T2, disconnectType="transfer")], [_m("tAnswered", 20001, T1)]),
                                         ("u2", [_seg(T2, T3)], [_m("tAnswered", 1000, T2)])]),
    # other layouts of valid timestamps
    _conv("offset", [_seg("2026-10-01T10:00:00.000+02:00", T1)], [_m("tAbandon", 20001, T1)]),
    _conv("micro", [_seg("2026-10-01T08:00:00.000123Z", T1)], [_m("tAbandon", 20001, T1)]),
    # a malformed timestamp the figures do not use imports; one they use quarantines
    _conv("bad-customer-seg", [_seg(T0, T1)], [_m("tAbandon", 20001, T1)],
          customer_seg=_seg("2026-10-1T08:00:00.000Z", T3, queue=None)),
    _conv("bad-acd-start", [_seg("2026-10-1T08:00:00.000Z", T1)], [_m("tAbandon", 20001, T1)]),
    _conv("bad-answer", *ANSWERED, agents=[("u1", [_seg(T1, T2)], [_m("tAnswered", 20001, "2026-10-1T08:00:20Z")])]),
    _conv("bad-end-open", [_seg(T0, "2026-10-1T08:00:20Z")], [], end=None),
    _conv("bad-metric", [_seg(T0, T1)], [_m("tAbandon", -1, T1)]),
    _conv("answered", *ANSWERED, agents=[AGENT], end="2026-10-01T08:11:00.000Z"),  # a later copy
]


@pytest.fixture
def edges(tmp_path):
    path = tmp_path / "edges.json"
    path.write_text('{"totalHits": 1, "conversations": [\n' + ",\n".join(json.dumps(c) for c in EDGES) + "\n]}",
                    encoding="utf-8")
    return path


def test_only_timestamps_the_figures_use_can_quarantine(ccc_workspace, ccc_db, ccc_pm, edges):
    ccc_pm.register(ccc_genesys_cloud)
    assert import_file(ccc_db, ccc_workspace, ccc_pm, "genesys-cloud", edges)["quarantined"] == 4
    stored = {r[0] for r in ccc_db.conn.execute("SELECT source_id FROM contacts")}
    assert {"bad-customer-seg", "offset", "micro", "open", "other-queue"} <= stored
    reasons = [r[0] for r in ccc_db.conn.execute("SELECT reason FROM quarantine ORDER BY line")]
    assert "participants[1].sessions[0] segmentStart '2026-10-1T08:00:00.000Z'" in reasons[0]
    assert "metric tAnswered emitDate" in reasons[1] and "segmentEnd" in reasons[2] and "tAbandon" in reasons[3]


def test_every_readable_conversation_is_in_a_block_in_storage_form(edges):
    items = list(reader.read_conversations(ReadContext(path=edges)))
    in_blocks = {sid for b in items if isinstance(b, ColumnBlock) for sid in b.columns[0]}
    assert in_blocks == {c["conversationId"] for c in EDGES} - {"bad-acd-start", "bad-answer", "bad-end-open", "bad-metric"}
    assert [r.source_id for r in items if isinstance(r, Rejected)] == ["bad-acd-start", "bad-answer", "bad-end-open",
                                                                      "bad-metric"]
    block = items[0]
    assert (block.kind, block.fields, block.partial) == ("contact", reader.FIELDS, False)
    rows = list(zip(*block.columns))
    t0 = 1790841600000  # T0 in epoch ms
    assert rows[0] == ("answered", 2, t0, "answered", "voice", "inbound", Q1, "Support", t0 + 20_001, t0 + 600_000,
                       20.001, 279.999, 0.0, 300.0, "u1", False, True, 4.5, 5, "tel:+33639981111", t0 + 600_000)
    open_ = rows[[r[0] for r in rows].index("open")]
    assert (open_[3], open_[9], open_[-1]) == ("open", None, t0)  # not ended: its version is its latest instant
    sample = list(reader.read_conversations(ReadContext(path=SAMPLE)))
    assert sum(len(b) for b in sample if isinstance(b, ColumnBlock)) == 345
