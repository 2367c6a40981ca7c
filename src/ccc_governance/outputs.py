"""Where and how ccc writes an output the user named (`-o PATH`): packs, exports, evidence files.

Every writer of user-named output goes through this module, so they all behave alike:

- A file is written beside its final name (a temporary `.NAME.XXXX.tmp` in the same folder) and then
  renamed over it: an interrupted write never leaves a half-written file, and re-exporting the same
  pack simply replaces it. The temporary file is created with mode `0o666` and the kernel applies the
  user's umask, so the final file has the mode any other program would give it (0644 under umask 022).
- A symlink is written through: the file it points to is replaced, the link stays. Only a regular
  file (or a new path) is ever replaced; a folder, device, named pipe or socket is refused.
- A missing parent folder is refused, unless the caller asked for it (`--parents`).
- A folder ccc fills with names it chooses itself (a CSV pack, an `--all` folder, `packs/` of
  `export due`) carries a marker, `.ccc-pack`, listing the entries ccc wrote there. Only those are
  ever replaced or removed: a file the user put there with the same name is refused, never replaced.
  A strict folder (a CSV pack, `--all`) must be new, empty or already marked; a collection folder
  (`export due`, the TUI's packs) may hold other files, which are left alone.

Nothing here ever removes a folder tree.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
from collections.abc import Iterable
from pathlib import Path

from .errors import CccError

MARKER = ".ccc-pack"
MARKER_SCHEMA = "ccc-pack/1"


class OutputError(CccError):
    """An output path that ccc must not (or cannot) write: a device, a missing folder, a foreign file."""


class ForeignEntryError(OutputError):
    """A name ccc wants to write in a marked folder is taken by something ccc did not write there."""


def _kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a named pipe (fifo)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def ensure_folder(folder: Path, shown: str, parents: bool, *, create: bool = True, label: Path | None = None) -> None:
    """Make sure `folder` exists (errors name `shown`, the path the user gave, and `label`, the folder
    as the user wrote it). A missing one is an error unless `parents`; then it is created (with its
    own missing parents) when `create`, else only checked."""
    label = label if label is not None else folder
    try:
        st = os.stat(folder)
    except FileNotFoundError:
        if not parents:
            raise OutputError(f"folder {label} does not exist; create it first or pass --parents", file=shown) from None
        if create:
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise OutputError(f"cannot create folder {label} ({err.strerror})", file=shown) from None
        return
    except OSError as err:
        raise OutputError(f"cannot reach folder {label} ({err.strerror})", file=shown) from None
    if not stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{label} is not a folder", file=shown)


def file_target(path: str | Path, *, parents: bool = False, create: bool = True) -> Path:
    """The regular file that writing to `path` replaces or creates: `path` itself, or the file its
    symlink(s) point to. Raises `OutputError` for a folder, device, fifo or socket there, and for a
    missing parent folder unless `parents` (then created, unless `create` is false: a check only)."""
    shown = str(path)
    real = Path(os.path.realpath(path))
    try:
        st = os.stat(real)
    except FileNotFoundError:
        st = None
    except OSError as err:  # a symlink loop, a path through a file …
        raise OutputError(f"cannot be written ({err.strerror})", file=shown) from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        what = _kind(st.st_mode)
        raise OutputError(f"is {what}, not a regular file; choose another path", file=shown)
    if st is None:
        # Name the folder as the user wrote it, unless a symlink led elsewhere.
        label = real.parent if os.path.islink(path) else Path(path).parent
        ensure_folder(real.parent, shown, parents, create=create, label=label)
    return real


def write_file(path: str | Path, data: bytes | str, *, parents: bool = False) -> Path:
    """Write `data` (text as UTF-8) to `path` atomically, following symlinks, with the umask's mode.
    Returns `path` as given."""
    real = file_target(path, parents=parents)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        tmp, fd = _create_temp(real)
    except OSError as err:
        raise OutputError(f"cannot be written ({err.strerror})", file=str(path)) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, real)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot be written ({err.strerror})", file=str(path)) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return Path(path)


def _create_temp(real: Path) -> tuple[Path, int]:
    """A new temporary file beside `real`. Created with 0o666 so that the umask, not us, sets its
    mode (`tempfile.mkstemp` would make every pack 0600)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    while True:
        tmp = real.parent / f".{real.name[:200]}.{secrets.token_hex(4)}.tmp"
        try:
            return tmp, os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue


# --------------------------------------------------------------------------- marked folders


