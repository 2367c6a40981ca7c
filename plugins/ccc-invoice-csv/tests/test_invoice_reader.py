"""The invoice-csv reader on its own, and through the import pipeline (quarantine with reasons)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from ccc_governance.errors import SourceError
from ccc_governance.plugins import get_plugin_manager, get_sources
from ccc_governance.records import InvoiceLine, Rejected
from ccc_governance.sources import ReadContext
from ccc_governance.testing import import_file, list_quarantine

from ccc_invoice_csv.reader import read_invoice


def read(path, **options):
    return list(read_invoice(ReadContext(path=path, options=options)))


def write(tmp_path, text, name="invoice.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_lines_are_read_with_their_period_and_key(tmp_path):
    path = write(tmp_path, "contract;period;line_id;quantity;unit_price;amount;currency\n"
                           "acme;2026-10;handled-voice;1 402;3,20;4 486,40;eur\n"
                           "acme;10/2026;base;1;;5,000.00;EUR\n")
    a, b = read(path)
    assert isinstance(a, InvoiceLine) and a.source_id == "acme|2026-10|handled-voice"
    assert (a.quantity, a.unit_price, a.amount, a.currency) == (1402.0, 3.2, 4486.4, "EUR")
    assert a.period_start == datetime(2026, 10, 1, tzinfo=timezone.utc) and a.line == 2
    assert (b.period, b.amount, b.unit_price) == ("2026-10", 5000.0, None)


def test_column_mapping_reads_another_layout(tmp_path):
    path = write(tmp_path, "Mois,Article,Nb,PU,Total HT\n2026-Q4,handled-voice,10,3.2,\n")
    (line,) = read(path, contract="acme", currency="EUR",
                   columns="period=Mois,line_id=Article,quantity=Nb,unit_price=PU,amount=Total HT")
    assert (line.period, line.line_id, line.quantity, line.amount, line.currency) == ("2026-Q4", "handled-voice", 10.0,
                                                                                      32.0, "EUR")
    assert line.period_start == datetime(2026, 10, 1, tzinfo=timezone.utc)
    with pytest.raises(SourceError, match="'qty' is not a column of invoice-csv"):
        read(path, contract="acme", columns="qty=Nb")


def test_a_file_without_a_contract_is_refused(tmp_path):
    path = write(tmp_path, "period,line_id,quantity,amount\n2026-10,x,1,1\n")
    with pytest.raises(SourceError, match="no contract"):
        read(path)


def test_bad_invoice_file_is_quarantined_with_reasons(tmp_path, ccc_workspace, ccc_db):
    pm = get_plugin_manager(ccc_workspace)
    assert get_sources(pm)["invoice-csv"].kinds == ("invoice_line",)
    path = write(tmp_path, "period,line_id,quantity,unit_price,amount,currency\n"
                           "2026-10,handled-voice,1402,3.20,4486.40,EUR\n"
                           "October,base,1,,5000,EUR\n"
                           "2026-10,handled-email,many,1.5,,EUR\n"
                           "2026-10,minutes,-5,0.5,-2.5,EUR\n"
                           "2026-10,extra,1,2,,euros\n"
                           "2026-10,short\n")
    summary = import_file(ccc_db, ccc_workspace, pm, "invoice-csv", path, options={"contract": "acme"})
    assert (summary["imported"], summary["quarantined"]) == (1, 5)
    (row,) = ccc_db.query("SELECT source_id, period, line_id, quantity, amount, contract FROM invoice_lines")
    assert row == {"source_id": "acme|2026-10|handled-voice", "period": "2026-10", "line_id": "handled-voice",
                   "quantity": 1402.0, "amount": 4486.4, "contract": "acme"}
    reasons = {q["line"]: q["reason"] for q in list_quarantine(ccc_db)}
    assert reasons[3] == "invoice line base: period 'October': is not a period (write a month 2026-10 or a quarter 2026-Q4)"
    assert reasons[4] == "invoice line handled-email: quantity 'many': is not a number"
    assert reasons[5].startswith("invoice line minutes: quantity -5 is negative")
    assert reasons[6] == "invoice line extra: currency 'EUROS' is not a three-letter code (EUR)"
    assert reasons[7] == "has 2 fields, the header has 6"


def test_decimal_option_reads_a_dot_as_thousands(tmp_path):
    path = write(tmp_path, "period;line_id;quantity;unit_price;amount\n2026-10;v;1.402;3,20;4.486,40\n")
    (auto,) = read(path, contract="acme")
    assert (auto.quantity, auto.amount) == (1.402, 4486.4)
    (line,) = read(path, contract="acme", decimal=",")
    assert (line.quantity, line.unit_price, line.amount) == (1402.0, 3.2, 4486.4)
