from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.contact_role import ContactRole

T = TypeVar("T", bound="ContactDefect")


@_attrs_define
class ContactDefect:
    """
    Attributes:
        address (str):
        contact_role (ContactRole): An email endpoint kept from the party's contact list rather than registered by it.
        failing_since (datetime.datetime):
        last_error (None | str):
        last_status_code (int | None):
        party_id (str):
    """

    address: str
    contact_role: ContactRole
    failing_since: datetime.datetime
    last_error: None | str
    last_status_code: int | None
    party_id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        address = self.address

        contact_role = self.contact_role.value

        failing_since = self.failing_since.isoformat()

        last_error: None | str
        last_error = self.last_error

        last_status_code: int | None
        last_status_code = self.last_status_code

        party_id = self.party_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "address": address,
                "contact_role": contact_role,
                "failing_since": failing_since,
                "last_error": last_error,
                "last_status_code": last_status_code,
                "party_id": party_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        address = d.pop("address")

        contact_role = ContactRole(d.pop("contact_role"))

        failing_since = datetime.datetime.fromisoformat(d.pop("failing_since"))

        def _parse_last_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_error = _parse_last_error(d.pop("last_error"))

        def _parse_last_status_code(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        last_status_code = _parse_last_status_code(d.pop("last_status_code"))

        party_id = d.pop("party_id")

        contact_defect = cls(
            address=address,
            contact_role=contact_role,
            failing_since=failing_since,
            last_error=last_error,
            last_status_code=last_status_code,
            party_id=party_id,
        )

        contact_defect.additional_properties = d
        return contact_defect

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
