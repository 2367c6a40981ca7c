"""Helpers for engine tests: register a contract from TOML text, store records directly."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from ccc_governance.contracts import registry

CONTRACT = """
schema = "ccc-contract/1"

[contract]
id = "{id}"
title = "Test"
client = "Client"
ccc = "CCC"
effective_from = {effective_from}
timezone = "Europe/Paris"
monthly_fee = 40000.0
{extra_contract}

[scope]
queues = ["{queue}"]
channels = ["voice", "email", "chat"]
{extra_scope}

{kpis}
"""

SL = """
[[kpi]]
id = "sl"
metric = "service_level"
answer_within_s = 20
short_abandon_s = 5
target = {target}
breach = {breach}
class = "critical"
allocation = 0.3
"""


def ms(text: str) -> int:
    """ISO UTC text → epoch ms."""
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc).timestamp() * 1000)


class Store:
    """Registers contracts and inserts records into a test database."""

    def __init__(self, db, folder: Path):
        self.db = db
        self.folder = folder
        self.n = 0

    def contract(self, text: str, name: str | None = None) -> list[dict]:
        self.n += 1
        path = self.folder / (name or f"c{self.n}.toml")
        path.write_text(text, encoding="utf-8")
        return registry.register(self.db, path)

    def simple_contract(self, *, id="c1", queue="q1", effective_from="2026-01-01", kpis=None, extra_scope="",
                        extra_contract="", target=0.8, breach=0.7) -> list[dict]:
        kpis = kpis if kpis is not None else SL.format(target=target, breach=breach)
        return self.contract(CONTRACT.format(id=id, queue=queue, effective_from=effective_from, kpis=kpis,
                                             extra_scope=extra_scope, extra_contract=extra_contract))

    def batch(self, first_at=None, last_at=None) -> int:
        with self.db.conn:
            cur = self.db.execute(
                "INSERT INTO batches (source, file_name, sha256, started_at, first_at, last_at) VALUES "
                "('test', 'f', ?, '2026-01-01', ?, ?)", [f"sha{self.n}-{id(self)}-{self.db.execute('SELECT COUNT(*) FROM batches').fetchone()[0]}", first_at, last_at])
        return cur.lastrowid

    def contacts(self, rows: list[dict], batch_id: int | None = None) -> int:
        """Insert contacts: each dict needs `at` (ISO UTC) and `outcome`; defaults queue q1, voice."""
        bid = batch_id or self.batch()
        with self.db.conn:
            for i, r in enumerate(rows):
                r = dict(r)
                at = ms(r.pop("at"))
                base = {"source": r.pop("source", "test"), "source_id": f"{bid}-{i}-{at}", "batch_id": bid,
                        "queue": "q1", "channel": "voice", "direction": "inbound", "arrived_at": at}
                base.update(r)
                cols = list(base)
                self.db.execute(f"INSERT INTO contacts ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                                [base[c] for c in cols])
        return bid

    def insert(self, table: str, rows: list[dict], batch_id: int | None = None) -> int:
        bid = batch_id or self.batch()
        with self.db.conn:
            for i, r in enumerate(rows):
                base = {"source": "test", "source_id": f"{table}-{bid}-{i}", "batch_id": bid, **r}
                cols = list(base)
                self.db.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                                [base[c] for c in cols])
        return bid


@pytest.fixture
def store(ccc_db, tmp_path):
    folder = tmp_path / "contracts"
    folder.mkdir()
    return Store(ccc_db, folder)
