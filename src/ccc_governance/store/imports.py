"""One file through one source's reader into the store, as one atomic batch: `import_file`.

`import_file` checks the file, refuses one already imported by the same source (it says which
batch), then in ONE transaction opens the batch (`applying.SqliteBatch`), runs the reading side
(`reading.read_source`, in this process or, for a big file, in a reader process: `parallel`)
with the batch as its sink, and closes the batch with the source's new state. Either all of it is
committed or none of it (a crash, a SIGKILL or `--strict` with a bad row leaves the store exactly
as before). The transaction takes the store's write lock as it begins (`store.writelock`): another
writer waits for the commit with a note naming the batch, readers never wait; what another import
may have committed meanwhile (the same file, the source's state) is read inside it.

The file's sha256 is computed before the batch when a file of its size came through the source
already (it may be that file), else in a thread while the file is read. The engine refreshes its
aggregates after the commit when the caller asks it to (`ccc import` does).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from pathlib import Path
from typing import Any, Callable

import attrs

from ..errors import SourceError
from ..plugins import find_source
from ..sources import ReadContext, Source
from . import parallel
from .applying import DEFER_INDEX_BYTES, BatchFile, SqliteBatch, imported_batch, lock_source
from .keyprint import check_key
from .reading import ReadJob, read_source
from .writelock import WriterNotice
from .batches import get_batch, list_batches, list_quarantine, undo_batch  # noqa: F401 - the store's batch API


def file_sha256(path: Path, stop: threading.Event | None = None) -> str:
    """The sha256 of a file, read in 1 MiB blocks (`stop` set: give up, return "")."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            if stop is not None and stop.is_set():
                return ""
            digest.update(block)
    return digest.hexdigest()


