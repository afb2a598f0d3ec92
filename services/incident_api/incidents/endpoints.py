"""Install-code incidents, one at a time. A gaining supplier raises an incident for a Device; the
Device's installing supplier acknowledges it and answers with the install code (or says it is not
the installing supplier, or rejects the request); the requester reveals the code, commissions the
Device and closes the incident, which destroys the code. Every `{incident_id}` also accepts the
incident's reference (`INC-000123`). An incident your party may not see is 404, a call your
party's role on the incident does not allow is 403 (`wrong-role`), and a call the incident's
status does not allow is 409 (`invalid-transition`, with `current_status`).

The routes' docstrings are their published descriptions (see services/common/openapi.py).
"""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Response
from fastapi.responses import JSONResponse
from sqlalchemy import ColumnElement, union
from sqlmodel import col, or_, select
from sqlmodel.sql.expression import SelectOfScalar

from services.common.auth import PARTIES, Kind, Principal, require
from services.common.db import WRITES, SessionDep
from services.common.errors import ProblemError
from services.common.negotiation import InstantBound
from services.common.openapi import links, problems
from services.common.pagination import (
    BadCursor,
    Cursor,
    Limit,
    decode_int_cursor,
    encode_cursor,
)
from services.incident_api.incidents import raising, service
from services.incident_api.incidents.dependencies import incident_for
from services.incident_api.incidents.errors import (
    AddresseeRequired,
    ClockEnded,
    ClockNotStarted,
    DeviceNotEligible,
    DuplicateOpenIncident,
    IdempotencyInProgress,
    IdempotencyMismatch,
    IncidentNotFound,
    InstallCodeDestroyed,
    InvalidTransition,
    NoInstallCode,
    NotASupplier,
    NotRegisteredSupplier,
    ReopenLimit,
    RequesterIsInstaller,
    SlaEventTooEarly,
    UnknownParty,
    WrongRole,
)
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
    ReachedBatch,
    ReachedCreate,
    ReaddressBody,
    ReopenBody,
    ResponseCreate,
    SlaEventCreate,
    SlaEventRead,
)
from services.incident_api.incidents.views import incident_view, sla_state
from services.incident_api.metrics import INSTALL_CODE_REVEALS
from services.incident_api.runtime import RuntimeDep
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
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="Your key for this request (printable ASCII, no spaces), kept 24 hours for "
        "your party: send the same request again with it and nothing is raised twice.",
        examples=["5b0f4d2a-9c1e-4f8b-a7d3-2e6c9b1f0a44"],
    ),
]
TRANSITION = (IncidentNotFound, WrongRole, InvalidTransition)
"""What every call that moves an incident on can answer."""


