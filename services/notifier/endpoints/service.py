"""Endpoint management: a party's own endpoints only; secrets shown once, kept encrypted."""

import uuid
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.db import after_commit
from services.common.errors import NotFound, Unprocessable
from services.notifier.endpoints import health
from services.notifier.endpoints.models import Endpoint
from services.notifier.endpoints.schemas import (
    DELIVERABLE,
    EndpointCreate,
    EndpointRead,
    EndpointUpdate,
)
from services.notifier.endpoints.secrets import seal
from services.notifier.runtime import Runtime
from services.notifier.transports.addresses import AddressRefused
from services.notifier.transports.signing import new_secret
from shared.schemas import EventType


class EndpointNotFound(NotFound):
    slug, title = "endpoint-not-found", "No such endpoint"


class InvalidEndpointUrl(Unprocessable):
    slug, title = "invalid-endpoint-url", "Webhooks cannot be sent to this URL"


class InvalidEventTypes(Unprocessable):
    slug, title = "invalid-event-types", "Some event types are not delivered as webhooks"


def _check(rt: Runtime, url: str | None, event_types: list[EventType] | None) -> None:
    if url is not None:
        try:
            rt.policy.check_url(url)
        except AddressRefused as exc:
            raise InvalidEndpointUrl(str(exc)) from exc
    if event_types:
        wrong = sorted(t.value for t in event_types if t not in DELIVERABLE)
        if wrong:
            raise InvalidEventTypes(", ".join(wrong))


async def create(
    session: AsyncSession, rt: Runtime, party_id: str, body: EndpointCreate
) -> tuple[Endpoint, str]:
    _check(rt, body.url, body.event_types)
    now = rt.clock.now()
    endpoint_id = str(uuid.uuid4())
    secret = new_secret()
    endpoint = Endpoint(
        id=endpoint_id,
        party_id=party_id,
        url=body.url,
        description=body.description,
        event_types=sorted({t.value for t in body.event_types or ()}),
        created_at=now,
        updated_at=now,
        **seal(rt, endpoint_id, secret),
    )
    session.add(endpoint)
    await session.flush()
    reachability_may_change(session, rt)
    return endpoint, secret


def reachability_may_change(session: AsyncSession, rt: Runtime) -> None:
    after_commit(session, rt.reachability_changed.set)


async def get_own(session: AsyncSession, party_id: str, endpoint_id: str) -> Endpoint:
    endpoint = await session.get(Endpoint, endpoint_id) if len(endpoint_id) <= 36 else None
    if endpoint is None or endpoint.party_id != party_id:
        raise EndpointNotFound()
    return endpoint


async def update_endpoint(
    session: AsyncSession, rt: Runtime, endpoint: Endpoint, body: EndpointUpdate
) -> Endpoint:
    """The endpoint's own columns only: if this turns it off, skipping what waits for it is the
    caller's (`delivery.recovery.update_endpoint` does both)."""
    _check(rt, body.url, body.event_types)
    changes = body.model_dump(exclude_unset=True)
    if "url" in changes and changes["url"] is not None:
        endpoint.url = changes["url"]
    if "event_types" in changes:
        endpoint.event_types = sorted({t.value for t in body.event_types or ()})
    if "description" in changes:
        endpoint.description = body.description
    if body.enabled is True and not endpoint.enabled:
        health.enable(endpoint, rt.clock.now())
        after_commit(session, rt.wake_deliveries)
    elif body.enabled is False and endpoint.enabled:
        health.disable(endpoint, "by_party", rt.clock.now())
    endpoint.updated_at = rt.clock.now()
    await session.flush()
    reachability_may_change(session, rt)
    return endpoint


async def rotate_secret(
    session: AsyncSession, rt: Runtime, endpoint: Endpoint
) -> tuple[str, datetime]:
    """A new secret; the current one keeps signing alongside until the grace period ends."""
    now = rt.clock.now()
    expires = now + timedelta(seconds=rt.settings.secret_grace_seconds)
    endpoint.previous_key_id = endpoint.secret_key_id
    endpoint.previous_nonce = endpoint.secret_nonce
    endpoint.previous_ciphertext = endpoint.secret_ciphertext
    endpoint.previous_expires_at = expires
    secret = new_secret()
    for field, value in seal(rt, endpoint.id, secret).items():
        setattr(endpoint, field, value)
    endpoint.updated_at = now
    await session.flush()
    return secret, expires


def view(endpoint: Endpoint) -> EndpointRead:
    return EndpointRead(
        id=endpoint.id,
        party_id=endpoint.party_id,
        url=endpoint.url,
        enabled=endpoint.enabled,
        event_types=endpoint.event_types,
        description=endpoint.description,
        disabled_reason=endpoint.disabled_reason,
        disabled_at=endpoint.disabled_at,
        failing_since=endpoint.failing_since,
        previous_secret_expires_at=endpoint.previous_expires_at,
        created_at=endpoint.created_at,
        updated_at=endpoint.updated_at,
    )
