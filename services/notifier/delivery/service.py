"""Claiming due deliveries, sending them, recording each attempt.

Claims are leases: a conditional update stamps `claimed_until` and a fresh `claim_token` on due,
unclaimed rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so replicas never wait on each other's
rows). Only the holder of the token may record the attempt's outcome. A replica that dies
mid-send loses nothing: its lease runs out and another replica sends again, with the same
`webhook-id` (at-least-once; receivers deduplicate on it).
"""

import functools
import json
import logging
import uuid
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BindParameter,
    Integer,
    Row,
    String,
    Text,
    Update,
    bindparam,
    case,
    cast,
    func,
    insert,
    or_,
    type_coerce,
    update,
)
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.crypto import Sealed
from services.notifier.delivery import schedule, signing
from services.notifier.delivery.models import Delivery, DeliveryAttempt, DeliveryStatus
from services.notifier.delivery.transport import AttemptResult
from services.notifier.endpoints.models import Endpoint
from services.notifier.feed.service import Handoff, delivery_row, webhook_body
from services.notifier.metrics import DELIVERIES, DELIVERY_SECONDS
from services.notifier.runtime import Runtime
from shared.schemas import EventType

log = logging.getLogger("ssi.notifier.delivery")

AnyRow = Row[*tuple[Any, ...]]
"""The hot path reads plain rows with core selects (`sa_select`): no ORM objects per row."""


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


@functools.cache
def _claim_statement(postgresql: bool) -> Update:
    """The claim as one statement, built once: what varies (the instant, the busy endpoints, the
    limits) is bound, so SQLAlchemy compiles it once and a claim costs one round trip."""
    now: BindParameter[datetime] = bindparam("now")
    candidates = (
        sa_select(
            col(Delivery.id),
            col(Delivery.endpoint_id),
            col(Delivery.next_attempt_at),
            col(Delivery.created_at),
        )
        .join(Endpoint, col(Endpoint.id) == col(Delivery.endpoint_id))
        .where(
            col(Delivery.status) == DeliveryStatus.pending,
            col(Delivery.next_attempt_at) <= now,
            or_(col(Delivery.claimed_until).is_(None), col(Delivery.claimed_until) < now),
            col(Endpoint.enabled),
            col(Delivery.endpoint_id).not_in(bindparam("busy", expanding=True)),
        )
        .order_by(*DUE_ORDER)
        # A small window: enough to fill a batch, cheap to sort; busy endpoints are excluded,
        # so the next claim reaches the others.
        .limit(bindparam("window"))
    )
    if postgresql:
        candidates = candidates.with_for_update(skip_locked=True, of=Delivery)
    ranked = candidates.cte("candidates")
    numbered = sa_select(
        ranked.c.id,
        ranked.c.endpoint_id,
        func.row_number()
        .over(
            partition_by=ranked.c.endpoint_id,
            order_by=(ranked.c.next_attempt_at, ranked.c.created_at),
        )
        .label("n"),
    ).subquery()
    chosen = (
        sa_select(numbered.c.id)
        .where(
            numbered.c.n
            <= case(
                (
                    numbered.c.endpoint_id.in_(bindparam("deep", expanding=True)),
                    bindparam("deep_limit", type_=Integer),
                ),
                else_=bindparam("per_endpoint", type_=Integer),
            )
        )
        .limit(bindparam("limit"))
    )
    # The claimed rows come back with what sending needs, so no second read of them. The body
    # is the stored JSON text as it is, cast so that no driver parses it (parsing it only to
    # serialise it again cost ~18 µs a webhook). The due order's two instants come back
    # unconverted, only to sort by: on PostgreSQL the driver's datetimes, on SQLite the stored
    # fixed-width text, which sorts in time order.
    return (
        update(Delivery)
        .where(col(Delivery.id).in_(chosen))
        .values(claimed_until=bindparam("lease_until"), claim_token=bindparam("token"))
        .returning(
            col(Delivery.id),
            col(Delivery.webhook_id),
            col(Delivery.endpoint_id),
            cast(col(Delivery.payload), Text).label("body"),
            col(Delivery.attempt_count),
            col(Delivery.schedule_start),
            type_coerce(col(Delivery.next_attempt_at), String).label("due"),
            type_coerce(col(Delivery.created_at), String).label("created"),
            col(Delivery.event_seq),
        )
    )


