"""Following the incident API's feed: long-poll, record, repeat. Woken by the API, not a timer."""

import asyncio
import contextlib
import logging
from datetime import datetime

import httpx

from services.common.db import transaction
from services.notifier.api_client import ApiClient
from services.notifier.delivery.tasks import DeliveryWorker
from services.notifier.feed import service
from services.notifier.metrics import (
    FEED_LAG,
    FEED_UNKNOWN_EVENTS,
    RESOLUTION_WORKING_DAYS,
    SLA_BREACHES,
    SLA_ESCALATIONS,
    SLA_WARNINGS,
)
from services.notifier.runtime import Runtime
from services.notifier.sla.service import Change
from shared.schemas import EventType, FeedEvent

log = logging.getLogger("ssi.notifier.feed")


class Follower:
    """One replica's reader of the feed.

    The cursor is read from the database once and then kept: after a page this replica recorded,
    the cursor is where this replica put it. Only when another replica recorded the page first,
    or anything failed, is it read again (the compare-and-set in `record_page` is what keeps
    replicas apart, not this copy). With a `worker`, the deliveries a page routes go straight to
    it, claimed in the routing transaction."""

    def __init__(self, rt: Runtime, api: ApiClient, worker: DeliveryWorker | None = None):
        self.rt = rt
        self.api = api
        self.worker = worker
        self._after: int | None = None
        self._warned: set[str] = set()
        """Unknown event types already logged: each is logged once, counted every time."""

    async def once(self, wait: float, stop: asyncio.Event | None = None) -> int | None:
        """One long-poll and its recording; returns the events read (None: another replica won,
        or `stop` was set during the long-poll)."""
        rt, after = self.rt, self._after
        self._after = None  # until this page is recorded
        if after is None:
            async with rt.sessions() as session:
                after = await service.read_cursor(session)
        poll = asyncio.ensure_future(self.api.events(after, rt.settings.feed_page_size, wait))
        if stop is not None:
            # Only the wait is given up at shutdown: a page being recorded is recorded and handed
            # over, so nothing it claims for the worker waits for a lease to run out.
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait((poll, stopping), return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not poll.done():
                poll.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await poll
                return None
        page = await poll
        head = page.last_seq if page.last_seq is not None else page.next_after
        handoff = self.worker.handoff() if self.worker and page.items else None
        async with transaction(rt.sessions) as session:
            recorded = await service.record_page(
                session, rt, after, page.items, page.next_after, head, handoff
            )
        FEED_LAG.set(max(0, head - page.next_after))
        if recorded is None:
            return None
        self._after = page.next_after
        observe(rt, recorded.sla)
        self._count_skipped(recorded.skipped)
        if recorded.deliveries > len(recorded.handed):
            rt.wake_deliveries()
        if recorded.handed and self.worker and handoff:
            self.worker.take(handoff, recorded.handed)
        return len(page.items)

    def _count_skipped(self, events: list[FeedEvent]) -> None:
        """After the commit, as the SLA counters: only the replica that recorded the page counts."""
        for event in events:
            FEED_UNKNOWN_EVENTS.labels(event.type).inc()
            if event.type not in self._warned:
                self._warned.add(event.type)
                log.warning(
                    "skipped a feed event of a type this notifier does not know",
                    extra={"event_type": event.type, "seq": event.seq},
                )

    async def run(self, stop: asyncio.Event) -> None:
        backoff = 0.1
        while not stop.is_set():
            try:
                await self.once(self.rt.settings.feed_wait_seconds, stop)
                backoff = 0.1
            except Exception as exc:
                # The API down, a database failover, a malformed page: log, back off, carry on.
                if isinstance(exc, httpx.HTTPError):
                    log.warning("feed unavailable, retrying", extra={"error": type(exc).__name__})
                else:
                    log.exception("following the feed failed, retrying")
                await _sleep_unless(stop, backoff)
                backoff = min(backoff * 2, 10.0)


def observe(rt: Runtime, changes: list[Change]) -> None:
    """Count what the committed page did to SLA clocks; wake the scheduler for a new clock."""
    soonest: datetime | None = None
    for change in changes:
        party = change.addressed_party_id
        match change.type:
            case EventType.incident_sla_warning:
                SLA_WARNINGS.labels(party).inc()
            case EventType.incident_sla_breached:
                SLA_BREACHES.labels(party).inc()
            case EventType.incident_sla_escalated:
                SLA_ESCALATIONS.labels(party).inc()
            case EventType.incident_resolved if change.working_days_to_resolve is not None:
                RESOLUTION_WORKING_DAYS.observe(change.working_days_to_resolve)
        if change.next_at is not None and (soonest is None or change.next_at < soonest):
            soonest = change.next_at
    if soonest is not None:
        rt.sla_due_at(soonest)


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
