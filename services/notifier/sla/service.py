"""SLA clocks: kept from the feed, checked when due, recorded on the incident through the API.

A due clock is claimed with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite serialises
writers) and its event posted to `POST /v1/incidents/{id}/sla-events`, which is idempotent on
(clock, kind, ordinal). The clock then moves to its next event with an update conditioned on the
event it claimed, so however many replicas run, and whoever crashes mid-claim, each event is
recorded once: a lost lease means another replica posts the same key again, and the API answers
with the record it already has.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import case, func, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.notifier.runtime import Runtime
from services.notifier.sla.models import ClockState, SlaClock
from services.notifier.sla.schedule import ClockPlan, Step
from shared.schemas import Event, EventType, IncidentEventData, SlaState

log = logging.getLogger("ssi.notifier.sla")

STARTS = {EventType.incident_raised, EventType.incident_reopened, EventType.incident_readdressed}
SLA_EVENTS = {
    EventType.incident_sla_warning,
    EventType.incident_sla_breached,
    EventType.incident_sla_escalated,
}
TRACKED = STARTS | SLA_EVENTS | {EventType.incident_resolved, EventType.incident_cancelled}


@dataclass(frozen=True)
class Change:
    """What one feed event did to a clock, for the metrics counted after the commit."""

    type: EventType
    addressed_party_id: str
    next_at: datetime | None = None
    working_days_to_resolve: int | None = None


def plan_of(clock: SlaClock, rt: Runtime) -> ClockPlan:
    return ClockPlan(
        clock.due_at,
        [datetime.fromisoformat(w) for w in clock.warning_at],
        rt.calendar,
        rt.settings.sla_escalation_working_days,
    )


def next_step(clock: SlaClock) -> Step | None:
    if clock.next_kind is None or clock.next_ordinal is None or clock.next_at is None:
        return None
    return Step(clock.next_kind, clock.next_ordinal, clock.next_at)


# -- following the feed ----------------------------------------------------------------------


class ClockStarts:
    """The clocks a page of the feed starts, inserted together (one executemany, not a
    statement per raise) before anything reads them: before the next event that changes a
    clock, and at the end of the page."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    async def flush(self, session: AsyncSession) -> None:
        if not self.rows:
            return
        conn = await session.connection()
        insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        await conn.execute(insert(SlaClock).on_conflict_do_nothing(), self.rows)
        self.rows = []


async def track(
    session: AsyncSession, rt: Runtime, event: Event, starts: ClockStarts
) -> Change | None:
    """Start, advance or stop a clock as `event` says, in the feed's transaction; a clock
    started is inserted by `starts.flush`."""
    if event.type not in TRACKED:
        return None
    try:
        data = IncidentEventData.model_validate(event.data)
    except ValidationError:
        # Never let one malformed event hold up the feed: its deliveries still go.
        log.error("an incident event without SLA data", extra={"seq": event.seq})
        return None
    if event.type in STARTS:
        return await _start(session, rt, event, data, starts)
    await starts.flush(session)
    # Locked: a replica settling a claim on this clock waits, then finds it stopped.
    clock = await session.get(SlaClock, (data.incident_id, data.clock), with_for_update=True)
    if clock is None:
        # Its start is older than this notifier's feed history: nothing to keep.
        return None
    change = Change(event.type, clock.addressed_party_id)
    match event.type:
        case EventType.incident_sla_warning:
            clock.warnings_recorded = max(clock.warnings_recorded, data.sla_ordinal or 0)
        case EventType.incident_sla_breached:
            clock.breached = True
        case EventType.incident_sla_escalated:
            clock.escalations = max(clock.escalations, data.sla_ordinal or 0)
        case EventType.incident_resolved:
            days = rt.calendar.working_days_between(clock.started_at, event.occurred_at)
            _end(clock, ClockState.resolved, event.occurred_at)
            clock.sla_outcome = data.sla_state
            clock.working_days_to_resolve = days
            change = Change(event.type, clock.addressed_party_id, working_days_to_resolve=days)
        case EventType.incident_cancelled:
            _end(clock, ClockState.cancelled, event.occurred_at)
    session.add(clock)
    return change


async def _start(
    session: AsyncSession,
    rt: Runtime,
    event: Event,
    data: IncidentEventData,
    starts: ClockStarts,
) -> Change:
    if data.clock > 1:
        await starts.flush(session)
        # A new clock ends any earlier one the feed never saw end (it cannot run on).
        await session.exec(
            update(SlaClock)
            .where(
                col(SlaClock.incident_id) == data.incident_id,
                col(SlaClock.clock) < data.clock,
                col(SlaClock.state) == ClockState.running,
            )
            .values(
                state=ClockState.ended,
                next_at=None,
                claimed_until=None,
                ended_at=event.occurred_at,
            )
        )
    plan = ClockPlan(
        data.due_at, data.warning_at, rt.calendar, rt.settings.sla_escalation_working_days
    )
    step = plan.first()
    row = {
        "incident_id": data.incident_id,
        "clock": data.clock,
        "reference": data.reference,
        "requesting_party_id": data.requesting_party_id,
        "addressed_party_id": data.addressed_party_id,
        "policy": data.policy,
        "raised_at": data.raised_at or event.occurred_at,
        "started_at": event.occurred_at,
        "due_at": data.due_at,
        "warning_at": [w.isoformat() for w in data.warning_at],
        "first_warning_at": min(data.warning_at, default=None),
        "state": ClockState.running,
        "next_kind": step.kind,
        "next_ordinal": step.ordinal,
        "next_at": step.at,
        "warnings_recorded": 0,
        "breached": False,
        "escalations": 0,
    }
    starts.rows.append(row)
    return Change(event.type, data.addressed_party_id, next_at=step.at)


