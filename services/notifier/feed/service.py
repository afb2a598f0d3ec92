"""Turning a page of the event feed into deliveries, in the transaction that advances the cursor.

The cursor moves by compare-and-set (`after` must still be what this replica read), so when two
replicas fetch the same page only one records it; the other's transaction changes nothing. A crash
before the commit leaves the cursor where it was, and the page is fetched again: nothing lost,
nothing recorded twice (webhook ids are unique, too).

A replica's delivery worker may take the deliveries a page routes straight from this
transaction (delivery's `Handoff`): they are inserted already claimed for it, so the first
attempt of a fresh event waits for no claim of its own.

An event of a type this version does not know (written by a newer API) is skipped: never routed,
and the cursor moves past it like any other (DESIGN §5). Deploy the notifier first, so that no
event it should route is skipped.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.notifier.delivery import notices
from services.notifier.delivery.rows import (
    Handed,
    Handoff,
    NewDelivery,
    insert_routed,
    new_delivery,
    webhook_body,
)
from services.notifier.endpoints.models import DisabledReason, Endpoint
from services.notifier.feed.models import FeedCursor
from services.notifier.feed.routing import recipients
from services.notifier.parties import contacts
from services.notifier.parties.models import KnownParty
from services.notifier.parties.service import remember
from services.notifier.runtime import Runtime
from services.notifier.sla import service as sla_service
from shared.schemas import Event, EventType, FeedEvent, PartyCategory, PartyEventData

CURSOR = "incident_api"


async def read_cursor(session: AsyncSession) -> int:
    cursor = await session.get(FeedCursor, CURSOR)
    return cursor.after if cursor else 0


async def ensure_cursor(session: AsyncSession, now: datetime) -> None:
    if await session.get(FeedCursor, CURSOR) is None:
        session.add(FeedCursor(name=CURSOR, after=0, head=0, updated_at=now))


@dataclass
class Recorded:
    deliveries: int = 0
    sla: list[sla_service.Change] = field(default_factory=list)
    handed: list[Handed] = field(default_factory=list)
    """The rows claimed for the `Handoff` that were inserted, with their endpoints."""
    skipped: list[FeedEvent] = field(default_factory=list)
    """Events of types this version does not know, passed over."""


async def record_page(
    session: AsyncSession,
    rt: Runtime,
    read_after: int,
    events: Sequence[FeedEvent],
    next_after: int,
    head: int,
    handoff: Handoff | None = None,
) -> Recorded | None:
    """Route `events`, keep their SLA clocks and advance the cursor; None if another replica got
    there first."""
    now = rt.clock.now()
    moved = await session.exec(
        update(FeedCursor)
        .where(col(FeedCursor.name) == CURSOR, col(FeedCursor.after) == read_after)
        .values(after=next_after, head=max(head, next_after), updated_at=now)
    )
    if moved.rowcount != 1:
        return None
    rows: list[NewDelivery] = []
    recorded = Recorded()
    router = _Router(session)
    starts = sla_service.ClockStarts()
    for item in events:
        event = item.known()
        if event is None:
            recorded.skipped.append(item)
            continue
        if event.type in (EventType.party_created, EventType.party_updated):
            party = PartyEventData.model_validate(event.data)
            await remember(session, party)
            await contacts.keep(session, rt, party, now)
            router.forget_operators()
            continue
        rows += await router.deliveries_for(event, now)
        change = await sla_service.track(session, rt, event, starts)
        if change is not None:
            recorded.sla.append(change)
    await starts.flush(session)
    if rows:
        recorded.handed = await insert_routed(session, rt, rows, router.endpoints, handoff)
    recorded.deliveries = len(rows)
    return recorded


class _Router:
    """Routes one page of events; operators and endpoints are read once per page, not per event."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._operators: list[str] | None = None
        self._endpoints: dict[str, list[Endpoint]] = {}
        self.endpoints: dict[str, Endpoint] = {}
        """Every endpoint routed to, by id."""

    def forget_operators(self) -> None:
        self._operators = None

    async def deliveries_for(self, event: Event, now: datetime) -> list[NewDelivery]:
        if self._operators is None:
            self._operators = list(
                (
                    await self._session.exec(
                        select(KnownParty.party_id).where(
                            KnownParty.category == PartyCategory.operator,
                            col(KnownParty.active),
                        )
                    )
                ).all()
            )
        parties = recipients(event.type, event.data, self._operators)
        unknown = [p for p in parties if p not in self._endpoints]
        if unknown:
            found = (
                await self._session.exec(
                    select(Endpoint)
                    .where(col(Endpoint.party_id).in_(unknown))
                    .order_by(col(Endpoint.id))
                )
            ).all()
            for party in unknown:
                self._endpoints[party] = [e for e in found if e.party_id == party]
            self.endpoints.update((e.id, e) for e in found)
        payload = webhook_body(
            event.type.value, event.occurred_at, {**event.data, "seq": event.seq}
        )
        addressee = event.data.get("addressed_party_id")
        rows = []
        for party in parties:
            targets = _targets(self._endpoints[party], event.type.value, party == addressee)
            rows += [
                new_delivery(
                    endpoint,
                    webhook_id=f"evt_{event.seq}_{endpoint.id}",
                    event_type=event.type.value,
                    payload=payload,
                    now=now,
                    event_seq=event.seq,
                    incident_id=event.data.get("incident_id"),
                )
                for endpoint in targets
            ]
        return rows


def _targets(endpoints: list[Endpoint], event_type: str, addressee: bool) -> list[Endpoint]:
    """A party's endpoints an event goes to: its own that take the type (a disabled one's
    delivery is kept, skipped, for `recover`; an email endpoint not yet confirmed is not
    routed to at all), and its contact list where `notices.contacts_for` says."""
    own = [
        e
        for e in endpoints
        if e.contact_role is None
        and e.disabled_reason is not DisabledReason.unconfirmed
        and notices.accepts(e, event_type)
    ]
    took_it = any(e.enabled for e in own)
    return own + notices.contacts_for(
        endpoints, event_type, own_took_it=took_it, addressee=addressee
    )
