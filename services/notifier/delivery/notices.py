"""What the notifier sends of its own accord, and the contact list as the fallback.

Besides the feed's events, deliveries are made here for: a new email endpoint's confirmation, a
party's test of an endpoint, an endpoint failing for half the time after which it is disabled,
and an endpoint disabled. The party's contact list (its `contact_role` email endpoints, kept
from its contact emails) is mailed an event when none of its own endpoints took it: at routing
(`feed.service`), when a delivery of a clock's start or of a breach is dead or still failing
`FALLBACK_AFTER` after the event (`fall_back`, swept periodically), and for what was skipped
when an endpoint was disabled automatically while its incident is open (`skipped_to_contacts`).

A contact delivery's webhook id is the event's and the endpoint's, as any routed delivery's, so
however often a sweep, a replica or a restart routes the same event to the same contact, it is
inserted once.
"""

import hashlib
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, update
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.db import after_commit
from services.notifier.delivery.models import Delivery, DeliveryStatus
from services.notifier.delivery.rows import NewDelivery, insert_routed, new_delivery, webhook_body
from services.notifier.endpoints.models import ContactRole, Endpoint, EndpointKind
from services.notifier.runtime import Runtime
from services.notifier.sla.models import ClockState, SlaClock
from shared.schemas import EventType

CONFIRMATION = "endpoint.confirmation"
FAILING = "endpoint.failing"
TEST = EventType.endpoint_test.value
SENT_WHILE_DISABLED = (CONFIRMATION, TEST)
"""Sent to their endpoint whether it is on or not: its confirmation, or a test the party asked
for (to see whether a disabled endpoint works again before turning it back on)."""

CLOCK_STARTS = (
    EventType.incident_raised.value,
    EventType.incident_reopened.value,
    EventType.incident_readdressed.value,
)
FALLS_BACK = (*CLOCK_STARTS, EventType.incident_sla_breached.value)
"""Events the contact list is sent when their delivery is dead or still failing."""
FALLBACK_AFTER = timedelta(hours=4)
ESCALATING = (EventType.incident_sla_breached.value, EventType.incident_sla_escalated.value)
"""Events the addressee's escalation contact is always sent, whatever its endpoints."""


def accepts(endpoint: Endpoint, event_type: str) -> bool:
    return not endpoint.event_types or event_type in endpoint.event_types


def contacts_for(
    endpoints: Sequence[Endpoint], event_type: str, *, own_took_it: bool, addressee: bool
) -> list[Endpoint]:
    """Which of a party's contact endpoints (among `endpoints`, all the party's) an event goes
    to: its ops contact when none of its own enabled endpoints takes the event, and for a breach
    or an escalation its escalation contact too, and always when the party is the addressee.
    Never two messages to one address."""
    by_role = {e.contact_role: e for e in endpoints if e.contact_role is not None}
    chosen: list[Endpoint] = []
    ops = by_role.get(ContactRole.ops)
    if not own_took_it and ops is not None:
        chosen.append(ops)
    escalation = by_role.get(ContactRole.escalation)
    if (
        (addressee or not own_took_it)
        and event_type in ESCALATING
        and escalation is not None
        and not any(e.address == escalation.address for e in chosen)
    ):
        chosen.append(escalation)
    return chosen


async def _party_contacts(
    session: AsyncSession, party_ids: Iterable[str]
) -> dict[str, list[Endpoint]]:
    found = (
        await session.exec(
            select(Endpoint)
            .where(col(Endpoint.party_id).in_(sorted(set(party_ids))))
            .where(col(Endpoint.contact_role).is_not(None))
            .order_by(col(Endpoint.id))
        )
    ).all()
    by_party: dict[str, list[Endpoint]] = {}
    for endpoint in found:
        by_party.setdefault(endpoint.party_id, []).append(endpoint)
    return by_party


async def _insert(
    session: AsyncSession, rt: Runtime, rows: list[NewDelivery], endpoints: dict[str, Endpoint]
) -> None:
    if rows:
        await insert_routed(session, rt, rows, endpoints, None)
        after_commit(session, rt.wake_deliveries)


def _notice(
    endpoint: Endpoint,
    type_: str,
    data: dict[str, Any],
    now: datetime,
    webhook_id: str | None = None,
) -> NewDelivery:
    """`webhook_id`: derived from what the notice is about, where two replicas may both decide
    to send it (the second insert then changes nothing); a fresh one otherwise."""
    return new_delivery(
        endpoint,
        webhook_id=webhook_id or f"ntf_{uuid.uuid4().hex}",
        event_type=type_,
        payload=webhook_body(type_, now, data),
        now=now,
        send_while_disabled=type_ in SENT_WHILE_DISABLED,
    )


