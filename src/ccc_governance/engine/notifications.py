"""Breach notifications through an outbox, so that none is lost when a notifier fails.

`breaches.record` calls `queue()` for each new breach inside the transaction that stores it: the
breach and its pending notification are committed together, whichever path evaluated (`ccc
evaluate`, an export that evaluates a period first, the Python API). `deliver_pending()` then calls
each `breach_detected` hook implementation (each notifier) for every notification not yet delivered.
A notification is `delivered` (with the real instant) only once every notifier returned for it; a
notifier that raises leaves it `failed` with the reason and the attempt count, and is not called
again for the notifications it already took. The next delivery (the next evaluation or export,
or `ccc notifications --retry`) tries the failed ones again.

A failing notifier never stops the evaluation: it gives one `warning:` line per run naming it,
never a traceback.
"""

from __future__ import annotations

import json

from .. import clock

HOOK = "breach_detected"
STATES = ("pending", "failed", "delivered")


def _now_ms() -> int:
    return clock.to_ms(clock.now_utc())


def queue(db, breach_id: int, result: dict) -> None:
    """Queue the notification of a new breach. Runs inside the caller's transaction (no commit), so
    that the breach and its notification are stored together or not at all."""
    db.execute(
        "INSERT OR IGNORE INTO notifications (breach_id, hook, result, state, created_at) VALUES (?, ?, ?, 'pending', ?)",
        [breach_id, HOOK, json.dumps(result, default=str), _now_ms()])


def queue_many(db, items) -> None:
    """`queue` for many `(breach_id, result)` pairs, in order, with one `executemany` (one round trip
    on PostgreSQL)."""
    rows = [[breach_id, HOOK, json.dumps(result, default=str), _now_ms()] for breach_id, result in items]
    if rows:
        db.conn.executemany(
            "INSERT OR IGNORE INTO notifications (breach_id, hook, result, state, created_at) "
            "VALUES (?, ?, ?, 'pending', ?)", rows)


def _rows(db, sql: str, args=()) -> list[dict]:
    cur = db.execute(sql, list(args))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def list_notifications(db, *, state: str | None = None, breach_id: int | None = None) -> list[dict]:
    """Notifications, oldest first, each with its breach's contract, KPI and period; `state` is one
    of `STATES`, or `undelivered` for pending and failed ones."""
    sql = ("SELECT n.id, n.breach_id, n.hook, n.state, n.created_at, n.attempts, n.last_attempt_at, "
           "n.delivered_at, n.delivered_to, n.error, b.contract_id, b.contract_version, b.kpi_id, b.period "
           "FROM notifications n JOIN breaches b ON b.id = n.breach_id WHERE 1 = 1")
    args: list = []
    if state == "undelivered":
        sql += " AND n.state != 'delivered'"
    elif state is not None:
        sql += " AND n.state = ?"
        args.append(state)
    if breach_id is not None:
        sql += " AND n.breach_id = ?"
        args.append(breach_id)
    rows = _rows(db, sql + " ORDER BY n.id", args)
    for r in rows:
        r["delivered_to"] = json.loads(r["delivered_to"] or "[]")
    return rows


def _notifiers(pm) -> list:
    """The `breach_detected` implementations in the order pluggy calls them (last registered first);
    wrappers are not notifiers."""
    impls = pm.hook.breach_detected.get_hookimpls() if pm is not None and hasattr(pm.hook, HOOK) else []
    return [i for i in reversed(impls) if not (getattr(i, "hookwrapper", False) or getattr(i, "wrapper", False))]


def _notifier_name(pm, impl) -> str:
    return pm.get_name(impl.plugin) or impl.plugin_name


def _one_line(text: str, limit: int = 300) -> str:
    """An error message on one line (a warning is one line, whatever the notifier raised)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _contract(db, cache: dict, contract_id: str, version: int):
    key = (contract_id, version)
    if key not in cache:
        from ..contracts import registry

        try:
            cache[key] = registry.load_version(db, contract_id, version)
        except Exception:  # a version that cannot be loaded any more: notify without it, never fail
            cache[key] = None
    return cache[key]


def deliver_pending(db, pm, workspace=None, *, contracts: dict | None = None, warn=None) -> dict:
    """Call every notifier for each notification not yet delivered, oldest first.

    `pm`: the plugin manager, or a function returning it, called only when a notification is
    pending (the plugins are not loaded for an evaluation that notifies nothing). `contracts` maps
    `(contract_id, version)` to a `Contract` already loaded (others are loaded from the registry).
    Each notification's outcome is committed as soon as it is known. A notifier that raises gives
    one line through `warn` (default: `warning: …` on stderr) per run, however many notifications
    it failed. Returns `{"delivered": n, "failed": n}`.
    """
    counts = {"delivered": 0, "failed": 0}
    pending = _rows(db, "SELECT * FROM notifications WHERE state != 'delivered' ORDER BY id")
    if not pending:
        return counts
    if callable(pm):  # (a plugin manager is not)
        pm = pm()
    if warn is None:
        from ..plugins import warn  # here: reading breaches (`ccc portfolio`) must not load the plugin host
    notifiers = _notifiers(pm)
    cache = dict(contracts or {})
    failures: dict[str, list] = {}  # notifier name -> [(breach id, error text)]
    for n in pending:
        breach = _rows(db, "SELECT * FROM breaches WHERE id = ?", [n["breach_id"]])[0]
        args = {"breach": breach, "result": json.loads(n["result"]), "workspace": workspace,
                "contract": _contract(db, cache, breach["contract_id"], breach["contract_version"])}
        done = json.loads(n["delivered_to"] or "[]")
        errors = []
        for impl in notifiers:
            name = _notifier_name(pm, impl)
            if name in done:
                continue  # this notifier has it already: a retry must not repeat it
            try:
                impl.function(**{a: args[a] for a in impl.argnames})
            except Exception as err:  # a notifier must never stop the evaluation (KeyboardInterrupt still does)
                text = _one_line(f"{type(err).__name__}: {err}")
                errors.append(f"{name}: {text}")
                failures.setdefault(name, []).append((breach["id"], text))
                continue
            done.append(name)
        now = _now_ms()
        with db.atomic():
            if errors:
                db.execute("UPDATE notifications SET state = 'failed', attempts = attempts + 1, last_attempt_at = ?, "
                           "delivered_to = ?, error = ? WHERE id = ?", [now, json.dumps(done), "; ".join(errors), n["id"]])
            else:
                db.execute("UPDATE notifications SET state = 'delivered', attempts = attempts + 1, last_attempt_at = ?, "
                           "delivered_at = ?, delivered_to = ?, error = NULL WHERE id = ?",
                           [now, now, json.dumps(done), n["id"]])
        counts["failed" if errors else "delivered"] += 1
    for name, failed in failures.items():
        first_id, first_error = failed[0]
        more = f" and {len(failed) - 1} more" if len(failed) > 1 else ""
        warn(f"notifier {name!r} failed for breach #{first_id}{more} ({first_error}); "
             "kept to retry at the next run (see `ccc notifications`)")
    return counts
