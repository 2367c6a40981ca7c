"""The notifier writes one line per new breach to the configured path."""

import json

import pluggy

import ccc_notify_jsonl
from ccc_governance import hookspecs
from ccc_governance.contracts import registry
from ccc_governance.engine.evaluate import evaluate

CONTRACT = """
schema = "ccc-contract/1"
[contract]
id = "c1"
title = "Helpdesk"
client = "c"
ccc = "v"
effective_from = 2026-01-01
timezone = "Europe/Paris"
[scope]
queues = ["q1"]
channels = ["voice"]
[[kpi]]
id = "sl"
metric = "service_level"
target = 0.8
breach = 0.7
"""


def test_one_line_per_new_breach(ccc_workspace, ccc_db, tmp_path):
    ccc_workspace.config = {"notify": {"jsonl": {"path": "logs/b.jsonl"}}}
    (tmp_path / "c1.toml").write_text(CONTRACT, encoding="utf-8")
    registry.register(ccc_db, tmp_path / "c1.toml")
    with ccc_db.conn:
        bid = ccc_db.execute("INSERT INTO batches (source, file_name, sha256, started_at) "
                             "VALUES ('t', 'f', 'x', '2026-11-01')").lastrowid
        for i in range(3):  # 2026-10-05 12:00 Paris, all answered after 99 s
            ccc_db.execute("INSERT INTO contacts (source, source_id, batch_id, queue, channel, direction, arrived_at, "
                           "outcome, wait_s) VALUES ('t', ?, ?, 'q1', 'voice', 'inbound', 1791194400000, "
                           "'answered', 99)", [str(i), bid])
    pm = pluggy.PluginManager("ccc_governance")
    pm.add_hookspecs(hookspecs)
    pm.register(ccc_notify_jsonl)
    evaluate(ccc_db, period="2026-10", as_of="2026-11-15", pm=pm, workspace=ccc_workspace)
    evaluate(ccc_db, period="2026-10", as_of="2026-11-16", pm=pm, workspace=ccc_workspace)
    lines = (ccc_workspace.root / "logs" / "b.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert (entry["contract"], entry["kpi"], entry["period"], entry["actual"], entry["breach"]) == (
        "c1", "sl", "2026-10", 0.0, 0.7)
    assert entry["contract_title"] == "Helpdesk" and entry["small_sample"] is True
    # The day it counts as found (the as-of day), and the real instant it was recorded.
    assert entry["first_seen_at"] == "2026-11-15" and entry["first_recorded_at"].endswith("Z")


def test_a_line_that_could_not_be_written_is_written_at_the_next_run(ccc_workspace, ccc_db, tmp_path):
    (ccc_workspace.root / "logs").write_text("a file where the folder should be", encoding="utf-8")
    ccc_workspace.config = {"notify": {"jsonl": {"path": "logs/b.jsonl"}}}
    (tmp_path / "c1.toml").write_text(CONTRACT, encoding="utf-8")
    registry.register(ccc_db, tmp_path / "c1.toml")
    with ccc_db.conn:
        bid = ccc_db.execute("INSERT INTO batches (source, file_name, sha256, started_at) "
                             "VALUES ('t', 'f', 'x', '2026-11-01')").lastrowid
        ccc_db.execute("INSERT INTO contacts (source, source_id, batch_id, queue, channel, direction, arrived_at, "
                       "outcome, wait_s) VALUES ('t', '0', ?, 'q1', 'voice', 'inbound', 1791194400000, "
                       "'answered', 99)", [bid])
    pm = pluggy.PluginManager("ccc_governance")
    pm.add_hookspecs(hookspecs)
    pm.register(ccc_notify_jsonl)
    evaluate(ccc_db, period="2026-10", as_of="2026-11-15", pm=pm, workspace=ccc_workspace)  # warns, keeps it
    (ccc_workspace.root / "logs").unlink()
    evaluate(ccc_db, period="2026-10", as_of="2026-11-16", pm=pm, workspace=ccc_workspace)
    lines = (ccc_workspace.root / "logs" / "b.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["breach_id"] for line in lines] == [1]


def test_default_path(ccc_workspace):
    assert ccc_notify_jsonl.log_path(ccc_workspace) == ccc_workspace.root / "breaches.jsonl"
