from enum import StrEnum


class PartyChangeAction(StrEnum):
    CONTACTS_CHANGED = "contacts_changed"
    CREATED = "created"
    UPDATED = "updated"

    def __str__(self) -> str:
        return str(self.value)
