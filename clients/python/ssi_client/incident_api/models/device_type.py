from enum import StrEnum


class DeviceType(StrEnum):
    CHF = "CHF"
    ESME = "ESME"
    GPF = "GPF"
    GSME = "GSME"
    HCALCS = "HCALCS"
    PPMID = "PPMID"
    TYPE2 = "TYPE2"

    def __str__(self) -> str:
        return str(self.value)
