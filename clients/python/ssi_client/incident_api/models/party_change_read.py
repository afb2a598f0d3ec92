from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.party_change_action import PartyChangeAction

T = TypeVar("T", bound="PartyChangeRead")


@_attrs_define
class PartyChangeRead:
    """
    Attributes:
        action (PartyChangeAction):
        actor (str):
        at (datetime.datetime):
        fields (list[str]):
    """

    action: PartyChangeAction
    actor: str
    at: datetime.datetime
    fields: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        action = self.action.value

        actor = self.actor

        at = self.at.isoformat()

        fields = self.fields

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "action": action,
                "actor": actor,
                "at": at,
                "fields": fields,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        action = PartyChangeAction(d.pop("action"))

        actor = d.pop("actor")

        at = datetime.datetime.fromisoformat(d.pop("at"))

        fields = cast(list[str], d.pop("fields"))

        party_change_read = cls(
            action=action,
            actor=actor,
            at=at,
            fields=fields,
        )

        party_change_read.additional_properties = d
        return party_change_read

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
