"""The `ccc` command line. Each command group lives in its own module and is a thin layer over
functions the TUI and the tests call too.

The modules are loaded lazily: `COMMANDS` maps each command name to where it is defined and its
one-line help, so that `ccc --help` lists every command and `ccc portfolio` runs after loading
only `cli.portfolio` (a test checks the table against the commands themselves). Plugins' commands
(`register_commands` hook) are added when `main` runs and a name is not a built-in command, or
when the list of commands is shown; for the list, `main` lets a record that no installed plugin
has commands stand in for loading them (`plugins.no_commands_remembered`).

Exit codes: 0 success; 1 problems found (`ccc contract validate`); 2 a user error (bad input, no
workspace, unknown name, a mistyped option), always one `error: …` line on stderr; 3 `ccc evaluate`
found a breach.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import sys

import click

from .. import __version__
from ..errors import CccError
from .context import AppContext, pass_app

__all__ = ["cli", "main", "pass_app", "AppContext", "COMMANDS"]


class _OneLine:
    """Mixin for click's errors: shown as one `error: …` line instead of click's usage, hint and
    `Error:` lines (exit code unchanged: 2 for usage errors). `--help` and a bare `ccc` still print
    the help (they are not errors)."""

    where = ""

    def show(self, file=None) -> None:
        from ..textsafe import visible

        click.echo(f"error: {visible(self.where + self.format_message())}", file=file, err=True)


class OneLineUsageError(_OneLine, click.UsageError):
    """A click `UsageError` (unknown option or command, missing or bad value) as one line."""

    def __init__(self, err: click.UsageError) -> None:
        super().__init__(err.message, err.ctx)
        self.exit_code = err.exit_code
        self.text = err.format_message()  # a BadParameter's names the parameter
        # The command it is about, as the user typed it (`ccc export review: Missing option …`).
        self.where = f"{err.ctx.command_path}: " if err.ctx is not None else ""

    def format_message(self) -> str:
        return self.text


class OneLineClickError(_OneLine, click.ClickException):
    """Any other `ClickException` (a plugin command's, say) as one line, with its own exit code."""

    def __init__(self, err: click.ClickException) -> None:
        super().__init__(err.format_message())
        self.exit_code = err.exit_code


def _one_line(err: click.ClickException) -> click.ClickException:
    if isinstance(err, _OneLine) or isinstance(err, getattr(click.exceptions, "NoArgsIsHelpError", ())):
        return err  # already one line, or a group called without a command: click prints its help
    if isinstance(err, click.UsageError):
        return OneLineUsageError(err)
    return OneLineClickError(err)


#: Every built-in command: name -> ("module:attribute", its one-line help as `ccc --help` shows it).
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("ccc_governance.cli.workspace:init_command",
             "Create a workspace (ccc.toml, contracts/ and plugins/ folders) in DIRECTORY."),
    "demo": ("ccc_governance.cli.workspace:demo_command",
             "Build a complete demo workspace in DIRECTORY from contracts/ and examples/, then show it."),
    "contract": ("ccc_governance.cli.contracts:contract_group",
                 "Contracts: validate TOML files, register versions, list, show and compare them."),
    "import": ("ccc_governance.cli.imports:import_command",
               "Import PATH... through SOURCE (see `ccc plugins`), one atomic batch per file."),
    "batches": ("ccc_governance.cli.imports:batches_command", "List every import batch (undone ones too)."),
    "batch": ("ccc_governance.cli.imports:batch_group", "Look at or undo one import batch."),
    "quarantine": ("ccc_governance.cli.imports:quarantine_command",
                   "List quarantined rows (of batch BATCH_ID, or of every batch): file:line: reason."),
    "plugins": ("ccc_governance.cli.imports:plugins_group",
                "List plugins: version, where each came from, and the sources it provides."),
    "evaluate": ("ccc_governance.cli.evaluate:evaluate_command",
                 "Evaluate every KPI of the contracts in force, store the results, breaches and credits."),
    "breaches": ("ccc_governance.cli.evaluate:breaches_command",
                 "List breaches with their status (a breach no longer found is marked, never deleted)."),
    "breach": ("ccc_governance.cli.evaluate:breach_group",
               "Change a breach's status (with a note) or show its history."),
    "exclusion": ("ccc_governance.cli.evaluate:exclusion_group",
                  "Declared exclusion windows (outage, force majeure, ramp-up) with their evidence."),
    "credits": ("ccc_governance.cli.evaluate:credits_command",
                "Service credits and bonuses per contract and month, each with its arithmetic in words."),
    "invoice": ("ccc_governance.cli.invoice:invoice_group",
                "The CCC's invoice checked against the contract's pricing and the volumes in the store."),
    "notifications": ("ccc_governance.cli.notifications:notifications_command",
                      "Breach notifications not yet delivered to every notifier (with --all: every one)."),
    "reviews": ("ccc_governance.cli.governance:reviews_command",
                "The review calendar: every period's review and its state."),
    "review": ("ccc_governance.cli.governance:review_group", "Record a held review, sign it off, or show it."),
    "actions": ("ccc_governance.cli.governance:actions_command",
                "Action items from reviews and audits; overdue ones are marked."),
    "action": ("ccc_governance.cli.governance:action_group", "Add or close an action item."),
    "obligations": ("ccc_governance.cli.governance:obligations_command",
                    "Every occurrence of the contracts' obligations and data-handling duties, with its state."),
    "evidence": ("ccc_governance.cli.governance:evidence_group",
                 "Record and retrieve evidence that an obligation or duty was met."),
    "incidents": ("ccc_governance.cli.governance:incidents_command",
                  "Data-protection incidents and their notification deadlines: due, overdue, notified."),
    "incident": ("ccc_governance.cli.governance:incident_group", "Record a data-protection incident or its notification."),
    "purge": ("ccc_governance.cli.governance:purge_command",
              "Delete contact records older than the contract's retention (dry run unless --yes)."),
    "audit": ("ccc_governance.cli.governance:audit_group", "Audit a CCC against the shipped checklist."),
    "conformity": ("ccc_governance.cli.conformity:conformity_command",
                   "ISO 18295-2 readiness per contract: each client duty met, partly or missing, with evidence."),
    "metrics": ("ccc_governance.cli.conformity:metrics_command",
                "The metric catalogue: title, area, unit, direction and ISO 18295 references."),
    "status": ("ccc_governance.cli.governance:status_command", "Everything that needs attention for one contract."),
    "portfolio": ("ccc_governance.cli.portfolio:portfolio_command",
                  "Every contract, worst first: last closed period, open breaches, credits, next review, "
                  "overdue duties."),
    "export": ("ccc_governance.cli.export:export_group",
               "Review packs (Markdown, HTML, XLSX, CSV, JSON), the portfolio view, pre-read packs."),
    "tui": ("ccc_governance.cli.tui:tui_command",
            "Portfolio, contracts, KPI drill-down, breaches and reviews in the terminal."),
    "store": ("ccc_governance.cli.store:store_group",
              "The store: SQLite file or shared PostgreSQL database (init, status, roles, copy)."),
    "log": ("ccc_governance.cli.log:log_group",
            "The change log: who changed what and when (filters, --json); `ccc log verify` checks its chain."),
}


