"""What the SLA compliance report answers, as JSON and as CSV columns."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.common.openapi import examples

_ROWS: list[Any] = [
    {
        "addressed_party_id": "ISUP",
        "received": 184,
        "resolved": 171,
        "resolved_within_sla": 160,
        "breached": 14,
        "open": 9,
        "cancelled": 4,
        "median_working_days_to_resolve": 2.0,
    },
    {
        "addressed_party_id": "TSUP",
        "received": 12,
        "resolved": 0,
        "resolved_within_sla": 0,
        "breached": 3,
        "open": 12,
        "cancelled": 0,
        "median_working_days_to_resolve": None,
    },
]


class SlaReportRow(BaseModel):
    """One addressed party's clocks of incidents raised in the period (a reopen or readdress
    starts a new clock, so it counts again: the SLA is per clock)."""

    model_config = examples(_ROWS[0])

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
    model_config = ConfigDict(
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "from": "2026-11-01T00:00:00Z",
                    "to": "2026-12-01T00:00:00Z",
                    "generated_at": "2026-12-01T07:00:02Z",
                    "items": _ROWS,
                }
            ]
        },
    )

    from_: datetime | None = Field(alias="from")
    to: datetime
    generated_at: datetime
    items: list[SlaReportRow]


FIELDS = list(SlaReportRow.model_fields)
