"""`ccc demo`: build a complete demo workspace from `contracts/` and `examples/`.

The demo is a script of the same public commands a user types (see `examples/WALKTHROUGH.md`), run
in-process, so it shows everything the tool does and breaks loudly when any of it breaks.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import attrs
import click

from .errors import CccError, WorkspaceError
from .export.write import default_path, portfolio_path
from .workspace import CONFIG_NAME, init_workspace

#: The date the demo pretends it is: the October 2026 review is due, September's was held late.
DEMO_AS_OF = "2026-11-16"
DEMO_MARKER = ".ccc-demo"


def project_root() -> Path:
    """The source checkout holding `contracts/` and `examples/` (the demo needs a checkout)."""
    here = Path(__file__).resolve()
    for folder in here.parents:
        if (folder / "contracts").is_dir() and (folder / "examples").is_dir():
            return folder
    raise WorkspaceError("the demo needs the project's contracts/ and examples/ folders (run it from a clone)")


@attrs.define
class Step:
    title: str
    args: list[str]
    optional: bool = False  # a step whose files are missing is skipped, not failed
    expect_codes: tuple[int, ...] = (0,)
    quiet: bool = False  # run without printing the command's output


def _month_files(folder: Path) -> list[tuple[str, Path]]:
    """One month's exports in a history folder, in the order they are imported."""
    out: list[tuple[str, Path]] = []
    for source, name in (("asterisk-queue-log", "queue_log"), ("amazon-connect", "ctr.jsonl"),
                         ("genesys-cloud", "genesys.json")):
        if (folder / name).is_file():
            out.append((source, folder / name))
    out += [("zendesk", p) for p in sorted((folder / "zendesk").glob("*.json"))]
    out += [("complaints-csv", p) for p in sorted(folder.glob("complaints*.csv"))]
    out += [("survey-csv", p) for p in sorted(folder.glob("survey*.csv"))]
    out += [("vendor-report", p) for p in sorted((folder / "vendor-report").glob("*.csv"))]
    return out


def demo_imports(ex: Path) -> list[tuple[str, Path]]:
    """Every (source, file) the demo imports, in date order: Asterisk carries calls still open at the
    end of one file into the next, so months go in order. October is the sample month; the other months
    come from `examples/make_history.py`."""
    october = [("asterisk-queue-log", ex / "october-2026" / "queue_log"),
               ("amazon-connect", ex / "october-2026" / "ctr.jsonl"),
               ("genesys-cloud", ex / "october-2026" / "genesys.json")]
    for folder, source in (("zendesk", "zendesk"), ("complaints", "complaints-csv"), ("surveys", "survey-csv"),
                           ("vendor-report", "vendor-report"), ("invoices", "invoice-csv")):
        october += [(source, p) for p in sorted((ex / folder).glob("*"))
                    if p.suffix.lower() in (".csv", ".json", ".jsonl")]
    months = sorted(p for p in (ex / "history").glob("20*") if p.is_dir()) if (ex / "history").is_dir() else []
    out: list[tuple[str, Path]] = []
    for month in (m for m in months if m.name < "2026-10"):
        out += _month_files(month)
    out += october
    for month in (m for m in months if m.name > "2026-10"):
        out += _month_files(month)
    return out


def demo_steps(root: Path, ws: Path) -> list[Step]:
    ex = root / "examples"
    steps: list[Step] = []
    history = sorted((ex / "contract-history").glob("*.toml")) if (ex / "contract-history").is_dir() else []
    for path in history:
        steps.append(Step(f"register an earlier contract version ({path.name})", ["contract", "register", str(path)]))
    steps.append(Step("register the contracts", ["contract", "register", str(ws / "contracts")]))
    steps.append(Step("list contracts", ["contract", "list"]))
    for source, path in demo_imports(ex):
        steps.append(Step(f"import {path.relative_to(ex)} ({source})", ["import", source, str(path)]))
    for period in ("2026-07", "2026-08", "2026-09", "2026-Q3", "2026-10"):
        steps.append(Step(f"evaluate {period}", ["evaluate", "--period", period, "--as-of", DEMO_AS_OF],
                          expect_codes=(0, 3), quiet=period != "2026-10"))
    steps.append(Step("month to date (November)", ["evaluate", "--period", "2026-11", "--as-of", DEMO_AS_OF],
                      expect_codes=(0, 3)))
    return steps


