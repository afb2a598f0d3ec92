"""Claiming due deliveries, sending them, recording each attempt.

Claims are leases: a conditional update stamps `claimed_until` and a fresh `claim_token` on due,
unclaimed rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so replicas never wait on each other's
rows). Only the holder of the token may record the attempt's outcome. A replica that dies
mid-send loses nothing: its lease runs out and another replica sends again, with the same
`webhook-id` (at-least-once; receivers deduplicate on it).
"""

import json
import logging
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, insert, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.crypto import Sealed
from services.notifier.delivery import schedule, signing
from services.notifier.delivery.models import Delivery, DeliveryAttempt, DeliveryStatus
from services.notifier.delivery.transport import AttemptResult
from services.notifier.endpoints.models import Endpoint
from services.notifier.feed.service import delivery_row, webhook_body
from services.notifier.metrics import DELIVERIES, DELIVERY_SECONDS
from services.notifier.runtime import Runtime
from shared.schemas import EventType

log = logging.getLogger("ssi.notifier.delivery")


# Due first; among equals (a recover, a burst), the oldest event first.
DUE_ORDER = (col(Delivery.next_attempt_at), col(Delivery.created_at), col(Delivery.event_seq))


@dataclass(frozen=True)
class Job:
    """A claimed delivery with what sending it needs, read in the claiming transaction."""

    delivery_id: str
    claim_token: str
    webhook_id: str
    endpoint_id: str
    url: str
    body: str
    secrets: tuple[str, ...]
    attempt_number: int
    """This attempt's number over the delivery's life (attempts are numbered 1, 2, ...)."""
    round_attempt: int
    """Its place in the current retry schedule, which a manual retry or a recover restarts."""
    failing_since: datetime | None
    lease_until: datetime


async def claim(rt: Runtime, limit: int, busy_endpoints: set[str], per_endpoint: int) -> list[Job]:
    """Lease up to `limit` due deliveries, at most `per_endpoint` per endpoint, none of `busy`."""
    now = rt.clock.now()
    token = str(uuid.uuid4())
    lease_until = now + timedelta(seconds=rt.settings.claim_lease_seconds)
    async with rt.sessions() as session, session.begin():
        conn = await session.connection()
        candidates = (
            select(Delivery.id, Delivery.endpoint_id, Delivery.next_attempt_at, Delivery.created_at)
            .join(Endpoint, col(Endpoint.id) == col(Delivery.endpoint_id))
            .where(
                col(Delivery.status) == DeliveryStatus.pending,
                col(Delivery.next_attempt_at) <= now,
                or_(col(Delivery.claimed_until).is_(None), col(Delivery.claimed_until) < now),
                col(Endpoint.enabled),
            )
            .order_by(*DUE_ORDER)
            # A small window: enough to fill a batch, cheap to sort; busy endpoints are excluded,
            # so the next claim reaches the others.
            .limit(min(limit, 2 * per_endpoint))
        )
        if busy_endpoints:
            candidates = candidates.where(col(Delivery.endpoint_id).not_in(busy_endpoints))
        if conn.dialect.name == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True, of=Delivery)
        ranked = candidates.cte("candidates")
        numbered = select(
            ranked.c.id,
            func.row_number()
            .over(
                partition_by=ranked.c.endpoint_id,
                order_by=(ranked.c.next_attempt_at, ranked.c.created_at),
            )
            .label("n"),
        ).subquery()
        chosen = select(numbered.c.id).where(numbered.c.n <= per_endpoint).limit(limit)
        result = await conn.execute(
            update(Delivery)
            .where(col(Delivery.id).in_(chosen))
            .values(claimed_until=lease_until, claim_token=token)
            .returning(col(Delivery.id))
        )
        ids = [row[0] for row in result]
        if not ids:
            return []
        rows = (
            await session.exec(
                select(Delivery, Endpoint)
                .join(Endpoint, col(Endpoint.id) == col(Delivery.endpoint_id))
                .where(col(Delivery.id).in_(ids))
                .order_by(*DUE_ORDER)
            )
        ).all()
    cache: dict[str, tuple[str, ...]] = {}

    def secrets_of(endpoint: Endpoint) -> tuple[str, ...]:
        # Decrypted once per endpoint per claim, not once per delivery. A secret whose key has
        # left the ring yields nothing: its jobs keep their lease and are skipped, the rest go.
        if endpoint.id not in cache:
            try:
                cache[endpoint.id] = signing_secrets(rt, endpoint, now)
            except Exception:
                log.exception(
                    "endpoint secret cannot be decrypted", extra={"endpoint_id": endpoint.id}
                )
                cache[endpoint.id] = ()
        return cache[endpoint.id]

    jobs = [
        Job(
            delivery_id=d.id,
            claim_token=token,
            webhook_id=d.webhook_id,
            endpoint_id=e.id,
            url=e.url,
            body=json.dumps(d.payload, separators=(",", ":")),
            secrets=secrets_of(e),
            attempt_number=d.attempt_count + 1,
            round_attempt=d.attempt_count + 1 - d.schedule_start,
            failing_since=e.failing_since,
            lease_until=lease_until,
        )
        for d, e in rows
    ]
    return [job for job in jobs if job.secrets]


