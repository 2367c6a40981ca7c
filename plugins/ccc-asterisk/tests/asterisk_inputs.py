"""Seeded random Asterisk inputs for the golden test (`test_asterisk_golden.py`): queue_logs of
interleaved calls (every event kind and unknown ones, lines out of time order, re-queued calls, short
or garbled lines, fractional and odd times, `\\r\\n` and `\\r` line ends, calls left open) and
database-table exports of them (every separator, column name, data layout and date-time form).

Everything is drawn from the `random.Random` handed in, so a seed gives the same files on every
machine and Python version (3.11+)."""

from __future__ import annotations

import csv
import io
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

T0 = 1790841600  # 2026-10-01T08:00:00Z

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
    return rnd.choice(["1e20", "-1e12"])  # (a time `datetime` cannot take)


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


def random_queue_log(rnd: random.Random, n_calls: int, t: float, prefix: str) -> list[tuple[float, str]]:
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


def write_lines(path: Path, lines: list[str], rnd: random.Random) -> None:
    """Write a queue_log's lines with random line ends, now and then a BOM, no end to the last line or
    bytes that are not UTF-8."""
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


HEADERS = [
    ("time", "callid", "queuename", "agent", "event"),
    ("time_id", "call_id", "queue", "agent", "verb"),
    ("timestamp", "callid", "queue_name", "membername", "event"),
    ("datetime", "callid", "queuename", "member", "event"),
] * 5 + [("time", "uniqueid", "queuename", "agent", "event")]  # (no "callid" in the header)


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


def random_table(rnd: random.Random, lines: list[str]) -> str:
    """The queue_log lines as a database-table export: a separator, column names and order, data1…data5 or one
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
