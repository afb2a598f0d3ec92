from enum import StrEnum


class ContactRole(StrEnum):
    ESCALATION = "escalation"
    OPS = "ops"

    def __str__(self) -> str:
        return str(self.value)
