"""`ccc export site DIR`: the portfolio, a page per contract and every stored period's pack as a
static site. Structure, links (every href resolves to a file of the site), escaping, and the folder
rules: a folder holding anything ccc did not write is refused with nothing written; a re-run
replaces only the site's own files."""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner

from ccc_governance.cli import cli
from ccc_governance.export.site import export_site
from ccc_governance.export.write import default_path
from ccc_governance.outputs import MARKER, OutputError, read_marker

from .conftest import add_contract
from .test_readable import RAW_FRACTION, assert_readable, read_db, visible  # noqa: F401  (read_db is a fixture)

HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'


class Links(HTMLParser):
    """Every href and src of a page, and the ids it defines (for `#fragment` links)."""

    def __init__(self):
        super().__init__()
        self.refs: list[str] = []
        self.ids: set[str] = set()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for key, value in attrs:
            if key in ("href", "src") and value is not None:
                self.refs.append(value)
            if key == "id" and value:
                self.ids.add(value)


def parse(page: Path) -> Links:
    p = Links()
    p.feed(page.read_text(encoding="utf-8"))
    return p


def broken_links(site: Path, pages: list[Path] | None = None) -> list[str]:
    """Every link of the site's pages (all its HTML files by default) that does not resolve to a
    file of the site (and, with a fragment, to an id of that file); `data:` images are fine."""
    bad = []
    site = site.resolve()
    for page in pages or sorted(site.rglob("*.html")):
        for ref in parse(page).refs:
            if ref.startswith("data:image/"):
                continue
            parts = urlsplit(ref)
            if parts.scheme or parts.netloc or ref.startswith("/"):
                bad.append(f"{page.name}: {ref} (not relative)")
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page.resolve()
            if not target.is_file() or site not in target.parents:
                bad.append(f"{page.relative_to(site)}: {ref}")
            elif parts.fragment and parts.fragment not in parse(target).ids:
                bad.append(f"{page.relative_to(site)}: {ref} (no such id)")
    return bad


@pytest.fixture
def site_db(read_db):
    """The sample database plus a second contract whose texts are hostile, breached in October."""
    add_contract(read_db, contract_id="beta", title=HOSTILE, ccc="Other & <b>CC</b>",
                 sl={"2026-10": (0.78, "breached", 100, 78)}, asa={})
    read_db["actions"].insert(dict(contract_id="beta", title=HOSTILE, owner="ccc", due="2026-11-20", status="open",
                                   raised_on="2026-10-20", note='{"raw": "json"} </td></tr></table>'))
    return read_db


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_site_structure_and_links(site_db, tmp_path):
    site = tmp_path / "site"
    result = export_site(site_db, site, as_of="2026-11-03")
    assert result.index == site / "index.html" and result.contracts == 2
    files = set(_snapshot(site))
    assert {"index.html", "acme/index.html", "beta/index.html", f"beta/{default_path('beta', '2026-10', 'html')}",
            *(f"acme/{default_path('acme', p, 'html')}" for p in ("2026-08", "2026-09", "2026-10"))} <= files
    assert read_marker(site / MARKER) == {"index.html", "acme", "beta"}
    assert read_marker(site / "acme" / MARKER) == {"index.html", "acme_2026-08.html", "acme_2026-09.html",
                                                   "acme_2026-10.html"}
    assert broken_links(site) == []
    index = parse(site / "index.html")
    assert {"acme/index.html", "beta/index.html", "acme/acme_2026-10.html"} <= set(index.refs)
    contract = parse(site / "acme" / "index.html")
    assert {"../index.html", "acme_2026-08.html", "acme_2026-09.html", "acme_2026-10.html"} <= set(contract.refs)
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "<script" not in text.lower(), re.findall(r".{80}<script.{40}", text, re.I | re.S)
        assert "@import" not in text and "url(" not in text


def test_site_reads_as_the_packs_do(site_db, tmp_path):
    site = tmp_path / "site"
    export_site(site_db, site, as_of="2026-11-03")
    index = visible((site / "index.html").read_text(encoding="utf-8"))
    acme = visible((site / "acme" / "index.html").read_text(encoding="utf-8"))
    for text in (index, acme):
        assert_readable(text)
        assert RAW_FRACTION.findall(text) == []
    # Worst first (the breached contract), open breaches, the review's state, credits.
    assert index.index(HOSTILE) < index.index("Acme support")
    assert "disputed" in index and "overdue" in index and "1,000.00 EUR" in index
    # Per period: each KPI's status and figure, and the CCC's own figure.
    assert re.search(r"2026-10\W+at risk\W+met\W+82\.9 %\W+CCC: 84\.0 % \(ours -1\.1 pts\)\W+at risk\W+33\.50 s", acme)
    assert "70.0 %" in acme and "Recruit 3 agents" in acme and "Reviews" in acme
    assert "found by evaluation: sl 70.0 % against breach threshold 75.0 %" in acme


