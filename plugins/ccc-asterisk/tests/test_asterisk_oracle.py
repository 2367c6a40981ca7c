"""The faster reader reads exactly as the reader before it (a frozen copy: reader_before_speedup.py):
same records, same fast-path rows in storage form (in file order, whatever the blocks), same
rejections with the same reasons and lines, same saved state, same refusals and errors, on every
test queue_log and database-table export, on a file shaped like the benchmark's, and on thousands of
random files (interleaved calls, every event kind and unknown ones, lines out of time order,
re-queued calls, short or garbled lines, fractional and odd times, `\\r\\n` and `\\r` line ends,
calls left open and completed by a second file through `context.state`, table exports with every
separator, column name, data layout and date-time form)."""

from __future__ import annotations

import copy
import csv
import importlib.util
import io
import math
import random
import re
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import attrs
import pytest

from ccc_asterisk import reader
from ccc_governance.records import Contact, Rejected
from ccc_governance.sources import ReadContext
from ccc_governance.store.fastrows import ColumnBlock, RowBlock

HERE = Path(__file__).parent
REPO = HERE.parents[2]
T0 = 1790841600  # 2026-10-01T08:00:00Z


def _load_before():
    spec = importlib.util.spec_from_file_location("asterisk_reader_before_speedup", HERE / "reader_before_speedup.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _with_fixes(module):
    """The frozen reader with the bug fixes made since, as the new reader must then read (the fixes
    change its behaviour on purpose in exactly these cases, and only there; `_as_fixed` gives the
    new reader's reasons for them back their frozen wording):

    - a time that is a number but not a date (`1e20`, `-1e12`: years 1 to 9999) is a bad time like
      `x` (its line is rejected, its call quarantined), where the frozen reader failed the whole file
      (OverflowError or ValueError out of `datetime`).
    - a number of the data that is not finite (`nan`, `inf`: a wait, a talk, a ring time) is not a
      number, like `x` (its line is rejected; a transfer's times are then looked for at the other
      place), where the frozen reader took it (a NaN wait, or a NaN arrival that failed the file).
      The frozen reader reads every number with `float`: a `float` that refuses them, in its module.
    - a table export whose callid column is named `uniqueid` (a name its columns go by) is one, where
      the frozen reader's header sniff knew only `callid`/`call_id` (refused it whole).
    """
    is_csv_header = module._is_csv_header
    module._is_csv_header = lambda line: is_csv_header(re.sub("uniqueid", "callid", line, flags=re.IGNORECASE))
    parse_time = module._parse_time

    def finite_float(value=0.0):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"not finite: {value!r}")
        return number

    module.float = finite_float

    def _parse_time(value, tz, allow_datetime):
        seconds = parse_time(value, tz, allow_datetime)
        if not reader.TIME_MIN <= seconds <= reader.TIME_MAX:
            raise ValueError(value)
        return seconds

    module._parse_time = _parse_time
    return module


#: What the fixes add to a rejection's reason (what is wrong, more precisely).
_FIXED_REASON = re.compile(r" \((out of the dates: years 1 to 9999|data\d, the [a-z ]+, must be finite)\)$")


def _as_fixed(item):
    """A rejection of the new reader with its reason as the frozen reader (`_with_fixes`) words it."""
    if isinstance(item, Rejected) and item.reason:
        reason = _FIXED_REASON.sub("", item.reason)
        if reason != item.reason:
            return attrs.evolve(item, reason=reason)
    return item


before = _with_fixes(_load_before())


NAN = "<nan>"


def _plain(value):
    """`value` for an exact comparison: a record as its class and fields (attrs equality), NaN as
    `NAN` (NaN equals nothing; no reader should give one now, see `_with_fixes`), lists and tuples
    item by item."""
    if type(value) is float:
        return NAN if value != value else value
    if isinstance(value, (Contact, Rejected)):
        return type(value).__name__, tuple(_plain(getattr(value, a.name)) for a in attrs.fields(type(value)))
    if isinstance(value, (list, tuple)):
        return type(value)(map(_plain, value))
    return value


