"""The invoice test cases shared by tests/invoice, tests/export and tests/tui: a contract with `[pricing]`
(`contract()`), October's contacts (`Calls().october()`), the `ws` fixture that registers, imports
contacts through the csv plugin and invoices through invoice-csv, and `over_billed(ws)`. Importable
from every test folder (`pythonpath = ["tests"]` in pyproject.toml); figures are worked out in the tests.
"""

from __future__ import annotations

import pytest

from ccc_governance.contracts.registry import register
from ccc_governance.engine.evaluate import evaluate
from ccc_governance.periods import parse_period
from ccc_governance.plugins import get_plugin_manager
from ccc_governance.testing import import_file

CONTRACT = """\
schema = "ccc-contract/1"

[contract]
id = "acme"
title = "Acme helpdesk"
client = "Acme"
ccc = "CallCo"
effective_from = {start}
timezone = "Europe/Paris"
monthly_fee = 10000

[scope]
queues = ["sales*", "support"]
channels = ["voice", "email"]
{extra}
[pricing]
tolerance_percent = 0.5

[[pricing.line]]
id = "handled-voice"
unit = "handled_contact"
channels = ["voice"]
rate = {voice_rate}
tiers = "{tiers}"
{tier}
[[pricing.line]]
id = "email-minutes"
unit = "handled_minute"
channels = ["email"]
queues = ["support"]
rate = 0.50

[[pricing.line]]
id = "platform"
unit = "fixed_month"
rate = {platform}
"""

TIER = """
[[pricing.line.tier]]
from = 20
rate = 3.00
"""

CREDITS = """
[[kpi]]
id = "sl-voice"
metric = "service_level"
answer_within_s = 20
target = 0.8
breach = 0.7
channel = "voice"
class = "critical"
allocation = 1.0

[service_credits]
at_risk_percent = 5
"""

MAPPING = """\
kind = "contact"
source_id = "id"
timezone = "Europe/Paris"
timestamp_format = "%Y-%m-%d %H:%M:%S"
[fields]
arrived_at = "arrived"
answered_at = "answered"
queue = "queue"
outcome = "outcome"
channel = "channel"
wait_s = "wait"
talk_s = "talk"
hold_s = "hold"
wrap_s = "wrap"
"""


def contract(start="2026-10-01", voice_rate="3.20", tiers="marginal", tier=TIER, platform="1500", extra=""):
    return CONTRACT.format(start=start, voice_rate=voice_rate, tiers=tiers, tier=tier, platform=platform,
                           extra=extra)


class Calls:
    """Contacts written as CSV rows (local Paris times)."""

    def __init__(self):
        self.rows = ["id,arrived,answered,queue,outcome,channel,wait,talk,hold,wrap"]

    def add(self, when, queue="sales-fr", channel="voice", outcome="answered", wait=10, talk=180, hold=20, wrap=40):
        answered = when if outcome == "answered" else ""
        self.rows.append(f"c{len(self.rows)},{when},{answered},{queue},{outcome},{channel},{wait},{talk},{hold},{wrap}")
        return self

    def october(self):
        """26 handled voice contacts in scope (15 within 20 s), 5 abandoned, 3 in a queue out of scope,
        10 support e-mails of 5 handled minutes, 4 sales e-mails; and a call of 1 November (Paris)."""
        for i in range(25):
            self.add(f"2026-10-{1 + i:02d} 10:00:00", queue="sales-fr" if i % 2 else "sales-en",
                     wait=10 if i < 15 else 40)
        self.add("2026-10-31 23:30:00", talk=60, hold=0, wrap=0)  # 22:30 UTC: still October in Paris
        self.add("2026-11-01 00:30:00", talk=60, hold=0, wrap=0)  # 31 October in UTC, November in Paris
        for i in range(5):
            self.add(f"2026-10-{2 + i:02d} 11:00:00", outcome="abandoned", wait=60, talk=0, hold=0, wrap=0)
        for i in range(3):
            self.add(f"2026-10-{3 + i:02d} 12:00:00", queue="other")
        for i in range(10):
            self.add(f"2026-10-{5 + i:02d} 09:00:00", queue="support", channel="email", talk=240, hold=0, wrap=60)
        for i in range(4):
            self.add(f"2026-10-{5 + i:02d} 09:00:00", queue="sales-en", channel="email", talk=600, hold=0, wrap=0)
        return self


@pytest.fixture
def ws(ccc_workspace, ccc_db, tmp_path):
    """A workspace: `contract(text)` registers a version, `calls(Calls)` and `invoice(text)` import."""
    pm = get_plugin_manager(ccc_workspace)
    (tmp_path / "mapping.toml").write_text(MAPPING)
    n = {"files": 0}

    class W:
        db = ccc_db

        @staticmethod
        def contract(text):
            n["files"] += 1
            path = tmp_path / f"contract-{n['files']}.toml"
            path.write_text(text)
            return register(ccc_db, path)

        @staticmethod
        def calls(calls: Calls):
            n["files"] += 1
            path = tmp_path / f"calls-{n['files']}.csv"
            path.write_text("\n".join(calls.rows) + "\n")
            return import_file(ccc_db, ccc_workspace, pm, "csv", path, options={"mapping": str(tmp_path / "mapping.toml")})

        @staticmethod
        def invoice(*lines, period="2026-10"):
            n["files"] += 1
            path = tmp_path / f"invoice-{n['files']}.csv"
            body = "\n".join(f"acme,{period},{line}" for line in lines)
            path.write_text("contract,period,line_id,quantity,unit_price,amount\n" + body + "\n")
            return import_file(ccc_db, ccc_workspace, pm, "invoice-csv", path, options={"currency": "EUR"})

    return W


def over_billed(ws, as_of="2026-11-16"):
    """The contract with a critical service-level KPI and a service credit, October's contacts, evaluated,
    and an invoice whose voice line bills two calls too many: the service level is breached (15 of 26
    answered within 20 s, with 5 abandons: far under 70 %), a credit of 10,000 × 5 % = 500.00 EUR."""
    ws.contract(contract(extra=CREDITS))
    ws.calls(Calls().october())
    evaluate(ws.db, contract_id="acme", period=parse_period("2026-10"), as_of=as_of)
    ws.invoice("handled-voice,28,3.20,89.60", "email-minutes,50,0.50,25", "platform,1,1500,1500",
               "service-credit,1,,-500")
