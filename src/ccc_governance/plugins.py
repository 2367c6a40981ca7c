"""The plugin host: builds the plugin manager and collects the sources plugins register.

Plugins come from three places, all through the same `pluggy` path:

- built-in: modules of this package named `default_*.py`;
- entry points of group `ccc_governance` (installed packages; `CCC_NO_PLUGINS=1` blocks them);
- `*.py` modules in the workspace's plugins folder (`[workspace] plugins`, default `plugins/`).

The manager is built in a function, never at import time, so that tests and the CLI decide what
is loaded. A faulty plugin never takes the others down: one that fails to import (any exception,
`SystemExit` too: only Ctrl-C goes through) and one whose `register_sources` fails or registers an
invalid source give one warning line naming it on stderr and are ignored; a source name taken
already keeps its first plugin (built-in, then entry points, then the plugins folder) and the
later one is ignored with a warning. A hook implementation whose name is not a hook (a
misspelling) is an error.

`ccc --help` lists plugins' commands, which means loading every entry-point plugin (pluggy,
importlib.metadata, the plugins and what they import: most of the time `ccc --help` takes). When
no installed plugin implements `register_commands`, that fact is remembered (`remember_no_commands`,
in the user's cache folder) with what it depends on: the interpreter, `sys.path` and the mtime of
each of its folders (a distribution installed or removed), `CCC_NO_PLUGINS`, and the size and mtime
of every module file loading the plugins imported. The next `ccc --help` checks that record
(`no_commands_remembered`: a few `stat` calls) and, while it holds, lists the built-in commands
without loading the plugins; any change, a warning or a plugin with commands means no record, and
the plugins are loaded as before.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import PluginError

if TYPE_CHECKING:
    import pluggy

    from .sources import Source

ENTRY_POINT_GROUP = "ccc_governance"
NAME_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")

ORIGIN_BUILTIN = "built-in"
ORIGIN_CODE = "registered in code"


@dataclass(slots=True)
class PluginInfo:
    """Where a registered plugin came from, for `ccc plugins` and for sources' attribution."""

    name: str
    version: str | None
    origin: str  # "built-in", "entry point (DIST)", "plugins folder (PATH)" or "registered in code"
    distribution: str | None = None


#: Warnings given by this process (`remember_no_commands` records nothing after one).
_warnings = 0


def warn(message: str) -> None:
    """One warning line on stderr (plugin problems that must not stop the tool)."""
    global _warnings
    _warnings += 1
    print(f"warning: {message}", file=sys.stderr)


def _warn_once(pm: pluggy.PluginManager, message: str) -> None:
    """`warn`, once per plugin manager (a command asks for the sources more than once)."""
    seen = getattr(pm, "ccc_warned", None)
    if seen is None:
        seen = set()
        try:
            pm.ccc_warned = seen
        except AttributeError:  # pragma: no cover - a manager that takes no attributes
            pass
    if message not in seen:
        seen.add(message)
        warn(message)


def fault_text(err: BaseException) -> str:
    """How a plugin failed, in a few words (`SystemExit` is a plugin calling `sys.exit()`)."""
    if isinstance(err, SystemExit):
        return f"it called sys.exit({err.code!r})"
    return f"{type(err).__name__}: {err}"


def get_plugin_manager(workspace=None, *, entrypoints: bool = True) -> pluggy.PluginManager:
    """A new plugin manager with the hook specs, built-in plugins, entry-point plugins (unless
    `entrypoints=False` or `CCC_NO_PLUGINS=1`) and the workspace's plugins folder loaded.

    Raises `PluginError` when a plugin implements a hook that does not exist.
    """
    import pluggy  # here: `import ccc_governance.plugins` stays cheap (`no_commands_remembered`)

    from . import hookspecs

    pm = pluggy.PluginManager(ENTRY_POINT_GROUP)
    pm.add_hookspecs(hookspecs)
    pm.ccc_info = {}  # plugin name -> PluginInfo
    pm.ccc_warned = set()  # warnings given already (`_warn_once`)
    _load_builtins(pm)
    if entrypoints and os.environ.get("CCC_NO_PLUGINS", "") not in ("1", "true", "yes"):
        _load_entry_points(pm)
    if workspace is not None and getattr(workspace, "plugins_dir", None):
        _load_folder(pm, Path(workspace.plugins_dir))
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as err:
        name = pm.get_name(err.plugin) or repr(err.plugin)
        raise PluginError(f"plugin {name!r}: {err}") from None
    return pm


