"""The CCC's invoice checked against the contract's `[pricing]` and the volumes in the store.

`check_invoice(db, contract_id, period)` recomputes, for each pricing line, the quantity the CCC
may bill from the store (contacts of the contract's scope and the line's, arrived on the local days
of the period in the contract's time zone; the CCC's workforce figures for `fte_month`), prices it
with the version of the contract in force on each day, and sets it beside the invoice lines
imported for the period (record kind `invoice_line`). The period's service credits (stored by
`ccc evaluate`) are netted from the expected total.

Pricing is monthly: tiers count a calendar month's volume. When a version changes inside a month,
each part of the month is priced by its own version's line; marginal tiers place the part's
volume after the volume of the parts before it, whole-volume tiers take the rate the month's
whole volume reaches.

A line is within tolerance when its amount differs from the expected one by at most the larger of
`tolerance_percent` of the expected amount and `tolerance_amount` (the contract's `[pricing]`;
0.5 % or 1 unit of the currency by default); so is the total. Nothing here writes to the store.
"""

from __future__ import annotations

import calendar
import fnmatch
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import attrs

from .contracts.model import Contract, PriceLine, number_text
from .contracts.registry import versions_in_force
from .errors import CccError, PeriodError
from .periods import Period, parse_period

#: what one unit of a pricing unit is called in a sentence (plural), and its short form in a difference
UNIT_WORDS = {
    "handled_contact": ("handled contacts", "contacts"),
    "handled_minute": ("handled minutes", "minutes"),
    "productive_hour": ("productive hours", "hours"),
    "fte_month": ("FTE-months", "FTE-months"),
    "fixed_month": ("months", "months"),
}
_CHANNEL_WORDS = {"voice": "calls", "email": "e-mails", "chat": "chats", "sms": "text messages",
                  "social": "social messages", "video": "video calls"}


class InvoiceCheckError(CccError):
    """An invoice check that cannot be made (no pricing, a period that is not whole months,
    no workforce figures for an `fte_month` line). One line; exit 2."""


@attrs.define
class Part:
    """One priced piece of a line: `quantity` units at `rate`."""

    quantity: float
    rate: float


@attrs.define
class LineCheck:
    """One pricing line (or one invoice line without a pricing line) of the check."""

    line_id: str
    unit: str | None  # None: the invoice names a line the contract does not price
    invoiced_quantity: float
    invoiced_amount: float
    invoiced_unit_price: float | None
    expected_quantity: float
    expected_amount: float
    parts: list[Part]
    noun: str  # "calls", "minutes" … for the words
    within_tolerance: bool
    status: str  # ok | over-billed | under-billed | not priced | credit on the invoice
    words: str

    @property
    def difference(self) -> float:
        return round(self.invoiced_amount - self.expected_amount, 2)

    @property
    def quantity_difference(self) -> float:
        return round(self.invoiced_quantity - self.expected_quantity, 4)

    def as_dict(self) -> dict:
        return {
            "line_id": self.line_id, "unit": self.unit,
            "invoiced_quantity": self.invoiced_quantity, "invoiced_amount": self.invoiced_amount,
            "invoiced_unit_price": self.invoiced_unit_price,
            "expected_quantity": self.expected_quantity, "expected_amount": self.expected_amount,
            "difference": self.difference, "quantity_difference": self.quantity_difference,
            "rates": [{"quantity": p.quantity, "rate": p.rate} for p in self.parts],
            "within_tolerance": self.within_tolerance, "status": self.status, "words": self.words,
        }


