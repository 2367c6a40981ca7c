"""The portfolio (the TUI's first screen and `ccc portfolio`) reads the store in a number of queries
that does not grow with the number of contracts (issue #14: no query per row), on both stores."""

from __future__ import annotations

import contextlib

from tui_fixture_data import AS_OF, build

from ccc_governance.portfolio import portfolio
from ccc_governance.store.db import open_db
from ccc_governance.store.dialect import is_postgres


@contextlib.contextmanager
def counting(db):
    """The statements `db` runs inside the block (a list of SQL texts)."""
    seen: list[str] = []
    if is_postgres(db):
        conn, real, real_many = db.conn, db.conn.execute, db.conn.executemany
        conn.execute = lambda sql, parameters=(), /: (seen.append(sql), real(sql, parameters))[1]
        conn.executemany = lambda sql, seq, /: (seen.append(sql), real_many(sql, seq))[1]
        try:
            yield seen
        finally:
            del conn.execute, conn.executemany
    else:
        db.conn.set_trace_callback(seen.append)
        try:
            yield seen
        finally:
            db.conn.set_trace_callback(None)


def _more_contracts(db, n: int) -> None:
    """`n` copies of every contract of the fixture, with their results, reviews and credits."""
    next_id = 100  # (the fixture gives its breaches' ids itself: PostgreSQL's identity has not moved)
    for i in range(n):
        for table in ("contract_versions", "kpi_results", "reviews", "credits", "breaches"):
            names = [c.name for c in db[table].columns]
            rows = db.execute(f"SELECT {', '.join(names)} FROM {table} WHERE contract_id NOT LIKE 'x%'").fetchall()
            for row in rows:
                row = dict(zip(names, row), contract_id=f"x{i}-{row[names.index('contract_id')]}")
                if "id" in row:
                    row["id"], next_id = next_id, next_id + 1
                db.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                           list(row.values()))
    db.conn.commit()


def test_the_portfolio_reads_in_a_bounded_number_of_queries(tmp_path):
    db = open_db(build(tmp_path / "ccc.db"))
    try:
        with counting(db) as few:
            rows = portfolio(db, AS_OF).rows
        assert len(rows) == 3
        _more_contracts(db, 3)
        with counting(db) as many:
            rows = portfolio(db, AS_OF).rows
        assert len(rows) == 12 and sum(r.open_breaches for r in rows) == 4 * 2
        assert sum(r.credits_due for r in rows) == 4 * 1500.0
        assert len(many) == len(few), "\n".join(many)
    finally:
        db.conn.close()
