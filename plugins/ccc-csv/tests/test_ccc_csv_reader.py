"""The csv source's reader: cells parsed into stored values, `ColumnBlock`s in file order with a
`Rejected` row for each row that cannot be read, and what the host then stores and quarantines."""

from __future__ import annotations

import pickle

import pytest

import ccc_csv
from ccc_csv import reader as csv_reader
from ccc_governance.blocks import ColumnBlock
from ccc_governance.plugins import get_plugin_manager, get_sources
from ccc_governance.records import Rejected
from ccc_governance.sources import ReadContext
from ccc_governance.testing import import_file, open_db, undo_batch
from ccc_governance.workspace import init_workspace, load_workspace

ISO_PARIS = """
kind = "contact"
source_id = "id"
timezone = "Europe/Paris"
[fields]
arrived_at = "arrived"
answered_at = "answered"
ended_at = "ended"
queue = "queue"
outcome = "result"
wait_s = "wait"
talk_s = { column = "talk", unit = "min" }
hold_s = { column = "hold", unit = "hms" }
transferred = "xfer"
csat = "csat"
csat_scale = { value = 5 }
customer = "caller"
version = "updated"
[values.outcome]
OK = "answered"
GONE = "abandoned"
BAD = "lost"
"""

HEADER = "id,arrived,answered,ended,queue,result,wait,talk,hold,xfer,csat,caller,updated"
ROWS = [
    "a1,2026-10-01T10:00:00Z,2026-10-01T10:00:20Z,2026-10-01T10:05:00Z,billing,OK,20,4.5,0:01:05,yes,4,+33 6 39 98 00 01,",
    "a2,2026-10-01T10:00:07Z,,2026-10-01T10:01:00Z,billing,GONE,53,,,,,0033639980001,",
    # naive local times across the end of summer time (Paris, 25 Oct 2026, 03:00 → 02:00)
    "a3,2026-10-25T01:59:59,2026-10-25T02:00:00,2026-10-25T02:59:59,sales,OK,1,1,,no,,+33639980002,",
    "a4,2026-10-25T02:30:00,2026-10-25T03:00:00,2026-10-25T03:30:00,sales,OK,1,1,,no,,caller@Example.COM,",
    "a5,2026-03-29T02:30:00,2026-03-29T03:00:00,,sales,OK,1,1,,,,tel:+33639980003,",
    # offsets, fractions, spaces around cells
    "a6,2026-10-01T10:00:00+02:00,2026-10-01 10:00:30+02:00,2026-10-01T10:10:00.250+02:00,x,OK,30,1,,,,,",
    "a7, 2026-10-01T11:00:00Z ,,, billing ,GONE, 5 ,,,,,,",
    # line 9: a word [values.outcome] does not have: cannot be parsed, rejected by the reader
    "a8,2026-10-01T10:00:00Z,,,billing,NOPE,1,,,,,,",
    # lines 10-12: parsed, but the host refuses them (an outcome it does not know, a negative
    # wait, a required instant missing), with the specification's reasons
    "a9,2026-10-01T10:00:00Z,,,billing,BAD,1,,,,,,",
    "a10,2026-10-01T10:00:00Z,,,billing,OK,-3,,,,,,",
    "a11,,,,billing,OK,3,,,,,,",
    # lines 13-18: not a date, second 60, no source id (the host's), not a boolean, not a number, too short
    "a12,2026-13-01T10:00:00Z,,,billing,OK,3,,,,,,",
    "a13,2026-10-01T10:00:60Z,,,billing,OK,3,,,,,,",
    ",2026-10-01T10:00:00Z,,,billing,OK,3,,,,,,",
    "a14,2026-10-01T10:00:00Z,,,billing,OK,3,,,maybe,,,",
    "a15,2026-10-01T10:00:00Z,,,billing,OK,abc,,,,,,",
    "a16,2026-10-01T10:00:00Z,,,billing",
    # in-file repeats resolved by version, whatever their order
    "d1,2026-10-02T09:00:00Z,,,billing,GONE,9,,,,,,2026-10-02T10:00:00Z",
    "d1,2026-10-02T09:00:00Z,2026-10-02T09:00:09Z,,billing,OK,9,,,,,,2026-10-02T11:00:00Z",
    "d1,2026-10-02T09:00:00Z,,,billing,GONE,9,,,,,,2026-10-02T09:30:00Z",
    "d2,2026-10-02T09:00:00Z,,,billing,GONE,9,,,,,,",
    "d2,2026-10-02T09:00:00Z,,,billing,GONE,9,,,,,,",
]
UPDATE = [
    "a1,2026-10-01T10:00:00Z,2026-10-01T10:00:20Z,2026-10-01T10:06:00Z,billing,OK,20,4.5,0:01:05,yes,5,+33 6 39 98 00 01,",
    "a2,2026-10-01T10:00:07Z,,2026-10-01T10:01:00Z,billing,GONE,53,,,,,0033639980001,",
    "d1,2026-10-02T09:00:00Z,,,billing,GONE,9,,,,,,2026-10-02T09:00:00Z",
    "n1,2026-10-03T09:00:00Z,,,billing,GONE,9,,,,,,",
]