# Only the columns sending needs, as plain rows: no ORM objects on the hot path.
_CLAIMED_ENDPOINTS = sa_select(
    col(Endpoint.id),
    col(Endpoint.url),
    col(Endpoint.failing_since),
    col(Endpoint.secret_key_id),
    col(Endpoint.secret_nonce),
    col(Endpoint.secret_ciphertext),
    col(Endpoint.previous_key_id),
    col(Endpoint.previous_nonce),
    col(Endpoint.previous_ciphertext),
    col(Endpoint.previous_expires_at),
).where(col(Endpoint.id).in_(bindparam("ids", expanding=True)))


_NEXT_DUE = (
    sa_select(func.min(Delivery.next_attempt_at))
    .join(Endpoint, col(Endpoint.id) == col(Delivery.endpoint_id))
    .where(
        col(Delivery.status) == DeliveryStatus.pending,
        or_(col(Delivery.claimed_until).is_(None), col(Delivery.claimed_until) < bindparam("now")),
        col(Endpoint.enabled),
        col(Delivery.endpoint_id).not_in(bindparam("busy", expanding=True)),
    )
)
"""The earliest due instant among pending deliveries a claim could take: unleased (or leased
and expired), on enabled endpoints, none of `busy`."""


@dataclass(frozen=True)
class Claim:
    jobs: list[Job]
    more: frozenset[str]
    """Endpoints that got as many as they could take: more of theirs may be due."""
    next_due: datetime | None
    """When the next claim can find work for the other endpoints, as of this claim (at or before
    now: at once); None if nothing is pending for them."""


async def claim(
    rt: Runtime,
    limit: int,
    busy_endpoints: set[str],
    per_endpoint: int,
    deep_endpoints: Collection[str] = (),
    deep_limit: int = 0,
) -> Claim:
    """Lease up to `limit` due deliveries, at most `per_endpoint` per endpoint (`deep_limit` for
    `deep_endpoints`), none of `busy`.

    The same transaction asks when the next claim could find work, for every endpoint but the
    busy ones and those that got their fill: the worker sleeps until then, or until one of those
    has room again, rather than claiming again on the chance (on SQLite under a burst, an empty
    claim waits behind the recorder for as long as the endpoint's queue lasts)."""
    now = rt.clock.now()
    token = str(uuid.uuid4())
    lease_until = now + timedelta(seconds=rt.settings.claim_lease_seconds)
    widest = max(per_endpoint, deep_limit) if deep_endpoints else per_endpoint
    async with rt.sessions() as session, session.begin():
        conn = await session.connection()
        statement = _claim_statement(conn.dialect.name == "postgresql")
        claimed = (
            await conn.execute(
                statement,
                {
                    "now": now,
                    "busy": sorted(busy_endpoints),
                    "window": min(limit, 2 * widest),
                    "per_endpoint": per_endpoint,
                    "deep": sorted(deep_endpoints),
                    "deep_limit": deep_limit,
                    "limit": limit,
                    "lease_until": lease_until,
                    "token": token,
                },
            )
        ).all()
        counts = Counter(row.endpoint_id for row in claimed)
        more = frozenset(
            e
            for e, n in counts.items()
            if n >= (deep_limit if e in deep_endpoints else per_endpoint)
        )
        next_due: datetime | None = (
            await conn.execute(_NEXT_DUE, {"now": now, "busy": sorted(busy_endpoints | more)})
        ).scalar()
        endpoints = {}
        if claimed:
            ids = sorted(counts)
            endpoints = {e.id: e for e in await conn.execute(_CLAIMED_ENDPOINTS, {"ids": ids})}
    # Every claimed row has its endpoint (deleting one deletes its deliveries, which this
    # transaction holds); filtering anyway costs nothing and can never raise a KeyError.
    claimed = [row for row in claimed if row.endpoint_id in endpoints]
    claimed.sort(key=lambda r: (r.due, r.created, r.event_seq is None, r.event_seq))
    secrets_of = _SecretCache(rt, now)
    jobs = []
    for d in claimed:
        e = endpoints[d.endpoint_id]
        secrets = secrets_of(e)
        if not secrets:
            continue
        jobs.append(
            Job(
                delivery_id=d.id,
                claim_token=token,
                webhook_id=d.webhook_id,
                endpoint_id=e.id,
                url=e.url,
                body=d.body,
                secrets=secrets,
                attempt_number=d.attempt_count + 1,
                round_attempt=d.attempt_count + 1 - d.schedule_start,
                failing_since=e.failing_since,
                lease_until=lease_until,
            )
        )
    return Claim(jobs, more, next_due)


