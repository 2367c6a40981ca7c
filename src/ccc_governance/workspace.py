"""The workspace: a folder with `ccc.toml`, found from the current folder upwards as git does.

`ccc.toml`:

    [workspace]
    database = "ccc.db"          # path relative to the workspace folder
    contracts = "contracts"      # folder `ccc contract register` reads by default
    plugins = "plugins"          # folder of unpackaged plugin modules (*.py), loaded at start
    pseudonymisation_key = "…"   # hex; keys the hash of customer identifiers. Keep it secret.

    [attributes]                 # contact-attribute names that carry survey marks
    fcr = "fcr"
    csat = "csat"

    [sources.csv]                # per-source options, passed to the reader as `context.options`
    mapping = "mappings/vendor.toml"

`--db PATH` or `CCC_DB` override the database path (and allow working without a `ccc.toml`).
"""

from __future__ import annotations

import os
import secrets
import tomllib
from pathlib import Path
from typing import Any

import attrs
import tomli_w

from .errors import WorkspaceError

CONFIG_NAME = "ccc.toml"


@attrs.define
class Workspace:
    """A loaded workspace configuration; paths are absolute."""

    root: Path
    db_path: Path
    contracts_dir: Path
    plugins_dir: Path
    key: bytes
    attributes: dict[str, str] = attrs.Factory(lambda: {"fcr": "fcr", "csat": "csat"})
    sources: dict[str, dict[str, Any]] = attrs.Factory(dict)
    config: dict[str, Any] = attrs.Factory(dict)  # the whole parsed ccc.toml, for plugins' own tables
    config_path: Path | None = None

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


def load_workspace(start: str | Path | None = None, *, db: str | Path | None = None) -> Workspace:
    """Find and load the workspace. `db` (or `CCC_DB`) overrides the database path.

    Without a `ccc.toml`, a database given by `db`/`CCC_DB` is enough: the workspace is its folder
    and the key is derived from nothing (a warning-free, fixed key is *not* used: see below).
    """
    db = db or os.environ.get("CCC_DB") or None
    config_path = find_config(start)
    if config_path is None:
        if db is None:
            raise WorkspaceError(
                "no workspace here: run `ccc init` to create ccc.toml, or pass --db PATH (or set CCC_DB)"
            )
        db_path = Path(db).resolve()
        root = db_path.parent
        # Without a config there is no secret: the key is stored beside the database so that
        # hashes stay stable for this database.
        key_file = db_path.with_suffix(db_path.suffix + ".key")
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            key_file.write_text(secrets.token_hex(32), encoding="utf-8")
        return Workspace(
            root=root,
            db_path=db_path,
            contracts_dir=root / "contracts",
            plugins_dir=root / "plugins",
            key=bytes.fromhex(key_file.read_text(encoding="utf-8").strip()),
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
    try:
        key = bytes.fromhex(str(ws.get("pseudonymisation_key", "")))
    except ValueError:
        raise WorkspaceError(f"{config_path}: pseudonymisation_key must be hexadecimal") from None
    if len(key) < 16:
        raise WorkspaceError(f"{config_path}: pseudonymisation_key must be at least 32 hex digits")
    attributes = {"fcr": "fcr", "csat": "csat"}
    attributes.update({k: str(v) for k, v in (config.get("attributes") or {}).items()})
    return Workspace(
        root=root,
        db_path=Path(db).resolve() if db else (root / ws.get("database", "ccc.db")).resolve(),
        contracts_dir=(root / ws.get("contracts", "contracts")).resolve(),
        plugins_dir=(root / ws.get("plugins", "plugins")).resolve(),
        key=key,
        attributes=attributes,
        sources=dict(config.get("sources") or {}),
        config=config,
        config_path=config_path,
    )
