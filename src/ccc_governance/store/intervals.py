"""Contract-independent interval figures of contacts, kept as contacts are written.

Every contact with a queue, a channel and an arrival instant counts in one *slice* (source, queue,
channel, direction — a missing direction counts as inbound, the engine's rule) and one 15-minute
UTC interval (`interval_start`: `arrived_at` floored to 15 minutes, epoch ms; every zone's midnight,
:30 and :45 offsets included, falls on such a boundary). Per slice × interval:

- `contact_intervals`: the additive figures every contact metric needs (counts per outcome class,
  answered waits' sum and count, handle sum, FCR, CSAT and first-response counts);
- `contact_waits`: waits of answered and abandoned contacts by whole second, as
  `(wait_floor, wait_frac)` = (floor(w), w ≠ floor(w)), so that for a whole-second T and S
  `w <= T` ⇔ `wait_floor + wait_frac <= T` and `w < S` ⇔ `wait_floor < S`;
- `contact_csat`: CSAT answers by (`csat_scale`, -1 when none was given; the answer);
- `contact_first_response`: first responses by their ceiling second (`w <= d` ⇔ `fr_ceil <= d`);
- `contact_intervals.w0` … `w7`: for each wait rule of `contact_wait_rules` (answered within T,
  abandoned within T, abandoned before S — the whole-second thresholds of the contracts built so
  far, up to eight), the contacts that meet it, in the column of its slot. The histogram has
  nearly one row per contact when intervals are sparse; a contract whose thresholds have a slot
  reads none of it. A rule gets a slot at the first build that needs it (`track_wait_rules`: one
  pass over `contact_waits`), and is counted from then on with the other sums, in the same
  statement (the slot's rule and seconds are read once per statement); a ninth rule is read from
  the histogram.

Kept up to date in the writer's transaction: an import adds its batch in bulk (after `begin_bulk`
took the per-row triggers away for the batch): on SQLite, its new contacts 10,000 at a time as they
are inserted (`add_rows`, while its reader process reads on), the rest when it closes (`add_batch`;
the whole batch there once it changes a stored row, `take_out_rows` then taking back what it had
counted); `ccc batch undo` takes
the batch out and puts back the rows it replaced (`remove_batch`, `restore_replaced`); any other write to `contacts`
(privacy purge, a test or tool writing rows itself) goes through the per-row triggers. Rows whose
count falls to 0 are deleted. This module holds all of that SQL; the schema migration calls
`create` (tables, triggers) and `rebuild` (backfill).
"""

from __future__ import annotations

import functools

from .dialect import column_names, is_postgres

INTERVAL_MS = 900_000
TRIGGERS = ("contact_intervals_insert", "contact_intervals_delete", "contact_intervals_update")
TABLES = ("contact_intervals", "contact_waits", "contact_csat", "contact_first_response")
#: `contact_wait_rules.rule`: answered with w <= T, abandoned with w <= T, abandoned with w < S
WITHIN, ABANDONED_WITHIN, SHORT = 0, 1, 2
#: wait rules counted in `contact_intervals` (columns w0 … w7)
WAIT_SLOTS = 8
#: each wait rule over the wait histogram's rows `h` (`contact_waits`), its seconds a parameter
HISTOGRAM_RULES = {WITHIN: "h.abandoned = 0 AND h.wait_floor + h.wait_frac <= ?",
                   ABANDONED_WITHIN: "h.abandoned = 1 AND h.wait_floor + h.wait_frac <= ?",
                   SHORT: "h.abandoned = 1 AND h.wait_floor < ?"}
SLOT_COLUMNS = tuple(f"w{k}" for k in range(WAIT_SLOTS))
#: PostgreSQL advisory lock: shared by every transaction that counts contacts, exclusive while a
#: rule gets its slot (`track_wait_rules`)
_SLOTS_LOCK = 0x63636377616974

