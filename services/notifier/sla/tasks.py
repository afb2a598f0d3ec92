"""The SLA scheduler: APScheduler decides when to look, the database decides what is due.

`check` is the plain function tests call. `SlaScheduler` runs it from an `AsyncIOScheduler`
interval job (the safety net: work another replica released, a lease that ran out) and pulls that
job forward to the next due instant, so a breach is recorded when it falls due, not up to an
interval later.
"""

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

import httpx
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from services.common.db import transaction
from services.common.errors import PROBLEM_BASE
from services.notifier.api_client import ApiClient
from services.notifier.metrics import SLA_HEARTBEAT
from services.notifier.runtime import Runtime
from services.notifier.sla import service
from services.notifier.sla.service import Claim, Outcome
from shared.schemas import BreachCause, SlaEventKind

log = logging.getLogger("ssi.notifier.sla")

JOB_ID = "sla-check"


async def check(rt: Runtime, api: ApiClient) -> int:
    """Record every SLA event due now; returns how many were recorded."""
    recorded = 0
    size = rt.settings.sla_concurrency
    while True:
        async with transaction(rt.sessions) as session:
            claims = await service.claim_due(session, rt, size)
        outcomes = await asyncio.gather(*(_record_and_settle(rt, api, c) for c in claims))
        recorded += outcomes.count(Outcome.recorded)
        # A full claim may have left more behind; a recorded event may have a successor due.
        if len(claims) < size and Outcome.recorded not in outcomes:
            return recorded


async def _record_and_settle(rt: Runtime, api: ApiClient, claim: Claim) -> str:
    outcome = await _record(api, claim)
    async with transaction(rt.sessions) as session:
        await service.settle(session, rt, claim, outcome)
    return outcome


async def _record(api: ApiClient, claim: Claim) -> str:
    step = claim.record
    body = {
        "clock": claim.clock,
        "kind": step.kind.value,
        "ordinal": step.ordinal,
        "occurred_at": step.at.isoformat(),
    }
    if step.kind is SlaEventKind.breach and not claim.reached:
        # The API cannot know this as well: only the notifier saw every delivery.
        body["cause"] = BreachCause.addressee_unreachable.value
    context = {"incident_id": claim.incident_id, "clock": claim.clock, "kind": step.kind.value}
    try:
        response = await api.post(f"/v1/incidents/{claim.incident_id}/sla-events", body)
    except httpx.HTTPError as exc:
        log.warning("recording an SLA event failed", extra={**context, "error": type(exc).__name__})
        return Outcome.failed
    if response.status_code in (200, 201):
        # 200: another replica (or this one, before a crash) recorded it first.
        message = f"sla.{step.kind.value}" if response.status_code == 201 else "sla.replayed"
        log.info(message, extra={**context, "ordinal": step.ordinal})
        return Outcome.recorded
    if _problem_type(response) in CLOCK_GONE:
        # Resolved or cancelled meanwhile (the feed will say which), or an incident the API
        # does not have: only the API's own answer ends a clock, never a proxy's 404.
        log.info("SLA clock ended", extra=context)
        return Outcome.ended
    log.error(
        "the API refused an SLA event", extra={**context, "status_code": response.status_code}
    )
    return Outcome.failed


CLOCK_GONE = {PROBLEM_BASE + "clock-ended", PROBLEM_BASE + "incident-not-found"}


def _problem_type(response: httpx.Response) -> str | None:
    if not response.headers.get("content-type", "").startswith("application/problem+json"):
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    kind = body.get("type") if isinstance(body, dict) else None
    return kind if isinstance(kind, str) else None


class SlaScheduler:
    def __init__(self, rt: Runtime, api: ApiClient) -> None:
        self.rt = rt
        self.api = api
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._running = False
        self._again = False
        self._idle = asyncio.Event()
        self._idle.set()

    def start(self) -> None:
        self._scheduler.add_job(
            self.run,
            "interval",
            seconds=self.rt.settings.sla_check_interval_seconds,
            id=JOB_ID,
            next_run_time=datetime.now(UTC),
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
        self._scheduler.start()
        self.rt.sla_due_at = self.due_at

    async def shutdown(self, grace_seconds: float) -> None:
        """Stop looking; let a check under way finish (its claims settled) for up to the grace
        period. Past it, the claims' leases run out and another replica takes them over."""
        self.rt.sla_due_at = lambda _: None
        self._scheduler.shutdown(wait=False)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), grace_seconds)

    def due_at(self, sla_instant: datetime | None) -> None:
        """Look at `sla_instant` (SLA time), or now, if that is sooner than planned."""
        if self._running:
            self._again = True
            return
        when = datetime.now(UTC)
        if sla_instant is not None:
            when = max(when, sla_instant - self.rt.sla_clock.offset)
        self._pull_forward(when)

    def _pull_forward(self, when: datetime) -> None:
        job = self._scheduler.get_job(JOB_ID)
        if job is not None and (job.next_run_time is None or when < job.next_run_time):
            job.modify(next_run_time=when)

    async def run(self) -> None:
        self._running = True
        self._idle.clear()
        try:
            while True:
                self._again = False
                try:
                    await check(self.rt, self.api)
                    SLA_HEARTBEAT.set_to_current_time()
                except Exception:
                    log.exception("the SLA check failed; the next one will try again")
                if not self._again:
                    break
            async with self.rt.sessions() as session:
                following = await service.next_due(session, self.rt)
        except Exception:
            log.exception("planning the next SLA check failed")
            return
        finally:
            self._running = False
            self._idle.set()
        if self._again:  # woken while planning: look again now
            following = datetime.now(UTC)
        if following is not None:
            # A little after: an instant that is due "now" on a clock read a moment later.
            self._pull_forward(max(following, datetime.now(UTC)) + timedelta(milliseconds=5))
