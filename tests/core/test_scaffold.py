"""`ccc plugins new NAME` writes a plugin on the plugin API: records from its reader, its tests on
`ccc_governance.testing`, nothing of the store; examples/plugin-example is exactly its output.
(That the generated tests pass is checked in tests/imports/test_imports_plugins.py.)"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from click.testing import CliRunner

from ccc_governance.cli import cli
from ccc_governance.records import Contact, Rejected
from ccc_governance.scaffold import scaffold_plugin
from ccc_governance.sources import ReadContext

REPO = Path(__file__).resolve().parents[2]


def _files(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts and p.name != "sample.csv"}


def test_the_example_plugin_is_what_the_scaffold_writes(tmp_path):
    made = _files(scaffold_plugin("example", tmp_path))
    assert made == _files(REPO / "examples" / "plugin-example"), \
        "examples/plugin-example differs from `ccc plugins new example`: regenerate it"


def test_the_generated_plugin_uses_only_the_plugin_api(tmp_path):
    root = scaffold_plugin("my-platform", tmp_path)
    files = _files(root)
    assert not [name for name, text in files.items() if "ccc_governance.store" in text]
    test = files["tests/test_ccc_my_platform.py"]
    assert "from ccc_governance.testing import flatten, import_file, list_quarantine" in test
    module = files["ccc_my_platform.py"]
    assert "ColumnBlock" in module and "BlockBuilder" in module and "separate_process=True" in module
    # ... in a comment only: the reader itself yields records
    code = "\n".join(line.split("#", 1)[0] for line in module.splitlines())
    assert "ColumnBlock" not in code and "import Contact" in code


def test_the_generated_reader_yields_a_record_per_row(tmp_path):
    root = scaffold_plugin("my-platform", tmp_path)
    spec = importlib.util.spec_from_file_location("ccc_my_platform_scaffolded", root / "ccc_my_platform.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sample = tmp_path / "calls.csv"
    sample.write_text("id,arrived_at,outcome,wait_s\nc1,2026-10-01T08:00:00+02:00,answered,3\nc2,soon,,\n",
                      encoding="utf-8")
    items = list(module.read(ReadContext(path=sample)))
    assert [type(i) for i in items] == [Contact, Rejected]
    assert (items[0].source_id, items[0].wait_s, items[0].line) == ("c1", 3.0, 2)
    assert items[1].line == 3 and "soon" in items[1].reason


def test_ccc_plugins_new_writes_the_package_and_says_where(tmp_path):
    result = CliRunner().invoke(cli, ["plugins", "new", "acme-calls", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "ccc-acme-calls" / "ccc_acme_calls.py").exists()
    assert "ccc-acme-calls" in result.output
    again = CliRunner().invoke(cli, ["plugins", "new", "acme-calls", "--dir", str(tmp_path)])
    assert again.exit_code != 0 and "already exists" in again.output and "Traceback" not in again.output
