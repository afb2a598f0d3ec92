"""The incident as callers see it: stored state plus what depends on the time of asking."""

from datetime import datetime

from services.incident_api.incidents.models import Incident
from services.incident_api.incidents.schemas import IncidentRead
from services.incident_api.runtime import Runtime
from shared.schemas import OPEN_STATUSES, IncidentStatus, SlaState


def sla_state(incident: Incident, now: datetime) -> SlaState | None:
    if incident.status in OPEN_STATUSES:
        if incident.breach_recorded or now >= incident.due_at:
            return SlaState.breached
        warnings = [datetime.fromisoformat(w) for w in incident.warning_at]
        if incident.warning_recorded or any(now >= w for w in warnings):
            return SlaState.at_risk
        return SlaState.on_track
    return incident.sla_outcome


def working_days_overdue(rt: Runtime, incident: Incident, now: datetime) -> int:
    if incident.status in OPEN_STATUSES:
        return rt.calendar.working_days_between(incident.due_at, now)
    if incident.status == IncidentStatus.resolved or incident.sla_outcome is not None:
        end = incident.resolved_at or now
        return rt.calendar.working_days_between(incident.due_at, end)
    return 0


def addressee_reachable(incident: Incident) -> bool:
    """Only this clock's start event counts: one of an earlier clock told an earlier addressee
    (before a readdress) or an earlier request (before a reopen), not this one."""
    return incident.reached_clock == incident.clock


def incident_view(rt: Runtime, incident: Incident) -> IncidentRead:
    now = rt.clock.now()
    base = f"/v1/incidents/{incident.id}"
    links = {"self": base, "history": f"{base}/history"}
    if incident.code_state == "held":
        links["install_code"] = f"{base}/install-code"
    return IncidentRead(
        id=incident.id,
        reference=incident.reference,
        device_id=incident.device_id,
        device_type=incident.device_type,
        requesting_party_id=incident.requesting_party_id,
        addressed_party_id=incident.addressed_party_id,
        unverified=incident.unverified,
        status=incident.status,
        outcome=incident.outcome,
        suggested_party_id=incident.suggested_party_id,
        note=incident.note,
        reason=incident.reason,
        group_ref=incident.group_ref,
        clock=incident.clock,
        policy=incident.policy,
        clock_started_at=incident.clock_started_at,
        due_at=incident.due_at,
        warning_at=[datetime.fromisoformat(w) for w in incident.warning_at],
        sla_state=sla_state(incident, now),
        working_days_overdue=working_days_overdue(rt, incident, now),
        reopen_count=incident.reopen_count,
        version=incident.version,
        raised_at=incident.raised_at,
        acknowledged_at=incident.acknowledged_at,
        resolved_at=incident.resolved_at,
        closed_at=incident.closed_at,
        cancelled_at=incident.cancelled_at,
        reopened_at=incident.reopened_at,
        readdressed_at=incident.readdressed_at,
        close_reason=incident.close_reason,
        updated_at=incident.updated_at,
        install_code_available=incident.code_state == "held",
        addressee_reachable=addressee_reachable(incident),
        breach_cause=incident.breach_cause,
        links=links,
    )
