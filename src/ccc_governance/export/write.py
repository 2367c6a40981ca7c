"""Writing exports to disk: one format dispatcher for reviews, `--all` and the portfolio.

Every file is written beside its final name and then renamed, so an interrupted export never
leaves a half-written pack behind (a CSV folder is filled the same way, file by file).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from ..clock import today
from ..errors import CccError
from ..periods import Period, parse_period
from . import render_csv, render_html, render_json, render_md, render_xlsx
from .pack import build_pack, contracts_in_period, ensure_results
from .portfolio import build_portfolio
from .templating import logo_data_uri

FORMATS = ("md", "html", "xlsx", "csv", "json")
EXTENSIONS = {"md": ".md", "html": ".html", "xlsx": ".xlsx", "csv": "", "json": ".json"}


class ExportError(CccError):
    """An export that cannot be written (bad output path, unknown format)."""


def safe_name(text: str) -> str:
    """`text` usable as a file name on every system (contract ids and period labels)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text.replace("..", "_to_")).strip("._") or "pack"


def export_settings(workspace) -> dict:
    """`templates` and `logo` from the workspace's `[export]` table, as absolute paths (or None)."""
    table = (getattr(workspace, "config", None) or {}).get("export") or {}
    root = Path(getattr(workspace, "root", "."))
    return {key: str((root / table[key]).resolve()) if table.get(key) else None for key in ("templates", "logo")}


def _atomic(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_via_temp(path: Path, writer) -> None:
    """Run `writer(tmp_path)` then move the result (file or folder) to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmpdir = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}."))
    try:
        target = tmpdir / path.name
        writer(target)
        if path.is_dir():
            shutil.rmtree(path)
        os.replace(target, path)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def write_document(kind: str, data: dict, fmt: str, path: str | Path, *, templates_dir=None, logo=None) -> Path:
    """Write a `pack`, `portfolio` or `index` dict in format `fmt` at `path` (a folder for CSV)."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")
    path = Path(path)
    if path.exists() and (path.is_dir() != (fmt == "csv")):
        raise ExportError(f"{path}: exists and is {'a folder' if path.is_dir() else 'a file'}; "
                          f"a {fmt} export needs {'a folder' if fmt == 'csv' else 'a file'} here")
    try:
        if fmt == "json":
            _atomic(path, render_json.dumps(data))
        elif fmt == "md":
            fn = {"pack": render_md.render_pack_md, "portfolio": render_md.render_portfolio_md,
                  "index": render_md.render_index_md}[kind]
            _atomic(path, fn(data, templates_dir=templates_dir))
        elif fmt == "html":
            fn = {"pack": render_html.render_pack_html, "portfolio": render_html.render_portfolio_html,
                  "index": render_html.render_index_html}[kind]
            _atomic(path, fn(data, templates_dir=templates_dir, logo=logo_data_uri(logo)))
        elif fmt == "xlsx":
            fn = {"pack": render_xlsx.write_pack_xlsx, "portfolio": render_xlsx.write_portfolio_xlsx}[kind]
            _write_via_temp(path, lambda p: fn(data, p))
        else:
            fn = {"pack": render_csv.write_pack_csv, "portfolio": render_csv.write_portfolio_csv}[kind]
            _write_via_temp(path, lambda p: fn(data, p))
    except OSError as err:
        raise ExportError(f"{path}: cannot be written ({err.strerror})") from None
    return path


def default_path(contract_id: str, period: Period, fmt: str) -> str:
    """`<contract>_<period><ext>`: the name of a pack when `-o` is not given (and inside `--all`)."""
    return f"{safe_name(contract_id)}_{safe_name(period.label)}{EXTENSIONS[fmt]}"


def export_review(db, contract_id: str, period: Period | str, fmt: str, path: str | Path, *, as_of=None,
                  templates_dir=None, logo=None, evaluate: bool = True) -> dict:
    """Build and write one contract's review pack; returns the pack (evaluating first if needed)."""
    period = parse_period(period) if isinstance(period, str) else period
    if evaluate:
        ensure_results(db, contract_id, period, as_of)
    pack = build_pack(db, contract_id, period, as_of)
    write_document("pack", pack, fmt, path, templates_dir=templates_dir, logo=logo)
    return pack


def export_all(db, period: Period | str, fmt: str, folder: str | Path, *, as_of=None, templates_dir=None,
               logo=None, evaluate: bool = True) -> list[Path]:
    """A pack per contract in force in `period` in `folder`, plus an index (`index.<fmt>`; for XLSX,
    CSV and JSON an `index.json`). Returns the paths written, index last."""
    period = parse_period(period) if isinstance(period, str) else period
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"{folder}: with --all, -o must be a folder")
    written, entries = [], []
    for cid in contracts_in_period(db, period):
        name = default_path(cid, period, fmt)
        pack = export_review(db, cid, period, fmt, folder / name, as_of=as_of, templates_dir=templates_dir,
                             logo=logo, evaluate=evaluate)
        written.append(folder / name)
        entries.append({"contract_id": cid, "title": pack["contract"]["title"], "ccc": pack["contract"]["ccc"],
                        "status": pack["summary"]["status"], "credits_total": pack["summary"]["credits_total"],
                        "currency": pack["summary"]["currency"], "file": name})
    index = {"period": period.label, "as_of": today(as_of).isoformat(), "entries": entries}
    index_fmt = fmt if fmt in ("md", "html") else "json"
    index_path = folder / f"index{EXTENSIONS[index_fmt]}"
    write_document("index", index, index_fmt, index_path, templates_dir=templates_dir, logo=logo)
    written.append(index_path)
    return written


def export_portfolio(db, period: Period | str, fmt: str, path: str | Path, *, as_of=None, templates_dir=None,
                     logo=None, evaluate: bool = True) -> dict:
    """Build and write the multi-vendor comparison of `period`; returns it."""
    period = parse_period(period) if isinstance(period, str) else period
    if evaluate:
        for cid in contracts_in_period(db, period):
            ensure_results(db, cid, period, as_of)
    portfolio = build_portfolio(db, period, as_of)
    write_document("portfolio", portfolio, fmt, path, templates_dir=templates_dir, logo=logo)
    return portfolio
