from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ReachedItem")


@_attrs_define
class ReachedItem:
    """
    Attributes:
        clock (int):
        incident_id (str):
    """

    clock: int
    incident_id: str

    def to_dict(self) -> dict[str, Any]:
        clock = self.clock

        incident_id = self.incident_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "clock": clock,
                "incident_id": incident_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        clock = d.pop("clock")

        incident_id = d.pop("incident_id")

        reached_item = cls(
            clock=clock,
            incident_id=incident_id,
        )

        return reached_item
