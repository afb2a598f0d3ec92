from enum import StrEnum


class PartyCategory(StrEnum):
    LARGE_SUPPLIER = "large_supplier"
    OPERATOR = "operator"
    OTHER = "other"
    SMALL_SUPPLIER = "small_supplier"

    def __str__(self) -> str:
        return str(self.value)
