from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from services.common.openapi import examples
from services.incident_api.parties.models import PartyChangeAction
from shared.identifiers import PartyId
from shared.schemas import PartyCategory

Name = Annotated[
    str,
    # No control characters: PostgreSQL cannot store NUL, and a name is one line.
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$"
    ),
]


_GAINING = {
    "party_id": "GSUP",
    "name": "Gaining Supply Ltd",
    "category": "large_supplier",
    "ops_contact_email": "ops@gaining.example",
    "escalation_contact_email": "escalations@gaining.example",
}
_INSTALLING = {
    "party_id": "ISUP",
    "name": "Installing Energy plc",
    "category": "small_supplier",
    "ops_contact_email": "ssi@installing.example",
    "escalation_contact_email": "duty-manager@installing.example",
}
_TIMES = {"created_at": "2026-11-02T09:12:44Z", "updated_at": "2026-11-02T09:12:44Z"}


class PartyBase(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)


class PartyCreate(PartyBase):
    model_config = examples(_GAINING)

    party_id: PartyId = Field(
        examples=["GSUP"], description="4 upper-case letters or digits, like an MPID; fixed"
    )
    name: Name = Field(examples=["Gaining Supply Ltd"])
    category: PartyCategory
    ops_contact_email: EmailStr = Field(examples=["ops@gaining.example"])
    escalation_contact_email: EmailStr = Field(examples=["escalations@gaining.example"])


class PartyUpdate(PartyBase):
    """The fields to change; those left out (or null) stay as they are."""

    model_config = examples(
        {"ops_contact_email": "ssi-ops@gaining.example"},
        {"active": False},
    )

    name: Name | None = None
    category: PartyCategory | None = None
    ops_contact_email: EmailStr | None = None
    escalation_contact_email: EmailStr | None = None
    active: bool | None = None


class ContactsUpdate(PartyBase):
    """A party's own contact emails; those left out (or null) stay as they are."""

    model_config = examples(
        {"ops_contact_email": "ssi-ops@gaining.example"},
        {
            "ops_contact_email": "ssi-ops@gaining.example",
            "escalation_contact_email": "duty-manager@gaining.example",
        },
    )

    ops_contact_email: EmailStr | None = None
    escalation_contact_email: EmailStr | None = None


class PartyRead(BaseModel):
    model_config = examples(_GAINING | {"active": True} | _TIMES)

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
    model_config = examples(
        {
            "items": [
                _GAINING | {"active": True} | _TIMES,
                _INSTALLING | {"active": True} | _TIMES,
            ],
            "next_cursor": None,
        }
    )

    items: list[PartyRead]
    next_cursor: str | None


_CHANGES: list[dict[str, Any]] = [
    {
        "at": "2026-11-20T16:05:31Z",
        "actor": "jane.doe@gaining.example",
        "action": "contacts_changed",
        "fields": ["ops_contact_email"],
    },
    {"at": "2026-11-02T09:12:44Z", "actor": "admin", "action": "created", "fields": []},
]


class PartyChangeRead(BaseModel):
    model_config = examples(_CHANGES[0])

    at: datetime
    actor: str
    """Who: a party's id, the person acting for a party (the token's `sub`), or `admin`."""
    action: PartyChangeAction
    fields: list[str]
    """The fields changed; never their values."""


class PartyChangeList(BaseModel):
    model_config = examples({"items": _CHANGES, "next_cursor": None})

    items: list[PartyChangeRead]
    next_cursor: str | None
