"""The plugin host: registration, validation, attribution, plugins folder, entry points."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

from ccc_governance import hookimpl
from ccc_governance.errors import PluginError
from ccc_governance.plugins import get_plugin_manager, get_sources, list_plugins
from ccc_governance.sources import Source

from import_helpers import rows_source

REPO = Path(__file__).resolve().parents[2]


def _module(name, *sources):
    mod = types.ModuleType(name)

    @hookimpl
    def register_sources(register):
        for s in sources:
            register(s)

    mod.register_sources = register_sources
    return mod


def _src(name, kinds=("contact",)):
    return Source(name=name, description="d", read=lambda ctx: iter(()), kinds=kinds)


def test_sources_are_attributed_to_their_plugin():
    pm = get_plugin_manager(entrypoints=False)
    pm.register(rows_source("a-src"), name="alpha")
    sources = get_sources(pm)
    assert list(sources) == ["a-src"]
    s = sources["a-src"]
    assert (s.plugin, s.plugin_version, s.origin) == ("alpha", "9.9", "registered in code")


def test_a_source_name_taken_already_keeps_the_first_plugin_and_warns_once(capsys):
    """The later plugin's source of that name is ignored (one warning naming both plugins, however
    often the sources are asked for); its other sources and every other plugin work."""
    pm = get_plugin_manager(entrypoints=False)
    pm.register(_module("one", _src("same")), name="one")
    pm.register(_module("two", _src("same"), _src("other")), name="two")
    for _ in range(3):
        sources = get_sources(pm)
        assert list(sources) == ["other", "same"]
        assert (sources["same"].plugin, sources["other"].plugin) == ("one", "two")
    assert capsys.readouterr().err == (
        "warning: plugin 'two' (registered in code): its source 'same' is ignored: that name is registered "
        "already by plugin 'one' (registered in code)\n")
    assert [(p["name"], p["sources"]) for p in list_plugins(pm)] == [("one", ["same"]), ("two", ["other"])]


@pytest.mark.parametrize("source, message", [
    (_src("Bad_Name"), "source name 'Bad_Name' is not valid"),
    (_src("ok", kinds=("contact", "calls")), "source 'ok' declares unknown record kind.*'calls'"),
    ("not a source", "it registered 'not a source', which is not a ccc_governance.sources.Source"),
])
def test_a_plugin_registering_an_invalid_source_is_ignored_with_one_warning(source, message, capsys):
    """`register` raises `PluginError` in the plugin; the host ignores that plugin (with the
    sources it registered before) and keeps the others."""
    pm = get_plugin_manager(entrypoints=False)
    pm.register(_module("good", _src("fine")), name="good")
    pm.register(_module("bad", _src("first-of-bad"), source), name="bad")
    assert list(get_sources(pm)) == ["fine"]
    get_sources(pm)
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and re.match(rf"warning: plugin 'bad' \(registered in code\) is ignored: {message}", err[0])


def test_register_raises_plugin_error_in_the_plugin():
    """What the plugin sees (docs/plugins.md): `register` raises `PluginError` for an invalid source."""
    seen = []

    class Plugin:
        @hookimpl
        def register_sources(self, register):
            try:
                register(_src("Bad_Name"))
            except PluginError as err:
                seen.append(err.message)
            register(_src("fine"))

    pm = get_plugin_manager(entrypoints=False)
    pm.register(Plugin(), name="careful")
    assert list(get_sources(pm)) == ["fine"]
    assert len(seen) == 1 and "source name 'Bad_Name' is not valid" in seen[0]


@pytest.mark.parametrize("body, fault", [
    ("raise SystemExit(7)", "it called sys.exit(7)"),
    ("import sys\nsys.exit()", "it called sys.exit(None)"),
    ("raise RuntimeError('boom')", "RuntimeError: boom"),
])
def test_a_plugin_that_exits_or_fails_while_it_is_imported_is_ignored(ccc_workspace, body, fault, capsys):
    """A plugins-folder module doing `raise SystemExit(7)` used to end every command with exit 7."""
    (ccc_workspace.plugins_dir / "exits.py").write_text(body + "\n", encoding="utf-8")
    (ccc_workspace.plugins_dir / "fine.py").write_text(
        "from ccc_governance import hookimpl\nfrom ccc_governance.sources import Source\n"
        "@hookimpl\ndef register_sources(register):\n"
        "    register(Source(name='fine', description='d', read=lambda c: iter(())))\n", encoding="utf-8")
    pm = get_plugin_manager(ccc_workspace, entrypoints=False)
    assert capsys.readouterr().err == (
        f"warning: plugin {ccc_workspace.plugins_dir / 'exits.py'} failed to load and is ignored: {fault}\n")
    assert list(get_sources(pm)) == ["fine"]


def test_a_register_sources_hook_that_exits_is_ignored(capsys):
    class Exits:
        @hookimpl
        def register_sources(self, register):
            register(_src("half"))
            raise SystemExit(3)

    pm = get_plugin_manager(entrypoints=False)
    pm.register(Exits(), name="exits")
    pm.register(_module("good", _src("fine")), name="good")
    assert list(get_sources(pm)) == ["fine"]
    assert capsys.readouterr().err == (
        "warning: plugin 'exits' (registered in code) is ignored: register_sources failed: it called sys.exit(3)\n")


def test_misspelt_hookimpl_is_an_error(ccc_workspace):
    (ccc_workspace.plugins_dir / "typo.py").write_text(
        "from ccc_governance import hookimpl\n\n@hookimpl\ndef register_source(register):\n    pass\n", encoding="utf-8")
    with pytest.raises(PluginError, match="typo.*register_source"):
        get_plugin_manager(ccc_workspace, entrypoints=False)


def test_plugins_folder_is_loaded_and_broken_module_only_warns(ccc_workspace, capsys):
    (ccc_workspace.plugins_dir / "local_src.py").write_text(
        "from ccc_governance import hookimpl\nfrom ccc_governance.sources import Source\n__version__ = '1.2'\n"
        "@hookimpl\ndef register_sources(register):\n"
        "    register(Source(name='local', description='d', read=lambda c: iter(())))\n", encoding="utf-8")
    (ccc_workspace.plugins_dir / "broken.py").write_text("import does_not_exist_anywhere\n", encoding="utf-8")
    pm = get_plugin_manager(ccc_workspace, entrypoints=False)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "broken.py failed to load and is ignored: ModuleNotFoundError" in err
    s = get_sources(pm)["local"]
    assert (s.plugin, s.plugin_version) == ("local_src", "1.2")
    assert s.origin == f"plugins folder ({ccc_workspace.plugins_dir / 'local_src.py'})"
    assert list_plugins(pm) == [{"name": "local_src", "version": "1.2", "origin": s.origin, "sources": ["local"]}]


def test_entry_points_find_csv_from_its_distribution():
    pm = get_plugin_manager()
    s = get_sources(pm)["csv"]
    assert s.origin == "entry point (ccc-csv)"
    assert s.plugin == "csv" and s.plugin_version == "0.1.0"


def test_ccc_no_plugins_blocks_entry_points(monkeypatch):
    monkeypatch.setenv("CCC_NO_PLUGINS", "1")
    assert "csv" not in get_sources(get_plugin_manager())


def test_building_the_manager_twice_gives_independent_managers():
    a, b = get_plugin_manager(entrypoints=False), get_plugin_manager(entrypoints=False)
    a.register(rows_source())
    assert "rows" in get_sources(a) and "rows" not in get_sources(b)


def test_core_modules_do_not_import_textual():
    code = ("import sys, ccc_governance.plugins, ccc_governance.store.imports, ccc_governance.cli.imports, "
            "ccc_governance.privacy, ccc_governance.scaffold; print('textual' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_example_plugin_imports_its_sample(ccc_workspace, ccc_db):
    from ccc_governance.store.imports import import_file

    folder = REPO / "examples" / "plugin-example"
    spec = importlib.util.spec_from_file_location("ccc_example_under_test", folder / "ccc_example.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    pm = get_plugin_manager(ccc_workspace, entrypoints=False)
    pm.register(module)
    s = import_file(ccc_db, ccc_workspace, pm, "example", folder / "sample.csv")
    assert (s["imported"], s["quarantined"]) == (3, 1)
    assert s["quarantine"][0]["line"] == 5
    assert ccc_db.execute("SELECT sum(wait_s) FROM contacts").fetchone() == (47.75,)


def test_scaffolded_package_source_appears_when_registered(tmp_path):
    from ccc_governance.scaffold import scaffold_plugin

    root = scaffold_plugin("my-platform", tmp_path)
    assert sorted(p.name for p in root.iterdir()) == ["README.md", "ccc_my_platform.py", "pyproject.toml", "tests"]
    assert 'my-platform = "ccc_my_platform"' in (root / "pyproject.toml").read_text()
    spec = importlib.util.spec_from_file_location("ccc_my_platform", root / "ccc_my_platform.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    pm = get_plugin_manager(entrypoints=False)
    pm.register(module)
    assert get_sources(pm)["my-platform"].kinds == ("contact",)
    # its own generated test passes
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(root / "tests")],
                         cwd=root, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    with pytest.raises(PluginError, match="already exists"):
        scaffold_plugin("my-platform", tmp_path)
    with pytest.raises(PluginError, match="not a valid source name"):
        scaffold_plugin("My Platform", tmp_path)
