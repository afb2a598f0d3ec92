"""The endpoints table: a party's webhook endpoints, with their sealed secrets and health."""

from datetime import datetime

from sqlalchemy import JSON, Column, LargeBinary
from sqlmodel import Field

from services.common.db import utc_column
from services.notifier.tables import Table


class Endpoint(Table, table=True):
    """A party's webhook endpoint. Its signing secret is kept encrypted (AES-GCM)."""

    __tablename__ = "endpoints"

    id: str = Field(primary_key=True, max_length=36)
    party_id: str = Field(max_length=4, index=True)
    url: str = Field(max_length=2048)
    description: str | None = Field(default=None, max_length=200)
    event_types: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    """Subscribed types; empty means every type routed to the party."""
    enabled: bool = True
    disabled_reason: str | None = Field(default=None, max_length=32)
    disabled_at: datetime | None = utc_column(nullable=True)
    secret_key_id: str = Field(max_length=32)
    secret_nonce: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    secret_ciphertext: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    previous_key_id: str | None = Field(default=None, max_length=32)
    previous_nonce: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    previous_ciphertext: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    previous_expires_at: datetime | None = utc_column(nullable=True)
    failing_since: datetime | None = utc_column(nullable=True)
    """First failure since the last success; the endpoint is disabled when it gets too old."""
    created_at: datetime = utc_column(index=True)
    updated_at: datetime = utc_column()
