"""Endpoint health: the failing streak (`failing_since`), and turning an endpoint off and on.

A success clears an endpoint's streak; a failure starts it. A streak half as old as
`disable_after_failing_seconds` warns the party once; a 410, or a streak older than that,
disables the endpoint automatically; its party can disable it too, and enabling it (by the
party, or by recovering it) clears the streak. What warning and disabling mean for the
endpoint's deliveries is delivery's to decide: `note_attempts` hands each endpoint to the
caller's callbacks at once, before it looks at the next. The contact list's endpoints are the
last resort: they keep a streak (operators see it as a defect in the contact list) but are
never disabled.
"""

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.notifier.endpoints.models import DisabledReason, Endpoint, EndpointKind
from services.notifier.runtime import Runtime
from services.notifier.transports.webhook import AttemptResult

# Endpoints are disabled automatically while the delivery worker records: logged with its records.
log = logging.getLogger("ssi.notifier.delivery")


class Attempted(Protocol):
    """What an attempt's delivery tells of its endpoint (a delivery worker's job is one)."""

    @property
    def endpoint_id(self) -> str: ...

    @property
    def kind(self) -> EndpointKind: ...

    @property
    def failing_since(self) -> datetime | None:
        """The endpoint's streak as it was when the delivery was claimed."""
        ...


def enable(endpoint: Endpoint, now: datetime) -> None:
    endpoint.enabled = True
    endpoint.disabled_reason = None
    endpoint.disabled_at = None
    endpoint.failing_since = None
    endpoint.failure_warned_at = None
    endpoint.updated_at = now


def disable(endpoint: Endpoint, reason: DisabledReason, now: datetime) -> None:
    endpoint.enabled = False
    endpoint.disabled_reason = reason
    endpoint.disabled_at = now
    endpoint.updated_at = now


async def note_attempts(
    session: AsyncSession,
    rt: Runtime,
    attempts: Sequence[tuple[Attempted, AttemptResult]],
    now: datetime,
    *,
    disabled: Callable[[Endpoint], Awaitable[None]],
    failing: Callable[[Endpoint], Awaitable[None]],
) -> None:
    """Keep the streaks of the endpoints `attempts` went to; await `failing` for each that has
    failed for half the time allowed (once per streak), and disable those that answered 410 or
    failed for too long, awaiting `disabled` for each. Endpoints that were healthy and stay
    healthy are not touched."""
    last: dict[str, AttemptResult] = {}
    gone: set[str] = set()
    for job, result in attempts:
        if result.ok and job.failing_since is None and job.endpoint_id not in last:
            continue
        last[job.endpoint_id] = result
        if result.status_code == 410 and job.kind is EndpointKind.webhook:
            gone.add(job.endpoint_id)
    if not last:
        return
    endpoints = (await session.exec(select(Endpoint).where(col(Endpoint.id).in_(list(last))))).all()
    limit = timedelta(seconds=rt.settings.disable_after_failing_seconds)
    for endpoint in endpoints:
        if last[endpoint.id].ok and endpoint.id not in gone:
            endpoint.failing_since = None
            endpoint.failure_warned_at = None
            continue
        if endpoint.failing_since is None:
            endpoint.failing_since = now
        if endpoint.contact_role is not None or not endpoint.enabled:
            continue
        if endpoint.id in gone or now - endpoint.failing_since >= limit:
            reason = DisabledReason.gone if endpoint.id in gone else DisabledReason.failing
            disable(endpoint, reason, now)
            log.warning("endpoint disabled", extra={"endpoint_id": endpoint.id, "reason": reason})
            await disabled(endpoint)
        elif endpoint.failure_warned_at is None and now - endpoint.failing_since >= limit / 2:
            endpoint.failure_warned_at = now
            await failing(endpoint)
