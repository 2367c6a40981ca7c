"""Speed and memory of the platform plugins (queue_log, CTR, Genesys), run by hand.

    .venv/bin/python bench/platform_bench.py [N] [--keep]

For each format it writes N synthetic contacts (bench/out/), then, each in a fresh process so
that peak memory is measured alone: reads the file through the plugin's reader, imports it into
a fresh workspace with `import_file` (as by default: a big file is read in a second process,
`store/parallel.py`, and peak memory is then both processes'; then in one process,
`CCC_IMPORT_PROCESS=0`), and
imports the same contacts as a plain CSV with the `sqlite3` shell's `.import` into an
equivalent table (the yardstick: goal import < 4x it, peak memory < 100 MB). Two yardsticks: the
contacts the import stored, dumped as a CSV (every column some row fills) and `.import`ed into a
table of those columns (the same contacts: Genesys' and Connect's ids and queues are UUIDs), and,
as before, one generic CSV of the same calls with short ids (`gen_csv`). Prints a Markdown table
for bench/RESULTS.md.
"""

from __future__ import annotations

import csv
import json
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out"
START = datetime(2026, 10, 1, tzinfo=timezone.utc)
EPOCH0 = int(START.timestamp())
FORMATS = {
    "asterisk-queue-log": "queue_log",
    "amazon-connect": "ctr.jsonl",
    "genesys-cloud": "genesys.json",
}


def _calls(n: int, seed: int = 7):
    """(index, arrival epoch s, wait s, talk s, answered) for n contacts, ~3 s apart."""
    rnd = random.Random(seed)
    t = float(EPOCH0)
    for i in range(n):
        t += rnd.randint(1, 5)
        wait = rnd.randint(0, 60)
        yield i, int(t), wait, rnd.randint(30, 600), rnd.random() < 0.9


def gen_queue_log(path: Path, n: int) -> None:
    """Lines as Asterisk writes them, calls interleaving in time order."""
    pending: list[tuple[int, str]] = []
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"{EPOCH0}|NONE|NONE|NONE|QUEUESTART|\n")
        for i, t, wait, talk, answered in _calls(n):
            cid = f"{t}.{i}"
            lines = [(t, f"{t}|{cid}|bench|NONE|ENTERQUEUE||06399{i % 100000:05d}|1")]
            if answered:
                lines.append((t + wait, f"{t + wait}|{cid}|bench|PJSIP/1001|CONNECT|{wait}|{cid}9|2"))
                lines.append((t + wait + talk, f"{t + wait + talk}|{cid}|bench|PJSIP/1001|COMPLETECALLER|{wait}|{talk}|1"))
            else:
                lines.append((t + wait, f"{t + wait}|{cid}|bench|NONE|ABANDON|1|1|{wait}"))
            pending.extend(lines)
            if len(pending) > 2000:
                pending.sort()
                cut = t  # every line before the current arrival can be written in order
                keep = [p for p in pending if p[0] >= cut]
                f.writelines(text + "\n" for when, text in pending if when < cut)
                pending = keep
        pending.sort()
        f.writelines(text + "\n" for _, text in pending)


def _iso(epoch: float, ms: bool = False) -> str:
    dt = datetime.fromtimestamp(epoch, tz=timezone.utc)
    return dt.isoformat(timespec="milliseconds" if ms else "seconds").replace("+00:00", "Z")


def gen_ctr(path: Path, n: int) -> None:
    """One CTR object per line, shaped like Connect's."""
    with open(path, "w", encoding="utf-8") as f:
        for i, t, wait, talk, answered in _calls(n):
            agent = None
            if answered:
                agent = {"Username": "agent1", "ConnectedToAgentTimestamp": _iso(t + wait), "AgentInteractionDuration": talk,
                         "CustomerHoldDuration": 0, "AfterContactWorkDuration": 30, "NumberOfHolds": 0}
            end = t + wait + (talk if answered else 0)
            rec = {
                "AWSAccountId": "123456789012", "AWSContactTraceRecordFormatVersion": "2017-03-10", "Agent": agent,
                "Attributes": {"fcr": "true", "csat": "4"} if i % 5 == 0 else {}, "Channel": "VOICE",
                "ContactId": f"00000000-0000-4000-8000-{i:012d}",
                "CustomerEndpoint": {"Address": f"+336399{i % 100000:05d}", "Type": "TELEPHONE_NUMBER"},
                "DisconnectTimestamp": _iso(end), "InitiationMethod": "INBOUND", "InitiationTimestamp": _iso(t - 10),
                "LastUpdateTimestamp": _iso(end + 60),
                "Queue": {"ARN": "arn:aws:connect:eu-west-3:1:instance/x/queue/q", "Name": "Bench",
                          "EnqueueTimestamp": _iso(t), "DequeueTimestamp": _iso(t + wait), "Duration": wait},
            }
            f.write(json.dumps(rec, separators=(",", ":")) + "\n")