class CccGroup(click.Group):
    """A click group that turns every `CccError` into one line on stderr and its exit code, and
    click's own errors (usage, bad parameter) into one `error: …` line too.

    Commands named in `lazy` (name -> ("module:attribute", one-line help)) are imported when first
    asked for; the help lists them from the table. A lazy command wins over one of the same name
    added with `add_command`. With `plugin_commands` set, plugins' commands are added once, when a
    name is neither lazy nor added already, or when the commands are listed; with `plugin_record` set
    too, listing them trusts a record that no plugin has commands (`add_plugin_commands`).
    """

    def __init__(self, *args, lazy: dict[str, tuple[str, str]] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})
        self.plugin_commands = False
        self.plugin_record = False
        self._loaded: dict[str, click.Command] = {}

    def _add_plugin_commands(self, *, listing: bool = False) -> None:
        if self.plugin_commands:
            self.plugin_commands = False  # once
            add_plugin_commands(self, record=listing and self.plugin_record)

    def _load(self, name: str) -> click.Command:
        if name not in self._loaded:
            module, _, attr = self.lazy[name][0].partition(":")
            self._loaded[name] = getattr(importlib.import_module(module), attr)
        return self._loaded[name]

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._add_plugin_commands(listing=True)
        return sorted(set(self.commands) | set(self.lazy))

    def resolve_command(self, ctx: click.Context, args: list[str]):
        try:
            return super().resolve_command(ctx, args)
        finally:
            _resume_gc()  # the command is loaded: the start-up is over (see `main`)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            return self._load(cmd_name)
        if cmd_name not in self.commands:
            self._add_plugin_commands()
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """click's list of commands, with a lazy command not loaded yet shown by its one-line help
        from the table (a stand-in command with that help, shortened as click does)."""
        commands = []
        for name in self.list_commands(ctx):
            if name in self.lazy and name not in self._loaded:
                cmd = click.Command(name, help=self.lazy[name][1])
            else:
                cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                commands.append((name, cmd))
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _ in commands)
            with formatter.section("Commands"):
                formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in commands])

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        # Options of `ccc` itself are parsed here, before `invoke`.
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.ClickException as err:
            one = _one_line(err)
            if one is err:
                raise
            raise one from None

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except CccError as err:
            from ..textsafe import visible

            click.echo(f"error: {visible(err.format())}", err=True)
            ctx.exit(err.exit_code)
        except click.ClickException as err:  # subcommands' parsing and callbacks
            one = _one_line(err)
            if one is err:
                raise
            raise one from None
        except Exception as err:
            from ..textsafe import visible

            pg = _postgres_error(err)
            if pg is not None:
                click.echo(f"error: {visible(pg.format())}", err=True)
                ctx.exit(pg.exit_code)
            if not _database_locked(err):
                raise
            from ..store.writelock import locked_error  # "database is locked" that escaped the wait: one line

            conn = getattr(getattr(ctx.obj, "_db", None), "conn", None)
            click.echo(f"error: {visible(locked_error(getattr(conn, 'ccc_path', None)).format())}", err=True)
            ctx.exit(2)