def _register(pm: pluggy.PluginManager, module: Any, info: PluginInfo) -> None:
    import pluggy

    try:
        pm.register(module, name=info.name)
    except ValueError as err:  # a plugin of that name is already registered
        warn(f"plugin {info.name!r} from {info.origin} not loaded: {err}")
        return
    except pluggy.PluginValidationError as err:
        raise PluginError(f"plugin {info.name!r} ({info.origin}): {err}") from None
    pm.ccc_info[info.name] = info


def _load_builtins(pm: pluggy.PluginManager) -> None:
    import pkgutil

    package = importlib.import_module("ccc_governance")
    for mod in pkgutil.iter_modules(package.__path__):
        if mod.name.startswith("default_"):
            module = importlib.import_module(f"ccc_governance.{mod.name}")
            from . import __version__

            _register(pm, module, PluginInfo(f"ccc_governance.{mod.name}", __version__, ORIGIN_BUILTIN))


def _load_entry_points(pm: pluggy.PluginManager) -> None:
    import importlib.metadata

    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = getattr(ep, "dist", None)
        dist_name = dist.metadata["Name"] if dist is not None else None
        version = dist.version if dist is not None else None
        if pm.get_plugin(ep.name) is not None or pm.is_blocked(ep.name):
            continue
        try:
            module = ep.load()
        except KeyboardInterrupt:
            raise
        except BaseException as err:  # noqa: BLE001 - a broken plugin (even sys.exit) must not stop the tool
            warn(f"plugin {ep.name!r} ({dist_name or ep.value}) failed to load and is ignored: {fault_text(err)}")
            continue
        _register(pm, module, PluginInfo(ep.name, version, f"entry point ({dist_name})", dist_name))


