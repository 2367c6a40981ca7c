"""Pytest fixtures for ccc-governance and its plugin authors (loaded through the `pytest11` entry point).

- `ccc_workspace`: a fresh workspace (ccc.toml + empty database) in a temporary folder; returns the
  loaded `Workspace`.
- `ccc_db`: the opened database of that workspace.
- `ccc_pm`: a plugin manager for that workspace without entry-point plugins (register yours with
  `ccc_pm.register(module)`), so a test sees only the plugins it registers.

And the host's functions a plugin's tests call, so that they import nothing of the store:
`import_file(db, workspace, pm, source_name, path, …)` (one file as one batch: its summary),
`undo_batch(db, batch_id)`, `list_quarantine(db, batch_id)`, `open_db(path)`; and `flatten(items)`
(what a reader yields, each `ColumnBlock` as the records it stands for).
"""

from __future__ import annotations

import pytest

from .blocks import flatten
from .store.batches import list_quarantine, undo_batch
from .store.db import open_db
from .store.imports import import_file
from .workspace import init_workspace, load_workspace

__all__ = ["ccc_workspace", "ccc_db", "ccc_pm", "flatten", "import_file", "list_quarantine", "open_db", "undo_batch"]


@pytest.fixture
def ccc_workspace(tmp_path, monkeypatch):
    """A new workspace in a temporary folder, with a fixed pseudonymisation key."""
    monkeypatch.delenv("CCC_DB", raising=False)
    init_workspace(tmp_path / "ws", key="00" * 32)
    return load_workspace(tmp_path / "ws")


@pytest.fixture
def ccc_db(ccc_workspace):
    """The workspace's database, opened and migrated; closed after the test."""
    db = open_db(ccc_workspace.db_path)
    yield db
    db.conn.close()


@pytest.fixture
def ccc_pm(ccc_workspace):
    """A plugin manager for `ccc_workspace` without entry-point plugins."""
    from .plugins import get_plugin_manager

    return get_plugin_manager(ccc_workspace, entrypoints=False)