def handed_jobs(
    rt: Runtime, handoff: Handoff, handed: list[tuple[dict[str, Any], Endpoint]]
) -> list[Job]:
    """Jobs for the deliveries the feed's routing transaction claimed for this worker: first
    attempts, with the body as the database stored it (the default JSON serialiser's text)."""
    secrets_of = _SecretCache(rt, rt.clock.now())
    jobs = []
    for row, endpoint in handed:
        secrets = secrets_of(endpoint)
        if secrets:
            jobs.append(
                Job(
                    delivery_id=row["id"],
                    claim_token=handoff.token,
                    webhook_id=row["webhook_id"],
                    endpoint_id=endpoint.id,
                    url=endpoint.url,
                    body=json.dumps(row["payload"]),
                    secrets=secrets,
                    attempt_number=1,
                    round_attempt=1,
                    failing_since=endpoint.failing_since,
                    lease_until=handoff.lease_until,
                )
            )
    return jobs


class _SecretCache:
    """Each endpoint's signing secrets, decrypted once per claim rather than once per delivery.
    A secret whose key has left the ring yields nothing: its jobs keep their lease and are
    skipped (tried again once it runs out), the rest go."""

    def __init__(self, rt: Runtime, now: datetime) -> None:
        self.rt = rt
        self.now = now
        self._cache: dict[str, tuple[str, ...]] = {}

    def __call__(self, endpoint: AnyRow | Endpoint) -> tuple[str, ...]:
        if endpoint.id not in self._cache:
            try:
                self._cache[endpoint.id] = signing_secrets(self.rt, endpoint, self.now)
            except Exception:
                log.exception(
                    "endpoint secret cannot be decrypted", extra={"endpoint_id": endpoint.id}
                )
                self._cache[endpoint.id] = ()
        return self._cache[endpoint.id]


def signing_secrets(rt: Runtime, endpoint: AnyRow | Endpoint, now: datetime) -> tuple[str, ...]:
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
    return await rt.transport.post(job.url, job.body, headers, started)


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


_RECORD_VALUES = {
    "status": bindparam("b_status"),
    # Only the claim's holder writes here, so the count read at the claim is still the count.
    "attempt_count": col(Delivery.attempt_count) + 1,
    "next_attempt_at": bindparam("b_next"),
    "delivered_at": bindparam("b_delivered"),
    "last_status_code": bindparam("b_code"),
    "last_error": bindparam("b_error"),
    "claimed_until": None,
    "claim_token": None,
    "updated_at": bindparam("b_now"),
}
_RECORD_ONE = (
    update(Delivery)
    .where(
        col(Delivery.id) == bindparam("b_id"),
        col(Delivery.claim_token) == bindparam("b_token"),
    )
    .values(_RECORD_VALUES)
)
_RECORD_ALIKE = (
    update(Delivery)
    .where(
        col(Delivery.id).in_(bindparam("b_ids", expanding=True)),
        col(Delivery.claim_token) == bindparam("b_token"),
    )
    .values(_RECORD_VALUES)
)


