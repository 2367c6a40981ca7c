"""Engine tables (migration set `ccc_governance.engine`).

`kpi_results` is what the TUI and the review packs read: one row per contract version × KPI ×
period, written by `ccc evaluate`. `breaches` keep their status across re-evaluations.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from ..store.dialect import is_postgres

migrations = Migrations("ccc_governance.engine")


@migrations()
def m001_engine(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE kpi_results (
            contract_id TEXT NOT NULL,
            contract_version INTEGER NOT NULL,
            kpi_id TEXT NOT NULL,
            metric TEXT NOT NULL,
            period TEXT NOT NULL,          -- label as typed: 2026-10, 2026-Q3, 2026-W42 …
            period_kind TEXT NOT NULL,
            period_start TEXT NOT NULL,    -- first local day (ISO)
            period_end TEXT NOT NULL,      -- local day after the last (ISO, exclusive)
            channel TEXT,
            volume REAL, numerator REAL, denominator REAL, actual REAL,
            target REAL, breach REAL,
            status TEXT NOT NULL,          -- met | at_risk | breached | insufficient_volume | no_data
            excluded TEXT,                 -- JSON list of {kind, from, to, reason, evidence, volume}
            ci_low REAL, ci_high REAL,     -- Wilson interval for rates
            reported REAL, reported_diff REAL,
            details TEXT,                  -- JSON: metric-specific counts (offered, answered …)
            evaluated_at TEXT NOT NULL,
            PRIMARY KEY (contract_id, contract_version, kpi_id, period)
        );
        CREATE INDEX kpi_results_period ON kpi_results(period_start);
        CREATE TABLE breaches (
            id INTEGER PRIMARY KEY,
            contract_id TEXT NOT NULL,
            contract_version INTEGER NOT NULL,
            kpi_id TEXT NOT NULL,
            period TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open',  -- open | acknowledged | disputed | waived | closed
            first_seen_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            actual REAL, target REAL, breach REAL, volume REAL,
            small_sample INTEGER DEFAULT 0,
            still_breached INTEGER DEFAULT 1,  -- 0 when a later evaluation no longer finds it
            UNIQUE (contract_id, contract_version, kpi_id, period)
        );
        CREATE TABLE breach_events (
            id INTEGER PRIMARY KEY,
            breach_id INTEGER NOT NULL REFERENCES breaches(id),
            at TEXT NOT NULL,
            status_from TEXT, status_to TEXT NOT NULL,
            note TEXT
        );
        CREATE TABLE exclusions (
            id INTEGER PRIMARY KEY,
            contract_id TEXT NOT NULL,
            kind TEXT NOT NULL,            -- outage | force_majeure | ramp_up
            starts_at INTEGER NOT NULL,    -- epoch ms UTC (a date means local midnight)
            ends_at INTEGER NOT NULL,      -- exclusive
            reason TEXT NOT NULL,
            evidence TEXT,
            created_at TEXT NOT NULL
        );
        CREATE TABLE credits (
            id INTEGER PRIMARY KEY,
            contract_id TEXT NOT NULL,
            contract_version INTEGER NOT NULL,
            period TEXT NOT NULL,
            kpi_id TEXT,                   -- NULL for period-level lines (cap, total)
            kind TEXT NOT NULL,            -- credit | bonus | earn_back | cap
            amount REAL NOT NULL,          -- positive: owed by the CCC to the client
            currency TEXT,
            explanation TEXT NOT NULL      -- the arithmetic, in words
        );
        CREATE INDEX credits_contract_period ON credits(contract_id, period);
        -- Daily aggregates maintained as data is imported: one row per contract version × KPI ×
        -- local day × declared exclusion (excl_id 0 = counted). Every column is additive, so a
        -- period's figure is SUM(num) / SUM(den) over its days. kpi_id '*' holds the whole scope
        -- (offered and forecast per day, for the volume band).
        CREATE TABLE kpi_daily (
            contract_id TEXT NOT NULL,
            contract_version INTEGER NOT NULL,
            kpi_id TEXT NOT NULL,
            day TEXT NOT NULL,             -- local day (ISO) in the contract's time zone
            excl_id INTEGER NOT NULL DEFAULT 0,
            volume REAL, num REAL, den REAL,
            contacts INTEGER, offered INTEGER, answered INTEGER, abandoned INTEGER,
            short_abandons INTEGER, answered_within INTEGER, abandoned_within INTEGER,
            unresolved INTEGER, not_queued INTEGER,
            forecast REAL, unusable INTEGER, extra REAL,
            PRIMARY KEY (contract_id, contract_version, kpi_id, day, excl_id)
        ) WITHOUT ROWID;
        -- Which contract versions have aggregates, built from which contract content and exclusions.
        CREATE TABLE agg_state (
            contract_id TEXT NOT NULL,
            contract_version INTEGER NOT NULL,
            fingerprint TEXT NOT NULL,
            built_at TEXT NOT NULL,
            PRIMARY KEY (contract_id, contract_version)
        );
        -- Engine bookkeeping (e.g. the batches the aggregates have seen).
        CREATE TABLE agg_meta (key TEXT PRIMARY KEY, value TEXT);
        -- Concrete queue names present in the store, to resolve scope globs without a scan.
        CREATE TABLE agg_queues (
            queue TEXT NOT NULL, queue_name TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (queue, queue_name)
        );
        """
    )


