"""Wire schemas that cross the service boundary: enums, the incident view, events, problems."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class PartyCategory(StrEnum):
    large_supplier = "large_supplier"
    small_supplier = "small_supplier"
    other = "other"
    operator = "operator"


class DeviceType(StrEnum):
    ESME = "ESME"
    GSME = "GSME"
    CHF = "CHF"
    GPF = "GPF"
    PPMID = "PPMID"
    HCALCS = "HCALCS"
    TYPE2 = "TYPE2"


class SmiStatus(StrEnum):
    pending = "pending"
    whitelisted = "whitelisted"
    installed_not_commissioned = "installed_not_commissioned"
    commissioned = "commissioned"
    decommissioned = "decommissioned"
    withdrawn = "withdrawn"
    suspended = "suspended"
    recovery = "recovery"
    recovered = "recovered"


class IncidentStatus(StrEnum):
    raised = "raised"
    acknowledged = "acknowledged"
    resolved = "resolved"
    closed = "closed"
    cancelled = "cancelled"


OPEN_STATUSES = frozenset({IncidentStatus.raised, IncidentStatus.acknowledged})


class Outcome(StrEnum):
    install_code_provided = "install_code_provided"
    not_installing_supplier = "not_installing_supplier"
    rejected = "rejected"


class SlaState(StrEnum):
    on_track = "on_track"
    at_risk = "at_risk"
    breached = "breached"
    met = "met"
    missed = "missed"


class SlaEventKind(StrEnum):
    warning = "warning"
    breach = "breach"
    escalation = "escalation"


class EventType(StrEnum):
    incident_raised = "incident.raised"
    incident_acknowledged = "incident.acknowledged"
    incident_resolved = "incident.resolved"
    incident_reopened = "incident.reopened"
    incident_readdressed = "incident.readdressed"
    incident_cancelled = "incident.cancelled"
    incident_closed = "incident.closed"
    incident_sla_warning = "incident.sla_warning"
    incident_sla_breached = "incident.sla_breached"
    incident_sla_escalated = "incident.sla_escalated"
    endpoint_disabled = "endpoint.disabled"
    party_created = "party.created"
    party_updated = "party.updated"


class IncidentEventData(BaseModel):
    """What an incident event carries: identifiers and state, never an install code or free text."""

    incident_id: str
    reference: str
    version: int
    device_id: str
    requesting_party_id: str
    addressed_party_id: str
    status: IncidentStatus
    outcome: Outcome | None = None
    clock: int
    policy: str
    raised_at: datetime | None = None
    due_at: datetime
    warning_at: list[datetime] = []
    """The clock's warning instants, computed once by the API; the notifier never recomputes."""
    links: dict[str, str] = {}
    sla_state: SlaState | None = None
    """The clock's state when the event happened: met or missed on a resolution."""
    sla_kind: SlaEventKind | None = None
    sla_ordinal: int | None = None
    previous_addressed_party_id: str | None = None


class PartyEventData(BaseModel):
    party_id: str
    category: PartyCategory
    active: bool


class Event(BaseModel):
    seq: int
    type: EventType
    occurred_at: datetime
    data: dict[str, Any]


class EventPage(BaseModel):
    items: list[Event]
    next_after: int
    last_seq: int | None = None
    """The newest seq in the log when the page was read: followers measure their lag with it."""


class FieldProblem(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldProblem] | None = Field(default=None)
