"""What several pages share: an incident as a row of a list, and the Working Days it has left;
where an endpoint sends to."""

from dataclasses import dataclass
from datetime import datetime

from ssi_client.incident_api.models import IncidentRead, IncidentStatus, SlaState
from ssi_client.notifier.models import EndpointKind, EndpointRead

from shared.calendar import WorkingDayCalendar

OPEN = (IncidentStatus.RAISED, IncidentStatus.ACKNOWLEDGED)


@dataclass(frozen=True)
class Row:
    incident: IncidentRead
    days_left: int | None
    """Whole Working Days before the due instant; None once resolved or overdue."""

    @property
    def overdue(self) -> bool:
        return self.incident.sla_state in (SlaState.BREACHED, SlaState.MISSED)

    @property
    def open(self) -> bool:
        return self.incident.status in OPEN


def row(incident: IncidentRead, calendar: WorkingDayCalendar, now: datetime) -> Row:
    days_left = None
    if incident.status in OPEN and incident.due_at > now:
        days_left = calendar.working_days_between(now, incident.due_at)
    return Row(incident, days_left)


def destination(endpoint: EndpointRead) -> str:
    """Where the endpoint sends to, for a page: a webhook's URL, an email address, or the
    inbox (pulled by the party, so it has no address)."""
    if endpoint.kind == EndpointKind.EMAIL:
        return endpoint.address or ""
    if endpoint.kind == EndpointKind.INBOX:
        return "your inbox"
    return endpoint.url or ""