SCHEMA = """
CREATE TABLE contact_slices (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL, queue TEXT NOT NULL, channel TEXT NOT NULL,
    direction TEXT NOT NULL,           -- COALESCE(direction, 'inbound')
    UNIQUE (source, queue, channel, direction)
);
CREATE TABLE contact_intervals (
    slice INTEGER NOT NULL,            -- contact_slices.id
    interval_start INTEGER NOT NULL,   -- epoch ms UTC, a multiple of 900000
    n INTEGER NOT NULL,                -- contacts
    answered INTEGER NOT NULL, abandoned INTEGER NOT NULL,
    unresolved INTEGER NOT NULL,       -- timeout, exit_key, callback, open
    not_queued INTEGER NOT NULL,
    wait_n INTEGER NOT NULL, wait_sum REAL NOT NULL,   -- answered contacts with a wait
    handle_sum REAL NOT NULL,          -- answered: talk + hold + wrap
    fcr_yes INTEGER NOT NULL, fcr_n INTEGER NOT NULL,
    csat_n INTEGER NOT NULL, fr_n INTEGER NOT NULL,
    {slots},  -- the wait rules' counts (SLOT_COLUMNS)
    PRIMARY KEY (slice, interval_start)
) WITHOUT ROWID;
CREATE TABLE contact_waits (
    slice INTEGER NOT NULL, interval_start INTEGER NOT NULL,
    abandoned INTEGER NOT NULL,        -- 0 answered, 1 abandoned
    wait_floor INTEGER NOT NULL, wait_frac INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (slice, interval_start, abandoned, wait_floor, wait_frac)
) WITHOUT ROWID;
CREATE TABLE contact_csat (
    slice INTEGER NOT NULL, interval_start INTEGER NOT NULL,
    csat_scale INTEGER NOT NULL,       -- -1: none given (the KPI's scale applies)
    csat REAL NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (slice, interval_start, csat_scale, csat)
) WITHOUT ROWID;
CREATE TABLE contact_first_response (
    slice INTEGER NOT NULL, interval_start INTEGER NOT NULL,
    fr_ceil INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (slice, interval_start, fr_ceil)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS contact_wait_rules (
    slot INTEGER PRIMARY KEY,          -- contact_intervals.w<slot>; 0, 1, … in the order taken
    rule INTEGER NOT NULL,             -- WITHIN, ABANDONED_WITHIN, SHORT
    seconds INTEGER NOT NULL,
    UNIQUE (rule, seconds)
);
-- A row here while an import or undo applies a batch in bulk (inside its transaction): the
-- per-row triggers stand aside, the batch is counted at once.
CREATE TABLE contact_intervals_bulk (batch_id INTEGER PRIMARY KEY);
""".replace("{slots}", ", ".join(f"{col} INTEGER NOT NULL DEFAULT 0" for col in SLOT_COLUMNS))

#: The contact columns the figures read (an UPDATE of another column changes nothing here).
COLUMNS = ("source", "queue", "channel", "direction", "arrived_at", "outcome", "wait_s", "talk_s", "hold_s",
           "wrap_s", "fcr", "csat", "csat_scale", "first_response_s")

_VALID = "c.queue IS NOT NULL AND c.channel IS NOT NULL AND c.arrived_at IS NOT NULL"
_START = f"(c.arrived_at - ((c.arrived_at % {INTERVAL_MS}) + {INTERVAL_MS}) % {INTERVAL_MS})"
_JOIN = ("CROSS JOIN contact_slices s ON s.source = c.source AND s.queue = c.queue AND s.channel = c.channel "
         "AND s.direction = COALESCE(c.direction, 'inbound')")


def _floor(x: str) -> str:
    """floor(x) in both dialects: CAST truncates on SQLite and rounds on PostgreSQL; either way
    the cast is within 1 of x, and one below it when above x."""
    return f"(CAST({x} AS INTEGER) - CASE WHEN {x} < CAST({x} AS INTEGER) THEN 1 ELSE 0 END)"


def _pg_floor(x: str) -> str:
    """floor(x), PostgreSQL only (one call: the same integer as `_floor`'s, for a fraction of its cost)."""
    return f"CAST(floor({x}) AS INTEGER)"


def _count(condition: str) -> str:
    return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"


