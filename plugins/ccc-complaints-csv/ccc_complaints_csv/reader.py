"""Read the monthly complaint log a contact centre sends (CSV) into `Complaint` records.

The format is documented field by field in the package README; `COLUMNS` is its machine form.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from ccc_governance.readers import FieldError, Row, Table, parse_bool, parse_channel
from ccc_governance.records import Complaint
from ccc_governance.sources import ReadContext

#: canonical column → accepted aliases (compared case-, space- and punctuation-insensitively)
COLUMNS: dict[str, tuple[str, ...]] = {
    "complaint_id": ("id", "complaint", "complaint_no", "complaint_number", "complaint_ref", "reference", "ref",
                     "case_id", "case_number"),
    "received_at": ("received", "date_received", "received_on", "date_received_at", "opened_at", "logged_at",
                    "created_at", "date_opened"),
    "acknowledged_at": ("acknowledged", "date_acknowledged", "acknowledged_on", "acknowledgement_sent",
                        "ack_at", "ack_sent"),
    "escalated_at": ("escalated", "date_escalated", "escalated_on"),
    "resolved_at": ("resolved", "date_resolved", "resolved_on", "closed_at", "date_closed", "closed"),
    "updates": ("update_dates", "updates_sent", "progress_updates", "updated_customer_at"),
    "category": ("type", "complaint_type", "complaint_category", "reason"),
    "channel": ("received_via", "via", "contact_channel", "source_channel"),
    "queue": ("team", "service", "line", "queue_name"),
    "upheld": ("justified", "founded", "upheld_yn", "outcome_upheld"),
    "escalation_required": ("escalation_needed", "needs_escalation", "requires_escalation", "to_escalate"),
    "customer": ("customer_id", "customer_ref", "account", "account_id", "client", "client_id", "customer_email",
                 "email", "phone"),
    "version": ("updated_at", "last_updated", "last_modified", "modified_at"),
}
REQUIRED = ("complaint_id", "received_at")
_SPLIT = re.compile(r"[;|,\n]+")


def read_complaints(ctx: ReadContext) -> Iterator[Any]:
    """The `complaints-csv` source's reader: one `Complaint` per row, bad rows quarantined."""
    table = Table(Path(ctx.path), dict(ctx.options or {}), COLUMNS, REQUIRED, progress=ctx.progress)
    for row in table.rows():
        sid = row.values.get("complaint_id")
        if row.error:
            yield ctx.reject(row.line, row.error, raw=row.raw)
            continue
        try:
            yield complaint_from(row, table)
        except FieldError as err:
            label = f"complaint {sid}: " if sid else ""
            yield ctx.reject(row.line, f"{label}{err}", raw=row.raw, source_id=sid)


def complaint_from(row: Row, table: Table) -> Complaint:
    """One row → a `Complaint`; raises `FieldError` naming the column at fault."""
    received = row.instant("received_at", required=True)
    complaint = Complaint(
        source_id=row.text("complaint_id", required=True),
        received_at=received,
        acknowledged_at=row.instant("acknowledged_at"),
        escalated_at=row.instant("escalated_at"),
        resolved_at=row.instant("resolved_at"),
        updates=row.get("updates", lambda v: _updates(v, table)) or [],
        category=row.text("category"),
        channel=row.get("channel", parse_channel),
        queue=row.text("queue"),
        upheld=row.get("upheld", parse_bool),
        escalation_required=row.get("escalation_required", parse_bool),
        customer=row.text("customer"),
        version=row.instant("version"),
        line=row.line,
    )
    for column in ("acknowledged_at", "escalated_at", "resolved_at"):
        _not_before(table, column, getattr(complaint, column), received)
    for update in complaint.updates:
        _not_before(table, "updates", update, received)
    if complaint.escalation_required is None and complaint.escalated_at is not None:
        # It was escalated, so the escalation time-frame applies even if the log leaves the flag blank.
        complaint.escalation_required = True
    return complaint


def _updates(text: str, table: Table) -> list[datetime]:
    """`;`-separated instants (`|` and `,` also split: an ISO date-time contains neither)."""
    return sorted(table.parse_instant(part) for part in _SPLIT.split(text) if part.strip())


def _not_before(table: Table, column: str, when: datetime | None, received: datetime) -> None:
    if when is not None and when < received:
        raise FieldError(f"{table.header_of(column)} {when.isoformat()} is before "
                         f"{table.header_of('received_at')} {received.isoformat()}")