@attrs.define
class InvoiceCheck:
    """The whole check of one contract and period."""

    contract_id: str
    period: str
    currency: str
    lines: list[LineCheck]
    credits: float
    credit_lines: list[dict]
    expected_lines_total: float
    invoiced_total: float
    tolerance_percent: float
    tolerance_amount: float
    notes: list[str]

    @property
    def expected_total(self) -> float:
        """What the client owes for the period: the expected lines less the service credits."""
        return round(self.expected_lines_total - self.credits, 2)

    @property
    def total_difference(self) -> float:
        return round(self.invoiced_total - self.expected_total, 2)

    @property
    def total_within_tolerance(self) -> bool:
        return within(self.total_difference, self.expected_total, self.tolerance_percent, self.tolerance_amount)

    @property
    def ok(self) -> bool:
        """Every line and the total within tolerance (exit 0)."""
        return self.total_within_tolerance and all(line.within_tolerance for line in self.lines)

    @property
    def credits_on_invoice(self) -> float:
        """What the CCC deducted on its invoice itself (its lines with a negative amount and no pricing line)."""
        return round(-sum(line.invoiced_amount for line in self.lines
                          if line.unit is None and line.invoiced_amount < 0), 2)

    def total_words(self) -> str:
        c = self.currency
        credit = f" − {money(self.credits)} {c} service credits" if self.credits else ""
        text = (f"expected {money(self.expected_lines_total)} {c}{credit} = {money(self.expected_total)} {c} due; "
                f"invoiced {money(self.invoiced_total)} {c}: {signed(self.total_difference)} {c}")
        if self.credits and not self.credits_on_invoice:
            lines = self.invoiced_total - self.expected_lines_total
            text += (f" ({signed(lines)} {c} on the lines, and the {money(self.credits)} {c} of service credits "
                     "not deducted on the invoice)")
        return text + ("" if self.total_within_tolerance else " (outside the tolerance)")

    def as_dict(self) -> dict:
        return {
            "contract_id": self.contract_id, "period": self.period, "currency": self.currency,
            "lines": [line.as_dict() for line in self.lines],
            "credits": self.credits, "credit_lines": self.credit_lines,
            "expected_lines_total": self.expected_lines_total, "expected_total": self.expected_total,
            "invoiced_total": self.invoiced_total, "total_difference": self.total_difference,
            "tolerance": {"percent": self.tolerance_percent, "amount": self.tolerance_amount},
            "within_tolerance": self.ok, "total_words": self.total_words(), "notes": self.notes,
        }


# -- words ------------------------------------------------------------------------------------

def money(x: float) -> str:
    """`4,486.40`"""
    return f"{x:,.2f}"


def rate_text(x: float) -> str:
    """A price per unit: two decimals, more when it has them (`0.045`)."""
    return f"{x:,.2f}" if round(x, 2) == x else f"{x:,.6f}".rstrip("0")


def quantity_text(x: float) -> str:
    """`1,335`, `2,043.5`"""
    x = round(x, 2)
    return number_text(int(x)) if float(x).is_integer() else f"{x:,.2f}".rstrip("0")


def counted(quantity: float, noun: str) -> str:
    """`1 month`, `2 months`, `1,335 handled calls`"""
    word = noun[:-1] if round(quantity, 2) == 1 and noun.endswith("s") else noun
    return f"{quantity_text(quantity)} {word}"


def signed(x: float, amount: bool = True) -> str:
    text = money(abs(x)) if amount else quantity_text(abs(x))
    return ("−" if x < 0 else "+") + text


def within(difference: float, expected: float, percent: float, amount: float) -> bool:
    """`difference` is at most the larger of `percent` % of `expected` and `amount` (a cent of slack
    for rounding)."""
    return abs(difference) <= max(abs(expected) * percent / 100, amount) + 0.005


# -- periods ----------------------------------------------------------------------------------

def months_of(period: Period) -> list[Period]:
    """The calendar months making up `period`; a period that is not whole months is refused."""
    if period.kind == "day" or period.kind == "week" or period.start.day != 1 or period.end.day != 1:
        raise InvoiceCheckError(f"period {period.label}: an invoice covers whole months (give a month 2026-10, "
                                "a quarter 2026-Q4, a half or a year)")
    return _months_between(period.start, period.last_day)


