"""Markdown export: the pack as GitHub-flavoured Markdown tables, every value escaped (`md_escape`).

Templates: `pack.md.j2`, `portfolio.md.j2`, `index.md.j2`, each overridable.
"""

from __future__ import annotations

import re
from pathlib import Path

from .pack import FEW_CONTACTS, TREND_PERIODS
from .templating import render


def _tidy(text: str) -> str:
    # Template blocks leave runs of blank lines; Markdown needs at most one.
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def render_pack_md(pack: dict, *, templates_dir: str | Path | None = None) -> str:
    """A review pack as Markdown."""
    return _tidy(render("md", "pack.md.j2", {"pack": pack, "few_contacts": FEW_CONTACTS,
                                             "trend_periods": TREND_PERIODS}, templates_dir))


def render_portfolio_md(portfolio: dict, *, templates_dir: str | Path | None = None) -> str:
    """The multi-vendor comparison as Markdown."""
    return _tidy(render("md", "portfolio.md.j2", {"portfolio": portfolio}, templates_dir))


def render_index_md(index: dict, *, templates_dir: str | Path | None = None) -> str:
    """The index of an `--all` export as Markdown."""
    return _tidy(render("md", "index.md.j2", index, templates_dir))
