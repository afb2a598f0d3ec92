"""The incident lifecycle (DESIGN §4). Every transition is a conditional update on `version`.

Order of refusals for a call on an incident: not visible -> 404 (the route's dependency), wrong
role -> 403, wrong state -> 409 naming the current status.
"""

import logging
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.auth import Principal
from services.common.crypto import KeyRingError, Sealed
from services.common.db import after_commit
from services.incident_api.events.service import NewEvent, append_events
from services.incident_api.incidents import errors
from services.incident_api.incidents.models import (
    HistoryEntry,
    Incident,
    InstallCodeRecord,
    SlaEventRecord,
)
from services.incident_api.incidents.schemas import (
    ReaddressBody,
    ResponseCreate,
    SlaEventCreate,
)
from services.incident_api.incidents.views import sla_state
from services.incident_api.parties.models import Party
from services.incident_api.runtime import Runtime
from shared.schemas import (
    OPEN_STATUSES,
    BreachCause,
    EventType,
    IncidentEventData,
    IncidentStatus,
    Outcome,
    PartyCategory,
    SlaEventKind,
    SlaState,
    SmiStatus,
)

log = logging.getLogger("ssi.incidents")

SUPPLIERS = frozenset({PartyCategory.large_supplier, PartyCategory.small_supplier})
ELIGIBLE = frozenset({SmiStatus.installed_not_commissioned, SmiStatus.whitelisted})
S = IncidentStatus


async def _check_addressee(session: AsyncSession, party_id: str, requester_id: str) -> None:
    check_addressee(await session.get(Party, party_id), party_id, requester_id)


def check_addressee(party: Any, party_id: str, requester_id: str) -> None:
    """May `party` (anything with `active` and `category`; None if unknown) be addressed?"""
    if party is None or not party.active or party.category == PartyCategory.operator:
        raise errors.UnknownParty(f"{party_id} is not an active supplier party.")
    if party_id == requester_id:
        raise errors.RequesterIsInstaller("An incident cannot be addressed to its requester.")


def start_clock(rt: Runtime, now: datetime, clock: int = 1) -> dict[str, Any]:
    policy = rt.settings.default_policy
    days = rt.settings.policies[policy]
    deadlines = rt.calendar.clock(now, days, rt.settings.warn_remaining_working_days)
    return {
        "clock": clock,
        "policy": policy,
        "clock_started_at": now,
        "due_at": deadlines.due_at,
        "warning_at": [w.isoformat() for w in deadlines.warnings],
        "breach_recorded": False,
        "breach_cause": None,
        "warning_recorded": False,
        "sla_outcome": None,
    }


def _back_to_raised(rt: Runtime, incident: Incident, now: datetime) -> dict[str, Any]:
    """Reopen and readdress: the answer is set aside and a new clock starts."""
    return {
        "status": S.raised,
        "outcome": None,
        "reason": None,
        "suggested_party_id": None,
        "resolved_at": None,
        "acknowledged_at": None,
        "updated_at": now,
        **start_clock(rt, now, incident.clock + 1),
    }


# -- transitions ------------------------------------------------------------------------------


def _require_role(principal: Principal, incident: Incident, *, requester: bool) -> None:
    party = principal.party_id
    ok = party == (incident.requesting_party_id if requester else incident.addressed_party_id)
    if not ok:
        role = "requester" if requester else "addressee"
        raise errors.WrongRole(f"Only the incident's {role} may do this.")


def _require_state(
    incident: Incident, allowed: Collection[IncidentStatus], outcome: Outcome | None = None
) -> None:
    if incident.status not in allowed or (outcome is not None and incident.outcome != outcome):
        shown = incident.status.value + (f" ({incident.outcome.value})" if incident.outcome else "")
        raise errors.InvalidTransition(
            f"The incident is {shown}.", current_status=incident.status.value
        )


async def _apply(
    session: AsyncSession, incident: Incident, allowed: Collection[IncidentStatus], **values: Any
) -> None:
    """Compare-and-set on (status, version). A concurrent change that leaves the status allowed
    (an SLA event recorded meanwhile, say) is retried on the new version; one that moved the
    status on turns into a clean 409 naming it."""
    for _ in range(3):
        result = await session.exec(
            update(Incident)
            .where(
                col(Incident.pk) == incident.pk,
                col(Incident.version) == incident.version,
                col(Incident.status).in_(allowed),
            )
            .values(version=incident.version + 1, **values)
        )
        await session.refresh(incident)
        if result.rowcount == 1:
            return
        if incident.status not in allowed:
            break
    _require_state(incident, ())