def _flag(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


def _slot_sum(k: int) -> str:
    """The contacts that meet the wait rule in slot `k` (0 while the slot is free): its rule and
    seconds are uncorrelated subqueries, read once per statement."""
    rule = f"(SELECT r.rule FROM contact_wait_rules r WHERE r.slot = {k})"
    seconds = f"(SELECT r.seconds FROM contact_wait_rules r WHERE r.slot = {k})"
    answered = _flag(f"c.outcome = 'answered' AND c.wait_s <= {seconds}")
    abandoned = _flag(f"c.outcome = 'abandoned' AND c.wait_s <= {seconds}")
    short = _flag(f"c.outcome = 'abandoned' AND c.wait_s < {seconds}")
    return (f"SUM(CASE {rule} WHEN {WITHIN} THEN {answered} WHEN {ABANDONED_WITHIN} THEN {abandoned} "
            f"WHEN {SHORT} THEN {short} ELSE 0 END)")


@functools.cache
def _figures(floor, slots: int = WAIT_SLOTS) -> dict:
    """table → (key columns after slice and interval_start, their expressions, the rows it counts,
    ((value column, its aggregate over the contacts `c`), …)); `floor` writes floor(x); the first
    `slots` wait-rule columns are counted (the others are 0: their slots are free)."""
    return {
        "contact_intervals": ((), (), "TRUE", (
            ("n", "COUNT(*)"),
            ("answered", _count("c.outcome = 'answered'")),
            ("abandoned", _count("c.outcome = 'abandoned'")),
            ("unresolved", _count("c.outcome IN ('timeout','exit_key','callback','open')")),
            ("not_queued", _count("c.outcome = 'not_queued'")),
            ("wait_n", _count("c.outcome = 'answered' AND c.wait_s IS NOT NULL")),
            ("wait_sum", "TOTAL(CASE WHEN c.outcome = 'answered' THEN c.wait_s END)"),
            ("handle_sum", "TOTAL(CASE WHEN c.outcome = 'answered' "
                           "THEN COALESCE(c.talk_s,0)+COALESCE(c.hold_s,0)+COALESCE(c.wrap_s,0) END)"),
            ("fcr_yes", _count("c.fcr = 1")),
            ("fcr_n", _count("c.fcr IS NOT NULL")),
            ("csat_n", _count("c.csat IS NOT NULL")),
            ("fr_n", _count("c.first_response_s IS NOT NULL")),
            *((SLOT_COLUMNS[k], _slot_sum(k)) for k in range(slots)),
        )),
        "contact_waits": (
            ("abandoned", "wait_floor", "wait_frac"),
            (_flag("c.outcome = 'abandoned'"), floor("c.wait_s"), _flag(f"c.wait_s > {floor('c.wait_s')}")),
            "c.outcome IN ('answered', 'abandoned') AND c.wait_s IS NOT NULL",
            (("n", "COUNT(*)"),),
        ),
        "contact_csat": (
            ("csat_scale", "csat"), ("COALESCE(c.csat_scale, -1)", "c.csat"), "c.csat IS NOT NULL",
            (("n", "COUNT(*)"),),
        ),
        "contact_first_response": (
            ("fr_ceil",), (f"{floor('c.first_response_s')} + "
                           + _flag(f"c.first_response_s > {floor('c.first_response_s')}"),),
            "c.first_response_s IS NOT NULL",
            (("n", "COUNT(*)"),),
        ),
    }


#: figures that go back to exactly 0 when their count does (float sums would keep a residue)
_ZEROED = {"wait_sum": "wait_n", "handle_sum": "answered"}


def _slices(rows: str) -> str:
    return ("INSERT OR IGNORE INTO contact_slices (source, queue, channel, direction) "
            f"SELECT DISTINCT c.source, c.queue, c.channel, COALESCE(c.direction, 'inbound') FROM {rows} WHERE {_VALID}")


def _upserts(sign: int, figures: dict, source: str, slice_: str, start: str, *, new: bool = False) -> list[str]:
    """Per figure table: `INSERT … SELECT … FROM {source} WHERE {where} GROUP BY … ON CONFLICT
    … DO UPDATE` adding (`sign` 1) or taking out (-1) the contacts `c` of `source`. `new`: no
    row of theirs is stored yet (a plain INSERT: PostgreSQL's speculative insertion of ON
    CONFLICT costs ~1.6x per row)."""
    out = []
    for table, (keys, key_exprs, where, values) in figures.items():
        cols = ("slice", "interval_start", *keys, *(v for v, _ in values))
        exprs = (slice_, start, *key_exprs, *(agg if sign > 0 else f"-{agg}" for _, agg in values))
        updates = []
        for v, _ in values:
            if v in _ZEROED:
                count = _ZEROED[v]
                updates.append(f"{v} = CASE WHEN {table}.{count} + excluded.{count} = 0 THEN 0 "
                               f"ELSE {table}.{v} + excluded.{v} END")
            else:
                updates.append(f"{v} = {table}.{v} + excluded.{v}")
        conflict = "" if new else (f" ON CONFLICT (slice, interval_start{''.join(', ' + k for k in keys)}) "
                                   f"DO UPDATE SET {', '.join(updates)}")
        out.append(
            f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(exprs)} FROM {source} "
            f"{where} GROUP BY {', '.join(str(i + 1) for i in range(2 + len(keys)))}{conflict}"
        )
    return out


