from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.common.negotiation import InstantBound
from shared.schemas import EventType

DELIVERABLE = frozenset(t for t in EventType if t.value.startswith(("incident.", "endpoint.")))

Url = Annotated[str, StringConstraints(min_length=8, max_length=2048, pattern=r"^https?://\S+$")]
Description = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")
]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)


class EndpointCreate(Body):
    url: Url = Field(examples=["https://hooks.supplier.example/ssi"])
    event_types: list[EventType] | None = Field(
        default=None,
        max_length=len(DELIVERABLE),
        description="Types to receive; omitted or empty means every type routed to the party.",
    )
    description: Description | None = None


class EndpointUpdate(Body):
    url: Url | None = None
    event_types: list[EventType] | None = None
    description: Description | None = None
    enabled: bool | None = None


class EndpointRead(BaseModel):
    id: str
    party_id: str
    url: str
    enabled: bool
    event_types: list[str]
    description: str | None
    disabled_reason: str | None
    disabled_at: datetime | None
    failing_since: datetime | None
    previous_secret_expires_at: datetime | None
    created_at: datetime
    updated_at: datetime


class EndpointCreated(EndpointRead):
    secret: str = Field(description="`whsec_` + base64: shown once, keep it safe")


class EndpointList(BaseModel):
    items: list[EndpointRead]
    next_cursor: str | None


class SecretRotated(BaseModel):
    secret: str
    previous_secret_expires_at: datetime


class RecoverBody(Body):
    since: InstantBound


class Recovered(BaseModel):
    requeued: int
