"""`ccc notifications [--all | --state STATE] [--retry] [--json]`: the breach notifications the
notifiers (`breach_detected` hook) have not taken yet, and a way to retry them now; a thin layer over
`ccc_governance.engine.notifications`."""

from __future__ import annotations

import json
import sqlite3

import click

from ..clock import iso_utc
from ..errors import CccError
from .context import AppContext, pass_app


def state_text(n: dict) -> str:
    """A notification's state, when (real UTC instants), to whom, and why it failed."""
    if n["state"] == "delivered":
        to = ", ".join(n["delivered_to"]) or "no notifier installed"
        return f"delivered {iso_utc(n['delivered_at'])} to {to}"
    if n["state"] == "failed":
        took = f"; delivered to {', '.join(n['delivered_to'])}" if n["delivered_to"] else ""
        return (f"failed ({n['attempts']} attempt{'s' if n['attempts'] != 1 else ''}, last "
                f"{iso_utc(n['last_attempt_at'])}{took}): {n['error']}")
    return f"pending since {iso_utc(n['created_at'])}"


def describe(n: dict) -> str:
    """One line for a notification: which breach, then `state_text`."""
    return (f"#{n['id']} breach #{n['breach_id']} {n['contract_id']} v{n['contract_version']} {n['kpi_id']} "
            f"{n['period']}: {state_text(n)}")


@click.command("notifications")
@click.option("--state", type=click.Choice(["pending", "failed", "delivered"]), help="Only notifications in this state.")
@click.option("--all", "all_", is_flag=True, help="Delivered ones too (default: only those not delivered yet).")
@click.option("--retry", is_flag=True, help="Deliver the pending and failed ones now, then list; exit 1 if some still fail.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
@click.pass_context
def notifications_command(ctx, app, state, all_, retry, as_json):
    """Breach notifications not yet delivered to every notifier (with --all: every one).

    A new breach is notified once every `breach_detected` notifier has returned for it; one that failed
    is retried by the next `ccc evaluate` or `ccc export`, or now with --retry.
    """
    from ..engine import notifications

    if retry:
        notifications.deliver_pending(app.db, app.pm, app.workspace)
    rows = notifications.list_notifications(app.db, state=state or (None if all_ else "undelivered"))
    if as_json:
        click.echo(json.dumps({"notifications": rows}, indent=2))
    elif rows:
        for n in rows:
            click.echo(describe(n))
    else:
        delivered = len(notifications.list_notifications(app.db, state="delivered"))
        click.echo(f"no notification waiting ({delivered} delivered; --all lists them)" if not state
                   else f"no {state} notification")
    if retry and notifications.list_notifications(app.db, state="undelivered"):
        ctx.exit(1)


def deliver_when_done() -> None:
    """Deliver the notifications still pending when the current command ends: for commands that can
    record breaches on the way (`ccc export` evaluates a period not evaluated yet). Nothing happens when
    the command did not open the database or nothing is pending; a notifier that fails gives a warning."""
    ctx = click.get_current_context()

    def deliver() -> None:
        from ..engine import notifications
        from ..plugins import warn

        app = ctx.find_object(AppContext)
        db = getattr(app, "_db", None)  # never open (or create) a database the command did not open
        if db is None:
            return
        try:
            if db.execute("SELECT 1 FROM notifications WHERE state != 'delivered' LIMIT 1").fetchone():
                notifications.deliver_pending(db, app.pm, app.workspace)
        except (sqlite3.Error, CccError) as err:  # the command's own outcome stands; they stay queued
            warn(f"breach notifications not delivered ({err}); see `ccc notifications`")

    ctx.call_on_close(deliver)


__all__ = ["describe", "state_text", "deliver_when_done"]
