"""The party table: parties as the feed's party events describe them."""

from sqlmodel import Field

from services.common.db import enum_column
from services.notifier.tables import Table
from shared.schemas import PartyCategory


class KnownParty(Table, table=True):
    """Parties as the feed's party events describe them: enough to route and authorise."""

    __tablename__ = "parties"

    party_id: str = Field(primary_key=True, max_length=4)
    category: PartyCategory = enum_column(PartyCategory)
    active: bool = True