PARTIAL = """
kind = "contact"
source_id = "id"
partial = true
[fields]
csat = "csat"
fcr = "fcr"
"""

#: What the reader gives for ROWS[:7] (lines 2-8), in storage form: instants as epoch ms UTC.
PARSED = [
    ("a1", 2, 1790848800000, 1790848820000, 1790849100000, "billing", "answered", 20.0, 270.0, 65.0, True, 4.0, 5,
     "+33 6 39 98 00 01", None),
    ("a2", 3, 1790848807000, None, 1790848860000, "billing", "abandoned", 53.0, None, None, None, None, 5,
     "0033639980001", None),
    # 01:59:59 summer time (UTC+2) is 23:59:59Z the day before; 02:00:00 after it is winter time (UTC+1)
    ("a3", 4, 1792886399000, 1792886400000, 1792889999000, "sales", "answered", 1.0, 60.0, None, False, None, 5,
     "+33639980002", None),
    ("a4", 5, 1792888200000, 1792893600000, 1792895400000, "sales", "answered", 1.0, 60.0, None, False, None, 5,
     "caller@Example.COM", None),
    # 02:30 does not exist on 29 March in Paris: read as the time before the jump (UTC+1)
    ("a5", 6, 1774747800000, 1774746000000, None, "sales", "answered", 1.0, 60.0, None, None, None, 5,
     "tel:+33639980003", None),
    ("a6", 7, 1790841600000, 1790841630000, 1790842200250, "x", "answered", 30.0, 60.0, None, None, None, 5, None, None),
    ("a7", 8, 1790852400000, None, None, "billing", "abandoned", 5.0, None, None, None, None, 5, None, None),
]


def _read(tmp_path, mapping: str, text: str, name: str = "f.csv") -> list:
    (tmp_path / "map.toml").write_text(mapping, encoding="utf-8")
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    return list(csv_reader.read_csv(ReadContext(path=f, options={"mapping": str(tmp_path / "map.toml")})))


def _shape(items) -> list:
    """Each item as ("block", lines) or ("rejected", line)."""
    return [("block", item.columns[1]) if type(item) is ColumnBlock else ("rejected", item.line) for item in items]


def test_cells_are_parsed_into_stored_values(tmp_path):
    items = _read(tmp_path, ISO_PARIS, HEADER + "\n" + "\n".join(ROWS[:7]) + "\n")
    assert len(items) == 1 and type(items[0]) is ColumnBlock
    block = items[0]
    assert (block.kind, block.partial) == ("contact", False)
    assert block.fields == ("arrived_at", "answered_at", "ended_at", "queue", "outcome", "wait_s", "talk_s", "hold_s",
                            "transferred", "csat", "csat_scale", "customer", "version")
    assert list(zip(*block.columns)) == PARSED


@pytest.mark.parametrize("block", [1000, 4, 1])
def test_a_row_that_cannot_be_parsed_is_rejected_in_its_place(tmp_path, monkeypatch, block):
    """The rows around it go in blocks before and after it: the file's order is kept."""
    monkeypatch.setattr(csv_reader, "BLOCK", block)
    items = _read(tmp_path, ISO_PARIS, HEADER + "\n" + "\n".join(ROWS) + "\n")
    rejected = [(i.line, i.reason, i.raw) for i in items if type(i) is Rejected]
    assert rejected == [
        (9, "column 'result': 'NOPE' is not in [values.outcome] of the mapping", ROWS[7]),
        (13, "column 'arrived': '2026-13-01T10:00:00Z' is not a timestamp (ISO 8601)", ROWS[11]),
        (14, "column 'arrived': '2026-10-01T10:00:60Z' is not a timestamp (ISO 8601)", ROWS[12]),
        (16, "column 'xfer': 'maybe' is neither true (1, t, true, y, yes) nor false (0, f, false, n, no)", ROWS[14]),
        (17, "column 'wait': 'abc' is not a number", ROWS[15]),
        (18, "row has 5 fields, the header has 13", ROWS[16]),
    ]
    order = [line for kind, lines in _shape(items) for line in (lines if kind == "block" else [lines])]
    assert order == [n for n in range(2, len(ROWS) + 2)]  # every row once, in file order
    if block == 1000:
        assert _shape(items) == [("block", [2, 3, 4, 5, 6, 7, 8]), ("rejected", 9), ("block", [10, 11, 12]),
                                 ("rejected", 13), ("rejected", 14), ("block", [15]), ("rejected", 16),
                                 ("rejected", 17), ("rejected", 18), ("block", [19, 20, 21, 22, 23])]
    rows = [r for i in items if type(i) is ColumnBlock for r in zip(*i.columns)]
    assert rows[:7] == PARSED
    # what the host refuses is handed on as parsed: 'lost', -3.0, no arrival, no source id
    assert [r[:3] + r[6:8] for r in rows[7:11]] == [
        ("a9", 10, 1790848800000, "lost", 1.0), ("a10", 11, 1790848800000, "answered", -3.0),
        ("a11", 12, None, "answered", 3.0), ("", 15, 1790848800000, "answered", 3.0)]


