"""Writing exports to disk: one format dispatcher for reviews, `--all` and the portfolio.

Every file goes through `ccc_governance.outputs`: written beside its final name and renamed (an
interrupted export never leaves a half-written pack; a CSV folder is filled the same way, file by
file), with the umask's mode, through symlinks, never over a device or a file ccc did not write in a
folder it names itself. See `docs/exports.md` ("Where packs are written").
"""

from __future__ import annotations

import re
from pathlib import Path

from ..clock import today
from ..engine.statuses import STATUS_RANK
from ..errors import CccError
from ..outputs import PackFolder, file_target, write_file, write_pack_folder
from ..periods import Period, parse_period
from . import render_csv, render_html, render_json, render_md, render_xlsx
from .pack import build_pack, contracts_in_period, ensure_results
from .portfolio import build_portfolio
from .tables import pack_tables, portfolio_tables
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


def _render(kind: str, data: dict, fmt: str, templates_dir, logo) -> bytes | str | dict[str, str]:
    """The document as the content of one file, or for CSV as `{file name: text}`."""
    if fmt == "json":
        return render_json.dumps(data)
    if fmt == "md":
        fn = {"pack": render_md.render_pack_md, "portfolio": render_md.render_portfolio_md,
              "index": render_md.render_index_md}[kind]
        return fn(data, templates_dir=templates_dir)
    if fmt == "html":
        fn = {"pack": render_html.render_pack_html, "portfolio": render_html.render_portfolio_html,
              "index": render_html.render_index_html}[kind]
        return fn(data, templates_dir=templates_dir, logo=logo_data_uri(logo))
    tables = {"pack": pack_tables, "portfolio": portfolio_tables}[kind](data)
    return render_xlsx.tables_xlsx(tables) if fmt == "xlsx" else render_csv.tables_csv(tables)


