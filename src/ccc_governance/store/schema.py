"""Core tables: the contract registry, import batches, normalised records, quarantine.

Migration set `ccc_governance`. Instants are INTEGER epoch milliseconds UTC; durations REAL
seconds; booleans INTEGER 0/1 or NULL (unknown). Every record table carries `source`, `source_id`,
`batch_id` (provenance) and is unique on `(source, source_id)`.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from .dialect import is_postgres

migrations = Migrations("ccc_governance")

#: record kind (`records.KINDS`) → the table its records are stored in
KIND_TABLES = {
    "contact": "contacts",
    "survey": "surveys",
    "complaint": "complaints",
    "quality": "quality_evaluations",
    "interval": "interval_aggregates",
    "workforce": "workforce",
    "reported": "reported_figures",
    "invoice_line": "invoice_lines",
}

_RECORD_COMMON = """
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    source_id TEXT NOT NULL,
    batch_id INTEGER NOT NULL REFERENCES batches(id),
    line INTEGER,
    version INTEGER,
"""


#: PostgreSQL: `sum(boolean)`, so that SQLite's `SUM(a = b)` counts there too (`store.dialect`).
PG_SUM_BOOLEAN = """
CREATE FUNCTION ccc_sum_bool(state BIGINT, v BOOLEAN) RETURNS BIGINT LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT CASE WHEN v IS NULL THEN state ELSE coalesce(state, 0) + v::int END $$;
CREATE AGGREGATE sum(BOOLEAN) (SFUNC = ccc_sum_bool, STYPE = BIGINT, COMBINEFUNC = int8pl, PARALLEL = SAFE);
"""


@migrations()
def m001_core(db: Database) -> None:
    if is_postgres(db):
        db.executescript(PG_SUM_BOOLEAN)
    db.executescript(
        """
        CREATE TABLE contract_versions (
            id INTEGER PRIMARY KEY,
            contract_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            path TEXT,
            toml TEXT NOT NULL,
            title TEXT, client TEXT, ccc TEXT, timezone TEXT,
            effective_from TEXT NOT NULL,
            effective_to TEXT,
            registered_at TEXT NOT NULL,
            UNIQUE (contract_id, version),
            UNIQUE (contract_id, sha256)
        );
        CREATE TABLE batches (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            plugin TEXT, plugin_version TEXT,
            file_name TEXT NOT NULL,
            path TEXT,
            sha256 TEXT NOT NULL,
            size_bytes INTEGER,
            contract_id TEXT,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL DEFAULT 'complete',  -- complete | undone
            imported INTEGER DEFAULT 0,
            replaced INTEGER DEFAULT 0,
            duplicates INTEGER DEFAULT 0,
            older_skipped INTEGER DEFAULT 0,
            quarantined INTEGER DEFAULT 0,
            kinds TEXT,
            first_at INTEGER, last_at INTEGER,         -- span of the records' instants
            records INTEGER DEFAULT 0,                 -- records and rejected rows read from the file
            elapsed_s REAL,
            options TEXT,                              -- JSON: the options the reader was given
            state_before TEXT,                         -- JSON: the source's state before this batch (for undo)
            undone_at TEXT
        );
        CREATE INDEX batches_sha ON batches(source, sha256);
        CREATE TABLE quarantine (
            id INTEGER PRIMARY KEY,
            batch_id INTEGER NOT NULL REFERENCES batches(id),
            file_name TEXT, line INTEGER, reason TEXT NOT NULL, raw TEXT, source_id TEXT
        );
        CREATE INDEX quarantine_batch ON quarantine(batch_id);
        CREATE TABLE source_state (
            source TEXT PRIMARY KEY, state TEXT NOT NULL, batch_id INTEGER
        );
        -- Rows a batch replaced, so that `ccc batch undo` can put them back.
        CREATE TABLE replaced_rows (
            id INTEGER PRIMARY KEY,
            batch_id INTEGER NOT NULL REFERENCES batches(id),
            tbl TEXT NOT NULL, row TEXT NOT NULL,
            from_batch INTEGER                         -- the batch the replaced row came from
        );
        CREATE INDEX replaced_rows_from ON replaced_rows(from_batch);
        CREATE INDEX replaced_rows_batch ON replaced_rows(batch_id);
        """
    )
    db.executescript(
        f"""
        CREATE TABLE contacts ({_RECORD_COMMON}
            channel TEXT, direction TEXT, queue TEXT, queue_name TEXT,
            arrived_at INTEGER, answered_at INTEGER, ended_at INTEGER,
            outcome TEXT,
            wait_s REAL, talk_s REAL, hold_s REAL, wrap_s REAL,
            agent TEXT, transferred INTEGER, fcr INTEGER, csat REAL, csat_scale INTEGER,
            first_response_s REAL, first_response_business_s REAL,
            resolution_s REAL, resolution_business_s REAL,
            customer_key TEXT,
            UNIQUE (source, source_id)
        );
        CREATE INDEX contacts_queue_time ON contacts(queue, arrived_at);
        CREATE INDEX contacts_batch ON contacts(batch_id);
        CREATE TABLE surveys ({_RECORD_COMMON}
            responded_at INTEGER, csat REAL, csat_scale INTEGER, nps INTEGER, resolved INTEGER,
            contact_id TEXT, channel TEXT, queue TEXT, agent TEXT, comment TEXT, customer_key TEXT,
            UNIQUE (source, source_id)
        );
        CREATE INDEX surveys_time ON surveys(responded_at);
        CREATE TABLE complaints ({_RECORD_COMMON}
            received_at INTEGER, acknowledged_at INTEGER, escalated_at INTEGER, resolved_at INTEGER,
            updates TEXT,  -- JSON list of epoch ms
            category TEXT, channel TEXT, queue TEXT, upheld INTEGER, escalation_required INTEGER,
            customer_key TEXT,
            UNIQUE (source, source_id)
        );
        CREATE INDEX complaints_time ON complaints(received_at);
        CREATE TABLE quality_evaluations ({_RECORD_COMMON}
            evaluated_at INTEGER, score REAL, max_score REAL, form TEXT, evaluator TEXT, agent TEXT,
            contact_id TEXT, channel TEXT, queue TEXT,
            UNIQUE (source, source_id)
        );
        CREATE TABLE interval_aggregates ({_RECORD_COMMON}
            interval_start INTEGER, interval_minutes INTEGER, queue TEXT, channel TEXT, direction TEXT,
            offered INTEGER, answered INTEGER, answered_within INTEGER, answer_threshold_s REAL,
            abandoned INTEGER, short_abandoned INTEGER, short_abandon_s REAL, abandoned_within INTEGER,
            wait_sum_s REAL, handle_sum_s REAL, forecast_offered REAL,
            UNIQUE (source, source_id)
        );
        CREATE INDEX interval_queue_time ON interval_aggregates(queue, interval_start);
        CREATE TABLE workforce ({_RECORD_COMMON}
            day INTEGER, days INTEGER, queue TEXT, scheduled_minutes REAL, adherent_minutes REAL,
            headcount REAL, leavers INTEGER, engagement_score REAL, engagement_scale REAL,
            UNIQUE (source, source_id)
        );
        CREATE TABLE reported_figures ({_RECORD_COMMON}
            metric TEXT, period_start INTEGER, period_end INTEGER, value REAL, queue TEXT, channel TEXT,
            numerator REAL, denominator REAL,
            UNIQUE (source, source_id)
        );
        """
    )


@migrations()
def m002_store_meta(db: Database) -> None:
    """Facts about the store itself, one row each (e.g. `key_fingerprint`: see `store/keyprint.py`)."""
    db.execute("CREATE TABLE store_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL, set_at TEXT NOT NULL)")


@migrations()
def m003_contact_intervals(db: Database) -> None:
    """Contract-independent interval figures of contacts (`store/intervals.py`), counted from the
    contacts stored so far; kept up to date from now on by imports, undo and per-row triggers."""
    from . import intervals

    intervals.create(db.conn)
    intervals.rebuild(db.conn)


@migrations()
def m004_invoice_lines(db: Database) -> None:
    """The CCC's invoice lines (`records.InvoiceLine`), checked by `ccc invoice check`."""
    db.executescript(
        f"""
        CREATE TABLE invoice_lines ({_RECORD_COMMON}
            period_start INTEGER, period TEXT, line_id TEXT, quantity REAL, amount REAL, unit_price REAL,
            currency TEXT, contract TEXT, invoice TEXT, description TEXT,
            UNIQUE (source, source_id)
        );
        CREATE INDEX invoice_lines_contract_period ON invoice_lines(contract, period_start);
        """
    )


