"""Read the lines of the invoice a contact centre sends (CSV) into `InvoiceLine` records.

The format is documented in the package README; `COLUMNS` is its machine form. `--option columns=`
(or `[sources.invoice-csv] columns` in ccc.toml) maps each column to the header another layout
uses, e.g. `columns=line_id=Article,quantity=Qty,amount=Total HT`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ccc_governance.errors import SourceError
from ccc_governance.readers import FieldError, Row, Table, option_pairs, parse_float
from ccc_governance.records import InvoiceLine
from ccc_governance.sources import ReadContext

#: canonical column → accepted aliases (compared case-, space- and punctuation-insensitively)
COLUMNS: dict[str, tuple[str, ...]] = {
    "period": ("billing_period", "invoice_period", "month", "periode", "période"),
    "line_id": ("line", "pricing_line", "item", "item_code", "article", "code", "sku", "service"),
    "quantity": ("qty", "units", "volume", "quantite", "quantité"),
    "unit_price": ("price", "rate", "unit_rate", "prix_unitaire"),
    "amount": ("total", "line_total", "net_amount", "amount_excl_tax", "montant", "montant_ht"),
    "currency": ("ccy", "devise"),
    "contract": ("contract_id", "agreement"),
    "invoice": ("invoice_no", "invoice_number", "invoice_id", "numero_facture"),
    "description": ("label", "text", "designation", "libelle", "libellé"),
}
REQUIRED = ("period", "line_id", "quantity")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})(?:-01)?$")
_MONTH_FIRST = re.compile(r"^(\d{1,2})[/.](\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.I)


def read_invoice(ctx: ReadContext) -> Iterator[Any]:
    """The `invoice-csv` source's reader: one `InvoiceLine` per row, bad rows quarantined."""
    options = dict(ctx.options or {})
    columns = mapped_columns(options, Path(ctx.path))
    table = Table(Path(ctx.path), options, columns, REQUIRED, progress=ctx.progress)
    default_contract = str(options.get("contract") or "").strip() or None
    default_currency = str(options.get("currency") or "").strip().upper() or None
    decimal = str(options.get("decimal") or "").strip() or None
    if decimal not in (None, ".", ","):
        raise SourceError(f"option decimal={decimal!r} is not . or ,", file=str(ctx.path))
    checked = False
    for row in table.rows():
        if not checked:
            checked = True
            if default_contract is None and not table.has("contract"):
                raise SourceError("no contract: give a `contract` column or --option contract=ID",
                                  file=str(ctx.path))
            if not table.has("amount") and not table.has("unit_price"):
                raise SourceError("missing column amount (or unit_price, to compute it)", file=str(ctx.path),
                                  line=table.header_line)
        if row.error:
            yield ctx.reject(row.line, row.error, raw=row.raw)
            continue
        label = row.values.get("line_id")
        try:
            yield line_from(row, table, default_contract, default_currency, decimal)
        except FieldError as err:
            prefix = f"invoice line {label}: " if label else ""
            yield ctx.reject(row.line, f"{prefix}{err}", raw=row.raw)


def mapped_columns(options: dict[str, Any], path: Path) -> dict[str, tuple[str, ...]]:
    """`COLUMNS`, with each column named in the `columns` option read from that header only."""
    mapping = option_pairs(options.get("columns"), "columns", path, "line_id=Article,quantity=Qty")
    unknown = [k for k in mapping if k not in COLUMNS]
    if unknown:
        raise SourceError(f"option columns: {unknown[0]!r} is not a column of invoice-csv "
                          f"(one of {', '.join(COLUMNS)})", file=str(path))
    columns = {name: aliases for name, aliases in COLUMNS.items()}
    for name, header in mapping.items():
        columns[name] = ()
        # the header the user named stands for this column only
        for other, aliases in columns.items():
            columns[other] = tuple(a for a in aliases if a != header)
        columns[name] = (header,)
    return columns


def line_from(row: Row, table: Table, default_contract: str | None, default_currency: str | None,
              decimal: str | None = None) -> InvoiceLine:
    """One row → an `InvoiceLine`; raises `FieldError` naming the column at fault."""
    def number(text: str) -> float:
        return parse_money(text, decimal)

    period = row.get("period", parse_period, required=True)
    line_id = row.text("line_id", required=True)
    quantity = row.get("quantity", number, required=True)
    unit_price = row.get("unit_price", number)
    amount = row.get("amount", number)
    if amount is None:
        if unit_price is None:
            raise FieldError(f"{table.header_of('amount')} is empty (and no {table.header_of('unit_price')} "
                             "to compute it)")
        amount = round(quantity * unit_price, 2)
    if quantity < 0:
        raise FieldError(f"{table.header_of('quantity')} {quantity:g} is negative (a credit note is not an "
                         "invoice line)")
    contract = row.text("contract") or default_contract
    if contract is None:
        raise FieldError(f"{table.header_of('contract')} is empty (or pass --option contract=ID)")
    currency = (row.text("currency") or default_currency or "").upper() or None
    if currency is not None and not re.fullmatch(r"[A-Z]{3}", currency):
        raise FieldError(f"{table.header_of('currency')} {currency!r} is not a three-letter code (EUR)")
    label, start = period
    return InvoiceLine(
        source_id=f"{contract}|{label}|{line_id}",
        period_start=start,
        period=label,
        line_id=line_id,
        quantity=quantity,
        amount=amount,
        unit_price=unit_price,
        currency=currency,
        contract=contract,
        invoice=row.text("invoice"),
        description=row.text("description"),
        line=row.line,
    )


def parse_period(text: str) -> tuple[str, datetime]:
    """`2026-10`, `10/2026`, `2026-10-01` (a month) or `2026-Q4` → (label, midnight UTC of its first day)."""
    value = text.strip()
    m = _MONTH.match(value)
    if m:
        year, month = int(m.group(1)), int(m.group(2))
    else:
        m = _MONTH_FIRST.match(value)
        if m:
            month, year = int(m.group(1)), int(m.group(2))
        else:
            q = _QUARTER.match(value)
            if not q:
                raise FieldError("is not a period (write a month 2026-10 or a quarter 2026-Q4)")
            year, quarter = int(q.group(1)), int(q.group(2))
            return f"{year:04d}-Q{quarter}", datetime(year, 3 * quarter - 2, 1, tzinfo=timezone.utc)
    if not 1 <= month <= 12 or not 1970 <= year <= 2199:
        raise FieldError("is not a period (write a month 2026-10 or a quarter 2026-Q4)")
    return f"{year:04d}-{month:02d}", datetime(year, month, 1, tzinfo=timezone.utc)


def parse_money(text: str, decimal: str | None = None) -> float:
    """A number as invoices write it: `4486.40`, `4,486.40`, `4 486,40`, `4.486,40`, with or without a
    currency sign. `decimal` (`.` or `,`) says which mark is the decimal one when a file writes
    `1.402` for 1402; without it a lone mark is read as the decimal one."""
    value = re.sub(r"[\s\u00a0\u202f€$£']|EUR|USD|GBP|CHF", "", text.strip(), flags=re.I)
    if decimal is not None:
        thousands = "." if decimal == "," else ","
        value = value.replace(thousands, "").replace(",", ".")
    elif "," in value and "." in value:
        decimal = "," if value.rfind(",") > value.rfind(".") else "."
        value = value.replace("." if decimal == "," else ",", "").replace(",", ".")
    if value.endswith("%"):
        raise FieldError("is not a number")  # (an amount, not a share)
    return parse_float(value)  # (a lone comma is the decimal one; NaN and infinities refused)