def _statements(rows: str, sign: int, slots: int = WAIT_SLOTS) -> list[str]:
    """SQL adding (`sign` 1) or taking out (-1) the contacts `rows` selects — a FROM item aliased
    `c` with the contact columns, possibly with `?` parameters (each statement takes them once)."""
    return ([_slices(rows)] if sign > 0 else []) + [
        sql for sql in _upserts(sign, {
            table: (keys, key_exprs, f"WHERE {_VALID} AND {where}", values)
            for table, (keys, key_exprs, where, values) in _figures(_floor, slots).items()},
        f"{rows} {_JOIN}", "s.id", _START)]


#: the contact columns the figure tables' aggregates read (besides the slice and the instant)
_VALUES = ("outcome", "wait_s", "talk_s", "hold_s", "wrap_s", "fcr", "csat", "csat_scale", "first_response_s")


def _pg_statements(rows: str, sign: int, slots: int = WAIT_SLOTS, *, new: bool = False) -> list[str]:
    """PostgreSQL: what `_statements` does, in two statements: the slices, then the four figure
    tables at once from the rows read, joined and bucketed once (a materialized CTE, `floor()`
    for the floors: the same integers). The grouping is hashed (see `_run`): each group's sums
    are taken in the rows' order, as one statement per table took them."""
    rows_once = (f"SELECT s.id AS slice, {_START} AS interval_start, " + ", ".join(f"c.{col}" for col in _VALUES)
                 + f" FROM {rows} {_JOIN} WHERE {_VALID}")
    figures = {table: (keys, key_exprs, "" if where == "TRUE" else f"WHERE {where}", values)
               for table, (keys, key_exprs, where, values) in _figures(_pg_floor, slots).items()}
    parts = [f"b AS MATERIALIZED ({rows_once})"] + [
        f"f{i} AS ({sql})"
        for i, sql in enumerate(_upserts(sign, figures, "b c", "c.slice", "c.interval_start", new=new))]
    return ([_slices(rows)] if sign > 0 else []) + ["WITH " + ", ".join(parts) + " SELECT 1"]


def _delete_zeros(conn, rows: str, args: tuple) -> None:
    """Delete the rows a subtraction brought to 0, between the first and last instant of `rows`
    (one range per slice on the primary key: no second pass over the rows themselves)."""
    lo, hi = conn.execute(f"SELECT MIN(c.arrived_at), MAX(c.arrived_at) FROM {rows}", args).fetchone()
    if lo is None:
        return
    for table in TABLES:
        conn.execute(f"DELETE FROM {table} WHERE slice IN (SELECT id FROM contact_slices) "
                     "AND interval_start >= ? AND interval_start <= ? AND n = 0", (lo - INTERVAL_MS, hi))


#: PostgreSQL planner settings for `_pg_statements` (local to it): the batch's contacts often have
#: no statistics yet (just copied, not analyzed), and a guess of a few rows would join them to
#: the slices row by row and sort them to group them.
_PG_PLAN = {"enable_nestloop": "off", "enable_sort": "off"}


def _slots(conn) -> int:
    """How many wait-rule slots are taken (0, 1, … in order). PostgreSQL: first the shared lock that
    keeps `track_wait_rules` from giving a slot while this transaction counts contacts."""
    if is_postgres(conn):
        conn.execute("SELECT pg_advisory_xact_lock_shared(CAST(? AS BIGINT))", (_SLOTS_LOCK,))
    return conn.execute("SELECT COUNT(*) FROM contact_wait_rules").fetchone()[0]


