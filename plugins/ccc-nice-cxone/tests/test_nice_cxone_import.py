"""End to end: the installed nice-cxone plugin, found through its entry point, importing into a fresh workspace."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from ccc_governance.errors import SourceError
from ccc_governance.plugins import get_plugin_manager, get_sources
from ccc_governance.testing import import_file

DATA = Path(__file__).parent / "data"


@pytest.fixture
def pm(ccc_workspace):
    return get_plugin_manager(ccc_workspace)


def stored(db, sql: str, *params) -> list[tuple]:
    return [tuple(row) for row in db.execute(sql, params).fetchall()]


def test_the_entry_point_registers_the_source(pm):
    source = get_sources(pm)["nice-cxone"]
    assert "entry point (ccc-nice-cxone)" in source.origin
    assert (source.kinds, source.plugin_version) == (("contact",), "0.1.0")
    assert source.description.startswith("NICE CXone completed contacts")


def test_api_page_imports_and_customers_are_pseudonymised(ccc_workspace, ccc_db, pm):
    summary = import_file(ccc_db, ccc_workspace, pm, "nice-cxone", DATA / "completed-contacts-page.json")
    assert (summary["imported"], summary["quarantined"]) == (11, 0)  # 12 contacts, the Work Item skipped
    assert dict(stored(ccc_db, "SELECT outcome, count(*) FROM contacts GROUP BY outcome")) == {
        "answered": 7, "abandoned": 2, "not_queued": 1, "timeout": 1}
    row = stored(ccc_db, "SELECT arrived_at, answered_at, wait_s, talk_s, hold_s, wrap_s, queue, agent FROM contacts "
                         "WHERE source_id = '70001234501'")
    # 2026-10-05T08:00:12.250Z and 08:00:37.250Z in epoch milliseconds
    assert row == [(1791187212250, 1791187237250, 25.0, 250.0, 30.0, 45.0, "Billing FR", "1104422")]
    # Customers are stored as keyed hashes only: no phone number or e-mail address in clear anywhere.
    keys = [k for (k,) in stored(ccc_db, "SELECT customer_key FROM contacts WHERE customer_key IS NOT NULL")]
    assert len(keys) == 10 and len(set(keys)) == 10
    dump = "\n".join(ccc_db.conn.iterdump())
    for clear in ("+33639980001", "33639980001", "Client.Dupont@example.fr", "client.dupont@example.fr",
                  "visitor-8f2c41"):
        assert clear not in dump


def test_json_lines_redeliveries_quarantine_and_reimport(ccc_workspace, ccc_db, pm, tmp_path):
    path = DATA / "completed-contacts.jsonl"
    summary = import_file(ccc_db, ccc_workspace, pm, "nice-cxone", path)
    # 12 lines: 5 distinct contacts stored; 90001's older copy (line 3) skipped; 90004's later copy
    # (line 6) supersedes line 5; 5 lines quarantined.
    counts = (summary["imported"], summary["older_skipped"], summary["duplicates"], summary["quarantined"])
    assert counts == (5, 1, 1, 5)
    assert stored(ccc_db, "SELECT outcome, talk_s FROM contacts WHERE source_id = '90001'") == [("answered", 185.0)]
    assert stored(ccc_db, "SELECT wrap_s FROM contacts WHERE source_id = '90004'") == [(25.0,)]
    quarantine = stored(ccc_db, "SELECT line, reason FROM quarantine ORDER BY line")
    assert [line for line, _ in quarantine] == [7, 8, 9, 10, 12]
    assert quarantine[-1][1].startswith("invalid JSON")
    # The same file again adds nothing; the same contacts in another file add nothing either.
    assert import_file(ccc_db, ccc_workspace, pm, "nice-cxone", path)["status"] == "already_imported"
    again = tmp_path / "again.jsonl"
    again.write_text("".join(line for line in path.read_text(encoding="utf-8").splitlines(keepends=True)[:6]),
                     encoding="utf-8")
    second = import_file(ccc_db, ccc_workspace, pm, "nice-cxone", again)
    assert (second["imported"], second["replaced"], second["quarantined"]) == (0, 0, 0)
    assert ccc_db.execute("SELECT count(*) FROM contacts").fetchone()[0] == 5


def test_a_later_delivery_replaces_the_stored_contact(ccc_workspace, ccc_db, pm, tmp_path):
    first = tmp_path / "first.jsonl"
    record = {"contactId": 555, "contactStart": "2026-10-05T08:00:00Z", "abandoned": False, "agentId": 7,
              "agentSeconds": 60, "inQueueSeconds": 10, "ACWSeconds": 0, "lastUpdateTime": "2026-10-05T08:02:00Z",
              "mediaTypeName": "Call", "skillName": "Billing FR"}
    first.write_text(json.dumps(record) + "\n", encoding="utf-8")
    import_file(ccc_db, ccc_workspace, pm, "nice-cxone", first)
    later = tmp_path / "later.jsonl"
    later.write_text(json.dumps(dict(record, ACWSeconds=40, lastUpdateTime="2026-10-05T08:10:00Z")) + "\n",
                     encoding="utf-8")
    assert import_file(ccc_db, ccc_workspace, pm, "nice-cxone", later)["replaced"] == 1
    older = tmp_path / "older.jsonl"
    older.write_text(json.dumps(dict(record, ACWSeconds=5, lastUpdateTime="2026-10-05T08:01:00Z")) + "\n",
                     encoding="utf-8")
    assert import_file(ccc_db, ccc_workspace, pm, "nice-cxone", older)["older_skipped"] == 1
    assert stored(ccc_db, "SELECT wrap_s FROM contacts") == [(40.0,)]


def test_a_file_refused_whole_stores_nothing(ccc_workspace, ccc_db, pm, tmp_path):
    # 25 objects, none a contact: refused at the 21st, after 20 rejected rows were already yielded.
    path = tmp_path / "not-contacts.jsonl"
    path.write_text("".join(json.dumps({"id": n, "kind": "contactId"}) + "\n" for n in range(25)), encoding="utf-8")
    with pytest.raises(SourceError, match="does not look like NICE CXone completed contacts"):
        import_file(ccc_db, ccc_workspace, pm, "nice-cxone", path)
    connect = tmp_path / "ctr.jsonl"
    connect.write_text('{"ContactId": "c-1", "Channel": "VOICE"}\n', encoding="utf-8")
    with pytest.raises(SourceError, match="line 1 is"):
        import_file(ccc_db, ccc_workspace, pm, "nice-cxone", connect)
    assert stored(ccc_db, "SELECT count(*) FROM contacts") == [(0,)]
    assert stored(ccc_db, "SELECT count(*) FROM batches") == [(0,)]
    assert stored(ccc_db, "SELECT count(*) FROM quarantine") == [(0,)]


def test_a_bad_value_in_a_block_row_quarantines_that_row_alone(ccc_workspace, ccc_db, pm, monkeypatch):
    # The host judges every block row with the specification's checks: a value the reader let through
    # (here made negative on purpose) quarantines its contact with the reason the record would get.
    import ccc_nice_cxone.reader as reader

    def corrupted(record, line, zone):
        row = contact_row(record, line, zone)
        if row is not None and row[0] == "70001234502":
            row = row[:10] + (-42.0,) + row[11:]  # wait_s
        return row

    contact_row = reader.contact_row
    monkeypatch.setattr(reader, "contact_row", corrupted)
    summary = import_file(ccc_db, ccc_workspace, pm, "nice-cxone", DATA / "completed-contacts-page.json")
    assert (summary["imported"], summary["quarantined"]) == (10, 1)
    assert stored(ccc_db, "SELECT line, reason FROM quarantine") == [(22, "wait_s is negative (-42.0)")]
    assert stored(ccc_db, "SELECT count(*) FROM contacts WHERE source_id = '70001234502'") == [(0,)]


def test_the_reader_process_stores_the_same(tmp_path, monkeypatch):
    # Big files are read in a second process (Source.separate_process): the reader must be found by
    # name there, and what is stored must be what an import in one process stores.
    from ccc_governance.testing import open_db
    from ccc_governance.workspace import init_workspace, load_workspace

    source = get_sources(get_plugin_manager(None))["nice-cxone"]
    assert source.separate_process and pickle.loads(pickle.dumps(source.read)) is source.read
    stores = []
    for how in ("0", "always"):
        monkeypatch.setenv("CCC_IMPORT_PROCESS", how)
        init_workspace(tmp_path / how, key="00" * 32)
        workspace = load_workspace(tmp_path / how)
        db = open_db(workspace.db_path)
        summary = import_file(db, workspace, get_plugin_manager(workspace), "nice-cxone", DATA / "completed-contacts.jsonl")
        contacts = db.execute("SELECT * FROM contacts ORDER BY source_id, line")
        names = [d[0] for d in contacts.description]
        rows = [{n: v for n, v in zip(names, row) if n not in ("id", "batch_id")} for row in contacts]
        quarantine = stored(db, "SELECT line, reason, raw, source_id FROM quarantine ORDER BY line")
        stores.append(({k: summary[k] for k in ("imported", "replaced", "duplicates", "quarantined")}, rows, quarantine))
        db.conn.close()
    assert stores[0] == stores[1]
    assert stores[0][1] and stores[0][2]  # contacts stored and rows quarantined, both ways