def _months_between(first: date, last: date) -> list[Period]:
    """The calendar months holding local days `first`..`last`."""
    out, day = [], date(first.year, first.month, 1)
    while day <= last:
        nxt = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        out.append(Period(day, nxt, "month", f"{day.year:04d}-{day.month:02d}"))
        day = nxt
    return out


def _ms(day: date, zone: ZoneInfo) -> int:
    return int(datetime.combine(day, time(0), tzinfo=zone).timestamp() * 1000)


# -- quantities from the store ----------------------------------------------------------------

def _matches(globs: list[str], queue: str | None, name: str | None) -> bool:
    if queue is None:
        return "*" in globs
    return any(fnmatch.fnmatchcase(queue, g) or (name and fnmatch.fnmatchcase(name, g)) for g in globs)


@attrs.define
class Handled:
    """What the store says was handled over a span: answered contacts, their handle time (talk + hold
    + wrap, seconds) and their first-contact-resolution marks (`fcr_yes` of `fcr_n` marked)."""

    contacts: float = 0.0
    seconds: float = 0.0
    fcr_yes: float = 0.0
    fcr_n: float = 0.0

    def add(self, row) -> None:
        self.contacts += row[0] or 0
        self.seconds += row[1] or 0.0
        self.fcr_yes += row[2] or 0
        self.fcr_n += row[3] or 0

    def quantity(self, unit: str) -> float:
        if unit == "handled_contact":
            return float(self.contacts)
        if unit == "handled_minute":
            return self.seconds / 60
        return self.seconds / 3600  # productive_hour


def _queue_name(db, queue: str) -> str | None:
    """A queue's name as its contacts carry it (one indexed lookup), for scopes that name queues."""
    row = db.execute("SELECT queue_name FROM contacts WHERE queue = ? AND queue_name IS NOT NULL LIMIT 1",
                     [queue]).fetchone()
    return row[0] if row else None


def handled(db, contract: Contract, channels: list[str], queues: list[str], first: date, last: date) -> Handled:
    """Answered contacts of the contract's scope, narrowed to `channels` and queue globs `queues` (empty:
    no narrowing), arrived on local days `first`..`last`. Read from the contract-independent interval
    figures (`store.intervals`: local midnights fall on their 15-minute boundaries), never by a scan of
    `contacts`; contacts without a queue (not in those figures) are counted from `contacts` by index, for a
    scope and line of every queue (`*`)."""
    zone = ZoneInfo(contract.contract.timezone)
    scope = contract.scope
    chosen = [c for c in scope.channels if not channels or c in channels]
    out = Handled()
    if not chosen:
        return out
    span = [_ms(first, zone), _ms(last + timedelta(days=1), zone)]
    scope_globs, line_globs = scope.queues or ["*"], queues or ["*"]
    where = [f"channel IN ({', '.join('?' * len(chosen))})"]
    args: list = list(chosen)
    if scope.direction != "any":
        where.append("direction = ?")
        args.append(scope.direction)
    if scope.sources:
        where.append(f"source IN ({', '.join('?' * len(scope.sources))})")
        args += list(scope.sources)
    names: dict[str, str | None] = {}
    slices = []
    rows = db.execute(f"SELECT id, queue FROM contact_slices WHERE {' AND '.join(where)}", args).fetchall()
    for slice_id, queue in rows:
        if queue not in names:
            names[queue] = None if _matches(scope_globs, queue, None) and _matches(line_globs, queue, None) \
                else _queue_name(db, queue)
        name = names[queue]
        if _matches(scope_globs, queue, name) and _matches(line_globs, queue, name):
            slices.append(slice_id)
    if slices:
        out.add(db.execute(
            "SELECT SUM(answered), SUM(handle_sum), SUM(fcr_yes), SUM(fcr_n) FROM contact_intervals "
            f"WHERE slice IN ({', '.join('?' * len(slices))}) AND interval_start >= ? AND interval_start < ?",
            slices + span).fetchone())
    if "*" in scope_globs and "*" in line_globs:
        unqueued = [w.replace("direction = ?", "COALESCE(direction, 'inbound') = ?") for w in where]
        out.add(db.execute(
            "SELECT COUNT(*), SUM(COALESCE(talk_s, 0) + COALESCE(hold_s, 0) + COALESCE(wrap_s, 0)), "
            "SUM(CASE WHEN fcr = 1 THEN 1 ELSE 0 END), SUM(CASE WHEN fcr IS NOT NULL THEN 1 ELSE 0 END) "
            "FROM contacts WHERE queue IS NULL AND arrived_at >= ? AND arrived_at < ? AND outcome = 'answered' AND "
            + " AND ".join(unqueued), span + args).fetchone())
    return out


