"""What a data-source plugin registers: a `Source`, and the `ReadContext` its reader receives."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import attrs

from .records import Rejected


@attrs.define
class ReadContext:
    """Everything a reader gets besides the file.

    - `path`: the file to read (open it yourself, in binary or text; stream it, never read it whole);
    - `options`: the source's settings: the workspace's `[sources.NAME]` table merged with
      `--option key=value` from the command line (e.g. the csv plugin's `mapping`);
    - `attributes`: contact-attribute names for survey marks, `{"fcr": "fcr", "csat": "csat"}` by
      default, from the workspace's `[attributes]` table;
    - `state`: a JSON-serialisable dict the source keeps between imports (e.g. Asterisk calls still
      open at the end of one file); saved in the same transaction as the batch;
    - `progress(n_bytes)`: optionally call with the bytes read so far, for the progress bar;
    - `workspace_root`: the workspace folder (None without one): resolve relative paths found in
      the workspace's `[sources.NAME]` options against it.
    """

    path: Path
    options: dict[str, Any] = attrs.Factory(dict)
    attributes: dict[str, str] = attrs.Factory(lambda: {"fcr": "fcr", "csat": "csat"})
    state: dict[str, Any] = attrs.Factory(dict)
    progress: Callable[[int], None] = lambda n: None
    workspace_root: Path | None = None

    def resolve_path(self, value: str | Path) -> Path:
        """A path given in `options`: absolute, relative to the current folder if it exists there,
        else relative to the workspace folder (where `[sources.NAME]` paths are written from)."""
        path = Path(value).expanduser()
        if path.is_absolute() or path.exists() or self.workspace_root is None:
            return path
        return Path(self.workspace_root) / path

    def reject(self, line: int | None, reason: str, raw: str | None = None, source_id: str | None = None) -> Rejected:
        """Build a `Rejected` record (yield it) for a row that cannot be read."""
        return Rejected(line=line, reason=reason, raw=raw, source_id=source_id)


Reader = Callable[[ReadContext], Iterable[Any]]


@attrs.define
class Source:
    """A data source a plugin provides: one platform export format.

    - `name`: what users type after `ccc import` (lower-case, dashes: `asterisk-queue-log`);
    - `description`: one line for `ccc plugins`;
    - `patterns`: file-name globs it usually reads (`queue_log*`, `*.jsonl`), for guessing and docs;
    - `kinds`: the record kinds it yields (`contact`, `survey`, `complaint`, `quality`, `interval`,
      `workforce`, `reported`, `invoice_line`; see `ccc_governance.records.KINDS`);
    - `read`: called with a `ReadContext`; yields records and `Rejected` rows, or
      `ccc_governance.blocks.ColumnBlock`s of records. It may raise
      `ccc_governance.errors.SourceError` when the file as a whole cannot be read;
    - `separate_process`: the host may run `read` in a separate *reader process* for big files,
      overlapping reading with writing. Only for a reader that is a module-level function of an
      installed module and that touches nothing but its `ReadContext` and the file (its `state`
      changes are sent back; anything else it changes in its own process is lost).
    """

    name: str
    description: str
    read: Reader
    kinds: tuple[str, ...] = ("contact",)
    patterns: tuple[str, ...] = ()
    separate_process: bool = False
    # Filled in by the host on registration: which plugin registered it, and where it came from.
    plugin: str | None = None
    plugin_version: str | None = None
    origin: str | None = None

    def iter_records(self, context: ReadContext) -> Iterator[Any]:
        yield from self.read(context)