@migrations()
def m002_notifications_and_recorded_instants(db: Database) -> None:
    """The notification outbox, and the real instant beside each breach's effective day.

    `breaches.first_seen_at` / `last_seen_at` and `breach_events.at` hold the day a change counts
    as (`--as-of`, else today); the `*recorded_at` columns the real instant it was stored (epoch ms
    UTC). Rows stored before this migration kept an ISO instant in those text columns: it is copied
    into the new columns, the text is left as it was.
    """
    db.executescript(
        """
        ALTER TABLE breaches ADD COLUMN first_recorded_at INTEGER;  -- epoch ms UTC, real clock
        ALTER TABLE breaches ADD COLUMN last_recorded_at INTEGER;   -- epoch ms UTC, real clock
        ALTER TABLE breach_events ADD COLUMN recorded_at INTEGER;   -- epoch ms UTC, real clock
        -- The outbox: one row per new breach, written in the transaction that stores the breach, so
        -- that a notifier that fails (or a run that stops) never loses it: delivered only once every
        -- `breach_detected` hook returned for it, retried by the next run otherwise.
        CREATE TABLE notifications (
            id INTEGER PRIMARY KEY,
            breach_id INTEGER NOT NULL REFERENCES breaches(id),
            hook TEXT NOT NULL DEFAULT 'breach_detected',
            result TEXT NOT NULL,             -- JSON: the evaluation result that found the breach
            state TEXT NOT NULL DEFAULT 'pending',  -- pending | failed | delivered
            created_at INTEGER NOT NULL,      -- epoch ms UTC: when the breach was recorded
            attempts INTEGER NOT NULL DEFAULT 0,
            last_attempt_at INTEGER,          -- epoch ms UTC
            delivered_at INTEGER,             -- epoch ms UTC: when the last notifier returned
            delivered_to TEXT NOT NULL DEFAULT '[]',  -- JSON list of the notifiers whose hook returned
            error TEXT,                       -- the last failure: notifier: Type: message
            UNIQUE (breach_id, hook)
        );
        CREATE INDEX notifications_state ON notifications(state);
        """
    )
    if not is_postgres(db):  # (a PostgreSQL store begins at this version: no such rows)
        db.executescript(
            """
            UPDATE breaches SET first_recorded_at = CAST(strftime('%s', first_seen_at) AS INTEGER) * 1000
                WHERE length(first_seen_at) > 10 AND strftime('%s', first_seen_at) IS NOT NULL;
            UPDATE breaches SET last_recorded_at = CAST(strftime('%s', last_seen_at) AS INTEGER) * 1000
                WHERE length(last_seen_at) > 10 AND strftime('%s', last_seen_at) IS NOT NULL;
            UPDATE breach_events SET recorded_at = CAST(strftime('%s', at) AS INTEGER) * 1000
                WHERE length(at) > 10 AND strftime('%s', at) IS NOT NULL;
            """
        )


@migrations()
def m003_kpi_monthly(db: Database) -> None:
    """Monthly sums of `kpi_daily` (issue #13): a period of whole months is summed from one row per
    month instead of ~30 per month (24 months of 50 contracts: 6,000 rows read instead of 182,500).
    Kept by the build that writes the days (`aggregates.build_version`), in its transaction; filled
    here from the days already built."""
    db.executescript(
        """
        -- One row per contract version × KPI × local month ('YYYY-MM') × exclusion: the SUM of each
        -- column of that month's `kpi_daily` rows (every column is additive).
        CREATE TABLE kpi_monthly (
            contract_id TEXT NOT NULL,
            contract_version INTEGER NOT NULL,
            kpi_id TEXT NOT NULL,
            month TEXT NOT NULL,
            excl_id INTEGER NOT NULL DEFAULT 0,
            volume REAL, num REAL, den REAL,
            contacts INTEGER, offered INTEGER, answered INTEGER, abandoned INTEGER,
            short_abandons INTEGER, answered_within INTEGER, abandoned_within INTEGER,
            unresolved INTEGER, not_queued INTEGER,
            forecast REAL, unusable INTEGER, extra REAL,
            PRIMARY KEY (contract_id, contract_version, kpi_id, month, excl_id)
        ) WITHOUT ROWID;
        """
    )
    sums = ", ".join(f"SUM({c})" for c in _MONTHLY_VALUES)
    db.execute(f"INSERT INTO kpi_monthly (contract_id, contract_version, kpi_id, month, excl_id, "
               f"{', '.join(_MONTHLY_VALUES)}) SELECT contract_id, contract_version, kpi_id, substr(day, 1, 7), "
               f"excl_id, {sums} FROM kpi_daily GROUP BY contract_id, contract_version, kpi_id, substr(day, 1, 7), excl_id")


_MONTHLY_VALUES = ("volume", "num", "den", "contacts", "offered", "answered", "abandoned", "short_abandons",
                   "answered_within", "abandoned_within", "unresolved", "not_queued", "forecast", "unusable", "extra")
