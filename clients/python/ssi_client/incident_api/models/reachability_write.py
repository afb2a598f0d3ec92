from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ReachabilityWrite")


@_attrs_define
class ReachabilityWrite:
    """
    Attributes:
        webhook_reachable (bool):
    """

    webhook_reachable: bool

    def to_dict(self) -> dict[str, Any]:
        webhook_reachable = self.webhook_reachable

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "webhook_reachable": webhook_reachable,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        webhook_reachable = d.pop("webhook_reachable")

        reachability_write = cls(
            webhook_reachable=webhook_reachable,
        )

        return reachability_write
