"""The contact list: parties, their changes (audited, field names only), and who sees contacts."""

import json
from collections.abc import Iterable
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common import sqlite
from services.common.auth import Kind, KnownParty, Principal
from services.common.db import run_unit
from services.common.errors import Conflict, Forbidden, NotFound
from services.incident_api.events.service import append_event
from services.incident_api.incidents.models import Incident
from services.incident_api.parties.models import Party, PartyChange, PartyChangeAction
from services.incident_api.parties.schemas import (
    ContactsUpdate,
    PartyCreate,
    PartyRead,
    PartyUpdate,
)
from services.incident_api.runtime import Runtime
from shared.schemas import OPEN_STATUSES, EventType, PartyCategory, PartyEventData


class PartyNotFound(NotFound):
    slug, title = "party-not-found", "No such party"


class PartyExists(Conflict):
    slug, title = "party-exists", "A party with this id exists"


class NotYourParty(Forbidden):
    slug, title = "not-your-party", "Your party may do this for itself only"


async def create(
    session: AsyncSession, rt: Runtime, principal: Principal, body: PartyCreate
) -> Party:
    if await session.get(Party, body.party_id) is not None:
        raise PartyExists(party_id=body.party_id)
    now = rt.clock.now()
    party = Party(**body.model_dump(mode="json"), created_at=now, updated_at=now)
    session.add(party)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise PartyExists(party_id=body.party_id) from exc
    _record(session, party, principal, PartyChangeAction.created, [], now)
    await _announce(session, rt, party, EventType.party_created)
    return party


async def update(
    session: AsyncSession, rt: Runtime, principal: Principal, party_id: str, body: PartyUpdate
) -> Party:
    party = await session.get(Party, party_id)
    if party is None:
        raise PartyNotFound()
    changes = body.model_dump(mode="json", exclude_unset=True, exclude_none=True)
    await _change(session, rt, principal, party, changes, PartyChangeAction.updated)
    return party


async def update_contacts(
    session: AsyncSession, rt: Runtime, principal: Principal, party_id: str, body: ContactsUpdate
) -> Party:
    party = await own_party(session, principal, party_id)
    changes = body.model_dump(mode="json", exclude_unset=True, exclude_none=True)
    await _change(session, rt, principal, party, changes, PartyChangeAction.contacts_changed)
    return party


async def own_party(session: AsyncSession, principal: Principal, party_id: str) -> Party:
    """The caller's own party. Another party's is what the caller's view of parties makes it:
    403 to a caller who may read the contact list (it knows the party exists), else 404, as for
    a party that does not exist."""
    party = await session.get(Party, party_id)
    if party is None:
        raise PartyNotFound()
    if party.party_id != principal.party_id:
        if "parties:read" in principal.scopes:
            raise NotYourParty(f"Your token acts for {principal.party_id}.")
        raise PartyNotFound()
    return party


async def audited_party(session: AsyncSession, principal: Principal, party_id: str) -> Party:
    """A party whose trail the caller may read: any, for operators and `admin`; a supplier's
    own (it holds `parties:read`, so it knows the others exist: 403, not 404)."""
    party = await session.get(Party, party_id)
    if party is None:
        raise PartyNotFound()
    if principal.kind is Kind.supplier and principal.party_id != party.party_id:
        raise NotYourParty(f"Your token acts for {principal.party_id}.")
    return party


async def _change(
    session: AsyncSession,
    rt: Runtime,
    principal: Principal,
    party: Party,
    changes: dict[str, Any],
    action: PartyChangeAction,
) -> None:
    """Apply what differs, audit it and announce it; a change to nothing leaves no trace."""
    changed = [field for field, value in changes.items() if getattr(party, field) != value]
    if not changed:
        return
    for field in changed:
        setattr(party, field, changes[field])
    party.updated_at = rt.clock.now()
    session.add(party)
    _record(session, party, principal, action, changed, party.updated_at)
    await session.flush()
    await _announce(session, rt, party, EventType.party_updated)


def _record(
    session: AsyncSession,
    party: Party,
    principal: Principal,
    action: PartyChangeAction,
    fields: list[str],
    at: datetime,
) -> None:
    session.add(
        PartyChange(
            party_id=party.party_id, at=at, actor=principal.actor, action=action, fields=fields
        )
    )


async def _announce(session: AsyncSession, rt: Runtime, party: Party, type_: EventType) -> None:
    """Services alone read the feed, and the notifier mails these contacts when no endpoint of
    the party takes an event: so the addresses travel with it."""
    data = PartyEventData(
        party_id=party.party_id,
        category=party.category,
        active=party.active,
        ops_contact_email=party.ops_contact_email,
        escalation_contact_email=party.escalation_contact_email,
    )
    await append_event(
        session, rt.signal, type_, data.model_dump(mode="json"), occurred_at=party.updated_at
    )


async def lookup(session: AsyncSession, party_id: str) -> KnownParty | None:
    """The auth layer's view of a party (see services/common/auth.py): read on every request,
    so a party deactivated is refused at once, by every replica."""
    found = await run_unit(session, partial(known_parties, ids=[party_id]))
    return found.get(party_id)


_PARTIES: Table = Party.__table__  # type: ignore[attr-defined]


def known_parties(conn: Connection, *, ids: Iterable[str | None]) -> dict[str, KnownParty]:
    """The parties among `ids`, in a `run_unit` (on SQLite straight on its cursor: this runs on
    every request)."""
    wanted = sorted({i for i in ids if i is not None})
    rows: Iterable[Any]
    if conn.dialect.name == "sqlite":
        rows = sqlite.raw_cursor(conn).execute(
            "SELECT party_id, category, active FROM parties"
            " WHERE party_id IN (SELECT value FROM json_each(?))",
            (json.dumps(wanted),),
        )
    else:
        columns = (_PARTIES.c.party_id, _PARTIES.c.category, _PARTIES.c.active)
        rows = conn.execute(select(*columns).where(_PARTIES.c.party_id.in_(wanted)))
    return {r[0]: KnownParty(r[0], PartyCategory(r[1]), bool(r[2])) for r in rows}


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
