"""RowBatch / blocks_of, and the platform readers that use them: the fast path stores exactly what records store.

Each file is imported into two fresh workspaces, once as the host reads the source (RowBlocks)
and once with the reader yielding a record per contact; summaries, stored rows, the quarantine
and the batches must be identical.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import ccc_amazon_connect
import ccc_asterisk
import ccc_genesys_cloud
from ccc_amazon_connect import reader as connect_reader
from ccc_asterisk import reader as asterisk_reader
from ccc_genesys_cloud import reader as genesys_reader
from ccc_governance.plugins import get_plugin_manager
from ccc_governance.readers import RowBatch, blocks_of
from ccc_governance.records import Contact, Rejected
from ccc_governance.store.db import open_db
from ccc_governance.store.fastrows import RowBlock
from ccc_governance.store.imports import import_file
from ccc_governance.workspace import init_workspace, load_workspace

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "examples" / "october-2026"
PARIS = timezone(timedelta(hours=2))
T = datetime(2026, 10, 1, 8, 0, 0, 123000, tzinfo=timezone.utc)


def test_row_batch_keeps_rows_in_storage_form_and_falls_back_to_the_record():
    batch = RowBatch("contact", ("arrived_at", "outcome", "wait_s", "ended_at"), size=2)
    first = {"source_id": "a", "line": 1, "arrived_at": T, "outcome": "answered", "wait_s": 1.5, "ended_at": None}
    assert batch.add(first) is None
    block = batch.add({**first, "source_id": "b", "line": 2, "arrived_at": T.astimezone(PARIS)})
    assert block.rows == [("a", 1, 1790841600123, "answered", 1.5, None), ("b", 2, 1790841600123, "answered", 1.5, None)]
    assert block.fallback(0) == Contact(**first)
    assert batch.flush() is None
    batch.add(first)
    assert len(batch.flush().rows) == 1
    with pytest.raises(ValueError, match="does not take"):
        RowBatch("contact", ("outcome",))  # arrived_at is required


def test_blocks_of_groups_the_dicts_and_keeps_the_order():
    fields = {"source_id": "a", "line": 1, "arrived_at": T, "outcome": "open"}
    rejected = Rejected(line=2, reason="bad")
    items = list(blocks_of([fields, {**fields, "source_id": "b"}, rejected, {**fields, "source_id": "c"}], "contact",
                           ("arrived_at", "outcome"), size=5))
    assert [[r[0] for r in i.rows] if isinstance(i, RowBlock) else i for i in items] == [["a", "b"], rejected, ["c"]]


def _ctr(cid, **over):
    rec = {"ContactId": cid, "Channel": "VOICE", "InitiationMethod": "INBOUND", "InitiationTimestamp": "2026-10-01T08:00:00Z",
           "DisconnectTimestamp": "2026-10-01T08:05:00Z", "LastUpdateTimestamp": "2026-10-01T08:06:00Z",
           "CustomerEndpoint": {"Address": "+33639981111", "Type": "TELEPHONE_NUMBER"},
           "Queue": {"Name": "billing", "EnqueueTimestamp": "2026-10-01T08:00:10Z", "DequeueTimestamp": "2026-10-01T08:00:30Z",
                     "Duration": 20},
           "Agent": {"Username": "a1", "ConnectedToAgentTimestamp": "2026-10-01T08:00:30Z", "AgentInteractionDuration": 200,
                     "CustomerHoldDuration": 0, "AfterContactWorkDuration": 30},
           "Attributes": {"fcr": "yes", "csat": "4"}}
    rec.update(over)
    return json.dumps(rec)


CTR_EDGES = "\n".join([
    _ctr("answered"), _ctr("abandoned", Agent=None), _ctr("callback", Agent=None, NextContactId="x"),
    _ctr("ivr", Queue=None), _ctr("offset", InitiationTimestamp="2026-10-01T10:00:00+02:00"),
    _ctr("no-duration", Queue={"Name": "billing", "EnqueueTimestamp": "2026-10-01T08:00:10.5Z"}, Agent=None),
    _ctr("bad-time", DisconnectTimestamp="2026-10-1T08:05:00Z"), _ctr("negative", Queue={"Duration": -1}),
    _ctr("task", Channel="TASK"), '{"ContactId": "cut", "Chan', _ctr("answered", LastUpdateTimestamp="2026-10-01T08:01:00Z"),
    _ctr("odd-customer", CustomerEndpoint={"Address": 33639981111}), _ctr("chat", Channel="CHAT", InitiationMethod="API"),
]) + "\n"

CASES = [
    ("genesys-cloud", SAMPLE / "genesys.json"),
    ("genesys-cloud", REPO / "plugins/ccc-genesys-cloud/tests/data/real/details-query.json"),
    ("genesys-cloud", REPO / "plugins/ccc-genesys-cloud/tests/data/real/details-job-results.json"),
    ("amazon-connect", SAMPLE / "ctr.jsonl"),
    ("amazon-connect", REPO / "plugins/ccc-amazon-connect/tests/data/real/ctr-firehose.jsonl"),
    ("amazon-connect", "edges"),
    ("asterisk-queue-log", SAMPLE / "queue_log"),
    *[("asterisk-queue-log", p) for p in sorted((REPO / "plugins/ccc-asterisk/tests/data/real").glob("queue_log*"))],
]
RECORD_READERS = {"genesys-cloud": (ccc_genesys_cloud, genesys_reader.read_conversations),
                  "amazon-connect": (ccc_amazon_connect, connect_reader.read_ctr),
                  "asterisk-queue-log": (ccc_asterisk, asterisk_reader.read_queue_log)}


def _dump(db):
    out = {}
    for table in ("contacts", "quarantine", "batches"):
        cols = [r[1] for r in db.conn.execute(f"PRAGMA table_info({table})")]
        keep = [c for c in cols if c not in {"started_at", "finished_at", "elapsed_s", "path", "options"}]
        out[table] = db.conn.execute(f"SELECT {', '.join(keep)} FROM {table} ORDER BY id").fetchall()
    return out


def _import(root, source, path, monkeypatch, fast):
    plugin, read_records = RECORD_READERS[source]
    if not fast:
        monkeypatch.setattr(plugin.SOURCE, "read", read_records)
    init_workspace(root, key="0" * 64)
    ws = load_workspace(root)
    db = open_db(root / "ccc.db")
    pm = get_plugin_manager(ws, entrypoints=False)
    pm.register(plugin)
    summary = import_file(db, ws, pm, source, path)
    monkeypatch.undo()
    return {k: v for k, v in summary.items() if k not in ("elapsed_s", "rows_per_s")}, _dump(db)


@pytest.mark.parametrize("source, path", CASES, ids=[f"{s}:{Path(str(p)).name}" for s, p in CASES])
def test_platform_fast_path_stores_what_the_record_path_stores(tmp_path, monkeypatch, source, path):
    if path == "edges":
        path = tmp_path / "edges.jsonl"
        path.write_text(CTR_EDGES, encoding="utf-8")
    fast = _import(tmp_path / "fast", source, path, monkeypatch, True)
    slow = _import(tmp_path / "slow", source, path, monkeypatch, False)
    assert fast == slow
    assert fast[0]["imported"] > 0
