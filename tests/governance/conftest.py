"""Fixtures for governance tests: a database with contracts registered straight into `contract_versions`."""

from __future__ import annotations

import hashlib

import pytest

from ccc_governance.store.db import open_db

#: Monthly reviews (10 days to hold, 3-day pre-read), a forecast due 5 days before each month,
#: an information pack by the 15th, a quarterly access review due 14 days into each quarter and a
#: yearly DPIA; one year of retention.
ACME = """\
schema = "ccc-contract/1"

[contract]
id = "acme"
title = "Acme customer support"
client = "Acme"
ccc = "CallCo"
effective_from = 2026-01-01
timezone = "Europe/Paris"

[scope]
sources = ["amazon-connect", "asterisk-queue-log"]
queues = ["acme-*", "Acme Support"]
channels = ["voice", "chat"]

[[kpi]]
id = "sl"
metric = "service_level"
target = 0.8
answer_within_s = 20

[review]
frequency = "monthly"
hold_within_days = 10
pre_read_days = 3
sign_off = ["client", "ccc"]

[data_handling]
retention_days = 365

[[data_handling.duty]]
id = "access-review"
every = "quarterly"
due = "14d"
description = "Review who at the CCC can read customer data"

[[data_handling.duty]]
id = "dpia"
every = "annual"
description = "Data-protection impact assessment"

[[obligation]]
id = "forecast"
description = "Volume forecast for the next month"
every = "monthly"
due = "-5d"

[[obligation]]
id = "info-pack"
description = "Product information pack"
every = "monthly"
due = "14d"
"""

#: A second contract with the same CCC, reviewed quarterly by the client alone.
BETA = """\
schema = "ccc-contract/1"

[contract]
id = "beta"
title = "Beta sales line"
client = "Acme"
ccc = "CallCo"
effective_from = 2026-07-01
timezone = "Europe/Paris"

[scope]
queues = ["535f9413-fff9-4936-ae77-22ab07f61915"]

[[kpi]]
id = "sl"
metric = "service_level"
target = 0.8
answer_within_s = 20

[review]
frequency = "quarterly"
hold_within_days = 15
pre_read_days = 5
sign_off = ["client"]
"""


def register_text(db, contract_id: str, text: str, *, version: int = 1, effective_from: str = "2026-01-01") -> None:
    """Register a contract version the way the registry stores it (TOML text + a few columns)."""
    db["contract_versions"].insert(
        {
            "contract_id": contract_id,
            "version": version,
            "sha256": hashlib.sha256(text.encode()).hexdigest(),
            "path": f"/contracts/{contract_id}.toml",
            "toml": text,
            "title": contract_id,
            "client": "Acme",
            "ccc": "CallCo",
            "timezone": "Europe/Paris",
            "effective_from": effective_from,
            "registered_at": "2026-01-01T00:00:00Z",
        }
    )


@pytest.fixture
def gdb(tmp_path):
    """A fresh database with contracts `acme` (monthly) and `beta` (quarterly) registered."""
    db = open_db(tmp_path / "ccc.db")
    register_text(db, "acme", ACME)
    register_text(db, "beta", BETA, effective_from="2026-07-01")
    yield db
    db.conn.close()


@pytest.fixture
def contract_texts():
    """The test contracts' TOML text by id (for tests that register files through the registry)."""
    return {"acme": ACME, "beta": BETA}
