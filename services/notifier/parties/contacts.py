"""The contact list's endpoints: each party's ops and escalation contact emails, kept as email
endpoints (`contact_role`) from the feed's party events, so that the contact list is mailed
through the same deliveries, retries and log as every other endpoint.

Their ids are derived from the party and the role, so every replica, and every replay of the
feed, writes the same row. An event that carries no address (written by an API older than
contacts on the feed) changes nothing; `tasks.ContactBackfill` asks the API for those parties'
contact emails instead.
"""

import uuid
from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.notifier.endpoints.models import ContactRole, Endpoint, EndpointKind
from services.notifier.endpoints.secrets import seal
from services.notifier.parties.models import KnownParty
from services.notifier.runtime import Runtime
from services.notifier.transports.signing import new_secret
from shared.schemas import PartyEventData

_NAMESPACE = uuid.UUID("5b0f8c1e-6a43-4d1f-9a57-2f3c9e4b7d10")


def contact_endpoint_id(party_id: str, role: ContactRole) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"contact|{party_id}|{role.value}"))


async def keep(
    session: AsyncSession,
    rt: Runtime,
    party: PartyEventData,
    now: datetime,
    *,
    overwrite: bool = True,
) -> None:
    """Make the party's contact endpoints say what `party` says of its contact emails.
    `overwrite=False` adds missing ones only: an answer from the API must never write over what
    a newer feed event brought meanwhile."""
    addresses = {
        ContactRole.ops: party.ops_contact_email,
        ContactRole.escalation: party.escalation_contact_email,
    }
    conn = await session.connection()
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    for role, address in addresses.items():
        if not address:
            continue
        endpoint_id = contact_endpoint_id(party.party_id, role)
        statement = insert(Endpoint).values(
            id=endpoint_id,
            party_id=party.party_id,
            kind=EndpointKind.email,
            address=address,
            contact_role=role,
            description=f"{role.value} contact (contact list)",
            event_types=[],
            enabled=True,
            created_at=now,
            updated_at=now,
            **seal(rt, endpoint_id, new_secret()),
        )
        if overwrite:
            statement = statement.on_conflict_do_update(
                index_elements=["id"],
                set_={
                    "address": statement.excluded.address,
                    "updated_at": statement.excluded.updated_at,
                },
            )
        else:
            statement = statement.on_conflict_do_nothing(index_elements=["id"])
        await conn.execute(statement)


async def missing(session: AsyncSession, limit: int = 100) -> list[str]:
    """Parties with no contact endpoint: known from events written before the feed carried
    contact emails (an upgrade, or a new replica catching up on an old feed)."""
    has_contacts = select(Endpoint.party_id).where(col(Endpoint.contact_role).is_not(None))
    found = await session.exec(
        select(KnownParty.party_id)
        .where(col(KnownParty.party_id).not_in(has_contacts))
        .order_by(col(KnownParty.party_id))
        .limit(limit)
    )
    return list(found.all())
