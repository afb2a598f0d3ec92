"""Inbox items expire: one not acknowledged within `INBOX_RETENTION` becomes `dead`, with
`EXPIRED` as its `last_error`, and is no longer served. An item put back by `recover` or a retry
has its 35 days again from then.

Each pass marks at most `BATCH` items per transaction, until none is left, every `PASS_SECONDS`.
Replicas may sweep at once: the update re-checks the status of each row it marks, so an item is
marked once, and an item acknowledged meanwhile stays acknowledged.
"""

import asyncio
import contextlib
import logging

from sqlalchemy import update
from sqlmodel import col, select

from services.common.db import transaction
from services.notifier.delivery.models import Delivery, DeliveryStatus
from services.notifier.inbox.service import UNACKNOWLEDGED
from services.notifier.runtime import Runtime

log = logging.getLogger("ssi.notifier.inbox")

EXPIRED = "expired: not acknowledged within 35 days"
BATCH = 500
PASS_SECONDS = 300.0


async def expire_once(rt: Runtime, batch: int = BATCH) -> int:
    """Mark up to `batch` expired items dead, in a transaction of its own; how many it marked."""
    now = rt.clock.now()
    async with transaction(rt.sessions) as session:
        # An inbox item waits with `next_attempt_at` at the instant it expires: the pending
        # deliveries' index finds the expired ones.
        due = (
            select(Delivery.id)
            .where(
                col(Delivery.status).in_(UNACKNOWLEDGED),
                col(Delivery.next_attempt_at) < now,
                col(Delivery.inbox_position).is_not(None),
            )
            .limit(batch)
        )
        expired = await session.exec(
            update(Delivery)
            .where(col(Delivery.id).in_(due.scalar_subquery()))
            .where(col(Delivery.status).in_(UNACKNOWLEDGED))
            .values(status=DeliveryStatus.dead, last_error=EXPIRED, updated_at=now)
        )
        return expired.rowcount


async def expire(rt: Runtime, batch: int = BATCH) -> int:
    """Every expired item, `batch` at a time; how many were marked."""
    total = 0
    while True:
        marked = await expire_once(rt, batch)
        total += marked
        if marked < batch:
            return total


class InboxExpiry:
    def __init__(self, rt: Runtime, every: float = PASS_SECONDS) -> None:
        self.rt = rt
        self.every = every

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                marked = await expire(self.rt)
                if marked:
                    log.info("inbox items expired", extra={"count": marked})
            except Exception:
                log.exception("expiring inbox items failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.every)
