from enum import StrEnum


class SmiStatus(StrEnum):
    COMMISSIONED = "commissioned"
    DECOMMISSIONED = "decommissioned"
    INSTALLED_NOT_COMMISSIONED = "installed_not_commissioned"
    PENDING = "pending"
    RECOVERED = "recovered"
    RECOVERY = "recovery"
    SUSPENDED = "suspended"
    WHITELISTED = "whitelisted"
    WITHDRAWN = "withdrawn"

    def __str__(self) -> str:
        return str(self.value)