def _run(conn, rows: str, args: tuple, sign: int, *, once: bool = True, span: tuple | None = None) -> None:
    """Add (`sign` 1) or take out (-1) the contacts `rows` selects. `once`: PostgreSQL reads them
    once for all four tables (`_pg_statements`; not for a recount of every contact). `span`:
    (source, first, last instant) of contacts all of that source and within those instants;
    PostgreSQL adds them with plain INSERTs when no interval of the source's slices is stored
    from the interval of `first` to `last` (the usual import of new days)."""
    slots = _slots(conn)
    if once and is_postgres(conn):
        before = conn.execute("SELECT " + ", ".join(f"current_setting('{name}')" for name in _PG_PLAN)).fetchone()
        new = sign > 0 and span is not None and None not in span and conn.execute(
            "SELECT NOT EXISTS (SELECT 1 FROM contact_intervals i WHERE i.slice IN "
            "(SELECT s.id FROM contact_slices s WHERE s.source = ?) AND i.interval_start >= ? "
            "AND i.interval_start <= ?)", (span[0], span[1] - INTERVAL_MS, span[2])).fetchone()[0]
        statements = _pg_statements(rows, sign, slots, new=bool(new))
        conn.execute(statements[0], args)
        if len(statements) > 1:
            conn.execute("SELECT " + ", ".join(f"set_config('{name}', '{value}', true)"
                                               for name, value in _PG_PLAN.items()))
            try:
                conn.execute(statements[1], args)
            finally:
                conn.execute("SELECT " + ", ".join(f"set_config('{name}', ?, true)" for name in _PG_PLAN), before)
    else:
        for sql in _statements(rows, sign, slots):
            conn.execute(sql, args)
    if sign < 0:
        _delete_zeros(conn, rows, args)


#: the type of each of `COLUMNS` (what a value read back from a replaced row's JSON is cast to)
_TYPES = {"arrived_at": "INTEGER", "fcr": "INTEGER", "csat_scale": "INTEGER", "wait_s": "REAL", "talk_s": "REAL",
          "hold_s": "REAL", "wrap_s": "REAL", "csat": "REAL", "first_response_s": "REAL"}

_REPLACED_ROWS = (
    "(SELECT " + ", ".join(f"CAST(json_extract(r.row, '$.{col}') AS {_TYPES.get(col, 'TEXT')}) AS {col}"
                           for col in COLUMNS)
    + " FROM replaced_rows r WHERE r.batch_id = ? AND r.tbl = 'contacts') c"
)


def _batch_rows(where: str = "x.batch_id = ?") -> str:
    return "(SELECT " + ", ".join(f"x.{col}" for col in COLUMNS) + f" FROM contacts x WHERE {where}) c"


def begin_bulk(conn, batch_id: int) -> None:
    """Stand the per-row triggers aside while this transaction applies `batch_id` in bulk.
    SQLite: they are dropped (a row-by-row check costs ~2 s per million rows) and created again
    by `end_bulk`, in the same transaction (a rollback leaves them as they were). PostgreSQL: a
    setting local to the transaction tells them to stand aside (dropping a trigger there would
    lock `contacts` against every reader)."""
    if is_postgres(conn):  # (and room to group a batch's contacts in memory, for this transaction)
        conn.execute("SELECT set_config('ccc.bulk', 'on', true), set_config('work_mem', '256MB', true)")
        return
    conn.execute("INSERT OR IGNORE INTO contact_intervals_bulk (batch_id) VALUES (?)", (batch_id,))
    for name in TRIGGERS:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")


def end_bulk(conn, batch_id: int) -> None:
    if is_postgres(conn):
        conn.execute("SELECT set_config('ccc.bulk', 'off', true)")
        return
    conn.execute("DELETE FROM contact_intervals_bulk WHERE batch_id = ?", (batch_id,))
    _create_triggers_unless_bulk(conn)


def _create_triggers_unless_bulk(conn) -> None:
    """SQLite: (re)create the per-row triggers, unless a batch in bulk has them stood aside."""
    if conn.execute("SELECT 1 FROM contact_intervals_bulk LIMIT 1").fetchone() is None:
        for sql in _trigger_sql():
            conn.execute(sql)


def add_batch(conn, batch_id: int, *, after_id: int | None = None, span: tuple | None = None) -> None:
    """Count an applied batch: take out the earlier rows it replaced, add its rows as stored now.
    `after_id`: its rows up to this id are counted already (`add_rows`, as they were applied):
    only the later ones are added. `span`: (source, first, last instant) of its contacts (see
    `_run`). Ends the bulk mode `begin_bulk` started."""
    if conn.execute("SELECT 1 FROM replaced_rows WHERE batch_id = ? AND tbl = 'contacts' LIMIT 1",
                    (batch_id,)).fetchone():
        _run(conn, _REPLACED_ROWS, (batch_id,), -1)
        span = None  # the rows it replaced were in the figures: they are not new
    if after_id is None:
        _run(conn, _batch_rows(), (batch_id,), 1, span=span)
    else:
        _run(conn, _batch_rows("x.batch_id = ? AND x.id > ?"), (batch_id, after_id), 1)
    end_bulk(conn, batch_id)