def _load_folder(pm: pluggy.PluginManager, folder: Path) -> None:
    import importlib.util

    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.py")):
        if path.name.startswith("_"):
            continue
        module_name = f"ccc_workspace_plugins.{path.stem}"
        try:
            spec = importlib.util.spec_from_file_location(module_name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[module_name] = module
            spec.loader.exec_module(module)
        except KeyboardInterrupt:
            sys.modules.pop(module_name, None)
            raise
        except BaseException as err:  # noqa: BLE001 - a broken plugin (even sys.exit) must not stop the tool
            sys.modules.pop(module_name, None)
            warn(f"plugin {path} failed to load and is ignored: {fault_text(err)}")
            continue
        version = getattr(module, "__version__", None)
        _register(pm, module, PluginInfo(path.stem, version, f"plugins folder ({path})"))


def plugin_info(pm: pluggy.PluginManager, plugin: Any) -> PluginInfo:
    """How `plugin` was loaded (a plugin registered directly with `pm.register` is "registered in code")."""
    name = pm.get_name(plugin) or repr(plugin)
    info = getattr(pm, "ccc_info", {}).get(name)
    if info is not None:
        return info
    return PluginInfo(name, getattr(plugin, "__version__", None), ORIGIN_CODE)


def get_sources(pm: pluggy.PluginManager) -> dict[str, Source]:
    """Every source registered through the `register_sources(register)` hook, by name.

    The host validates each one (name format, known record kinds, a callable reader) and fills
    in `plugin`, `plugin_version` and `origin`. A faulty plugin does not stop the others: its
    `register` raises `PluginError` for an invalid source, and a hook that raises (that, or
    anything else, `SystemExit` too) is ignored with one warning naming the plugin, with every
    source it registered. A source name registered again keeps the first one (in registration
    order: built-in, entry points, plugins folder): the later one is ignored with a warning
    naming both plugins. Each warning is given once per `pm`.
    """
    sources: dict[str, Source] = {}
    for impl in pm.hook.register_sources.get_hookimpls():  # registration order: the first of a name wins
        info = plugin_info(pm, impl.plugin)
        mine: list[str] = []
        refused: list[PluginError] = []

        def register(source, _info=info, _mine=mine, _refused=refused):
            try:
                if _accept(pm, sources, source, _info):
                    _mine.append(source.name)
            except PluginError as err:
                _refused.append(err)
                raise

        try:
            impl.function(**{arg: register for arg in impl.argnames})
        except KeyboardInterrupt:
            raise
        except BaseException as err:  # noqa: BLE001 - one faulty plugin must not stop the others
            for name in mine:
                sources.pop(name, None)
            what = _unprefixed(err.message, info) if isinstance(err, PluginError) else \
                f"register_sources failed: {fault_text(err)}"
            _warn_once(pm, f"plugin {info.name!r} ({info.origin}) is ignored: {what}")
            continue
        for err in refused:  # the plugin caught `register`'s error and went on: that source only
            _warn_once(pm, f"plugin {info.name!r} ({info.origin}): a source is ignored: {_unprefixed(err.message, info)}")
    return dict(sorted(sources.items()))


def _unprefixed(message: str, info: PluginInfo) -> str:
    """`register`'s message without its `plugin 'x': ` (the warning names the plugin already)."""
    return message.removeprefix(f"plugin {info.name!r}: ")


def _accept(pm: pluggy.PluginManager, sources: dict[str, Source], source: Any, info: PluginInfo) -> bool:
    """Check and attribute one registered source; False when its name is taken (it is ignored,
    with a warning). Raises `PluginError` for an invalid source."""
    from .records import KINDS  # here: listing plugins' commands (`ccc --help`) needs no record spec
    from .sources import Source

    if not isinstance(source, Source):
        raise PluginError(f"plugin {info.name!r}: it registered {source!r}, which is not a ccc_governance.sources.Source")
    if not isinstance(source.name, str) or not NAME_RE.match(source.name):
        raise PluginError(
            f"plugin {info.name!r}: source name {source.name!r} is not valid "
            "(lower-case letters and digits, words joined by dashes: my-platform)"
        )
    unknown = [k for k in source.kinds if k not in KINDS]
    if unknown or not source.kinds:
        raise PluginError(
            f"plugin {info.name!r}: source {source.name!r} declares unknown record kind(s) "
            f"{', '.join(map(repr, unknown)) or '(none)'} (known: {', '.join(KINDS)})"
        )
    if not callable(source.read):
        raise PluginError(f"plugin {info.name!r}: source {source.name!r} has no callable `read`")
    if source.name in sources:
        other = sources[source.name]
        _warn_once(pm, f"plugin {info.name!r} ({info.origin}): its source {source.name!r} is ignored: that name "
                       f"is registered already by plugin {other.plugin!r} ({other.origin})")
        return False
    source.kinds = tuple(source.kinds)
    source.patterns = tuple(source.patterns)
    source.plugin = info.name
    source.plugin_version = info.version
    source.origin = info.origin
    sources[source.name] = source
    return True


def list_plugins(pm: pluggy.PluginManager) -> list[dict]:
    """One dict per registered plugin: `name, version, origin, sources` (names), for `ccc plugins`."""
    sources = get_sources(pm)
    by_plugin: dict[str, list[str]] = {}
    for source in sources.values():
        by_plugin.setdefault(source.plugin, []).append(source.name)
    out = []
    for name, plugin in pm.list_name_plugin():
        info = plugin_info(pm, plugin)
        out.append({
            "name": info.name,
            "version": info.version,
            "origin": info.origin,
            "sources": sorted(by_plugin.get(info.name, [])),
        })
    return sorted(out, key=lambda d: d["name"])


def find_source(pm: pluggy.PluginManager, name: str) -> Source:
    """The source called `name`, or `PluginError` listing the known ones (and the closest name)."""
    import difflib

    sources = get_sources(pm)
    if name in sources:
        return sources[name]
    known = ", ".join(sources) or "none: install a plugin (see docs/plugins.md)"
    close = difflib.get_close_matches(name, list(sources), n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise PluginError(f"unknown source {name!r}.{hint} Known sources: {known}")


# --------------------------------------------------------------------------- `ccc --help` without the plugins

#: The record's format (and this code's way of deciding): another value is no record.
_RECORD_FORMAT = 1


def _record_path() -> Path | None:
    """Where the record of "no plugin adds commands" is kept: the user's cache folder
    (`$XDG_CACHE_HOME`, else `~/.cache`), one file per interpreter; None when there is none."""
    import zlib

    base = os.environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):  # unset, or relative (which the XDG spec says to ignore)
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    tag = zlib.crc32(os.fsencode(f"{sys.prefix}\0{sys.executable}"))
    return Path(base, "ccc-governance", f"plugin-commands-{tag:08x}.marshal")


def _environment() -> tuple:
    """What, besides the module files themselves, decides which plugins `get_plugin_manager(None)`
    loads: the interpreter, this package, `CCC_NO_PLUGINS`, `sys.path` with each folder's mtime (a
    distribution installed, upgraded or removed changes its folder's). The current folder of
    `python -c` (an empty entry) is left out: a workspace's changes with every write."""
    from . import __version__

    folders = []
    for entry in sys.path:
        if not entry:
            continue
        try:
            folders.append((entry, os.stat(entry).st_mtime_ns))
        except OSError:
            folders.append((entry, None))
    here = os.path.dirname(os.path.abspath(__file__))  # built-in `default_*.py` plugins are listed from it
    return (_RECORD_FORMAT, sys.version, sys.executable, sys.prefix, __version__,
            os.environ.get("CCC_NO_PLUGINS", ""), tuple(folders), (here, os.stat(here).st_mtime_ns))


def _stamp(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def no_commands_remembered() -> bool:
    """Whether a record says that no plugin `get_plugin_manager(None)` would load implements
    `register_commands`, and everything it depends on is as it was (see the module docstring).

    The record is read with `marshal`, as Python reads the `.pyc` files of the same user's folders.
    """
    import marshal

    path = _record_path()
    if path is None:
        return False
    try:
        with open(path, "rb") as f:
            environment, files = marshal.load(f)
        if environment != _environment():
            return False
        return all(_stamp(name) == tuple(stamp) for name, stamp in files)
    except Exception:  # noqa: BLE001 - unreadable, another format: no record, the plugins load
        return False


def commands_snapshot() -> tuple:
    """What `remember_no_commands` needs from before the plugins load: the environment, the
    modules loaded already and the warnings given so far."""
    return _environment(), set(sys.modules), _warnings


def remember_no_commands(pm: pluggy.PluginManager, snapshot: tuple) -> None:
    """Record that no plugin of `pm` (built by `get_plugin_manager(None)` after `snapshot` was
    taken) implements `register_commands`, with the files it depends on: every module file loaded
    since the snapshot, each plugin's among them. Nothing is recorded when a plugin implements it,
    a warning was given, a plugin's module was loaded before the snapshot (its files would not be
    known), or the environment changed meanwhile; a record that cannot be written is no record."""
    import marshal
    import types

    environment, before, warnings = snapshot
    if warnings != _warnings or pm.hook.register_commands.get_hookimpls():
        return
    new = {name: module for name, module in list(sys.modules.items()) if name not in before}
    for plugin in pm.get_plugins():
        name = plugin.__name__ if isinstance(plugin, types.ModuleType) else \
            getattr(plugin, "__module__", None) or type(plugin).__module__
        if name not in new:
            return
    files = {os.path.abspath(__file__)}
    hookspecs = sys.modules.get(f"{__package__}.hookspecs")
    if hookspecs is not None and getattr(hookspecs, "__file__", None):
        files.add(os.path.abspath(hookspecs.__file__))
    for module in new.values():
        name = getattr(module, "__file__", None)
        if isinstance(name, str) and name:
            files.add(os.path.abspath(name))
    stamped = []
    for name in sorted(files):
        stamp = _stamp(name)
        if stamp is None:
            return
        stamped.append((name, stamp))
    if _environment() != environment:
        return
    path = _record_path()
    if path is None:
        return
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")  # written whole, then renamed: never half a record
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            marshal.dump((environment, tuple(stamped)), f)
        os.replace(tmp, path)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass
