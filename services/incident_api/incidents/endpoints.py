from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Response
from fastapi.responses import JSONResponse
from sqlmodel import col, or_, select

from services.common.auth import PARTIES, Kind, Principal, require
from services.common.db import SessionDep
from services.common.negotiation import InstantBound
from services.common.pagination import Cursor, Limit, decode_int_cursor, encode_cursor
from services.incident_api.incidents import service
from services.incident_api.incidents.dependencies import incident_for
from services.incident_api.incidents.models import HistoryEntry, Incident
from services.incident_api.incidents.schemas import (
    CancelBody,
    CloseBody,
    HistoryList,
    HistoryRead,
    IncidentCreate,
    IncidentList,
    IncidentRead,
    InstallCodeRead,
    ReaddressBody,
    ReopenBody,
    ResponseCreate,
    SlaEventCreate,
    SlaEventRead,
)
from services.incident_api.incidents.views import incident_view, sla_state
from services.incident_api.metrics import INSTALL_CODE_REVEALS
from services.incident_api.parties.models import Party
from services.incident_api.runtime import Runtime, RuntimeDep
from shared.identifiers import DeviceId
from shared.schemas import IncidentStatus, SlaState

router = APIRouter(prefix="/v1/incidents", tags=["incidents"])

reader = require("incidents:read", *PARTIES)
raiser = require("incidents:raise", *PARTIES)
responder = require("incidents:respond", *PARTIES)
sla_writer = require("sla:write", Kind.service)

Reader = Annotated[Principal, Depends(reader)]
Raiser = Annotated[Principal, Depends(raiser)]
Responder = Annotated[Principal, Depends(responder)]
SlaWriter = Annotated[Principal, Depends(sla_writer)]
ReadableIncident = Annotated[Incident, Depends(incident_for(reader))]
RaisersIncident = Annotated[Incident, Depends(incident_for(raiser))]
RespondersIncident = Annotated[Incident, Depends(incident_for(responder))]
SlaIncident = Annotated[Incident, Depends(incident_for(sla_writer))]

IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$"),
]


async def _view(session: SessionDep, rt: Runtime, incident: Incident) -> IncidentRead:
    addressee = await session.get(Party, incident.addressed_party_id)
    return incident_view(rt, incident, bool(addressee and addressee.webhook_reachable))