def _postgres_error(err: Exception):
    """A PostgreSQL error said in one line (`store.postgres.one_line`), or None for any other error."""
    if "psycopg" not in sys.modules:
        return None
    from ..store.postgres import one_line

    return one_line(err)


def _database_locked(err: Exception) -> bool:
    """Whether `err` is SQLite's "database is locked" (not imported here: if sqlite3 is not loaded, it is not)."""
    sqlite3 = sys.modules.get("sqlite3")
    if sqlite3 is None or not isinstance(err, sqlite3.OperationalError):
        return False
    from ..store.writelock import is_busy

    return is_busy(err)


@click.group(cls=CccGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="ccc")
@click.option(
    "--db",
    "db_path",
    envvar="CCC_DB",
    type=click.Path(dir_okay=False),
    help="The store: a SQLite file's path or a PostgreSQL URL / service=NAME (overrides ccc.toml; also CCC_DB).",
)
@click.option(
    "--actor",
    metavar="NAME",
    help="Who is making the changes, recorded with each one (also CCC_ACTOR; default: the login name).",
)
@click.pass_context
def cli(ctx: click.Context, db_path: str | None, actor: str | None) -> None:
    """ccc-governance: govern outsourced customer contact (ISO 18295-2) from the client's side.

    Contracts are TOML files; data comes in through platform plugins; the engine turns it into
    KPI results, breaches and service credits per contract and period.
    """
    ctx.obj = AppContext(db_override=db_path)
    ctx.call_on_close(ctx.obj.close)  # (the store is closed when the command ends, not left to the exit)
    if actor is not None:
        from .context import declare_actor

        declare_actor(ctx, actor)


