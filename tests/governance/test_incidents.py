"""Data-protection incidents: `breach_notification_within` as a duty with a deadline (record, due,
overdue, notified with evidence), in the schedule, and through the CLI with one-line errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ccc_governance.cli import cli
from ccc_governance.contracts import registry
from ccc_governance.errors import CccError, StateError
from ccc_governance.governance import evidence, incidents, obligations
from ccc_governance.store.db import open_db



def _with_deadline(acme: str) -> str:
    return acme.replace("retention_days = 365", 'retention_days = 365\nbreach_notification_within = "72h"')


@pytest.fixture
def idb(tmp_path, contract_texts):
    folder = tmp_path / "contracts"
    folder.mkdir()
    (folder / "acme.toml").write_text(_with_deadline(contract_texts["acme"]), encoding="utf-8")
    (folder / "plain.toml").write_text(contract_texts["acme"].replace('id = "acme"', 'id = "plain"'), encoding="utf-8")
    db = open_db(tmp_path / "ccc.db")
    registry.register(db, folder)
    yield db
    db.conn.close()


def test_deadline_from_the_contract_in_its_time_zone(idb):
    i = incidents.add_incident(idb, "acme", detected_at="2026-11-03T14:30", description="Laptop lost",
                               recorded_on="2026-11-03")
    assert i["detected_at"] == "2026-11-03T14:30+01:00"
    assert i["notify_by"] == "2026-11-06T14:30+01:00"
    assert i["within"] == "72h" and i["recorded_by"]
    # Due until the deadline has passed, at the end of the day asked about.
    assert incidents.get_incident(idb, i["id"], as_of="2026-11-05")["state"] == "due"
    assert incidents.get_incident(idb, i["id"], as_of="2026-11-06")["state"] == "overdue"
    # Not yet detected on an earlier day.
    assert incidents.incidents_of(idb, "acme", "2026-11-02") == []
    log = list(idb.query("SELECT kind, record, actor FROM change_log WHERE kind = 'incident.add'"))
    assert log == [{"kind": "incident.add", "record": f"incidents:{i['id']}", "actor": i["recorded_by"]}]


def test_notified_late_and_in_the_schedule_with_its_evidence(idb):
    i = incidents.add_incident(idb, "acme", detected_at="2026-11-03T14:30", description="Laptop lost",
                               recorded_on="2026-11-03")
    rows = [r for r in obligations.schedule(idb, "acme", "2026-11-07") if r["kind"] == "incident"]
    assert [(r["obligation_id"], r["due"], r["state"]) for r in rows] == [("breach-notification", "2026-11-06", "overdue")]
    assert [r["incident_id"] for r in obligations.overdue(idb, "acme", "2026-11-07") if r["kind"] == "incident"] == [i["id"]]
    done = incidents.notify(idb, i["id"], on="2026-11-06T18:00", note="CNIL and Acme DPO notified")
    assert done["state"] == "notified" and done["late_hours"] == 4 and done["notified_by"]
    (ev,) = done["evidence"]
    stored = evidence.get_evidence(idb, ev)
    assert (stored["obligation_id"], stored["incident_id"], stored["date"]) == ("breach-notification", i["id"], "2026-11-06")
    rows = [r for r in obligations.schedule(idb, "acme", "2026-11-07") if r["kind"] == "incident"]
    assert (rows[0]["state"], rows[0]["met_on"], rows[0]["evidence"]) == ("met", "2026-11-06", [ev])
    # Before the notification day it was still overdue.
    assert incidents.get_incident(idb, i["id"], as_of="2026-11-05")["state"] == "due"
    with pytest.raises(StateError, match="already notified"):
        incidents.notify(idb, i["id"], on="2026-11-07", note="again")


def test_refusals(idb):
    with pytest.raises(CccError, match="sets no data_handling.breach_notification_within"):
        incidents.add_incident(idb, "plain", detected_at="2026-11-03T10:00", description="x", recorded_on="2026-11-03")
    with pytest.raises(CccError, match="not a date and time"):
        incidents.add_incident(idb, "acme", detected_at="yesterday", description="x")
    i = incidents.add_incident(idb, "acme", detected_at="2026-11-03T10:00", description="x", recorded_on="2026-11-03")
    with pytest.raises(CccError, match="cannot be notified before"):
        incidents.notify(idb, i["id"], on="2026-11-02T10:00", note="n")
    with pytest.raises(CccError, match="needs evidence"):
        incidents.notify(idb, i["id"], on="2026-11-04T10:00")
    # Plain evidence cannot stand for an incident's notification.
    with pytest.raises(CccError, match="ccc incident notify"):
        evidence.add_evidence(idb, "acme", "breach-notification", on="2026-11-04", note="n")


@pytest.fixture
def run(tmp_path, monkeypatch, contract_texts):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CCC_AS_OF", raising=False)
    monkeypatch.delenv("CCC_DB", raising=False)
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "acme.toml").write_text(_with_deadline(contract_texts["acme"]), encoding="utf-8")
    db_path = tmp_path / "ccc.db"
    db = open_db(db_path)
    registry.register(db, tmp_path / "contracts")
    db.conn.close()

    def invoke(*args):
        return CliRunner().invoke(cli, ["--db", str(db_path), *args], catch_exceptions=False)

    return invoke


def test_cli(run):
    added = run("incident", "add", "acme", "--detected-at", "2026-11-03T14:30", "--description", "Laptop lost")
    assert added.exit_code == 0, added.output
    assert added.output.strip() == "incident #1: detected 2026-11-03T14:30+01:00, notify by 2026-11-06T14:30+01:00 (72h)"
    listed = run("incidents", "--as-of", "2026-11-07", "--json")
    assert [(r["id"], r["state"]) for r in json.loads(listed.output)] == [(1, "overdue")]
    table = run("incident", "list", "--open", "--as-of", "2026-11-04")
    assert "due" in table.output and "Laptop lost" in table.output
    sched = run("obligations", "--contract", "acme", "--overdue", "--as-of", "2026-11-07", "--json")
    assert "breach-notification" in [r["obligation_id"] for r in json.loads(sched.output)]
    notified = run("incident", "notify", "1", "--on", "2026-11-05T09:00", "--note", "DPO notified")
    assert notified.exit_code == 0 and "on time" in notified.output and "evidence #1" in notified.output
    assert run("incidents", "--open", "--as-of", "2026-11-07").output.strip() == "(none)"
    for args, text in [
        (("incident", "add", "acme", "--detected-at", "soon", "--description", "x"), "is not a date and time"),
        (("incident", "notify", "9", "--on", "2026-11-05", "--note", "n"), "no incident with id 9"),
        (("incident", "notify", "1", "--on", "2026-11-05", "--note", "n"), "already notified"),
        (("evidence", "add", "acme", "breach-notification", "--date", "2026-11-05", "--note", "n"), "ccc incident notify"),
        (("incidents", "--contract", "nope"), "nope"),
    ]:
        result = run(*args)
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert result.exit_code == 2 and len(lines) == 1 and lines[0].startswith("error: ") and text in lines[0], result.output


def _attested(acme: str, extra: str) -> str:
    return acme.replace("retention_days = 365", "retention_days = 365\n" + extra)


@pytest.mark.parametrize("extra, expected", [
    ('data_location = "EU"', {"data-location": "annual"}),
    ("do_not_contact = true", {"do-not-contact": "quarterly"}),
    ("do_not_contact = false", {}),
    ("", {}),
    ('data_location = "EU"\ndo_not_contact = true', {"data-location": "annual", "do-not-contact": "quarterly"}),
])
def test_data_location_and_do_not_contact_become_duties(tmp_path, contract_texts, extra, expected):
    folder = tmp_path / "contracts"
    folder.mkdir()
    (folder / "acme.toml").write_text(_attested(contract_texts["acme"], extra), encoding="utf-8")
    db = open_db(tmp_path / "ccc.db")
    registry.register(db, folder)
    rows = obligations.schedule(db, "acme", "2026-12-31")
    generated = {r["obligation_id"]: r["every"] for r in rows if r["obligation_id"] in ("data-location", "do-not-contact")}
    assert generated == expected
    if "do-not-contact" in expected:
        dnc = [r for r in rows if r["obligation_id"] == "do-not-contact"]
        # Quarterly, due on each quarter's last day, owed by the CCC; the Q1 attestation is overdue.
        assert [(r["period"], r["due"], r["owner"]) for r in dnc][:2] == [("2026-Q1", "2026-03-31", "ccc"),
                                                                         ("2026-Q2", "2026-06-30", "ccc")]
        assert dnc[0]["state"] == "overdue"
        ev = evidence.add_evidence(db, "acme", "do-not-contact", on="2026-03-30", note="Screening log Q1 checked")
        assert ev["occurrence"] == "2026-03-31"
        after = [r for r in obligations.schedule(db, "acme", "2026-12-31") if r["obligation_id"] == "do-not-contact"]
        assert (after[0]["state"], after[0]["evidence"]) == ("met", [ev["id"]])
    db.conn.close()


def test_a_declared_duty_replaces_the_generated_one(tmp_path, contract_texts):
    text = _attested(contract_texts["acme"], 'data_location = "EU"') + (
        '\n[[data_handling.duty]]\nid = "data-location"\nevery = "quarterly"\ndescription = "Location report"\n')
    folder = tmp_path / "contracts"
    folder.mkdir()
    (folder / "acme.toml").write_text(text, encoding="utf-8")
    db = open_db(tmp_path / "ccc.db")
    registry.register(db, folder)
    rows = [r for r in obligations.schedule(db, "acme", "2026-06-30") if r["obligation_id"] == "data-location"]
    assert {(r["every"], r["description"]) for r in rows} == {("quarterly", "Location report")}
    db.conn.close()


def test_a_purge_cannot_prove_an_attestation_or_an_incident(tmp_path, contract_texts):
    from ccc_governance.governance import purge

    folder = tmp_path / "contracts"
    folder.mkdir()
    (folder / "acme.toml").write_text(
        _attested(_with_deadline(contract_texts["acme"]), 'data_location = "EU"\ndo_not_contact = true'), encoding="utf-8")
    db = open_db(tmp_path / "ccc.db")
    registry.register(db, folder)
    for duty in ("data-location", "do-not-contact"):
        with pytest.raises(CccError, match=f"{duty} is an attestation the contract's data_handling adds"):
            purge.purge(db, "acme", "2027-06-01", duty=duty)
    with pytest.raises(CccError, match="ccc incident notify"):
        purge.purge(db, "acme", "2027-06-01", duty="breach-notification")
    purge.check_purge_duty(db, "acme", "access-review", "2027-06-01")  # a declared duty: accepted
    db.conn.close()
