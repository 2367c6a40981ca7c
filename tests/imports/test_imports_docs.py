"""docs/plugins.md documents every hook under its exact signature and every record field."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import attrs

from ccc_governance import hookspecs, records

REPO = Path(__file__).resolve().parents[2]
DOC = (REPO / "docs" / "plugins.md").read_text(encoding="utf-8")


def test_every_hook_is_documented_under_its_exact_signature():
    tree = ast.parse(Path(hookspecs.__file__).read_text(encoding="utf-8"))
    hooks = [n for n in tree.body if isinstance(n, ast.FunctionDef)
             and any(getattr(d, "id", None) == "hookspec" for d in n.decorator_list)]
    assert hooks
    for hook in hooks:
        signature = f"{hook.name}({', '.join(a.arg for a in hook.args.args)})"
        assert f"### `{signature}`" in DOC, f"hook {signature} is not documented in docs/plugins.md"


def _section(title_pattern: str) -> str:
    m = re.search(rf"^### {title_pattern}.*?$(.*?)(?=^##)", DOC, re.M | re.S)
    assert m, f"no section {title_pattern} in docs/plugins.md"
    return m.group(1)


def test_every_record_field_is_documented_in_its_kind_section():
    for kind, cls in list(records.KINDS.items()) + [("Rejected", records.Rejected)]:
        section = _section(f"`{kind}`")
        for field in attrs.fields(cls):
            assert re.search(rf"^\| `{field.name}` \|[^|]*\|.*\| \S.* \|$", section, re.M), \
                f"{cls.__name__}.{field.name} is not documented (with a meaning) in docs/plugins.md"


def test_the_minimal_plugin_in_the_guide_is_the_tested_example():
    code = (REPO / "examples" / "plugin-example" / "ccc_example.py").read_text(encoding="utf-8")
    assert 'name="example"' in code and 'name="example"' in DOC


def test_the_guide_says_how_long_a_writer_waits_for_an_import():
    from ccc_governance.store.writelock import DEFAULT_TIMEOUT_S, TIMEOUT_ENV

    assert re.search(rf"after `{TIMEOUT_ENV}` seconds\s+\(default\s+{DEFAULT_TIMEOUT_S:.0f}\)", DOC)
