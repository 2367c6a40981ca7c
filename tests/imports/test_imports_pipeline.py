"""The import pipeline: idempotency, upsert rules, quarantine, strict, state, undo."""

from __future__ import annotations

import pytest

from ccc_governance.errors import NotFoundError, PluginError, SourceError, StateError
from ccc_governance.store.imports import get_batch, import_file, list_batches, list_quarantine, undo_batch

from import_helpers import T0_MS, contacts, write


def test_import_twice_adds_nothing_and_says_which_batch(ccc_db, ccc_workspace, pm, tmp_path):
    f = write(tmp_path / "a.txt", "c1,0,10,0", "c2,60,20,0")
    first = import_file(ccc_db, ccc_workspace, pm, "rows", f)
    assert (first["status"], first["imported"], first["batch_id"]) == ("imported", 2, 1)
    before = contacts(ccc_db)
    again = import_file(ccc_db, ccc_workspace, pm, "rows", f)
    assert (again["status"], again["batch_id"], again["imported"]) == ("already_imported", 1, 0)
    assert contacts(ccc_db) == before
    assert len(list_batches(ccc_db)) == 1


def test_the_batch_keeps_the_file_sha256_however_it_was_computed(ccc_db, ccc_workspace, pm, tmp_path):
    """A file of a size this source never imported is hashed while it is read; one of a size seen
    before is hashed first. Either way the batch keeps its sha256, and the same file again is
    recognised (a different file of the same size is not)."""
    import hashlib

    f = write(tmp_path / "a.txt", "c1,0,10,0", "c2,60,20,0")
    g = write(tmp_path / "b.txt", "c3,0,10,0", "c4,60,20,0")  # same size, other content
    first = import_file(ccc_db, ccc_workspace, pm, "rows", f)
    second = import_file(ccc_db, ccc_workspace, pm, "rows", g)
    shas = [b["sha256"] for b in list_batches(ccc_db)]
    assert shas == [hashlib.sha256(p.read_bytes()).hexdigest() for p in (f, g)]
    assert (first["status"], second["status"]) == ("imported", "imported")
    assert import_file(ccc_db, ccc_workspace, pm, "rows", g)["status"] == "already_imported"


def test_rows_stored_in_utc_ms_with_provenance(ccc_db, ccc_workspace, pm, tmp_path):
    f = write(tmp_path / "a.txt", "c1,0,10,0", "c2,60,20.001,0")
    import_file(ccc_db, ccc_workspace, pm, "rows", f, contract_id="acme")
    assert contacts(ccc_db) == [("c1", T0_MS, 10.0, T0_MS, 1), ("c2", T0_MS + 60_000, 20.001, T0_MS, 1)]
    batch = get_batch(ccc_db, 1)
    assert (batch["plugin"], batch["plugin_version"], batch["contract_id"]) == ("plugin_rows", "9.9", "acme")
    assert (batch["first_at"], batch["last_at"], batch["records"]) == (T0_MS, T0_MS + 60_000, 2)
    assert ccc_db.execute("SELECT line FROM contacts WHERE source_id = 'c2'").fetchone() == (2,)


def test_in_file_repeats_keep_newest_version_wherever_it_is(ccc_db, ccc_workspace, pm, tmp_path):
    # c1: newest copy FIRST (version 50), older copy later → older skipped.
    # c2: older then newer → newer wins, the older copy counts as a duplicate.
    # c3: identical copies → duplicate.
    f = write(tmp_path / "a.txt", "c1,0,5,50", "c2,0,1,10", "c3,0,7,0", "c1,0,99,40", "c2,0,2,20", "c3,0,7,0")
    s = import_file(ccc_db, ccc_workspace, pm, "rows", f)
    assert (s["imported"], s["replaced"], s["duplicates"], s["older_skipped"]) == (3, 0, 2, 1)
    assert {r[0]: r[2] for r in contacts(ccc_db)} == {"c1": 5.0, "c2": 2.0, "c3": 7.0}


def test_newer_export_replaces_older_skipped_and_undo_restores(ccc_db, ccc_workspace, pm, tmp_path):
    import_file(ccc_db, ccc_workspace, pm, "rows", write(tmp_path / "a.txt", "c1,0,10,100", "c2,0,20,100", "c3,0,30,100"))
    original = contacts(ccc_db)
    # c1 newer & different → replaced; c2 older → skipped; c3 identical → duplicate; c4 new.
    s = import_file(ccc_db, ccc_workspace, pm, "rows",
                    write(tmp_path / "b.txt", "c1,0,11,200", "c2,0,99,50", "c3,0,30,100", "c4,0,40,100"))
    assert (s["imported"], s["replaced"], s["duplicates"], s["older_skipped"]) == (1, 1, 1, 1)
    assert {r[0]: (r[2], r[4]) for r in contacts(ccc_db)} == {
        "c1": (11.0, 2), "c2": (20.0, 1), "c3": (30.0, 1), "c4": (40.0, 2)}
    r = undo_batch(ccc_db, 2)
    assert (r["removed"], r["restored"]) == (2, 1)
    assert contacts(ccc_db) == original
    assert get_batch(ccc_db, 2)["status"] == "undone"
    # undone → the same file can be imported again
    again = import_file(ccc_db, ccc_workspace, pm, "rows", tmp_path / "b.txt")
    assert (again["status"], again["batch_id"], again["replaced"]) == ("imported", 3, 1)


