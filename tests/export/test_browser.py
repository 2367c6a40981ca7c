"""The HTML review pack, the portfolio pack and the static site as a browser renders them: headless Chromium (Debian's
`chromium`), no network. Checks the rendered text (the CCC's figure, no `None`, no `{"`, no raw
status id or fraction), that nothing logs a console error, and that a screenshot is drawn (kept in
pytest's temporary folder, never in the repo). Skipped where Chromium is not installed."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from ccc_governance.export.site import export_site
from ccc_governance.export.write import export_portfolio, export_review

from .conftest import add_contract
from .test_readable import assert_readable, read_db, visible  # noqa: F401  (read_db is a fixture)
from .test_site import broken_links, parse

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
         "--disable-extensions", "--disable-background-networking", "--host-resolver-rules=MAP * ~NOTFOUND",
         "--enable-logging=stderr", "--v=0", "--window-size=1400,2000"]


def _chromium(page, *args, tmp_path) -> subprocess.CompletedProcess:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args, page.as_uri()],
                          capture_output=True, text=True, timeout=120, env={"HOME": str(home), "PATH": "/usr/bin:/bin"})


def _render(page, tmp_path) -> str:
    dom = _chromium(page, "--dump-dom", tmp_path=tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    errors = [line for line in dom.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert errors == []
    shot = tmp_path / f"{page.stem}.png"
    _chromium(page, f"--screenshot={shot}", tmp_path=tmp_path)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    return visible(dom.stdout)


def test_review_pack_in_chromium(read_db, tmp_path):
    page = tmp_path / "acme_2026-10.html"
    export_review(read_db, "acme", "2026-10", "html", page, as_of="2026-11-03", evaluate=False)
    text = _render(page, tmp_path)
    assert_readable(text)
    assert re.search(r"82\.9 %\W+84\.0 %\W+-1\.1 pts", text)  # ours, the CCC's, the difference
    assert "Trend of Service level" in text and "breached" in text


def test_portfolio_pack_in_chromium(read_db, tmp_path):
    add_contract(read_db, contract_id="beta", title="Beta line", ccc="Other CC",
                 sl={"2026-10": (0.78, "breached", 100, 78)}, asa={})
    page = tmp_path / "portfolio_2026-10.html"
    export_portfolio(read_db, "2026-10", "html", page, as_of="2026-11-03", evaluate=False)
    text = _render(page, tmp_path)
    assert_readable(text)
    assert "Service level" in text and "KPIs by status" in text and text.index("Beta line") < text.index("Acme support")


def test_site_in_chromium(read_db, tmp_path):
    add_contract(read_db, contract_id="beta", title="Beta line", ccc="Other CC",
                 sl={"2026-10": (0.78, "breached", 100, 78)}, asa={})
    site = tmp_path / "site"
    export_site(read_db, site, as_of="2026-11-03")
    index = _render(site / "index.html", tmp_path)
    assert_readable(index)
    assert index.index("Beta line") < index.index("Acme support") and "disputed" in index and "overdue" in index
    page = site / "acme" / "index.html"
    shots = tmp_path / "acme"
    shots.mkdir()
    contract = _render(page, shots)
    assert_readable(contract)
    assert re.search(r"82\.9 %\W+CCC: 84\.0 % \(ours -1\.1 pts\)", contract)  # ours, the CCC's, the difference
    # Every link of the pages the browser drew resolves to a file of the site (and its anchor).
    assert broken_links(site) == []
    assert {"../index.html", "acme_2026-10.html"} <= set(parse(page).refs)