def governance_steps(db_path: Path, ws: Path, as_of: str) -> list[Step]:
    """Past governance, as a vendor manager would have recorded it: every past review held and signed
    (September's helpdesk review late), evidence for every past obligation and duty, except what the
    demo leaves open on purpose: the helpdesk's October review (overdue), its November volume forecast
    (missing) and its Q3 access review (expired)."""
    from datetime import date, timedelta

    from .governance import obligations, reviews
    from .store.db import open_db

    db = open_db(db_path)
    try:
        calendar = reviews.calendar(db, as_of=as_of)
        schedules = {c["contract_id"]: obligations.schedule(db, c["contract_id"], as_of=as_of)
                     for c in {r["contract_id"]: r for r in calendar}.values()}
    finally:
        db.conn.close()
    minutes = ws / "minutes.md"
    minutes.write_text("# Review minutes\n\nKPIs reviewed, actions agreed (demo).\n", encoding="utf-8")
    keep_open = {("acme-utility-helpdesk", "2026-10")}
    steps: list[Step] = []
    today = date.fromisoformat(as_of)
    for row in calendar:
        key = (row["contract_id"], row["period"])
        if row["state"] not in ("overdue", "due", "pre_read_due") or key in keep_open:
            continue
        hold_by = date.fromisoformat(row["hold_by"])
        held = hold_by + timedelta(days=4) if key == ("acme-utility-helpdesk", "2026-09") else hold_by - timedelta(days=1)
        if held > today:
            continue
        steps.append(Step(f"record review {key[0]} {key[1]}", [
            "review", "record", key[0], key[1], "--held-on", held.isoformat(), "--minutes", str(minutes),
            "--attendee", "Vendor manager", "--attendee", "CCC account director",
            "--decision", "Figures accepted as presented"]))
        for party in row["missing_signoffs"]:
            steps.append(Step(f"sign {key[0]} {key[1]} ({party})", [
                "review", "sign", key[0], key[1], "--party", party, "--on", held.isoformat()]))
    leave_missing = {("acme-utility-helpdesk", "volume-forecast", "2026-11"),
                     ("acme-utility-helpdesk", "access-review", "2026-Q3")}
    for contract_id, occurrences in schedules.items():
        for occ in occurrences:
            if occ["state"] != "overdue" or (contract_id, occ["obligation_id"], occ["period"]) in leave_missing:
                continue
            due = date.fromisoformat(occ["due"])
            steps.append(Step(f"evidence {contract_id} {occ['obligation_id']} {occ['period']}", [
                "evidence", "add", contract_id, occ["obligation_id"], "--date", (due - timedelta(days=1)).isoformat(),
                "--occurrence", occ["due"], "--note", f"Sent for {occ['period']} (demo)"]))
    return steps


