from enum import StrEnum


class DisabledReason(StrEnum):
    BY_PARTY = "by_party"
    FAILING = "failing"
    GONE = "gone"
    UNCONFIRMED = "unconfirmed"

    def __str__(self) -> str:
        return str(self.value)