def _run(read, path: Path, state: dict, options: dict) -> tuple[list, dict, tuple | None]:
    """(a reader's output in order, the state it left, its error as (type, message) or None).

    A block's rows come one by one as ("row", kind, fields, partial, row in storage form, the
    types of its values, its fallback record): the two readers cut their blocks differently."""
    context = ReadContext(path=path, options=dict(options), state=copy.deepcopy(state))
    out: list = []
    error = None
    try:
        for item in read(context):
            if isinstance(item, ColumnBlock):
                item = item.as_rows()
            if isinstance(item, RowBlock):
                out.extend(("row", item.kind, item.fields, item.partial, tuple(r), tuple(map(type, r)), item.fallback(i))
                           for i, r in enumerate(item.rows))
            else:
                out.append(_as_fixed(item))
    except Exception as exc:  # noqa: BLE001 - compared as they are
        error = (type(exc).__name__, str(exc))
    return out, context.state, error


def _compared(result: tuple) -> tuple:
    return _plain(result[0]), result[1], result[2]


def _same(path: Path, state: dict | None = None, **options) -> tuple[list, dict, tuple | None]:
    """Both readers on one file, both ways (records; fast-path blocks) from the same saved state:
    the old reader's (records, state, error), for the next file and for the test's own checks."""
    state = state or {}
    old = _run(before.read_queue_log, path, state, options)
    new = _compared(_run(reader.read_queue_log, path, state, options))
    plain_old = _compared(old)
    assert new[2] == plain_old[2], path.name
    assert new[0] == plain_old[0], path.name
    assert new[1] == plain_old[1], path.name
    fast_old = _compared(_run(before.read_queue_log_blocks, path, state, options))
    fast_new = _compared(_run(reader.read_queue_log_blocks, path, state, options))
    assert fast_new[2] == fast_old[2], path.name
    assert fast_new[1] == fast_old[1], path.name
    for fast in (fast_old, fast_new):  # the fast path holds what the record path yields
        records = [i[-1] if type(i) is tuple and i[:1] == ("row",) else i for i in fast[0]]
        if old[2] is None:
            assert records == plain_old[0], path.name
        else:  # what came before the error: the rows of the block being filled are lost (its size differs)
            assert records == plain_old[0][:len(records)], path.name
    if old[2] is None:
        assert fast_new[0] == fast_old[0], path.name
    return old


# -- the test files and the benchmark's -----------------------------------------------------------
def _test_files() -> list[Path]:
    real = sorted(p for p in (HERE / "data" / "real").iterdir() if p.name.startswith("queue_log"))
    return real + sorted(REPO.glob("examples/**/queue_log"))


def test_every_file_reads_as_before(tmp_path):
    files = _test_files()
    assert len(files) >= 9
    tables = [p for p in files if p.suffix in (".csv", ".tsv")]
    assert tables
    for path in files:
        records, state, error = _same(path)
        assert error is None and any(isinstance(r, Contact) for r in records), path.name
    for path in tables:  # (the zone of date-times without an offset: a table export may hold them)
        _same(path, timezone="Europe/Paris")
    # the months in a row, each from the state the month before left (calls open at its end: the
    # bench file's test and the random ones have them)
    months = sorted(REPO.glob("examples/history/*/queue_log"))
    months.insert(3, REPO / "examples" / "october-2026" / "queue_log")
    state: dict = {}
    for path in months:
        _, state, _ = _same(path, state)
    # files of another format: refused the same way (and an unknown time zone, a missing column)
    sample = REPO / "examples" / "october-2026"
    for path in (sample / "ctr.jsonl", sample / "truth.csv", sample / "genesys.json"):
        assert _same(path)[2][0] == "SourceError", path.name
    assert _same(files[0], timezone="Mars/Olympus")[2][0] == "SourceError"
    table = tmp_path / "table.csv"
    table.write_text("time,callid,queuename,event,data\n1790841600,1.1,q1,ENTERQUEUE,|0639981111|1\n", encoding="utf-8")
    assert "lacks column agent" in _same(table)[2][1]
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert _same(empty) == ([], {}, None)


def test_bench_file_reads_as_before(tmp_path):
    sys.path.insert(0, str(REPO / "bench"))
    try:
        import platform_bench  # noqa: PLC0415

        bench = tmp_path / "queue_log"
        platform_bench.GENERATORS["asterisk-queue-log"](bench, 3000)
    finally:
        sys.path.pop(0)
    records, state, error = _same(bench)
    # (3002: the generator sorts a call's same-second lines by text, so a 0 s ABANDON comes before its
    # ENTERQUEUE; both readers then read a second, open, queue visit)
    assert error is None and sum(isinstance(r, Contact) for r in records) >= 3000
    # cut in two: the calls open at the cut are completed by the second half through the state
    lines = bench.read_text(encoding="utf-8").splitlines(keepends=True)
    first, second = tmp_path / "queue_log.1", tmp_path / "queue_log.2"
    first.write_text("".join(lines[:4000]), encoding="utf-8")
    second.write_text("".join(lines[4000:]), encoding="utf-8")
    _, state, _ = _same(first)
    assert state["open_calls"]
    _same(second, state)


