from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.reached_item import ReachedItem


T = TypeVar("T", bound="ReachedBatch")


@_attrs_define
class ReachedBatch:
    """
    Attributes:
        items (list[ReachedItem]):
    """

    items: list[ReachedItem]

    def to_dict(self) -> dict[str, Any]:
        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "items": items,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.reached_item import ReachedItem  # noqa: PLC0415

        d = dict(src_dict)
        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = ReachedItem.from_dict(items_item_data)

            items.append(items_item)

        reached_batch = cls(
            items=items,
        )

        return reached_batch
