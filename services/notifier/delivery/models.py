"""The deliveries table (one event to one endpoint) and each attempt made at it."""

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field

from services.common.db import enum_column, utc_column
from services.notifier.tables import Table

INBOX_RETENTION = timedelta(days=35)
"""An inbox item not acknowledged within this is dead (expired). It waits with its
`next_attempt_at` at that instant: never claimed, and out of the way of the claims' index."""


class DeliveryStatus(StrEnum):
    pending = "pending"
    """Waiting for its next attempt (or its first)."""
    succeeded = "succeeded"
    dead = "dead"
    """Every attempt failed; visible and retryable by hand."""
    skipped = "skipped"
    """Routed while its endpoint was disabled; `recover` re-delivers it."""


class Delivery(Table, table=True):
    """One event to one endpoint. `webhook_id` is the same on every attempt."""

    __tablename__ = "deliveries"
    __table_args__ = (
        # The claim query: pending work read in due order (`repository.DUE_ORDER`), so a claim
        # stops after the rows it takes instead of sorting every due row.
        Index("ix_deliveries_due", "status", "next_attempt_at", "created_at", "event_seq"),
        Index("ix_deliveries_endpoint_created", "endpoint_id", "created_at"),
        Index("ix_deliveries_inbox", "endpoint_id", "inbox_position"),
    )

    id: str = Field(primary_key=True, max_length=36)
    webhook_id: str = Field(max_length=80, unique=True)
    event_seq: int | None = Field(default=None, index=True)
    event_type: str = Field(max_length=64)
    incident_id: str | None = Field(default=None, max_length=36, index=True)
    endpoint_id: str = Field(foreign_key="endpoints.id", max_length=36, ondelete="CASCADE")
    party_id: str = Field(max_length=4)
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    status: DeliveryStatus = enum_column(DeliveryStatus)
    attempt_count: int = 0
    """Attempts made over the delivery's life."""
    schedule_start: int = 0
    """`attempt_count` when the current retry schedule began (a manual retry restarts it)."""
    next_attempt_at: datetime = utc_column()
    claimed_until: datetime | None = utc_column(nullable=True)
    claim_token: str | None = Field(default=None, max_length=36)
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=200)
    created_at: datetime = utc_column()
    updated_at: datetime = utc_column()
    delivered_at: datetime | None = utc_column(nullable=True)
    inbox_position: int | None = None
    """Its place in its inbox (inbox endpoints only), given in commit order."""
    fell_back: bool = False
    """The party's contact list has been sent this delivery's event because it failed."""


class DeliveryAttempt(Table, table=True):
    __tablename__ = "delivery_attempts"

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: str = Field(
        foreign_key="deliveries.id", max_length=36, index=True, ondelete="CASCADE"
    )
    number: int
    started_at: datetime = utc_column()
    status_code: int | None = None
    latency_ms: float
    response_excerpt: str | None = Field(default=None, max_length=1024)
    error: str | None = Field(default=None, max_length=200)
