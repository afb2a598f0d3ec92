"""The contact list: the SEC Parties that raise and answer incidents (suppliers) and the
operators (DCC service desk, SECAS), each with its category and contact emails. Kept by
operators; read by operators and the deployment's services; a party keeps its own contact emails.
Every change is audited.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from sqlmodel import col, select

from services.common.auth import PARTIES, Kind, Principal, require
from services.common.db import SessionDep
from services.common.openapi import links, problems
from services.common.pagination import (
    BadCursor,
    Cursor,
    Limit,
    decode_cursor,
    decode_int_cursor,
    encode_cursor,
)
from services.incident_api.parties import service
from services.incident_api.parties.models import Party, PartyChange
from services.incident_api.parties.schemas import (
    ContactsUpdate,
    PartyChangeList,
    PartyChangeRead,
    PartyCreate,
    PartyList,
    PartyRead,
    PartyUpdate,
)
from services.incident_api.runtime import RuntimeDep

router = APIRouter(prefix="/v1/parties", tags=["parties"])

Writer = Annotated[Principal, Depends(require("parties:write", Kind.operator, admin=True))]
Reader = Annotated[
    Principal,
    Depends(require("parties:read", Kind.operator, Kind.service, Kind.supplier, admin=True)),
]
# The scope a party raises with also lets it keep its own contact emails: operators never hold
# it, and they change any party's through `parties:write`.
ContactsWriter = Annotated[Principal, Depends(require("incidents:raise", *PARTIES))]
HistoryReader = Annotated[
    Principal, Depends(require("parties:read", Kind.operator, Kind.supplier, admin=True))
]
PartyIdPath = Annotated[str, Path(pattern=r"^[A-Z0-9]{4}$", examples=["GSUP"])]


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
    party = await service.create(session, rt, principal, body)
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
    party = await service.update(session, rt, principal, party_id, body)
    return await service.view(session, principal, party)


@router.patch(
    "/{party_id}/contacts",
    response_model=PartyRead,
    summary="Change your party's contact emails",
    responses=problems(service.PartyNotFound, service.NotYourParty),
)
async def update_party_contacts(
    party_id: PartyIdPath,
    body: ContactsUpdate,
    session: SessionDep,
    rt: RuntimeDep,
    principal: ContactsWriter,
) -> PartyRead:
    """Change your own party's `ops_contact_email` or `escalation_contact_email`, and nothing
    else (any other field is 422). Scope `incidents:raise`: a party, or a person acting for it.
    Only the fields sent change. Another party's is 404 `party-not-found`, as a party that does
    not exist, or 403 `not-your-party` to a token that may read the contact list (`parties:read`).

    Each change is audited (`GET /v1/parties/{party_id}/history`: who, which fields, when;
    never the addresses), and the notifier learns the new addresses from the event feed
    (`party.updated`): it mails them when none of your endpoints takes an event."""
    party = await service.update_contacts(session, rt, principal, party_id, body)
    return await service.view(session, principal, party)


@router.get(
    "/{party_id}/history",
    response_model=PartyChangeList,
    summary="Read a party's changes",
    responses=problems(service.PartyNotFound, service.NotYourParty, BadCursor),
)
async def get_party_history(
    party_id: PartyIdPath,
    session: SessionDep,
    principal: HistoryReader,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> PartyChangeList:
    """The party's audit trail, newest first: its creation and each change, with who made it
    (`actor`: an operator's or the party's id, the person acting for a party, or `admin`) and
    which fields changed, never their values. Scope `parties:read`: operators and `admin` read
    any party's; a supplier holding it reads its own only (403 `not-your-party`)."""
    party = await service.audited_party(session, principal, party_id)
    query = select(PartyChange).where(PartyChange.party_id == party.party_id)
    after = decode_int_cursor(cursor)
    if after is not None:
        query = query.where(col(PartyChange.id) < after)
    rows = (await session.exec(query.order_by(col(PartyChange.id).desc()).limit(limit))).all()
    return PartyChangeList(
        items=[PartyChangeRead.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=encode_cursor(rows[-1].id or 0) if len(rows) == limit else None,
    )
