from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shared.identifiers import DeviceId, PartyId
from shared.schemas import DeviceType, SmiStatus


class DeviceWrite(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    device_type: DeviceType
    smi_status: SmiStatus
    installing_party_id: PartyId | None = Field(default=None, examples=["ISUP"])
    registered_supplier_party_id: PartyId | None = Field(default=None, examples=["GSUP"])


class DeviceImportRow(DeviceWrite):
    device_id: DeviceId


class DeviceRead(BaseModel):
    device_id: str = Field(examples=["00-DB-12-34-56-78-90-A0"])
    device_type: DeviceType
    smi_status: SmiStatus
    installing_party_id: str | None
    registered_supplier_party_id: str | None
    updated_at: datetime


class RowError(BaseModel):
    row: int
    """1-based data row number (the CSV header is not counted)."""
    field: str | None
    message: str


class ImportResult(BaseModel):
    rows: int
    imported: int
    failed: int
    errors: list[RowError]
    errors_truncated: bool
