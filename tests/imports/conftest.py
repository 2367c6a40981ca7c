"""Fixtures for the import tests."""

from __future__ import annotations

import pytest

from ccc_governance.plugins import get_plugin_manager

from import_helpers import rows_source


@pytest.fixture

def pm(ccc_workspace):
    """A plugin manager without entry points, with the `rows` test source."""
    manager = get_plugin_manager(ccc_workspace, entrypoints=False)
    manager.register(rows_source())
    return manager
