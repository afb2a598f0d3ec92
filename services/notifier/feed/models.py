from datetime import datetime

from sqlmodel import Field

from services.common.db import enum_column, utc_column
from services.notifier.tables import Table
from shared.schemas import PartyCategory


class FeedCursor(Table, table=True):
    """How far the notifier has followed the incident API's feed. One row, advanced with a
    compare-and-set in the transaction that records the deliveries of the events it passes."""

    __tablename__ = "feed_cursor"

    name: str = Field(primary_key=True, max_length=32)
    after: int = 0
    head: int = 0
    """The newest seq the API reported, for the feed-lag gauge."""
    updated_at: datetime = utc_column()


class KnownParty(Table, table=True):
    """Parties as the feed's party events describe them: enough to route and authorise."""

    __tablename__ = "parties"

    party_id: str = Field(primary_key=True, max_length=4)
    category: PartyCategory = enum_column(PartyCategory)
    active: bool = True
