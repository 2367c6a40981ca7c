"""docs/plugins.md says what the code says: its field tables and check rules are those `specdoc`
renders from the one specification (records.py), and it names the plugin API as it is."""

from __future__ import annotations

import os
import re
from pathlib import Path

import attrs

from ccc_governance import blocks, records, specdoc
from ccc_governance.sources import Source

REPO = Path(__file__).resolve().parents[2]
DOC_PATH = REPO / "docs" / "plugins.md"
DOC = DOC_PATH.read_text(encoding="utf-8")
FIX = "run `python -m ccc_governance.specdoc docs/plugins.md`"


def _differences(text: str) -> list[str]:
    """The generated parts of a doc that differ from what specdoc renders now, one line each."""
    have = specdoc.found(text)
    out = []
    for name, wanted in specdoc.sections().items():
        if name not in have:
            out.append(f"docs/plugins.md has no <!-- {name} --> part: add its markers and {FIX}")
        elif have[name] != wanted:
            what = f"the {name.split(':')[1]!r} field table" if name.startswith("fields:") else "the check rules"
            out.append(f"docs/plugins.md: {what} differs from records.py: {FIX}")
    return out


def _section(title: str, level: str = "##") -> str:
    m = re.search(rf"^{level} {re.escape(title)}\n(.*?)(?=^#{{2,{len(level)}}} |\Z)", DOC, re.M | re.S)
    assert m, f"docs/plugins.md has no section {level} {title}"
    return m.group(1)


def test_the_field_tables_and_rules_are_those_of_the_specification():
    assert not _differences(DOC), "\n".join(_differences(DOC))


def test_the_doc_check_fails_on_a_changed_doc_and_the_generator_repairs_it(tmp_path):
    assert "| queue wait, arrival to answer or abandon |" in DOC
    changed = DOC.replace("| queue wait, arrival to answer or abandon |", "| how long they waited |")
    assert _differences(changed) == [f"docs/plugins.md: the 'contact' field table differs from records.py: {FIX}"]
    assert _differences(DOC.replace("`wait_s is negative (-3.0)`", "`wait_s < 0`"))[0].startswith(
        "docs/plugins.md: the check rules differ")
    copy = tmp_path / "plugins.md"
    copy.write_text(changed, encoding="utf-8")
    assert specdoc.main([str(copy)]) == 0
    assert copy.read_text(encoding="utf-8") == DOC
    os.utime(copy, ns=(10**18, 10**18))
    assert specdoc.main([str(copy)]) == 0  # up to date: the file is not written
    assert copy.stat().st_mtime_ns == 10**18


def test_the_generator_names_missing_markers_in_one_line(tmp_path, capsys):
    copy = tmp_path / "plugins.md"
    copy.write_text(DOC.replace("<!-- /fields:survey -->", ""), encoding="utf-8")
    assert specdoc.main([str(copy)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "<!-- fields:survey -->" in err and "Traceback" not in err
    assert copy.read_text(encoding="utf-8") != DOC  # nothing written


def test_every_record_kind_has_its_section_with_its_table():
    for kind, cls in records.KINDS.items():
        section = _section(f"`{kind}` — `{cls.__name__}`", "###")
        assert f"<!-- fields:{kind} -->" in section and f"<!-- /fields:{kind} -->" in section, kind
        for spec in records.fields_of(kind):
            assert f"| `{spec.name}` | `{spec.type}` |" in section, f"{kind}.{spec.name}"


def test_the_types_table_covers_every_field_type():
    assert tuple(specdoc.TYPE_FORMS) == records.TYPES
    assert set(specdoc.IDENTITY) == set(records.IDENTITY_FIELDS)


def test_every_public_name_of_blocks_and_every_source_attribute_is_documented():
    public = [name for name, value in vars(blocks).items()
              if not name.startswith("_") and getattr(value, "__module__", None) == blocks.__name__]
    assert {"ColumnBlock", "BlockBuilder", "epoch_ms", "flatten", "block_records"} <= set(public)
    missing = [name for name in public if f"`{name}" not in DOC]
    assert not missing, f"ccc_governance.blocks names not in docs/plugins.md: {missing}"
    fast_path = _section("Fast path: `ColumnBlock`s (optional)")
    for field in attrs.fields(blocks.ColumnBlock):
        assert f"| `{field.name}` |" in fast_path, f"ColumnBlock.{field.name} is not in the Fast path table"
    table = _section("`Source`")
    missing = [a.name for a in attrs.fields(Source) if f"`{a.name}`" not in table]
    assert not missing, f"Source attributes not in the `Source` table of docs/plugins.md: {missing}"


def test_the_doc_mentions_no_deleted_api():
    for gone in ("RowBlock", "RowBatch", "fastrows", "blocks_of", "ccc_governance.store", "fallback",
                 "supports(", "readers.batches", "@separate_process"):
        assert gone not in DOC, f"docs/plugins.md still mentions {gone}"


def _reader_of(plugin: Path) -> str:
    """What the first-party plugin table should say of a plugin's reader, from its code."""
    code = "\n".join(p.read_text(encoding="utf-8") for p in sorted(plugin.rglob("*.py"))
                     if not {"tests", "build"} & set(p.relative_to(plugin).parts))
    if "def register_sources" not in code:
        return "—"
    what = "blocks" if re.search(r"\b(ColumnBlock|BlockBuilder)\(", code) else "records"
    if re.search(r"separate_process\s*=\s*True", code):
        what += ", separate process"
    return what


def test_the_first_party_table_says_which_readers_yield_blocks():
    rows = re.findall(r"^\| \[(ccc-[\w-]+)\]\(\.\./plugins/[\w-]+\) \|.*\| ([^|]+) \|$",
                      _section("First-party plugins"), re.M)
    listed = {name: reader.strip() for name, reader in rows}
    assert set(listed) == {p.name for p in (REPO / "plugins").iterdir() if (p / "pyproject.toml").exists()}
    wrong = {name: (said, _reader_of(REPO / "plugins" / name)) for name, said in listed.items()
             if said != _reader_of(REPO / "plugins" / name)}
    assert not wrong, f"docs/plugins.md, first-party plugins, reader column (says, code says): {wrong}"


def test_the_minimal_plugin_in_the_doc_is_the_example():
    code = (REPO / "examples" / "plugin-example" / "ccc_example.py").read_text(encoding="utf-8")
    assert f"```python\n# ccc_example.py\n{code}```" in DOC