def test_a_bad_json_line_is_rejected_in_its_place(tmp_path):
    mapping = 'source_id = "id"\n[fields]\narrived_at = "t"\nwait_s = "w"\n'
    text = ('{"id": "c1", "t": "2026-10-01T08:00:00Z", "w": 7}\n'
            '{"id": "c2", "t": \n'
            '\n'
            '{"id": 3, "t": "2026-10-01T08:00:01Z", "w": 2.5}\n'
            '[1]\n'
            '{"id": "c4", "t": "2026-10-01T08:00:02Z", "w": "x"}\n')
    items = _read(tmp_path, mapping, text, name="f.jsonl")
    assert _shape(items) == [("block", [1]), ("rejected", 2), ("block", [4]), ("rejected", 5), ("rejected", 6)]
    assert items[0].columns == [["c1"], [1], [1790841600000], [7.0]]
    assert items[2].columns == [["3"], [4], [1790841601000], [2.5]]
    assert [i.reason for i in items if type(i) is Rejected] == [
        "not valid JSON: Expecting value (column 18)", "a JSON-lines row must be an object",
        "column 'w': 'x' is not a number"]


def _dump(db):
    out = {}
    for table in ("contacts", "quarantine", "replaced_rows", "batches"):
        cols = [r[1] for r in db.conn.execute(f"PRAGMA table_info({table})")]
        skip = {"started_at", "finished_at", "elapsed_s", "path", "undone_at", "options"}
        keep = [c for c in cols if c not in skip]
        out[table] = db.conn.execute(f"SELECT {', '.join(keep)} FROM {table} ORDER BY id").fetchall()
    return out


def _run(root, steps):
    """Import each (mapping, text, action) into a new workspace at `root`: (summaries, tables)."""
    init_workspace(root, key="0" * 64)
    ws = load_workspace(root)
    db = open_db(root / "ccc.db")
    pm = get_plugin_manager(ws, entrypoints=False)
    pm.register(ccc_csv)
    summaries = []
    for mapping, text, action in steps:
        (root / "map.toml").write_text(mapping, encoding="utf-8")
        f = root / f"f{len(summaries)}.csv"
        f.write_text(text, encoding="utf-8")
        s = import_file(db, ws, pm, "csv", f, options={"mapping": str(root / "map.toml")})
        summaries.append({k: v for k, v in s.items() if k not in ("elapsed_s", "rows_per_s", "file")})
        if action == "undo":
            undo_batch(db, s["batch_id"])
    return summaries, _dump(db)


FIRST = (ISO_PARIS, HEADER + "\n" + "\n".join(ROWS) + "\n", None)
SECOND = (ISO_PARIS, HEADER + "\n" + "\n".join(UPDATE) + "\n", None)


