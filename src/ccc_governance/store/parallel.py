"""Reading a big file in a second process while this one writes to the store.

On a big file the reading side of an import (`reading.read_source`: the plugin's reader, the
record checks, customer keys) and the applying side (repeats, SQLite inserts) each take about
half the time. With two cores they can overlap: a *reader process* runs `read_source` and sends
its `Unit`s (a chunk of `reading.CHUNK` rows at a time, pickled) and quarantined rows through a
pipe, as the messages below; the importing process keeps the ONE transaction of the batch and
applies them (`applying.SqliteBatch`). Nothing else changes: the counters, quarantine,
upsert rules, `--strict` and the source's `state` are those of the in-process import.

Safety:
- the reader process never opens the database and never holds the pseudonymisation key (it gets
  the file and the reader's options; it sends checked rows whose customer identifiers the
  importing process hashes, `Unit.raw_customers`, over this private pipe; it writes nothing): a
  SIGKILL of the importing process mid-import still leaves the store exactly as before, and the
  reader process dies with it
  (`PR_SET_PDEATHSIG`, and a broken pipe on its next send);
- it is started with `subprocess` (a fresh interpreter: safe in a process that has threads, the
  TUI's workers), never `fork`;
- only sources that say their reader may run elsewhere are taken (`Source.separate_process`:
  the csv and platform plugins'), for files of at least `MIN_BYTES`; a reader process that cannot start
  (the reader cannot be imported there) falls back to reading in process; an error in the
  reader process is raised here as the same `CccError` with the same message;
- it is started before the file is hashed (`ReaderProcess`), so that it loads the reader's
  module meanwhile; when the file turns out to be imported already it is simply ended.

On by default for files of `MIN_BYTES` or more on a machine with 2 cores or more;
`CCC_IMPORT_PROCESS=0` reads in process whatever the file, `=always` uses the reader process
whatever the file size (tests). Measured (bench/RESULTS.md, "Import"): 1M contacts through the
csv plugin in 4.9 s instead of 8.5 s in process; the two processes together peak at ~73 MB.
While it waits for rows the importing process keeps the table's indexes up to date, instead of
rebuilding them alone after the last row (`applying.SqliteBatch`).
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import json
import os
import pickle
import subprocess
import sys
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Callable

import attrs

from ..errors import CccError, PluginError
from .reading import ReadResult, Sink, Unit, read_source

#: Smaller files are read in process (starting the reader process costs ~0.15 s).
MIN_BYTES = 4_000_000

_CHILD = "from ccc_governance.store.parallel import _child_main; _child_main()"


def wanted(source, size: int) -> bool:
    """Whether to read this source's file in a reader process."""
    flag = os.environ.get("CCC_IMPORT_PROCESS", "").strip().lower()
    if flag in ("0", "off", "no", "false") or os.name != "posix":  # pass_fds: POSIX only
        return False
    if not source.separate_process:
        return False
    if flag != "always" and (size < MIN_BYTES or (os.cpu_count() or 1) < 2):
        return False
    return _importable(source.read)


def _importable(fn) -> bool:
    """The reader can be found by name in a new interpreter (a module on sys.path, not a file
    loaded from the workspace's plugins folder)."""
    module = getattr(fn, "__module__", None)
    if not module or module == "__main__":
        return False
    try:
        if pickle.loads(pickle.dumps(fn)) is not fn:
            return False
        spec = importlib.util.find_spec(module)
    except Exception:  # noqa: BLE001 - anything odd: read in process
        return False
    return spec is not None and spec.origin is not None and getattr(sys.modules.get(module), "__file__", None) == spec.origin \
        and importlib.machinery.PathFinder.find_spec(module.split(".")[0], sys.path) is not None


@attrs.define
class _Quarantine:
    rows: list


@attrs.define
class _Progress:
    done_bytes: int


@attrs.define
class _Done:
    result: ReadResult
    state: dict


@attrs.define
class _Failed:
    """A `CccError` in the reader process (`module`/`qualname` of its class, when it is one)."""

    module: str | None
    qualname: str | None
    message: str
    file: str | None
    line: int | None


@attrs.define
class _CannotStart:
    """The reader could not be loaded in the reader process: the importing process reads."""

    why: str


