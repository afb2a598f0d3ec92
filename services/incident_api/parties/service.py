from sqlalchemy.exc import IntegrityError
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.auth import Kind, KnownParty, Principal
from services.common.errors import Conflict, NotFound
from services.incident_api.events.service import append_event
from services.incident_api.incidents.models import Incident
from services.incident_api.parties.models import Party
from services.incident_api.parties.schemas import PartyCreate, PartyRead, PartyUpdate
from services.incident_api.runtime import Runtime
from shared.schemas import OPEN_STATUSES, EventType, PartyEventData


class PartyNotFound(NotFound):
    slug, title = "party-not-found", "No such party"


class PartyExists(Conflict):
    slug, title = "party-exists", "A party with this id exists"


async def create(session: AsyncSession, rt: Runtime, body: PartyCreate) -> Party:
    if await session.get(Party, body.party_id) is not None:
        raise PartyExists(party_id=body.party_id)
    now = rt.clock.now()
    party = Party(**body.model_dump(mode="json"), created_at=now, updated_at=now)
    session.add(party)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise PartyExists(party_id=body.party_id) from exc
    await _announce(session, rt, party, EventType.party_created)
    return party


async def update(session: AsyncSession, rt: Runtime, party_id: str, body: PartyUpdate) -> Party:
    party = await session.get(Party, party_id)
    if party is None:
        raise PartyNotFound()
    changes = body.model_dump(mode="json", exclude_unset=True, exclude_none=True)
    for field, value in changes.items():
        setattr(party, field, value)
    if changes:
        party.updated_at = rt.clock.now()
        await session.flush()
        await _announce(session, rt, party, EventType.party_updated)
    return party


async def _announce(session: AsyncSession, rt: Runtime, party: Party, type_: EventType) -> None:
    data = PartyEventData(party_id=party.party_id, category=party.category, active=party.active)
    await append_event(
        session, rt.signal, type_, data.model_dump(mode="json"), occurred_at=party.updated_at
    )


async def lookup(session: AsyncSession, party_id: str) -> KnownParty | None:
    """The auth layer's view of a party (see services/common/auth.py)."""
    party = await session.get(Party, party_id)
    return None if party is None else KnownParty(party.party_id, party.category, party.active)


async def shares_open_incident(session: AsyncSession, party_a: str, party_b: str) -> bool:
    found = await session.exec(
        select(Incident.pk)
        .where(
            col(Incident.status).in_(OPEN_STATUSES),
            or_(
                (col(Incident.requesting_party_id) == party_a)
                & (col(Incident.addressed_party_id) == party_b),
                (col(Incident.requesting_party_id) == party_b)
                & (col(Incident.addressed_party_id) == party_a),
            ),
        )
        .limit(1)
    )
    return found.first() is not None


async def view(session: AsyncSession, principal: Principal, party: Party) -> PartyRead:
    """Contact emails go to operators, services, admin, the party itself, and a counterparty
    while the two share an open incident (DESIGN §5): not for ever after one was raised, or
    raising and cancelling an unverified incident would open any party's contacts."""
    show = principal.kind is not Kind.supplier or principal.party_id == party.party_id
    if not show and principal.party_id is not None:
        show = await shares_open_incident(session, principal.party_id, party.party_id)
    return PartyRead(
        party_id=party.party_id,
        name=party.name,
        category=party.category,
        active=party.active,
        ops_contact_email=party.ops_contact_email if show else None,
        escalation_contact_email=party.escalation_contact_email if show else None,
        created_at=party.created_at,
        updated_at=party.updated_at,
    )
