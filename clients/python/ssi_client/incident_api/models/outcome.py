from enum import StrEnum


class Outcome(StrEnum):
    INSTALL_CODE_PROVIDED = "install_code_provided"
    NOT_INSTALLING_SUPPLIER = "not_installing_supplier"
    REJECTED = "rejected"

    def __str__(self) -> str:
        return str(self.value)
