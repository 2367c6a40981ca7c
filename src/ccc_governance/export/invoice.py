"""The invoice check (`invoicing.check_invoice`) as the review pack, the TUI and `ccc invoice check` show it.

Everything here but the two readers works on the check's JSON form (`InvoiceCheck.as_dict()`,
the pack's `invoice` key), so the pack's renderers, which never query, and the command format a
check the same way: `line_cells` (a line's cells in the table), `footer` (the credits netted, the
total due against the invoiced total, the notes, the tolerance verdict); `tables.invoice_table`
makes the pack's `invoice` sheet and CSV file of it.

The readers: `invoiced_periods(db, contract_id)` (the periods the contract's imported invoice
lines name, one query) and `pack_invoice(db, contract_id, period)` (what `build_pack` puts under
`invoice`: None when the period is not whole months or no invoice line of the contract lies inside
it; else the check's dict, or `{"error": message}` when the check cannot be made).
"""

from __future__ import annotations

from ..errors import CccError, PeriodError
from ..periods import Period, parse_period

#: The columns of the lines table (the command's table and Markdown, the pack's Markdown and HTML).
HEADERS = ("line", "unit", "invoiced qty", "invoiced", "expected qty", "expected", "difference", "status")


# --------------------------------------------------------------------------- reading


def whole_months(period: Period) -> bool:
    """Whether `period` is made of whole calendar months (what an invoice check needs)."""
    return period.kind not in ("day", "week") and period.start.day == 1 and period.end.day == 1


def invoiced_periods(db, contract_id: str) -> list[Period]:
    """The periods named by the contract's imported invoice lines, oldest first (one query; labels
    that do not read as a period are left out, as the check leaves them out)."""
    rows = db.execute("SELECT DISTINCT period FROM invoice_lines WHERE contract = ?", [contract_id]).fetchall()
    out = set()
    for (label,) in rows:
        try:
            out.add(parse_period(label))
        except PeriodError:
            continue
    return sorted(out, key=lambda p: (p.start, p.end))


def inside(periods: list[Period], period: Period) -> list[Period]:
    """Those of `periods` lying inside `period` (the invoice lines a check of `period` counts)."""
    return [p for p in periods if period.start <= p.start and p.end <= period.end]


def checked(db, contract_id: str, period: Period) -> dict:
    """`check_invoice(...).as_dict()`, or `{"error": message}` when the check cannot be made (no
    pricing, a missing workforce figure …: `InvoiceCheckError`, one line)."""
    from ..invoicing import check_invoice

    try:
        return check_invoice(db, contract_id, period).as_dict()
    except CccError as err:  # InvoiceCheckError, and any other one-line problem the user can act on
        return {"error": err.format()}


def pack_invoice(db, contract_id: str, period: Period) -> dict | None:
    """The pack's `invoice`: None when `period` is not whole months or the contract has no invoice
    line inside it; else the check of `period` (`checked`)."""
    if not whole_months(period):
        return None
    if not inside(invoiced_periods(db, contract_id), period):
        return None
    return checked(db, contract_id, period)


# --------------------------------------------------------------------------- words


def _money(x: float) -> str:
    from ..invoicing import money

    return money(x)


def line_cells(line: dict, currency: str | None = None) -> dict[str, str]:
    """One line's cells as text, keyed as `HEADERS` read: line_id, unit, invoiced_quantity,
    invoiced, expected_quantity, expected, difference (signed, `0.00` when none), status. With
    `currency`, amounts carry it (`89.60 EUR`, as the pack writes money)."""
    from ..invoicing import quantity_text

    def amount(x: float, sign: str = "") -> str:
        return sign + _money(x) + (f" {currency}" if currency else "")

    difference = line["difference"]
    return {"line_id": line["line_id"], "unit": line["unit"] or "–",
            "invoiced_quantity": quantity_text(line["invoiced_quantity"]), "invoiced": amount(line["invoiced_amount"]),
            "expected_quantity": quantity_text(line["expected_quantity"]), "expected": amount(line["expected_amount"]),
            "difference": amount(difference, "+" if difference > 0 else ""), "status": line["status"]}


def verdict(check: dict) -> str:
    """`within tolerance`, or `outside tolerance (max of 0.5 % and 1.00 EUR)`."""
    if check["within_tolerance"]:
        return "within tolerance"
    tolerance = check["tolerance"]
    return (f"outside tolerance (max of {tolerance['percent']:g} % and {_money(tolerance['amount'])} "
            f"{check['currency']})")


def credit_words(check: dict) -> list[str]:
    """Each service credit netted: `credit sl-voice: 500.00 EUR — sl-voice breached: …`."""
    return [f"credit {c.get('kpi_id') or c.get('kind')}: {_money(c['amount'])} {check['currency']}"
            f" — {c.get('explanation') or ''}" for c in check["credit_lines"]]


def footer(check: dict) -> list[str]:
    """The lines under the table: credits netted, their sum, the total due, notes, the verdict."""
    out = credit_words(check)
    out.append(f"service credits: {_money(check['credits'])} {check['currency']}")
    out.append(f"total due: {check['total_words']}")
    out += [f"note: {n}" for n in check["notes"]]
    out.append(verdict(check))
    return out
