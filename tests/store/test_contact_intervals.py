"""The interval figures of contacts (`store.intervals`) equal a recount from the stored contacts after
imports, replacements, undo and writes outside the import (per-row triggers)."""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccc_governance import hookimpl
from ccc_governance.records import Contact
from ccc_governance.sources import Source
from ccc_governance.store import intervals
from ccc_governance.store.batches import undo_batch
from ccc_governance.store.imports import import_file

INTERVAL = 900_000
# 2026-10-05 18:15 UTC = midnight in Asia/Kathmandu; 18:30 UTC = midnight in Asia/Kolkata
BASE_MS = 1791223200000  # 2026-10-05T18:00:00Z


class JsonLines:
    """A source reading one contact per line: a JSON object of `Contact` fields, `at` in epoch ms."""

    @hookimpl
    def register_sources(self, register):
        register(Source(name="jl", description="test contacts", read=self.read))

    @staticmethod
    def read(context):
        with open(context.path, encoding="utf-8") as fh:
            for line_no, text in enumerate(fh, start=1):
                spec = json.loads(text)
                at = datetime.fromtimestamp(spec.pop("at") / 1000, tz=timezone.utc)
                yield Contact(spec.pop("id"), at, line=line_no, **spec)


@pytest.fixture
def jl_pm(ccc_workspace):
    from ccc_governance.plugins import get_plugin_manager

    pm = get_plugin_manager(ccc_workspace, entrypoints=False)
    pm.register(JsonLines())
    return pm


WAITS = [None, 0.0, 0.4, 4.999, 5.0, 5.0001, 19.5, 20.0, 20.0001, 21.0, 59.999, 60.0, 3600.5]
contact = st.fixed_dictionaries({
    "id": st.sampled_from([f"c{i}" for i in range(40)]),
    "at": st.builds(lambda m, j: BASE_MS + m * 60_000 + j, st.integers(0, 3 * 1440),
                    st.sampled_from([0, -1, 1, 999, 30_000])),
    "outcome": st.sampled_from(["answered", "abandoned", "timeout", "not_queued", None]),
    "wait_s": st.one_of(st.sampled_from(WAITS), st.floats(0, 100, allow_nan=False)),
    "talk_s": st.sampled_from([None, 0.0, 61.25, 300.0]),
    "queue": st.sampled_from(["q1", "q2", None]),
    "channel": st.sampled_from(["voice", "chat", "email"]),
    "direction": st.sampled_from(["inbound", "outbound", None]),
    "fcr": st.sampled_from([None, True, False]),
    "csat": st.sampled_from([None, 1.0, 4.0, 4.5, 5.0, 9.0]),
    "csat_scale": st.sampled_from([None, 5, 10]),
    "first_response_s": st.sampled_from([None, 0.0, 59.5, 60.0, 3600.0, 3600.001]),
})


def write_batch(path, items) -> None:
    path.write_text("".join(json.dumps({k: v for k, v in c.items() if v is not None}) + "\n" for c in items),
                    encoding="utf-8")


def _floor(x: float) -> int:
    return math.floor(x)


def recount(db) -> dict:
    """The interval figures, counted plainly from `contacts` (the oracle)."""
    tables: dict = {t: {} for t in intervals.TABLES}
    rules = db.execute("SELECT rule, seconds FROM contact_wait_rules ORDER BY slot").fetchall()
    for (source, queue, channel, direction, at, outcome, wait, talk, hold, wrap, fcr, csat, scale,
         fr) in db.execute("SELECT source, queue, channel, direction, arrived_at, outcome, wait_s, talk_s, hold_s, "
                           "wrap_s, fcr, csat, csat_scale, first_response_s FROM contacts").fetchall():
        if queue is None or channel is None or at is None:
            continue
        key = (source, queue, channel, direction or "inbound", at - at % INTERVAL)
        row = tables["contact_intervals"].setdefault(key, [0] * 10 + [0.0, 0.0] + [0] * intervals.WAIT_SLOTS)
        row[0] += 1
        row[1] += outcome == "answered"
        row[2] += outcome == "abandoned"
        row[3] += outcome in ("timeout", "exit_key", "callback", "open")
        row[4] += outcome == "not_queued"
        row[5] += outcome == "answered" and wait is not None
        row[6] += fcr == 1
        row[7] += fcr is not None
        row[8] += csat is not None
        row[9] += fr is not None
        if outcome == "answered":
            row[10] += wait or 0.0
            row[11] += (talk or 0) + (hold or 0) + (wrap or 0)
        if outcome in ("answered", "abandoned") and wait is not None:
            k = key + (int(outcome == "abandoned"), _floor(wait), int(wait != _floor(wait)))
            tables["contact_waits"][k] = tables["contact_waits"].get(k, 0) + 1
        for slot, (rule, seconds) in enumerate(rules):  # the wait rules' slots w0, w1, …
            row[12 + slot] += wait is not None and (
                (rule == intervals.WITHIN and outcome == "answered" and wait <= seconds)
                or (rule == intervals.ABANDONED_WITHIN and outcome == "abandoned" and wait <= seconds)
                or (rule == intervals.SHORT and outcome == "abandoned" and wait < seconds))
        if csat is not None:
            k = key + (-1 if scale is None else scale, csat)
            tables["contact_csat"][k] = tables["contact_csat"].get(k, 0) + 1
        if fr is not None:
            k = key + (math.ceil(fr),)
            tables["contact_first_response"][k] = tables["contact_first_response"].get(k, 0) + 1
    return tables


def stored(db) -> dict:
    tables = {}
    main = ("n, answered, abandoned, unresolved, not_queued, wait_n, fcr_yes, fcr_n, csat_n, fr_n, "
            "wait_sum, handle_sum, " + ", ".join(intervals.SLOT_COLUMNS))
    keys = {"contact_intervals": "", "contact_waits": "t.abandoned, t.wait_floor, t.wait_frac, ",
            "contact_csat": "t.csat_scale, t.csat, ", "contact_first_response": "t.fr_ceil, "}
    for table, key in keys.items():
        values = main if table == "contact_intervals" else "t.n"
        rows = db.execute(f"SELECT s.source, s.queue, s.channel, s.direction, t.interval_start, {key}{values} "
                          f"FROM {table} t JOIN contact_slices s ON s.id = t.slice").fetchall()
        if table == "contact_intervals":
            tables[table] = {r[:5]: list(r[5:]) for r in rows}
        else:
            tables[table] = {r[:-1]: r[-1] for r in rows}
    return tables


def assert_matches_recount(db) -> None:
    want, got = recount(db), stored(db)
    for table in intervals.TABLES:
        assert set(got[table]) == set(want[table]), table
        for key, value in want[table].items():
            if table == "contact_intervals":
                assert got[table][key][:10] + got[table][key][12:] == value[:10] + value[12:], key
                assert got[table][key][10:12] == pytest.approx(value[10:12], rel=1e-9, abs=1e-9), key
            else:
                assert got[table][key] == value, (table, key)


batches = st.lists(st.tuples(st.lists(contact, min_size=1, max_size=25), st.booleans()), min_size=1, max_size=4)


