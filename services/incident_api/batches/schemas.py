from typing import Annotated, Self

from pydantic import BaseModel, Field, StringConstraints, model_validator

from services.incident_api.incidents.schemas import IncidentCreate, ResponseCreate

ClientRef = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:-]{1,64}$")]
Reference = Annotated[str, StringConstraints(pattern=r"^INC-[0-9]{6,12}$")]
MAX_ROWS = 10_000


class RaiseRow(IncidentCreate):
    client_ref: ClientRef | None = Field(
        default=None,
        description="Your reference for the row, echoed in its result; also the row's "
        "idempotency key (kept as long as an Idempotency-Key): a re-sent row replays its result.",
    )

    def request(self) -> IncidentCreate:
        return IncidentCreate.model_validate(self.model_dump(exclude={"client_ref"}))


class ResponseRow(ResponseCreate):
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
    succeeded: int
    failed: int
    items: list[RowResult]


class RaiseBatch(BaseModel):
    items: list[RaiseRow] = Field(max_length=MAX_ROWS)


class ResponseBatch(BaseModel):
    items: list[ResponseRow] = Field(max_length=MAX_ROWS)