def add_rows(conn, after_id: int, upto_id: int) -> None:
    """Count the contacts with an id in (`after_id`, `upto_id`]: rows a batch in bulk mode has
    inserted (an import counts its rows as it goes, while its reader process reads on, instead of
    all at once at the end). Rows counted so are taken out again (`take_out_rows`) before the
    batch changes any of them."""
    _run(conn, _batch_rows("x.id > ? AND x.id <= ?"), (after_id, upto_id), 1)


def take_out_rows(conn, after_id: int, upto_id: int) -> None:
    """Undo `add_rows(conn, after_id, upto_id)` (the rows unchanged since)."""
    _run(conn, _batch_rows("x.id > ? AND x.id <= ?"), (after_id, upto_id), -1)


def remove_batch(conn, batch_id: int) -> None:
    """Before an undo deletes a batch's rows: take them out (and start the bulk mode for the undo)."""
    begin_bulk(conn, batch_id)
    _run(conn, _batch_rows(), (batch_id,), -1)


def restore_replaced(conn, batch_id: int) -> None:
    """After an undo put back the rows `batch_id` replaced: count them again; ends the bulk mode."""
    if conn.execute("SELECT 1 FROM replaced_rows WHERE batch_id = ? AND tbl = 'contacts' LIMIT 1",
                    (batch_id,)).fetchone():
        _run(conn, _REPLACED_ROWS, (batch_id,), 1)
    end_bulk(conn, batch_id)


def _row(prefix: str) -> str:
    return "(SELECT " + ", ".join(f"{prefix}.{col} AS {col}" for col in COLUMNS) + ") c"


def _trigger_sql() -> list[str]:
    idle = "NOT EXISTS (SELECT 1 FROM contact_intervals_bulk)"
    old = _row("OLD")
    add = _statements(_row("NEW"), 1)
    take = _statements(old, -1) + [  # the rows the one contact brought to 0
        f"DELETE FROM {table} WHERE n = 0 AND (slice, interval_start) IN "
        f"(SELECT s.id, {_START} FROM {old} {_JOIN} WHERE {_VALID})" for table in TABLES]
    return [
        f"CREATE TRIGGER IF NOT EXISTS contact_intervals_insert AFTER INSERT ON contacts WHEN {idle} BEGIN "
        + "; ".join(add) + "; END",
        f"CREATE TRIGGER IF NOT EXISTS contact_intervals_delete AFTER DELETE ON contacts WHEN {idle} BEGIN "
        + "; ".join(take) + "; END",
        f"CREATE TRIGGER IF NOT EXISTS contact_intervals_update AFTER UPDATE OF {', '.join(COLUMNS)} ON contacts WHEN {idle} "
        "BEGIN " + "; ".join(take + add) + "; END",
    ]


def _pg_trigger_sql() -> list[str]:
    """PostgreSQL: one row trigger function doing what SQLite's three triggers do."""
    old, new = _row("OLD"), _row("NEW")
    take = _statements(old, -1) + [
        f"DELETE FROM {table} WHERE n = 0 AND (slice, interval_start) IN "
        f"(SELECT s.id, {_START} FROM {old} {_JOIN} WHERE {_VALID})" for table in TABLES]
    add = _statements(new, 1)
    body = ("BEGIN\n"
            "  IF coalesce(current_setting('ccc.bulk', true), '') = 'on' THEN RETURN NULL; END IF;\n"
            f"  PERFORM pg_advisory_xact_lock_shared({_SLOTS_LOCK});\n"
            "  IF TG_OP IN ('DELETE', 'UPDATE') THEN\n    " + ";\n    ".join(take) + ";\n  END IF;\n"
            "  IF TG_OP IN ('INSERT', 'UPDATE') THEN\n    " + ";\n    ".join(add) + ";\n  END IF;\n"
            "  RETURN NULL;\nEND")
    return [
        "CREATE OR REPLACE FUNCTION contact_intervals_row() RETURNS trigger LANGUAGE plpgsql AS $body$\n"
        + body + "\n$body$",
        # (the WHEN is checked without calling the function: a bulk batch pays no per-row call)
        f"CREATE TRIGGER contact_intervals_row AFTER INSERT OR DELETE OR UPDATE OF {', '.join(COLUMNS)} "
        "ON contacts FOR EACH ROW WHEN (coalesce(current_setting('ccc.bulk', true), '') <> 'on') "
        "EXECUTE FUNCTION contact_intervals_row()",
    ]