@router.post("", status_code=201, response_model=IncidentRead)
async def raise_incident(
    body: IncidentCreate,
    session: SessionDep,
    rt: RuntimeDep,
    principal: Raiser,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> IncidentRead:
    """Ask the Device's installing supplier for its install code."""
    assert principal.party_id is not None
    incident = None
    if idempotency_key is not None:
        incident = await service.find_idempotent(
            session, rt, principal.party_id, idempotency_key, body
        )
        if incident is not None:
            response.headers["Idempotent-Replayed"] = "true"
    if incident is None:
        incident = await service.raise_incident(session, rt, principal, body, idempotency_key)
    response.headers["Location"] = f"/v1/incidents/{incident.id}"
    return await _view(session, rt, incident)


@router.get("", response_model=IncidentList)
async def list_incidents(
    session: SessionDep,
    rt: RuntimeDep,
    principal: Reader,
    status: IncidentStatus | None = None,
    role: Literal["requester", "addressee"] | None = None,
    sla_state_filter: Annotated[SlaState | None, Query(alias="sla_state")] = None,
    device_id: DeviceId | None = None,
    group_ref: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9._:-]{1,64}$")] = None,
    updated_since: InstantBound | None = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> IncidentList:
    query = select(Incident)
    party = principal.party_id
    if role == "requester" or (role is None and not principal.is_operator):
        mine = col(Incident.requesting_party_id) == party
        if role is None:
            mine = or_(mine, col(Incident.addressed_party_id) == party)
        query = query.where(mine)
    elif role == "addressee":
        query = query.where(Incident.addressed_party_id == party)
    if status is not None:
        query = query.where(Incident.status == status)
    if device_id is not None:
        query = query.where(Incident.device_id == device_id)
    if group_ref is not None:
        query = query.where(Incident.group_ref == group_ref)
    if updated_since is not None:
        query = query.where(col(Incident.updated_at) >= updated_since)
    after = decode_int_cursor(cursor)
    if after is not None:
        query = query.where(col(Incident.pk) < after)
    query = query.order_by(col(Incident.pk).desc())
    now = rt.clock.now()
    items: list[IncidentRead] = []
    last_pk = None
    # sla_state depends on the time of asking, so it is filtered here rather than in SQL.
    batch = limit if sla_state_filter is None else 500
    while len(items) < limit:
        rows = (await session.exec(query.limit(batch))).all()
        for incident in rows:
            last_pk = incident.pk
            if sla_state_filter is None or sla_state(incident, now) == sla_state_filter:
                items.append(await _view(session, rt, incident))
                if len(items) == limit:
                    break
        if len(rows) < batch or len(items) == limit:
            break
        query = query.where(col(Incident.pk) < last_pk)
    more = len(items) == limit and last_pk is not None
    return IncidentList(
        items=items, next_cursor=encode_cursor(last_pk) if more and last_pk else None
    )


@router.get("/{incident_id}", response_model=IncidentRead)
async def get_incident(
    session: SessionDep, rt: RuntimeDep, incident: ReadableIncident
) -> IncidentRead:
    return await _view(session, rt, incident)


@router.get("/{incident_id}/history", response_model=HistoryList)
async def get_history(
    session: SessionDep,
    incident: ReadableIncident,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> HistoryList:
    query = select(HistoryEntry).where(HistoryEntry.incident_pk == incident.pk)
    after = decode_int_cursor(cursor)
    if after is not None:
        query = query.where(col(HistoryEntry.id) < after)
    rows = (await session.exec(query.order_by(col(HistoryEntry.id).desc()).limit(limit))).all()
    next_cursor = encode_cursor(rows[-1].id or 0) if len(rows) == limit else None
    return HistoryList(
        items=[HistoryRead.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=next_cursor,
    )


@router.post("/{incident_id}/acknowledge", response_model=IncidentRead)
async def acknowledge(
    session: SessionDep,
    rt: RuntimeDep,
    principal: Responder,
    incident: RespondersIncident,
) -> IncidentRead:
    await service.acknowledge(session, rt, principal, incident)
    return await _view(session, rt, incident)


@router.post("/{incident_id}/response", response_model=IncidentRead)
async def respond(
    body: ResponseCreate,
    session: SessionDep,
    rt: RuntimeDep,
    principal: Responder,
    incident: RespondersIncident,
) -> IncidentRead:
    """Answer: the install code, not the installing supplier, or rejected as not bona fide."""
    await service.respond(session, rt, principal, incident, body)
    return await _view(session, rt, incident)


@router.post("/{incident_id}/close", response_model=IncidentRead)
async def close(
    session: SessionDep,
    rt: RuntimeDep,
    principal: Raiser,
    incident: RaisersIncident,
    body: CloseBody | None = None,
) -> IncidentRead:
    await service.close(session, rt, principal, incident, body.note if body else None)
    return await _view(session, rt, incident)


@router.post("/{incident_id}/cancel", response_model=IncidentRead)
async def cancel(
    session: SessionDep,
    rt: RuntimeDep,
    principal: Raiser,
    incident: RaisersIncident,
    body: CancelBody | None = None,
) -> IncidentRead:
    await service.cancel(session, rt, principal, incident, body.reason if body else None)
    return await _view(session, rt, incident)


@router.post("/{incident_id}/reopen", response_model=IncidentRead)
async def reopen(
    body: ReopenBody,
    session: SessionDep,
    rt: RuntimeDep,
    principal: Raiser,
    incident: RaisersIncident,
) -> IncidentRead:
    """The code did not work: destroy it and start a new clock (at most 3 times)."""
    await service.reopen(session, rt, principal, incident, body.reason)
    return await _view(session, rt, incident)


@router.post("/{incident_id}/readdress", response_model=IncidentRead)
async def readdress(
    body: ReaddressBody,
    session: SessionDep,
    rt: RuntimeDep,
    principal: Raiser,
    incident: RaisersIncident,
) -> IncidentRead:
    await service.readdress(session, rt, principal, incident, body)
    return await _view(session, rt, incident)


@router.get("/{incident_id}/install-code", response_model=InstallCodeRead)
async def reveal_install_code(
    session: SessionDep,
    rt: RuntimeDep,
    principal: Reader,
    incident: ReadableIncident,
    response: Response,
) -> InstallCodeRead:
    """The install code, to the requester only. Each reveal is audited."""
    code = await service.reveal(session, rt, principal, incident)
    INSTALL_CODE_REVEALS.inc()
    response.headers["Cache-Control"] = "no-store"
    return InstallCodeRead(install_code=code)


@router.post(
    "/{incident_id}/sla-events",
    status_code=201,
    response_model=SlaEventRead,
    responses={200: {"model": SlaEventRead, "description": "Already recorded"}},
)
async def record_sla_event(
    body: SlaEventCreate,
    session: SessionDep,
    rt: RuntimeDep,
    principal: SlaWriter,
    incident: SlaIncident,
) -> JSONResponse:
    """Record a warning, breach or escalation once: idempotent on (clock, kind, ordinal)."""
    record, created = await service.record_sla_event(session, rt, principal, incident, body)
    view = SlaEventRead(
        incident_id=incident.id,
        clock=record.clock,
        kind=record.kind,
        ordinal=record.ordinal,
        occurred_at=record.occurred_at,
        recorded_at=record.recorded_at,
    )
    return JSONResponse(view.model_dump(mode="json"), status_code=201 if created else 200)