class PackFolder:
    """A folder ccc fills with entries it names itself, listed in its `.ccc-pack` marker.

    `strict`: the folder must be new, empty or already marked (a CSV pack, an `--all` folder); else
    it may hold the user's other files (the `export due` folder). Creating the folder (and its
    marker) waits for the first `claim`, so a run that writes nothing leaves nothing behind.
    """

    def __init__(self, path: str | Path, *, strict: bool = True, parents: bool = False):
        self.path = Path(path)
        self.shown = str(path)
        self.parents = parents
        self.listed: set[str] = set()
        # A symlink to a folder is used as that folder (and a dangling one creates its target).
        self.real = Path(os.path.realpath(self.path))
        try:
            st = os.stat(self.real)
        except FileNotFoundError:
            st = None
        except OSError as err:
            raise OutputError(f"cannot be used as a folder ({err.strerror})", file=self.shown) from None
        self.exists = st is not None
        if st is None:
            # Checked now so that nothing is computed for an export that cannot be written.
            ensure_folder(self.real.parent, self.shown, parents, create=False, label=self._parent_label())
            return
        if not stat.S_ISDIR(st.st_mode):
            raise OutputError(f"is {_kind(st.st_mode) if not stat.S_ISREG(st.st_mode) else 'a file'}, "
                              "not a folder; choose another path", file=self.shown)
        marker = self.path / MARKER
        if os.path.lexists(marker):
            self.listed = read_marker(marker)
        elif strict and any(os.scandir(self.path)):
            raise OutputError("exists and holds files that are not a ccc pack; choose another folder", file=self.shown)

    def _parent_label(self) -> Path:
        return self.real.parent if os.path.islink(self.path) else self.path.parent

    def check(self, *names: str) -> None:
        """Refuse a name that is not a plain file name, or that an entry the marker does not list
        already takes (`ForeignEntryError`)."""
        for name in names:
            if not _plain_name(name):
                raise OutputError(f"{name!r} is not a plain file name", file=self.shown)
            if self.exists and os.path.lexists(self.path / name) and name not in self.listed:
                raise ForeignEntryError("exists and was not written by ccc; move it away or choose another folder",
                                        file=str(self.path / name))

    def claim(self, names: Iterable[str]) -> list[Path]:
        """Reserve `names` in the folder (created if new) and return their paths. Refuses, before
        anything is written, a name taken by an entry the marker does not list."""
        names = list(names)
        self.check(*names)
        if not self.exists:
            ensure_folder(self.real.parent, self.shown, self.parents, label=self._parent_label())
            try:
                self.real.mkdir(exist_ok=True)
            except OSError as err:
                raise OutputError(f"cannot create the folder ({err.strerror})", file=self.shown) from None
            self.exists = True
        # The marker lists a name before its file is written, so an interrupted export leaves
        # nothing in the folder that ccc would later refuse to replace.
        if not set(names) <= self.listed:
            self.listed |= set(names)
            self._save()
        return [self.path / name for name in names]

    def finish(self, keep: Iterable[str]) -> None:
        """The folder now holds exactly `keep` of ccc's entries: remove the other listed *files*
        (an earlier pack's extra sections) and list only `keep`. Entries that are no longer regular
        files (the user replaced one by a link or a folder) are left as they are."""
        keep = set(keep)
        for name in sorted(self.listed - keep):
            entry = self.path / name
            try:
                if stat.S_ISREG(os.lstat(entry).st_mode):
                    entry.unlink()
            except FileNotFoundError:
                pass
            except OSError as err:
                raise OutputError(f"cannot remove an earlier pack's file ({err.strerror})", file=str(entry)) from None
        self.listed = keep
        self._save()

    def _save(self) -> None:
        text = json.dumps({"schema": MARKER_SCHEMA, "written_by": "ccc-governance", "files": sorted(self.listed)},
                          indent=1) + "\n"
        write_file(self.path / MARKER, text)


def _plain_name(name: str) -> bool:
    return bool(name) and name not in (".", "..", MARKER) and "/" not in name and os.sep not in name and "\0" not in name


def read_marker(marker: Path) -> set[str]:
    """The names a `.ccc-pack` marker lists; a marker ccc cannot read is refused (`OutputError`)
    rather than guessed at."""
    try:
        if not stat.S_ISREG(os.stat(marker).st_mode):
            raise ValueError
        data = json.loads(marker.read_text(encoding="utf-8"))
        files = data["files"]
        if data.get("schema") != MARKER_SCHEMA or not isinstance(files, list):
            raise ValueError
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise OutputError("is not a marker written by ccc; remove it or choose another folder", file=str(marker)) from None
    # A hand-edited marker cannot make ccc touch anything outside the folder.
    return {f for f in files if isinstance(f, str) and _plain_name(f)}


def write_pack_folder(path: str | Path, files: dict[str, bytes | str], *, parents: bool = False) -> list[Path]:
    """Write a pack of several files (`{name: content}`) as the folder `path` (strict: new, empty or
    an earlier ccc pack). An earlier pack's files are replaced, files it had and this one has not are
    removed, anything else in the folder stays. Returns the paths written."""
    folder = PackFolder(path, strict=True, parents=parents)
    paths = folder.claim(files)
    for p, content in zip(paths, files.values()):
        write_file(p, content)
    folder.finish(files)
    return paths