def create(conn) -> None:
    """Create the tables and the triggers (a migration step)."""
    for sql in SCHEMA.split(";\n"):
        if sql.strip():
            conn.execute(sql)
    if is_postgres(conn):
        for sql in _pg_trigger_sql():
            conn.executescript(sql)
        return
    for sql in _trigger_sql():
        conn.execute(sql)


def track_wait_rules(conn, rules) -> list[tuple[int, int]]:
    """Give each wait rule `(rule, seconds)` of `rules` (whole seconds) not yet counted a free slot,
    while there is one, and count it for the stored contacts from `contact_waits` (one pass for all
    of them). Run in the caller's transaction; returns the rules it added. PostgreSQL: waits until
    no open transaction is counting contacts (`_slots`' shared lock) and keeps new ones waiting,
    so that the pass sees every contact the new slots must count."""
    def missing():
        have = {(int(r), int(s)) for r, s in conn.execute("SELECT rule, seconds FROM contact_wait_rules").fetchall()}
        taken = len(have)
        return taken, sorted({(int(r), int(s)) for r, s in rules} - have)[:max(WAIT_SLOTS - taken, 0)]

    taken, new = missing()
    if not new:
        return []
    if is_postgres(conn):
        conn.execute("SELECT pg_advisory_xact_lock(CAST(? AS BIGINT))", (_SLOTS_LOCK,))
        taken, new = missing()
        if not new:
            return []
    slots = [SLOT_COLUMNS[taken + i] for i in range(len(new))]
    sums = ", ".join(f"SUM(CASE WHEN {HISTOGRAM_RULES[rule]} THEN h.n ELSE 0 END) AS n{i}"
                     for i, (rule, _) in enumerate(new))
    conn.execute(
        f"UPDATE contact_intervals SET {', '.join(f'{col} = g.n{i}' for i, col in enumerate(slots))} "
        f"FROM (SELECT h.slice, h.interval_start, {sums} FROM contact_waits h GROUP BY h.slice, h.interval_start) g "
        "WHERE contact_intervals.slice = g.slice AND contact_intervals.interval_start = g.interval_start "
        f"AND ({' OR '.join(f'g.n{i} > 0' for i in range(len(new)))})",
        [seconds for _, seconds in new],
    )
    conn.executemany("INSERT INTO contact_wait_rules (slot, rule, seconds) VALUES (?, ?, ?)",
                     [(taken + i, rule, seconds) for i, (rule, seconds) in enumerate(new)])
    return new


def wait_slots(conn) -> dict[tuple[int, int], str]:
    """`(rule, seconds)` → the `contact_intervals` column that counts it."""
    return {(int(r), int(s)): SLOT_COLUMNS[int(k)]
            for k, r, s in conn.execute("SELECT slot, rule, seconds FROM contact_wait_rules").fetchall()}


def create_wait_slots(conn) -> None:
    """The wait-rule slots on a store made before them (a migration step): the columns, the table
    and the triggers that count them."""
    conn.execute(SCHEMA[SCHEMA.index("CREATE TABLE IF NOT EXISTS contact_wait_rules"):].split(";\n")[0])
    have = set(column_names(conn, "contact_intervals"))
    for col in SLOT_COLUMNS:
        if col not in have:
            conn.execute(f"ALTER TABLE contact_intervals ADD COLUMN {col} INTEGER NOT NULL DEFAULT 0")
    if is_postgres(conn):  # (the function, replaced; its trigger stands)
        conn.executescript(_pg_trigger_sql()[0])
        return
    for name in TRIGGERS:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    _create_triggers_unless_bulk(conn)


def rebuild(conn) -> None:
    """Recount every figure from the stored contacts (the migration's backfill; a repair)."""
    for table in TABLES:
        conn.execute(f"DELETE FROM {table}")
    _run(conn, "contacts c", (), 1, once=False)
