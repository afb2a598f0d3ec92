from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, Column, Integer
from sqlmodel import Field

from services.common.db import utc_column
from services.incident_api.tables import Table


class EventRecord(Table, table=True):
    """The append-only outbox: written in the same transaction as the change it announces."""

    __tablename__ = "events"
    # Never reuse a seq, even of a deleted row: readers remember the last one they saw.
    __table_args__: ClassVar[dict[str, Any]] = {"sqlite_autoincrement": True}

    seq: int | None = Field(
        default=None,
        sa_column=Column(
            BigInteger().with_variant(  # SQLite only auto-increments an INTEGER primary key
                Integer(), "sqlite"
            ),
            primary_key=True,
            autoincrement=True,
        ),
    )
    type: str = Field(max_length=64)
    occurred_at: datetime = utc_column()
    incident_id: str | None = Field(default=None, max_length=36, index=True)
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