@router.post(
    "",
    status_code=201,
    response_model=IncidentRead,
    summary="Raise an incident",
    response_description="The incident, raised (or, for a replayed `Idempotency-Key`, as it is "
    "now); `Location` names it",
    responses={
        **links(
            201,
            "incident_id",
            "get_incident",
            "get_incident_history",
            "acknowledge_incident",
            "respond_to_incident",
            "cancel_incident",
        ),
        **problems(
            NotASupplier,
            NotRegisteredSupplier,
            DeviceNotEligible,
            DuplicateOpenIncident,
            IdempotencyInProgress,
            RequesterIsInstaller,
            AddresseeRequired,
            UnknownParty,
            IdempotencyMismatch,
        ),
    },
)
async def raise_incident(
    body: IncidentCreate,
    session: SessionDep,
    rt: RuntimeDep,
    principal: Raiser,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Ask the Device's installing supplier for its install code. Scope `incidents:raise`;
    suppliers only (`not-a-supplier` otherwise).

    The checks, in this order, each refusal with its own `type`: where the inventory names the
    Device's registered supplier, that must be your party (403 `not-registered-supplier`, which
    says nothing else about the Device); your party must not be its installing party (422
    `requester-is-installer`); its SMI status must be `installed_not_commissioned` or
    `whitelisted` (409 `device-not-eligible`); your party must have no other open incident for it
    (409 `duplicate-open-incident`, naming that incident in `incident_id`).

    The addressee is the installing party the inventory names. Where the inventory does not know
    the Device, or names no installing party, name it yourself in `addressed_party_id`: the
    incident is then `unverified: true` (422 `addressee-required` without it). An
    `addressed_party_id` other than the inventory's installing party, or one that is not an
    active party (operators excluded), is 422 `unknown-party`.

    The SLA clock starts now: `due_at` and `warning_at` are fixed for this clock. The addressee is
    told (`incident.raised`).

    Retrying safely: with an `Idempotency-Key`, the same key and the same body within 24 hours
    answer the incident raised the first time (201 again, with `Idempotent-Replayed: true`); the
    same key with another body is 422 `idempotency-key-reused`; a request still running under the
    key is 409 `idempotency-key-in-progress`. Without a key, a repeat meets the open incident and
    is 409 `duplicate-open-incident`.
    """
    request = raising.RaiseRequest(body, idempotency_key)
    (outcome,) = await raising.raise_incidents(session, rt, principal, [request])
    if isinstance(outcome, ProblemError):
        raise outcome
    incident = outcome.incident
    headers = {"Location": f"/v1/incidents/{incident.id}"}
    if outcome.replayed:
        headers["Idempotent-Replayed"] = "true"
    # Serialised here, once: returned as a model, the view would be validated again first.
    body_json = incident_view(rt, incident).model_dump_json()
    return Response(body_json, status_code=201, headers=headers, media_type="application/json")


@router.get(
    "", response_model=IncidentList, summary="List incidents", responses=problems(BadCursor)
)
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
    addressee_reachable: bool | None = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> IncidentList:
    """The incidents your party raised or is addressed, newest first; an operator sees every
    incident. Scope `incidents:read`.

    Filters combine: `role` (`requester`: those your party raised, `addressee`: those addressed
    to it), `status`, `sla_state` (as of now), `device_id`, `group_ref`, and `updated_since`
    (`updated_at` at or after that instant; every transition sets it: poll with it to follow what
    moved), and `addressee_reachable` (`false`: no delivery of the running clock's start event
    has reached the addressee yet; with `status=raised`, the unreached addressees an operator
    chases). Pages hold `limit` items; pass `next_cursor` as `cursor` for the next, until it is
    null.
    """
    party = principal.party_id
    filters: list[ColumnElement[bool]] = []
    if status is not None:
        filters.append(col(Incident.status) == status)
    if device_id is not None:
        filters.append(col(Incident.device_id) == device_id)
    if group_ref is not None:
        filters.append(col(Incident.group_ref) == group_ref)
    if updated_since is not None:
        filters.append(col(Incident.updated_at) >= updated_since)
    if addressee_reachable is not None:
        reached = col(Incident.reached_clock) == col(Incident.clock)
        if not addressee_reachable:
            reached = or_(col(Incident.reached_clock).is_(None), ~reached)
        filters.append(reached)
    if role == "requester":
        filters.append(col(Incident.requesting_party_id) == party)
    elif role == "addressee":
        filters.append(col(Incident.addressed_party_id) == party)
    either = role is None and not principal.is_operator
    # sla_state depends on the time of asking, so it is filtered here rather than in SQL.
    batch = limit if sla_state_filter is None else 500

    def page(before: int | None) -> SelectOfScalar[Incident]:
        """The next `batch` incidents before `before`, newest first. A party's own, raised or
        addressed, are found by each index in pk order and merged: one query with OR between
        the two would read and sort every incident the party ever had."""
        bound = [] if before is None else [col(Incident.pk) < before]
        if not either:
            return select(Incident).where(*filters, *bound).order_by(col(Incident.pk).desc())
        sides = [
            select(Incident.pk)
            .where(side == party, *filters, *bound)
            .order_by(col(Incident.pk).desc())
            .limit(batch)
            .subquery()
            for side in (col(Incident.requesting_party_id), col(Incident.addressed_party_id))
        ]
        pks = union(*(select(side.c.pk) for side in sides))
        return select(Incident).where(col(Incident.pk).in_(pks)).order_by(col(Incident.pk).desc())

    now = rt.clock.now()
    items: list[IncidentRead] = []
    last_pk = decode_int_cursor(cursor)
    while len(items) < limit:
        rows = (await session.exec(page(last_pk).limit(batch))).all()
        for incident in rows:
            last_pk = incident.pk
            if sla_state_filter is None or sla_state(incident, now) == sla_state_filter:
                items.append(incident_view(rt, incident))
                if len(items) == limit:
                    break
        if len(rows) < batch or len(items) == limit:
            break
    more = len(items) == limit and last_pk is not None
    return IncidentList(
        items=items, next_cursor=encode_cursor(last_pk) if more and last_pk else None
    )


@router.get(
    "/{incident_id}",
    response_model=IncidentRead,
    summary="Get an incident",
    responses=problems(IncidentNotFound),
)
async def get_incident(
    session: SessionDep, rt: RuntimeDep, incident: ReadableIncident
) -> IncidentRead:
    """One incident, by id or reference. Scope `incidents:read`; its requester and its addressee
    see it, and operators. `sla_state` and `working_days_overdue` are as of now; `links` name
    related resources (`install_code` while a code is held, for the requester to reveal)."""
    return incident_view(rt, incident)


@router.get(
    "/{incident_id}/history",
    response_model=HistoryList,
    summary="Read an incident's history",
    responses=problems(IncidentNotFound, BadCursor),
)
async def get_incident_history(
    session: SessionDep,
    incident: ReadableIncident,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> HistoryList:
    """The incident's audit trail, newest first: each transition, SLA event, Device change and
    install-code reveal, with who did it (`actor`) and on which clock. The actor is a party's
    id, or the person (the token's `sub`, up to 255 characters) where a person's token acted for
    the party (`ssi_party`, as the portal's do); else a service such as `svc:notifier`, `admin`
    (inventory changes) or `system` (expiry). Scope `incidents:read`; whoever may see the
    incident. Never holds an install code."""
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


@router.post(
    "/{incident_id}/acknowledge",
    response_model=IncidentRead,
    summary="Acknowledge an incident",
    responses={**links(200, "incident_id", "respond_to_incident"), **problems(*TRANSITION)},
)
async def acknowledge_incident(
    session: SessionDep,
    rt: RuntimeDep,
    principal: Responder,
    incident: RespondersIncident,
) -> IncidentRead:
    """Say that your party is working on it (optional: you may answer straight away). Scope
    `incidents:respond`; the addressee only. `raised` -> `acknowledged`: the clock runs on, and
    the requester is told (`incident.acknowledged`). Takes no body. Once acknowledged, a repeat is
    409 `invalid-transition`."""
    await service.acknowledge(session, rt, principal, incident)
    return incident_view(rt, incident)


@router.post(
    "/{incident_id}/response",
    response_model=IncidentRead,
    summary="Answer an incident",
    responses={
        **links(
            200,
            "incident_id",
            "reveal_install_code",
            "close_incident",
            "reopen_incident",
            "readdress_incident",
        ),
        **problems(*TRANSITION, UnknownParty),
    },
)
async def respond_to_incident(
    body: ResponseCreate,
    session: SessionDep,
    rt: RuntimeDep,
    principal: Responder,
    incident: RespondersIncident,
) -> IncidentRead:
    """Answer the request. Scope `incidents:respond`; the addressee only, while the incident is
    open (`raised` or `acknowledged`); it becomes `resolved`, which stops the clock (`sla_state`
    `met` if in time, else `missed`), and the requester is told (`incident.resolved`).

    The `outcome`:
    - `install_code_provided`, with `install_code`: 32 hex digits, or 36 with the ZigBee
      CRC-16/X-25 appended (checked, then dropped). The code is kept encrypted, shown to the
      requester alone, and destroyed when the incident is closed or reopened. A refusal never
      repeats it.
    - `not_installing_supplier`: your party did not install the Device; name the party you
      believe did in `suggested_party_id` if you know it (another registered party, else 422
      `unknown-party`). The requester may then readdress the incident.
    - `rejected`, with a `reason`: the request is not bona fide.

    A second answer is 409 `invalid-transition` (`current_status` `resolved`), even if identical:
    to re-send answers safely, use `POST /v1/incidents/responses/batch`, whose rows replay.
    """
    await service.respond(session, rt, principal, incident, body)
    return incident_view(rt, incident)


@router.post(
    "/{incident_id}/close",
    response_model=IncidentRead,
    summary="Close an incident",
    responses=problems(*TRANSITION),
)
async def close_incident(
    session: SessionDep,
    rt: RuntimeDep,
    principal: Raiser,
    incident: RaisersIncident,
    body: CloseBody | None = None,
) -> IncidentRead:
    """Close a resolved incident: done with it. Scope `incidents:raise`; the requester only.
    `resolved` -> `closed`. **The install code is destroyed**: reveal it before closing. The
    body (`{note}`) is optional. The addressee is told (`incident.closed`). A resolved incident
    nobody closes is closed after the retention period (30 days by default), with
    `close_reason` `expired`."""
    await service.close(session, rt, principal, incident, body.note if body else None)
    return incident_view(rt, incident)


@router.post(
    "/{incident_id}/cancel",
    response_model=IncidentRead,
    summary="Cancel an incident",
    responses=problems(*TRANSITION),
)
async def cancel_incident(
    session: SessionDep,
    rt: RuntimeDep,
    principal: Raiser,
    incident: RaisersIncident,
    body: CancelBody | None = None,
) -> IncidentRead:
    """Withdraw the request before it is answered. Scope `incidents:raise`; the requester only,
    while the incident is open (`raised` or `acknowledged`). -> `cancelled`, which stops the
    clock; the addressee is told (`incident.cancelled`). The body (`{reason}`) is optional."""
    await service.cancel(session, rt, principal, incident, body.reason if body else None)
    return incident_view(rt, incident)


@router.post(
    "/{incident_id}/reopen",
    response_model=IncidentRead,
    summary="Reopen an incident: the code did not work",
    responses={
        **links(200, "incident_id", "acknowledge_incident", "respond_to_incident"),
        **problems(*TRANSITION, ReopenLimit),
    },
)
async def reopen_incident(
    body: ReopenBody,
    session: SessionDep,
    rt: RuntimeDep,
    principal: Raiser,
    incident: RaisersIncident,
) -> IncidentRead:
    """The install code did not work: ask the addressee again. Scope `incidents:raise`; the
    requester only, on an incident resolved with `install_code_provided` (409
    `invalid-transition` otherwise). `resolved` -> `raised`: **the code held is destroyed**, a
    new SLA clock starts (`clock` + 1, new `due_at`), and the addressee is told
    (`incident.reopened`). Needs a `reason`. At most 3 reopens per incident by default (409
    `reopen-limit`)."""
    await service.reopen(session, rt, principal, incident, body.reason)
    return incident_view(rt, incident)


@router.post(
    "/{incident_id}/readdress",
    response_model=IncidentRead,
    summary="Readdress an incident to another party",
    responses={
        **links(200, "incident_id", "acknowledge_incident", "respond_to_incident"),
        **problems(*TRANSITION, RequesterIsInstaller, UnknownParty),
    },
)
async def readdress_incident(
    body: ReaddressBody,
    session: SessionDep,
    rt: RuntimeDep,
    principal: Raiser,
    incident: RaisersIncident,
) -> IncidentRead:
    """Send the request to another party, after the addressee answered
    `not_installing_supplier` (409 `invalid-transition` otherwise). Scope `incidents:raise`; the
    requester, or an operator. `resolved` -> `raised` with the new `addressed_party_id` (an
    active supplier party, else 422 `unknown-party`; not the requester itself, 422
    `requester-is-installer`): a new SLA clock starts, the change is audited, and the new
    addressee is told (`incident.readdressed`)."""
    await service.readdress(session, rt, principal, incident, body)
    return incident_view(rt, incident)


@router.get(
    "/{incident_id}/install-code",
    dependencies=[WRITES],  # each reveal is audited
    response_model=InstallCodeRead,
    summary="Reveal the install code",
    responses=problems(IncidentNotFound, WrongRole, NoInstallCode, InstallCodeDestroyed),
)
async def reveal_install_code(
    session: SessionDep,
    rt: RuntimeDep,
    principal: Reader,
    incident: ReadableIncident,
    response: Response,
) -> InstallCodeRead:
    """The install code the addressee provided, as 32 upper-case hex digits (no CRC). Scope
    `incidents:read`; the requester only (the addressee and operators get 403 `wrong-role`).
    Each reveal is audited; the answer carries `Cache-Control: no-store`: keep the code no longer
    than you need it.

    409 `no-install-code` while the incident holds none (not answered yet, or answered
    otherwise); 410 `install-code-destroyed` once the incident was closed or reopened, or the
    retention period has passed.
    """
    code = await service.reveal(session, rt, principal, incident)
    INSTALL_CODE_REVEALS.inc()
    response.headers["Cache-Control"] = "no-store"
    return InstallCodeRead(install_code=code)


@router.post(
    "/{incident_id}/sla-events",
    status_code=201,
    response_model=SlaEventRead,
    summary="Record an SLA warning, breach or escalation",
    response_description="Recorded now",
    responses={
        200: {"model": SlaEventRead, "description": "Already recorded: the first record"},
        **problems(IncidentNotFound, ClockEnded, SlaEventTooEarly),
    },
)
async def record_sla_event(
    body: SlaEventCreate,
    session: SessionDep,
    rt: RuntimeDep,
    principal: SlaWriter,
    incident: SlaIncident,
) -> JSONResponse:
    """For the notifier, which watches the SLA clocks; not for suppliers. Scope `sla:write`;
    services only.

    Idempotent on (`clock`, `kind`, `ordinal`): the first call records the event (201) and
    announces it (`incident.sla_warning`, `incident.sla_breached`, `incident.sla_escalated`); a
    repeat answers the first record (200) and announces nothing. 409 `clock-ended` once that clock
    has ended (the incident was resolved, cancelled or given a new clock); 422
    `sla-event-too-early` for a breach or escalation on the running clock before its `due_at`.
    """
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


@router.post(
    "/reached",
    status_code=204,
    summary="Record that addressees were reached, for many incidents",
)
async def record_reached_many(body: ReachedBatch, session: SessionDep, _: SlaWriter) -> Response:
    """For the notifier: `record_reached` for up to 500 incidents in one call. Scope
    `sla:write`; services only. An unknown incident, or a clock the incident has not started, is
    passed over, not refused: the notifier could do nothing better with it."""
    await service.record_reached_many(session, [(i.incident_id, i.clock) for i in body.items])
    return Response(status_code=204)


@router.post(
    "/{incident_id}/reached",
    status_code=204,
    summary="Record that the addressee was reached on a clock",
    responses=problems(IncidentNotFound, ClockNotStarted),
)
async def record_reached(
    body: ReachedCreate,
    session: SessionDep,
    _: SlaWriter,
    incident: SlaIncident,
) -> Response:
    """For the notifier, which delivers the events; not for suppliers. Scope `sla:write`;
    services only.

    A delivery of clock `clock`'s start event (`incident.raised`, `incident.reopened` or
    `incident.readdressed`) reached the addressee: a webhook answered 2xx, a mail server took
    the message (or its file was written), or the party fetched it from its inbox. The incident
    shows `addressee_reachable: true` while that is its running clock; a reopen or readdress
    starts a new clock, not reached until reported in turn.

    Idempotent: a repeat, or a report for an earlier clock than the incident's (a late one),
    changes nothing and is 204 all the same. 409 `clock-not-started` for a clock beyond the
    incident's (`current_clock` says which it is on). Nothing is announced or added to the
    history, and neither `version` nor `updated_at` moves: it is delivery bookkeeping, not a
    step of the incident's life.
    """
    await service.record_reached(session, incident, body.clock)
    return Response(status_code=204)
