"""Endpoint management: a party's own endpoints only; secrets shown once, kept encrypted.

An email endpoint a party registers starts disabled (`unconfirmed`) and is enabled only by the
token mailed to its address, so that no party can make the service mail strangers. The contact
list's endpoints (`contact_role`) are kept from the party's contact emails (`parties.contacts`)
and are not the party's to change here.
"""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.db import after_commit
from services.common.errors import Conflict, NotFound, Unprocessable
from services.notifier.endpoints import health
from services.notifier.endpoints.models import DisabledReason, Endpoint, EndpointKind
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
    slug, title = "invalid-event-types", "Some event types are not delivered to endpoints"


class SecondInbox(Conflict):
    slug, title = "inbox-exists", "Your party already has an inbox"


class ContactEndpoint(Conflict):
    slug, title = "contact-endpoint", "This endpoint is kept from your party's contact list"


class WrongKind(Conflict):
    slug, title = "wrong-endpoint-kind", "Not possible for this kind of endpoint"


class Unconfirmed(Conflict):
    slug, title = "endpoint-unconfirmed", "This email endpoint has not been confirmed yet"


class TooManyUnconfirmed(Conflict):
    slug, title = "too-many-unconfirmed", "Too many email endpoints await confirmation"


class BadConfirmation(Unprocessable):
    slug, title = "invalid-confirmation", "This confirmation link is not valid"


CONFIRMATION_SECONDS = 24 * 3600
MAX_UNCONFIRMED = 5
"""Email endpoints of one party awaiting confirmation at once: each mails its address once, so
this bounds what a party can make the service send to addresses that never asked for it."""


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


@dataclass(frozen=True)
class Created:
    endpoint: Endpoint
    secret: str | None
    """A webhook's signing secret, for the answer alone."""
    confirm_token: str | None
    """An email endpoint's confirmation token, for the message to its address alone."""


async def create(
    session: AsyncSession, rt: Runtime, party_id: str, body: EndpointCreate
) -> Created:
    _check(rt, body.url, body.event_types)
    if body.kind is EndpointKind.inbox and await inbox_of(session, party_id) is not None:
        raise SecondInbox("Use it through GET /v1/inbox, or delete it first.")
    now = rt.clock.now()
    if body.kind is EndpointKind.email:
        await _check_unconfirmed(session, party_id, body.address or "", now)
    endpoint_id = str(uuid.uuid4())
    # Every kind keeps a sealed secret (one shape of row); only a webhook's is ever shown or used.
    secret = new_secret()
    endpoint = Endpoint(
        id=endpoint_id,
        party_id=party_id,
        kind=body.kind,
        url=body.url,
        address=body.address,
        description=body.description,
        event_types=sorted({t.value for t in body.event_types or ()}),
        created_at=now,
        updated_at=now,
        **seal(rt, endpoint_id, secret),
    )
    token = None
    if body.kind is EndpointKind.email:
        token = secrets.token_urlsafe(32)
        endpoint.confirm_hash = _digest(token)
        endpoint.confirm_expires_at = now + timedelta(seconds=CONFIRMATION_SECONDS)
        health.disable(endpoint, DisabledReason.unconfirmed, now)
    session.add(endpoint)
    try:
        await session.flush()
    except IntegrityError as exc:
        # Another request added the party's inbox since the check above (the index decides).
        raise SecondInbox("Use it through GET /v1/inbox, or delete it first.") from exc
    return Created(endpoint, secret if body.kind is EndpointKind.webhook else None, token)


async def _check_unconfirmed(
    session: AsyncSession, party_id: str, address: str, now: datetime
) -> None:
    waiting = (
        await session.exec(
            select(Endpoint.address).where(
                col(Endpoint.party_id) == party_id,
                col(Endpoint.disabled_reason) == DisabledReason.unconfirmed,
                col(Endpoint.confirm_expires_at) > now,
            )
        )
    ).all()
    if address.lower() in {(a or "").lower() for a in waiting}:
        raise TooManyUnconfirmed(
            "A confirmation link was mailed to this address in the last 24 hours: follow it, "
            "or delete that endpoint first."
        )
    if len(waiting) >= MAX_UNCONFIRMED:
        raise TooManyUnconfirmed(
            f"{MAX_UNCONFIRMED} email endpoints await confirmation: confirm or delete some first."
        )


async def inbox_of(session: AsyncSession, party_id: str) -> Endpoint | None:
    found = await session.exec(
        select(Endpoint).where(
            col(Endpoint.party_id) == party_id, col(Endpoint.kind) == EndpointKind.inbox
        )
    )
    return found.first()


async def confirm(session: AsyncSession, rt: Runtime, token: str) -> Endpoint:
    """Enable the email endpoint `token` was mailed for, within 24 hours; once."""
    now = rt.clock.now()
    found = (
        await session.exec(select(Endpoint).where(col(Endpoint.confirm_hash) == _digest(token)))
    ).first()
    expires = found.confirm_expires_at if found else None
    if found is None or expires is None or expires <= now:
        raise BadConfirmation(
            "The link is unknown, already used or older than 24 hours: add the endpoint again."
        )
    found.confirm_hash = None
    found.confirm_expires_at = None
    health.enable(found, now)
    await session.flush()
    after_commit(session, rt.wake_deliveries)
    return found


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_changeable(endpoint: Endpoint) -> None:
    """The contact list's endpoints are not the party's to change, test or recover: their
    addresses were never confirmed, so nothing but the notifier's own fallback may mail them."""
    if endpoint.contact_role is not None:
        raise ContactEndpoint(
            "Change your party's contact emails at the incident API; this endpoint follows them."
        )


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
    check_changeable(endpoint)
    _check(rt, body.url, body.event_types)
    changes = body.model_dump(exclude_unset=True)
    if changes.get("url") is not None:
        if endpoint.kind is not EndpointKind.webhook:
            raise WrongKind(f"An {endpoint.kind} endpoint has no url.")
        endpoint.url = changes["url"]
    if "event_types" in changes:
        endpoint.event_types = sorted({t.value for t in body.event_types or ()})
    if "description" in changes:
        endpoint.description = body.description
    if body.enabled is True and not endpoint.enabled:
        if endpoint.disabled_reason is DisabledReason.unconfirmed:
            raise Unconfirmed("Follow the link mailed to the address first.")
        health.enable(endpoint, rt.clock.now())
        after_commit(session, rt.wake_deliveries)
    elif body.enabled is False and endpoint.enabled:
        health.disable(endpoint, DisabledReason.by_party, rt.clock.now())
    endpoint.updated_at = rt.clock.now()
    await session.flush()
    return endpoint


async def rotate_secret(
    session: AsyncSession, rt: Runtime, endpoint: Endpoint
) -> tuple[str, datetime]:
    """A new secret; the current one keeps signing alongside until the grace period ends."""
    if endpoint.kind is not EndpointKind.webhook:
        raise WrongKind(f"Only webhooks are signed; this endpoint is an {endpoint.kind} one.")
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
        kind=endpoint.kind,
        url=endpoint.url,
        address=endpoint.address,
        contact_role=endpoint.contact_role,
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
