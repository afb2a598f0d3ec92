"""What the endpoints API reads and answers."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, model_validator

from services.common.negotiation import InstantBound
from services.common.openapi import examples
from services.notifier.endpoints.models import ContactRole, DisabledReason, EndpointKind
from services.notifier.transports.mail_format import valid_address
from shared.schemas import EventType

DELIVERABLE = frozenset(t for t in EventType if t.value.startswith(("incident.", "endpoint.")))

Url = Annotated[str, StringConstraints(min_length=8, max_length=2048, pattern=r"^https?://\S+$")]
Description = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")
]


EXAMPLE_ENDPOINT = "7c1e9a4f-3b2d-4f60-8e5a-9d0b1c2e3f47"
EXAMPLE_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # noqa: S105 - a published test vector
"""The Standard Webhooks specification's test-vector secret: never one this service issued."""
_READ: dict[str, object] = {
    "id": EXAMPLE_ENDPOINT,
    "party_id": "ISUP",
    "kind": "webhook",
    "url": "https://hooks.installing.example/ssi",
    "address": None,
    "contact_role": None,
    "enabled": True,
    "event_types": [],
    "description": "Production receiver",
    "disabled_reason": None,
    "disabled_at": None,
    "failing_since": None,
    "previous_secret_expires_at": None,
    "created_at": "2026-11-02T10:01:17Z",
    "updated_at": "2026-11-02T10:01:17Z",
}


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)


class EndpointCreate(Body):
    model_config = examples(
        {"url": "https://hooks.installing.example/ssi", "description": "Production receiver"},
        {
            "url": "https://hooks.gaining.example/ssi/answers",
            "event_types": ["incident.resolved", "incident.sla_breached"],
        },
        {"kind": "email", "address": "ssi-queue@installing.example"},
        {"kind": "inbox"},
    )

    kind: EndpointKind = Field(
        default=EndpointKind.webhook,
        description="`webhook` (needs `url`), `email` (needs `address`) or `inbox` (neither)",
    )
    url: Url | None = Field(
        default=None,
        examples=["https://hooks.installing.example/ssi"],
        description="A webhook's URL: https, to a public address",
    )
    address: EmailStr | None = Field(
        default=None,
        max_length=254,
        examples=["ssi-queue@installing.example"],
        description="An email endpoint's address: enabled once the link mailed to it is followed",
    )
    event_types: list[EventType] | None = Field(
        default=None,
        max_length=len(DELIVERABLE),
        description="Types to receive; omitted or empty means every type routed to the party.",
    )
    description: Description | None = None

    @model_validator(mode="after")
    def _target_matches_kind(self) -> "EndpointCreate":
        wants_url = self.kind is EndpointKind.webhook
        wants_address = self.kind is EndpointKind.email
        if wants_url != (self.url is not None):
            raise ValueError(
                "a webhook endpoint needs a url" if wants_url else f"an {self.kind} has no url"
            )
        if wants_address != (self.address is not None):
            raise ValueError(
                "an email endpoint needs an address"
                if wants_address
                else f"a {self.kind} endpoint has no address"
            )
        if self.address is not None and not valid_address(self.address):
            raise ValueError("the address must be one plain ASCII address (local@domain)")
        return self


class EndpointUpdate(Body):
    """The fields to change; those left out stay as they are. `url` is a webhook's alone; an
    email endpoint's address cannot change (add another: it must be confirmed)."""

    model_config = examples(
        {"enabled": False},
        {"url": "https://hooks.installing.example/ssi/v2", "event_types": []},
    )

    url: Url | None = None
    event_types: list[EventType] | None = None
    description: Description | None = None
    enabled: bool | None = None


class EndpointRead(BaseModel):
    model_config = examples(_READ)

    id: str
    party_id: str
    kind: EndpointKind
    url: str | None = Field(description="A webhook's URL")
    address: str | None = Field(description="An email endpoint's address")
    contact_role: ContactRole | None = Field(
        description="`ops` or `escalation`: kept from the party's contact list by the notifier, "
        "the fallback when no other endpoint takes an event; change it through the party's "
        "contact emails at the incident API"
    )
    enabled: bool
    event_types: list[str]
    description: str | None
    disabled_reason: DisabledReason | None
    disabled_at: datetime | None
    failing_since: datetime | None
    previous_secret_expires_at: datetime | None
    created_at: datetime
    updated_at: datetime


class EndpointCreated(EndpointRead):
    model_config = examples(_READ | {"secret": EXAMPLE_SECRET})

    secret: str | None = Field(
        description="A webhook's signing secret, `whsec_` + base64: shown once, keep it safe "
        "(None for the other kinds)"
    )


class EndpointList(BaseModel):
    model_config = examples({"items": [_READ], "next_cursor": None})

    items: list[EndpointRead]
    next_cursor: str | None


class SecretRotated(BaseModel):
    model_config = examples(
        {"secret": EXAMPLE_SECRET, "previous_secret_expires_at": "2026-11-25T09:00:00Z"}
    )

    secret: str
    previous_secret_expires_at: datetime


class RecoverBody(Body):
    model_config = examples({"since": "2026-11-20T00:00:00Z"})

    since: InstantBound


class Recovered(BaseModel):
    model_config = examples({"requeued": 42})

    requeued: int


class ConfirmBody(Body):
    model_config = examples({"token": "Qm9vdHN0cmFwIHRva2VuIGV4YW1wbGUgb25seSEhIQ"})

    token: Annotated[str, StringConstraints(min_length=20, max_length=100, pattern=r"^[\w-]+$")]


class EndpointConfirmed(BaseModel):
    model_config = examples(
        {
            "endpoint_id": EXAMPLE_ENDPOINT,
            "address": "ssi-queue@installing.example",
            "enabled": True,
        }
    )

    endpoint_id: str
    address: str
    enabled: bool
