from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column
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
    created_at: datetime = utc_column(index=True)
    updated_at: datetime = utc_column()


class PartyChangeAction(StrEnum):
    created = "created"
    updated = "updated"
    """By an operator or `admin` (`PATCH /v1/parties/{party_id}`)."""
    contacts_changed = "contacts_changed"
    """By the party itself, or a person acting for it: its contact emails only."""


class PartyChange(Table, table=True):
    """The contact list's audit trail: who changed which fields of a party, and when.

    Field names only, never their values: the old and new contact addresses stay out of it, as
    out of logs."""

    __tablename__ = "party_changes"

    id: int | None = Field(default=None, primary_key=True)
    party_id: str = Field(foreign_key="parties.party_id", max_length=4, index=True)
    at: datetime = utc_column()
    actor: str = Field(max_length=255)
    """A party id, the person acting for a party (a person's token's `sub`), or `admin`."""
    action: PartyChangeAction = enum_column(PartyChangeAction)
    fields: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
