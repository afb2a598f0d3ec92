"""Writing to the outbox and reading the feed.

Ordering guarantee: a reader that has seen `seq = n` never later sees a new event with a smaller
seq. On PostgreSQL a sequence hands out numbers at insert time, not commit time, so two writers
could commit out of order (seq 8 visible, seq 7 still in flight) and a reader at `after=8` would
skip 7 for ever. Every transaction that appends events therefore first takes one transaction-level
advisory lock, held until it commits or rolls back: seq values are handed out and committed in the
same order. Writers append their events as the last step of their transaction, so the lock is
held only for the insert and the commit. SQLite needs nothing: BEGIN IMMEDIATE serialises every
writer already.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import Connection, Table, text
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.db import after_commit, insert_rows, run_unit
from services.incident_api.events.models import EventRecord
from services.incident_api.events.signal import FeedSignal
from shared.schemas import EventType, FeedEvent

# An arbitrary 64-bit key naming "the event feed" among advisory locks.
FEED_LOCK_KEY = 0x551_0001
EVENTS: Table = EventRecord.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class NewEvent:
    type: EventType
    data: dict[str, Any]
    incident_id: str | None = None


async def append_event(
    session: AsyncSession,
    signal: FeedSignal,
    type_: EventType,
    data: dict[str, Any],
    *,
    occurred_at: datetime,
    incident_id: str | None = None,
) -> None:
    await append_events(
        session, signal, [NewEvent(type_, data, incident_id)], occurred_at=occurred_at
    )


async def append_events(
    session: AsyncSession, signal: FeedSignal, events: list[NewEvent], *, occurred_at: datetime
) -> None:
    """Append `events` in order, in one insert, as the transaction's last step."""
    if events:
        await run_unit(session, partial(write_events, events=events, occurred_at=occurred_at))
        after_commit(session, signal.notify)


def write_events(conn: Connection, *, events: list[NewEvent], occurred_at: datetime) -> None:
    """`append_events` in a synchronous unit (`run_unit`); the caller wakes readers after the
    commit (`after_commit(session, signal.notify)`)."""
    postgres = conn.dialect.name == "postgresql"
    if postgres:  # re-entrant: taking it again in the same transaction costs one round trip
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FEED_LOCK_KEY})
    rows = [
        {
            "type": e.type.value,
            "occurred_at": occurred_at,
            "incident_id": e.incident_id,
            "data": e.data,
        }
        for e in events
    ]
    insert_rows(conn, EVENTS, rows)
    if postgres:  # wakes long-polls on the other replicas, delivered at commit
        conn.execute(text("SELECT pg_notify('ssi_events', '')"))


async def last_seq(session: AsyncSession) -> int:
    newest = await session.exec(select(func.max(EventRecord.seq)))
    return newest.one() or 0


async def read_feed(session: AsyncSession, after: int, limit: int) -> list[FeedEvent]:
    """The log as written. During a rolling upgrade a newer replica may have written a type this
    one does not know: it is served as is, for readers to skip or follow (DESIGN §5)."""
    rows = await session.exec(
        select(EventRecord)
        .where(col(EventRecord.seq) > after)
        .order_by(col(EventRecord.seq))
        .limit(limit)
    )
    return [
        FeedEvent(seq=r.seq or 0, type=r.type, occurred_at=r.occurred_at, data=r.data) for r in rows
    ]
