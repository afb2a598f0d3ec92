"""The feed cursor: how far the notifier has followed the incident API's feed."""

from datetime import datetime

from sqlmodel import Field

from services.common.db import utc_column
from services.notifier.tables import Table


class FeedCursor(Table, table=True):
    """How far the notifier has followed the incident API's feed. One row, advanced with a
    compare-and-set in the transaction that records the deliveries of the events it passes."""

    __tablename__ = "feed_cursor"

    name: str = Field(primary_key=True, max_length=32)
    after: int = 0
    head: int = 0
    """The newest seq the API reported, for the feed-lag gauge."""
    updated_at: datetime = utc_column()
