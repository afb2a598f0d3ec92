from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.common.openapi import examples
from shared.identifiers import DeviceId, PartyId
from shared.schemas import DeviceType, SmiStatus

_RECORD: dict[str, Any] = {
    "device_type": "ESME",
    "smi_status": "installed_not_commissioned",
    "installing_party_id": "ISUP",
    "registered_supplier_party_id": "GSUP",
}


class DeviceWrite(BaseModel):
    model_config = ConfigDict(
        extra="forbid", hide_input_in_errors=True, json_schema_extra={"examples": [_RECORD]}
    )

    device_type: DeviceType
    smi_status: SmiStatus
    installing_party_id: PartyId | None = Field(default=None, examples=["ISUP"])
    registered_supplier_party_id: PartyId | None = Field(default=None, examples=["GSUP"])


class DeviceImportRow(DeviceWrite):
    model_config = examples({"device_id": "00-DB-12-34-56-78-90-A0"} | _RECORD)

    device_id: DeviceId


class DeviceRead(BaseModel):
    model_config = examples(
        {"device_id": "00-DB-12-34-56-78-90-A0"} | _RECORD | {"updated_at": "2026-11-02T09:30:00Z"}
    )

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
    model_config = examples(
        {
            "rows": 7214,
            "imported": 7212,
            "failed": 2,
            "errors": [
                {
                    "row": 118,
                    "field": "device_id",
                    "message": "must be an EUI-64: 16 hex digits, optionally separated by - or :",
                },
                {"row": 4051, "field": None, "message": "the row cannot be parsed"},
            ],
            "errors_truncated": False,
        }
    )

    rows: int
    imported: int
    failed: int
    errors: list[RowError]
    errors_truncated: bool