def _contact_quantity(db, contract: Contract, line: PriceLine, first: date, last: date) -> float:
    """Handled contacts, minutes or hours of `line` over local days `first`..`last`."""
    return handled(db, contract, line.channels, line.queues, first, last).quantity(line.unit)


def _fte_quantity(db, contract: Contract, line: PriceLine, first: date, last: date, month: Period) -> float | None:
    """FTE-months over local days `first`..`last`: the reported headcount, day-weighted, over the
    month's days. None when no figure with a headcount covers any of those days."""
    zone = ZoneInfo(contract.contract.timezone)
    span_first, span_last = _ms(first - timedelta(days=400), zone), _ms(last + timedelta(days=1), zone)
    rows = db.execute("SELECT day, days, queue, headcount FROM workforce WHERE headcount IS NOT NULL "
                      "AND day >= ? AND day < ?", [span_first, span_last]).fetchall()
    if line.queues:
        chosen = [r for r in rows if r[2] is not None and _matches(line.queues, r[2], None)]
    else:
        chosen = [r for r in rows if r[2] is None]
        if not chosen:  # no whole-team figures: the queues of the contract's scope
            chosen = [r for r in rows if r[2] is not None and _matches(contract.scope.queues or ["*"], r[2], None)]
    person_days, covered = 0.0, False
    for day_ms, days, _queue, headcount in chosen:
        start = datetime.fromtimestamp(day_ms / 1000, tz=zone).date()
        end = start + timedelta(days=max(int(days or 1), 1) - 1)
        overlap = (min(end, last) - max(start, first)).days + 1
        if overlap > 0:
            covered = True
            person_days += headcount * overlap
    if not covered:
        return None
    return person_days / (month.end - month.start).days


# -- pricing ----------------------------------------------------------------------------------

def marginal_parts(line: PriceLine, before: float, quantity: float) -> list[Part]:
    """`quantity` units placed after `before` units of the month, each tier's rate on its share."""
    bounds = [(0.0, line.rate)] + [(t.from_, t.rate) for t in sorted(line.tier, key=lambda t: t.from_)]
    parts = []
    lo, hi = before, before + quantity
    for i, (start, rate) in enumerate(bounds):
        end = bounds[i + 1][0] if i + 1 < len(bounds) else float("inf")
        share = min(hi, end) - max(lo, start)
        if share > 0:
            parts.append(Part(share, rate))
    return parts or [Part(0.0, line.rate_for(before))]


def _merge(parts: list[Part]) -> list[Part]:
    out: list[Part] = []
    for p in parts:
        if out and out[-1].rate == p.rate:
            out[-1] = Part(out[-1].quantity + p.quantity, p.rate)
        elif p.quantity or not out:
            out.append(p)
    return out


def _noun(unit: str, channels: list[str]) -> str:
    if unit == "handled_contact" and len(channels) == 1:
        return _CHANNEL_WORDS[channels[0]]
    return UNIT_WORDS[unit][1]


def _pieces(first: date, last: date, within: tuple[date, date] | None) -> list[tuple[date, date, bool]]:
    """A version's days `first`..`last` of a month, cut where `within` starts: (first, last, counted)."""
    if within is None or first >= within[0]:
        return [(first, last, True)]
    cut = within[0] - timedelta(days=1)
    return [(first, min(last, cut), False)] + ([(within[0], last, True)] if last >= within[0] else [])


