"""The workspace: a folder with `ccc.toml`, found from the current folder upwards as git does.

`ccc.toml`:

    [workspace]
    database = "ccc.db"          # path relative to the workspace folder
    contracts = "contracts"      # folder `ccc contract register` reads by default
    plugins = "plugins"          # folder of unpackaged plugin modules (*.py), loaded at start
    pseudonymisation_key = "…"   # hex; keys the hash of customer identifiers. Keep it secret.
    # or: pseudonymisation_key_file = "~/secrets/acme.key"   (a file holding the hex key, outside git)

    [attributes]                 # contact-attribute names that carry survey marks
    fcr = "fcr"
    csat = "csat"

    [iso18295]                   # the readiness report's settings and references of your own
    audit_within_months = 12     # (docs/iso18295.md)
    refs.service_level = ["COPC 2.1"]

    [sources.csv]                # per-source options, passed to the reader as `context.options`
    mapping = "mappings/vendor.toml"

    [store]                      # a shared PostgreSQL store instead of the SQLite file (docs/team.md)
    url = "service=ccc"          # or "postgresql://db.example.org/ccc" — never with a password in it

`--db PATH|URL` or `CCC_DB` override the store (a path: that SQLite file; a URL: that PostgreSQL database) (and allow working without a `ccc.toml`: the
`ccc.toml` of the database's own folder, or of a folder above it, is then used when it names that
database, so that `CCC_DB=ws/ccc.db ccc …` from elsewhere is the same workspace as `cd ws; ccc …`).

The pseudonymisation key is read, first found wins, from `CCC_PSEUDONYMISATION_KEY` (hex), the file
named by `pseudonymisation_key_file`, `pseudonymisation_key`, or a `<database>.key` file beside the
database (written by versions before 0.2 for workspaces without `ccc.toml`). No command creates a key
except `ccc init`. The store remembers the key's fingerprint and refuses an import with another key
(`store/keyprint.py`).
"""

from __future__ import annotations

import os
import secrets
import tomllib
from pathlib import Path
from typing import Any

import attrs

from .errors import WorkspaceError

CONFIG_NAME = "ccc.toml"
KEY_ENV = "CCC_PSEUDONYMISATION_KEY"


@attrs.define
class Workspace:
    """A loaded workspace configuration; paths are absolute."""

    root: Path
    db_path: Path
    contracts_dir: Path
    plugins_dir: Path
    key: bytes | None  # None: no key anywhere (reading works; importing is refused)
    attributes: dict[str, str] = attrs.Factory(lambda: {"fcr": "fcr", "csat": "csat"})
    sources: dict[str, dict[str, Any]] = attrs.Factory(dict)
    config: dict[str, Any] = attrs.Factory(dict)  # the whole parsed ccc.toml, for plugins' own tables
    config_path: Path | None = None
    iso18295: dict[str, Any] = attrs.Factory(dict)  # [iso18295]: read by iso18295.workspace_settings
    key_origin: str = ""  # where the key was read from, or where it is expected (for messages)
    store_url: str | None = None  # a PostgreSQL store's URL (`[store] url`, or a URL as --db / CCC_DB)

    @property
    def store(self):
        """Where the store is (`store.location.StoreLocation`): the PostgreSQL URL, else `db_path`."""
        from .store.location import StoreLocation

        if self.store_url:
            return StoreLocation("postgresql", url=self.store_url)
        return StoreLocation("sqlite", path=self.db_path)

    def source_options(self, name: str) -> dict[str, Any]:
        """The `[sources.NAME]` table, with relative paths left as written (resolve against `root`)."""
        return dict(self.sources.get(name, {}))


def default_config(key: str | None = None) -> dict[str, Any]:
    return {
        "workspace": {
            "database": "ccc.db",
            "contracts": "contracts",
            "plugins": "plugins",
            "pseudonymisation_key": key or secrets.token_hex(32),
        },
        "attributes": {"fcr": "fcr", "csat": "csat"},
    }


def init_workspace(directory: str | Path, *, key: str | None = None, force: bool = False) -> Path:
    """Write `ccc.toml` (and the contracts/plugins folders) in `directory`; return the config path."""
    import tomli_w  # here: only `ccc init` writes TOML

    root = Path(directory).resolve()
    root.mkdir(parents=True, exist_ok=True)
    path = root / CONFIG_NAME
    if path.exists() and not force:
        raise WorkspaceError(f"{path} already exists (a workspace is already set up here)")
    config = default_config(key)
    path.write_text(
        "# ccc-governance workspace. Keep pseudonymisation_key secret: it keys customer hashes.\n"
        + tomli_w.dumps(config),
        encoding="utf-8",
    )
    (root / config["workspace"]["contracts"]).mkdir(exist_ok=True)
    (root / config["workspace"]["plugins"]).mkdir(exist_ok=True)
    return path


