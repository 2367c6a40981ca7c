"""Opening the store while another process writes: nothing on a read path writes; migrations
applied meanwhile by another process are not applied twice."""

from __future__ import annotations

import sqlite3

import pytest
from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from ccc_governance.store import db as store_db
from ccc_governance.store.db import open_db


@pytest.mark.sqlite_only  # (the SQLite file and its locks)
def test_opening_a_migrated_store_writes_nothing(ccc_workspace):
    """Readers never wait for a writer: opening a store whose migrations are all applied does
    not write (it opens while another connection holds the write lock, at once)."""
    open_db(ccc_workspace.db_path).conn.close()  # created and migrated
    holder = sqlite3.connect(ccc_workspace.db_path)
    holder.execute("BEGIN IMMEDIATE")
    try:
        db = open_db(ccc_workspace.db_path)
        db.conn.lock_timeout = 0  # a write here would give up at once with DatabaseLockedError
        assert db.execute("SELECT count(*) FROM batches").fetchone() == (0,)
        db.conn.close()
    finally:
        holder.rollback()
        holder.close()


@pytest.mark.sqlite_only  # (the SQLite file and its locks)
def test_a_migration_another_process_applied_meanwhile_is_not_applied_again(ccc_workspace, monkeypatch):
    extra = Migrations("ccc_test_extra")

    @extra()
    def m001_extra(db):
        db.execute("CREATE TABLE extra_table (x)")

    sets = store_db.migration_sets()
    monkeypatch.setattr(store_db, "migration_sets", lambda: sets + [extra])
    real_pending = Migrations.pending
    raced = []

    def pending(self, db):
        found = real_pending(self, db)
        if self is extra and found and not raced:  # another process applies it right now
            raced.append(True)
            other = Database(sqlite3.connect(ccc_workspace.db_path))
            real_pending_apply(other)
            other.conn.close()
        return found

    def real_pending_apply(other):
        monkeypatch.setattr(Migrations, "pending", real_pending)
        extra.apply(other)
        monkeypatch.setattr(Migrations, "pending", pending)

    monkeypatch.setattr(Migrations, "pending", pending)
    db = open_db(ccc_workspace.db_path)
    assert raced
    assert [m.name for m in extra.applied(db)] == ["m001_extra"]
    db.conn.close()
