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
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from services.notifier.delivery import notices, recovery, repository, schedule
from services.notifier.delivery.models import DeliveryAttempt, DeliveryStatus
from services.notifier.delivery.rows import Handed, Handoff
from services.notifier.endpoints import health
from services.notifier.endpoints.models import EndpointKind
from services.notifier.endpoints.secrets import SecretCache
from services.notifier.metrics import DELIVERIES, DELIVERY_SECONDS
from services.notifier.runtime import Runtime
from services.notifier.sla import reached
from services.notifier.transports import signing
from services.notifier.transports.webhook import AttemptResult

log = logging.getLogger("ssi.notifier.delivery")


@dataclass(frozen=True)
class Job:
    """A claimed delivery with what sending it needs, read in the claiming transaction."""

    delivery_id: str
    claim_token: str
    webhook_id: str
    endpoint_id: str
    kind: EndpointKind
    target: str
    """Where it goes: a webhook's URL, an email endpoint's address."""
    body: str
    secrets: tuple[str, ...]
    attempt_number: int
    """This attempt's number over the delivery's life (attempts are numbered 1, 2, ...)."""
    round_attempt: int
    """Its place in the current retry schedule, which a manual retry or a recover restarts."""
    failing_since: datetime | None
    lease_until: datetime
    event_type: str
    incident_id: str | None
    party_id: str


@dataclass(frozen=True)
class Claim:
    jobs: list[Job]
    more: frozenset[str]
    """Endpoints that got as many as they could take: more of theirs may be due."""
    next_due: datetime | None
    """When the next claim can find work for the other endpoints, as of this claim (at or before
    now: at once); None if nothing is pending for them."""


async def claim(
    session: AsyncSession,
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
    conn = await session.connection()
    statement = repository.claim_statement(conn.dialect.name == "postgresql")
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
        e for e, n in counts.items() if n >= (deep_limit if e in deep_endpoints else per_endpoint)
    )
    next_due: datetime | None = (
        await conn.execute(repository.NEXT_DUE, {"now": now, "busy": sorted(busy_endpoints | more)})
    ).scalar()
    endpoints = {}
    if claimed:
        ids = sorted(counts)
        endpoints = {
            e.id: e for e in await conn.execute(repository.CLAIMED_ENDPOINTS, {"ids": ids})
        }
    # Every claimed row has its endpoint (deleting one deletes its deliveries, which this
    # transaction holds); filtering anyway costs nothing and can never raise a KeyError.
    claimed = [row for row in claimed if row.endpoint_id in endpoints]
    claimed.sort(key=lambda r: (r.due, r.created, r.event_seq is None, r.event_seq))
    secrets_of = SecretCache(rt, now)
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
                kind=e.kind,
                target=e.address if e.kind is EndpointKind.email else e.url,
                body=d.body,
                secrets=secrets,
                attempt_number=d.attempt_count + 1,
                round_attempt=d.attempt_count + 1 - d.schedule_start,
                failing_since=e.failing_since,
                lease_until=lease_until,
                event_type=d.event_type,
                incident_id=d.incident_id,
                party_id=d.party_id,
            )
        )
    return Claim(jobs, more, next_due)


def handed_jobs(rt: Runtime, handoff: Handoff, handed: list[Handed]) -> list[Job]:
    """Jobs for the deliveries the feed's routing transaction claimed for this worker: first
    attempts, with the body as the database stored it (the default JSON serialiser's text)."""
    secrets_of = SecretCache(rt, rt.clock.now())
    jobs = []
    for row, endpoint in handed:
        secrets = secrets_of(endpoint)
        if secrets:
            jobs.append(
                Job(
                    delivery_id=row.id,
                    claim_token=handoff.token,
                    webhook_id=row.webhook_id,
                    endpoint_id=endpoint.id,
                    kind=endpoint.kind,
                    target=(
                        endpoint.address if endpoint.kind is EndpointKind.email else endpoint.url
                    )
                    or "",
                    body=json.dumps(row.payload),
                    secrets=secrets,
                    attempt_number=1,
                    round_attempt=1,
                    failing_since=endpoint.failing_since,
                    lease_until=handoff.lease_until,
                    event_type=row.event_type,
                    incident_id=row.incident_id,
                    party_id=row.party_id,
                )
            )
    return jobs


