"""An endpoint's deliveries while it is off, and when it comes back (`recover`).

Whether an endpoint is on is the endpoint's (`endpoints.health`); what that means for its
deliveries is decided here. What waits for a disabled endpoint is skipped (what is routed to it
meanwhile is skipped from the start), never sent: `recover` enables the endpoint and re-delivers
it, oldest first. An endpoint disabled automatically is announced to its party's other enabled
endpoints (`endpoint.disabled`). All of it in the caller's transaction.
"""

import uuid
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.db import after_commit
from services.notifier.delivery.models import Delivery, DeliveryStatus
from services.notifier.delivery.rows import new_delivery, webhook_body
from services.notifier.endpoints import health
from services.notifier.endpoints import service as endpoints_service
from services.notifier.endpoints.models import Endpoint
from services.notifier.endpoints.schemas import EndpointUpdate
from services.notifier.runtime import Runtime
from shared.schemas import EventType


async def skip_pending(session: AsyncSession, endpoint_id: str, now: datetime) -> None:
    """What waits for a disabled endpoint is skipped, to be re-delivered in order by `recover`."""
    await session.exec(
        update(Delivery)
        .where(
            col(Delivery.endpoint_id) == endpoint_id,
            col(Delivery.status) == DeliveryStatus.pending,
        )
        .values(status=DeliveryStatus.skipped, claimed_until=None, claim_token=None, updated_at=now)
    )


async def update_endpoint(
    session: AsyncSession, rt: Runtime, endpoint: Endpoint, body: EndpointUpdate
) -> Endpoint:
    """Change the endpoint as `body` says; if that turns it off, what waits for it is skipped."""
    enabled = endpoint.enabled
    await endpoints_service.update_endpoint(session, rt, endpoint, body)
    if enabled and not endpoint.enabled:
        await skip_pending(session, endpoint.id, rt.clock.now())
    return endpoint


async def disabled(session: AsyncSession, rt: Runtime, endpoint: Endpoint, now: datetime) -> None:
    """`endpoint` was disabled automatically: skip what waits for it and tell the party through
    its other enabled endpoints."""
    await skip_pending(session, endpoint.id, now)
    others = (
        await session.exec(
            select(Endpoint).where(
                col(Endpoint.party_id) == endpoint.party_id,
                col(Endpoint.id) != endpoint.id,
                col(Endpoint.enabled),
            )
        )
    ).all()
    type_ = EventType.endpoint_disabled.value
    data = {
        "endpoint_id": endpoint.id,
        "party_id": endpoint.party_id,
        "reason": endpoint.disabled_reason,
    }
    for other in others:
        if other.event_types and type_ not in other.event_types:
            continue
        row = new_delivery(
            other,
            webhook_id=f"ntf_{uuid.uuid4().hex}",
            event_type=type_,
            payload=webhook_body(type_, now, data),
            now=now,
        )
        session.add(Delivery(**row.values()))
    rt.wake_deliveries()


async def recover(session: AsyncSession, rt: Runtime, endpoint: Endpoint, since: datetime) -> int:
    """Enable the endpoint and re-deliver, oldest first, what was skipped or died since `since`."""
    now = rt.clock.now()
    health.enable(endpoint, now)
    # All due now; the claim takes equal due instants oldest first, so the order is kept.
    requeued = await session.exec(
        update(Delivery)
        .where(
            col(Delivery.endpoint_id) == endpoint.id,
            col(Delivery.status).in_([DeliveryStatus.skipped, DeliveryStatus.dead]),
            col(Delivery.created_at) >= since,
        )
        .values(
            status=DeliveryStatus.pending,
            schedule_start=col(Delivery.attempt_count),
            next_attempt_at=now,
            claimed_until=None,
            claim_token=None,
            updated_at=now,
        )
    )
    await session.flush()
    after_commit(session, rt.wake_deliveries)
    endpoints_service.reachability_may_change(session, rt)
    return requeued.rowcount
