from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.party_category import PartyCategory

T = TypeVar("T", bound="PartyCreate")


@_attrs_define
class PartyCreate:
    """
    Attributes:
        category (PartyCategory):
        escalation_contact_email (str):
        name (str):
        ops_contact_email (str):
        party_id (str): 4 upper-case letters or digits, like an MPID; fixed
    """

    category: PartyCategory
    escalation_contact_email: str
    name: str
    ops_contact_email: str
    party_id: str

    def to_dict(self) -> dict[str, Any]:
        category = self.category.value

        escalation_contact_email = self.escalation_contact_email

        name = self.name

        ops_contact_email = self.ops_contact_email

        party_id = self.party_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "category": category,
                "escalation_contact_email": escalation_contact_email,
                "name": name,
                "ops_contact_email": ops_contact_email,
                "party_id": party_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        category = PartyCategory(d.pop("category"))

        escalation_contact_email = d.pop("escalation_contact_email")

        name = d.pop("name")

        ops_contact_email = d.pop("ops_contact_email")

        party_id = d.pop("party_id")

        party_create = cls(
            category=category,
            escalation_contact_email=escalation_contact_email,
            name=name,
            ops_contact_email=ops_contact_email,
            party_id=party_id,
        )

        return party_create
