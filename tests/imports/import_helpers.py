"""Helpers for the import tests: a test source registered in code, small file writers."""

from __future__ import annotations

import sys
import types
from datetime import datetime, timedelta, timezone

from ccc_governance import hookimpl
from ccc_governance.records import Contact
from ccc_governance.sources import Source

T0 = datetime(2026, 10, 1, 8, 0, tzinfo=timezone.utc)
T0_MS = 1790841600000  # 2026-10-01T08:00:00Z


def rows_source(name="rows"):
    """A plugin module whose source reads `id,seconds_after_T0,wait,version_s[,customer]` lines
    (and BAD, NAIVE, BOOM, STATE,x, EXIT,code, FIELD,id,name,text lines: see `read`)."""

    def read(context):
        with open(context.path, encoding="utf-8") as fh:
            for line_no, text in enumerate(fh, start=1):
                parts = text.strip().split(",")
                if parts[0] == "BAD":
                    yield context.reject(line_no, "bad row", raw=text)
                    continue
                if parts[0] == "NAIVE":
                    yield Contact("naive", datetime(2026, 10, 1), line=line_no)
                    continue
                if parts[0] == "BOOM":
                    raise RuntimeError("reader bug")
                if parts[0] == "EXIT":  # a reader that ends the program
                    sys.exit(int(parts[1]))
                if parts[0] == "FIELD":  # FIELD,id,name,text: a number field given as text
                    yield Contact(parts[1], T0, outcome="answered", line=line_no, **{parts[2]: parts[3]})
                    continue
                if parts[0] == "STATE":
                    context.state["open"] = parts[1]
                    continue
                sid, offset, wait, version = parts[:4]
                yield Contact(
                    sid, T0 + timedelta(seconds=int(offset)), outcome="answered", wait_s=float(wait),
                    version=T0 + timedelta(seconds=int(version)),
                    customer=parts[4] if len(parts) > 4 else None, line=line_no,
                )

    module = types.ModuleType(f"plugin_{name.replace('-', '_')}")

    @hookimpl
    def register_sources(register):
        register(Source(name=name, description="test rows", read=read))

    module.register_sources = register_sources
    module.__version__ = "9.9"
    return module



def write(path, *lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def contacts(db):
    return db.execute("SELECT source_id, arrived_at, wait_s, version, batch_id FROM contacts ORDER BY source_id").fetchall()
