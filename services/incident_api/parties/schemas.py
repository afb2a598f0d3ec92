from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from shared.identifiers import PartyId
from shared.schemas import PartyCategory

Name = Annotated[
    str,
    # No control characters: PostgreSQL cannot store NUL, and a name is one line.
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$"
    ),
]


class PartyBase(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)


class PartyCreate(PartyBase):
    party_id: PartyId = Field(examples=["GSUP"])
    name: Name = Field(examples=["Gaining Supply Ltd"])
    category: PartyCategory
    ops_contact_email: EmailStr = Field(examples=["ops@gaining.example"])
    escalation_contact_email: EmailStr = Field(examples=["escalations@gaining.example"])


class PartyUpdate(PartyBase):
    name: Name | None = None
    category: PartyCategory | None = None
    ops_contact_email: EmailStr | None = None
    escalation_contact_email: EmailStr | None = None
    active: bool | None = None


class ReachabilityWrite(PartyBase):
    webhook_reachable: bool
    """Whether the party has at least one enabled webhook endpoint (the notifier knows)."""


class PartyRead(BaseModel):
    party_id: str
    name: str
    category: PartyCategory
    active: bool
    ops_contact_email: str | None
    """Shown to operators, services, the party itself and the other party of a shared incident."""
    escalation_contact_email: str | None
    created_at: datetime
    updated_at: datetime


class PartyList(BaseModel):
    items: list[PartyRead]
    next_cursor: str | None
