"""The csv source: mapping features, bad rows, mapping errors, JSON lines."""

from __future__ import annotations

import pytest

import ccc_csv
from ccc_governance.errors import SourceError
from ccc_governance.plugins import get_plugin_manager
from ccc_governance.testing import import_file

MAPPING = """
kind = "contact"
source_id = "call_id"
timezone = "Europe/Paris"
timestamp_format = "%d/%m/%Y %H:%M:%S"
[fields]
arrived_at = "queued"
wait_s = "wait"
talk_s = { column = "talk", unit = "min" }
wrap_s = { column = "wrap", unit = "ms" }
hold_s = { column = "hold", unit = "hms" }
outcome = "result"
transferred = "xfer"
fcr = "fcr"
customer = "caller"
channel = { value = "chat" }
version = { column = "updated", format = "epoch" }
[values.outcome]
OK = "answered"
GONE = "abandoned"
[values.transferred]
X = true
"-" = false
"""

HEADER = "call_id;queued;wait;talk;wrap;hold;result;xfer;fcr;caller;updated"


@pytest.fixture
def setup(ccc_workspace, ccc_db, tmp_path):
    pm = get_plugin_manager(ccc_workspace, entrypoints=False)
    pm.register(ccc_csv)
    (tmp_path / "map.toml").write_text(MAPPING, encoding="utf-8")

    def run(text, name="calls.csv", **options):
        f = tmp_path / name
        f.write_text(text, encoding="utf-8")
        opts = {"mapping": str(tmp_path / "map.toml"), "delimiter": ";"}
        opts.update(options)
        return import_file(ccc_db, ccc_workspace, pm, "csv", f, options=opts)

    return run, ccc_db, tmp_path


def test_units_time_zone_value_maps_and_constants(setup):
    run, db, _ = setup
    s = run(HEADER + "\n"
            "a1;01/10/2026 10:00:00;12.5;2;1500;0:01:05;OK;X;yes;+33 6 39 98 00 01;1790841600\n"
            "a2;01/11/2026 10:00:00;3;;;;GONE;-;no;;\n")
    assert (s["imported"], s["quarantined"]) == (2, 0)
    rows = db.execute("SELECT source_id, arrived_at, wait_s, talk_s, wrap_s, hold_s, outcome, transferred, fcr, "
                      "channel, version, customer_key IS NOT NULL FROM contacts ORDER BY source_id").fetchall()
    # 10:00 Paris = 08:00Z in October (UTC+2) and 09:00Z on 1 November (UTC+1)
    assert rows == [
        ("a1", 1790841600000, 12.5, 120.0, 1.5, 65.0, "answered", 1, 1, "chat", 1790841600000, 1),
        ("a2", 1793523600000, 3.0, None, None, None, "abandoned", 0, 0, "chat", None, 0),
    ]


def test_bad_rows_are_rejected_with_their_line(setup):
    run, _, _ = setup
    s = run(HEADER + "\n"
            "a1;01/10/2026 10:00:00;x;;;;OK;;;;\n"
            "a2;2026-10-01;1;;;;OK;;;;\n"
            "a3;01/10/2026 10:00:00;1;;;;LOST;;;;\n"
            "a4;01/10/2026 10:00:00;1;;;;OK;;maybe;;\n"
            "a5;short\n"
            ";01/10/2026 10:00:00;1;;;;OK;;;;\n"
            "a7;01/10/2026 10:00:00;1;;;;OK;;;;\n")
    assert (s["imported"], s["quarantined"]) == (1, 6)
    assert [(q["line"], q["reason"]) for q in s["quarantine"]] == [
        (2, "column 'wait': 'x' is not a number"),
        (3, "column 'queued': '2026-10-01' is not a timestamp in format '%d/%m/%Y %H:%M:%S'"),
        (4, "column 'result': 'LOST' is not in [values.outcome] of the mapping"),
        (5, "column 'fcr': 'maybe' is neither true (1, t, true, y, yes) nor false (0, f, false, n, no)"),
        (6, "row has 2 fields, the header has 11"),
        (7, "the record has no source id"),  # judged by the host, as any record's
    ]