async def acknowledge(
    session: AsyncSession, rt: Runtime, principal: Principal, incident: Incident
) -> Incident:
    _require_role(principal, incident, requester=False)
    _require_state(incident, {S.raised})
    now = rt.clock.now()
    await _apply(
        session, incident, {S.raised}, status=S.acknowledged, acknowledged_at=now, updated_at=now
    )
    _audit(session, incident, principal, "acknowledged", S.raised, S.acknowledged, now)
    await _announce(session, rt, incident, EventType.incident_acknowledged, now)
    return incident


async def respond(
    session: AsyncSession,
    rt: Runtime,
    principal: Principal,
    incident: Incident,
    body: ResponseCreate,
) -> Incident:
    suggested = None
    if body.suggested_party_id is not None:
        suggested = await session.get(Party, body.suggested_party_id)
    check_response(principal, incident, body, suggested)
    now = rt.clock.now()
    before = incident.status
    await _apply(session, incident, OPEN_STATUSES, **_resolution(incident, body, now))
    if body.install_code is not None:
        await session.merge(_sealed_code(rt, incident, body, now))
    _audit(session, incident, principal, "resolved", before, S.resolved, now, _details(body))
    await _announce(session, rt, incident, EventType.incident_resolved, now)
    return incident


def check_response(
    principal: Principal, incident: Incident, body: ResponseCreate, suggested: Party | None
) -> None:
    """May `principal` answer `incident` so? `suggested` is the party body suggests, if any."""
    _require_role(principal, incident, requester=False)
    _require_state(incident, OPEN_STATUSES)
    if body.suggested_party_id is not None and (
        suggested is None or body.suggested_party_id == principal.party_id
    ):
        raise errors.UnknownParty("suggested_party_id must be another registered party.")


def resolve_in_place(
    session: AsyncSession,
    rt: Runtime,
    principal: Principal,
    incident: Incident,
    body: ResponseCreate,
    now: datetime,
) -> None:
    """The bulk path's answer, checked by `check_response`, on an incident this transaction has
    locked (PostgreSQL FOR UPDATE; SQLite's writer lock): no compare-and-set needed, and the
    writes wait for one flush. `announce_many` follows."""
    before = incident.status
    for name, value in _resolution(incident, body, now).items():
        setattr(incident, name, value)
    incident.version += 1
    session.add(incident)
    if body.install_code is not None:
        session.add(_sealed_code(rt, incident, body, now))
    _audit(session, incident, principal, "resolved", before, S.resolved, now, _details(body))


def _resolution(incident: Incident, body: ResponseCreate, now: datetime) -> dict[str, Any]:
    met = now < incident.due_at and not incident.breach_recorded
    return {
        "status": S.resolved,
        "outcome": body.outcome,
        "reason": body.reason,
        "suggested_party_id": body.suggested_party_id,
        "resolved_at": now,
        "updated_at": now,
        "sla_outcome": SlaState.met if met else SlaState.missed,
        "code_state": "held" if body.install_code is not None else incident.code_state,
    }


def _sealed_code(
    rt: Runtime, incident: Incident, body: ResponseCreate, now: datetime
) -> InstallCodeRecord:
    assert body.install_code is not None
    sealed = rt.keyring.seal(body.install_code.bytes, code_context(incident.id, incident.clock))
    return InstallCodeRecord(
        incident_pk=incident.pk or 0,
        clock=incident.clock,
        key_id=sealed.key_id,
        nonce=sealed.nonce,
        ciphertext=sealed.ciphertext,
        created_at=now,
    )


def _details(body: ResponseCreate) -> dict[str, Any]:
    details: dict[str, Any] = {
        "outcome": body.outcome.value,
        "suggested_party_id": body.suggested_party_id,
    }
    if body.reason:
        details["reason"] = body.reason
    return details


async def close(
    session: AsyncSession,
    rt: Runtime,
    principal: Principal,
    incident: Incident,
    note: str | None,
) -> Incident:
    _require_role(principal, incident, requester=True)
    _require_state(incident, {S.resolved})
    await _close(session, rt, principal, incident, "closed", {"note": note} if note else {})
    return incident


async def _close(
    session: AsyncSession,
    rt: Runtime,
    principal: Principal | None,
    incident: Incident,
    reason: str,
    details: dict[str, Any],
) -> None:
    """resolved -> closed, by the requester or by the retention sweep; the code is destroyed."""
    now = rt.clock.now()
    await _destroy_code(session, rt, incident)
    await _apply(
        session,
        incident,
        {S.resolved},
        status=S.closed,
        closed_at=now,
        updated_at=now,
        close_reason=reason,
        code_state=_destroyed(incident),
    )
    _audit(session, incident, principal, "closed", S.resolved, S.closed, now, details)
    await _announce(session, rt, incident, EventType.incident_closed, now)


