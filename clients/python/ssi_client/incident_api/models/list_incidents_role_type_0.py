from enum import StrEnum


class ListIncidentsRoleType0(StrEnum):
    ADDRESSEE = "addressee"
    REQUESTER = "requester"

    def __str__(self) -> str:
        return str(self.value)
