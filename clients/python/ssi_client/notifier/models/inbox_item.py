from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.inbox_item_data import InboxItemData


T = TypeVar("T", bound="InboxItem")


@_attrs_define
class InboxItem:
    """
    Attributes:
        cursor (str): This item's place: pass it as `after` to read on from here, or to `POST /v1/inbox/ack` once you
            have handled everything up to it. Opaque, and yours alone
        data (InboxItemData): As a webhook's `data`: identifiers and state only
        timestamp (datetime.datetime): As a webhook's `timestamp`
        type_ (str): The event type, as a webhook's `type`
        webhook_id (str): The event's id for this endpoint, as a webhook's `webhook-id` header: the same however often
            the item is read, so you can drop a duplicate by it
    """

    cursor: str
    data: InboxItemData
    timestamp: datetime.datetime
    type_: str
    webhook_id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        cursor = self.cursor

        data = self.data.to_dict()

        timestamp = self.timestamp.isoformat()

        type_ = self.type_

        webhook_id = self.webhook_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "cursor": cursor,
                "data": data,
                "timestamp": timestamp,
                "type": type_,
                "webhook_id": webhook_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.inbox_item_data import InboxItemData  # noqa: PLC0415

        d = dict(src_dict)
        cursor = d.pop("cursor")

        data = InboxItemData.from_dict(d.pop("data"))

        timestamp = datetime.datetime.fromisoformat(d.pop("timestamp"))

        type_ = d.pop("type")

        webhook_id = d.pop("webhook_id")

        inbox_item = cls(
            cursor=cursor,
            data=data,
            timestamp=timestamp,
            type_=type_,
            webhook_id=webhook_id,
        )

        inbox_item.additional_properties = d
        return inbox_item

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
