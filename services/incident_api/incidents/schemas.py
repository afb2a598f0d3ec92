from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from services.common.negotiation import Instant
from shared.freetext import FreeText
from shared.identifiers import DeviceId, InstallCode, PartyId
from shared.schemas import DeviceType, IncidentStatus, Outcome, SlaEventKind, SlaState

GroupRef = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:-]{1,64}$")]


class Body(BaseModel):
    """Request bodies: unknown fields refused; a ValidationError never carries the input."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)


class IncidentCreate(Body):
    device_id: DeviceId = Field(examples=["00-DB-12-34-56-78-90-A0"])
    addressed_party_id: PartyId | None = Field(
        default=None, description="Required only when the inventory does not know the Device."
    )
    note: FreeText | None = None
    group_ref: GroupRef | None = Field(default=None, examples=["batch-2026-11"])


class ResponseCreate(Body):
    outcome: Outcome
    install_code: InstallCode | None = None
    reason: FreeText | None = None
    suggested_party_id: PartyId | None = None

    @model_validator(mode="after")
    def _fits_outcome(self) -> Self:
        if (self.install_code is not None) != (self.outcome == Outcome.install_code_provided):
            raise ValueError("install_code is required with, and only with, install_code_provided")
        if self.outcome == Outcome.rejected and self.reason is None:
            raise ValueError("a rejection needs a reason")
        if self.suggested_party_id and self.outcome != Outcome.not_installing_supplier:
            raise ValueError("suggested_party_id goes only with not_installing_supplier")
        return self


class CloseBody(Body):
    note: FreeText | None = None


class CancelBody(Body):
    reason: FreeText | None = None


class ReopenBody(Body):
    reason: FreeText


class ReaddressBody(Body):
    addressed_party_id: PartyId


class SlaEventCreate(Body):
    clock: int = Field(ge=1, le=2**31 - 1)
    kind: SlaEventKind
    ordinal: int = Field(ge=1, le=10_000)
    occurred_at: Instant


class SlaEventRead(BaseModel):
    incident_id: str
    clock: int
    kind: SlaEventKind
    ordinal: int
    occurred_at: datetime
    recorded_at: datetime


class IncidentRead(BaseModel):
    id: str
    reference: str = Field(examples=["INC-000123"])
    device_id: str
    device_type: DeviceType | None
    requesting_party_id: str
    addressed_party_id: str
    unverified: bool
    status: IncidentStatus
    outcome: Outcome | None
    suggested_party_id: str | None
    note: str | None
    reason: str | None
    group_ref: str | None
    clock: int
    policy: str
    clock_started_at: datetime
    due_at: datetime
    warning_at: list[datetime]
    sla_state: SlaState | None
    working_days_overdue: int
    reopen_count: int
    version: int
    raised_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    cancelled_at: datetime | None
    reopened_at: datetime | None
    readdressed_at: datetime | None
    close_reason: str | None
    updated_at: datetime
    install_code_available: bool
    addressee_reachable: bool
    links: dict[str, str]


class IncidentList(BaseModel):
    items: list[IncidentRead]
    next_cursor: str | None


class HistoryRead(BaseModel):
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    clock: int
    details: dict[str, Any]


class HistoryList(BaseModel):
    items: list[HistoryRead]
    next_cursor: str | None


class InstallCodeRead(BaseModel):
    install_code: str = Field(description="32 upper-case hex digits")
