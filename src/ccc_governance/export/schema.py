"""Export tables (migration set `ccc_governance.export`): which pre-read packs were produced."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("ccc_governance.export")


@migrations()
def m001_export(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE export_packs (
            id INTEGER PRIMARY KEY,
            contract_id TEXT NOT NULL,
            period TEXT NOT NULL,          -- the reviewed period's label
            kind TEXT NOT NULL,            -- pre_read
            format TEXT NOT NULL,          -- md | html | xlsx | csv | json
            path TEXT NOT NULL,
            sha256 TEXT,                   -- of the file (of the concatenated files for a CSV folder)
            as_of TEXT NOT NULL,           -- the day it was produced for (ISO)
            produced_at TEXT NOT NULL,     -- instant, ISO UTC
            UNIQUE (contract_id, period, kind, format)
        );
        """
    )
