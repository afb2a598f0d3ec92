from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.device_type import DeviceType
from ..models.smi_status import SmiStatus

T = TypeVar("T", bound="DeviceRead")


@_attrs_define
class DeviceRead:
    """
    Attributes:
        device_id (str):
        device_type (DeviceType):
        installing_party_id (None | str):
        registered_supplier_party_id (None | str):
        smi_status (SmiStatus):
        updated_at (datetime.datetime):
    """

    device_id: str
    device_type: DeviceType
    installing_party_id: None | str
    registered_supplier_party_id: None | str
    smi_status: SmiStatus
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        device_id = self.device_id

        device_type = self.device_type.value

        installing_party_id: None | str
        installing_party_id = self.installing_party_id

        registered_supplier_party_id: None | str
        registered_supplier_party_id = self.registered_supplier_party_id

        smi_status = self.smi_status.value

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "device_id": device_id,
                "device_type": device_type,
                "installing_party_id": installing_party_id,
                "registered_supplier_party_id": registered_supplier_party_id,
                "smi_status": smi_status,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        device_id = d.pop("device_id")

        device_type = DeviceType(d.pop("device_type"))

        def _parse_installing_party_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        installing_party_id = _parse_installing_party_id(d.pop("installing_party_id"))

        def _parse_registered_supplier_party_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        registered_supplier_party_id = _parse_registered_supplier_party_id(
            d.pop("registered_supplier_party_id")
        )

        smi_status = SmiStatus(d.pop("smi_status"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        device_read = cls(
            device_id=device_id,
            device_type=device_type,
            installing_party_id=installing_party_id,
            registered_supplier_party_id=registered_supplier_party_id,
            smi_status=smi_status,
            updated_at=updated_at,
        )

        device_read.additional_properties = d
        return device_read

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