def add_plugin_commands(group: click.Group = cli, *, record: bool = False) -> None:
    """Let installed plugins add commands to `group` (`register_commands` hook).

    Only entry-point plugins can add commands: the workspace is not known yet. A plugin whose hook
    fails gives one warning line and the tool goes on; a command named like a built-in one is
    ignored with a warning (the built-in one runs). With `record`, a record that no plugin has
    commands (still true: `plugins.no_commands_remembered`) stands in for loading the plugins, and
    loading them writes one when it is so (`plugins.remember_no_commands`).
    """
    from .. import plugins
    from ..textsafe import visible

    if record and plugins.no_commands_remembered():
        return
    snapshot = plugins.commands_snapshot() if record else None
    fault_text, warn = plugins.fault_text, plugins.warn
    try:
        pm = plugins.get_plugin_manager(None)
    except CccError as err:
        warn(err.format())
        return
    built_in = getattr(group, "lazy", {})
    for impl in pm.hook.register_commands.get_hookimpls():
        before = dict(group.commands)
        try:
            impl.function(cli=group)
        except (Exception, SystemExit) as err:  # a broken plugin must not make the whole CLI unusable
            warn(visible(f"plugin {impl.plugin_name!r} could not add its commands: {fault_text(err)}"))
        for name, command in list(group.commands.items()):
            if name in built_in and before.get(name) is not command:
                del group.commands[name]
                warn(visible(f"plugin {impl.plugin_name!r}: its command {name!r} is ignored: "
                             "a built-in command has that name"))
    if snapshot is not None:
        plugins.remember_no_commands(pm, snapshot)


def _defer_dateutil_parser() -> None:
    """sqlite-utils imports `dateutil.parser` (and with it `dateutil.tz`: some 15 ms of every command
    that opens the store) for its `convert` recipes, which ccc never runs: in the `ccc` process it is
    a lazy module instead, loaded when first used (`importlib.util.LazyLoader`)."""
    if "dateutil.parser" in sys.modules:
        return
    import importlib.util

    try:
        spec = importlib.util.find_spec("dateutil.parser")
    except (ImportError, ValueError):
        return
    if spec is None or spec.loader is None:
        return
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    setattr(sys.modules["dateutil"], "parser", module)  # as an import of the submodule would


#: Whether `main` paused the cyclic garbage collector for the start-up.
_gc_paused = False


def _resume_gc() -> None:
    global _gc_paused
    if _gc_paused:
        _gc_paused = False
        gc.enable()


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: plugins' commands are added when first needed (for the list of
    commands, a record that no plugin has any does instead).

    The cyclic garbage collector is paused until the command is loaded: the start-up's imports make
    objects that live as long as the process, which it would otherwise scan again and again for
    nothing (~17 ms of `ccc portfolio`'s CPU; `ccc tui` pauses it again until its first screen).
    At the interpreter's exit, once the other `atexit` hooks have run, what is left is frozen
    (`gc.freeze`), so that it is freed without a last full collection (~35 ms after a 24-month
    evaluation); a caller in the same process (a test) is not affected before then. Nothing relies
    on that collection: files and the store are closed by the commands themselves (`with`, the root
    context), and `weakref.finalize`/`atexit` hooks still run.
    """
    global _gc_paused
    atexit.unregister(gc.freeze)  # (once, however often `main` runs)
    atexit.register(gc.freeze)  # registered first: runs after the hooks registered later
    if gc.isenabled():
        gc.disable()
        _gc_paused = True
    _defer_dateutil_parser()
    cli.plugin_commands = True
    cli.plugin_record = True
    try:
        cli.main(args=argv, prog_name="ccc", standalone_mode=True)
    except CccError as err:  # raised outside command invocation (e.g. while building context)
        from ..textsafe import visible

        click.echo(f"error: {visible(err.format())}", err=True)
        sys.exit(err.exit_code)
    finally:
        _resume_gc()
