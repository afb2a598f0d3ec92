"""The contact list: the SEC Parties that raise and answer incidents (suppliers) and the
operators (DCC service desk, SECAS), each with its category and contact emails. Kept by
operators; read by operators and the deployment's services.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response
from sqlmodel import col, select

from services.common.auth import Kind, Principal, require
from services.common.db import SessionDep
from services.common.openapi import links, problems
from services.common.pagination import BadCursor, Cursor, Limit, decode_cursor, encode_cursor
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
PartyIdPath = Annotated[str, Path(pattern=r"^[A-Z0-9]{4}$", examples=["GSUP"])]
# The notifier, which owns the endpoints, says whether a party can be reached. DESIGN §4 gives
# services no scope for parties, and reachability is SLA monitoring's concern (open incidents
# whose addressee cannot be told): `sla:write` it is.
ReachabilityWriter = Annotated[Principal, Depends(require("sla:write", Kind.service))]


@router.post(
    "",
    status_code=201,
    response_model=PartyRead,
    summary="Add a party",
    responses={
        **links(201, "party_id", "get_party", "update_party", source="$response.body#/party_id"),
        **problems(service.PartyExists),
    },
)
async def create_party(
    body: PartyCreate, session: SessionDep, rt: RuntimeDep, principal: Writer
) -> PartyRead:
    """Add a party to the contact list. Scope `parties:write`: operators, or an `admin` token,
    which may do this before any party exists (bootstrapping a deployment). Its `party_id` is
    fixed from then on: 409 `party-exists` if it is taken. The party can be given tokens at once;
    the notifier learns of it from the event feed (`party.created`)."""
    party = await service.create(session, rt, body)
    return await service.view(session, principal, party)


@router.get("", response_model=PartyList, summary="List parties", responses=problems(BadCursor))
async def list_parties(
    session: SessionDep, principal: Reader, cursor: Cursor = None, limit: Limit = 100
) -> PartyList:
    """Every party, inactive ones included, by `party_id`. Scope `parties:read`: operators, the
    deployment's services and `admin`. Contact emails are shown to them, and to a supplier (whose
    token carries the scope) for itself and for a party it shares an open incident with: else
    they are null. Pages hold `limit` items; pass `next_cursor` as `cursor` for the next."""
    query = select(Party).order_by(col(Party.party_id))
    after = decode_cursor(cursor)
    if after is not None:
        query = query.where(col(Party.party_id) > after)
    rows = (await session.exec(query.limit(limit))).all()
    return PartyList(
        items=[await service.view(session, principal, p) for p in rows],
        next_cursor=encode_cursor(rows[-1].party_id) if len(rows) == limit else None,
    )


@router.get(
    "/{party_id}",
    response_model=PartyRead,
    summary="Get a party",
    responses=problems(service.PartyNotFound),
)
async def get_party(party_id: PartyIdPath, session: SessionDep, principal: Reader) -> PartyRead:
    """One party. Scope `parties:read`; contact emails shown as in the list."""
    party = await session.get(Party, party_id)
    if party is None:
        raise service.PartyNotFound()
    return await service.view(session, principal, party)


@router.patch(
    "/{party_id}",
    response_model=PartyRead,
    summary="Change or deactivate a party",
    responses=problems(service.PartyNotFound),
)
async def update_party(
    party_id: PartyIdPath,
    body: PartyUpdate,
    session: SessionDep,
    rt: RuntimeDep,
    principal: Writer,
) -> PartyRead:
    """Change a party's name, category or contact emails, or deactivate it (`{"active": false}`;
    `true` reactivates it). Scope `parties:write`: operators or `admin`. Only the fields sent
    change. A deactivated party's tokens are refused (403) and no new incident can be addressed to
    it; its open incidents stay as they are. The notifier learns of the change from the event
    feed (`party.updated`)."""
    party = await service.update(session, rt, party_id, body)
    return await service.view(session, principal, party)


@router.put(
    "/{party_id}/webhook-reachability",
    status_code=204,
    summary="Record whether a party has a webhook endpoint",
    responses=problems(service.PartyNotFound),
)
async def set_webhook_reachability(
    party_id: PartyIdPath,
    body: ReachabilityWrite,
    session: SessionDep,
    _: ReachabilityWriter,
) -> Response:
    """For the notifier, which owns the endpoints; not for suppliers. Scope `sla:write`; services
    only. Whether the party has at least one enabled webhook endpoint: incidents addressed to it
    show this as `addressee_reachable`."""
    party = await session.get(Party, party_id)
    if party is None:
        raise service.PartyNotFound()
    party.webhook_reachable = body.webhook_reachable
    session.add(party)
    return Response(status_code=204)
