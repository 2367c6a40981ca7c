"""`ccc plugins new NAME`: write an installable plugin package, ready to edit, test and install.

The package reads a simple CSV (`id,arrived_at,outcome,wait_s`) so that it imports something on
the first try; its author replaces the reader with their platform's format.
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import PluginError

_NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")

PYPROJECT = '''[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "ccc-{name}"
version = "0.1.0"
description = "ccc-governance data source: {name}"
readme = "README.md"
requires-python = ">=3.11"
dependencies = ["ccc-governance"]

[project.entry-points.ccc_governance]
{name} = "{module}"

[tool.setuptools]
py-modules = ["{module}"]
'''

MODULE = '''"""ccc-governance data source `{name}`: reads `id,arrived_at,outcome,wait_s` CSV files.

Replace `read` with your platform's format: yield one record of `ccc_governance.records` per
row, and `context.reject(line, reason, raw)` for a row you cannot read.
"""

from __future__ import annotations

import csv
from datetime import datetime

from ccc_governance import hookimpl
from ccc_governance.records import Contact
from ccc_governance.sources import ReadContext, Source

__version__ = "0.1.0"


def read(context: ReadContext):
    """Yield a `Contact` per row of the file (stream it: never read the file whole)."""
    # A record per row is the simple way. For files of millions of rows, yield the same rows as
    # `ccc_governance.blocks.ColumnBlock`s built with `BlockBuilder` (instants as `epoch_ms`) and
    # register the source with `separate_process=True`: "Fast path" in docs/plugins.md.
    with open(context.path, newline="", encoding="utf-8") as fh:
        rows = csv.DictReader(fh)
        for row in rows:
            line = rows.line_num
            try:
                arrived = datetime.fromisoformat(row["arrived_at"])
                wait = float(row["wait_s"]) if row["wait_s"] else None
            except (KeyError, TypeError, ValueError) as err:
                yield context.reject(line, f"unreadable row: {{err}}", raw=",".join(row.values()))
                continue
            # the host checks the values against the field specification (a negative wait_s
            # is quarantined with its reason), so the reader need not
            yield Contact(
                source_id=row["id"],
                arrived_at=arrived,
                outcome=row.get("outcome") or None,
                wait_s=wait,
                line=line,
            )


@hookimpl
def register_sources(register):
    """Declare the `{name}` source."""
    register(Source(name="{name}", description="{name} export (id,arrived_at,outcome,wait_s CSV)",
                    read=read, kinds=("contact",), patterns=("*.csv",)))
'''

TEST = '''"""Tests for the `{name}` source, with the fixtures and functions of `ccc_governance.testing`."""

from ccc_governance.plugins import get_sources
from ccc_governance.records import Contact, Rejected
from ccc_governance.sources import ReadContext
from ccc_governance.testing import flatten, import_file, list_quarantine

import {module}

SAMPLE = (
    "id,arrived_at,outcome,wait_s\\n"
    "a1,2026-10-01T08:00:00+02:00,answered,12.5\\n"
    "a2,2026-10-01T08:01:00+02:00,abandoned,40\\n"
    "a3,not a date,answered,1\\n"
    "a4,2026-10-01T08:02:00+02:00,answered,-1\\n"
)


def test_reads_a_record_per_row(tmp_path):
    sample = tmp_path / "sample.csv"
    sample.write_text(SAMPLE, encoding="utf-8")
    items = flatten({module}.read(ReadContext(path=sample)))  # flatten: blocks too, if you yield them
    assert [(type(i), i.line) for i in items] == [(Contact, 2), (Contact, 3), (Rejected, 4), (Contact, 5)]
    assert (items[0].source_id, items[0].outcome, items[0].wait_s) == ("a1", "answered", 12.5)
    assert "not a date" in items[2].reason


def test_imports_a_file(ccc_workspace, ccc_db, ccc_pm, tmp_path):
    sample = tmp_path / "sample.csv"
    sample.write_text(SAMPLE, encoding="utf-8")
    ccc_pm.register({module})
    assert "{name}" in get_sources(ccc_pm)
    summary = import_file(ccc_db, ccc_workspace, ccc_pm, "{name}", sample)
    assert (summary["imported"], summary["quarantined"]) == (2, 2)
    reasons = {{q["line"]: q["reason"] for q in list_quarantine(ccc_db, summary["batch_id"])}}
    assert "not a date" in reasons[4]
    assert reasons[5] == "wait_s is negative (-1.0)"  # judged by the host from the field specification
    rows = ccc_db.execute("SELECT source_id, arrived_at, wait_s FROM contacts ORDER BY source_id").fetchall()
    # 08:00 in Paris (UTC+2) is 06:00 UTC = 1790834400000 ms
    assert rows == [("a1", 1790834400000, 12.5), ("a2", 1790834460000, 40.0)]
'''

README = '''# ccc-{name}

A ccc-governance data source plugin: `ccc import {name} FILE`.

It reads CSV files with the columns `id,arrived_at,outcome,wait_s` (ISO 8601 times with an
offset). Edit `{module}.py` to read your platform's export; see `docs/plugins.md` of
ccc-governance for every hook and record field.

    pip install -e .          # registers the entry point `{name}` in group `ccc_governance`
    ccc plugins               # lists the plugin and its source
    ccc import {name} export.csv
    pytest tests              # uses the fixtures of ccc_governance.testing (pytest plugin)
'''


def scaffold_plugin(name: str, directory: str | Path = ".") -> Path:
    """Create `DIRECTORY/ccc-NAME/` (pyproject with entry point, module, test, README); return it.

    Raises `PluginError` for a name that is not a valid source name or a folder that exists.
    """
    if not _NAME.match(name or ""):
        raise PluginError(f"{name!r} is not a valid source name (lower-case letters and digits, "
                          "words joined by dashes: my-platform)")
    module = "ccc_" + name.replace("-", "_")
    root = Path(directory).resolve() / f"ccc-{name}"
    if root.exists():
        raise PluginError(f"{root} already exists: choose another name or --dir")
    (root / "tests").mkdir(parents=True)
    values = {"name": name, "module": module}
    (root / "pyproject.toml").write_text(PYPROJECT.format(**values), encoding="utf-8")
    (root / f"{module}.py").write_text(MODULE.format(**values), encoding="utf-8")
    (root / "tests" / f"test_{module}.py").write_text(TEST.format(**values), encoding="utf-8")
    (root / "README.md").write_text(README.format(**values), encoding="utf-8")
    return root
