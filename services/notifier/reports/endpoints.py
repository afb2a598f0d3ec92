"""SLA compliance per addressed party: how many requests each party received, answered in time,
answered late or left to breach, and how long answers took in Working Days; and the contact
list's defects. Operators see every party; a supplier sees its own rows.
"""

import csv
import io
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import Response

from services.common.auth import PARTIES, Principal, require
from services.common.db import SessionDep
from services.common.errors import Unprocessable
from services.common.negotiation import in_range, wants_csv
from services.common.openapi import problems
from services.notifier.reports import contacts, service
from services.notifier.reports.contacts import ContactDefects
from services.notifier.reports.schemas import FIELDS, SlaReport, SlaReportRow
from services.notifier.runtime import RuntimeDep
from shared.calendar import london_midnight
from shared.csvsafe import safe_cell

router = APIRouter(prefix="/v1/reports", tags=["reports"])

Reader = Annotated[Principal, Depends(require("reports:read", *PARTIES))]


class BadPeriod(Unprocessable):
    slug, title = "bad-period", "The report period is not valid"


def _instant(name: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        if len(value) == 10:
            parsed = london_midnight(date.fromisoformat(value))
        else:
            parsed = datetime.fromisoformat(value)
    except (ValueError, OverflowError):
        raise BadPeriod(
            f"{name!r} must be a date (YYYY-MM-DD) or an ISO 8601 instant with an offset.",
            errors=[{"field": name, "message": "not a date or instant"}],
        ) from None
    if parsed.tzinfo is None:
        raise BadPeriod(
            f"{name!r} needs an offset (e.g. Z or +01:00).",
            errors=[{"field": name, "message": "no offset"}],
        )
    if not in_range(parsed):
        raise BadPeriod(
            f"{name!r} must lie in the years 2000 to 2099.",
            errors=[{"field": name, "message": "out of range"}],
        )
    return parsed


def _csv(rows: list[SlaReportRow]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: safe_cell(v) for k, v in row.model_dump().items()})
    return out.getvalue()


_EXAMPLE = SlaReport.model_validate(SlaReport.model_json_schema()["examples"][0])


@router.get(
    "/sla",
    response_model=SlaReport,
    summary="SLA compliance report",
    responses={
        200: {
            "description": "JSON, or CSV (the rows alone) with `Accept: text/csv`",
            "content": {
                "text/csv": {"schema": {"type": "string"}, "example": _csv(_EXAMPLE.items)}
            },
        },
        **problems(BadPeriod),
    },
)
async def get_sla_report(
    session: SessionDep,
    rt: RuntimeDep,
    principal: Reader,
    from_: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    to: Annotated[str | None, Query(max_length=40)] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """Per addressed party, the SLA clocks (a raise, each reopen and each readdress starts one)
    of incidents raised from `from` (inclusive; default: since the start) to `to` (exclusive;
    default: now). Each is a date (`2026-11-01`: 00:00 London that day) or an ISO 8601 instant
    with an offset; 422 `bad-period` for anything else, or a `from` not before `to`. Scope
    `reports:read`. Operators see every party; a supplier sees its own row (with zeros if it
    has none). JSON, or CSV with `Accept: text/csv`."""
    start, end = _instant("from", from_), _instant("to", to) or rt.sla_clock.now()
    if start is not None and start >= end:
        raise BadPeriod("'from' must be before 'to'.")
    party = None if principal.is_operator else principal.party_id
    rows = await service.sla_rows(session, start, end, party)
    if wants_csv(accept):
        return Response(_csv(rows), media_type="text/csv; charset=utf-8")
    report = SlaReport(from_=start, to=end, generated_at=rt.sla_clock.now(), items=rows)
    return Response(report.model_dump_json(by_alias=True), media_type="application/json")


@router.get(
    "/contact-defects",
    response_model=ContactDefects,
    summary="Contact addresses that cannot be delivered to",
)
async def get_contact_defects(session: SessionDep, principal: Reader) -> ContactDefects:
    """The contact list's addresses (each party's ops and escalation contact emails) whose
    latest message failed, a mail server refusing the recipient (5xx) included: the fallback
    cannot reach these parties until their contact emails are corrected at the incident API.
    Scope `reports:read`. Operators see every party; a supplier sees its own."""
    party = None if principal.is_operator else principal.party_id
    return ContactDefects(items=await contacts.defects(session, party))
