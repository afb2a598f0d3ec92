from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from services.common.negotiation import Instant
from services.common.openapi import examples
from shared.freetext import FreeText
from shared.identifiers import DeviceId, InstallCode, PartyId
from shared.schemas import (
    BreachCause,
    DeviceType,
    IncidentStatus,
    Outcome,
    SlaEventKind,
    SlaState,
)

GroupRef = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:-]{1,64}$")]

# One incident through its life, for the examples: raised on Monday 2026-11-23 under mp121
# (5 Working Days: due 00:00 London on Tuesday 2026-12-01), answered on the Wednesday.
EXAMPLE_ID = "3f2b8c1e-6d4a-4b7e-9a15-0c2d7e8f9a61"
EXAMPLE_DEVICE = "00-DB-12-34-56-78-90-A0"
EXAMPLE_NOTE = "Installed in October, never commissioned; the consumer has switched to us."
EXAMPLE_CODE = "83FED3407A939723A5C639B26916D505"
"""The install code of the examples (DESIGN §4's): only where a code belongs, an answer and a
reveal."""
_LINKS = {"self": f"/v1/incidents/{EXAMPLE_ID}", "history": f"/v1/incidents/{EXAMPLE_ID}/history"}
EXAMPLE_RAISED: dict[str, Any] = {
    "id": EXAMPLE_ID,
    "reference": "INC-000123",
    "device_id": EXAMPLE_DEVICE,
    "device_type": "ESME",
    "requesting_party_id": "GSUP",
    "addressed_party_id": "ISUP",
    "unverified": False,
    "status": "raised",
    "outcome": None,
    "suggested_party_id": None,
    "note": EXAMPLE_NOTE,
    "reason": None,
    "group_ref": "batch-2026-11",
    "clock": 1,
    "policy": "mp121",
    "clock_started_at": "2026-11-23T10:15:04Z",
    "due_at": "2026-12-01T00:00:00Z",
    "warning_at": ["2026-11-27T00:00:00Z", "2026-11-30T00:00:00Z"],
    "sla_state": "on_track",
    "working_days_overdue": 0,
    "reopen_count": 0,
    "version": 1,
    "raised_at": "2026-11-23T10:15:04Z",
    "acknowledged_at": None,
    "resolved_at": None,
    "closed_at": None,
    "cancelled_at": None,
    "reopened_at": None,
    "readdressed_at": None,
    "close_reason": None,
    "updated_at": "2026-11-23T10:15:04Z",
    "install_code_available": False,
    "addressee_reachable": True,
    "breach_cause": None,
    "links": _LINKS,
}
EXAMPLE_RESOLVED: dict[str, Any] = EXAMPLE_RAISED | {
    "status": "resolved",
    "outcome": "install_code_provided",
    "sla_state": "met",
    "version": 3,
    "acknowledged_at": "2026-11-24T08:30:12Z",
    "resolved_at": "2026-11-25T14:02:37Z",
    "updated_at": "2026-11-25T14:02:37Z",
    "install_code_available": True,
    "links": _LINKS | {"install_code": f"/v1/incidents/{EXAMPLE_ID}/install-code"},
}


class Body(BaseModel):
    """Request bodies: unknown fields refused; a ValidationError never carries the input."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)


class IncidentCreate(Body):
    """A request for a Device's install code."""

    model_config = examples(
        {"device_id": EXAMPLE_DEVICE, "note": EXAMPLE_NOTE, "group_ref": "batch-2026-11"},
        {"device_id": "00db1234567890a1", "addressed_party_id": "ISUP"},
    )

    device_id: DeviceId = Field(examples=["00-DB-12-34-56-78-90-A0"])
    addressed_party_id: PartyId | None = Field(
        default=None, description="Required only when the inventory does not know the Device."
    )
    note: FreeText | None = Field(
        default=None,
        description="For the addressee, at most 500 characters: never personal data (an MPAN, an "
        "MPRN, a postcode, an email address is refused). Never sent in webhooks.",
    )
    group_ref: GroupRef | None = Field(
        default=None,
        examples=["batch-2026-11"],
        description="Your label for a group of incidents: `GET /v1/incidents?group_ref=` finds "
        "them.",
    )


class ResponseCreate(Body):
    """The addressee's answer."""

    model_config = examples(
        {"outcome": "install_code_provided", "install_code": EXAMPLE_CODE},
        {"outcome": "not_installing_supplier", "suggested_party_id": "TSUP"},
        {"outcome": "rejected", "reason": "No install visit of ours matches this request."},
    )

    outcome: Outcome
    install_code: InstallCode | None = Field(
        default=None, description="With `install_code_provided`, and only with it."
    )
    reason: FreeText | None = Field(
        default=None, description="Required with `rejected`; free text, as `note`."
    )
    suggested_party_id: PartyId | None = Field(
        default=None,
        examples=["TSUP"],
        description="With `not_installing_supplier`: the party you believe installed the Device.",
    )

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
    model_config = examples({"note": "Commissioned with the code."})

    note: FreeText | None = None


