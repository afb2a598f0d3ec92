from enum import StrEnum


class EventType(StrEnum):
    ENDPOINT_DISABLED = "endpoint.disabled"
    ENDPOINT_TEST = "endpoint.test"
    INCIDENT_ACKNOWLEDGED = "incident.acknowledged"
    INCIDENT_CANCELLED = "incident.cancelled"
    INCIDENT_CLOSED = "incident.closed"
    INCIDENT_RAISED = "incident.raised"
    INCIDENT_READDRESSED = "incident.readdressed"
    INCIDENT_REOPENED = "incident.reopened"
    INCIDENT_RESOLVED = "incident.resolved"
    INCIDENT_SLA_BREACHED = "incident.sla_breached"
    INCIDENT_SLA_ESCALATED = "incident.sla_escalated"
    INCIDENT_SLA_WARNING = "incident.sla_warning"
    PARTY_CREATED = "party.created"
    PARTY_UPDATED = "party.updated"

    def __str__(self) -> str:
        return str(self.value)
