"""The SLA clocks table: one row per incident clock, with its next event and its lease."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, text
from sqlmodel import Field

from services.common.db import enum_column, utc_column
from services.notifier.tables import Table
from shared.schemas import SlaEventKind, SlaState

_PENDING = text("next_at IS NOT NULL")
_CLAIMED = text("claimed_until IS NOT NULL")
_RUNNING = text("state = 'running'")


class ClockState(StrEnum):
    running = "running"
    resolved = "resolved"
    cancelled = "cancelled"
    ended = "ended"
    """The API said the clock had ended before its resolution reached us through the feed."""


class SlaClock(Table, table=True):
    """One SLA clock of one incident, as the feed described it when it started.

    `next_*` is the next SLA event to record; the scheduler's only query is "next_at <= now" on
    an index holding running clocks alone, so its cost follows what is due, not what is open.
    """

    __tablename__ = "sla_clocks"
    __table_args__ = (
        Index("ix_sla_clocks_next_at", "next_at", sqlite_where=_PENDING, postgresql_where=_PENDING),
        Index(
            "ix_sla_clocks_claimed_until",
            "claimed_until",
            sqlite_where=_CLAIMED,
            postgresql_where=_CLAIMED,
        ),
        # The gauges count running clocks only.
        Index(
            "ix_sla_clocks_running",
            "addressed_party_id",
            sqlite_where=_RUNNING,
            postgresql_where=_RUNNING,
        ),
        # The report selects by the incident's raised_at, per party or for all.
        Index("ix_sla_clocks_party_raised", "addressed_party_id", "raised_at"),
        Index("ix_sla_clocks_raised_at", "raised_at"),
    )

    incident_id: str = Field(primary_key=True, max_length=36)
    clock: int = Field(primary_key=True)
    reference: str = Field(max_length=32)
    requesting_party_id: str = Field(max_length=4)
    addressed_party_id: str = Field(max_length=4)
    policy: str = Field(max_length=32)
    raised_at: datetime = utc_column()
    """When the incident was first raised (the report's period is by it, DESIGN §5)."""
    started_at: datetime = utc_column()
    """When this clock started: the raise, a reopen or a readdress."""
    due_at: datetime = utc_column()
    warning_at: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    """The API's warning instants (ISO 8601), ordinal 1 first: never recomputed here."""
    first_warning_at: datetime | None = utc_column(nullable=True)
    """From here the clock is at risk (the gauge counts it in SQL)."""
    state: ClockState = enum_column(ClockState)
    next_kind: SlaEventKind | None = enum_column(SlaEventKind, nullable=True)
    next_ordinal: int | None = None
    next_at: datetime | None = utc_column(nullable=True)
    """When the next SLA event falls due (SLA time); NULL once the clock has ended."""
    claimed_until: datetime | None = utc_column(nullable=True)
    """A replica's lease on the next event (real time): another replica takes over after it."""
    warnings_recorded: int = 0
    breached: bool = False
    escalations: int = 0
    ended_at: datetime | None = utc_column(nullable=True)
    sla_outcome: SlaState | None = enum_column(SlaState, nullable=True)
    """met or missed, as the API decided at resolution."""
    working_days_to_resolve: int | None = None
    reached_at: datetime | None = utc_column(nullable=True)
    """When a delivery of this clock's start event first reached the addressee."""
    reached_reported: bool = False
    """Whether the API has been told (`POST /v1/incidents/{id}/reached`)."""
