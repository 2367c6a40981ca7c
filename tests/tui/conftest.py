from __future__ import annotations

import pytest

from tui_fixture_data import AS_OF, build


@pytest.fixture
def fixture_db(tmp_path):
    """The fixed TUI database (see tui_fixture_data.py)."""
    return build(tmp_path / "ccc.db")


@pytest.fixture
def as_of():
    return AS_OF

