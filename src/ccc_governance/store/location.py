"""Which store: the workspace's SQLite file, or a PostgreSQL database named by a URL.

`--db` / `CCC_DB` (a path or a URL) override `ccc.toml`'s `[store] url`; neither given: the
workspace's SQLite file (`[workspace] database`). A PostgreSQL store is named by a libpq URL
(`postgresql://host/dbname`, `postgres://…`) or a service name (`service=ccc`, from the
service file `~/.pg_service.conf`). Passwords are never written in `ccc.toml`: they belong in
libpq's password file (`~/.pgpass`) or the service file; `display()` never shows one.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import attrs

from ..errors import WorkspaceError

_URL = re.compile(r"^(postgresql|postgres)://", re.I)
_SERVICE = re.compile(r"^service=[\w.-]+$")
_PASSWORD_WORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.I)


_CONNINFO = re.compile(r"^\s*(?:(?:host|hostaddr|port|dbname|user|service|sslmode|options|application_name|"
                       r"passfile|password|connect_timeout)\s*=\s*(?:'(?:[^'\\]|\\.)*'|\S+)\s*)+$")


def is_postgres_url(text: str) -> bool:
    """A `postgresql://` URL, or libpq's `key=value …` connection string (`service=ccc`)."""
    return bool(_URL.match(text) or _SERVICE.match(text.strip()) or _CONNINFO.match(text))


def redact(text: str) -> str:
    """`text` with any password in a URL or `password=` word replaced by `***`."""
    def url(m: re.Match) -> str:
        parts = urlsplit(m.group(0))
        if parts.password is None:
            return m.group(0)
        netloc = parts.netloc.replace(":" + parts.password + "@", ":***@", 1)
        return urlunsplit(parts._replace(netloc=netloc))

    text = re.sub(r"postgres(?:ql)?://\S+", url, text, flags=re.I)
    text = re.sub(r"(password=)[^&\s]+", r"\1***", text, flags=re.I)
    return _PASSWORD_WORD.sub(r"\1***", text)


def has_password(url: str) -> bool:
    if _URL.match(url):
        parts = urlsplit(url)
        return parts.password is not None or re.search(r"[?&]password=", parts.query or "", re.I) is not None
    return _PASSWORD_WORD.search(url) is not None


@attrs.frozen
class StoreLocation:
    """A store: `kind` is "sqlite" (`path`) or "postgresql" (`url`, a libpq URL or conninfo)."""

    kind: str
    path: Path | None = None
    url: str | None = None

    @classmethod
    def parse(cls, text: str | Path, base: Path | None = None) -> "StoreLocation":
        if isinstance(text, str) and is_postgres_url(text):
            return cls("postgresql", url=text.strip())
        path = Path(text).expanduser()
        if base is not None and not path.is_absolute():
            path = base / path
        return cls("sqlite", path=path)

    @property
    def is_postgres(self) -> bool:
        return self.kind == "postgresql"

    def display(self) -> str:
        """Where the store is, for messages: never a password."""
        return redact(self.url) if self.is_postgres else str(self.path)


def configured_url(config: dict, config_path: Path | None) -> str | None:
    """`[store] url` of `ccc.toml`, checked: a URL holding a password is refused (one line)."""
    store = config.get("store") or {}
    if not isinstance(store, dict):
        raise WorkspaceError(f"{config_path}: [store] must be a table")
    url = store.get("url")
    if url is None:
        return None
    if not isinstance(url, str) or not is_postgres_url(url):
        raise WorkspaceError(f"{config_path}: [store] url must be a postgresql:// URL or service=NAME")
    if has_password(url):
        raise WorkspaceError(
            f"{config_path}: [store] url holds a password; keep passwords out of files in the workspace: "
            "use libpq's password file (~/.pgpass) or a service file (~/.pg_service.conf, url = \"service=NAME\")")
    return url
