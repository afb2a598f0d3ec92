"""New deliveries: the webhook body, one row per event and endpoint, inserted in the caller's
transaction.

The feed routes a page of events into `NewDelivery` rows and inserts them in the transaction that
advances its cursor (`insert_routed`); a disabled endpoint's party hears of it through rows added
in the recording transaction. A row routed to a disabled endpoint is `skipped` from the start, so
that `recover` can re-deliver it in order.

A replica's delivery worker may take the deliveries a page routes straight from that transaction
(`Handoff`): they are inserted already claimed for it, so the first attempt of a fresh event waits
for no claim of its own.

Every new delivery goes in through `insert_routed`, which gives an inbox's items their places:
the inbox endpoint's row is updated in the same transaction, so its row lock orders the
positions by commit, and a reader who has acknowledged up to one position never misses an item
committed later with a smaller one.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.db import after_commit
from services.notifier.delivery.models import INBOX_RETENTION, Delivery, DeliveryStatus
from services.notifier.endpoints.models import Endpoint, EndpointKind
from services.notifier.runtime import Runtime


def webhook_body(type_: str, timestamp: datetime, data: dict[str, Any]) -> dict[str, Any]:
    """The thin body of DESIGN §5: identifiers and state only."""
    return {"type": type_, "timestamp": timestamp.isoformat(), "data": data}


@dataclass(slots=True)
class NewDelivery:
    """A `Delivery` row before its insert: what the feed routes and a handoff takes."""

    id: str
    webhook_id: str
    event_seq: int | None
    event_type: str
    incident_id: str | None
    endpoint_id: str
    party_id: str
    payload: dict[str, Any]
    status: DeliveryStatus
    next_attempt_at: datetime
    created_at: datetime
    claimed_until: datetime | None = None
    claim_token: str | None = None
    inbox_position: int | None = None

    def values(self) -> dict[str, Any]:
        """The row's columns. Every row names the claim columns, so that one page's rows make
        one executemany."""
        return {
            "id": self.id,
            "webhook_id": self.webhook_id,
            "event_seq": self.event_seq,
            "event_type": self.event_type,
            "incident_id": self.incident_id,
            "endpoint_id": self.endpoint_id,
            "party_id": self.party_id,
            "payload": self.payload,
            "status": self.status,
            "attempt_count": 0,
            "next_attempt_at": self.next_attempt_at,
            "claimed_until": self.claimed_until,
            "claim_token": self.claim_token,
            "created_at": self.created_at,
            "updated_at": self.created_at,
            "inbox_position": self.inbox_position,
        }


def new_delivery(
    endpoint: Endpoint,
    *,
    webhook_id: str,
    event_type: str,
    payload: dict[str, Any],
    now: datetime,
    event_seq: int | None = None,
    incident_id: str | None = None,
    send_while_disabled: bool = False,
) -> NewDelivery:
    """`send_while_disabled`: a confirmation or a test, sent whether the endpoint is on or not."""
    pending = endpoint.enabled or send_while_disabled
    due = now + INBOX_RETENTION if endpoint.kind is EndpointKind.inbox else now
    return NewDelivery(
        id=str(uuid.uuid4()),
        webhook_id=webhook_id,
        event_seq=event_seq,
        event_type=event_type,
        incident_id=incident_id,
        endpoint_id=endpoint.id,
        party_id=endpoint.party_id,
        payload=payload,
        # Routed while disabled: kept, so that `recover` can re-deliver it in order.
        status=DeliveryStatus.pending if pending else DeliveryStatus.skipped,
        next_attempt_at=due,
        created_at=now,
    )


@dataclass(frozen=True)
class Handoff:
    """What the delivery worker will take from a page: up to `room` deliveries, to endpoints
    `wants` says yes to. Those rows are inserted with this claim's token and lease, as a claim of
    the worker's own would have left them."""

    token: str
    lease_until: datetime
    room: int
    wants: Callable[[str], bool]
    """Whether the worker takes an endpoint's deliveries (no: it claims them itself)."""


Handed = tuple[NewDelivery, Endpoint]
"""A delivery inserted claimed for a `Handoff`, with its endpoint."""


async def insert_routed(
    session: AsyncSession,
    rt: Runtime,
    rows: list[NewDelivery],
    endpoints: dict[str, Endpoint],
    handoff: Handoff | None,
) -> list[Handed]:
    """Insert a page's `rows` (to `endpoints`, by id), a webhook id already known changing
    nothing; returns those claimed for `handoff` and inserted."""
    conn = await session.connection()
    if await _place_in_inboxes(conn, rows, endpoints):
        after_commit(session, rt.inbox_changed.notify)
    handed = _hand_off(rows, endpoints, handoff) if handoff else []
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = insert(Delivery).on_conflict_do_nothing(index_elements=["webhook_id"])
    values = [row.values() for row in rows]
    if handed:
        # Only rows really inserted are handed over: a webhook id already known (a page
        # recorded again after the cursor was moved back) is claimed by no one here.
        inserted = set(
            (await conn.execute(statement.returning(col(Delivery.id)), values)).scalars()
        )
        return [(row, e) for row, e in handed if row.id in inserted]
    # executemany: one compiled statement for the page, not a VALUES list per page.
    await conn.execute(statement, values)
    return []


async def _place_in_inboxes(
    conn: AsyncConnection, rows: list[NewDelivery], endpoints: dict[str, Endpoint]
) -> bool:
    """Number the rows bound for inboxes, after each inbox's head (which moves past them);
    whether there were any."""
    counts: dict[str, int] = {}
    for row in rows:
        if endpoints[row.endpoint_id].kind is EndpointKind.inbox:
            counts[row.endpoint_id] = counts.get(row.endpoint_id, 0) + 1
    heads: dict[str, int] = {}
    for endpoint_id, count in sorted(counts.items()):  # a fixed order: no deadlock between two
        moved = await conn.execute(
            update(Endpoint)
            .where(col(Endpoint.id) == endpoint_id)
            .values(inbox_head=col(Endpoint.inbox_head) + count)
            .returning(col(Endpoint.inbox_head))
        )
        heads[endpoint_id] = moved.scalar_one() - count
    for row in rows:
        if row.endpoint_id in heads:
            heads[row.endpoint_id] += 1
            row.inbox_position = heads[row.endpoint_id]
    return bool(heads)


def _hand_off(
    rows: list[NewDelivery], endpoints: dict[str, Endpoint], handoff: Handoff
) -> list[Handed]:
    """Claim for `handoff` what it takes of `rows`, in feed order."""
    handed: list[Handed] = []
    wanted: dict[str, bool] = {}
    for row in rows:
        if len(handed) >= handoff.room:
            break
        endpoint_id = row.endpoint_id
        if row.status != DeliveryStatus.pending or row.inbox_position is not None:
            continue
        if endpoint_id not in wanted:
            wanted[endpoint_id] = handoff.wants(endpoint_id)
        if not wanted[endpoint_id]:
            continue
        row.claimed_until = handoff.lease_until
        row.claim_token = handoff.token
        handed.append((row, endpoints[endpoint_id]))
    return handed
