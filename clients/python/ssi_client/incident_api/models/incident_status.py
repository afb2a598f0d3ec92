from enum import StrEnum


class IncidentStatus(StrEnum):
    ACKNOWLEDGED = "acknowledged"
    CANCELLED = "cancelled"
    CLOSED = "closed"
    RAISED = "raised"
    RESOLVED = "resolved"

    def __str__(self) -> str:
        return str(self.value)