class CancelBody(Body):
    model_config = examples({"reason": "Raised in error: wrong Device."})

    reason: FreeText | None = None


class ReopenBody(Body):
    model_config = examples(
        {"reason": "The Device refused the code when we tried to join it to the HAN."}
    )

    reason: FreeText


class ReaddressBody(Body):
    model_config = examples({"addressed_party_id": "TSUP"})

    addressed_party_id: PartyId


class SlaEventCreate(Body):
    model_config = examples(
        {"clock": 1, "kind": "warning", "ordinal": 1, "occurred_at": "2026-11-27T00:00:00Z"},
        {"clock": 1, "kind": "breach", "ordinal": 1, "occurred_at": "2026-12-01T00:00:00Z"},
    )

    clock: int = Field(ge=1, le=2**31 - 1)
    kind: SlaEventKind
    ordinal: int = Field(ge=1, le=10_000)
    occurred_at: Instant
    cause: BreachCause | None = None
    """A breach's cause, as the notifier knows it: `addressee_unreachable` when no delivery of
    the clock's start event reached the addressee. Left out, the API works it out from the
    incident (its reached clock, then whether it was acknowledged). Breaches only."""

    @model_validator(mode="after")
    def _cause_is_a_breachs(self) -> Self:
        if self.cause is not None and self.kind is not SlaEventKind.breach:
            raise ValueError("only a breach has a cause")
        return self


class ReachedCreate(Body):
    model_config = examples({"clock": 1})

    clock: int = Field(ge=1, le=2**31 - 1)
    """The clock whose start event (`incident.raised`, `incident.reopened`,
    `incident.readdressed`) a delivery brought to the addressee."""


class ReachedItem(ReachedCreate):
    model_config = examples({"incident_id": EXAMPLE_ID, "clock": 1})

    incident_id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f-]{36}$")]


class ReachedBatch(Body):
    model_config = examples({"items": [{"incident_id": EXAMPLE_ID, "clock": 1}]})

    items: list[ReachedItem] = Field(min_length=1, max_length=500)


class SlaEventRead(BaseModel):
    model_config = examples(
        {
            "incident_id": EXAMPLE_ID,
            "clock": 1,
            "kind": "warning",
            "ordinal": 1,
            "occurred_at": "2026-11-27T00:00:00Z",
            "recorded_at": "2026-11-27T00:00:00.412Z",
        }
    )

    incident_id: str
    clock: int
    kind: SlaEventKind
    ordinal: int
    occurred_at: datetime
    recorded_at: datetime


class IncidentRead(BaseModel):
    model_config = examples(EXAMPLE_RAISED, EXAMPLE_RESOLVED)

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
    breach_cause: BreachCause | None = Field(
        default=None,
        description="Why the running clock was breached: `addressee_unreachable` (no channel "
        "reached the addressee before the due instant), `not_acknowledged` or "
        "`acknowledged_not_answered`; null unless it was.",
    )
    addressee_reachable: bool = Field(
        description="Whether a delivery of this clock's start event (raised, reopened, "
        "readdressed) has reached the addressee, as the notifier reports it; false again when "
        "a reopen or readdress starts a new clock, until that one is reached."
    )
    links: dict[str, str]


class IncidentList(BaseModel):
    model_config = examples({"items": [EXAMPLE_RESOLVED], "next_cursor": "MTIz"})

    items: list[IncidentRead]
    next_cursor: str | None


_HISTORY: list[dict[str, Any]] = [
    {
        "at": "2026-11-25T15:40:09Z",
        "actor": "GSUP",
        "action": "install_code.revealed",
        "from_status": None,
        "to_status": None,
        "clock": 1,
        "details": {},
    },
    {
        "at": "2026-11-25T14:02:37Z",
        "actor": "ISUP",
        "action": "resolved",
        "from_status": "acknowledged",
        "to_status": "resolved",
        "clock": 1,
        "details": {"outcome": "install_code_provided"},
    },
    {
        "at": "2026-11-24T08:30:12Z",
        "actor": "ISUP",
        "action": "acknowledged",
        "from_status": "raised",
        "to_status": "acknowledged",
        "clock": 1,
        "details": {},
    },
    {
        "at": "2026-11-23T10:15:04Z",
        "actor": "GSUP",
        "action": "raised",
        "from_status": None,
        "to_status": "raised",
        "clock": 1,
        "details": {},
    },
]


class HistoryRead(BaseModel):
    model_config = examples(_HISTORY[1])

    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    clock: int
    details: dict[str, Any]


class HistoryList(BaseModel):
    model_config = examples({"items": _HISTORY, "next_cursor": None})

    items: list[HistoryRead]
    next_cursor: str | None


class InstallCodeRead(BaseModel):
    model_config = examples({"install_code": EXAMPLE_CODE})

    install_code: str = Field(description="32 upper-case hex digits")
