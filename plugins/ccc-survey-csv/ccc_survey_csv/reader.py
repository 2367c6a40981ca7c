"""Read post-contact survey results (CSV) into `SurveyResponse` records.

The format is documented field by field in the package README; `COLUMNS` is its machine form.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ccc_governance.errors import SourceError
from ccc_governance.readers import FieldError, Row, Table, parse_bool, parse_channel, parse_float, parse_int
from ccc_governance.records import SurveyResponse
from ccc_governance.sources import ReadContext

#: canonical column → accepted aliases (compared case-, space- and punctuation-insensitively)
COLUMNS: dict[str, tuple[str, ...]] = {
    "response_id": ("id", "survey_id", "response", "response_no", "response_number", "survey_response_id"),
    "responded_at": ("responded", "response_date", "date", "submitted_at", "completed_at", "answered_at",
                     "survey_date", "date_responded"),
    "contact_id": ("call_id", "callid", "contact", "contactid", "interaction_id", "conversation_id", "ticket_id"),
    "channel": ("contact_channel", "via"),
    "queue": ("team", "service", "queue_name", "line"),
    "agent": ("agent_id", "agent_name", "advisor", "operator", "agent_login"),
    "csat": ("satisfaction", "csat_score", "score", "sat", "satisfaction_score"),
    "csat_scale": ("scale", "csat_max", "max_score", "csat_out_of"),
    "nps": ("nps_score", "recommend", "likelihood_to_recommend", "ltr"),
    "resolved": ("fcr", "first_contact_resolution", "issue_resolved", "resolved_first_time"),
    "comment": ("comments", "verbatim", "feedback", "free_text"),
    "customer": ("customer_id", "customer_ref", "account", "account_id", "client_id", "customer_email", "email",
                 "phone"),
    "version": ("updated_at", "last_updated", "last_modified", "modified_at"),
}
REQUIRED = ("response_id", "responded_at")
ANSWERS = ("csat", "nps", "resolved")


def read_surveys(ctx: ReadContext) -> Iterator[Any]:
    """The `survey-csv` source's reader: one `SurveyResponse` per row, bad rows quarantined."""
    options = dict(ctx.options or {})
    path = Path(ctx.path)
    try:
        default_scale = int(options.get("csat_scale", 5))
    except (TypeError, ValueError):
        raise SourceError(f"option csat_scale={options.get('csat_scale')!r} is not a whole number", file=str(path))
    if default_scale < 1:
        raise SourceError(f"option csat_scale={default_scale} must be at least 1", file=str(path))
    table = Table(path, options, COLUMNS, REQUIRED, progress=ctx.progress)
    for row in table.rows():
        if not any(table.has(c) for c in ANSWERS):
            raise SourceError("no csat, nps or resolved column: nothing to import", file=str(path),
                              line=table.header_line)
        sid = row.values.get("response_id")
        if row.error:
            yield ctx.reject(row.line, row.error, raw=row.raw)
            continue
        try:
            yield response_from(row, table, default_scale)
        except FieldError as err:
            label = f"response {sid}: " if sid else ""
            yield ctx.reject(row.line, f"{label}{err}", raw=row.raw, source_id=sid)


def response_from(row: Row, table: Table, default_scale: int) -> SurveyResponse:
    """One row → a `SurveyResponse`; raises `FieldError` naming the column at fault."""
    scale = row.get("csat_scale", _scale)
    scale = default_scale if scale is None else scale
    csat = row.get("csat", parse_float)
    if csat is not None and not 0 <= csat <= scale:
        raise FieldError(f"{table.header_of('csat')} {csat:g} is outside the scale 0–{scale}")
    nps = row.get("nps", parse_int)
    if nps is not None and not 0 <= nps <= 10:
        raise FieldError(f"{table.header_of('nps')} {nps} is outside 0–10")
    resolved = row.get("resolved", parse_bool)
    if csat is None and nps is None and resolved is None:
        raise FieldError("no answer: csat, nps and resolved are all empty")
    return SurveyResponse(
        source_id=row.text("response_id", required=True),
        responded_at=row.instant("responded_at", required=True),
        csat=csat,
        csat_scale=scale,
        nps=nps,
        resolved=resolved,
        contact_id=row.text("contact_id"),
        channel=row.get("channel", parse_channel),
        queue=row.text("queue"),
        agent=row.text("agent"),
        comment=row.text("comment"),
        customer=row.text("customer"),
        version=row.instant("version"),
        line=row.line,
    )


def _scale(text: str) -> int:
    value = parse_int(text)
    if value < 1:
        raise FieldError("must be at least 1")
    return value
