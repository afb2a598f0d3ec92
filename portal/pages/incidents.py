"""`/incidents` (filters and pages as the API's list), `/incidents/{reference}` (details, the
timeline from the history, the actions the person may take) and `/incidents/new` (raise by
Device ID).

Incidents are named in URLs by reference (`INC-000123`) or id, never by anything else: a path
that is neither is a 404 here, before any service is asked.
"""

import re
import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from ssi_client.incident_api.api.incidents import (
    get_incident,
    get_incident_history,
    list_incidents,
    raise_incident,
)
from ssi_client.incident_api.models import (
    HistoryList,
    IncidentCreate,
    IncidentList,
    IncidentRead,
    IncidentStatus,
    ListIncidentsRoleType0,
    Outcome,
    SlaState,
)
from ssi_client.incident_api.types import UNSET

from portal.dependencies import Me, RuntimeDep, ServicesDep
from portal.pages.common import OPEN, row
from portal.rendering import render
from portal.services import ServiceProblem, Services, ok, refused
from portal.sessions.service import SignedIn
from shared.calendar import WorkingDayCalendar

router = APIRouter()
INCIDENT_KEY = re.compile(
    r"INC-\d{1,12}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
PAGE_SIZES = (25, 50, 100, 200)
DONE = {
    "raised": "Incident raised: the addressee has been told.",
    "acknowledged": "Acknowledged: the requester can see you are working on it.",
    "responded": "Answer sent to the requester.",
    "closed": "Incident closed: the install code is destroyed.",
    "cancelled": "Incident cancelled.",
    "reopened": "Reopened: the addressee is asked again, with a new clock.",
    "readdressed": "Readdressed: the new addressee has been told, with a new clock.",
}
ROLES = {
    "requester": ListIncidentsRoleType0.REQUESTER,
    "addressee": ListIncidentsRoleType0.ADDRESSEE,
}
REACHED = {"true": True, "false": False}
"""`addressee_reachable`: whether a delivery of the running clock's start event reached the
addressee (`false` with an open status: the addressees operators chase)."""


def checked_key(key: str) -> str:
    if not INCIDENT_KEY.fullmatch(key):
        raise ServiceProblem(404, "Not found", "There is no such incident.")
    return key


def _enum(value: str | None, kind: type[Any], name: str, errors: dict[str, str]) -> Any:
    if not value:
        return UNSET
    try:
        return kind(value)
    except ValueError:
        errors[name] = f"Choose one of: {', '.join(m.value for m in kind)}."
        return UNSET


@router.get("/incidents", name="incidents")
async def incidents(
    request: Request,
    me: Me,
    services: ServicesDep,
    runtime: RuntimeDep,
    status: Annotated[str | None, Query(max_length=32)] = None,
    role: Annotated[str | None, Query(max_length=32)] = None,
    sla_state: Annotated[str | None, Query(max_length=32)] = None,
    device_id: Annotated[str | None, Query(max_length=64)] = None,
    group_ref: Annotated[str | None, Query(max_length=128)] = None,
    updated_since: Annotated[str | None, Query(max_length=64)] = None,
    addressee_reachable: Annotated[str | None, Query(max_length=8)] = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: int = 50,
    reference: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    errors: dict[str, str] = {}
    if reference:
        wanted = reference.strip().upper()
        if wanted.isdigit():
            wanted = f"INC-{int(wanted):06d}"
        if INCIDENT_KEY.fullmatch(wanted):
            return RedirectResponse(f"/incidents/{wanted}", status_code=303)
        errors["reference"] = "Give a reference such as INC-000123."
    filters: dict[str, Any] = {
        "status": _enum(status, IncidentStatus, "status", errors),
        "sla_state": _enum(sla_state, SlaState, "sla_state", errors),
        "device_id": device_id or UNSET,
        "group_ref": group_ref or UNSET,
    }
    if role:
        if role in ROLES:
            filters["role"] = ROLES[role]
        else:
            errors["role"] = "Choose requester or addressee."
    if addressee_reachable:
        if addressee_reachable in REACHED:
            filters["addressee_reachable"] = REACHED[addressee_reachable]
        else:
            errors["addressee_reachable"] = "Choose reached or not reached."
    if updated_since:
        try:
            filters["updated_since"] = datetime.fromisoformat(updated_since)
        except ValueError:
            errors["updated_since"] = "Give a date and time such as 2027-01-04T09:00."
    if limit not in PAGE_SIZES:
        limit = 50
    rows: list[Any] = []
    next_cursor = None
    if not errors:
        try:
            page = ok(
                await list_incidents.asyncio_detailed(
                    client=services.api, cursor=cursor or UNSET, limit=limit, **filters
                ),
                IncidentList,
            )
        except ServiceProblem as problem:
            refused(problem)
            errors.update(problem.fields or {"_": problem.detail})
        else:
            calendar = WorkingDayCalendar(runtime.settings.common.extra_non_working_days)
            now = runtime.clock.now()
            rows = [row(i, calendar, now) for i in page.items]
            next_cursor = page.next_cursor
    query = {
        k: v
        for k, v in {
            "status": status,
            "role": role,
            "sla_state": sla_state,
            "device_id": device_id,
            "group_ref": group_ref,
            "updated_since": updated_since,
            "addressee_reachable": addressee_reachable,
            "reference": reference,
            "limit": str(limit) if limit != 50 else None,
        }.items()
        if v
    }
    return render(
        request,
        "incidents/list.html",
        422 if errors else 200,
        rows=rows,
        next_cursor=next_cursor,
        errors=errors,
        query=query,
        statuses=[s.value for s in IncidentStatus],
        sla_states=[s.value for s in SlaState],
        page_sizes=PAGE_SIZES,
        first_page=not cursor,
    )


def actions(incident: IncidentRead, me: SignedIn) -> set[str]:
    """What this person may do to the incident now, as the API would allow it."""
    found: set[str] = set()
    resolved = incident.status == IncidentStatus.RESOLVED
    if incident.addressed_party_id == me.party_id and not me.operator:
        if incident.status == IncidentStatus.RAISED:
            found.add("acknowledge")
        if incident.status in OPEN:
            found.add("respond")
    if incident.requesting_party_id == me.party_id and not me.operator:
        if incident.status in OPEN:
            found.add("cancel")
        if resolved:
            found.add("close")
        if resolved and incident.outcome == Outcome.INSTALL_CODE_PROVIDED:
            found.add("reopen")
            if incident.install_code_available:
                found.add("reveal")
    can_readdress = incident.requesting_party_id == me.party_id or me.operator
    if resolved and incident.outcome == Outcome.NOT_INSTALLING_SUPPLIER and can_readdress:
        found.add("readdress")
    return found


async def incident_page(
    request: Request,
    me: SignedIn,
    services: Services,
    runtime: Any,
    key: str,
    *,
    status_code: int = 200,
    problem: ServiceProblem | None = None,
    form: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    """The incident's page; after a refused action, with the refusal beside its form."""
    incident = ok(
        await get_incident.asyncio_detailed(checked_key(key), client=services.api), IncidentRead
    )
    history = ok(
        await get_incident_history.asyncio_detailed(
            checked_key(key), client=services.api, limit=200
        ),
        HistoryList,
    )
    calendar = WorkingDayCalendar(runtime.settings.common.extra_non_working_days)
    done = request.query_params.get("done")
    return render(
        request,
        "incidents/detail.html",
        status_code,
        r=row(incident, calendar, runtime.clock.now()),
        i=incident,
        history=history.items,
        more_history=bool(history.next_cursor),
        actions=actions(incident, me),
        done=DONE.get(done or ""),
        problem=problem,
        form=form,
        errors=problem.fields if problem else {},
        values=values or {},
    )


@router.get("/incidents/new", name="new_incident")
async def new_incident(request: Request, me: Me) -> Response:
    return render(request, "incidents/new.html", errors={}, values={}, key=str(uuid.uuid4()))


@router.post("/incidents/new", name="raise_incident")
async def raise_new(
    request: Request,
    me: Me,
    services: ServicesDep,
    device_id: Annotated[str, Form(max_length=64)] = "",
    addressed_party_id: Annotated[str, Form(max_length=16)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    group_ref: Annotated[str, Form(max_length=256)] = "",
    key: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    values = {
        "device_id": device_id,
        "addressed_party_id": addressed_party_id,
        "note": note,
        "group_ref": group_ref,
    }
    body = IncidentCreate(
        device_id=device_id.strip(),
        addressed_party_id=addressed_party_id.strip().upper() or UNSET,
        note=note.strip() or UNSET,
        group_ref=group_ref.strip() or UNSET,
    )
    try:
        incident = ok(
            await raise_incident.asyncio_detailed(
                client=services.api, body=body, idempotency_key=key if _uuid(key) else UNSET
            ),
            IncidentRead,
        )
    except ServiceProblem as problem:
        refused(problem)
        return render(
            request,
            "incidents/new.html",
            problem.status,
            errors=problem.fields,
            problem=problem,
            values=values,
            key=str(uuid.uuid4()),
        )
    return RedirectResponse(f"/incidents/{incident.reference}?done=raised", status_code=303)


def _uuid(key: str) -> bool:
    try:
        uuid.UUID(key)
    except ValueError:
        return False
    return True


@router.get("/incidents/{key}", name="incident")
async def incident(
    request: Request, key: str, me: Me, services: ServicesDep, runtime: RuntimeDep
) -> Response:
    return await incident_page(request, me, services, runtime, key)
