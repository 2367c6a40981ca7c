"""Customer identifiers are hashed with the workspace key and never stored in clear."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ccc_governance.plugins import get_plugin_manager, get_sources
from ccc_governance.privacy import customer_key, mask, normalise_identifier
from ccc_governance.store.dialect import is_postgres
from ccc_governance.store.imports import import_file

SAMPLES = Path(__file__).resolve().parents[2] / "examples" / "october-2026"
KEY = bytes(32)

CTR_MAPPING = """
kind = "contact"
source_id = "ContactId"
[fields]
arrived_at = "Queue.EnqueueTimestamp"
queue = "Queue.Name"
wait_s = "Queue.Duration"
customer = "CustomerEndpoint.Address"
version = "LastUpdateTimestamp"
"""


@pytest.mark.parametrize("a, b", [
    ("+33 6 39 98 12 34", "tel:+33639981234"),
    ("0033639981234", "+33639981234"),
    ("Jo.Smith@Example.COM", " jo.smith@example.com "),
    ("mailto:jo@example.com", "jo@example.com"),
])
def test_same_identifier_written_differently_gives_same_key(a, b):
    assert customer_key(KEY, a) == customer_key(KEY, b)


def test_key_is_keyed_blake2b_of_the_normal_form():
    import hashlib

    expected = hashlib.blake2b(b"+33639981234", key=KEY, digest_size=16).hexdigest()
    assert customer_key(KEY, "tel:+33 6 39 98 12 34") == expected
    assert customer_key(b"\x01" * 32, "+33639981234") != expected
    assert customer_key(KEY, None) is None and customer_key(KEY, "  ") is None
    assert normalise_identifier("ACCT-77") == "ACCT-77"


def test_mask_hides_numbers_and_emails_keeps_timestamps_and_ids():
    text = "1790963706|1790963706.7432|q|NONE|ENTERQUEUE||0639988977|1 ani tel:+33639983768 jo@x.org 2026-10-04 10:53:27"
    assert mask(text) == "1790963706|1790963706.7432|q|NONE|ENTERQUEUE||<phone>|1 ani <phone> <email> 2026-10-04 10:53:27"
    assert mask("a" * 600, 500) == "a" * 499 + "…"


def _numbers_in_samples() -> set[str]:
    found = set()
    for f in SAMPLES.iterdir():
        if f.suffix in (".csv", ".json", ".jsonl") and f.name != "truth.csv" or f.name == "queue_log":
            found.update(re.findall(r"(?:\+33|0)639\d{6}", f.read_text(encoding="utf-8")))
    return found


def test_no_phone_number_from_the_samples_is_in_the_database(ccc_workspace, ccc_db, tmp_path):
    numbers = _numbers_in_samples()
    assert len(numbers) > 100
    pm = get_plugin_manager(ccc_workspace)
    (tmp_path / "ctr.toml").write_text(CTR_MAPPING, encoding="utf-8")
    s = import_file(ccc_db, ccc_workspace, pm, "csv", SAMPLES / "ctr.jsonl", options={"mapping": str(tmp_path / "ctr.toml")})
    assert s["quarantined"] == 2 + 8 + 4 and s["imported"] == 688  # 12 never-queued rows have no enqueue time
    # the platform plugins installed beside this one import the same samples, when present
    sources = get_sources(pm)
    for name, file in (("asterisk-queue-log", "queue_log"), ("amazon-connect", "ctr.jsonl"),
                       ("genesys-cloud", "genesys.json")):
        if name in sources:
            import_file(ccc_db, ccc_workspace, pm, name, SAMPLES / file)
    if is_postgres(ccc_db):  # every row of every table, as text
        blob = "".join(r[0] for t in ccc_db.table_names() for r in ccc_db.execute(f'SELECT t::text FROM "{t}" t')).encode()
    else:  # the file's bytes
        ccc_db.conn.execute("PRAGMA wal_checkpoint(FULL)")
        blob = b"".join(p.read_bytes() for p in ccc_workspace.db_path.parent.glob(ccc_workspace.db_path.name + "*"))
    assert ccc_db.execute("SELECT count(*) FROM contacts WHERE customer_key IS NOT NULL").fetchone()[0] >= 688
    for number in numbers:
        for form in {number, number.replace("+33", "0"), number.lstrip("+"), "+33" + number[1:] if number[0] == "0" else number}:
            assert form.encode() not in blob, form


from hypothesis import given, strategies as st  # noqa: E402

from ccc_governance.privacy import customer_hasher  # noqa: E402

_IDENTIFIERS = st.one_of(
    st.text(max_size=20),
    st.from_regex(r"(tel:|sip:|TEL:|mailto:)?(\+|00|0|\+00)?[0-9 .\-]{0,16}", fullmatch=True),
    st.from_regex(r"[A-Za-z.]{1,8}@[a-z]{1,8}\.(com|FR)", fullmatch=True),
    st.from_regex(r"\s?(mailto:|MAILTO:|Sip:|tel:)?\s?[A-Za-zÉ.+]{1,8}@[a-zA-Z]{1,8}\.(com|FR)\s?", fullmatch=True),
)


@given(st.lists(st.one_of(st.none(), _IDENTIFIERS), max_size=8))
def test_the_batch_hasher_gives_customer_key_for_any_identifier(identifiers):
    """The import's fast hasher (per value and per column) equals `customer_key`, whatever the text."""
    hasher = customer_hasher(KEY)
    expected = [customer_key(KEY, i) for i in identifiers]
    assert [hasher(i) for i in identifiers] == expected
    assert hasher.column(identifiers) == expected