def _derived_id(about: str, endpoint: Endpoint) -> str:
    """A notice's webhook id from what it is about and where it goes: short enough for the
    column, the same on every replica."""
    digest = hashlib.sha256(f"{about}|{endpoint.id}".encode()).hexdigest()
    return f"ntf_{digest[:40]}"


def _endpoint_data(endpoint: Endpoint) -> dict[str, Any]:
    return {
        "endpoint_id": endpoint.id,
        "party_id": endpoint.party_id,
        "kind": endpoint.kind.value,
        "reason": endpoint.disabled_reason.value if endpoint.disabled_reason else None,
        "failing_since": endpoint.failing_since.isoformat() if endpoint.failing_since else None,
    }


async def confirmation(session: AsyncSession, rt: Runtime, endpoint: Endpoint, token: str) -> None:
    """Mail a new email endpoint the link that enables it."""
    assert endpoint.confirm_expires_at is not None
    portal = rt.settings.portal_url.rstrip("/")
    data = {
        "endpoint_id": endpoint.id,
        "party_id": endpoint.party_id,
        "confirm_url": f"{portal}/endpoints/confirm?token={token}",
        "expires_at": endpoint.confirm_expires_at.isoformat(),
    }
    now = rt.clock.now()
    await _insert(
        session, rt, [_notice(endpoint, CONFIRMATION, data, now)], {endpoint.id: endpoint}
    )


async def confirmed(session: AsyncSession, endpoint: Endpoint) -> None:
    """The link did its work: the delivery log keeps the message, not the token in its link."""
    sent = (
        await session.exec(
            select(Delivery).where(
                col(Delivery.endpoint_id) == endpoint.id,
                col(Delivery.event_type) == CONFIRMATION,
            )
        )
    ).all()
    for delivery in sent:
        data = {k: v for k, v in delivery.payload.get("data", {}).items() if k != "confirm_url"}
        delivery.payload = {**delivery.payload, "data": data}
        session.add(delivery)


async def test(session: AsyncSession, rt: Runtime, endpoint: Endpoint) -> str:
    """Send `endpoint.test` to `endpoint` alone; returns the delivery's id."""
    now = rt.clock.now()
    row = _notice(endpoint, TEST, _endpoint_data(endpoint), now)
    await _insert(session, rt, [row], {endpoint.id: endpoint})
    return row.id


async def disabled(session: AsyncSession, rt: Runtime, endpoint: Endpoint, now: datetime) -> None:
    """`endpoint` was disabled automatically: tell the party through its other enabled endpoints
    that take `endpoint.disabled`, and its ops contact always."""
    type_ = EventType.endpoint_disabled.value
    others = (
        await session.exec(
            select(Endpoint).where(
                col(Endpoint.party_id) == endpoint.party_id,
                col(Endpoint.id) != endpoint.id,
                col(Endpoint.enabled),
            )
        )
    ).all()
    targets = [e for e in others if e.contact_role is None and accepts(e, type_)]
    targets += [e for e in others if e.contact_role is ContactRole.ops]
    data = _endpoint_data(endpoint)
    about = f"disabled|{endpoint.id}|{now.isoformat()}"
    rows = [_notice(e, type_, data, now, _derived_id(about, e)) for e in targets]
    await _insert(session, rt, rows, {e.id: e for e in targets})


async def failing(session: AsyncSession, rt: Runtime, endpoint: Endpoint, now: datetime) -> None:
    """`endpoint` has failed for half the time after which it is disabled: warn the ops contact."""
    contacts = (await _party_contacts(session, [endpoint.party_id])).get(endpoint.party_id, [])
    targets = [e for e in contacts if e.contact_role is ContactRole.ops and e.id != endpoint.id]
    data = _endpoint_data(endpoint)
    streak = endpoint.failing_since or now
    limit = timedelta(seconds=rt.settings.disable_after_failing_seconds)
    data["disable_at"] = (streak + limit).isoformat()
    # Once per failing streak, whichever replica notices first.
    about = f"failing|{endpoint.id}|{streak.isoformat()}"
    rows = [_notice(e, FAILING, data, now, _derived_id(about, e)) for e in targets]
    await _insert(session, rt, rows, {e.id: e for e in targets})


