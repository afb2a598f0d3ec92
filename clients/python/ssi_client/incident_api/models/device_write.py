from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.device_type import DeviceType
from ..models.smi_status import SmiStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="DeviceWrite")


@_attrs_define
class DeviceWrite:
    """
    Attributes:
        device_type (DeviceType):
        smi_status (SmiStatus):
        installing_party_id (None | str | Unset):
        registered_supplier_party_id (None | str | Unset):
    """

    device_type: DeviceType
    smi_status: SmiStatus
    installing_party_id: None | str | Unset = UNSET
    registered_supplier_party_id: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        device_type = self.device_type.value

        smi_status = self.smi_status.value

        installing_party_id: None | str | Unset
        if isinstance(self.installing_party_id, Unset):
            installing_party_id = UNSET
        else:
            installing_party_id = self.installing_party_id

        registered_supplier_party_id: None | str | Unset
        if isinstance(self.registered_supplier_party_id, Unset):
            registered_supplier_party_id = UNSET
        else:
            registered_supplier_party_id = self.registered_supplier_party_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "device_type": device_type,
                "smi_status": smi_status,
            }
        )
        if installing_party_id is not UNSET:
            field_dict["installing_party_id"] = installing_party_id
        if registered_supplier_party_id is not UNSET:
            field_dict["registered_supplier_party_id"] = registered_supplier_party_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        device_type = DeviceType(d.pop("device_type"))

        smi_status = SmiStatus(d.pop("smi_status"))

        def _parse_installing_party_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        installing_party_id = _parse_installing_party_id(
            d.pop("installing_party_id", UNSET)
        )

        def _parse_registered_supplier_party_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        registered_supplier_party_id = _parse_registered_supplier_party_id(
            d.pop("registered_supplier_party_id", UNSET)
        )

        device_write = cls(
            device_type=device_type,
            smi_status=smi_status,
            installing_party_id=installing_party_id,
            registered_supplier_party_id=registered_supplier_party_id,
        )

        return device_write
