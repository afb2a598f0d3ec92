from datetime import datetime

from sqlmodel import Field

from services.common.db import enum_column, utc_column
from services.incident_api.tables import Table
from shared.schemas import PartyCategory


class Party(Table, table=True):
    """An entry of the SEC Party Operations contact list."""

    __tablename__ = "parties"

    party_id: str = Field(primary_key=True, max_length=4)
    name: str = Field(max_length=200)
    category: PartyCategory = enum_column(PartyCategory)
    ops_contact_email: str = Field(max_length=320)
    escalation_contact_email: str = Field(max_length=320)
    active: bool = True
    webhook_reachable: bool = False
    """Whether the party has an enabled webhook endpoint, as the notifier last reported it."""
    created_at: datetime = utc_column(index=True)
    updated_at: datetime = utc_column()
