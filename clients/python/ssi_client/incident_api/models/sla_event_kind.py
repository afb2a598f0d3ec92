from enum import StrEnum


class SlaEventKind(StrEnum):
    BREACH = "breach"
    ESCALATION = "escalation"
    WARNING = "warning"

    def __str__(self) -> str:
        return str(self.value)