_EXISTING = sa_select(col(Delivery.id)).where(
    col(Delivery.id).in_(bindparam("ids", expanding=True))
)


@dataclass(frozen=True)
class Recorded:
    outcomes: list[str]
    """Each attempt's outcome, in order: succeeded, failed, gone or dead."""
    retries: dict[str, datetime]
    """Per endpoint with a failed delivery, when the earliest of them is due again. (A delivery
    whose claim had lapsed keeps another replica's schedule: at worst an early look.)"""


async def record_many(rt: Runtime, attempts: list[tuple[Job, AttemptResult]]) -> Recorded:
    """Store a batch of attempts and decide what next for each, in one transaction.

    Each delivery's row changes only if its claim is still ours (the token matches); the attempt
    itself is stored either way, since it did happen. Attempts that end alike (a burst's
    successes: same claim, same answer) update their deliveries in one statement; the rest, and
    the attempt rows, go as one executemany each. So a batch costs a few statements, not a few
    per webhook.
    """
    now = rt.clock.now()
    outcomes: list[str] = []
    retries: dict[str, datetime] = {}
    alike: dict[tuple[Any, ...], list[str]] = {}
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
        if outcome == "failed":
            due = values["next_attempt_at"]
            retries[job.endpoint_id] = min(due, retries.get(job.endpoint_id, due))
        DELIVERY_SECONDS.observe(result.latency_ms / 1000)
        key = (
            job.claim_token,
            values["status"],
            values["next_attempt_at"],
            values["delivered_at"],
            result.status_code,
            result.error,
        )
        alike.setdefault(key, []).append(job.delivery_id)
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
    singles: list[dict[str, Any]] = []
    groups: list[dict[str, Any]] = []
    for (token, status, next_at, delivered, code, error), ids in alike.items():
        values = {
            "b_token": token,
            "b_status": status,
            "b_next": next_at,
            "b_delivered": delivered,
            "b_code": code,
            "b_error": error,
            "b_now": now,
        }
        if len(ids) == 1:
            singles.append(values | {"b_id": ids[0]})
        else:
            groups.append(values | {"b_ids": ids})
    async with rt.sessions() as session, session.begin():
        conn = await session.connection()
        ours = 0
        for group in groups:
            ours += (await conn.execute(_RECORD_ALIKE, group)).rowcount
        if singles:
            ours += (await conn.execute(_RECORD_ONE, singles)).rowcount
        # A delivery deleted meanwhile (its endpoint was deleted) keeps no attempt rows. When
        # every claim was still ours, every delivery is there: no need to look.
        counted = conn.dialect.supports_sane_multi_rowcount or not singles
        if not counted or ours < len(history):
            ids = [h["delivery_id"] for h in history]
            existing = set((await conn.execute(_EXISTING, {"ids": ids})).scalars())
            history = [h for h in history if h["delivery_id"] in existing]
        if history:
            await conn.execute(insert(DeliveryAttempt), history)
        await _update_endpoint_health(session, rt, attempts, now)
    for outcome, count in Counter(outcomes).items():
        DELIVERIES.labels(result=outcome).inc(count)
    return Recorded(outcomes, retries)


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


_RELEASE = (
    update(Delivery)
    .where(
        col(Delivery.id) == bindparam("b_id"),
        col(Delivery.claim_token) == bindparam("b_token"),
    )
    .values(claimed_until=None, claim_token=None)
)


async def release(rt: Runtime, jobs: list[Job]) -> None:
    """Give back claims not yet attempted (graceful shutdown, or a lease too short to send)."""
    if not jobs:
        return
    rows = [{"b_id": job.delivery_id, "b_token": job.claim_token} for job in jobs]
    async with rt.sessions() as session, session.begin():
        conn = await session.connection()
        await conn.execute(_RELEASE, rows)
