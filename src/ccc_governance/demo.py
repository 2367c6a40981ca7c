"""`ccc demo`: build a complete demo workspace from `contracts/` and `examples/`.

The demo is a script of the same public commands a user types (see `examples/WALKTHROUGH.md`), run
in-process, so it shows everything the tool does and breaks loudly when any of it breaks.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import attrs

from .errors import CccError, WorkspaceError
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


def demo_steps(root: Path, ws: Path) -> list[Step]:
    ex = root / "examples"
    steps: list[Step] = []
    history = sorted((ex / "contract-history").glob("*.toml")) if (ex / "contract-history").is_dir() else []
    for path in history:
        steps.append(Step(f"register an earlier contract version ({path.name})", ["contract", "register", str(path)]))
    steps.append(Step("register the contracts", ["contract", "register", str(ws / "contracts")]))
    steps.append(Step("list contracts", ["contract", "list"]))
    imports = [
        ("asterisk-queue-log", ex / "october-2026" / "queue_log"),
        ("amazon-connect", ex / "october-2026" / "ctr.jsonl"),
        ("genesys-cloud", ex / "october-2026" / "genesys.json"),
    ]
    for folder, source in (("zendesk", "zendesk"), ("complaints", "complaints-csv"), ("surveys", "survey-csv"),
                           ("vendor-report", "vendor-report")):
        for path in sorted((ex / folder).glob("*")) if (ex / folder).is_dir() else []:
            if path.suffix.lower() in (".csv", ".json", ".jsonl") :
                imports.append((source, path))
    for source, path in imports:
        steps.append(Step(f"import {path.name} ({source})", ["import", source, str(path)], optional=not path.exists()))
    steps.append(Step("evaluate September and October 2026", ["evaluate", "--period", "2026-09", "--as-of", DEMO_AS_OF],
                      expect_codes=(0, 3)))
    steps.append(Step("evaluate October 2026", ["evaluate", "--period", "2026-10", "--as-of", DEMO_AS_OF],
                      expect_codes=(0, 3)))
    steps.append(Step("month to date (November)", ["evaluate", "--period", "2026-11", "--as-of", DEMO_AS_OF],
                      expect_codes=(0, 3)))
    return steps


def run_demo(directory: str | Path, *, echo: Callable[[str], None] = print, as_of: str = DEMO_AS_OF) -> Path:
    """Build the demo workspace in `directory` (rebuilt from scratch if it is an earlier demo)."""
    from .cli import cli  # late import: the CLI imports this module

    root = project_root()
    ws = Path(directory).resolve()
    if ws.exists() and any(ws.iterdir()):
        if not (ws / DEMO_MARKER).exists():
            raise WorkspaceError(f"{ws} exists and is not a demo workspace: choose an empty or new folder")
        shutil.rmtree(ws)
    init_workspace(ws, key="5eed" * 16)
    (ws / DEMO_MARKER).write_text("built by `ccc demo`; safe to delete\n", encoding="utf-8")
    for path in sorted((root / "contracts").glob("*.toml")):
        shutil.copy2(path, ws / "contracts" / path.name)
    db = str(ws / "ccc.db")
    failures = []
    for step in demo_steps(root, ws):
        if step.optional:
            continue
        echo(f"── {step.title}")
        try:
            code = cli.main(args=["--db", db, *step.args], prog_name="ccc", standalone_mode=False)
        except CccError as err:
            code = err.exit_code
            echo(f"error: {err.format()}")
        except SystemExit as exc:  # click's ctx.exit
            code = exc.code
        code = code or 0
        if code not in step.expect_codes:
            failures.append(f"{step.title}: exit {code}")
    if failures:
        raise CccError("the demo could not complete: " + "; ".join(failures))
    return ws
