from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="InboxAcknowledged")


@_attrs_define
class InboxAcknowledged:
    """
    Attributes:
        acknowledged_through (str): The cursor of the newest item acknowledged (never older than it was: an older cursor
            acknowledges nothing more)
        pending (int): Items after it not yet acknowledged
    """

    acknowledged_through: str
    pending: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        acknowledged_through = self.acknowledged_through

        pending = self.pending

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "acknowledged_through": acknowledged_through,
                "pending": pending,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        acknowledged_through = d.pop("acknowledged_through")

        pending = d.pop("pending")

        inbox_acknowledged = cls(
            acknowledged_through=acknowledged_through,
            pending=pending,
        )

        inbox_acknowledged.additional_properties = d
        return inbox_acknowledged

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
