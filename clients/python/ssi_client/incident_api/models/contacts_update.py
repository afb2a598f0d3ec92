from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="ContactsUpdate")


@_attrs_define
class ContactsUpdate:
    """A party's own contact emails; those left out (or null) stay as they are.

    Attributes:
        escalation_contact_email (None | str | Unset):
        ops_contact_email (None | str | Unset):
    """

    escalation_contact_email: None | str | Unset = UNSET
    ops_contact_email: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        escalation_contact_email: None | str | Unset
        if isinstance(self.escalation_contact_email, Unset):
            escalation_contact_email = UNSET
        else:
            escalation_contact_email = self.escalation_contact_email

        ops_contact_email: None | str | Unset
        if isinstance(self.ops_contact_email, Unset):
            ops_contact_email = UNSET
        else:
            ops_contact_email = self.ops_contact_email

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if escalation_contact_email is not UNSET:
            field_dict["escalation_contact_email"] = escalation_contact_email
        if ops_contact_email is not UNSET:
            field_dict["ops_contact_email"] = ops_contact_email

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_escalation_contact_email(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        escalation_contact_email = _parse_escalation_contact_email(
            d.pop("escalation_contact_email", UNSET)
        )

        def _parse_ops_contact_email(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        ops_contact_email = _parse_ops_contact_email(d.pop("ops_contact_email", UNSET))

        contacts_update = cls(
            escalation_contact_email=escalation_contact_email,
            ops_contact_email=ops_contact_email,
        )

        return contacts_update