async def cancel(
    session: AsyncSession,
    rt: Runtime,
    principal: Principal,
    incident: Incident,
    reason: str | None,
) -> Incident:
    _require_role(principal, incident, requester=True)
    _require_state(incident, OPEN_STATUSES)
    now = rt.clock.now()
    before = incident.status
    await _apply(
        session, incident, OPEN_STATUSES, status=S.cancelled, cancelled_at=now, updated_at=now
    )
    _audit(
        session,
        incident,
        principal,
        "cancelled",
        before,
        S.cancelled,
        now,
        {"reason": reason} if reason else {},
    )
    await _announce(session, rt, incident, EventType.incident_cancelled, now)
    return incident


async def reopen(
    session: AsyncSession, rt: Runtime, principal: Principal, incident: Incident, reason: str
) -> Incident:
    _require_role(principal, incident, requester=True)
    _require_state(incident, {S.resolved}, Outcome.install_code_provided)
    if incident.reopen_count >= rt.settings.max_reopens:
        raise errors.ReopenLimit(f"At most {rt.settings.max_reopens} reopens.")
    now = rt.clock.now()
    await _destroy_code(session, rt, incident)
    await _apply(
        session,
        incident,
        {S.resolved},
        reopened_at=now,
        reopen_count=incident.reopen_count + 1,
        code_state=_destroyed(incident),
        **_back_to_raised(rt, incident, now),
    )
    _audit(session, incident, principal, "reopened", S.resolved, S.raised, now, {"reason": reason})
    await _announce(session, rt, incident, EventType.incident_reopened, now)
    return incident


async def readdress(
    session: AsyncSession,
    rt: Runtime,
    principal: Principal,
    incident: Incident,
    body: ReaddressBody,
) -> Incident:
    if not principal.is_operator:
        _require_role(principal, incident, requester=True)
    _require_state(incident, {S.resolved}, Outcome.not_installing_supplier)
    await _check_addressee(session, body.addressed_party_id, incident.requesting_party_id)
    now = rt.clock.now()
    previous = incident.addressed_party_id
    await _apply(
        session,
        incident,
        {S.resolved},
        addressed_party_id=body.addressed_party_id,
        readdressed_at=now,
        **_back_to_raised(rt, incident, now),
    )
    _audit(
        session,
        incident,
        principal,
        "readdressed",
        S.resolved,
        S.raised,
        now,
        {"from": previous, "to": body.addressed_party_id},
    )
    await _announce(
        session,
        rt,
        incident,
        EventType.incident_readdressed,
        now,
        previous_addressed_party_id=previous,
    )
    return incident


# -- install codes ----------------------------------------------------------------------------


def code_context(incident_id: str, clock: int) -> str:
    """Associated data: a code decrypts only as the code of this incident's clock."""
    return f"ssi-install-code|{incident_id}|{clock}"


def _destroyed(incident: Incident) -> str:
    return "destroyed" if incident.code_state == "held" else incident.code_state


async def _destroy_code(session: AsyncSession, rt: Runtime, incident: Incident) -> None:
    """Deleted with the transaction, and on SQLite gone from every file before the answer."""
    await session.exec(
        delete(InstallCodeRecord).where(col(InstallCodeRecord.incident_pk) == incident.pk)
    )
    after_commit(session, rt.wal.truncate)


async def reveal(
    session: AsyncSession, rt: Runtime, principal: Principal, incident: Incident
) -> str:
    _require_role(principal, incident, requester=True)
    if incident.code_state == "destroyed" and incident.status != S.resolved:
        raise errors.InstallCodeDestroyed()
    record = await session.get(InstallCodeRecord, incident.pk)
    if record is None:
        if incident.code_state == "destroyed":
            raise errors.InstallCodeDestroyed()
        raise errors.NoInstallCode(f"The incident is {incident.status.value}.")
    code = open_code(rt, incident, record)
    if code is None:
        raise errors.InstallCodeDestroyed("The key that sealed it has been destroyed.")
    _audit(session, incident, principal, "install_code.revealed", None, None, rt.clock.now())
    return code.hex().upper()