# -- random queue_logs ----------------------------------------------------------------------------
QUEUES = ["q1"] * 4 + ["q2", "support", "", "NONE"]
AGENTS = ["PJSIP/1001"] * 3 + ["PJSIP/1002", "Local/2000@agents", "NONE", ""]
CALLERS = ["0639981111", "0639982222", "", "unknown", "anonymous", "+33 6 39 98 33 33"]
NUMBERS = ["0", "1", "7", "20", "119", "1.5", "0.25", "3600", "-3", "1e3", " 4", "nan", "inf", "1_0"]
BAD_NUMBERS = ["", "x", "1,5", "--", "0x1f", "twelve"]
UNKNOWN = ["INFO", "HOLD", "UNHOLD", "DID", "AGENTLOGIN", "ADDMEMBER", "PAUSE", "ATTENDEDTRANSFER2", "connect",
           "Enterqueue", "X-Y", "_X", "9LIVES", "CALLERONHOLD", "MIXMONITOR"]
NON_CALL = ["NONE", "MANAGER", "REALTIME", ""]
ENDS = ["\n"] * 6 + ["\r\n"] * 3 + ["\r"]


def _number(rnd: random.Random, value: float, p_bad: float = 0.03) -> str:
    r = rnd.random()
    if r < p_bad:
        return rnd.choice(BAD_NUMBERS)
    if r < 2 * p_bad:
        return rnd.choice(NUMBERS)
    return str(int(value)) if rnd.random() < 0.7 else f"{value:.2f}"


def _when(rnd: random.Random, t: float) -> str:
    """A queue_log time: whole epoch seconds mostly, some fractional, some odd, a few unreadable."""
    r = rnd.random()
    if r < 0.7:
        return str(int(t))
    if r < 0.85:
        return f"{t:.{rnd.choice([1, 2, 3, 4, 6])}f}"
    if r < 0.985:
        return rnd.choice([f"{int(t)}.", f"{int(t)}.0005", f"{int(t)}.0015", f"{int(t)}.9995", f" {int(t)}",
                           f"{int(t)} ", f"+{int(t)}", f"{t / 1e9!r}e9", f"{int(t):_}", f"{int(t)}.999999999",
                           f"{t:.3f}00000001"])
    if r < 0.998:
        return rnd.choice(["", "x", "nan", "inf", "-inf", "0x6AB", "2026-10-01 08:00:00", "1e9", "0", "-5"])
    return rnd.choice(["1e20", "-1e12"])  # (a time `datetime` cannot take: a bad time, see `_with_fixes`)


def _data(rnd: random.Random, event: str, wait: float, talk: float) -> list[str]:
    """The data fields an Asterisk version would write for an event (now and then a wrong one)."""
    w, tk = _number(rnd, wait), _number(rnd, talk)
    pos = str(rnd.randint(1, 5))
    if event == "ENTERQUEUE":
        return [rnd.choice(["", "url"]), rnd.choice(CALLERS), pos][:rnd.choice([3, 3, 3, 2, 1, 0])]
    if event == "CONNECT":
        return [w, f"{T0}.{rnd.randint(1, 99)}", pos][:rnd.choice([3, 3, 3, 2, 1, 0])]
    if event in ("COMPLETEAGENT", "COMPLETECALLER"):
        return [w, tk, pos][:rnd.choice([3, 3, 3, 3, 2, 1])]
    if event in ("TRANSFER", "BLINDTRANSFER"):
        shape = rnd.choice(["1.4", "1.6", "1.6", "short", "extra"])
        if shape == "1.4":
            return ["300", "ctx", w, tk]
        if shape == "1.6":
            return ["300", "ctx", w, tk, pos]
        if shape == "short":
            return ["300", w][:rnd.randint(0, 2)]
        return ["300", "ctx", w, tk, pos, "", ""]
    if event == "ATTENDEDTRANSFER":
        shape = rnd.choice(["BRIDGE", "APP", "LINK", "LINK", "odd"])
        if shape == "LINK":
            return ["LINK", "Local/4000@ctx-0001;1", "Local/4000@ctx-0001;2", w, tk, pos][:rnd.choice([6, 6, 5, 4, 3])]
        if shape == "odd":
            return rnd.choice([[], ["LINK"], [w, tk], ["BRIDGE", w, tk, "x"], ["x", "y", "z", w, tk, pos, "|"]])
        return [shape, "b1", w, tk, pos]
    if event in ("ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY"):
        return [pos, "1", w][:rnd.choice([3, 3, 3, 2, 1, 0])] + [""] * rnd.choice([0, 0, 1])
    if event == "EXITWITHKEY":
        return [rnd.choice(["1", "#", ""]), pos, "1", w][:rnd.choice([4, 4, 4, 3, 2])]
    if event in ("RINGNOANSWER", "RINGCANCELED"):
        return [_number(rnd, 15000)][:rnd.choice([1, 1, 1, 0])]
    return [_number(rnd, wait), "x"][:rnd.randint(0, 2)]  # AGENTDUMP, SYSCOMPAT, unknown events


