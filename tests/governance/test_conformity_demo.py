"""`ccc conformity` on the demo workspace gives the statuses the demo builds in (issue #16: "the
readiness report on the demo workspace gives the statuses you expect by construction")."""

from __future__ import annotations

import json

from click.testing import CliRunner

from ccc_governance.cli import cli
from ccc_governance.demo import DEMO_AS_OF, run_demo


def test_demo_readiness_statuses_by_construction(tmp_path, monkeypatch):
    monkeypatch.delenv("CCC_DB", raising=False)
    monkeypatch.delenv("CCC_AS_OF", raising=False)
    ws = run_demo(tmp_path / "demo", cli, echo=lambda text: None)
    result = CliRunner().invoke(cli, ["--db", str(ws / "ccc.db"), "conformity", "--as-of", DEMO_AS_OF, "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    got = {c["contract_id"]: {d["duty"]: d["status"] for d in c["duties"]} for c in report["contracts"]}
    # The helpdesk: complaint and data terms written; the November forecast never sent; September's
    # review held 4 days late and October's not held; the Q3 access review missing; the audit of
    # 2 November still open; its breaches are fresh (first seen on the demo's day).
    assert got["acme-utility-helpdesk"] == {"agreement": "met", "information": "partly", "monitoring": "partly",
                                            "audit": "partly", "protection": "partly", "improvement": "met"}
    helpdesk = next(c for c in report["contracts"] if c["contract_id"] == "acme-utility-helpdesk")
    monitoring = next(d for d in helpdesk["duties"] if d["duty"] == "monitoring")
    assert monitoring["reasons"] == ["review 2026-09 held 4 day(s) late (2026-10-14, due by 2026-10-10)",
                                     "review 2026-10 not held (due by 2026-11-10)"]
    # The two other contracts set no complaint time-frames: agreement and protection partly.
    for cid in ("acme-public-line", "acme-retail-chat"):
        assert got[cid] == {"agreement": "partly", "information": "met", "monitoring": "met",
                            "audit": "partly", "protection": "partly", "improvement": "met"}, cid
