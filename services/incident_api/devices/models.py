from datetime import datetime

from sqlmodel import Field

from services.common.db import enum_column, utc_column
from services.incident_api.tables import Table
from shared.schemas import DeviceType, SmiStatus


class Device(Table, table=True):
    """A Device as the Smart Metering Inventory knows it."""

    __tablename__ = "devices"

    device_id: str = Field(primary_key=True, max_length=23)
    device_type: DeviceType = enum_column(DeviceType)
    smi_status: SmiStatus = enum_column(SmiStatus)
    installing_party_id: str | None = Field(default=None, max_length=4, index=True)
    registered_supplier_party_id: str | None = Field(default=None, max_length=4, index=True)
    updated_at: datetime = utc_column()
