from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ReachedCreate")


@_attrs_define
class ReachedCreate:
    """
    Attributes:
        clock (int):
    """

    clock: int

    def to_dict(self) -> dict[str, Any]:
        clock = self.clock

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "clock": clock,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        clock = d.pop("clock")

        reached_create = cls(
            clock=clock,
        )

        return reached_create