def closing_steps(ws: Path, as_of: str) -> list[Step]:
    """Act on the results: an exclusion, a breach acknowledged, an action, an audit, and the packs."""
    packs = ws / "packs"
    return [
        Step("declare an outage exclusion", [
            "exclusion", "add", "acme-retail-chat", "--kind", "outage", "--from", "2026-10-14T10:00",
            "--to", "2026-10-14T12:00", "--reason", "Telephony carrier outage", "--evidence", "Carrier incident INC-4471"]),
        Step("re-evaluate October with the exclusion", ["evaluate", "--period", "2026-10", "--as-of", as_of],
             expect_codes=(0, 3)),
        Step("acknowledge the first open breach", ["breach", "ack", "1", "--note",
                                                   "Seen; CCC to present a recovery plan", "--as-of", as_of]),
        Step("add an action", ["action", "add", "acme-utility-helpdesk", "--title", "Recovery plan for ASA",
                               "--owner", "Contact Co", "--due", "2026-11-30", "--review", "2026-09", "--as-of", as_of]),
        Step("start an audit of the CCC", ["audit", "start", "Contact Co", "--on", "2026-11-02", "--lang", "en"]),
        Step("answer audit questions", ["audit", "answer", "1", "quality.owner", "yes", "--as-of", "2026-11-02"]),
        Step("answer audit questions", ["audit", "answer", "1", "quality.kpi-method", "partly", "--comment",
                                        "ASA computed from the platform's own report only", "--as-of", "2026-11-02"]),
        Step("answer audit questions", ["audit", "answer", "1", "quality.monitoring", "yes", "--as-of", "2026-11-02"]),
        Step("answer audit questions", ["audit", "answer", "1", "quality.subcontracting", "no", "--comment",
                                        "Overflow sent to a partner site without written agreement",
                                        "--as-of", "2026-11-02"]),
        Step("check Contact Co's October invoice (one line over-billed: exit 1)", [
            "invoice", "check", "--contract", "acme-utility-helpdesk", "--period", "2026-10"], expect_codes=(1,)),
        Step("pre-read packs that are due", ["export", "due", "--as-of", as_of, "-o", str(packs)]),
        Step("October review pack (HTML)", ["export", "review", "--contract", "acme-utility-helpdesk", "--period",
                                            "2026-10", "--format", "html", "-o", str(packs / default_path("acme-utility-helpdesk", "2026-10", "html")), "--parents",
                                            "--as-of", as_of]),
        Step("October review pack (XLSX)", ["export", "review", "--contract", "acme-utility-helpdesk", "--period",
                                            "2026-10", "--format", "xlsx", "-o", str(packs / default_path("acme-utility-helpdesk", "2026-10", "xlsx")), "--parents",
                                            "--as-of", as_of]),
        Step("portfolio comparison", ["export", "portfolio", "--period", "2026-10", "--format", "md",
                                      "-o", str(packs / portfolio_path("2026-10", "md")), "--parents", "--as-of", as_of]),
    ]


def _run(cli, db: str, steps: list[Step], echo, failures: list[str], *, quiet: bool = False) -> None:
    import contextlib
    import io

    for step in steps:
        if step.optional:
            continue
        silent = quiet or step.quiet
        if not quiet:
            echo(f"── {step.title}")
        sink = io.StringIO()
        try:
            with contextlib.redirect_stdout(sink) if silent else contextlib.nullcontext():
                code = cli.main(args=["--db", db, *step.args], prog_name="ccc", standalone_mode=False)
        except CccError as err:
            code = err.exit_code
            echo(f"error: {err.format()}")
        except SystemExit as exc:  # click's ctx.exit
            code = exc.code
        code = code or 0
        if code not in step.expect_codes:
            failures.append(f"{step.title}: exit {code}")


def run_demo(directory: str | Path, cli: click.Group, *, echo: Callable[[str], None] = print,
             as_of: str = DEMO_AS_OF) -> Path:
    """Build the demo workspace in `directory` (rebuilt from scratch if it is an earlier demo) by
    running its steps with `cli`, the `ccc` command group (`ccc_governance.cli.cli`; passed in, as
    the CLI runs the demo)."""
    root = project_root()
    ws = Path(directory).resolve()
    if ws.exists() and not ws.is_dir():
        raise WorkspaceError(f"{ws} exists and is not a folder: choose an empty or new folder")
    if ws.exists() and any(ws.iterdir()):
        _clear_earlier_demo(ws)
    init_workspace(ws, key="5eed" * 16)
    _write_marker(ws, None)
    for path in sorted((root / "contracts").glob("*.toml")):
        shutil.copy2(path, ws / "contracts" / path.name)
    db = str(ws / "ccc.db")
    failures: list[str] = []
    _run(cli, db, demo_steps(root, ws), echo, failures)
    steps = governance_steps(Path(db), ws, as_of)
    echo(f"── record past governance: {len(steps)} reviews, sign-offs and pieces of evidence")
    _run(cli, db, steps, echo, failures, quiet=True)
    _run(cli, db, closing_steps(ws, as_of), echo, failures)
    if failures:
        raise CccError("the demo could not complete: " + "; ".join(failures))
    _write_marker(ws, _files_under(ws))
    return ws