def signing_secrets(rt: Runtime, endpoint: Endpoint, now: datetime) -> tuple[str, ...]:
    current = open_secret(
        rt, endpoint.id, endpoint.secret_key_id, endpoint.secret_nonce, endpoint.secret_ciphertext
    )
    if (
        endpoint.previous_ciphertext is not None
        and endpoint.previous_nonce is not None
        and endpoint.previous_key_id is not None
        and endpoint.previous_expires_at is not None
        and endpoint.previous_expires_at > now
    ):
        previous = open_secret(
            rt,
            endpoint.id,
            endpoint.previous_key_id,
            endpoint.previous_nonce,
            endpoint.previous_ciphertext,
        )
        return (current, previous)
    return (current,)


def secret_context(endpoint_id: str) -> str:
    return f"ssi-endpoint-secret|{endpoint_id}"


def open_secret(rt: Runtime, endpoint_id: str, key_id: str, nonce: bytes, ciphertext: bytes) -> str:
    sealed = Sealed(key_id, nonce, ciphertext)
    return rt.keyring.open(sealed, secret_context(endpoint_id)).decode()


async def send(rt: Runtime, job: Job) -> AttemptResult:
    # Webhook timestamps are real time, whatever clock the SLA runs on: receivers reject
    # stale or future ones.
    started = rt.clock.now()
    headers = signing.headers(job.secrets, job.webhook_id, datetime.now(UTC), job.body)
    return replace(await rt.transport.post(job.url, job.body, headers), started_at=started)


def _decide(
    rt: Runtime, job: Job, result: AttemptResult, now: datetime
) -> tuple[str, dict[str, Any]]:
    """The outcome of one attempt and the delivery's new columns."""
    settings = rt.settings
    values: dict[str, Any] = {
        "status": DeliveryStatus.pending,
        "next_attempt_at": now,
        "delivered_at": None,
    }
    if result.ok:
        return "succeeded", values | {"status": DeliveryStatus.succeeded, "delivered_at": now}
    if result.status_code == 410:
        return "gone", values | {"status": DeliveryStatus.dead}
    delay = schedule.next_delay(
        settings.retry_schedule_seconds,
        job.round_attempt,
        settings.retry_jitter,
        schedule.parse_retry_after(result.retry_after, now),
        settings.retry_after_max_seconds,
        rt.rng,
    )
    if delay is None:
        return "dead", values | {"status": DeliveryStatus.dead}
    return "failed", values | {"next_attempt_at": now + timedelta(seconds=delay)}


_RECORD = (
    update(Delivery)
    .where(
        col(Delivery.id) == bindparam("b_id"),
        col(Delivery.claim_token) == bindparam("b_token"),
    )
    .values(
        status=bindparam("b_status"),
        attempt_count=bindparam("b_attempts"),
        next_attempt_at=bindparam("b_next"),
        delivered_at=bindparam("b_delivered"),
        last_status_code=bindparam("b_code"),
        last_error=bindparam("b_error"),
        claimed_until=None,
        claim_token=None,
        updated_at=bindparam("b_now"),
    )
)


async def record_many(rt: Runtime, attempts: list[tuple[Job, AttemptResult]]) -> list[str]:
    """Store a batch of attempts and decide what next for each, in one transaction.

    Each delivery's row changes only if its claim is still ours (the token matches); the attempt
    itself is stored either way, since it did happen. One executemany per table keeps a burst
    cheap: the per-statement cost is paid once per batch, not once per webhook.
    """
    now = rt.clock.now()
    outcomes: list[str] = []
    rows: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    for job, result in attempts:
        try:
            outcome, values = _decide(rt, job, result, now)
        except Exception:
            # One odd answer must not sink the batch: retry it on the schedule alone.
            log.exception(
                "could not read an attempt's answer", extra={"delivery_id": job.delivery_id}
            )
            outcome, values = _decide(rt, job, replace(result, retry_after=None), now)
        outcomes.append(outcome)
        DELIVERY_SECONDS.observe(result.latency_ms / 1000)
        rows.append(
            {
                "b_id": job.delivery_id,
                "b_token": job.claim_token,
                "b_status": values["status"],
                "b_attempts": job.attempt_number,
                "b_next": values["next_attempt_at"],
                "b_delivered": values["delivered_at"],
                "b_code": result.status_code,
                "b_error": result.error,
                "b_now": now,
            }
        )
        history.append(
            {
                "delivery_id": job.delivery_id,
                "number": job.attempt_number,
                "started_at": result.started_at or now,
                "status_code": result.status_code,
                "latency_ms": result.latency_ms,
                "response_excerpt": result.excerpt,
                "error": result.error,
            }
        )
    async with rt.sessions() as session, session.begin():
        conn = await session.connection()
        await conn.execute(_RECORD, rows)
        # A delivery deleted meanwhile (its endpoint was deleted) keeps no attempt rows.
        ids = [h["delivery_id"] for h in history]
        existing = set(
            (await session.exec(select(Delivery.id).where(col(Delivery.id).in_(ids)))).all()
        )
        history = [h for h in history if h["delivery_id"] in existing]
        if history:
            await conn.execute(insert(DeliveryAttempt), history)
        await _update_endpoint_health(session, rt, attempts, now)
    for outcome in outcomes:
        DELIVERIES.labels(result=outcome).inc()
    return outcomes