def find_config(start: str | Path | None = None) -> Path | None:
    """The nearest `ccc.toml` in `start` (default: the current folder) or its parents."""
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def _config_naming(db_path: Path) -> Path | None:
    """The `ccc.toml` of `db_path`'s folder or a folder above it whose database is `db_path`."""
    here = db_path.parent.resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_NAME
        if not candidate.is_file():
            continue
        try:
            config = tomllib.loads(candidate.read_text(encoding="utf-8"))
            named = (folder / str((config.get("workspace") or {}).get("database", "ccc.db"))).resolve()
        except (OSError, ValueError, AttributeError, TypeError):
            continue
        if named == db_path:
            return candidate
    return None


def _hex_key(text: str, where: str) -> bytes:
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        raise WorkspaceError(f"{where}: the pseudonymisation key must be hexadecimal") from None
    if len(key) < 16:
        raise WorkspaceError(f"{where}: the pseudonymisation key must be at least 32 hex digits")
    return key


def read_key(ws: dict, root: Path | None, db_path: Path, config_path: Path | None) -> tuple[bytes | None, str]:
    """The pseudonymisation key and where it was read from (or, when there is none, where it is
    expected). Never creates a key."""
    env = os.environ.get(KEY_ENV, "").strip()
    if env:
        return _hex_key(env, f"environment variable {KEY_ENV}"), f"environment variable {KEY_ENV}"
    if ws.get("pseudonymisation_key_file"):
        path = Path(str(ws["pseudonymisation_key_file"])).expanduser()
        if not path.is_absolute() and root is not None:
            path = root / path
        where = f"{path} (pseudonymisation_key_file in {config_path})"
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as err:
            raise WorkspaceError(f"{path}: the pseudonymisation key file cannot be read ({err.strerror}); "
                                 f"it is named by pseudonymisation_key_file in {config_path}") from None
        return _hex_key(text, str(path)), where
    if "pseudonymisation_key" in ws:
        where = f"{config_path} [workspace] pseudonymisation_key"
        return _hex_key(str(ws["pseudonymisation_key"]), str(config_path)), where
    legacy = db_path.with_suffix(db_path.suffix + ".key")
    if legacy.is_file():
        return _hex_key(legacy.read_text(encoding="utf-8"), str(legacy)), str(legacy)
    if config_path is not None:
        expected = f"{config_path} [workspace] pseudonymisation_key (or pseudonymisation_key_file, or {KEY_ENV})"
    else:
        expected = f"{KEY_ENV}, or a ccc.toml beside the database (`ccc init`)"
    return None, expected


def load_workspace(start: str | Path | None = None, *, db: str | Path | None = None) -> Workspace:
    """Find and load the workspace. `db` (or `CCC_DB`) overrides the database path.

    Without a `ccc.toml` found from `start`, a database given by `db`/`CCC_DB` is enough: the
    `ccc.toml` that names that database (in its folder or above) is used if there is one, else the
    workspace is the database's folder with no configuration.
    """
    from .store.location import configured_url, is_postgres_url

    db = db or os.environ.get("CCC_DB") or None
    url = None
    if db is not None and is_postgres_url(str(db)):
        url, db = str(db).strip(), None
    config_path = find_config(start)
    if config_path is None and url is not None:
        raise WorkspaceError("no workspace here: a PostgreSQL store is used from a workspace (ccc.toml) "
                             "that holds the contracts and the key settings: run `ccc init` first")
    if config_path is None and db is not None:
        config_path = _config_naming(Path(db).resolve())
    if config_path is None:
        if db is None:
            raise WorkspaceError(
                "no workspace here: run `ccc init` to create ccc.toml, or pass --db PATH (or set CCC_DB)"
            )
        db_path = Path(db).resolve()
        root = db_path.parent
        key, origin = read_key({}, None, db_path, None)
        return Workspace(
            root=root,
            db_path=db_path,
            contracts_dir=root / "contracts",
            plugins_dir=root / "plugins",
            key=key,
            key_origin=origin,
        )
    try:
        config = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise WorkspaceError(f"{config_path}: not valid TOML: {err}") from None
    except OSError as err:
        raise WorkspaceError(f"{config_path}: cannot be read: {err.strerror}") from None
    root = config_path.parent
    ws = config.get("workspace", {})
    if not isinstance(ws, dict):
        raise WorkspaceError(f"{config_path}: [workspace] must be a table")
    db_path = Path(db).resolve() if db else (root / ws.get("database", "ccc.db")).resolve()
    if url is None and db is None:
        url = configured_url(config, config_path)
    key, origin = read_key(ws, root, db_path, config_path)
    iso = config.get("iso18295") or {}
    if not isinstance(iso, dict):
        raise WorkspaceError(f"{config_path}: [iso18295] must be a table")
    attributes = {"fcr": "fcr", "csat": "csat"}
    attributes.update({k: str(v) for k, v in (config.get("attributes") or {}).items()})
    return Workspace(
        root=root,
        db_path=db_path,
        contracts_dir=(root / ws.get("contracts", "contracts")).resolve(),
        plugins_dir=(root / ws.get("plugins", "plugins")).resolve(),
        key=key,
        attributes=attributes,
        sources=dict(config.get("sources") or {}),
        config=config,
        config_path=config_path,
        iso18295=dict(iso),
        key_origin=origin,
        store_url=url,
    )