def test_undo_refused_while_a_later_batch_replaced_its_records(ccc_db, ccc_workspace, pm, tmp_path):
    import_file(ccc_db, ccc_workspace, pm, "rows", write(tmp_path / "a.txt", "c1,0,10,0"))
    import_file(ccc_db, ccc_workspace, pm, "rows", write(tmp_path / "b.txt", "c1,0,11,5"))
    with pytest.raises(StateError, match="batch 2 replaced"):
        undo_batch(ccc_db, 1)
    undo_batch(ccc_db, 2)
    undo_batch(ccc_db, 1)
    assert contacts(ccc_db) == []
    with pytest.raises(StateError, match="already undone"):
        undo_batch(ccc_db, 1)
    with pytest.raises(NotFoundError):
        undo_batch(ccc_db, 42)


def test_quarantine_keeps_file_line_reason_and_masks_raw(ccc_db, ccc_workspace, pm, tmp_path):
    f = write(tmp_path / "q.txt", "c1,0,10,0", "BAD,call from +33 6 39 98 12 34 or jo@example.com", "NAIVE")
    s = import_file(ccc_db, ccc_workspace, pm, "rows", f)
    assert (s["imported"], s["quarantined"]) == (1, 2)
    assert s["quarantine"][0] == {"line": 2, "reason": "bad row"}
    assert "no time zone" in s["quarantine"][1]["reason"] and s["quarantine"][1]["line"] == 3
    rows = list_quarantine(ccc_db, 1)
    assert rows[0]["file_name"] == "q.txt"
    assert rows[0]["raw"] == "BAD,call from <phone> or <email>\n"


def test_strict_refuses_the_whole_batch(ccc_db, ccc_workspace, pm, tmp_path):
    f = write(tmp_path / "q.txt", "c1,0,10,0", "BAD")
    with pytest.raises(SourceError, match=r"--strict: 1 row\(s\) would be quarantined, nothing imported: q.txt:2: bad row"):
        import_file(ccc_db, ccc_workspace, pm, "rows", f, strict=True)
    assert contacts(ccc_db) == []
    assert list_batches(ccc_db) == []
    assert ccc_db.execute("SELECT count(*) FROM quarantine").fetchone() == (0,)


def test_reader_bug_is_one_line_error_and_nothing_is_stored(ccc_db, ccc_workspace, pm, tmp_path):
    f = write(tmp_path / "boom.txt", "c1,0,10,0", "BOOM")
    with pytest.raises(PluginError, match="source 'rows' .* failed: RuntimeError: reader bug"):
        import_file(ccc_db, ccc_workspace, pm, "rows", f)
    assert contacts(ccc_db) == [] and list_batches(ccc_db) == []


@pytest.mark.parametrize("content", [b"", b"\n\n", b"\xef\xbb\xbf  \r\n\t\n"])
def test_an_empty_file_is_refused_for_every_source(ccc_db, ccc_workspace, tmp_path, content):
    """One rule, in the host: `asterisk-queue-log` and `amazon-connect` recorded a 0-row batch
    (exit 0, silently) where the csv plugin refused the file."""
    from ccc_governance.plugins import get_plugin_manager, get_sources

    pm = get_plugin_manager(ccc_workspace)
    f = tmp_path / "empty.log"
    f.write_bytes(content)
    names = list(get_sources(pm))
    assert {"asterisk-queue-log", "amazon-connect", "csv"} <= set(names)
    for name in names:
        with pytest.raises(SourceError) as caught:
            import_file(ccc_db, ccc_workspace, pm, name, f)
        assert caught.value.format() == f"{f}: the file is empty: nothing imported", name
    assert list_batches(ccc_db) == []


def test_a_file_with_one_character_is_not_empty(ccc_db, ccc_workspace, pm, tmp_path):
    f = tmp_path / "x.txt"
    f.write_bytes(b" " * 70_000 + b"BAD\n")  # past the first block read
    assert import_file(ccc_db, ccc_workspace, pm, "rows", f)["quarantined"] == 1


@pytest.mark.parametrize("code", [0, 3])
def test_a_reader_that_exits_fails_its_batch_in_one_line(ccc_db, ccc_workspace, pm, tmp_path, code):
    """`sys.exit()` in a reader used to end `ccc import` (exit 0, no summary, the batch rolled back)."""
    f = write(tmp_path / "exits.txt", "c1,0,10,0", f"EXIT,{code}", "c2,0,10,0")
    with pytest.raises(PluginError) as caught:
        import_file(ccc_db, ccc_workspace, pm, "rows", f)
    assert caught.value.format() == f"{f}: source 'rows' (plugin plugin_rows) failed: it called sys.exit({code})"
    assert contacts(ccc_db) == [] and list_batches(ccc_db) == []


@pytest.mark.parametrize("field, reason", [
    ("wait_s", "wait_s 'abc' is not a number"),  # has a converter: `Contact(wait_s="abc")` raised in the reader
    ("csat", "csat 'abc' is not a number"),  # had none: the text was stored in a number column
    ("csat_scale", "csat_scale 'five' is not a number"),
])
def test_a_number_field_holding_text_rejects_that_record_only(ccc_db, ccc_workspace, pm, tmp_path, field, reason):
    text = "five" if field == "csat_scale" else "abc"
    f = write(tmp_path / "t.txt", "c1,0,10,0", f"FIELD,c9,{field},{text}", "c2,60,20,0")
    s = import_file(ccc_db, ccc_workspace, pm, "rows", f)
    assert (s["imported"], s["quarantined"]) == (2, 1)
    assert s["quarantine"] == [{"line": 2, "reason": reason}]
    assert [r[0] for r in contacts(ccc_db)] == ["c1", "c2"]


def test_state_saved_with_batch_and_restored_by_undo(ccc_db, ccc_workspace, pm, tmp_path):
    import_file(ccc_db, ccc_workspace, pm, "rows", write(tmp_path / "a.txt", "STATE,first"))
    import_file(ccc_db, ccc_workspace, pm, "rows", write(tmp_path / "b.txt", "STATE,second"))
    state = lambda: ccc_db.execute("SELECT state, batch_id FROM source_state").fetchall()  # noqa: E731
    assert state() == [('{"open": "second"}', 2)]
    undo_batch(ccc_db, 2)
    assert state() == [('{"open": "first"}', 1)]
    undo_batch(ccc_db, 1)
    assert state() == []


def test_partial_records_merge_non_null_fields(ccc_db, ccc_workspace, tmp_path):
    import types
    from datetime import datetime, timezone

    from ccc_governance import hookimpl
    from ccc_governance.plugins import get_plugin_manager
    from ccc_governance.records import Contact
    from ccc_governance.sources import Source

    def read(context):
        if context.path.name == "tickets.txt":
            yield Contact("t1", datetime(2026, 10, 1, tzinfo=timezone.utc), channel="email", agent="ann", line=1)
        else:
            yield Contact("t1", None, channel=None, direction=None, first_response_s=3600, partial=True, line=1)
            yield Contact("t2", None, channel=None, direction=None, resolution_s=60, partial=True, line=2)

    mod = types.ModuleType("zd")

    @hookimpl
    def register_sources(register):
        register(Source(name="zd", description="partial test", read=read))

    mod.register_sources = register_sources
    pm = get_plugin_manager(ccc_workspace, entrypoints=False)
    pm.register(mod)
    import_file(ccc_db, ccc_workspace, pm, "zd", write(tmp_path / "tickets.txt", "x"))
    s = import_file(ccc_db, ccc_workspace, pm, "zd", write(tmp_path / "metrics.txt", "y"))
    assert (s["imported"], s["replaced"]) == (1, 1)
    rows = ccc_db.execute(
        "SELECT source_id, channel, agent, first_response_s, resolution_s, arrived_at FROM contacts ORDER BY source_id"
    ).fetchall()
    assert rows == [("t1", "email", "ann", 3600.0, None, 1790812800000), ("t2", None, None, None, 60.0, None)]


def test_unknown_source_names_known_ones(ccc_db, ccc_workspace, pm, tmp_path):
    with pytest.raises(PluginError, match=r"unknown source 'rowz'\. Did you mean 'rows'\? Known sources: rows"):
        import_file(ccc_db, ccc_workspace, pm, "rowz", tmp_path / "x")


def test_missing_file_is_a_source_error(ccc_db, ccc_workspace, pm, tmp_path):
    with pytest.raises(SourceError, match="no such file"):
        import_file(ccc_db, ccc_workspace, pm, "rows", tmp_path / "nope.txt")


def test_options_reach_the_reader_over_workspace_options(ccc_db, ccc_workspace, tmp_path):
    import types

    from ccc_governance import hookimpl
    from ccc_governance.plugins import get_plugin_manager
    from ccc_governance.sources import Source

    seen = {}

    def read(context):
        seen.update(context.options)
        return iter(())

    mod = types.ModuleType("opt")

    @hookimpl
    def register_sources(register):
        register(Source(name="opt", description="options", read=read))

    mod.register_sources = register_sources
    ccc_workspace.sources["opt"] = {"a": "ws", "b": "ws"}
    pm = get_plugin_manager(ccc_workspace, entrypoints=False)
    pm.register(mod)
    s = import_file(ccc_db, ccc_workspace, pm, "opt", write(tmp_path / "o.txt", "x"), options={"b": "cli"})
    assert seen == {"a": "ws", "b": "cli"}
    assert s["records"] == 0 and s["status"] == "imported"