def open_code(rt: Runtime, incident: Incident, record: InstallCodeRecord) -> bytes | None:
    """The code, or None once its key has left the ring: a retired key is destroyed after the
    retention period, and a code restored from an older backup must stay unreadable."""
    sealed = Sealed(record.key_id, record.nonce, record.ciphertext)
    try:
        return rt.keyring.open(sealed, code_context(incident.id, record.clock))
    except KeyRingError:
        return None


# -- SLA events -------------------------------------------------------------------------------

SLA_EVENT_TYPES = {
    SlaEventKind.warning: EventType.incident_sla_warning,
    SlaEventKind.breach: EventType.incident_sla_breached,
    SlaEventKind.escalation: EventType.incident_sla_escalated,
}


async def record_sla_event(
    session: AsyncSession,
    rt: Runtime,
    principal: Principal,
    incident: Incident,
    body: SlaEventCreate,
) -> tuple[SlaEventRecord, bool]:
    """Idempotent on (clock, kind, ordinal); returns (record, created).

    Replicas may race to record the same event: the unique key settles it (the loser gets the
    winner's record), and the incident's flag is set with an update conditioned on the clock
    still running, not on the version, so a concurrent acknowledge does not turn into a 409.
    """
    existing = await _find_sla_event(session, incident, body)
    if existing is not None:
        return existing, False
    overdue_kinds = (SlaEventKind.breach, SlaEventKind.escalation)
    if (
        body.kind in overdue_kinds
        and body.clock == incident.clock
        and body.occurred_at < incident.due_at
    ):
        # A notifier whose clock runs ahead (skew, a test clock) must not turn an answer
        # still in time into a missed one.
        raise errors.SlaEventTooEarly(
            f"The clock is due at {incident.due_at.isoformat()}; a {body.kind.value} cannot "
            "come before it."
        )
    now = rt.clock.now()
    record = SlaEventRecord(
        incident_pk=incident.pk or 0,
        clock=body.clock,
        kind=body.kind,
        ordinal=body.ordinal,
        occurred_at=body.occurred_at,
        recorded_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(record)
    except IntegrityError:
        found = await _find_sla_event(session, incident, body)
        assert found is not None
        return found, False
    flag = {SlaEventKind.warning: "warning_recorded"}.get(body.kind, "breach_recorded")
    changes: dict[str, Any] = {flag: True, "version": col(Incident.version) + 1}
    if body.kind is SlaEventKind.breach and body.clock == incident.clock:
        changes["breach_cause"] = body.cause or breach_cause(incident)
    running = await session.exec(
        update(Incident)
        .where(
            col(Incident.pk) == incident.pk,
            col(Incident.clock) == body.clock,
            col(Incident.status).in_(OPEN_STATUSES),
        )
        .values(**changes)
    )
    await session.refresh(incident)
    if running.rowcount != 1:
        raise errors.ClockEnded(
            f"Clock {body.clock} has ended; the incident is {incident.status.value} "
            f"on clock {incident.clock}.",
            current_status=incident.status.value,
            current_clock=incident.clock,
        )
    _audit(
        session,
        incident,
        principal,
        f"sla.{body.kind.value}",
        None,
        None,
        now,
        {"clock": body.clock, "ordinal": body.ordinal},
    )
    await _announce(
        session,
        rt,
        incident,
        SLA_EVENT_TYPES[body.kind],
        now,
        sla_kind=body.kind,
        sla_ordinal=body.ordinal,
    )
    return record, True


def breach_cause(incident: Incident) -> BreachCause:
    """Why an open incident's running clock was breached, as the API sees it: the notifier, which
    knows best whether the addressee was reached, says so itself (`addressee_unreachable`)."""
    if incident.reached_clock != incident.clock:
        return BreachCause.addressee_unreachable
    if incident.status is S.acknowledged:
        return BreachCause.acknowledged_not_answered
    return BreachCause.not_acknowledged


async def _find_sla_event(
    session: AsyncSession, incident: Incident, body: SlaEventCreate
) -> SlaEventRecord | None:
    found = await session.exec(
        select(SlaEventRecord).where(
            SlaEventRecord.incident_pk == incident.pk,
            SlaEventRecord.clock == body.clock,
            SlaEventRecord.kind == body.kind,
            SlaEventRecord.ordinal == body.ordinal,
        )
    )
    return found.first()


# -- reached ----------------------------------------------------------------------------------


async def record_reached(session: AsyncSession, incident: Incident, clock: int) -> None:
    """The notifier's report that a delivery of `clock`'s start event reached the addressee.

    Idempotent, and never backwards: replicas and late retries may report a clock already
    recorded or an older one, and the conditional update leaves the newer record as it is.
    Neither `version` nor `updated_at` moves, and nothing is announced or audited: no party
    acted, and a poller following transitions has nothing new to fetch.
    """
    if clock > incident.clock:
        raise errors.ClockNotStarted(
            f"The incident is on clock {incident.clock}.", current_clock=incident.clock
        )
    await session.exec(
        update(Incident)
        .where(
            col(Incident.pk) == incident.pk,
            or_(col(Incident.reached_clock).is_(None), col(Incident.reached_clock) < clock),
        )
        .values(reached_clock=clock)
        .execution_options(synchronize_session=False)
    )


async def record_reached_many(session: AsyncSession, reached: list[tuple[str, int]]) -> None:
    """`record_reached` for many (incident id, clock) at once, in one statement: an unknown
    incident, or a clock it has not started, is passed over rather than refused, since the
    notifier cannot do better with it."""
    conn = await session.connection()
    await conn.execute(
        update(Incident)
        .where(
            col(Incident.id) == bindparam("b_id"),
            col(Incident.clock) >= bindparam("b_clock"),
            or_(
                col(Incident.reached_clock).is_(None),
                col(Incident.reached_clock) < bindparam("b_clock"),
            ),
        )
        .values(reached_clock=bindparam("b_clock"))
        .execution_options(synchronize_session=False),
        # In one order, so that two callers' batches never lock rows crosswise.
        [{"b_id": incident_id, "b_clock": clock} for incident_id, clock in sorted(reached)],
    )


# -- retention --------------------------------------------------------------------------------


async def expire_resolved(session: AsyncSession, rt: Runtime) -> int:
    """Close resolved incidents nobody closed within the retention period; destroy their codes."""
    now = rt.clock.now()
    cutoff = now - timedelta(days=rt.settings.retention_days)
    stale = await session.exec(
        select(Incident)
        .where(Incident.status == S.resolved, col(Incident.resolved_at) <= cutoff)
        .limit(500)
    )
    incidents = stale.all()
    for incident in incidents:
        await _close(session, rt, None, incident, "expired", {"close_reason": "expired"})
    return len(incidents)


# -- audit and events -------------------------------------------------------------------------


def _audit(
    session: AsyncSession,
    incident: Incident,
    principal: Principal | None,
    action: str,
    from_status: IncidentStatus | None,
    to_status: IncidentStatus | None,
    at: datetime,
    details: dict[str, Any] | None = None,
) -> None:
    """An entry in the incident's history, written with the transaction's next flush."""
    session.add(
        HistoryEntry(
            incident_pk=incident.pk or 0,
            at=at,
            actor=principal.actor if principal else "system",
            action=action,
            from_status=from_status.value if from_status else None,
            to_status=to_status.value if to_status else None,
            clock=incident.clock,
            details=details or {},
        )
    )


def event_data(incident: Incident, **extra: Any) -> dict[str, Any]:
    return IncidentEventData(
        incident_id=incident.id,
        reference=incident.reference,
        version=incident.version,
        device_id=incident.device_id,
        requesting_party_id=incident.requesting_party_id,
        addressed_party_id=incident.addressed_party_id,
        status=incident.status,
        outcome=incident.outcome,
        clock=incident.clock,
        policy=incident.policy,
        raised_at=incident.raised_at,
        due_at=incident.due_at,
        warning_at=[datetime.fromisoformat(w) for w in incident.warning_at],
        links={"incident": f"/v1/incidents/{incident.id}"},
        breach_cause=incident.breach_cause,
        **extra,
    ).model_dump(mode="json", exclude_none=True)


async def _announce(
    session: AsyncSession,
    rt: Runtime,
    incident: Incident,
    type_: EventType,
    now: datetime,
    **extra: Any,
) -> None:
    await announce_many(session, rt, [incident], type_, now, **extra)


async def announce_many(
    session: AsyncSession,
    rt: Runtime,
    incidents: list[Incident],
    type_: EventType,
    now: datetime,
    **extra: Any,
) -> None:
    """The events of a transaction's changes: its last step, since the feed's lock is held from
    here to the commit."""
    await session.flush()
    for incident in incidents:
        log.info(
            type_.value,
            extra={
                "incident_id": incident.id,
                "status": incident.status.value,
                "clock": incident.clock,
            },
        )
    await append_events(
        session,
        rt.signal,
        [
            NewEvent(
                type_,
                event_data(incident, sla_state=sla_state(incident, now), **extra),
                incident.id,
            )
            for incident in incidents
        ],
        occurred_at=now,
    )
