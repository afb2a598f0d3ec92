"""An endpoint's deliveries while it is off, and when it comes back (`recover`).

Whether an endpoint is on is the endpoint's (`endpoints.health`); what that means for its
deliveries is decided here. What waits for a disabled endpoint is skipped (what is routed to it
meanwhile is skipped from the start), never sent: `recover` enables the endpoint and re-delivers
it, oldest first. An endpoint disabled automatically is announced to its party's other enabled
endpoints and its ops contact (`endpoint.disabled`), and what it skips of open incidents is
mailed to the ops contact. All of it in the caller's transaction.
"""

from datetime import datetime

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.db import after_commit
from services.notifier.delivery import notices
from services.notifier.delivery.models import Delivery, DeliveryStatus
from services.notifier.endpoints import health
from services.notifier.endpoints import service as endpoints_service
from services.notifier.endpoints.models import DisabledReason, Endpoint, EndpointKind
from services.notifier.endpoints.schemas import EndpointUpdate
from services.notifier.runtime import Runtime


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
    """`endpoint` was disabled automatically: what waited for it of incidents still open goes to
    the party's contact list, the rest is skipped, and the party is told (`notices.disabled`)."""
    await notices.skipped_to_contacts(session, rt, endpoint, now)
    await skip_pending(session, endpoint.id, now)
    await notices.disabled(session, rt, endpoint, now)


async def recover(session: AsyncSession, rt: Runtime, endpoint: Endpoint, since: datetime) -> int:
    """Enable the endpoint and re-deliver, oldest first, what was skipped or died since `since`."""
    endpoints_service.check_changeable(endpoint)
    if endpoint.disabled_reason is DisabledReason.unconfirmed:
        raise endpoints_service.Unconfirmed("Follow the link mailed to the address first.")
    now = rt.clock.now()
    health.enable(endpoint, now)
    if endpoint.kind is EndpointKind.inbox:
        # Never sent, so nothing to send again: what it holds was kept while it was off, and
        # expired items stay expired (their places are behind the reader).
        await session.flush()
        return 0
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
    return requeued.rowcount