def check_output(fmt: str, path: str | Path, *, parents: bool = False) -> None:
    """Refuse, before any work is done, an unknown format or an output path `fmt` cannot be written to
    (nothing is created)."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")
    if fmt == "csv":
        PackFolder(path, strict=True, parents=parents)
    else:
        file_target(path, parents=parents, create=False)


def write_document(kind: str, data: dict, fmt: str, path: str | Path, *, templates_dir=None, logo=None,
                   parents: bool = False) -> Path:
    """Write a `pack`, `portfolio` or `index` dict in format `fmt` at `path` (a folder for CSV),
    through `outputs` (atomic, symlinks followed, devices and foreign folders refused, a missing
    parent folder refused unless `parents`)."""
    path = Path(path)
    check_output(fmt, path, parents=parents)
    content = _render(kind, data, fmt, templates_dir, logo)
    if fmt == "csv":
        write_pack_folder(path, content, parents=parents)
    else:
        write_file(path, content, parents=parents)
    return path


def default_path(contract_id: str, period: Period | str, fmt: str) -> str:
    """`<contract>_<period><ext>`: the one name of a contract's pack (`-o` not given, `--all`,
    `export due`, the TUI's pre-read pack). `_` parts the contract from the period, since contract
    ids hold `-` and so do periods."""
    label = period if isinstance(period, str) else period.label
    return f"{safe_name(contract_id)}_{safe_name(label)}{EXTENSIONS[fmt]}"


def portfolio_path(period: Period | str, fmt: str) -> str:
    """`portfolio_<period><ext>`: the name of a portfolio pack, as `ccc export portfolio` names it
    without `-o`."""
    return default_path("portfolio", period, fmt)


def export_review(db, contract_id: str, period: Period | str, fmt: str, path: str | Path, *, as_of=None,
                  templates_dir=None, logo=None, evaluate: bool = True, parents: bool = False,
                  iso_settings: dict | None = None) -> dict:
    """Build and write one contract's review pack at `path`; returns the pack (evaluating first if
    needed). The path is checked before anything is evaluated or stored. `iso_settings`: the
    workspace's `[iso18295]` settings for the pack's ISO 18295 section (default: the package's)."""
    period = parse_period(period) if isinstance(period, str) else period
    check_output(fmt, path, parents=parents)
    if evaluate:
        ensure_results(db, contract_id, period, as_of)
    pack = build_pack(db, contract_id, period, as_of, iso_settings=iso_settings)
    write_document("pack", pack, fmt, path, templates_dir=templates_dir, logo=logo, parents=parents)
    return pack


def export_review_into(db, contract_id: str, period: Period | str, fmt: str, folder: str | Path | PackFolder, *,
                       as_of=None, templates_dir=None, logo=None, evaluate: bool = True,
                       parents: bool = False, iso_settings: dict | None = None) -> tuple[Path, dict]:
    """Write one review pack under its default name into `folder`, a collection folder (`export due`,
    the TUI's `packs/`): the folder may hold other files, but the pack replaces only a pack ccc wrote
    there (listed in the folder's `.ccc-pack`). Returns the pack's path and the pack."""
    period = parse_period(period) if isinstance(period, str) else period
    out = folder if isinstance(folder, PackFolder) else PackFolder(folder, strict=False, parents=parents)
    (path,) = out.claim([default_path(contract_id, period, fmt)])
    pack = export_review(db, contract_id, period, fmt, path, as_of=as_of, templates_dir=templates_dir, logo=logo,
                         evaluate=evaluate, iso_settings=iso_settings)
    return path, pack


def export_all(db, period: Period | str, fmt: str, folder: str | Path, *, as_of=None, templates_dir=None,
               logo=None, evaluate: bool = True, parents: bool = False,
               iso_settings: dict | None = None) -> list[Path]:
    """A pack per contract in force in `period` in `folder`, plus an index (`index.<fmt>`; for XLSX,
    CSV and JSON an `index.json`). Returns the paths written, index last.

    `folder` is a ccc pack folder: new (created, its parent must exist unless `parents`), empty or
    written by an earlier `--all`; only the entries its `.ccc-pack` lists are replaced. A pack of an
    earlier run that this one does not write (a contract no longer in force) stays."""
    period = parse_period(period) if isinstance(period, str) else period
    folder = Path(folder)
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")
    out = PackFolder(folder, strict=True, parents=parents)
    index_fmt = fmt if fmt in ("md", "html") else "json"
    index_name = f"index{EXTENSIONS[index_fmt]}"
    cids = contracts_in_period(db, period)
    names = [default_path(cid, period, fmt) for cid in cids]
    # Every name is checked before the first pack is written: a refusal leaves the folder as it was.
    paths = out.claim([*names, index_name])
    written, entries = [], []
    for cid, name, path in zip(cids, names, paths):
        pack = export_review(db, cid, period, fmt, path, as_of=as_of, templates_dir=templates_dir,
                             logo=logo, evaluate=evaluate, iso_settings=iso_settings)
        written.append(path)
        entries.append({"contract_id": cid, "title": pack["contract"]["title"], "ccc": pack["contract"]["ccc"],
                        "status": pack["summary"]["status"], "credits_total": pack["summary"]["credits_total"],
                        "currency": pack["summary"]["currency"], "file": name})
    entries.sort(key=lambda e: (STATUS_RANK.get(e["status"], len(STATUS_RANK)), e["contract_id"]))  # worst first
    index = {"period": period.label, "as_of": today(as_of).isoformat(), "entries": entries}
    write_document("index", index, index_fmt, paths[-1], templates_dir=templates_dir, logo=logo)
    written.append(paths[-1])
    return written


def export_portfolio(db, period: Period | str, fmt: str, path: str | Path, *, as_of=None, templates_dir=None,
                     logo=None, evaluate: bool = True, parents: bool = False, rates=None) -> dict:
    """Build and write the multi-vendor comparison of `period`; returns it. `rates`: the workspace's
    `[currency]` rates (`currency.Rates`), for totals in one reporting currency."""
    period = parse_period(period) if isinstance(period, str) else period
    check_output(fmt, path, parents=parents)
    if evaluate:
        for cid in contracts_in_period(db, period):
            ensure_results(db, cid, period, as_of)
    portfolio = build_portfolio(db, period, as_of, rates)
    write_document("portfolio", portfolio, fmt, path, templates_dir=templates_dir, logo=logo, parents=parents)
    return portfolio
