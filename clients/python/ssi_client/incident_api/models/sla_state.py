from enum import StrEnum


class SlaState(StrEnum):
    AT_RISK = "at_risk"
    BREACHED = "breached"
    MET = "met"
    MISSED = "missed"
    ON_TRACK = "on_track"

    def __str__(self) -> str:
        return str(self.value)
