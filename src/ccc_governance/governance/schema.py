"""Governance tables (migration set `ccc_governance.governance`)."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("ccc_governance.governance")


@migrations()
def m001_governance(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE blobs (
            sha256 TEXT PRIMARY KEY,
            content BLOB NOT NULL,
            size INTEGER NOT NULL
        );
        CREATE TABLE audits (
            id INTEGER PRIMARY KEY,
            ccc TEXT NOT NULL,
            contract_id TEXT,
            title TEXT,
            started_on TEXT NOT NULL,
            lang TEXT NOT NULL DEFAULT 'en',
            status TEXT NOT NULL DEFAULT 'open'   -- open | closed
        );
        CREATE TABLE reviews (
            id INTEGER PRIMARY KEY,
            contract_id TEXT NOT NULL,
            period TEXT NOT NULL,          -- the reviewed period's label (2026-10, 2026-Q3 …)
            held_on TEXT NOT NULL,         -- ISO date
            attendees TEXT,                -- JSON list
            decisions TEXT,                -- JSON list
            minutes_sha256 TEXT REFERENCES blobs(sha256),
            minutes_name TEXT,
            recorded_at TEXT NOT NULL,
            UNIQUE (contract_id, period)
        );
        CREATE TABLE review_signoffs (
            id INTEGER PRIMARY KEY,
            review_id INTEGER NOT NULL REFERENCES reviews(id),
            party TEXT NOT NULL,           -- a party named in the contract's [review] sign_off
            signed_on TEXT NOT NULL,
            name TEXT,
            UNIQUE (review_id, party)
        );
        CREATE TABLE actions (
            id INTEGER PRIMARY KEY,
            contract_id TEXT NOT NULL,
            review_id INTEGER REFERENCES reviews(id),
            audit_id INTEGER REFERENCES audits(id),
            audit_question TEXT,           -- the checklist question whose answer raised it
            title TEXT NOT NULL,
            owner TEXT,
            due TEXT,                      -- ISO date
            status TEXT NOT NULL DEFAULT 'open',  -- open | closed
            raised_on TEXT NOT NULL,
            closed_on TEXT,
            note TEXT
        );
        CREATE TABLE evidence (
            id INTEGER PRIMARY KEY,
            contract_id TEXT NOT NULL,
            obligation_id TEXT NOT NULL,   -- an [[obligation]] id or a [[data_handling.duty]] id
            occurrence TEXT,               -- the occurrence's due date (ISO) it proves
            date TEXT NOT NULL,            -- when the duty was met
            note TEXT,
            file_name TEXT,
            sha256 TEXT REFERENCES blobs(sha256),
            recorded_at TEXT NOT NULL
        );
        CREATE TABLE audit_answers (
            id INTEGER PRIMARY KEY,
            audit_id INTEGER NOT NULL REFERENCES audits(id),
            question_id TEXT NOT NULL,
            answer TEXT NOT NULL,          -- yes | partly | no | na
            comment TEXT,
            evidence TEXT,
            answered_on TEXT NOT NULL,
            UNIQUE (audit_id, question_id)
        );
        CREATE TABLE purges (
            id INTEGER PRIMARY KEY,
            contract_id TEXT NOT NULL,
            as_of TEXT NOT NULL,           -- the day the retention was reckoned from (ISO)
            retention_days INTEGER NOT NULL,
            cutoff_ms INTEGER NOT NULL,    -- records before this instant were deleted
            counts TEXT NOT NULL,          -- JSON {table: rows deleted}
            purged_at TEXT NOT NULL
        );
        """
    )


@migrations()
def m002_audit_closed_on(db: Database) -> None:
    """An audit is closed on a date; answers are refused after that."""
    db.execute("ALTER TABLE audits ADD COLUMN closed_on TEXT")


@migrations()
def m003_actors(db: Database) -> None:
    """Who made each row (`actor.current_actor`; NULL for rows made before this migration)."""
    db.executescript(
        """
        ALTER TABLE reviews ADD COLUMN recorded_by TEXT;
        ALTER TABLE review_signoffs ADD COLUMN recorded_by TEXT;
        ALTER TABLE actions ADD COLUMN raised_by TEXT;
        ALTER TABLE actions ADD COLUMN closed_by TEXT;
        ALTER TABLE evidence ADD COLUMN recorded_by TEXT;
        ALTER TABLE audits ADD COLUMN started_by TEXT;
        ALTER TABLE audits ADD COLUMN closed_by TEXT;
        ALTER TABLE audit_answers ADD COLUMN answered_by TEXT;
        ALTER TABLE purges ADD COLUMN purged_by TEXT;
        """
    )


@migrations()
def m004_incidents(db: Database) -> None:
    """Data-protection incidents (`breach_notification_within`): detected, deadline, notified; the
    notification's evidence is an `evidence` row naming the incident."""
    db.executescript(
        """
        CREATE TABLE incidents (
            id INTEGER PRIMARY KEY,
            contract_id TEXT NOT NULL,
            detected_at TEXT NOT NULL,     -- ISO instant with the contract's UTC offset
            detected_ms INTEGER NOT NULL,
            notify_by TEXT NOT NULL,       -- the deadline: detected + breach_notification_within
            notify_by_ms INTEGER NOT NULL,
            within TEXT NOT NULL,          -- the contract's breach_notification_within when recorded
            description TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            recorded_by TEXT,
            notified_at TEXT,              -- when the notification was made (ISO instant), or NULL
            notified_ms INTEGER,
            notified_by TEXT
        );
        CREATE INDEX incidents_contract ON incidents(contract_id, detected_ms);
        ALTER TABLE evidence ADD COLUMN incident_id INTEGER;
        """
    )