class _HashInThread:
    """A file's sha256 computed in a thread while the file is imported (reading a file and
    hashing a block release the GIL, and the importing process mostly waits for rows)."""

    def __init__(self, path: Path):
        self.path = path
        self.stop = threading.Event()
        self.value: str | None = None
        self.error: OSError | None = None
        self.thread = threading.Thread(target=self._run, name="ccc-sha256", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.value = file_sha256(self.path, self.stop)
        except OSError as err:
            self.error = err

    def result(self) -> str:
        self.thread.join()
        if self.error is not None:
            raise SourceError(f"cannot be read: {self.error.strerror or self.error}", file=str(self.path))
        return self.value or ""

    def cancel(self) -> None:
        self.stop.set()


_BLANK = b" \t\r\n\x0b\x0c"


def _is_empty(path: Path, size: int) -> bool:
    """Whether the file holds nothing but blank lines (0 bytes; spaces and line ends, after a
    UTF-8 byte-order mark). Reads only up to the first other byte."""
    if size == 0:
        return True
    with open(path, "rb") as fh:
        block = fh.read(1 << 16)
        if block.startswith(b"\xef\xbb\xbf"):
            block = block[3:]
        while block:
            if block.strip(_BLANK):
                return False
            block = fh.read(1 << 16)
    return True


@attrs.define
class _Import:
    """One import: what `import_file` was asked, and what it learnt of the file so far."""

    db: Any
    workspace: Any
    source: Source
    path: Path
    size: int
    contract_id: str | None
    strict: bool
    options: dict
    progress: Callable[[int, int], None] | None
    reader: parallel.ReaderProcess | None = None
    sha: str = ""
    hashing: _HashInThread | None = None

    def summary(self, **values) -> dict:
        out = {
            "batch_id": None, "status": "imported", "source": self.source.name, "file": str(self.path),
            "imported": 0, "replaced": 0, "duplicates": 0, "older_skipped": 0, "quarantined": 0,
            "records": 0, "rows_per_s": 0.0, "elapsed_s": 0.0, "quarantine": [],
        }
        out.update(values)
        return out

    def hash_now(self) -> None:
        try:
            self.sha = file_sha256(self.path)
        except OSError as err:
            raise SourceError(f"cannot be read: {err.strerror}", file=str(self.path)) from None

    def run(self) -> dict:
        conn, name = self.db.conn, self.source.name
        if imported_batch(conn, name, size=self.size) is None:
            # No file of this size came through this source: it cannot be one imported already,
            # so its sha256 is computed in a thread while it is read (1.5 GB: 0.7 s saved).
            self.hashing = _HashInThread(self.path)
        else:
            self.hash_now()
            done = imported_batch(conn, name, sha256=self.sha)
            if done is not None:
                return self.summary(batch_id=done, status="already_imported")
        try:
            return self.apply()
        finally:
            if self.hashing is not None:
                self.hashing.cancel()

    def apply(self) -> dict:
        db, workspace, source = self.db, self.workspace, self.source
        conn = db.conn
        options = dict(workspace.source_options(source.name)) if workspace is not None else {}
        options.update(self.options)
        with WriterNotice(db) as notice, db.atomic():
            lock_source(conn, source.name)
            started = time.perf_counter()  # (not counting the wait for the lock)
            if workspace is not None:
                check_key(conn, workspace.key, workspace.key_origin)
            # Another import may have committed while this one waited for the lock: the same
            # file (imported already now), or a newer state of the source: read again here.
            if self.hashing is not None and imported_batch(conn, source.name, size=self.size) is not None:
                self.sha, self.hashing = self.hashing.result(), None
            if self.sha:
                done = imported_batch(conn, source.name, sha256=self.sha)
                if done is not None:
                    return self.summary(batch_id=done, status="already_imported")
            key = workspace.key if workspace is not None else b""
            batch = SqliteBatch(conn, BatchFile(
                source=source.name, plugin=source.plugin, plugin_version=source.plugin_version,
                file_name=self.path.name, path=str(self.path.resolve()), sha256=self.sha, size=self.size,
                contract_id=self.contract_id, options=options,
            ), defer_indexes=self.size >= DEFER_INDEX_BYTES and self.reader is None, key=key)
            # (with a reader process the writer waits for rows much of the time: the indexes are
            # kept up to date meanwhile instead of being rebuilt, alone, after the last row)
            batch_id = batch.open()
            notice.announce(f"the import of batch {batch_id} ({self.path.name})")
            progress = (lambda n: self.progress(n, self.size)) if self.progress else None
            context = ReadContext(
                path=self.path, options=options,
                attributes=dict(workspace.attributes) if workspace is not None else {"fcr": "fcr", "csat": "csat"},
                state=json.loads(batch.state_before) if batch.state_before else {},
                progress=progress or (lambda n: None),
                workspace_root=getattr(workspace, "root", None),
            )
            job = ReadJob(source_name=source.name, plugin=source.plugin, batch_id=batch_id,
                          file_name=self.path.name, path=str(self.path),
                          # a reader process leaves the hashing to this one (which has time to
                          # spare while it waits for rows), and never holds the key
                          key=key if self.reader is None else b"", strict=self.strict, fresh=batch.fresh(),
                          hash_customers=self.reader is None)
            if self.reader is not None:
                result = self.reader.read(context, job, batch, progress)
            else:
                result = read_source(source.iter_records, context, job, batch)
            if self.hashing is not None:
                self.sha = self.hashing.result()
            elapsed = time.perf_counter() - started
            batch.close(result, context.state, self.sha, elapsed)
        if self.progress:
            self.progress(self.size, self.size)
        return self.summary(
            **batch.counts, batch_id=batch_id, records=result.records, elapsed_s=round(elapsed, 3),
            rows_per_s=round(result.records / elapsed, 1) if elapsed > 0 else float(result.records),
            quarantine=result.first_quarantined,
        )


def import_file(
    db,
    workspace,
    pm,
    source_name: str,
    path,
    *,
    contract_id: str | None = None,
    strict: bool = False,
    options: dict[str, Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Import one file through source `source_name` as one atomic batch; return its summary.

    The summary has `batch_id, status (imported | already_imported), source, file, imported,
    replaced, duplicates, older_skipped, quarantined, records, rows_per_s, elapsed_s` and
    `quarantine` (the first 10 quarantined rows as `{line, reason}`). `options` are merged over
    the workspace's `[sources.NAME]` table. `progress(done_bytes, total_bytes)` is called as the
    reader reports progress. Raises `SourceError` (file unreadable, or `strict` and a bad row),
    `PluginError` (unknown source, or a reader that fails); nothing is stored then.
    """
    source = find_source(pm, source_name)
    if workspace is not None:  # refused before any work starts; checked again inside the batch
        check_key(db.conn, workspace.key, workspace.key_origin, record=False)
    path = Path(path)
    if not path.is_file():
        raise SourceError("no such file" if not path.exists() else "not a file", file=str(path))
    try:
        size = path.stat().st_size
        empty = _is_empty(path, size)
    except OSError as err:
        raise SourceError(f"cannot be read: {err.strerror}", file=str(path)) from None
    if empty:  # one rule for every source (a reader would read nothing, and a 0-row batch says nothing)
        raise SourceError("the file is empty: nothing imported", file=str(path))
    run = _Import(db, workspace, source, path, size, contract_id, strict, dict(options or {}), progress)
    # A big file is read in a second process (`store.parallel`), started now so that it loads
    # the reader while this one hashes the file and opens the batch.
    if parallel.wanted(source, size):
        run.reader = parallel.ReaderProcess(source)
    try:
        return run.run()
    finally:
        if run.reader is not None:
            run.reader.close()