def _call_lines(rnd: random.Random, callid: str, t: float) -> list[tuple[float, str, str, str, list[str]]]:
    """(time, queue, agent, event, data) of one call: one to three queue visits, each with or without
    its ENTERQUEUE, rings, a CONNECT and a terminal event (any kind, or none: left open)."""
    lines = []
    for visit in range(rnd.choice([1, 1, 1, 1, 2, 2, 3])):
        queue, agent = rnd.choice(QUEUES), rnd.choice(AGENTS)
        wait, talk = rnd.choice([0, 3, 20, 45, 119, 121, 400]), rnd.choice([0, 30, 240, 900])
        if rnd.random() < 0.93:
            lines.append((t, queue, "NONE", "ENTERQUEUE", _data(rnd, "ENTERQUEUE", wait, talk)))
        for _ in range(rnd.choice([0, 0, 1, 2])):
            lines.append((t + rnd.uniform(0, wait), queue, agent, rnd.choice(["RINGNOANSWER", "RINGCANCELED"]),
                          _data(rnd, "RINGNOANSWER", wait, talk)))
        if rnd.random() < 0.1:
            lines.append((t + rnd.uniform(0, wait + talk), queue, agent, rnd.choice(UNKNOWN), _data(rnd, "", wait, talk)))
        end = rnd.choice(["COMPLETEAGENT", "COMPLETECALLER", "TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER",
                          "ABANDON", "EXITWITHTIMEOUT", "EXITWITHKEY", "EXITEMPTY", "AGENTDUMP", "SYSCOMPAT",
                          None, None])
        answered = end in ("COMPLETEAGENT", "COMPLETECALLER", "TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER")
        if answered or (end is None and rnd.random() < 0.5) or rnd.random() < 0.05:
            lines.append((t + wait, queue, agent, "CONNECT", _data(rnd, "CONNECT", wait, talk)))
        if end is not None:
            done = t + wait + (talk if answered else 0)
            lines.append((done, queue, agent if answered else rnd.choice(["NONE", agent]), end,
                          _data(rnd, end, wait, talk)))
            if end in ("AGENTDUMP", "SYSCOMPAT") and rnd.random() < 0.6:
                lines.append((done, queue, "NONE", "ABANDON", _data(rnd, "ABANDON", wait, talk)))
            if rnd.random() < 0.05:  # a second terminal event
                lines.append((done + rnd.choice([0, 1, 200]), queue, agent, "COMPLETECALLER", [str(wait), str(talk), "1"]))
        t += wait + talk + rnd.choice([0, 0, 1, 5, 60, 130, 3000])  # re-queued soon, or later
    return lines


def _garbled(rnd: random.Random, t: float, callid: str) -> str:
    return rnd.choice([
        "garbage", "", " ", "|", "||||", f"{int(t)}", f"{int(t)}|{callid}", f"{int(t)}|{callid}|q1",
        f"{int(t)}|{callid}|q1|NONE", f"{int(t)}|{rnd.choice(NON_CALL)}|q1", f"{int(t)}|{rnd.choice(NON_CALL)}",
        f"{int(t)}|{callid}|q1|NONE|", f"x|{callid}|q1|NONE|ENTERQUEUE||0639981111|1", "\x00\x01|\x02",
        f"{int(t)}|{callid}|q1|NONE|ENTER QUEUE|", "# a comment", "\ufeff" + f"{int(t)}|{callid}|q1|NONE|INFO|",
        "x" * 400, f"{int(t)}|{callid}|q1|NONE|CONNECT|{'9' * 300}x|1|2",  # (the reason's raw text is cut)
    ])