@pytest.mark.parametrize("text, options, message", [
    (HEADER.replace("wait", "waiting") + "\n", {}, "column(s) 'wait' named in map.toml are not in the header"),
    (HEADER + "\n", {"colour": "red"}, "option 'colour' is not a mapping setting"),
    (HEADER + "\n", {"timezone": "Mars/Base"}, "unknown time zone 'Mars/Base'"),
    ("", {}, "the file is empty"),
])
def test_file_level_problems_are_one_line_errors(setup, text, options, message):
    run, db, _ = setup
    with pytest.raises(SourceError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run(text, **options)
    assert db.execute("SELECT count(*) FROM batches").fetchone() == (0,)


def test_mapping_errors_name_the_mapping_file(setup):
    run, _, tmp_path = setup
    (tmp_path / "bad.toml").write_text('source_id = "id"\n[fields]\narived_at = "t"\n', encoding="utf-8")
    with pytest.raises(SourceError, match=r"bad.toml: \[fields\] arived_at: Contact has no field 'arived_at'"):
        run("id,t\n", mapping=str(tmp_path / "bad.toml"))
    (tmp_path / "bad2.toml").write_text('[fields]\narrived_at = "t"\n', encoding="utf-8")
    with pytest.raises(SourceError, match="source_id = .* is required"):
        run("id,t\n", mapping=str(tmp_path / "bad2.toml"))
    with pytest.raises(SourceError, match="needs a mapping file"):
        run("id,t\n", mapping="")


def test_json_lines_with_dotted_paths_and_repeats(setup):
    run, db, tmp_path = setup
    (tmp_path / "ctr.toml").write_text(
        'source_id = "ContactId"\n[fields]\narrived_at = "Queue.EnqueueTimestamp"\nwait_s = "Queue.Duration"\n'
        'version = "LastUpdateTimestamp"\n', encoding="utf-8")
    text = (
        '{"ContactId": "c1", "Queue": {"EnqueueTimestamp": "2026-10-01T08:00:00Z", "Duration": 7}, "LastUpdateTimestamp": "2026-10-01T09:00:00Z"}\n'
        '{"ContactId": "c1", "Queue": {"EnqueueTimestamp": "2026-10-01T08:00:00Z", "Duration": 5}, "LastUpdateTimestamp": "2026-10-01T08:30:00Z"}\n'
        '{"ContactId": "c2", "Queue": {"EnqueueTim\n'
    )
    s = run(text, name="ctr.jsonl", mapping=str(tmp_path / "ctr.toml"), delimiter=",")
    assert (s["imported"], s["older_skipped"], s["quarantined"]) == (1, 1, 1)
    assert s["quarantine"][0]["line"] == 3 and s["quarantine"][0]["reason"].startswith("not valid JSON")
    assert db.execute("SELECT wait_s FROM contacts").fetchall() == [(7.0,)]


def test_a_json_file_that_is_not_json_lines_of_the_mapping_is_refused_whole(setup):
    """A platform's wrapped export (or an array) given to the csv source as JSON lines: one line,
    nothing stored, instead of a batch with every line quarantined."""
    run, db, tmp_path = setup
    (tmp_path / "ctr.toml").write_text('source_id = "ContactId"\n[fields]\narrived_at = "Queue.EnqueueTimestamp"\n',
                                       encoding="utf-8")
    wrapped = '{"conversations":[\n' + "".join(
        f'{"," if i else ""}{{"conversationId": "g{i}", "conversationStart": "2026-10-01T08:00:00Z"}}\n'
        for i in range(30)) + "]}\n"
    with pytest.raises(SourceError, match=r"conv.json:1: does not look like JSON lines .* none of the first 20 lines is a JSON "
                                          r"object with 'ContactId'"):
        run(wrapped, name="conv.json", mapping=str(tmp_path / "ctr.toml"))
    with pytest.raises(SourceError, match="no line of it is a JSON object with 'ContactId'"):
        run('[{"ContactId": "c1"}]\n', name="array.json", mapping=str(tmp_path / "ctr.toml"))
    assert db.execute("SELECT count(*) FROM batches").fetchone()[0] == 0
    # an object of the mapping among the first lines: the file is JSON lines, broken lines quarantined
    s = run("oops\n" * 5 + '{"ContactId": "c1", "Queue": {"EnqueueTimestamp": "2026-10-01T08:00:00Z"}}\n'
            + "oops\n" * 30, name="late.jsonl", mapping=str(tmp_path / "ctr.toml"))
    assert (s["imported"], s["quarantined"]) == (1, 35)


def test_workspace_mapping_path_is_relative_to_the_workspace(ccc_workspace, ccc_db, tmp_path):
    (ccc_workspace.root / "maps").mkdir()
    (ccc_workspace.root / "maps" / "m.toml").write_text(
        'source_id = "id"\n[fields]\narrived_at = "t"\n', encoding="utf-8")
    ccc_workspace.sources["csv"] = {"mapping": "maps/m.toml"}
    pm = get_plugin_manager(ccc_workspace, entrypoints=False)
    pm.register(ccc_csv)
    f = tmp_path / "x.csv"
    f.write_text("id,t\nz,2026-10-01T08:00:00Z\n", encoding="utf-8")
    assert import_file(ccc_db, ccc_workspace, pm, "csv", f)["imported"] == 1


@pytest.mark.parametrize("rows, line", [
    (1, 2),  # the first data row: it used to say "the header cannot be read: 'utf-8' codec …"
    (3000, 3001),  # far into the file (read a block of rows at a time on the fast path)
    (0, 1),  # the header itself
])
def test_a_file_not_in_utf8_names_the_line_and_the_option(setup, rows, line):
    _, db, tmp_path = setup
    f = tmp_path / "latin1.csv"
    if rows:
        lines = [HEADER] + [f"a{i};01/10/2026 10:00:00;3;;;;OK;X;yes;;" for i in range(rows - 1)]
        lines.append("é;01/10/2026 10:00:00;3;;;;OK;X;yes;;")
    else:
        lines = [HEADER.replace("call_id", "call_id_é")]
    f.write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    pm = get_plugin_manager(None, entrypoints=False)
    pm.register(ccc_csv)
    opts = {"mapping": str(tmp_path / "map.toml"), "delimiter": ";"}
    with pytest.raises(SourceError) as caught:
        import_file(db, None, pm, "csv", f, options=opts)
    assert caught.value.format() == (
        f"{f}:{line}: not UTF-8 text (byte 0xe9): pass --option encoding=cp1252 (or the file's encoding)")
    if rows:  # and with the option, the file is read
        s = import_file(db, None, pm, "csv", f, options={**opts, "encoding": "cp1252"})
        assert (s["imported"], s["quarantined"]) == (rows, 0)


def test_an_encoding_python_does_not_know_is_one_line(setup):
    run, _, tmp_path = setup
    with pytest.raises(SourceError, match=r"calls.csv: encoding 'latin-9000' is not an encoding Python knows"):
        run(HEADER + "\n", encoding="latin-9000")


def test_counts_constants_and_epochs_are_parsed_and_judged_by_the_host(setup):
    """A count is handed on as written (5, 5.0, 4.5): the host stores a whole one and refuses a
    fraction with the specification's reason; a constant instant is read like a cell."""
    run, db, tmp_path = setup
    (tmp_path / "counts.toml").write_text(
        'source_id = "id"\n[fields]\narrived_at = { column = "t", format = "epoch_ms" }\ncsat_scale = "scale"\n'
        'version = { value = "2026-10-01T08:00:00+02:00" }\nended_at = { value = 2026-10-01T09:00:00Z }\n',
        encoding="utf-8")
    s = run("id,t,scale\nk1,1790841600000,5\nk2,1790841600000,5.0\nk3,1790841600000,4.5\nk4,1e30,5\n",
            mapping=str(tmp_path / "counts.toml"), delimiter=",")
    assert [(q["line"], q["reason"]) for q in s["quarantine"]] == [
        (4, "csat_scale 4.5 is not a whole number"),
        (5, "column 't': '1e30' is not a timestamp in format 'epoch_ms'"),
    ]
    assert db.execute("SELECT source_id, arrived_at, csat_scale, version, ended_at FROM contacts ORDER BY id").fetchall() == [
        ("k1", 1790841600000, 5, 1790834400000, 1790845200000),
        ("k2", 1790841600000, 5, 1790834400000, 1790845200000),
    ]


@pytest.mark.parametrize("toml, message", [
    ('kind = "complaint"\nsource_id = "id"\n[fields]\nreceived_at = "t"\nupdates = "u"\n',
     r"\[fields\] updates: a list of instants cannot be read by the csv source"),
    ('kind = "survey"\nsource_id = "id"\npartial = true\n[fields]\ncsat = "c"\n',
     r"partial = true: only contacts merge into stored ones \(kind is 'survey'\)"),
    ('source_id = "id"\n[fields]\nwait_s = "w"\n', r"\[fields\] must map arrived_at for kind 'contact'"),
    ('source_id = "id"\n[fields]\narrived_at = "t"\nversion = { value = "yesterday" }\n',
     r"\[fields\] version: value 'yesterday' is not a timestamp the mapping can read"),
    ('source_id = "id"\n[fields]\narrived_at = "t"\nversion = { value = 2026-10-01T09:00:00 }\n',
     r"\[fields\] version: value .* write a date-time with its offset"),
])
def test_mappings_the_reader_cannot_follow_are_one_line_errors(setup, toml, message):
    run, db, tmp_path = setup
    (tmp_path / "m.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(SourceError, match=r"m\.toml: " + message):
        run("id,t\n", mapping=str(tmp_path / "m.toml"), delimiter=",")
    assert db.execute("SELECT count(*) FROM batches").fetchone() == (0,)
