"""HTML export: one self-contained file (inline CSS and SVG, an embedded logo), printable on A4.

Everything from contracts and records is autoescaped by Jinja2; the charts escape their own text.
Templates: `pack.html.j2`, `portfolio.html.j2`, `index.html.j2` and `pack.css`, each overridable.
"""

from __future__ import annotations

from pathlib import Path

from .pack import FEW_CONTACTS, TREND_PERIODS
from .templating import render


def render_pack_html(pack: dict, *, templates_dir: str | Path | None = None, logo: str | None = None) -> str:
    """A review pack as one HTML document; `logo` is a `data:` URI (see `templating.logo_data_uri`)."""
    return render("html", "pack.html.j2", {"pack": pack, "logo": logo, "few_contacts": FEW_CONTACTS,
                                           "trend_periods": TREND_PERIODS}, templates_dir)


def render_portfolio_html(portfolio: dict, *, templates_dir: str | Path | None = None, logo: str | None = None) -> str:
    """The multi-vendor comparison as one HTML document."""
    return render("html", "portfolio.html.j2", {"portfolio": portfolio, "logo": logo}, templates_dir)


def render_index_html(index: dict, *, templates_dir: str | Path | None = None, logo: str | None = None) -> str:
    """The index page of an `--all` export: one line per contract, linking its pack."""
    return render("html", "index.html.j2", {**index, "logo": logo}, templates_dir)