def _open(delivery: Any) -> Any:
    """The delivery's incident has a clock still running (its incident is open)."""
    return exists().where(
        col(SlaClock.incident_id) == delivery.incident_id,
        col(SlaClock.state) == ClockState.running,
    )


def _clock_reached(delivery: Any) -> Any:
    """The delivery is of a clock's start event, and that clock's addressee has been reached
    (by another delivery, or by its inbox item being fetched)."""
    return exists().where(
        col(delivery.event_type).in_(CLOCK_STARTS),
        col(SlaClock.incident_id) == delivery.incident_id,
        col(SlaClock.state) == ClockState.running,
        col(SlaClock.addressed_party_id) == delivery.party_id,
        col(SlaClock.reached_at).is_not(None),
    )


async def _to_contacts(
    session: AsyncSession, rt: Runtime, failed: Sequence[Delivery], now: datetime
) -> int:
    """Route each of `failed` (deliveries of events that did not reach their party) to that
    party's contact list (`contacts_for`, as if no endpoint had taken the event), and mark them
    fallen back."""
    if not failed:
        return 0
    contacts = await _party_contacts(session, (d.party_id for d in failed))
    rows: list[NewDelivery] = []
    endpoints: dict[str, Endpoint] = {}
    for delivery in failed:
        party_contacts = contacts.get(delivery.party_id, [])
        chosen = contacts_for(
            party_contacts, delivery.event_type, own_took_it=False, addressee=False
        )
        for contact in chosen:
            if contact.id == delivery.endpoint_id:
                continue
            endpoints[contact.id] = contact
            rows.append(
                new_delivery(
                    contact,
                    webhook_id=f"evt_{delivery.event_seq}_{contact.id}",
                    event_type=delivery.event_type,
                    payload=delivery.payload,
                    now=now,
                    event_seq=delivery.event_seq,
                    incident_id=delivery.incident_id,
                )
            )
    await session.exec(
        update(Delivery)
        .where(col(Delivery.id).in_([d.id for d in failed]))
        .values(fell_back=True, updated_at=now)
    )
    await _insert(session, rt, rows, endpoints)
    return len(rows)


async def fall_back(session: AsyncSession, rt: Runtime, now: datetime, limit: int = 500) -> int:
    """Send the contact list what did not reach a party: a delivery of a clock's start or of a
    breach, dead, or still pending `FALLBACK_AFTER` after it was routed, whose incident is still
    open and which no other delivery of the same event to the same party has brought. Returns
    how many failed deliveries were handled (at most `limit`: call again while it is that)."""
    other = aliased(Delivery)
    reached = exists().where(
        and_(
            col(other.event_seq) == col(Delivery.event_seq),
            col(other.party_id) == col(Delivery.party_id),
            col(other.status) == DeliveryStatus.succeeded,
        )
    )
    failed = (
        await session.exec(
            select(Delivery)
            .join(Endpoint, col(Endpoint.id) == col(Delivery.endpoint_id))
            .where(
                col(Delivery.fell_back).is_(False),
                col(Delivery.event_type).in_(FALLS_BACK),
                col(Delivery.event_seq).is_not(None),
                col(Endpoint.contact_role).is_(None),
                (col(Delivery.status) == DeliveryStatus.dead)
                | (
                    (col(Delivery.status) == DeliveryStatus.pending)
                    # An inbox item unread (or, for a breach, unacknowledged) counts as failing.
                    & (col(Delivery.created_at) <= now - FALLBACK_AFTER)
                ),
                _open(Delivery),
                ~reached,
                # A clock start fetched from an inbox reached its party, though still pending.
                ~_clock_reached(Delivery),
            )
            .order_by(col(Delivery.created_at))
            .limit(limit)
        )
    ).all()
    await _to_contacts(session, rt, failed, now)
    return len(failed)


async def skipped_to_contacts(
    session: AsyncSession, rt: Runtime, endpoint: Endpoint, now: datetime
) -> int:
    """What waited for `endpoint`, now disabled automatically, of incidents still open: to the
    party's ops contact. Called before those deliveries are marked skipped."""
    if endpoint.contact_role is not None or endpoint.kind is EndpointKind.inbox:
        return 0
    waiting = (
        await session.exec(
            select(Delivery).where(
                col(Delivery.endpoint_id) == endpoint.id,
                col(Delivery.status) == DeliveryStatus.pending,
                col(Delivery.fell_back).is_(False),
                col(Delivery.event_seq).is_not(None),
                col(Delivery.incident_id).is_not(None),
                _open(Delivery),
            )
        )
    ).all()
    return await _to_contacts(session, rt, waiting, now)