def _expected(db, contract_id: str, months: list[Period], within: tuple[date, date] | None = None
              ) -> tuple[dict, Contract | None]:
    """line id → (unit, noun, priced parts) over `months`; and the last version in force.

    `within` (first, last day): only the parts of those days are priced, each month's volume before
    them still counting for its tiers and the month ending at `last` (a month to date)."""
    found: dict[str, tuple[str, str, list[Part]]] = {}
    last_contract = None
    for month in months:
        month_last = month.last_day if within is None else min(month.last_day, within[1])
        spans = versions_in_force(db, contract_id, month.start, month_last)
        pieces: dict[str, list[tuple[PriceLine, float, bool]]] = {}
        for _row, contract, span_first, span_last in spans:
            last_contract = contract
            if contract.pricing is None:
                continue
            for first, last, counted in _pieces(span_first, span_last, within):
                for line in contract.pricing.line:
                    pieces.setdefault(line.id, []).append((line, _quantity(db, contract, line, first, last, month),
                                                           counted))
        for line_id, items in pieces.items():
            month_total = sum(q for _, q, _ in items)
            before = 0.0
            unit, noun, parts = found.get(line_id, (items[-1][0].unit, "", []))
            for line, q, counted in items:
                if counted:
                    if line.tiers == "whole" or not line.tier:
                        parts.append(Part(q, line.rate_for(month_total)))
                    else:
                        parts += marginal_parts(line, before, q)
                before += q
            last_line = items[-1][0]
            found[line_id] = (last_line.unit, _noun(last_line.unit, last_line.channels or
                                                     (last_contract.scope.channels if last_contract else [])), parts)
    return found, last_contract


def _quantity(db, contract: Contract, line: PriceLine, first: date, last: date, month: Period) -> float:
    """The billable quantity of `line` over local days `first`..`last` of `month`."""
    if line.unit == "fixed_month":
        return ((last - first).days + 1) / (month.end - month.start).days
    if line.unit == "fte_month":
        q = _fte_quantity(db, contract, line, first, last, month)
        if q is None:
            raise InvoiceCheckError(
                f"pricing line {line.id!r} (fte_month) needs the CCC's workforce figures (headcount) "
                f"for {month.label}, and the store has none: import them (e.g. ccc import vendor-report …)")
        return q
    return _contact_quantity(db, contract, line, first, last)


def _invoiced(db, contract_id: str, period: Period) -> dict[str, list[dict]]:
    """Invoice lines of the contract whose period lies inside `period`, by line id."""
    rows = db.execute(
        "SELECT line_id, period, quantity, amount, unit_price, currency FROM invoice_lines "
        "WHERE contract = ? AND period_start >= ? AND period_start < ? ORDER BY id",
        [contract_id, _ms(period.start, ZoneInfo("UTC")), _ms(period.end, ZoneInfo("UTC"))]).fetchall()
    out: dict[str, list[dict]] = {}
    for line_id, label, quantity, amount, unit_price, currency in rows:
        try:
            inner = parse_period(label)
        except PeriodError:
            continue
        if inner.start >= period.start and inner.end <= period.end:
            out.setdefault(line_id, []).append({"quantity": quantity, "amount": amount, "unit_price": unit_price,
                                                "currency": currency})
    return out


