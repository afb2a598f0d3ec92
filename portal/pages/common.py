"""What several pages share: an incident as a row of a list, and the Working Days it has left."""

from dataclasses import dataclass
from datetime import datetime

from ssi_client.incident_api.models import IncidentRead, IncidentStatus, SlaState

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