def _end(clock: SlaClock, state: ClockState, at: datetime) -> None:
    clock.state = state
    clock.ended_at = at
    clock.next_kind = clock.next_ordinal = clock.next_at = clock.claimed_until = None


# -- checking what is due ---------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    incident_id: str
    clock: int
    addressed_party_id: str
    claimed: Step
    """The event the row said was next: settling is conditioned on it."""
    record: Step
    """The event to record now (`claimed`, or a later one that overtook it)."""
    following: Step
    """What comes after `record`."""
    reached: bool
    """Whether a delivery of the clock's start event reached the addressee by the due instant."""


async def claim_due(session: AsyncSession, rt: Runtime, limit: int) -> list[Claim]:
    """Lease up to `limit` running clocks whose next event is due on the SLA clock. The caller
    commits the lease before it records them: no other replica takes them meanwhile."""
    sla_now, real_now = rt.sla_clock.now(), rt.clock.now()
    lease_until = real_now + timedelta(seconds=rt.settings.sla_lease_seconds)
    due = (
        select(SlaClock)
        .where(
            col(SlaClock.next_at).is_not(None),
            col(SlaClock.next_at) <= sla_now,
            col(SlaClock.state) == ClockState.running,
            or_(col(SlaClock.claimed_until).is_(None), col(SlaClock.claimed_until) < real_now),
        )
        .order_by(col(SlaClock.next_at))
        .limit(limit)
    )
    conn = await session.connection()
    if conn.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    clocks = (await session.exec(due)).all()
    claims = []
    for clock in clocks:
        claimed = next_step(clock)
        if claimed is None:  # half a step: never due again rather than due forever
            clock.next_at = None
        else:
            plan = plan_of(clock, rt)
            record = plan.catch_up(claimed, sla_now)
            clock.claimed_until = lease_until
            claims.append(
                Claim(
                    clock.incident_id,
                    clock.clock,
                    clock.addressed_party_id,
                    claimed,
                    record,
                    plan.after(record),
                    clock.reached_at is not None and clock.reached_at <= clock.due_at,
                )
            )
        session.add(clock)
    return claims


class Outcome:
    recorded = "recorded"
    ended = "ended"
    failed = "failed"


async def settle(session: AsyncSession, rt: Runtime, claim: Claim, outcome: str) -> None:
    """Move the clock on after its event was recorded (or found ended); or retry it later.

    One conditional update: it changes nothing if the clock has moved on meanwhile (another
    replica) or stopped running (the feed brought its resolution), so a stale claim never
    overwrites either."""
    values: dict[str, object]
    if outcome == Outcome.recorded:
        step = claim.following
        values = {"next_kind": step.kind, "next_ordinal": step.ordinal, "next_at": step.at}
        values["claimed_until"] = None
    elif outcome == Outcome.ended:
        values = {"state": ClockState.ended, "ended_at": rt.sla_clock.now(), **_STOPPED}
    else:
        values = {
            "claimed_until": rt.clock.now() + timedelta(seconds=rt.settings.sla_retry_seconds)
        }
    await session.exec(
        update(SlaClock)
        .where(
            col(SlaClock.incident_id) == claim.incident_id,
            col(SlaClock.clock) == claim.clock,
            col(SlaClock.state) == ClockState.running,
            col(SlaClock.next_kind) == claim.claimed.kind,
            col(SlaClock.next_ordinal) == claim.claimed.ordinal,
        )
        .values(**values)
    )


_STOPPED = {"next_kind": None, "next_ordinal": None, "next_at": None, "claimed_until": None}


async def next_due(session: AsyncSession, rt: Runtime) -> datetime | None:
    """The real instant the scheduler should next look: the earliest unclaimed event (moved from
    SLA time to real time) or the earliest lease to run out."""
    real_now = rt.clock.now()
    unclaimed = (
        await session.exec(
            select(SlaClock.next_at)
            .where(
                col(SlaClock.next_at).is_not(None),
                col(SlaClock.state) == ClockState.running,
                or_(
                    col(SlaClock.claimed_until).is_(None),
                    col(SlaClock.claimed_until) < real_now,
                ),
            )
            .order_by(col(SlaClock.next_at))
            .limit(1)
        )
    ).first()
    lease = (
        await session.exec(
            select(func.min(SlaClock.claimed_until)).where(
                col(SlaClock.claimed_until).is_not(None),
                col(SlaClock.claimed_until) >= real_now,
            )
        )
    ).first()
    candidates = [t for t in (lease,) if t is not None]
    if unclaimed is not None:
        candidates.append(unclaimed - rt.sla_clock.offset)
    return min(candidates, default=None)


# -- gauges -----------------------------------------------------------------------------------


async def open_by_state(session: AsyncSession, now: datetime) -> dict[SlaState, int]:
    """Running clocks by the state the API would show (DESIGN §4), counted in the database."""
    state = case(
        (or_(col(SlaClock.breached), col(SlaClock.due_at) <= now), SlaState.breached.value),
        (
            or_(col(SlaClock.warnings_recorded) > 0, col(SlaClock.first_warning_at) <= now),
            SlaState.at_risk.value,
        ),
        else_=SlaState.on_track.value,
    )
    rows = await session.exec(
        select(state, func.count()).where(col(SlaClock.state) == ClockState.running).group_by(state)
    )
    counts = dict.fromkeys((SlaState.on_track, SlaState.at_risk, SlaState.breached), 0)
    for name, count in rows.all():
        counts[SlaState(name)] = count
    return counts