def gen_genesys(path: Path, n: int) -> None:
    """The API's `{"conversations": [...]}`, one conversation per line, metrics in ms."""
    q = "535f9413-fff9-4936-ae77-22ab07f61915"
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"conversations":[\n')
        for i, t, wait, talk, answered in _calls(n):
            w = wait * 1000 + i % 1000
            ts = lambda ms: _iso(t + ms / 1000, ms=True)  # noqa: E731
            acd_metrics = [{"name": "nOffered", "value": 1, "emitDate": ts(0)}, {"name": "tAcd", "value": w, "emitDate": ts(w)}]
            parts = [
                {"purpose": "customer", "sessions": [{"mediaType": "voice", "ani": f"tel:+336399{i % 100000:05d}",
                 "segments": [{"segmentStart": ts(0), "segmentEnd": ts(w + talk * 1000), "segmentType": "interact"}]}]},
                {"purpose": "acd", "sessions": [{"mediaType": "voice", "segments": [
                    {"segmentStart": ts(0), "segmentEnd": ts(w), "queueId": q, "segmentType": "interact"}],
                    "metrics": acd_metrics}]},
            ]
            if answered:
                tk = talk * 1000
                parts.append({"purpose": "agent", "userId": "u1", "sessions": [{"mediaType": "voice", "segments": [
                    {"segmentStart": ts(w - 2000), "segmentEnd": ts(w), "queueId": q, "segmentType": "alert"},
                    {"segmentStart": ts(w), "segmentEnd": ts(w + tk), "queueId": q, "segmentType": "interact"},
                    {"segmentStart": ts(w + tk), "segmentEnd": ts(w + tk + 30000), "queueId": q, "segmentType": "wrapup"}],
                    "metrics": [{"name": "tAnswered", "value": w, "emitDate": ts(w)},
                                {"name": "tTalkComplete", "value": tk, "emitDate": ts(w + tk)},
                                {"name": "tAcw", "value": 30000, "emitDate": ts(w + tk + 30000)}]}]})
            else:
                acd_metrics.append({"name": "tAbandon", "value": w, "emitDate": ts(w)})
            conv = {"conversationId": f"00000000-0000-4000-9000-{i:012d}", "conversationStart": ts(0),
                    "conversationEnd": ts(w + (talk * 1000 + 30000 if answered else 0)),
                    "originatingDirection": "inbound", "participants": parts}
            f.write(("," if i else "") + json.dumps(conv, separators=(",", ":")) + "\n")
        f.write(f'],"totalHits":{n}}}\n')


def gen_csv(path: Path, n: int) -> None:
    """The same contacts as a plain CSV, for the sqlite3 shell's `.import` yardstick."""
    with open(path, "w", encoding="utf-8") as f:
        f.write("source,source_id,batch_id,line,version,channel,direction,queue,arrived_at,answered_at,ended_at,"
                "outcome,wait_s,talk_s,hold_s,wrap_s,agent,customer_key\n")
        for i, t, wait, talk, answered in _calls(n):
            ans = (t + wait) * 1000 if answered else ""
            f.write(f"bench,{t}.{i},1,{i + 1},{(t + wait + talk) * 1000},voice,inbound,bench,{t * 1000},{ans},"
                    f"{(t + wait + talk) * 1000},{'answered' if answered else 'abandoned'},{wait},"
                    f"{talk if answered else ''},{0 if answered else ''},{0 if answered else ''},PJSIP/1001,"
                    f"k{i % 100000:040d}\n")


GENERATORS = {"asterisk-queue-log": gen_queue_log, "amazon-connect": gen_ctr, "genesys-cloud": gen_genesys}


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return (own + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


def child_read(source: str, path: str) -> dict:
    from ccc_governance.plugins import get_plugin_manager, get_sources
    from ccc_governance.sources import ReadContext

    src = get_sources(get_plugin_manager())[source]
    t = time.perf_counter()
    n = sum(1 for _ in src.read(ReadContext(path=Path(path))))
    return {"seconds": time.perf_counter() - t, "records": n, "peak_mb": _peak_mb()}


def child_import(source: str, path: str, ws_dir: str) -> dict:
    from ccc_governance.plugins import get_plugin_manager
    from ccc_governance.store.db import open_db
    from ccc_governance.store.imports import import_file
    from ccc_governance.workspace import init_workspace, load_workspace

    init_workspace(Path(ws_dir), key="00" * 32)
    ws = load_workspace(Path(ws_dir))
    db = open_db(ws.db_path)
    pm = get_plugin_manager(ws)
    t = time.perf_counter()
    summary = import_file(db, ws, pm, source, Path(path))
    return {"seconds": time.perf_counter() - t, "records": summary["imported"], "peak_mb": _peak_mb()}


def sqlite_import(csv_path: Path, db_path: Path) -> float:
    """Seconds for the sqlite3 shell to `.import` the CSV straight into a table like `contacts` (same
    columns but the rowid, the unique key and the queue/time index; one transaction)."""
    db_path.unlink(missing_ok=True)
    script = (
        "PRAGMA journal_mode=WAL;\n"
        "CREATE TABLE contacts (source TEXT NOT NULL, source_id TEXT NOT NULL, batch_id INTEGER,"
        " line INTEGER, version INTEGER, channel TEXT, direction TEXT, queue TEXT, arrived_at INTEGER,"
        " answered_at INTEGER, ended_at INTEGER, outcome TEXT, wait_s REAL, talk_s REAL, hold_s REAL, wrap_s REAL,"
        " agent TEXT, customer_key TEXT, UNIQUE (source, source_id));\n"
        "CREATE INDEX contacts_queue_time ON contacts(queue, arrived_at);\n"
        f".import --csv --skip 1 {csv_path} contacts\n"
    )
    t = time.perf_counter()
    subprocess.run(["sqlite3", str(db_path)], input=script, text=True, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def _child(*args: str, in_process: bool = False) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "CCC_IMPORT_PROCESS"}
    if in_process:
        env["CCC_IMPORT_PROCESS"] = "0"
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=True,
                         env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def same_contacts_yardstick(ws: Path, csv_path: Path, db_path: Path) -> float:
    """Seconds for the sqlite3 shell to `.import` the very contacts the import stored (every
    column some row fills, as a plain CSV) into an equivalent table: same columns, a unique key
    on (source, source_id), the queue/time index, a WAL database, one transaction."""
    con = sqlite3.connect(ws / "ccc.db")
    names = [r[1] for r in con.execute("PRAGMA table_info(contacts)") if r[1] != "id"]
    cols = [c for c in names if con.execute(f"SELECT 1 FROM contacts WHERE {c} IS NOT NULL LIMIT 1").fetchone()]
    with open(csv_path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(cols)
        out.writerows(con.execute(f"SELECT {', '.join(cols)} FROM contacts ORDER BY id"))
    con.close()
    db_path.unlink(missing_ok=True)
    for extra in ("-wal", "-shm"):
        Path(str(db_path) + extra).unlink(missing_ok=True)
    script = (
        "PRAGMA journal_mode=WAL;\n"
        f"CREATE TABLE contacts ({', '.join(cols)}, UNIQUE (source, source_id));\n"
        "CREATE INDEX contacts_queue_time ON contacts(queue, arrived_at);\n"
        f".import --csv --skip 1 {csv_path} contacts\n"
    )
    t = time.perf_counter()
    subprocess.run(["sqlite3", str(db_path)], input=script, text=True, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def main(argv: list[str]) -> None:
    if argv and argv[0] == "--child":
        kind, *rest = argv[1:]
        result = child_read(*rest) if kind == "read" else child_import(*rest)
        print(json.dumps(result))
        return
    n = int(argv[0]) if argv and argv[0].isdigit() else 1_000_000
    OUT.mkdir(exist_ok=True)
    csv_path = OUT / "platform-contacts.csv"
    gen_csv(csv_path, n)
    yardstick = sqlite_import(csv_path, OUT / "platform-yardstick.db")
    print(f"N = {n:,} contacts; sqlite3 .import of the generic plain CSV: {yardstick:.2f} s. Ratios: against the "
          "`.import` of the same contacts (what the import stored, as a CSV), and in brackets against the generic one.\n")
    print("| Source | File size | Read s | Read peak MB | `.import` of the same contacts s | Import s | Import peak MB "
          "| Import ÷ .import | in one process (`CCC_IMPORT_PROCESS=0`) s | its peak MB | its ÷ .import |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for source, name in FORMATS.items():
        path = OUT / f"platform-{name}"
        GENERATORS[source](path, n)
        size = path.stat().st_size / 1e6
        read = _child("read", source, str(path))
        ws = OUT / f"platform-ws-{source}"
        shutil.rmtree(ws, ignore_errors=True)
        imp = _child("import", source, str(path), str(ws))
        same = same_contacts_yardstick(ws, OUT / f"platform-same-{source}.csv", OUT / f"platform-same-{source}.db")
        shutil.rmtree(ws, ignore_errors=True)
        two = _child("import", source, str(path), str(ws), in_process=True)
        print(f"| {source} | {size:,.0f} MB | {read['seconds']:.1f} | {read['peak_mb']:.0f} | {same:.2f} | "
              f"{imp['seconds']:.1f} | {imp['peak_mb']:.0f} | {imp['seconds'] / same:.1f}x "
              f"({imp['seconds'] / yardstick:.1f}x) | {two['seconds']:.1f} | {two['peak_mb']:.0f} | "
              f"{two['seconds'] / same:.1f}x ({two['seconds'] / yardstick:.1f}x) |", flush=True)
        if "--keep" not in argv:
            path.unlink()
            shutil.rmtree(ws, ignore_errors=True)
        for extra in (".csv", ".db", ".db-wal", ".db-shm"):
            (OUT / f"platform-same-{source}{extra}").unlink(missing_ok=True)
    if "--keep" not in argv:
        csv_path.unlink()
        (OUT / "platform-yardstick.db").unlink(missing_ok=True)


if __name__ == "__main__":
    main(sys.argv[1:])