def _words(check: LineCheck, currency: str) -> str:
    c = currency
    if check.unit is None:
        return (f"invoiced {quantity_text(check.invoiced_quantity)} = {money(check.invoiced_amount)} {c}: "
                + ("a credit on the invoice" if check.invoiced_amount < 0 else "no pricing line in the contract"))
    long = UNIT_WORDS[check.unit][0] if check.noun == UNIT_WORDS[check.unit][1] else f"handled {check.noun}"
    parts = _merge(check.parts)
    if len(parts) == 1:
        expected = f"{counted(parts[0].quantity, long)} × {rate_text(parts[0].rate)} {c}"
    else:
        expected = f"{counted(check.expected_quantity, long)}: " + " + ".join(
            f"{quantity_text(p.quantity)} × {rate_text(p.rate)} {c}" for p in parts)
    text = f"{expected} = {money(check.expected_amount)} {c}"
    if check.invoiced_quantity == 0 and check.invoiced_amount == 0:
        return text + "; not invoiced" + ("" if check.expected_amount == 0 else f": {signed(-check.expected_amount)} {c}")
    price = check.invoiced_unit_price
    invoiced = (f"{quantity_text(check.invoiced_quantity)} × {rate_text(price)} = " if price is not None else
                f"{counted(check.invoiced_quantity, check.noun)}, ")
    text += f"; invoiced {invoiced}{money(check.invoiced_amount)} {c}"
    if check.status == "ok" and check.difference == 0 and check.quantity_difference == 0:
        return text + ": as expected"
    noun = check.noun[:-1] if abs(check.quantity_difference) == 1 and check.noun.endswith("s") else check.noun
    diff = f"{signed(check.quantity_difference, amount=False)} {noun}, {signed(check.difference)} {c}"
    return text + f": {diff}" + ("" if check.within_tolerance else " (outside the tolerance)")


def check_invoice(db, contract_id: str, period: Period | str) -> InvoiceCheck:
    """Check the invoice lines of `contract_id` for `period` (whole months) against its pricing."""
    from .engine.credits import credits_for, total

    if isinstance(period, str):
        period = parse_period(period)
    months = months_of(period)
    expected, contract = _expected(db, contract_id, months)
    if contract is None:
        raise InvoiceCheckError(f"contract {contract_id} is not in force in {period.label}")
    if contract.pricing is None and not expected:
        raise InvoiceCheckError(f"contract {contract_id} has no [pricing] in force in {period.label}: "
                                "nothing to check an invoice against")
    pricing = contract.pricing
    percent = pricing.tolerance_percent if pricing else 0.5
    slack = pricing.tolerance_amount if pricing else 1.0
    currency = contract.pricing_currency
    invoiced = _invoiced(db, contract_id, period)
    notes = []
    foreign = sorted({r["currency"] for rows in invoiced.values() for r in rows if r["currency"]} - {currency})
    if foreign:
        notes.append(f"invoice lines in {', '.join(foreign)}, not {currency}: amounts are compared as written "
                     "(currency conversion is not done)")
    lines: list[LineCheck] = []
    for line_id in list(expected) + [k for k in invoiced if k not in expected]:
        rows = invoiced.get(line_id, [])
        inv_q = round(sum(r["quantity"] or 0 for r in rows), 4)
        inv_a = round(sum(r["amount"] or 0 for r in rows), 2)
        prices = {r["unit_price"] for r in rows}
        # the unit price the invoice states (one for all its rows); an average of tiers is not one
        price = prices.pop() if len(prices) == 1 and None not in prices else None
        if line_id in expected:
            unit, noun, parts = expected[line_id]
            exp_q = round(sum(p.quantity for p in parts), 4)
            exp_a = round(sum(p.quantity * p.rate for p in parts), 2)
            ok = within(inv_a - exp_a, exp_a, percent, slack)
            status = "ok" if ok else ("over-billed" if inv_a > exp_a else "under-billed")
        else:
            unit, noun, parts, exp_q, exp_a = None, "units", [], 0.0, 0.0
            # a credit the CCC wrote on its invoice counts in the total only; a charge is not agreed
            ok = inv_a <= slack + 0.005
            status = "credit on the invoice" if inv_a < 0 else "not priced"
        check = LineCheck(line_id, unit, inv_q, inv_a, price, exp_q, exp_a, parts, noun, ok, status, "")
        check.words = _words(check, currency)
        lines.append(check)
    credit_lines = [row for month in months for row in credits_for(db, contract_id, month.label)]
    credits = total(credit_lines) if credit_lines else 0.0
    if not credit_lines and contract.service_credits is not None:
        notes.append(f"no service credits are stored for {period.label} (run `ccc evaluate --period "
                     f"{period.label}` first if some are due)")
    return InvoiceCheck(contract_id, period.label, currency, lines, credits, credit_lines,
                        round(sum(line.expected_amount for line in lines), 2),
                        round(sum(line.invoiced_amount for line in lines), 2), percent, slack, notes)


