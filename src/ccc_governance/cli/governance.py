"""`ccc reviews|review|actions|action|obligations|evidence|purge|audit|status`: governance commands,
a thin layer over `ccc_governance.governance`. Every command whose answer depends on today takes
`--as-of DATE` (also `CCC_AS_OF`)."""

from __future__ import annotations

import json

import click

from .. import clock
from ..governance import actions as actions_mod
from ..governance import audit as audit_mod
from ..governance import evidence as evidence_mod
from ..governance import incidents as incidents_mod
from ..governance import obligations as obligations_mod
from ..governance import purge as purge_mod
from ..governance import reviews as reviews_mod
from ..governance import status as status_mod
from ..governance.inforce import contract_ids, require_contract
from ..textsafe import visible, visible_json
from .context import AppContext, pass_app

AS_OF_HELP = "Today's date (YYYY-MM-DD; also CCC_AS_OF)."


def _as_of(value: str | None):
    return clock.today(value)


def _json(data) -> None:
    click.echo(visible_json(json.dumps(data, indent=2, ensure_ascii=False, default=str)))


def _table(rows: list[dict], columns: list[str]) -> None:
    if not rows:
        click.echo("(none)")
        return
    # Titles, owners, notes and file names are the users' text: control characters made visible.
    cells = [[visible(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip())
    for row in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip())


# --- reviews -------------------------------------------------------------------------------


@click.command("reviews")
@click.option("--contract", "contract_id", help="Only this contract.")
@click.option("--due", "only_due", is_flag=True, help="Only reviews due now (due or pre-read due).")
@click.option("--overdue", "only_overdue", is_flag=True, help="Only overdue reviews.")
@click.option("--as-of", help=AS_OF_HELP)
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
@pass_app
def reviews_command(app: AppContext, contract_id, only_due, only_overdue, as_of, as_json) -> None:
    """The review calendar: every period's review and its state."""
    problems: dict[str, str] = {}  # contracts whose calendar cannot be worked out: shown, the rest goes on
    rows = reviews_mod.calendar(app.db, contract_id, _as_of(as_of), problems=problems)
    for cid, reason in problems.items():
        click.echo(visible(f"warning: contract {cid} left out: {reason}"), err=True)
    wanted = set()
    if only_due:
        wanted |= {"due", "pre_read_due"}
    if only_overdue:
        wanted.add("overdue")
    if wanted:
        rows = [r for r in rows if r["state"] in wanted]
    if as_json:
        _json(rows)
    else:
        _table(rows, ["contract_id", "period", "state", "pre_read_on", "hold_by", "held_on", "late_days"])


@click.group("review")
def review_group() -> None:
    """Record a held review, sign it off, or show it."""


@review_group.command("record")
@click.argument("contract_id")
@click.argument("period")
@click.option("--held-on", required=True, help="Date of the meeting (YYYY-MM-DD).")
@click.option("--attendee", "attendees", multiple=True, help="Who attended (repeat).")
@click.option("--minutes", "minutes", type=click.Path(dir_okay=False), help="Minutes file (stored by hash in the database).")
@click.option("--decision", "decisions", multiple=True, help="A decision taken (repeat).")
@pass_app
def review_record(app: AppContext, contract_id, period, held_on, attendees, minutes, decisions) -> None:
    """Record that the review of PERIOD was held."""
    r = reviews_mod.record_review(app.db, contract_id, period, held_on=held_on, attendees=list(attendees),
                                  decisions=list(decisions), minutes_path=minutes)
    click.echo(visible(f"review of {r['period']} for {contract_id} recorded (held on {r['held_on']}, id {r['id']})"))


@review_group.command("sign")
@click.argument("contract_id")
@click.argument("period")
@click.option("--party", required=True, help="A party in the contract's [review] sign_off (client, ccc …).")
@click.option("--on", "on", required=True, help="Date of the sign-off (YYYY-MM-DD).")
@click.option("--name", help="Who signed.")
@pass_app
def review_sign(app: AppContext, contract_id, period, party, on, name) -> None:
    """Sign off the review of PERIOD for one party."""
    r = reviews_mod.sign_off(app.db, contract_id, period, party, on=on, name=name)
    signed = ", ".join(s["party"] for s in r["signoffs"])
    click.echo(visible(f"{party} signed the review of {r['period']} for {contract_id} (signed so far: {signed})"))


@review_group.command("show")
@click.argument("contract_id")
@click.argument("period")
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
@pass_app
def review_show(app: AppContext, contract_id, period, as_json) -> None:
    """A recorded review: attendees, decisions, sign-offs and the actions on its agenda."""
    r = reviews_mod.get_review(app.db, contract_id, period)
    if as_json:
        _json(r)
        return
    # Every line holds what users typed (attendees, decisions, titles): shown with controls visible.
    click.echo(visible(f"Review of {r['period']} for {contract_id}, held on {r['held_on']}"
                       + (f", recorded by {r['recorded_by']}" if r.get("recorded_by") else "")))
    click.echo(visible(f"Attendees: {', '.join(r['attendees']) or '-'}"))
    click.echo(visible(f"Minutes: {r['minutes_name'] or '-'}"))
    for d in r["decisions"]:
        click.echo(visible(f"Decision: {d}"))
    for s in r["signoffs"]:
        click.echo(visible(f"Signed by {s['party']} on {s['signed_on']}" + (f" ({s['name']})" if s["name"] else "")
                           + (f", entered by {s['recorded_by']}" if s.get("recorded_by") else "")))
    for a in r["actions"]:
        click.echo(visible(f"Action #{a['id']} [{a['status']}] {a['title']} (owner {a['owner'] or '-'}, due {a['due'] or '-'})"))


# --- actions -------------------------------------------------------------------------------


@click.command("actions")
@click.option("--contract", "contract_id", help="Only this contract.")
@click.option("--open", "which", flag_value="open", default=True, help="Open actions (default).")
@click.option("--all", "which", flag_value="all", help="Every action, open or closed.")
@click.option("--as-of", help=AS_OF_HELP)
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
@pass_app
def actions_command(app: AppContext, contract_id, which, as_of, as_json) -> None:
    """Action items from reviews and audits; overdue ones are marked."""
    rows = actions_mod.list_actions(app.db, contract_id, None if which == "all" else "open", as_of=_as_of(as_of))
    if as_json:
        _json(rows)
        return
    for r in rows:
        r["overdue"] = "OVERDUE" if r["overdue"] else ""
    _table(rows, ["id", "contract_id", "status", "due", "overdue", "owner", "title"])


@click.group("action")
def action_group() -> None:
    """Add or close an action item."""


@action_group.command("add")
@click.argument("contract_id")
@click.option("--title", required=True)
@click.option("--owner", required=True)
@click.option("--due", required=True, help="Due date (YYYY-MM-DD).")
@click.option("--review", "review_period", help="The review (period) that raised it.")
@click.option("--as-of", help="Date it is raised (default today; also CCC_AS_OF).")
@pass_app
def action_add(app: AppContext, contract_id, title, owner, due, review_period, as_of) -> None:
    """Open an action item."""
    a = actions_mod.add_action(app.db, contract_id, title, owner=owner, due=due, review_period=review_period, raised_on=_as_of(as_of))
    click.echo(visible(f"action #{a['id']} opened for {contract_id}, due {a['due']}"))


@action_group.command("close")
@click.argument("action_id", type=int)
@click.option("--note", required=True, help="How it was closed.")
@click.option("--as-of", help="Date it is closed (default today; also CCC_AS_OF).")
@pass_app
def action_close(app: AppContext, action_id, note, as_of) -> None:
    """Close an action item."""
    a = actions_mod.close_action(app.db, action_id, note, closed_on=_as_of(as_of))
    click.echo(f"action #{a['id']} closed on {a['closed_on']}")


# --- obligations and evidence --------------------------------------------------------------


@click.command("obligations")
@click.option("--contract", "contract_id", help="Only this contract.")
@click.option("--overdue", "only_overdue", is_flag=True, help="Only overdue occurrences.")
@click.option("--as-of", help=AS_OF_HELP)
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
@pass_app
def obligations_command(app: AppContext, contract_id, only_overdue, as_of, as_json) -> None:
    """Every occurrence of the contracts' obligations and data-handling duties, with its state."""
    day = _as_of(as_of)
    if contract_id:
        require_contract(app.db, contract_id)
    rows = [r for cid in ([contract_id] if contract_id else contract_ids(app.db)) for r in obligations_mod.schedule(app.db, cid, day)]
    if only_overdue:
        rows = [r for r in rows if r["state"] == "overdue"]
    if as_json:
        _json(rows)
    else:
        _table(rows, ["contract_id", "obligation_id", "kind", "period", "due", "state", "met_on", "owner"])


@click.group("evidence")
def evidence_group() -> None:
    """Record and retrieve evidence that an obligation or duty was met."""


@evidence_group.command("add")
@click.argument("contract_id")
@click.argument("obligation_id")
@click.option("--date", "on", required=True, help="When the duty was met (YYYY-MM-DD).")
@click.option("--file", "file_path", type=click.Path(dir_okay=False), help="A file, stored by hash with its name.")
@click.option("--note", help="A note (instead of, or with, a file).")
@click.option("--occurrence", help="The due date of the occurrence it proves (default: the earliest unmet one).")
@pass_app
def evidence_add(app: AppContext, contract_id, obligation_id, on, file_path, note, occurrence) -> None:
    """Record evidence for OBLIGATION (an obligation or duty id) of CONTRACT."""
    e = evidence_mod.add_evidence(app.db, contract_id, obligation_id, on=on, file_path=file_path, note=note,
                                  occurrence=occurrence, recorded_on=clock.today())
    what = f"file {e['file_name']} ({e['file_size']} bytes)" if e["file_name"] else "note"
    click.echo(visible(f"evidence #{e['id']}: {what} for {obligation_id} due {e['occurrence']}"))


@evidence_group.command("list")
@click.option("--contract", "contract_id", help="Only this contract.")
@click.option("--obligation", "obligation_id", help="Only this obligation or duty.")
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
@pass_app
def evidence_list(app: AppContext, contract_id, obligation_id, as_json) -> None:
    """Recorded evidence."""
    rows = evidence_mod.list_evidence(app.db, contract_id, obligation_id)
    if as_json:
        _json(rows)
    else:
        _table(rows, ["id", "contract_id", "obligation_id", "occurrence", "date", "file_name", "note"])


@evidence_group.command("show")
@click.argument("evidence_id", type=int)
@pass_app
def evidence_show(app: AppContext, evidence_id) -> None:
    """One evidence record (JSON)."""
    _json(evidence_mod.get_evidence(app.db, evidence_id))


@evidence_group.command("get")
@click.argument("evidence_id", type=int)
@click.option("-o", "--output", required=True, type=click.Path(), help="File (or folder) to write it to.")
@click.option("--parents", is_flag=True, help="Create missing parent folders of the output.")
@pass_app
def evidence_get(app: AppContext, evidence_id, output, parents) -> None:
    """Write an evidence file back out."""
    path = evidence_mod.save_file(app.db, evidence_id, output, parents=parents)
    click.echo(f"wrote {path}")


# --- data-protection incidents ----------------------------------------------------------------

INCIDENT_COLUMNS = ["id", "contract_id", "detected_at", "notify_by", "state", "notified_at", "late_hours", "description"]


@click.command("incidents")
@click.option("--contract", "contract_id", help="Only this contract.")
@click.option("--open", "open_only", is_flag=True, help="Only incidents not yet notified.")
@click.option("--as-of", help=AS_OF_HELP + " Default: now.")
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
@pass_app
def incidents_command(app: AppContext, contract_id, open_only, as_of, as_json) -> None:
    """Data-protection incidents and their notification deadlines: due, overdue, notified."""
    rows = incidents_mod.list_incidents(app.db, contract_id, as_of, open_only=open_only)
    if as_json:
        _json(rows)
    else:
        _table(rows, INCIDENT_COLUMNS)


@click.group("incident")
def incident_group() -> None:
    """Record a data-protection incident or its notification."""


incident_group.add_command(incidents_command, "list")  # (`ccc incident list` is `ccc incidents`)


@incident_group.command("add")
@click.argument("contract_id")
@click.option("--detected-at", required=True, help="When it was detected (YYYY-MM-DDTHH:MM, the contract's time zone "
              "unless an offset is given).")
@click.option("--description", required=True, help="What happened (no personal data).")
@pass_app
def incident_add(app: AppContext, contract_id, detected_at, description) -> None:
    """Record a data-protection incident of CONTRACT; its notification deadline follows from the contract."""
    i = incidents_mod.add_incident(app.db, contract_id, detected_at=detected_at, description=description)
    click.echo(visible(f"incident #{i['id']}: detected {i['detected_at']}, notify by {i['notify_by']} ({i['within']})"))


@incident_group.command("notify")
@click.argument("incident_id", type=int)
@click.option("--on", "on", required=True, help="When it was notified (YYYY-MM-DDTHH:MM or YYYY-MM-DD).")
@click.option("--file", "file_path", type=click.Path(dir_okay=False), help="Proof of the notification, stored by hash.")
@click.option("--note", help="A note (to whom, how).")
@pass_app
def incident_notify(app: AppContext, incident_id, on, file_path, note) -> None:
    """Record that INCIDENT was notified, with its evidence."""
    i = incidents_mod.notify(app.db, incident_id, on=on, note=note, file_path=file_path)
    late = f", {i['late_hours']} h late" if i["late_hours"] else ", on time"
    click.echo(visible(f"incident #{i['id']} notified {i['notified_at']} (deadline {i['notify_by']}{late}); "
                       f"evidence #{i['evidence'][-1]}"))


@incident_group.command("show")
@click.argument("incident_id", type=int)
@click.option("--as-of", help=AS_OF_HELP + " Default: now.")
@pass_app
def incident_show(app: AppContext, incident_id, as_of) -> None:
    """One incident (JSON)."""
    _json(incidents_mod.get_incident(app.db, incident_id, as_of=as_of))


# --- purge ---------------------------------------------------------------------------------


@click.command("purge")
@click.option("--contract", "contract_id", help="The contract whose retention applies.")
@click.option("--due", is_flag=True, help="Every contract in force with a retention: what is due everywhere "
              "(a record another contract still holds is kept). For a nightly job, with --yes.")
@click.option("--as-of", help=AS_OF_HELP)
@click.option("--yes", is_flag=True, help="Really delete (without it: a dry run with counts).")
@click.option("--duty", help="Record the purge as evidence for this data-handling duty.")
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
@pass_app
def purge_command(app: AppContext, contract_id, due, as_of, yes, duty, as_json) -> None:
    """Delete contact records older than the contract's retention (dry run unless --yes)."""
    if bool(contract_id) == bool(due):
        raise click.UsageError("give either --contract ID or --due")
    if due and duty:
        raise click.UsageError("--duty names one contract's duty: use it with --contract")
    day = _as_of(as_of)
    if due:
        reports = [purge_mod.purge(app.db, r["contract_id"], day, dry_run=not yes, report=r)
                   for r in purge_mod.due(app.db, day)]
    else:
        reports = [purge_mod.purge(app.db, contract_id, day, dry_run=not yes, duty=duty)]
    for report in reports:
        report.pop("ids")
    if as_json:
        _json(reports if due else reports[0])
        return
    verb = "deleted" if yes else "would delete"
    if due and not reports:
        click.echo("no contract in force sets a retention: nothing is due")
    for report in reports:
        click.echo(visible(f"{report['contract_id']}: retention {report['retention_days']} days, records before {report['first_kept']} ({report['cutoff']})"))
        for table, n in report["counts"].items():
            kept = report.get("kept", {}).get(table)
            click.echo(f"  {table}: {verb} {n}" + (f" (kept {kept}: another contract still holds them)" if kept else ""))
        if yes:
            click.echo(visible(f"  purge #{report['purge_id']} recorded" + (f"; evidence #{report['evidence_id']} for {duty}" if duty else "")))
    if not yes:
        click.echo("dry run: nothing deleted (add --yes to purge)")


# --- audit ---------------------------------------------------------------------------------


@click.group("audit")
def audit_group() -> None:
    """Audit a CCC against the shipped checklist."""


@audit_group.command("start")
@click.argument("ccc")
@click.option("--contract", "contract_id", help="Audit for this contract only.")
@click.option("--lang", type=click.Choice(audit_mod.LANGS), default="en", show_default=True)
@click.option("--on", "on", help="Audit date (default today; also CCC_AS_OF).")
@click.option("--title")
@pass_app
def audit_start(app: AppContext, ccc, contract_id, lang, on, title) -> None:
    """Open an audit of CCC."""
    a = audit_mod.start_audit(app.db, ccc, contract_id=contract_id, lang=lang, on=on or clock.today(), title=title)
    click.echo(visible(f"audit #{a['id']} of {ccc} started on {a['started_on']}"))


@audit_group.command("answer")
@click.argument("audit_id", type=int)
@click.argument("question_id")
@click.argument("value", metavar="yes|partly|no|na")
@click.option("--comment")
@click.option("--evidence")
@click.option("--as-of", help="Date of the answer (default today; also CCC_AS_OF).")
@pass_app
def audit_answer(app: AppContext, audit_id, question_id, value, comment, evidence, as_of) -> None:
    """Answer one checklist question; `no` and `partly` open action items."""
    r = audit_mod.answer(app.db, audit_id, question_id, value, comment=comment, evidence=evidence, on=_as_of(as_of))
    click.echo(visible(f"{question_id}: {value}"))
    for a in r["actions"]:
        click.echo(visible(f"  action #{a['id']} opened for {a['contract_id']}, due {a['due']}"))


@audit_group.command("close")
@click.argument("audit_id", type=int)
@click.option("--on", "on", help="Closing date (default today; also CCC_AS_OF).")
@pass_app
def audit_close(app: AppContext, audit_id, on) -> None:
    """Close an audit: its answers and score are final; the actions it opened stay open."""
    a = audit_mod.close_audit(app.db, audit_id, on=on or clock.today())
    click.echo(visible(f"audit #{a['id']} of {a['ccc']} closed on {a['closed_on']}"))


@audit_group.command("questions")
@click.option("--lang", type=click.Choice(audit_mod.LANGS), default="en", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
def audit_questions(lang, as_json) -> None:
    """The checklist's questions."""
    rows = audit_mod.questions(lang)
    if as_json:
        _json(rows)
        return
    section = None
    for q in rows:
        if q["section"] != section:
            section = q["section"]
            click.echo(f"\n{q['section_title']}")
        click.echo(f"  {q['id']} (×{q['weight']}) {q['text']}")


@audit_group.command("report")
@click.argument("audit_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "md"]), default="text", show_default=True)
@pass_app
def audit_report(app: AppContext, audit_id, fmt) -> None:
    """An audit's scores by section and overall, and its non-conformities."""
    rep = audit_mod.report(app.db, audit_id)
    if fmt == "json":
        _json(rep)
    else:
        # A report on several lines by design; answers' comments and evidence are the auditor's text.
        click.echo(visible(audit_mod.render(rep, fmt), multiline=True), nl=False)


@audit_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
@pass_app
def audit_list(app: AppContext, as_json) -> None:
    """Every audit with its overall score."""
    rows = audit_mod.list_audits(app.db)
    if as_json:
        _json(rows)
    else:
        _table(rows, ["id", "ccc", "contract_id", "started_on", "lang", "overall_pct"])


# --- status --------------------------------------------------------------------------------


@click.command("status")
@click.argument("contract_id")
@click.option("--as-of", help=AS_OF_HELP)
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
@pass_app
def status_command(app: AppContext, contract_id, as_of, as_json) -> None:
    """Everything that needs attention for one contract."""
    st = status_mod.contract_status(app.db, contract_id, _as_of(as_of))
    if as_json:
        _json(st)
        return
    click.echo(visible(f"{contract_id} as of {st['as_of']}"))
    if st.get("problem"):
        click.echo(visible(f"Problem: {st['problem']} (its reviews, obligations and audits cannot be shown)"))
    nr = st["next_review"]
    click.echo(f"Next review: {nr['period']} {nr['state']} (hold by {nr['hold_by']})" if nr else "Next review: none")
    if st["reviews_overdue"]:
        click.echo(f"Overdue reviews: {', '.join(st['reviews_overdue'])}")
    if st["unsigned_reviews"]:
        click.echo(f"Held, not signed off: {', '.join(st['unsigned_reviews'])}")
    click.echo(f"Open actions: {len(st['open_actions'])} ({sum(a['overdue'] for a in st['open_actions'])} overdue)")
    for a in st["open_actions"]:
        click.echo(visible(f"  #{a['id']} due {a['due'] or '-'}{' OVERDUE' if a['overdue'] else ''}: {a['title']}"))
    click.echo(f"Overdue obligations: {len(st['overdue_obligations'])}")
    for o in st["overdue_obligations"]:
        click.echo(visible(f"  {o['obligation_id']} ({o['kind']}) due {o['due']}"))
    pr = st.get("past_retention")
    if pr:
        held = ", ".join(f"{n} {t}" for t, n in pr["counts"].items() if n)
        click.echo(f"Past retention: {pr['records']} records ({held}), oldest from {pr['oldest']}, due since "
                   f"{pr['due_since']}: run `ccc purge --contract {contract_id}`")
    la = st["last_audit"]
    click.echo(f"Last audit: #{la['id']} on {la['started_on']}, score {la['overall_pct']} %" if la else "Last audit: none")
    click.echo(f"Open breaches: {len(st['open_breaches'])}")
    for b in st["open_breaches"]:
        click.echo(visible(f"  {b['period']} {b['kpi_id']} [{b['status']}]"))
    le = st["last_evaluated"]
    if le:
        counts = ", ".join(f"{n} {s}" for s, n in sorted(le["counts"].items()))
        click.echo(f"Last evaluated period: {le['period']} ({counts})")
    else:
        click.echo("Last evaluated period: none")
