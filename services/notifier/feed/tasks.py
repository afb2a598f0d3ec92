"""Following the incident API's feed: long-poll, record, repeat. Woken by the API, not a timer."""

import asyncio
import contextlib
import logging
from datetime import datetime

import httpx

from services.notifier.api_client import ApiClient
from services.notifier.feed import service
from services.notifier.metrics import (
    FEED_LAG,
    RESOLUTION_WORKING_DAYS,
    SLA_BREACHES,
    SLA_ESCALATIONS,
    SLA_WARNINGS,
)
from services.notifier.runtime import Runtime
from services.notifier.sla.service import Change
from shared.schemas import EventPage, EventType

log = logging.getLogger("ssi.notifier.feed")


async def follow_once(rt: Runtime, api: ApiClient, wait: float) -> int | None:
    """One long-poll and its recording; returns the events read (None: another replica won)."""
    async with rt.sessions() as session:
        after = await service.read_cursor(session)
    page = await api.events(after, rt.settings.feed_page_size, wait)
    return await record(rt, after, page)


async def record(rt: Runtime, after: int, page: EventPage) -> int | None:
    head = page.last_seq if page.last_seq is not None else page.next_after
    async with rt.sessions() as session, session.begin():
        recorded = await service.record_page(session, rt, after, page.items, page.next_after, head)
    FEED_LAG.set(max(0, head - page.next_after))
    if recorded is None:
        return None
    if recorded.deliveries:
        rt.wake_deliveries()
    observe(rt, recorded.sla)
    return len(page.items)


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


async def follow(rt: Runtime, api: ApiClient, stop: asyncio.Event) -> None:
    backoff = 0.1
    while not stop.is_set():
        try:
            await follow_once(rt, api, rt.settings.feed_wait_seconds)
            backoff = 0.1
        except Exception as exc:
            # The API down, a database failover, a malformed page: log, back off, carry on.
            if isinstance(exc, httpx.HTTPError):
                log.warning("feed unavailable, retrying", extra={"error": type(exc).__name__})
            else:
                log.exception("following the feed failed, retrying")
            await _sleep_unless(stop, backoff)
            backoff = min(backoff * 2, 10.0)


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
