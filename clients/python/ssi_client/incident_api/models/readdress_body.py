from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ReaddressBody")


@_attrs_define
class ReaddressBody:
    """
    Attributes:
        addressed_party_id (str):
    """

    addressed_party_id: str

    def to_dict(self) -> dict[str, Any]:
        addressed_party_id = self.addressed_party_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "addressed_party_id": addressed_party_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        addressed_party_id = d.pop("addressed_party_id")

        readdress_body = cls(
            addressed_party_id=addressed_party_id,
        )

        return readdress_body