async def record(rt: Runtime, job: Job, result: AttemptResult) -> str:
    """One attempt: `record_many` of one."""
    [outcome] = await record_many(rt, [(job, result)])
    return outcome


async def _update_endpoint_health(
    session: AsyncSession, rt: Runtime, attempts: list[tuple[Job, AttemptResult]], now: datetime
) -> None:
    """A success clears an endpoint's failing streak; failures start it, and a 410 or a streak
    older than `disable_after_failing_seconds` disables the endpoint. Endpoints that were healthy
    and stay healthy are not touched."""
    last: dict[str, AttemptResult] = {}
    gone: set[str] = set()
    for job, result in attempts:
        if result.ok and job.failing_since is None and job.endpoint_id not in last:
            continue
        last[job.endpoint_id] = result
        if result.status_code == 410:
            gone.add(job.endpoint_id)
    if not last:
        return
    endpoints = (await session.exec(select(Endpoint).where(col(Endpoint.id).in_(list(last))))).all()
    limit = timedelta(seconds=rt.settings.disable_after_failing_seconds)
    for endpoint in endpoints:
        if last[endpoint.id].ok and endpoint.id not in gone:
            endpoint.failing_since = None
            continue
        if endpoint.failing_since is None:
            endpoint.failing_since = now
        if endpoint.enabled and (endpoint.id in gone or now - endpoint.failing_since >= limit):
            await disable(session, rt, endpoint, "gone" if endpoint.id in gone else "failing", now)


async def disable(
    session: AsyncSession, rt: Runtime, endpoint: Endpoint, reason: str, now: datetime
) -> None:
    """Disable `endpoint` and tell the party through its other enabled endpoints."""
    endpoint.enabled = False
    endpoint.disabled_reason = reason
    endpoint.disabled_at = now
    endpoint.updated_at = now
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
    data = {"endpoint_id": endpoint.id, "party_id": endpoint.party_id, "reason": reason}
    for other in others:
        if other.event_types and type_ not in other.event_types:
            continue
        row = delivery_row(
            other,
            webhook_id=f"ntf_{uuid.uuid4().hex}",
            event_type=type_,
            payload=webhook_body(type_, now, data),
            now=now,
        )
        session.add(Delivery(**row))
    log.warning("endpoint disabled", extra={"endpoint_id": endpoint.id, "reason": reason})
    rt.wake_deliveries()


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


async def release(rt: Runtime, jobs: list[Job]) -> None:
    """Give back claims not yet attempted (graceful shutdown)."""
    if not jobs:
        return
    async with rt.sessions() as session, session.begin():
        for job in jobs:
            await session.exec(
                update(Delivery)
                .where(
                    col(Delivery.id) == job.delivery_id,
                    col(Delivery.claim_token) == job.claim_token,
                )
                .values(claimed_until=None, claim_token=None)
            )


async def next_due(rt: Runtime, busy_endpoints: set[str]) -> datetime | None:
    """When `claim` next finds work: only what it could take, so that a worker never spins on
    deliveries in flight (leased), on disabled endpoints, or on `busy` ones (a freed slot wakes
    the worker; an expired lease is found at the idle recheck)."""
    now = rt.clock.now()
    query = (
        select(func.min(Delivery.next_attempt_at))
        .join(Endpoint, col(Endpoint.id) == col(Delivery.endpoint_id))
        .where(
            col(Delivery.status) == DeliveryStatus.pending,
            or_(col(Delivery.claimed_until).is_(None), col(Delivery.claimed_until) < now),
            col(Endpoint.enabled),
        )
    )
    if busy_endpoints:
        query = query.where(col(Delivery.endpoint_id).not_in(busy_endpoints))
    async with rt.sessions() as session:
        result: datetime | None = (await session.exec(query)).one()
        return result
