from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.party_category import PartyCategory
from ..types import UNSET, Unset

T = TypeVar("T", bound="PartyUpdate")


@_attrs_define
class PartyUpdate:
    """The fields to change; those left out (or null) stay as they are.

    Attributes:
        active (bool | None | Unset):
        category (None | PartyCategory | Unset):
        escalation_contact_email (None | str | Unset):
        name (None | str | Unset):
        ops_contact_email (None | str | Unset):
    """

    active: bool | None | Unset = UNSET
    category: None | PartyCategory | Unset = UNSET
    escalation_contact_email: None | str | Unset = UNSET
    name: None | str | Unset = UNSET
    ops_contact_email: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        active: bool | None | Unset
        if isinstance(self.active, Unset):
            active = UNSET
        else:
            active = self.active

        category: None | str | Unset
        if isinstance(self.category, Unset):
            category = UNSET
        elif isinstance(self.category, PartyCategory):
            category = self.category.value
        else:
            category = self.category

        escalation_contact_email: None | str | Unset
        if isinstance(self.escalation_contact_email, Unset):
            escalation_contact_email = UNSET
        else:
            escalation_contact_email = self.escalation_contact_email

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        ops_contact_email: None | str | Unset
        if isinstance(self.ops_contact_email, Unset):
            ops_contact_email = UNSET
        else:
            ops_contact_email = self.ops_contact_email

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if active is not UNSET:
            field_dict["active"] = active
        if category is not UNSET:
            field_dict["category"] = category
        if escalation_contact_email is not UNSET:
            field_dict["escalation_contact_email"] = escalation_contact_email
        if name is not UNSET:
            field_dict["name"] = name
        if ops_contact_email is not UNSET:
            field_dict["ops_contact_email"] = ops_contact_email

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_active(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        active = _parse_active(d.pop("active", UNSET))

        def _parse_category(data: object) -> None | PartyCategory | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                category_type_0 = PartyCategory(data)

                return category_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PartyCategory | Unset, data)

        category = _parse_category(d.pop("category", UNSET))

        def _parse_escalation_contact_email(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        escalation_contact_email = _parse_escalation_contact_email(
            d.pop("escalation_contact_email", UNSET)
        )

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_ops_contact_email(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        ops_contact_email = _parse_ops_contact_email(d.pop("ops_contact_email", UNSET))

        party_update = cls(
            active=active,
            category=category,
            escalation_contact_email=escalation_contact_email,
            name=name,
            ops_contact_email=ops_contact_email,
        )

        return party_update