@migrations()
def m005_wait_slots(db: Database) -> None:
    """The contracts' wait rules counted in `contact_intervals` (`intervals.track_wait_rules`): a
    new contract whose thresholds are counted no longer reads the histogram's near one row per contact."""
    from . import intervals

    intervals.create_wait_slots(db.conn)


#: PostgreSQL: a contact's batch checked once per statement instead of once per row (m006).
PG_CONTACT_BATCHES = """
ALTER TABLE contacts DROP CONSTRAINT IF EXISTS contacts_batch_id_fkey;
CREATE FUNCTION ccc_contacts_have_batches() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM (SELECT DISTINCT batch_id FROM ccc_rows) r
               WHERE NOT EXISTS (SELECT 1 FROM batches b WHERE b.id = r.batch_id)) THEN
        RAISE EXCEPTION 'contacts of a batch that does not exist' USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER contacts_batch_insert AFTER INSERT ON contacts REFERENCING NEW TABLE AS ccc_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ccc_contacts_have_batches();
CREATE TRIGGER contacts_batch_update AFTER UPDATE ON contacts REFERENCING NEW TABLE AS ccc_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ccc_contacts_have_batches();
CREATE FUNCTION ccc_batch_has_no_contacts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (TG_OP = 'DELETE' OR NEW.id <> OLD.id) AND EXISTS (SELECT 1 FROM contacts WHERE batch_id = OLD.id) THEN
        RAISE EXCEPTION 'batch % still has contacts', OLD.id USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER batches_keep_contacts BEFORE DELETE OR UPDATE OF id ON batches
    FOR EACH ROW EXECUTE FUNCTION ccc_batch_has_no_contacts();
"""


@migrations()
def m006_contact_batches_per_statement(db: Database) -> None:
    """PostgreSQL: `contacts.batch_id` is checked against `batches` once per statement (a COPY
    of 20,000 rows: one join) by triggers, instead of by a foreign key's check of every row (~3.7 s
    of a 1 M import); a batch that still has contacts can be neither deleted nor renumbered.
    SQLite keeps its foreign key (checked row by row there too, but cheaply)."""
    if is_postgres(db):
        db.executescript(PG_CONTACT_BATCHES)
