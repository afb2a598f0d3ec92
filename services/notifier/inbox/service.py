"""A party's inbox: its items read in order, and acknowledged.

An inbox item is a delivery to the party's `inbox` endpoint, numbered in commit order under that
endpoint's row lock as it is inserted (`delivery/rows.py`). So reading `inbox_position > after`
in position order never skips an item that commits later with a smaller number, and two readers
of one inbox see the same items: it is a log, not a queue. Reading changes nothing, except that
handing out a clock's start event reaches its addressee (`sla.reached`), in the same transaction.

Acknowledging only moves forward: `inbox_acked` is raised with a conditional update, so readers
and replicas acknowledging at once never move it back, and an older cursor changes nothing. The
deliveries up to it become `succeeded` in the same transaction (`attempt_count` stays 0: nothing
was sent). Items are never retried; an item not acknowledged within `INBOX_RETENTION` is `dead`
and no longer served.

Every read here is a plain row, never an ORM object: the long-poll looks again in the same
session, whose identity map would otherwise answer with what the first look saw.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.notifier.delivery.models import Delivery, DeliveryStatus
from services.notifier.endpoints.models import Endpoint, EndpointKind
from services.notifier.inbox import cursors
from services.notifier.inbox.errors import InvalidCursor, NoInbox
from services.notifier.inbox.schemas import InboxAcknowledged, InboxItem, InboxPage
from services.notifier.runtime import Runtime
from services.notifier.sla import reached
from shared.schemas import EventType

SERVED = (DeliveryStatus.pending, DeliveryStatus.succeeded, DeliveryStatus.skipped)
"""What an inbox serves: all it holds but what expired (`dead`). `skipped`: routed while the
inbox was disabled, or waiting in it when it was; a disabled inbox still serves what it holds."""
UNACKNOWLEDGED = (DeliveryStatus.pending, DeliveryStatus.skipped)
CLOCK_STARTS = frozenset(
    {EventType.incident_raised, EventType.incident_reopened, EventType.incident_readdressed}
)
NO_INBOX = 'Add one with POST /v1/endpoints {"kind": "inbox"}.'


@dataclass(frozen=True)
class Inbox:
    endpoint_id: str
    party_id: str
    head: int
    """The newest item's position."""
    acked: int
    """Acknowledged up to this position."""


async def inbox_of(session: AsyncSession, party_id: str) -> Inbox:
    found = (
        await session.exec(
            select(Endpoint.id, Endpoint.inbox_head, Endpoint.inbox_acked).where(
                col(Endpoint.party_id) == party_id, col(Endpoint.kind) == EndpointKind.inbox
            )
        )
    ).first()
    if found is None:
        raise NoInbox(NO_INBOX)
    endpoint_id, head, acked = found
    return Inbox(endpoint_id, party_id, head, acked)


def place(rt: Runtime, inbox: Inbox, cursor: str) -> int:
    """The position `cursor` names in `inbox`, checked; never says why a cursor was refused."""
    found = cursors.decode(rt.keyring, inbox.party_id, cursor)
    if found.endpoint_id != inbox.endpoint_id or found.position > inbox.head:
        raise InvalidCursor()
    return found.position


def cursor(rt: Runtime, inbox: Inbox, position: int) -> str:
    return cursors.encode(rt.keyring, inbox.party_id, cursors.Place(inbox.endpoint_id, position))


async def read(
    session: AsyncSession, rt: Runtime, party_id: str, after: str | None, limit: int
) -> InboxPage:
    """Up to `limit` items after `after` (else after the last acknowledged one), in order."""
    inbox = await inbox_of(session, party_id)
    start = inbox.acked if after is None else place(rt, inbox, after)
    rows = (
        await session.exec(
            select(
                Delivery.inbox_position,
                Delivery.webhook_id,
                Delivery.payload,
                Delivery.incident_id,
            )
            .where(
                col(Delivery.endpoint_id) == inbox.endpoint_id,
                col(Delivery.inbox_position) > start,
                col(Delivery.status).in_(SERVED),
            )
            .order_by(col(Delivery.inbox_position))
            .limit(limit)
        )
    ).all()
    items: list[InboxItem] = []
    starts: list[reached.Reached] = []
    for position, webhook_id, payload, incident_id in rows:
        assert position is not None
        items.append(
            InboxItem(
                cursor=cursor(rt, inbox, position),
                webhook_id=webhook_id,
                type=payload["type"],
                timestamp=payload["timestamp"],
                data=payload["data"],
            )
        )
        clock = payload["data"].get("clock")
        if payload["type"] in CLOCK_STARTS and incident_id is not None and clock is not None:
            starts.append(reached.Reached(incident_id, int(clock), party_id))
    # Fetched is delivered, for the SLA: the addressee has it in hand.
    await reached.note(session, rt, starts, rt.clock.now())
    return InboxPage(
        items=items, next_cursor=items[-1].cursor if items else cursor(rt, inbox, start)
    )


async def acknowledge(
    session: AsyncSession, rt: Runtime, party_id: str, given: str
) -> InboxAcknowledged:
    """Everything up to `given` is delivered; an older cursor than the last changes nothing."""
    inbox = await inbox_of(session, party_id)
    position = place(rt, inbox, given)
    now = rt.clock.now()
    moved = await session.exec(
        update(Endpoint)
        .where(col(Endpoint.id) == inbox.endpoint_id, col(Endpoint.inbox_acked) < position)
        .values(inbox_acked=position)
    )
    if moved.rowcount:
        await _delivered(session, inbox.endpoint_id, position, now)
    acked = (
        await session.exec(
            select(Endpoint.inbox_acked).where(col(Endpoint.id) == inbox.endpoint_id)
        )
    ).one()
    pending = (
        await session.exec(
            select(func.count()).where(
                col(Delivery.endpoint_id) == inbox.endpoint_id,
                col(Delivery.inbox_position) > acked,
                col(Delivery.status).in_(UNACKNOWLEDGED),
            )
        )
    ).one()
    return InboxAcknowledged(acknowledged_through=cursor(rt, inbox, acked), pending=pending)


async def _delivered(session: AsyncSession, endpoint_id: str, through: int, now: datetime) -> None:
    await session.exec(
        update(Delivery)
        .where(
            col(Delivery.endpoint_id) == endpoint_id,
            col(Delivery.inbox_position) <= through,
            col(Delivery.status).in_(UNACKNOWLEDGED),
        )
        .values(status=DeliveryStatus.succeeded, delivered_at=now, updated_at=now)
    )
