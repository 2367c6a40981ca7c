"""Jinja2 environments for the human formats, with an organisation's own templates first.

`--templates DIR` (or `[export] templates = "…"` in ccc.toml) names a folder searched before the
built-in templates: a file found there wins, a file missing there falls back to the built-in one.
HTML autoescapes everything; Markdown escapes every `{{ … }}` output (see `md_escape`), so text
from contracts and records can never become markup in either. In both, a missing value prints `–`,
never `None`, and every filter formats through `formatting` (one place for how values read).
"""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path

import jinja2
from markupsafe import Markup

from ..errors import CccError, WorkspaceError
from . import charts, formatting, invoice
from .pack import file_hashes

BUILTIN = Path(__file__).parent / "templates"
LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
              ".svg": "image/svg+xml", ".webp": "image/webp"}


class TemplateError(CccError):
    """A user template that cannot be read or rendered."""


def md_escape(value) -> str:
    """Text made inert in Markdown: HTML and link brackets become entities, table pipes escaped,
    line breaks flattened (a cell must stay on one line)."""
    if value is None:
        return formatting.DASH
    text = str(value)
    for a, b in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\\", "\\\\"), ("`", "\\`"),
                 ("[", "\\["), ("]", "\\]"), ("|", "\\|"), ("\r\n", " "), ("\n", " "), ("\r", " ")):
        text = text.replace(a, b)
    return text


def _dash(value):
    """Every `{{ … }}` output of the HTML templates: `–` for a missing value, never `None`."""
    return formatting.DASH if value is None else value


def logo_data_uri(path: str | Path | None) -> str | None:
    """The logo file as a `data:` URI, so the HTML pack needs no other file; None without a logo."""
    if not path:
        return None
    path = Path(path)
    mime = LOGO_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
    if mime is None or not mime.startswith("image/"):
        raise WorkspaceError(f"{path}: the logo must be an image (.png, .jpg, .gif, .svg or .webp)")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise WorkspaceError(f"{path}: the logo cannot be read ({err.strerror})") from None
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def environment(kind: str, templates_dir: str | Path | None = None) -> jinja2.Environment:
    """A Jinja2 environment for `kind` `html` or `md`, searching `templates_dir` before the built-ins."""
    loaders: list[jinja2.BaseLoader] = []
    if templates_dir:
        folder = Path(templates_dir)
        if not folder.is_dir():
            raise WorkspaceError(f"{folder}: templates folder not found (--templates or [export] templates)")
        loaders.append(jinja2.FileSystemLoader(str(folder)))
    loaders.append(jinja2.FileSystemLoader(str(BUILTIN)))
    if kind == "html":
        env = jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), autoescape=True, finalize=_dash,
                                 trim_blocks=True, lstrip_blocks=True, undefined=jinja2.ChainableUndefined)
        env.filters.update(
            chart=lambda trend: Markup(charts.trend_svg(trend)),
            status_chart=lambda contracts: Markup(charts.status_bars_svg(contracts)),
            comparison_chart=lambda group: Markup(charts.comparison_svg(group)),
        )
    else:
        env = jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), autoescape=False, finalize=md_escape,
                                 trim_blocks=True, lstrip_blocks=True, undefined=jinja2.ChainableUndefined)
    env.filters.update(
        value=formatting.fmt_value, change=formatting.fmt_change, money=formatting.fmt_money,
        interval=formatting.fmt_interval, status=formatting.label, label=formatting.label,
        count=formatting.fmt_count, day=formatting.fmt_day, instant=formatting.fmt_instant,
        reported=formatting.fmt_reported, reported_parts=formatting.reported_parts, term=formatting.fmt_term,
        duration=formatting.fmt_duration, note=formatting.engine_note, params=formatting.fmt_params,
        metric_name=formatting.metric_name, kpi_name=formatting.kpi_name, hashes=file_hashes,
        invoice_cells=invoice.line_cells, invoice_footer=invoice.footer, invoice_verdict=invoice.verdict,
        invoice_credits=invoice.credit_words,
    )
    return env


def render(kind: str, template: str, context: dict, templates_dir: str | Path | None = None) -> str:
    """Render `template` with `context`; a broken user template is a one-line `TemplateError`."""
    env = environment(kind, templates_dir)
    if kind == "html":
        css = env.loader.get_source(env, "pack.css")[0]
        context = {**context, "css": Markup(css.replace("</", "<\\/"))}
    try:
        return env.get_template(template).render(**context)
    except jinja2.TemplateSyntaxError as err:
        raise TemplateError(f"template syntax error: {err.message}", file=err.filename or err.name, line=err.lineno) from None
    except jinja2.TemplateNotFound as err:
        raise TemplateError(f"template {err.name!r} not found") from None
    except jinja2.TemplateError as err:
        raise TemplateError(f"template {template!r} failed: {err}") from None
