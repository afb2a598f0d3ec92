from typing import Annotated, Any, Self

from pydantic import BaseModel, Field, StringConstraints, model_validator

from services.common.errors import PROBLEM_BASE
from services.common.openapi import examples
from services.incident_api.incidents.schemas import (
    EXAMPLE_CODE,
    EXAMPLE_DEVICE,
    EXAMPLE_ID,
    IncidentCreate,
    ResponseCreate,
)

ClientRef = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:-]{1,64}$")]
Reference = Annotated[str, StringConstraints(pattern=r"^INC-[0-9]{6,12}$")]
MAX_ROWS = 10_000

_RAISE_ROWS: list[dict[str, Any]] = [
    {"client_ref": "row-1", "device_id": EXAMPLE_DEVICE, "group_ref": "batch-2026-11"},
    {"client_ref": "row-2", "device_id": "00-DB-12-34-56-78-90-A1", "group_ref": "batch-2026-11"},
    {"client_ref": "row-3", "device_id": "00-DB-12-34-56-78-90-A2", "addressed_party_id": "ISUP"},
]
_RESPONSE_ROWS: list[dict[str, Any]] = [
    {
        "client_ref": "answer-1",
        "reference": "INC-000123",
        "outcome": "install_code_provided",
        "install_code": EXAMPLE_CODE,
    },
    {
        "client_ref": "answer-2",
        "reference": "INC-000124",
        "clock": 1,
        "outcome": "not_installing_supplier",
        "suggested_party_id": "TSUP",
    },
]


class RaiseRow(IncidentCreate):
    model_config = examples(_RAISE_ROWS[0])

    client_ref: ClientRef | None = Field(
        default=None,
        description="Your reference for the row, echoed in its result; also the row's "
        "idempotency key (kept as long as an Idempotency-Key): a re-sent row replays its result.",
    )

    def request(self) -> IncidentCreate:
        return IncidentCreate.model_validate(self.model_dump(exclude={"client_ref"}))


class ResponseRow(ResponseCreate):
    model_config = examples(_RESPONSE_ROWS[0])

    client_ref: ClientRef | None = None
    incident_id: str | None = Field(default=None, max_length=64)
    reference: Reference | None = Field(default=None, examples=["INC-000123"])
    clock: int | None = Field(
        default=None, ge=1, le=1000, description="The clock answered; if given, never a later one"
    )

    @model_validator(mode="after")
    def _names_one_incident(self) -> Self:
        if (self.incident_id is None) == (self.reference is None):
            raise ValueError("name the incident by incident_id or by reference (one of them)")
        return self

    def response(self) -> ResponseCreate:
        return ResponseCreate.model_validate(
            self.model_dump(exclude={"client_ref", "incident_id", "reference", "clock"})
        )


class RowProblem(BaseModel):
    """Why a row failed: an RFC 9457 problem, as a whole request's would be."""

    type: str
    title: str
    status: int
    detail: str | None = None
    errors: list[dict[str, str]] | None = None


class RowResult(BaseModel):
    row: int
    """1-based: the item's position, or the CSV data row (the header is not counted)."""
    client_ref: str | None = None
    ok: bool
    incident_id: str | None = None
    reference: str | None = None
    replayed: bool = False
    """The row had been done before (a re-sent row): nothing changed."""
    error: RowProblem | None = None


class BatchResult(BaseModel):
    model_config = examples(
        {
            "succeeded": 2,
            "failed": 1,
            "items": [
                {
                    "row": 1,
                    "client_ref": "row-1",
                    "ok": True,
                    "incident_id": EXAMPLE_ID,
                    "reference": "INC-000123",
                    "replayed": False,
                },
                {
                    "row": 2,
                    "client_ref": "row-2",
                    "ok": True,
                    "incident_id": "a81d3c57-2f0e-4c6b-8d94-5e7f1b2a3c40",
                    "reference": "INC-000124",
                    "replayed": True,
                },
                {
                    "row": 3,
                    "client_ref": "row-3",
                    "ok": False,
                    "replayed": False,
                    "error": {
                        "type": PROBLEM_BASE + "duplicate-open-incident",
                        "title": "You already have an open incident for this Device",
                        "status": 409,
                        "detail": "Incident 5c9e0d1a-7b2f-4e83-a6c4-1d8f2e9b0a57 is still open.",
                    },
                },
            ],
        }
    )

    succeeded: int
    failed: int
    items: list[RowResult]


class RaiseBatch(BaseModel):
    model_config = examples({"items": _RAISE_ROWS})

    items: list[RaiseRow] = Field(max_length=MAX_ROWS)


class ResponseBatch(BaseModel):
    model_config = examples({"items": _RESPONSE_ROWS})

    items: list[ResponseRow] = Field(max_length=MAX_ROWS)
