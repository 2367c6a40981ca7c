"""Speed of `ccc import freshdesk` against the sqlite3 shell's `.import` of the same contacts, run by hand.

    .venv/bin/python bench/freshdesk_bench.py [N] [--pairs P] [--formats pages,search] [--keep]

Writes N synthetic tickets as Freshdesk's API returns them (bench/out/): `pages`, the pages of
`GET /api/v2/tickets?include=stats` (JSON arrays of 100 tickets back to back, one ticket per line,
every documented ticket property and the eight `stats` times), and `search`, the pages of
`GET /api/v2/search/tickets` (`{"results": [...], "total": N}`, no stats: read as partial contacts,
in partial blocks). Then, as `bench/talkdesk_bench.py` does (its helpers are used): interleaved
pairs of A = `ccc import freshdesk FILE` as a whole process into a fresh workspace and B = the
sqlite3 shell's `.import` of the contacts A stored, dumped as a CSV, into an equivalent table;
medians of wall and CPU time, A's peak memory, load average. Goal (issue #18): A within 3× B.
"""

from __future__ import annotations

import json
import random
import sys
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from talkdesk_bench import OUT, pairs, parse_args, report  # noqa: E402

EPOCH0 = int(datetime(2026, 10, 1, tzinfo=timezone.utc).timestamp())
PAGE = 100


def _iso(epoch: int | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, tz=timezone.utc).isoformat().replace("+00:00", "Z")


def tickets(n: int, seed: int = 11, stats: bool = True):
    """One ticket dict per ticket, ~1 minute apart, as `GET /api/v2/tickets?include=stats` writes them."""
    rnd = random.Random(seed)
    t = EPOCH0
    for i in range(n):
        t += rnd.randint(10, 110)
        status = rnd.choice((2, 3, 4, 4, 5, 5, 5, 6))
        first = t + rnd.randint(60, 20000) if status != 2 or rnd.random() < 0.5 else None
        resolved = (first or t) + rnd.randint(600, 200000) if status in (4, 5) else None
        updated = max(x for x in (t, first, resolved) if x is not None)
        ticket = {
            "cc_emails": [], "fwd_emails": [], "reply_cc_emails": [], "ticket_cc_emails": [], "fr_escalated": False,
            "spam": False, "email_config_id": 84000052345, "group_id": 84000219438 + i % 3,
            "priority": 1 + i % 4, "requester_id": 84001000000 + i % 100000,
            "responder_id": 84007931837 + i % 40 if first else None, "source": (1, 1, 2, 3, 7, 9)[i % 6],
            "company_id": None, "status": status, "subject": f"Question about invoice {i}",
            "association_type": None, "support_email": "support@example.com", "to_emails": None, "product_id": None,
            "id": 1000 + i, "type": "Question", "due_by": _iso(t + 259200), "fr_due_by": _iso(t + 86400),
            "is_escalated": False, "custom_fields": {"cf_region": "Europe"}, "created_at": _iso(t),
            "updated_at": _iso(updated), "tags": [], "nr_due_by": None, "nr_escalated": False,
        }
        if stats:
            ticket["stats"] = {
                "agent_responded_at": _iso(first), "requester_responded_at": None, "first_responded_at": _iso(first),
                "status_updated_at": _iso(updated), "reopened_at": None, "resolved_at": _iso(resolved),
                "closed_at": _iso(resolved) if status == 5 else None, "pending_since": _iso(first) if status == 3 else None,
            }
        yield ticket


def gen_pages(path: Path, n: int) -> None:
    """List pages of 100 tickets, back to back, one ticket per line."""
    with open(path, "w", encoding="utf-8") as fh:
        for i, ticket in enumerate(tickets(n)):
            fh.write(("[" if i % PAGE == 0 else ",") + json.dumps(ticket, separators=(",", ":")) + "\n")
            if i % PAGE == PAGE - 1 or i == n - 1:
                fh.write("]\n")


def gen_search(path: Path, n: int) -> None:
    """Search pages of 30 results (the search API's page size), one page object per line."""
    with open(path, "w", encoding="utf-8") as fh:
        page: list[dict] = []
        for ticket in tickets(n, stats=False):
            page.append(ticket)
            if len(page) == 30:
                fh.write(json.dumps({"results": page, "total": n}, separators=(",", ":")) + "\n")
                page = []
        if page:
            fh.write(json.dumps({"results": page, "total": n}, separators=(",", ":")) + "\n")


def main(argv: list[str]) -> None:
    n, n_pairs, formats, keep = parse_args(argv, ("pages", "search"))
    OUT.mkdir(exist_ok=True)
    results = []
    for fmt in formats:
        path = OUT / f"freshdesk-{fmt}.json"
        (gen_pages if fmt == "pages" else gen_search)(path, n)
        results.append(pairs("freshdesk", path, n_pairs, f"freshdesk-{fmt}"))
        if not keep:
            path.unlink()
    report(n, n_pairs, results)


if __name__ == "__main__":
    main(sys.argv[1:])