async def send(rt: Runtime, job: Job) -> AttemptResult:
    """One attempt over the job's transport: only this differs between kinds of endpoint."""
    started = rt.clock.now()
    if job.kind is EndpointKind.email:
        return await rt.mailer.send(
            address=job.target, webhook_id=job.webhook_id, body=job.body, started_at=started
        )
    # Webhook timestamps are real time, whatever clock the SLA runs on: receivers reject
    # stale or future ones.
    headers = signing.headers(job.secrets, job.webhook_id, datetime.now(UTC), job.body)
    return await rt.transport.post(job.target, job.body, headers, started)


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
    if result.status_code == 410 and job.kind is EndpointKind.webhook:
        return "gone", values | {"status": DeliveryStatus.dead}
    if result.permanent:
        return "dead", values | {"status": DeliveryStatus.dead}
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


@dataclass(frozen=True)
class Recorded:
    outcomes: list[str]
    """Each attempt's outcome, in order: succeeded, failed, gone or dead."""
    retries: dict[str, datetime]
    """Per endpoint with a failed delivery, when the earliest of them is due again. (A delivery
    whose claim had lapsed keeps another replica's schedule: at worst an early look.)"""


async def record_many(
    session: AsyncSession, rt: Runtime, attempts: list[tuple[Job, AttemptResult]]
) -> Recorded:
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
    conn = await session.connection()
    ours = 0
    for group in groups:
        ours += (await conn.execute(repository.RECORD_ALIKE, group)).rowcount
    if singles:
        ours += (await conn.execute(repository.RECORD_ONE, singles)).rowcount
    # A delivery deleted meanwhile (its endpoint was deleted) keeps no attempt rows. When
    # every claim was still ours, every delivery is there: no need to look.
    counted = conn.dialect.supports_sane_multi_rowcount or not singles
    if not counted or ours < len(history):
        ids = [h["delivery_id"] for h in history]
        existing = set((await conn.execute(repository.EXISTING, {"ids": ids})).scalars())
        history = [h for h in history if h["delivery_id"] in existing]
    if history:
        await conn.execute(insert(DeliveryAttempt), history)
    await reached.note(session, rt, _reaching(attempts, outcomes), now)
    await health.note_attempts(
        session,
        rt,
        attempts,
        now,
        disabled=lambda e: recovery.disabled(session, rt, e, now),
        failing=lambda e: notices.failing(session, rt, e, now),
    )
    for outcome, count in Counter(outcomes).items():
        DELIVERIES.labels(result=outcome).inc(count)
    return Recorded(outcomes, retries)


def _reaching(
    attempts: list[tuple[Job, AttemptResult]], outcomes: list[str]
) -> list[reached.Reached]:
    """The clocks whose start event these attempts brought to a party."""
    found = []
    for (job, _), outcome in zip(attempts, outcomes, strict=True):
        if outcome == "succeeded" and job.event_type in notices.CLOCK_STARTS and job.incident_id:
            clock = json.loads(job.body).get("data", {}).get("clock")
            if isinstance(clock, int):
                found.append(reached.Reached(job.incident_id, clock, job.party_id))
    return found


async def release(session: AsyncSession, rt: Runtime, jobs: list[Job]) -> None:
    """Give back claims not yet attempted (graceful shutdown, or a lease too short to send)."""
    if not jobs:
        return
    rows = [{"b_id": job.delivery_id, "b_token": job.claim_token} for job in jobs]
    conn = await session.connection()
    await conn.execute(repository.RELEASE, rows)