@pytest.mark.parametrize("as_applied", [False, True])
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=batches, raw_delete=st.sampled_from([None, "c1", "c2"]))
def test_interval_figures_equal_a_recount_after_imports_replacements_and_undo(
        ccc_db, ccc_workspace, jl_pm, tmp_path, monkeypatch, as_applied, steps, raw_delete):
    if as_applied:  # an import counts its contacts unit by unit as it applies them (a big file's way)
        # (units of 3 rows, each counted at once: a later unit that repeats an id takes them out again)
        monkeypatch.setattr("ccc_governance.store.applying.COUNT_ROWS", 1)
        monkeypatch.setattr("ccc_governance.store.reading.CHUNK", 3)
    with ccc_db.conn:  # hypothesis reuses the database: start empty
        ccc_db.execute("DELETE FROM replaced_rows")
        ccc_db.execute("DELETE FROM contacts")
        ccc_db.execute("UPDATE batches SET status = 'undone'")
        ccc_db.execute("DELETE FROM contact_wait_rules")
        # wait rules tracked before any contact (the next ones after the first batch: their
        # counts then come from the stored histogram, `track_wait_rules`' one pass)
        intervals.track_wait_rules(ccc_db.conn, [(intervals.WITHIN, 20), (intervals.SHORT, 5),
                                                 (intervals.ABANDONED_WITHIN, 0)])
    assert_matches_recount(ccc_db)
    done = []
    for i, (items, undo_it) in enumerate(steps):
        n = ccc_db.execute("SELECT COUNT(*) FROM batches").fetchone()[0]
        path = tmp_path / f"b{n}.jl"
        write_batch(path, items + [{"id": f"pad{n}", "at": BASE_MS}])  # (no queue: never counted)
        summary = import_file(ccc_db, ccc_workspace, jl_pm, "jl", path)
        assert summary["status"] != "already_imported"
        done.append(summary["batch_id"])
        assert_matches_recount(ccc_db)
        if i == 0:
            with ccc_db.conn:
                added = intervals.track_wait_rules(ccc_db.conn, [
                    (intervals.WITHIN, 20), (intervals.WITHIN, 60), (intervals.ABANDONED_WITHIN, 20),
                    (intervals.SHORT, 1), (intervals.SHORT, 3601)])
            assert len(added) == 4  # (WITHIN 20 was tracked already)
            with ccc_db.conn:  # one slot of the eight left: the second rule is read from the histogram
                added = intervals.track_wait_rules(ccc_db.conn, [(intervals.WITHIN, 90), (intervals.WITHIN, 120)])
            assert added == [(intervals.WITHIN, 90)]
            assert len(intervals.wait_slots(ccc_db.conn)) == intervals.WAIT_SLOTS
            assert_matches_recount(ccc_db)
        if undo_it:
            undo_batch(ccc_db, done.pop())
            assert_matches_recount(ccc_db)
    if raw_delete:  # a write outside imports (e.g. a purge): the per-row triggers count it
        with ccc_db.conn:
            ccc_db.execute("UPDATE contacts SET wait_s = 7.5, outcome = 'answered' WHERE source_id = 'c3'")
            ccc_db.execute("DELETE FROM contacts WHERE source_id = ?", [raw_delete])
        assert_matches_recount(ccc_db)
    while done:  # undo what is left, newest first: nothing stays counted
        undo_batch(ccc_db, done.pop())
        assert_matches_recount(ccc_db)
    assert ccc_db.execute("SELECT COUNT(*) FROM contacts").fetchone()[0] == 0
    for table in intervals.TABLES:
        assert ccc_db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0, table


@pytest.mark.sqlite_only  # (rebuilds an older SQLite file; a PostgreSQL store begins at this schema)
def test_the_migration_counts_contacts_stored_before_it(tmp_path):
    """A workspace made before the interval figures gets them from its stored contacts."""
    from ccc_governance.store.db import open_db

    db = open_db(tmp_path / "old.db")
    with db.conn:
        db.execute("INSERT INTO batches (source, file_name, sha256, started_at) VALUES ('t', 'f', 'x', 'now')")
        for table in intervals.TABLES:
            db.execute(f"DROP TABLE {table}")
        for name in ("insert", "delete", "update"):
            db.execute(f"DROP TRIGGER contact_intervals_{name}")
        db.execute("DROP TABLE contact_slices")
        db.execute("DROP TABLE contact_intervals_bulk")
        db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm003_contact_intervals'")
        db.execute("INSERT INTO contacts (source, source_id, batch_id, queue, channel, arrived_at, outcome, wait_s) "
                   "VALUES ('t', 'a', 1, 'q', 'voice', ?, 'answered', 20.5)", [BASE_MS + 7])
    db.conn.close()
    db = open_db(tmp_path / "old.db")
    assert stored(db)["contact_waits"] == {("t", "q", "voice", "inbound", BASE_MS, 0, 20, 1): 1}
    assert_matches_recount(db)


@pytest.mark.sqlite_only  # (SQLite's triggers are dropped for a batch; PostgreSQL's stand, told by a setting)
def test_a_bulk_batch_leaves_the_triggers_on_afterwards(ccc_db, ccc_workspace, jl_pm, tmp_path):
    path = tmp_path / "one.jl"
    write_batch(path, [{"id": "x", "at": BASE_MS, "outcome": "answered", "wait_s": 3.0, "queue": "q1",
                        "channel": "voice"}])
    import_file(ccc_db, ccc_workspace, jl_pm, "jl", path)
    assert ccc_db.execute("SELECT COUNT(*) FROM contact_intervals_bulk").fetchone()[0] == 0
    with ccc_db.conn:
        ccc_db.execute("DELETE FROM contacts")
    assert ccc_db.execute("SELECT COUNT(*) FROM contact_intervals").fetchone()[0] == 0