@pytest.mark.parametrize("block", [1000, 3])
def test_the_host_quarantines_what_the_specification_refuses_and_stores_the_rest(tmp_path, monkeypatch, block):
    monkeypatch.setattr(csv_reader, "BLOCK", block)
    (s,), tables = _run(tmp_path / "ws", [FIRST])
    assert (s["imported"], s["duplicates"], s["older_skipped"], s["quarantined"]) == (9, 2, 1, 10)
    assert [(q["line"], q["reason"]) for q in s["quarantine"]] == [
        (9, "column 'result': 'NOPE' is not in [values.outcome] of the mapping"),
        (10, "outcome 'lost' is not one of answered, abandoned, timeout, exit_key, callback, not_queued, open"),
        (11, "wait_s is negative (-3.0)"),
        (12, "arrived_at is missing"),
        (13, "column 'arrived': '2026-13-01T10:00:00Z' is not a timestamp (ISO 8601)"),
        (14, "column 'arrived': '2026-10-01T10:00:60Z' is not a timestamp (ISO 8601)"),
        (15, "the record has no source id"),
        (16, "column 'xfer': 'maybe' is neither true (1, t, true, y, yes) nor false (0, f, false, n, no)"),
        (17, "column 'wait': 'abc' is not a number"),
        (18, "row has 5 fields, the header has 13"),
    ]
    db = open_db(tmp_path / "ws" / "ccc.db")
    stored = db.execute("SELECT source_id, line, arrived_at, answered_at, outcome, talk_s, hold_s, transferred, csat, "
                        "csat_scale, customer_key IS NOT NULL FROM contacts ORDER BY id").fetchall()
    assert stored == [
        ("a1", 2, 1790848800000, 1790848820000, "answered", 270.0, 65.0, 1, 4.0, 5, 1),
        ("a2", 3, 1790848807000, None, "abandoned", None, None, None, None, 5, 1),
        ("a3", 4, 1792886399000, 1792886400000, "answered", 60.0, None, 0, None, 5, 1),
        ("a4", 5, 1792888200000, 1792893600000, "answered", 60.0, None, 0, None, 5, 1),
        ("a5", 6, 1774747800000, 1774746000000, "answered", 60.0, None, None, None, 5, 1),
        ("a6", 7, 1790841600000, 1790841630000, "answered", 60.0, None, None, None, 5, 0),
        ("a7", 8, 1790852400000, None, "abandoned", None, None, None, None, 5, 0),
        ("d1", 20, 1790931600000, 1790931609000, "answered", None, None, None, None, 5, 0),  # the newest version
        ("d2", 22, 1790931600000, None, "abandoned", None, None, None, None, 5, 0),
    ]
    if block != 1000:  # the blocks' size changes nothing
        monkeypatch.setattr(csv_reader, "BLOCK", 1000)
        assert _run(tmp_path / "ws1000", [FIRST]) == ([s], tables)


def test_a_second_export_replaces_newer_rows_and_undo_restores_the_first(tmp_path):
    first = _run(tmp_path / "one", [FIRST])
    summaries, _ = _run(tmp_path / "two", [FIRST, SECOND])
    assert {k: summaries[1][k] for k in ("imported", "replaced", "duplicates", "older_skipped", "quarantined")} == \
        {"imported": 1, "replaced": 1, "duplicates": 1, "older_skipped": 1, "quarantined": 0}
    db = open_db(tmp_path / "two" / "ccc.db")
    assert db.execute("SELECT ended_at, csat FROM contacts WHERE source_id = 'a1'").fetchone() == (1790849160000, 5.0)
    summaries, tables = _run(tmp_path / "undo", [FIRST, (*SECOND[:2], "undo")])
    assert tables["contacts"] == first[1]["contacts"]
    assert tables["quarantine"] == first[1]["quarantine"]


def test_partial_rows_merge_into_stored_contacts(tmp_path):
    _, tables = _run(tmp_path / "ws", [FIRST, (PARTIAL, "id,csat,fcr\na1,3,yes\na2,,no\nzz,4,\n", None)])
    db = open_db(tmp_path / "ws" / "ccc.db")
    assert db.execute("SELECT source_id, outcome, talk_s, csat, fcr FROM contacts WHERE source_id IN ('a1', 'a2', 'zz') "
                      "ORDER BY source_id").fetchall() == [
        ("a1", "answered", 270.0, 3.0, 1), ("a2", "abandoned", None, None, 0), ("zz", None, None, 4.0, None)]


def _big(n=25_000):
    """n rows, with repeats of earlier ids spread over several chunks, then ROWS."""
    lines = [HEADER]
    for i in range(n):
        sid = f"r{i % (n - 3_000)}"  # the last 3,000 rows repeat the first ones
        version = f"2026-10-02T{(i // 1000) % 24:02d}:00:00Z"
        lines.append(f"{sid},2026-10-01T10:{i % 60:02d}:00Z,,,billing,GONE,{i % 90},,,,,+336399{i % 1000:05d},{version}")
    lines.extend(ROWS)
    return "\n".join(lines) + "\n"


def test_the_reader_runs_in_a_reader_process_and_stores_the_same(tmp_path, monkeypatch):
    pm = get_plugin_manager(None, entrypoints=False)
    pm.register(ccc_csv)
    source = get_sources(pm)["csv"]
    assert source.separate_process and pickle.loads(pickle.dumps(source.read)) is source.read
    steps = [(ISO_PARIS, _big(), None), SECOND]
    monkeypatch.setenv("CCC_IMPORT_PROCESS", "0")
    one = _run(tmp_path / "one", steps)
    monkeypatch.setenv("CCC_IMPORT_PROCESS", "always")
    two = _run(tmp_path / "two", steps)
    assert two == one
    assert one[0][0]["duplicates"] + one[0][0]["older_skipped"] >= 3_000