def _random_queue_log(rnd: random.Random, n_calls: int, t: float, prefix: str) -> list[tuple[float, str]]:
    """(time, line) of a queue_log, in the order written: calls interleaved in time order, a few
    lines out of order (within the reader's slack and beyond), member and garbled lines."""
    events = []
    pool = [f"{T0}.{k}" for k in range(max(2, n_calls // 3))]  # a callid may come back (a requeue, a reuse)
    for i in range(n_calls):
        t += rnd.choice([0, 1, 2, 5, 30, 90, 200])
        callid = rnd.choice(pool) if rnd.random() < 0.2 else f"{prefix}{i}"
        for when, queue, agent, event, data in _call_lines(rnd, callid, t):
            text = "|".join([_when(rnd, when), callid, queue, agent, event, *data])
            events.append((when, text))
        if rnd.random() < 0.06:
            events.append((t, _garbled(rnd, t, callid)))
        if rnd.random() < 0.05:
            events.append((t, f"{int(t)}|{rnd.choice(NON_CALL)}|q1|PJSIP/1001|{rnd.choice(['ADDMEMBER', 'PAUSE', 'CONNECT', 'ABANDON'])}|"))
    events.sort(key=lambda e: e[0])
    for _ in range(rnd.choice([0, 0, 1, 3, 8])):  # some lines written late
        if len(events) > 2:
            k = rnd.randrange(len(events))
            events.insert(min(len(events), k + rnd.randint(1, 12)), events.pop(k))
    return events


def _write(path: Path, lines: list[str], rnd: random.Random) -> None:
    data = "".join(line + rnd.choice(ENDS) for line in lines)
    if rnd.random() < 0.1:
        data = "\ufeff" + data
    if rnd.random() < 0.2 and data:
        data = data[:-1] if data[-1] == "\n" and data[-2:] != "\r\n" else data  # no end to the last line
    raw = data.encode("utf-8")
    if rnd.random() < 0.05:
        cut = rnd.randrange(len(raw) + 1)
        raw = raw[:cut] + b"\xff\xfe" + raw[cut:]  # bytes that are not UTF-8
    path.write_bytes(raw)


class _Tally:
    """What the random files made the readers do (the test checks they did all of it)."""

    def __init__(self):
        self.files = self.contacts = self.rejected = self.requeued = self.open = self.states = self.refused = 0
        self.completed = self.errors = 0

    def add(self, result, state_in=None):
        records, state, error = result
        self.files += 1
        self.contacts += sum(isinstance(r, Contact) for r in records)
        self.rejected += sum(isinstance(r, Rejected) for r in records)
        self.requeued += sum(isinstance(r, Contact) and "#" in r.source_id for r in records)
        self.open += sum(isinstance(r, Contact) and r.outcome == "open" for r in records)
        self.states += bool(state.get("open_calls"))
        if state_in and state_in.get("open_calls"):
            self.completed += sum(isinstance(r, Contact) and r.source_id in state_in["open_calls"]
                                  and r.outcome != "open" for r in records)
        if error is not None:
            self.refused += error[0] == "SourceError"
            self.errors += error[0] != "SourceError"


@pytest.mark.parametrize("seed", range(4))
def test_random_queue_logs_read_as_before(tmp_path, seed):
    """350 random pairs of files a seed (the second completes the calls the first left open)."""
    rnd = random.Random(seed)
    tally = _Tally()
    path1, path2 = tmp_path / "queue_log.1", tmp_path / "queue_log"
    for k in range(350):
        events = _random_queue_log(rnd, rnd.choice([1, 3, 8, 20, 40]), T0 + rnd.choice([0, 0.5, 86400]), f"{k}.")
        if rnd.random() < 0.03:
            events = [(0, rnd.choice(["{}", "ContactId,Channel", "a,b,c"]))] * 21 + events  # another format
        cut = rnd.randint(0, len(events))
        _write(path1, [e[1] for e in events[:cut]], rnd)
        _write(path2, [e[1] for e in events[cut:]], rnd)
        options = {"timezone": "Europe/Paris"} if rnd.random() < 0.1 else {}
        first = _same(path1, **options)
        tally.add(first)
        state = first[1]
        if rnd.random() < 0.05:  # a state a day old: forgotten, not completed
            state = {"open_calls": {cid: [[e[0] - 2 * 86400, *e[1:]] for e in evs]
                                    for cid, evs in (state.get("open_calls") or {}).items()}}
        tally.add(_same(path2, state, **options), state)
    assert tally.files == 700
    assert tally.contacts > 3000 and tally.rejected > 100 and tally.requeued > 50 and tally.open > 100
    assert tally.states > 100 and tally.completed > 50 and tally.refused >= 5


# -- random database-table exports ----------------------------------------------------------------
HEADERS = [
    ("time", "callid", "queuename", "agent", "event"),
    ("time_id", "call_id", "queue", "agent", "verb"),
    ("timestamp", "callid", "queue_name", "membername", "event"),
    ("datetime", "callid", "queuename", "member", "event"),
] * 5 + [("time", "uniqueid", "queuename", "agent", "event")]  # (no "callid" in the header, see `_with_fixes`)


def _stamp(rnd: random.Random, text: str) -> str:
    """An epoch time of a queue_log line as a table export may hold it (a date-time, or as it is)."""
    try:
        epoch = float(text)
    except ValueError:
        return text
    if not 0 < epoch < 4e9 or rnd.random() < 0.3:
        return text
    dt = datetime.fromtimestamp(epoch, tz=timezone.utc)
    r = rnd.random()
    if r < 0.4:
        return dt.strftime("%Y-%m-%d %H:%M:%S.%f")
    if r < 0.6:
        return dt.replace(tzinfo=None).isoformat(timespec="seconds")
    if r < 0.8:
        return dt.astimezone(timezone(timedelta(hours=2))).isoformat()
    return rnd.choice([dt.strftime("%Y-%m-%dT%H:%M:%SZ"), dt.strftime("%d/%m/%Y %H:%M"), " " + dt.isoformat() + " ",
                       dt.strftime("%Y-%m-%d")])


def _random_table(rnd: random.Random, lines: list[str]) -> str:
    """The lines as a database-table export: a separator, column names and order, data1…data5 or one
    data column, NULLs, quoting, now and then a short row."""
    delimiter = rnd.choice([",", "\t", ";"])
    names = list(rnd.choice(HEADERS))
    single = rnd.random() < 0.3
    data_names = ["data"] if single else [f"data{i}" for i in range(1, 6)]
    columns = ["id", *names, *data_names] if rnd.random() < 0.7 else [*names, *data_names]
    if rnd.random() < 0.3:
        columns = [columns[0], *rnd.sample(columns[1:], len(columns) - 1)]
    null = rnd.choice(["", "\\N", "NULL"])
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=rnd.choice(["\n", "\r\n"]))
    writer.writerow([c.upper() if rnd.random() < 0.1 else c for c in columns])
    for k, line in enumerate(lines):
        fields = line.split("|")
        if len(fields) < 5 or rnd.random() < 0.02:
            writer.writerow(fields[:3])  # a short row
            continue
        values = dict(zip(names, [_stamp(rnd, fields[0]), *fields[1:5]]))
        data = fields[5:]
        if single:
            values["data"] = "|".join(data)
        else:
            data = data[:4] + (["|".join(data[4:])] if len(data) > 4 else [])
            values.update((f"data{i}", v) for i, v in enumerate(data, 1))
        values["id"] = str(k + 1)
        writer.writerow([values.get(c) or (null if c.startswith("data") or c == "agent" else "") for c in columns])
    return out.getvalue()


@pytest.mark.parametrize("seed", range(2))
def test_random_table_exports_read_as_before(tmp_path, seed):
    """250 random table exports a seed, each read in UTC and in a zone with summer time."""
    rnd = random.Random(100 + seed)
    tally = _Tally()
    path = tmp_path / "queue_log.csv"
    for k in range(250):
        events = _random_queue_log(rnd, rnd.choice([1, 5, 15, 30]), T0 + rnd.choice([0, 7 * 86400]), f"{k}.")
        text = _random_table(rnd, [e[1] for e in events])
        path.write_bytes(("\ufeff" if rnd.random() < 0.1 else "").encode() + text.encode("utf-8"))
        tally.add(_same(path))
        _same(path, timezone=rnd.choice(["Europe/Paris", "America/New_York", "utc"]))
    assert tally.contacts > 1000 and tally.rejected > 50 and tally.requeued > 10 and tally.states > 30
