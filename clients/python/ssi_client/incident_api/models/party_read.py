from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.party_category import PartyCategory

T = TypeVar("T", bound="PartyRead")


@_attrs_define
class PartyRead:
    """
    Attributes:
        active (bool):
        category (PartyCategory):
        created_at (datetime.datetime):
        escalation_contact_email (None | str):
        name (str):
        ops_contact_email (None | str):
        party_id (str):
        updated_at (datetime.datetime):
    """

    active: bool
    category: PartyCategory
    created_at: datetime.datetime
    escalation_contact_email: None | str
    name: str
    ops_contact_email: None | str
    party_id: str
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        active = self.active

        category = self.category.value

        created_at = self.created_at.isoformat()

        escalation_contact_email: None | str
        escalation_contact_email = self.escalation_contact_email

        name = self.name

        ops_contact_email: None | str
        ops_contact_email = self.ops_contact_email

        party_id = self.party_id

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "active": active,
                "category": category,
                "created_at": created_at,
                "escalation_contact_email": escalation_contact_email,
                "name": name,
                "ops_contact_email": ops_contact_email,
                "party_id": party_id,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        active = d.pop("active")

        category = PartyCategory(d.pop("category"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_escalation_contact_email(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        escalation_contact_email = _parse_escalation_contact_email(
            d.pop("escalation_contact_email")
        )

        name = d.pop("name")

        def _parse_ops_contact_email(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        ops_contact_email = _parse_ops_contact_email(d.pop("ops_contact_email"))

        party_id = d.pop("party_id")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        party_read = cls(
            active=active,
            category=category,
            created_at=created_at,
            escalation_contact_email=escalation_contact_email,
            name=name,
            ops_contact_email=ops_contact_email,
            party_id=party_id,
            updated_at=updated_at,
        )

        party_read.additional_properties = d
        return party_read

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
