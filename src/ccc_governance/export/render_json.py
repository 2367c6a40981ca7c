"""JSON export: the pack dict exactly as `build_pack()` returns it (layout in `docs/exports.md`).

`<`, `>` and `&` are written as `\\u003c`, `\\u003e`, `\\u0026`: the parsed data is unchanged, but
the file stays inert if someone pastes it into a web page.
"""

from __future__ import annotations

import json


def dumps(data: dict) -> str:
    """`data` as indented JSON text with HTML-significant characters escaped."""
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n"
