from enum import StrEnum


class BreachCause(StrEnum):
    ACKNOWLEDGED_NOT_ANSWERED = "acknowledged_not_answered"
    ADDRESSEE_UNREACHABLE = "addressee_unreachable"
    NOT_ACKNOWLEDGED = "not_acknowledged"

    def __str__(self) -> str:
        return str(self.value)
