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


class BreachCause(StrEnum):
    addressee_unreachable = "addressee_unreachable"
    """No delivery of the clock's start event reached the addressee before the due instant."""
    not_acknowledged = "not_acknowledged"
    acknowledged_not_answered = "acknowledged_not_answered"


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
    endpoint_test = "endpoint.test"
    party_created = "party.created"
    party_updated = "party.updated"


class IncidentEventData(BaseModel):
    """What an incident event carries: identifiers and state, never an install code or free text."""

    # Readers parse what a newer API wrote: a field added since is ignored, never a failed page
    # (DESIGN §5). The API builds these itself, so nothing unknown ever comes in that way.
    model_config = ConfigDict(extra="ignore")

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
    breach_cause: BreachCause | None = None
    """Why the clock was breached, on `incident.sla_breached`."""
    previous_addressed_party_id: str | None = None


class PartyEventData(BaseModel):
    """A party as its feed events carry it; the API's party view (`GET /v1/parties/{id}`) parses
    as one too, its other fields (name, timestamps) ignored."""

    model_config = ConfigDict(extra="ignore")

    party_id: str
    category: PartyCategory
    active: bool
    ops_contact_email: str | None = None
    """The contact list's addresses, for the notifier to mail when no endpoint takes an event.
    None from an API older than these fields (or a view that withholds them)."""
    escalation_contact_email: str | None = None


# An event of a type this version knows: what the API writes (strictly) and documents. (A comment,
# not a docstring: a docstring would become the published schema's description.)
class Event(BaseModel):
    seq: int
    type: EventType
    occurred_at: datetime
    data: dict[str, Any]


_EXAMPLE_INCIDENT = "3f2b8c1e-6d4a-4b7e-9a15-0c2d7e8f9a61"


class EventPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "seq": 1042,
                            "type": "incident.raised",
                            "occurred_at": "2026-11-23T10:15:04Z",
                            "data": {
                                "incident_id": _EXAMPLE_INCIDENT,
                                "reference": "INC-000123",
                                "version": 1,
                                "device_id": "00-DB-12-34-56-78-90-A0",
                                "requesting_party_id": "GSUP",
                                "addressed_party_id": "ISUP",
                                "status": "raised",
                                "clock": 1,
                                "policy": "mp121",
                                "raised_at": "2026-11-23T10:15:04Z",
                                "due_at": "2026-12-01T00:00:00Z",
                                "warning_at": ["2026-11-27T00:00:00Z", "2026-11-30T00:00:00Z"],
                                "links": {"incident": f"/v1/incidents/{_EXAMPLE_INCIDENT}"},
                                "sla_state": "on_track",
                            },
                        },
                        {
                            "seq": 1043,
                            "type": "party.created",
                            "occurred_at": "2026-11-23T10:16:40Z",
                            "data": {
                                "party_id": "TSUP",
                                "category": "small_supplier",
                                "active": True,
                            },
                        },
                    ],
                    "next_after": 1043,
                    "last_seq": 1043,
                }
            ]
        }
    )

    items: list[Event]
    next_after: int
    last_seq: int | None = None
    """The newest seq in the log when the page was read: followers measure their lag with it."""


class FeedEvent(BaseModel):
    """An event as the feed serves it and a reader parses it: `type` as written.

    A newer API (or API replica) may write a type this version does not know; a reader skips it
    rather than fail the page (DESIGN §5), and a replica serving the log passes it on as is."""

    model_config = ConfigDict(extra="ignore")

    seq: int
    type: str
    occurred_at: datetime
    data: dict[str, Any]

    def known(self) -> Event | None:
        """This event with its type as this version knows it; None for a type it does not."""
        try:
            type_ = EventType(self.type)
        except ValueError:
            return None
        # Every field was validated as this one was parsed: no second pass over `data`.
        return Event.model_construct(
            seq=self.seq, type=type_, occurred_at=self.occurred_at, data=self.data
        )


class FeedPage(BaseModel):
    """`EventPage` as served and read: its items may be of types this version does not know."""

    model_config = ConfigDict(extra="ignore")

    items: list[FeedEvent]
    next_after: int
    last_seq: int | None = None


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