class ReaderProcess:
    """A reader process for one import, started early: the new interpreter loads the reader's
    module while the importing process hashes the file and opens the batch; `read` then sends it
    the job. `close()` always (it ends the process if it is still there)."""

    def __init__(self, source):
        self.source = source
        self.proc = None
        self.conn = None
        r, w = os.pipe()
        _widen(w)
        self.fd = w
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _CHILD, getattr(source.read, "__module__", ""), json.dumps(sys.path)],
                stdin=subprocess.PIPE, pass_fds=(w,),
            )
        except OSError:
            os.close(r)
        else:
            self.conn = Connection(r, writable=False)
        finally:
            os.close(w)

    def read(self, context, job, sink: Sink, progress: Callable[[int], None] | None) -> ReadResult:
        """`reading.read_source(source.iter_records, context, job, sink)` run in the reader process.

        Same result and same exceptions; `context.state` is updated in place with the reader's
        final state. Reads in this process when the reader process could not start or load the reader.
        """
        if self.proc is None:
            return read_source(self.source.iter_records, context, job, sink)
        setup = {
            "parent": os.getpid(),
            "sys_path": list(sys.path),
            "read": pickle.dumps(self.source.read),
            "context": {
                "path": str(context.path), "options": context.options, "attributes": context.attributes,
                "state": context.state,
                "workspace_root": None if context.workspace_root is None else str(context.workspace_root),
            },
            "job": job,
            "fd": self.fd,
        }
        try:
            self.proc.stdin.write(pickle.dumps(setup, protocol=pickle.HIGHEST_PROTOCOL))
            self.proc.stdin.close()
        except OSError:  # it is gone already: read here
            return read_source(self.source.iter_records, context, job, sink)
        conn = self.conn
        while True:
            try:
                data = conn.recv_bytes()
            except EOFError:
                code = self.proc.wait()
                raise PluginError(
                    f"source {job.source_name!r} (plugin {job.plugin}): the reader process ended unexpectedly "
                    f"(exit code {code})", file=job.path,
                ) from None
            msg = pickle.loads(data)
            if type(msg) is Unit:
                sink.unit(msg)
            elif type(msg) is _Quarantine:
                sink.quarantine(msg.rows)
            elif type(msg) is _Progress:
                if progress is not None:
                    progress(msg.done_bytes)
            elif type(msg) is _Done:
                context.state.clear()
                context.state.update(msg.state)
                return msg.result
            elif type(msg) is _Failed:
                raise _rebuild(msg)
            elif type(msg) is _CannotStart:  # the reader could not be loaded there: read here instead
                return read_source(self.source.iter_records, context, job, sink)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        if self.proc is not None:
            if self.proc.stdin and not self.proc.stdin.closed:
                try:
                    self.proc.stdin.close()
                except OSError:
                    pass
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _widen(fd: int) -> None:
    """Let the reader process run a few units ahead (Linux: a 1 MiB pipe instead of 64 KiB, so
    that it does not wait for every unit to be applied before it goes on)."""
    try:
        import fcntl

        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except (ImportError, OSError):
        pass


def _rebuild(failed: _Failed) -> CccError:
    module, qualname, message, file, line = failed.module, failed.qualname, failed.message, failed.file, failed.line
    cls = None
    if module and qualname:
        try:
            cls = getattr(importlib.import_module(module), qualname)
        except Exception:  # noqa: BLE001
            cls = None
    if not (isinstance(cls, type) and issubclass(cls, CccError)):
        cls = PluginError
    try:
        return cls(message, file=file, line=line)
    except Exception:  # noqa: BLE001 - a subclass with another signature
        return PluginError(message, file=file, line=line)


def _die_with_parent(parent: int) -> None:
    """SIGKILL this process when the importing process dies (Linux), and exit now if it has."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - not Linux: the broken pipe ends it
        pass
    if os.getppid() != parent:
        os._exit(1)


class _PipeSink:
    """The reading side's sink in the reader process: each unit and quarantine chunk, pickled."""

    def __init__(self, send):
        self.send = send

    def unit(self, unit: Unit) -> None:
        self.send(unit)

    def quarantine(self, rows) -> None:
        self.send(_Quarantine(list(rows)))


def _child_main() -> None:
    """The reader process: load the reader's module (argv[1]) while the importing process gets
    ready, read the setup on stdin, run `read_source`, send what it emits."""
    import signal

    # Ctrl-C in a terminal reaches both processes: the importing one stops the import (and
    # ends this one); here it would only print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(os.getppid())
    try:
        if len(sys.argv) > 2:
            sys.path[:] = json.loads(sys.argv[2])
        if sys.argv[1:2] and sys.argv[1]:
            importlib.import_module(sys.argv[1])
    except Exception:  # noqa: BLE001 - the setup below says what is wrong
        pass
    data = sys.stdin.buffer.read()
    if not data:  # the import did not need it (the file was imported already …)
        return
    setup = pickle.loads(data)
    _die_with_parent(setup["parent"])
    conn = Connection(setup["fd"], readable=False)
    dumps = pickle.dumps

    def send(msg) -> None:
        conn.send_bytes(dumps(msg, protocol=5))

    try:
        try:
            sys.path[:] = setup["sys_path"]
            from ..sources import ReadContext

            read = pickle.loads(setup["read"])
            c = setup["context"]
            context = ReadContext(
                path=Path(c["path"]), options=c["options"], attributes=c["attributes"], state=c["state"],
                progress=lambda n: send(_Progress(n)),
                workspace_root=None if c["workspace_root"] is None else Path(c["workspace_root"]),
            )
            job = setup["job"]
        except Exception as err:  # noqa: BLE001 - the importing process reads the file itself
            send(_CannotStart(f"{type(err).__name__}: {err}"))
            return
        import gc

        gc.disable()  # rows are plain tuples (no cycles); memory stays flat, a chunk at a time
        try:
            result = read_source(lambda ctx: read(ctx), context, job, _PipeSink(send))
        except CccError as err:
            send(_Failed(type(err).__module__, type(err).__qualname__, err.message, err.file, err.line))
            return
        except (BrokenPipeError, ConnectionError):
            raise
        except Exception as err:  # noqa: BLE001 - a bug here: one line, and nothing is stored
            send(_Failed(None, None, f"source {job.source_name!r} (plugin {job.plugin}) failed in the reader "
                         f"process: {type(err).__name__}: {err}", job.path, None))
            return
        send(_Done(result, context.state))
    except (BrokenPipeError, ConnectionError):  # the importing process is gone
        os._exit(1)
    finally:
        try:
            conn.close()
        except OSError:
            pass
