from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint, text
from sqlmodel import Field

from services.common.db import enum_column, utc_column
from services.incident_api.tables import Table
from shared.schemas import (
    BreachCause,
    DeviceType,
    IncidentStatus,
    Outcome,
    SlaEventKind,
    SlaState,
)

_OPEN = text("status IN ('raised', 'acknowledged')")


class Incident(Table, table=True):
    __tablename__ = "incidents"
    __table_args__ = (
        # At most one open incident per Device and requester, enforced by the database so two
        # concurrent raises cannot both pass the check.
        Index(
            "uq_incidents_open_device_requester",
            "device_id",
            "requesting_party_id",
            unique=True,
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        ),
        Index("ix_incidents_requester_pk", "requesting_party_id", "pk"),
        Index("ix_incidents_addressee_pk", "addressed_party_id", "pk"),
    )

    pk: int | None = Field(default=None, primary_key=True)
    id: str = Field(max_length=36, unique=True)
    device_id: str = Field(max_length=23, index=True)
    device_type: DeviceType | None = enum_column(DeviceType, nullable=True)
    requesting_party_id: str = Field(max_length=4)
    addressed_party_id: str = Field(max_length=4)
    unverified: bool = False
    status: IncidentStatus = enum_column(IncidentStatus)
    outcome: Outcome | None = enum_column(Outcome, nullable=True)
    suggested_party_id: str | None = Field(default=None, max_length=4)
    note: str | None = Field(default=None, max_length=500)
    reason: str | None = Field(default=None, max_length=500)
    group_ref: str | None = Field(default=None, max_length=64, index=True)
    clock: int = 1
    policy: str = Field(max_length=32)
    clock_started_at: datetime = utc_column()
    due_at: datetime = utc_column()
    warning_at: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    breach_recorded: bool = False
    breach_cause: BreachCause | None = enum_column(BreachCause, nullable=True)
    """Why the running clock was breached (set with the breach, cleared by a new clock)."""
    warning_recorded: bool = False
    sla_outcome: SlaState | None = enum_column(SlaState, nullable=True)
    reopen_count: int = 0
    reached_clock: int | None = None
    """The newest clock whose start event a delivery has brought to the addressee, as the
    notifier reports it: the addressee has been reached on the running clock while this equals
    `clock`. Delivery bookkeeping, not a transition: setting it moves neither `version` nor
    `updated_at`."""
    version: int = 1
    code_state: str = Field(default="none", max_length=16)
    """none | held | destroyed."""
    raised_at: datetime = utc_column()
    acknowledged_at: datetime | None = utc_column(nullable=True)
    resolved_at: datetime | None = utc_column(nullable=True)
    closed_at: datetime | None = utc_column(nullable=True)
    cancelled_at: datetime | None = utc_column(nullable=True)
    reopened_at: datetime | None = utc_column(nullable=True)
    readdressed_at: datetime | None = utc_column(nullable=True)
    close_reason: str | None = Field(default=None, max_length=16)
    updated_at: datetime = utc_column(index=True)

    @property
    def reference(self) -> str:
        return f"INC-{self.pk:06d}"


class HistoryEntry(Table, table=True):
    """The incident's audit trail: every transition, reveal and inventory change."""

    __tablename__ = "incident_history"

    id: int | None = Field(default=None, primary_key=True)
    incident_pk: int = Field(foreign_key="incidents.pk", index=True)
    at: datetime = utc_column()
    actor: str = Field(max_length=255)
    action: str = Field(max_length=64)
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str | None = Field(default=None, max_length=16)
    clock: int
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class InstallCodeRecord(Table, table=True):
    """An incident's install code, AES-GCM encrypted. Destroying it deletes the row."""

    __tablename__ = "install_codes"

    incident_pk: int = Field(foreign_key="incidents.pk", primary_key=True)
    clock: int
    key_id: str = Field(max_length=32)
    nonce: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    ciphertext: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = utc_column()


class SlaEventRecord(Table, table=True):
    __tablename__ = "sla_events"
    __table_args__ = (UniqueConstraint("incident_pk", "clock", "kind", "ordinal"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_pk: int = Field(foreign_key="incidents.pk", index=True)
    clock: int
    kind: SlaEventKind = enum_column(SlaEventKind)
    ordinal: int
    occurred_at: datetime = utc_column()
    recorded_at: datetime = utc_column()


class IdempotencyRecord(Table, table=True):
    __tablename__ = "idempotency_keys"

    party_id: str = Field(primary_key=True, max_length=4)
    key: str = Field(primary_key=True, max_length=255)
    request_hash: str = Field(max_length=64)
    incident_id: str = Field(max_length=36)
    created_at: datetime = utc_column(index=True)
