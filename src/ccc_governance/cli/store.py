"""`ccc store`: which store this workspace uses, its schema, its roles (`init`, `status`, `roles`)."""

from __future__ import annotations

import json

import click

from ..textsafe import visible
from .context import AppContext, pass_app


@click.group("store")
def store_group() -> None:
    """The store: SQLite file or shared PostgreSQL database (init, status, roles, copy)."""


def _status(app: AppContext) -> dict:
    from ..store.db import migration_sets
    from ..store.dialect import is_postgres
    from ..store.keyprint import stored_fingerprint

    location = app.workspace.store
    db = app.db
    applied = {}
    for migrations in migration_sets():
        names = [m.name for m in migrations.applied(db)]
        applied[migrations.name] = names[-1] if names else None
    pending = sum(len(m.pending(db)) for m in migration_sets())
    batches = db.execute("SELECT count(*) FROM batches WHERE status = 'complete'").fetchone()[0]
    contacts = db.execute("SELECT count(*) FROM contacts").fetchone()[0]
    out = {
        "store": "postgresql" if location.is_postgres else "sqlite",
        "location": location.display(),
        "schema": applied,
        "pending_migrations": pending,
        "batches": batches,
        "contacts": contacts,
        "key_fingerprint": stored_fingerprint(db.conn),
    }
    if is_postgres(db):
        row = db.execute("SELECT session_user, current_database(), current_setting('server_version')").fetchone()
        out.update(role=row[0], database=row[1], server_version=row[2])
    return out


@store_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
@pass_app
def status_command(app: AppContext, as_json: bool) -> None:
    """Which store, which schema version, how many batches and contacts (never a password)."""
    info = _status(app)
    if as_json:
        click.echo(json.dumps(info, indent=2))
        return
    click.echo(visible(f"store: {info['store']} {info['location']}"))
    if "role" in info:
        click.echo(visible(f"role: {info['role']} (database {info['database']}, PostgreSQL {info['server_version']})"))
    click.echo("schema: " + ", ".join(f"{k} {v}" for k, v in info["schema"].items())
               + (f" ({info['pending_migrations']} pending)" if info["pending_migrations"] else " (up to date)"))
    click.echo(f"batches: {info['batches']}  contacts: {info['contacts']}")
    click.echo(f"key fingerprint: {info['key_fingerprint'] or '(none yet: set by the first import)'}")


@store_group.command("init")
@pass_app
def init_command(app: AppContext) -> None:
    """Create the schema (an empty PostgreSQL database, or the SQLite file) and apply migrations."""
    info = _status(app)  # opening the store applies every pending migration
    click.echo(visible(f"store ready: {info['store']} {info['location']}"))


@store_group.command("roles")
@click.option("--apply", "apply_", is_flag=True, help="Run the SQL on the store (as its owner).")
@pass_app
def roles_command(app: AppContext, apply_: bool) -> None:
    """The SQL creating the four group roles (ccc_viewer, ccc_manager, ccc_integrator, ccc_admin)
    and their grants; --apply runs it. Then: GRANT ccc_manager TO alice;"""
    from ..errors import WorkspaceError
    from ..store.roles import roles_sql

    location = app.workspace.store
    if not location.is_postgres:
        raise WorkspaceError("ccc store roles: roles are the PostgreSQL store's (this workspace uses the SQLite "
                             f"file {location.display()}: whoever can write the file can change it)")
    db = app.db
    schema = db.execute("SELECT current_schema()").fetchone()[0]
    sql = roles_sql(schema)
    if not apply_:
        click.echo(sql, nl=False)
        return
    with db.atomic():
        db.executescript(sql)
    click.echo("roles ready: ccc_viewer, ccc_manager, ccc_integrator, ccc_admin (GRANT ccc_manager TO alice;)")


@store_group.command("copy")
@click.argument("src")
@click.argument("dst")
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
def copy_command(src: str, dst: str, as_json: bool) -> None:
    """Copy a whole store SRC into the new, empty store DST (each a SQLite path or a PostgreSQL
    URL / service=NAME), then count and checksum every table on both sides."""
    from pathlib import Path

    from ..errors import WorkspaceError
    from ..store.copy import copy_store
    from ..store.db import open_db
    from ..store.location import StoreLocation

    source = StoreLocation.parse(src)
    if not source.is_postgres and not Path(source.path).is_file():
        raise WorkspaceError(f"{src}: no such store file")
    target = StoreLocation.parse(dst)
    src_db = open_db(source, create=False)
    dst_db = open_db(target)
    tables = copy_store(src_db, dst_db)
    if as_json:
        click.echo(json.dumps({"source": source.display(), "destination": target.display(), "tables": tables},
                              indent=2))
    else:
        for t in tables:
            click.echo(f"{t['table']:<28} {t['rows']:>10,}  {t['checksum']}  {'ok' if t['same'] else 'DIFFERS'}")
    if not all(t["same"] for t in tables):
        raise WorkspaceError("store copy: some tables differ after the copy (see above)")
    click.echo(visible(f"copied {source.display()} → {target.display()}: {len(tables)} tables, "
                       f"{sum(t['rows'] for t in tables):,} rows"), err=as_json)
