import pytest

from ccc_governance.errors import WorkspaceError
from ccc_governance.workspace import init_workspace, load_workspace


def test_init_then_found_from_a_subfolder(tmp_path, monkeypatch):
    monkeypatch.delenv("CCC_DB", raising=False)
    init_workspace(tmp_path)
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    ws = load_workspace(sub)
    assert ws.root == tmp_path.resolve()
    assert ws.db_path == (tmp_path / "ccc.db").resolve()
    assert len(ws.key) == 32
    assert (tmp_path / "contracts").is_dir()


def test_init_refuses_to_overwrite(tmp_path):
    init_workspace(tmp_path)
    with pytest.raises(WorkspaceError, match="already exists"):
        init_workspace(tmp_path)


def test_no_workspace_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("CCC_DB", raising=False)
    with pytest.raises(WorkspaceError, match="ccc init"):
        load_workspace(tmp_path)


def test_db_override_and_env(tmp_path, monkeypatch):
    init_workspace(tmp_path)
    assert load_workspace(tmp_path, db=tmp_path / "other.db").db_path == (tmp_path / "other.db").resolve()
    monkeypatch.setenv("CCC_DB", str(tmp_path / "env.db"))
    assert load_workspace(tmp_path).db_path == (tmp_path / "env.db").resolve()
    # without a ccc.toml, --db alone is enough to read; no key is made up (imports need one)
    bare = tmp_path.parent / f"{tmp_path.name}-bare"  # outside the workspace above
    bare.mkdir()
    monkeypatch.delenv("CCC_PSEUDONYMISATION_KEY", raising=False)
    ws = load_workspace(bare, db=bare / "x.db")
    assert ws.key is None and "CCC_PSEUDONYMISATION_KEY" in ws.key_origin
    assert not list(bare.iterdir())
    # a database inside a workspace, named from elsewhere: that workspace's configuration and key
    assert load_workspace(bare, db=tmp_path / "ccc.db").key == load_workspace(tmp_path).key


def test_broken_config_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("CCC_DB", raising=False)
    (tmp_path / "ccc.toml").write_text("[workspace\n")
    with pytest.raises(WorkspaceError, match="not valid TOML"):
        load_workspace(tmp_path)
    (tmp_path / "ccc.toml").write_text('[workspace]\npseudonymisation_key = "zz"\n')
    with pytest.raises(WorkspaceError, match="hexadecimal"):
        load_workspace(tmp_path)