def test_site_escapes_contract_and_record_text(site_db, tmp_path):
    site = tmp_path / "site"
    export_site(site_db, site, as_of="2026-11-03")
    for page in (site / "index.html", site / "beta" / "index.html"):
        html = page.read_text(encoding="utf-8")
        assert "&lt;script&gt;alert(" in html and "<img src=x" not in html and "<b>CC</b>" not in html
        assert parse(page).tags.count("script") == 0 and "img" not in parse(page).tags
        assert HOSTILE in visible(html)
    beta = (site / "beta" / "index.html").read_text(encoding="utf-8")
    assert "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;" in beta and "</td></tr></table>" not in beta


def test_a_foreign_file_is_refused_and_nothing_written(site_db, tmp_path):
    site = tmp_path / "mine"
    site.mkdir()
    (site / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(OutputError, match="not a ccc pack"):
        export_site(site_db, site, as_of="2026-11-03")
    assert _snapshot(site) == {"notes.txt": b"mine"}


@pytest.mark.parametrize("where", [".", "acme"])
def test_a_file_added_to_a_site_is_refused_and_nothing_written(site_db, tmp_path, where):
    site = tmp_path / "site"
    export_site(site_db, site, as_of="2026-11-03")
    (site / where / "notes.txt").write_text("mine", encoding="utf-8")
    before = _snapshot(site)
    with pytest.raises(OutputError, match="did not write"):
        export_site(site_db, site, as_of="2026-11-04")
    assert _snapshot(site) == before


def test_a_rerun_replaces_only_its_own_files(site_db, tmp_path):
    site = tmp_path / "site"
    export_site(site_db, site, as_of="2026-11-03")
    first = _snapshot(site)
    inodes = {name: os.stat(site / name).st_ino for name in first}
    # An older pack the site no longer writes (a period no longer stored) stays, still listed.
    site_db.execute("DELETE FROM kpi_results WHERE contract_id = 'acme' AND period = '2026-08'")
    export_site(site_db, site, as_of="2026-11-04")
    second = _snapshot(site)
    assert set(second) == set(first)
    assert "4 Nov 2026" in second["index.html"].decode() and second["acme/acme_2026-08.html"] == first["acme/acme_2026-08.html"]
    assert "acme_2026-08.html" not in second["acme/index.html"].decode()
    # Rewritten files are replaced (renamed over), not edited in place.
    assert os.stat(site / "index.html").st_ino != inodes["index.html"]
    assert broken_links(site) == []


def test_cli_site_and_due_refresh(site_db, tmp_path, monkeypatch):
    monkeypatch.delenv("CCC_AS_OF", raising=False)
    monkeypatch.delenv("CCC_DB", raising=False)
    db = str(tmp_path / "ccc.db")
    site = tmp_path / "site"
    r = CliRunner().invoke(cli, ["--db", db, "export", "site", str(site), "--as-of", "2026-11-03"])
    assert r.exit_code == 0, r.output
    assert r.output.strip() == f"{site / 'index.html'}  (site: 2 contracts, 4 review packs)"
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "a.txt").write_text("a", encoding="utf-8")
    r = CliRunner().invoke(cli, ["--db", db, "export", "site", str(tmp_path / "other")])
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert r.output.strip().splitlines() == [
        f"error: {tmp_path / 'other'}: exists and holds files that are not a ccc pack; choose another folder"]
    r = CliRunner().invoke(cli, ["--db", db, "export", "due", "-o", str(tmp_path / "packs"), "--site", str(site),
                                 "--as-of", "2026-11-08"])
    assert r.exit_code == 0, r.output
    assert "site: 2 contracts" in r.output and "8 Nov 2026" in (site / "index.html").read_text(encoding="utf-8")
    # A refused site folder stops `export due` before any pack is written.
    r = CliRunner().invoke(cli, ["--db", db, "export", "due", "-o", str(tmp_path / "packs2"), "--site",
                                 str(tmp_path / "other"), "--as-of", "2026-11-08"])
    assert r.exit_code == 2 and not (tmp_path / "packs2").exists()