# --------------------------------------------------------------------------- rebuilding a demo
#
# A demo folder is rebuilt from scratch, but only what ccc made there is removed: the marker lists
# every file the demo wrote, and files ccc wrote later (SQLite's side files, packs listed in a
# `.ccc-pack`) count as ccc's too. Any other file means the folder holds something of the user's,
# and the rebuild is refused without removing anything. A marker without a list (a demo built by an
# earlier version, or one that stopped half-way) is trusted as it always was: it says the folder is
# safe to delete.

SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def _write_marker(ws: Path, files: list[str] | None) -> None:
    data = {"built_by": "ccc demo", "note": "safe to delete; a rebuild removes only the files listed here",
            "files": files}
    (ws / DEMO_MARKER).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def _files_under(ws: Path) -> list[str]:
    """Every file (and symlink) under `ws` as a relative POSIX path, the marker excluded."""
    out = []
    for dirpath, dirnames, filenames in os.walk(ws):
        here = Path(dirpath)
        # A symlink to a folder is an entry of its own, never a folder to go into (or to empty).
        links = [d for d in dirnames if (here / d).is_symlink()]
        dirnames[:] = [d for d in dirnames if d not in links]
        out += [(here / f).relative_to(ws).as_posix() for f in [*filenames, *links]]
    return sorted(f for f in out if f != DEMO_MARKER)


def _ccc_made(ws: Path, listed: list[str]) -> set[str]:
    """The files under `ws` that ccc made: the demo's list, SQLite's side files, packs ccc listed."""
    from .outputs import MARKER, read_marker

    made = set(listed) | {f + side for f in listed for side in SQLITE_SIDE_FILES}
    for rel in [f for f in _files_under(ws) if f.rsplit("/", 1)[-1] == MARKER]:
        folder = rel.rsplit("/", 1)[0] if "/" in rel else ""
        try:
            names = read_marker(ws / rel)
        except CccError:
            continue
        made |= {rel} | {f"{folder}/{n}" if folder else n for n in names}
    return made


def _clear_earlier_demo(ws: Path) -> None:
    """Empty `ws`, a non-empty folder, for a rebuild; refuse (removing nothing) unless it is a demo
    and every file in it was made by ccc."""
    marker = ws / DEMO_MARKER
    if not marker.is_file() or marker.is_symlink():
        raise WorkspaceError(f"{ws} exists and is not a demo workspace: choose an empty or new folder")
    try:
        listed = json.loads(marker.read_text(encoding="utf-8")).get("files")
    except (ValueError, UnicodeDecodeError, AttributeError):
        listed = None  # the plain-text marker of earlier versions
    files = _files_under(ws)
    if isinstance(listed, list):
        extra = sorted(set(files) - _ccc_made(ws, [f for f in listed if isinstance(f, str)]))
        if extra:
            more = f" and {len(extra) - 1} more" if len(extra) > 1 else ""
            raise WorkspaceError(f"{ws} holds files the demo did not make ({extra[0]}{more}): "
                                 "move them away or choose another folder")
    try:
        for rel in files:
            (ws / rel).unlink()
        for dirpath, _dirs, _files in sorted(os.walk(ws), key=lambda w: -len(Path(w[0]).parts)):
            if Path(dirpath) != ws:
                os.rmdir(dirpath)  # empty by now; fails (rather than deletes) if anything appeared meanwhile
        marker.unlink()
    except OSError as err:
        raise WorkspaceError(f"{ws}: cannot clear the earlier demo ({err.strerror}: {err.filename})") from None
