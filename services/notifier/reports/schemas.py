from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class SlaReportRow(BaseModel):
    """One addressed party's clocks of incidents raised in the period (a reopen or readdress
    starts a new clock, so it counts again: the SLA is per clock)."""

    addressed_party_id: str
    received: int
    resolved: int
    resolved_within_sla: int
    breached: int
    """Clocks whose breach was recorded or that were resolved after their due instant."""
    open: int
    cancelled: int
    median_working_days_to_resolve: float | None
    """Whole Working Days from a clock's start to its resolution, over the resolved clocks."""


class SlaReport(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: datetime | None = Field(alias="from")
    to: datetime
    generated_at: datetime
    items: list[SlaReportRow]


FIELDS = list(SlaReportRow.model_fields)
