"""Feed readers tolerate what they do not know (DESIGN §5): an event type from a newer API is
skipped, logged and counted, and the events around it are routed and delivered as ever.

The newer API is played by rows written straight into the real API's event log, as a newer
replica would write them; the notifier reads them through the API's own feed."""

import logging
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from standardwebhooks.webhooks import Webhook

from services.incident_api.events.models import EventRecord
from services.notifier.feed import service as feed_service
from tests.incident_api.world import INSTALLING, put_device, raise_incident, seed
from tests.notifier.harness import Harness
from tests.receiver import Receiver

NEW_TYPE = "incident.teleported"  # a type this version does not know
OTHER_DEVICE = "00-DB-12-34-56-78-90-A1"


def api_sessions(h: Harness) -> async_sessionmaker[AsyncSession]:
    """The real API's own database, where a newer replica would write."""
    sessions: async_sessionmaker[AsyncSession] = h.api.app.state.sessions  # type: ignore[attr-defined]
    return sessions


async def append_from_a_newer_api(h: Harness, type_: str, data: dict[str, Any]) -> int:
    """An event row as a newer API replica writes it; returns its seq."""
    async with api_sessions(h)() as session, session.begin():
        record = EventRecord(type=type_, occurred_at=h.clock.now(), data=data)
        session.add(record)
        await session.flush()
        assert record.seq is not None
        return record.seq


async def add_a_newer_field(h: Harness, incident_id: str) -> None:
    """Gives the incident's event a data field this version does not know."""
    async with api_sessions(h)() as session, session.begin():
        found = await session.exec(
            select(EventRecord).where(col(EventRecord.incident_id) == incident_id)
        )
        record = found.one()
        await session.exec(
            update(EventRecord)
            .where(col(EventRecord.seq) == record.seq)
            .values(data={**record.data, "priority": "high", "extras": {"nested": [1, 2]}})
        )


async def api_head(h: Harness) -> int:
    async with api_sessions(h)() as session:
        return int((await session.exec(select(func.max(EventRecord.seq)))).one() or 0)


async def unknown_counted(h: Harness, type_: str) -> float:
    text = (await h.notifier.get("/metrics")).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "ssi_feed_unknown_events_total" and sample.labels.get("type") == type_
    )


async def test_an_unknown_event_type_is_skipped_and_the_rest_delivered(
    harness: Harness, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    await seed(h.api, h.tokens)
    await put_device(h.api, h.tokens, OTHER_DEVICE)
    await h.sync()
    endpoint = await h.add_endpoint(INSTALLING, receiver.url)
    counted_before = await unknown_counted(h, NEW_TYPE)

    # One page: a known event, an unknown one, a known one with a field added by the newer API,
    # and the unknown type again, last.
    first = await raise_incident(h.api, h.tokens)
    unknown = await append_from_a_newer_api(h, NEW_TYPE, {"incident_id": first["id"]})
    second = await raise_incident(h.api, h.tokens, device_id=OTHER_DEVICE)
    await add_a_newer_field(h, second["id"])
    last = await append_from_a_newer_api(h, NEW_TYPE, {"anything": True})

    with caplog.at_level(logging.WARNING, logger="ssi.notifier.feed"):
        await h.sync()
    assert await h.deliver() == 2

    hooks = receiver.wait_for(2)
    bodies = [Webhook(endpoint["secret"]).verify(hook.body, hook.headers) for hook in hooks]
    assert [(b["type"], b["data"]["incident_id"]) for b in bodies] == [
        ("incident.raised", first["id"]),
        ("incident.raised", second["id"]),
    ]
    assert {d["event_type"] for d in await h.deliveries(INSTALLING)} == {"incident.raised"}
    # Past all of them, the trailing unknown one included: nothing is read twice.
    async with h.runtime.sessions() as session:
        assert await feed_service.read_cursor(session) == last
    await h.sync()
    assert await h.deliver() == 0
    # Counted each time, logged once per type, with the seq of the first.
    assert await unknown_counted(h, NEW_TYPE) == counted_before + 2
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [(r.__dict__["event_type"], r.__dict__["seq"]) for r in warnings] == [
        (NEW_TYPE, unknown)
    ]


async def test_a_page_of_unknown_events_only_moves_the_cursor(harness: Harness) -> None:
    h = harness
    await seed(h.api, h.tokens)
    await h.sync()
    newest = await append_from_a_newer_api(h, "calendar.reshaped", {})
    await h.sync()
    async with h.runtime.sessions() as session:
        assert await feed_service.read_cursor(session) == newest
    # The follower is not stalled: what the API writes next is routed.
    await raise_incident(h.api, h.tokens)
    await h.sync()
    async with h.runtime.sessions() as session:
        assert await feed_service.read_cursor(session) == await api_head(h) > newest