# -- cost KPIs --------------------------------------------------------------------------------

@attrs.define
class Cost:
    """What a span of days cost by the contract's pricing, and what was handled and resolved in it."""

    amount: float  # the expected amounts of the pricing lines counted (before service credits)
    currency: str
    handled: float  # answered contacts of the scope (of the KPI's channel, if any)
    resolved: float | None  # handled × the share resolved at first contact; None: no FCR answer at all
    resolved_basis: str  # which answers gave that share
    lines: list[str]  # the pricing lines counted
    left_out: list[str]  # lines not counted (a KPI on one channel counts only lines of that channel)

    def details(self) -> dict:
        return {"cost_amount": round(self.amount, 2), "currency": self.currency, "handled": self.handled,
                "resolved": self.resolved, "resolved_basis": self.resolved_basis, "pricing_lines": self.lines,
                "pricing_lines_left_out": self.left_out}


def _survey_fcr(db, contract: Contract, channel: str | None, first: date, last: date) -> tuple[float, float]:
    """(resolved, answered) first-contact-resolution answers of surveys in the contract's scope."""
    zone = ZoneInfo(contract.contract.timezone)
    sql = ("SELECT queue, SUM(CASE WHEN resolved = 1 THEN 1 ELSE 0 END), COUNT(*) FROM surveys "
           "WHERE resolved IS NOT NULL AND responded_at >= ? AND responded_at < ?")
    args: list = [_ms(first, zone), _ms(last + timedelta(days=1), zone)]
    if channel:
        sql += " AND (channel = ? OR channel IS NULL)"
        args.append(channel)
    yes = n = 0.0
    globs = contract.scope.queues or ["*"]
    for queue, resolved, count in db.execute(sql + " GROUP BY queue", args).fetchall():
        if _matches(globs, queue, None if queue is None else _queue_name(db, queue) or None):
            yes, n = yes + (resolved or 0), n + count
    return yes, n


def cost_of(db, contract_id: str, contract: Contract, first: date, last: date, channel: str | None = None) -> Cost:
    """The cost of local days `first`..`last` by the pricing in force (monthly tiers counted from each
    month's start), beside the contacts handled and resolved in those days. With `channel`, only the
    pricing lines limited to that channel and that channel's contacts count. The share resolved at
    first contact comes from the contacts' own FCR marks, else from survey answers."""
    expected, _ = _expected(db, contract_id, _months_between(first, last), within=(first, last))
    lines, left_out, amount = [], [], 0.0
    for line_id, (_unit, _noun, parts) in expected.items():
        line = contract.pricing.line_by_id(line_id) if contract.pricing else None
        if channel and not (line and line.channels == [channel]):
            left_out.append(line_id)
            continue
        lines.append(line_id)
        amount += sum(p.quantity * p.rate for p in parts)
    h = handled(db, contract, [channel] if channel else [], [], first, last)
    if h.fcr_n:
        resolved = h.contacts * h.fcr_yes / h.fcr_n
        basis = f"contacts' FCR marks ({quantity_text(h.fcr_yes)} of {quantity_text(h.fcr_n)})"
    else:
        yes, n = _survey_fcr(db, contract, channel, first, last)
        resolved = h.contacts * yes / n if n else None
        basis = f"survey answers ({quantity_text(yes)} of {quantity_text(n)})" if n else "no FCR answer"
    return Cost(amount, contract.pricing_currency, float(h.contacts), resolved, basis, lines, left_out)
