from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response
from sqlmodel import col, select

from services.common.auth import Kind, Principal, require
from services.common.db import SessionDep
from services.common.pagination import Cursor, Limit, decode_cursor, encode_cursor
from services.incident_api.parties import service
from services.incident_api.parties.models import Party
from services.incident_api.parties.schemas import (
    PartyCreate,
    PartyList,
    PartyRead,
    PartyUpdate,
    ReachabilityWrite,
)
from services.incident_api.runtime import RuntimeDep

router = APIRouter(prefix="/v1/parties", tags=["parties"])

Writer = Annotated[Principal, Depends(require("parties:write", Kind.operator, admin=True))]
Reader = Annotated[
    Principal,
    Depends(require("parties:read", Kind.operator, Kind.service, Kind.supplier, admin=True)),
]
PartyIdPath = Annotated[str, Path(pattern=r"^[A-Z0-9]{4}$")]
# The notifier, which owns the endpoints, says whether a party can be reached. DESIGN §4 gives
# services no scope for parties, and reachability is SLA monitoring's concern (open incidents
# whose addressee cannot be told): `sla:write` it is.
ReachabilityWriter = Annotated[Principal, Depends(require("sla:write", Kind.service))]


@router.post("", status_code=201, response_model=PartyRead)
async def create_party(
    body: PartyCreate, session: SessionDep, rt: RuntimeDep, principal: Writer
) -> PartyRead:
    """Add a party to the contact list. An `admin` token may do this before any party exists."""
    party = await service.create(session, rt, body)
    return await service.view(session, principal, party)


@router.get("", response_model=PartyList)
async def list_parties(
    session: SessionDep, principal: Reader, cursor: Cursor = None, limit: Limit = 100
) -> PartyList:
    query = select(Party).order_by(col(Party.party_id))
    after = decode_cursor(cursor)
    if after is not None:
        query = query.where(col(Party.party_id) > after)
    rows = (await session.exec(query.limit(limit))).all()
    return PartyList(
        items=[await service.view(session, principal, p) for p in rows],
        next_cursor=encode_cursor(rows[-1].party_id) if len(rows) == limit else None,
    )


@router.get("/{party_id}", response_model=PartyRead)
async def get_party(party_id: PartyIdPath, session: SessionDep, principal: Reader) -> PartyRead:
    party = await session.get(Party, party_id)
    if party is None:
        raise service.PartyNotFound()
    return await service.view(session, principal, party)


@router.patch("/{party_id}", response_model=PartyRead)
async def update_party(
    party_id: PartyIdPath,
    body: PartyUpdate,
    session: SessionDep,
    rt: RuntimeDep,
    principal: Writer,
) -> PartyRead:
    """Change contacts or category, or deactivate (`{"active": false}`)."""
    party = await service.update(session, rt, party_id, body)
    return await service.view(session, principal, party)


@router.put("/{party_id}/webhook-reachability", status_code=204)
async def set_webhook_reachability(
    party_id: PartyIdPath,
    body: ReachabilityWrite,
    session: SessionDep,
    _: ReachabilityWriter,
) -> Response:
    """Services only: whether the party has an enabled webhook endpoint. Incidents show it to
    the requester as `addressee_reachable`."""
    party = await session.get(Party, party_id)
    if party is None:
        raise service.PartyNotFound()
    party.webhook_reachable = body.webhook_reachable
    session.add(party)
    return Response(status_code=204)
