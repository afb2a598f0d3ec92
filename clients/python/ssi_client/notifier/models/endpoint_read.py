from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.contact_role import ContactRole
from ..models.disabled_reason import DisabledReason
from ..models.endpoint_kind import EndpointKind

T = TypeVar("T", bound="EndpointRead")


@_attrs_define
class EndpointRead:
    """
    Attributes:
        address (None | str): An email endpoint's address
        contact_role (ContactRole | None): `ops` or `escalation`: kept from the party's contact list by the notifier,
            the fallback when no other endpoint takes an event; change it through the party's contact emails at the incident
            API
        created_at (datetime.datetime):
        description (None | str):
        disabled_at (datetime.datetime | None):
        disabled_reason (DisabledReason | None):
        enabled (bool):
        event_types (list[str]):
        failing_since (datetime.datetime | None):
        id (str):
        kind (EndpointKind):
        party_id (str):
        previous_secret_expires_at (datetime.datetime | None):
        updated_at (datetime.datetime):
        url (None | str): A webhook's URL
    """

    address: None | str
    contact_role: ContactRole | None
    created_at: datetime.datetime
    description: None | str
    disabled_at: datetime.datetime | None
    disabled_reason: DisabledReason | None
    enabled: bool
    event_types: list[str]
    failing_since: datetime.datetime | None
    id: str
    kind: EndpointKind
    party_id: str
    previous_secret_expires_at: datetime.datetime | None
    updated_at: datetime.datetime
    url: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        address: None | str
        address = self.address

        contact_role: None | str
        if isinstance(self.contact_role, ContactRole):
            contact_role = self.contact_role.value
        else:
            contact_role = self.contact_role

        created_at = self.created_at.isoformat()

        description: None | str
        description = self.description

        disabled_at: None | str
        if isinstance(self.disabled_at, datetime.datetime):
            disabled_at = self.disabled_at.isoformat()
        else:
            disabled_at = self.disabled_at

        disabled_reason: None | str
        if isinstance(self.disabled_reason, DisabledReason):
            disabled_reason = self.disabled_reason.value
        else:
            disabled_reason = self.disabled_reason

        enabled = self.enabled

        event_types = self.event_types

        failing_since: None | str
        if isinstance(self.failing_since, datetime.datetime):
            failing_since = self.failing_since.isoformat()
        else:
            failing_since = self.failing_since

        id = self.id

        kind = self.kind.value

        party_id = self.party_id

        previous_secret_expires_at: None | str
        if isinstance(self.previous_secret_expires_at, datetime.datetime):
            previous_secret_expires_at = self.previous_secret_expires_at.isoformat()
        else:
            previous_secret_expires_at = self.previous_secret_expires_at

        updated_at = self.updated_at.isoformat()

        url: None | str
        url = self.url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "address": address,
                "contact_role": contact_role,
                "created_at": created_at,
                "description": description,
                "disabled_at": disabled_at,
                "disabled_reason": disabled_reason,
                "enabled": enabled,
                "event_types": event_types,
                "failing_since": failing_since,
                "id": id,
                "kind": kind,
                "party_id": party_id,
                "previous_secret_expires_at": previous_secret_expires_at,
                "updated_at": updated_at,
                "url": url,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_address(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        address = _parse_address(d.pop("address"))

        def _parse_contact_role(data: object) -> ContactRole | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                contact_role_type_0 = ContactRole(data)

                return contact_role_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ContactRole | None, data)

        contact_role = _parse_contact_role(d.pop("contact_role"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_description(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        description = _parse_description(d.pop("description"))

        def _parse_disabled_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                disabled_at_type_0 = datetime.datetime.fromisoformat(data)

                return disabled_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        disabled_at = _parse_disabled_at(d.pop("disabled_at"))

        def _parse_disabled_reason(data: object) -> DisabledReason | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                disabled_reason_type_0 = DisabledReason(data)

                return disabled_reason_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DisabledReason | None, data)

        disabled_reason = _parse_disabled_reason(d.pop("disabled_reason"))

        enabled = d.pop("enabled")

        event_types = cast(list[str], d.pop("event_types"))

        def _parse_failing_since(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                failing_since_type_0 = datetime.datetime.fromisoformat(data)

                return failing_since_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        failing_since = _parse_failing_since(d.pop("failing_since"))

        id = d.pop("id")

        kind = EndpointKind(d.pop("kind"))

        party_id = d.pop("party_id")

        def _parse_previous_secret_expires_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                previous_secret_expires_at_type_0 = datetime.datetime.fromisoformat(
                    data
                )

                return previous_secret_expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        previous_secret_expires_at = _parse_previous_secret_expires_at(
            d.pop("previous_secret_expires_at")
        )

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        url = _parse_url(d.pop("url"))

        endpoint_read = cls(
            address=address,
            contact_role=contact_role,
            created_at=created_at,
            description=description,
            disabled_at=disabled_at,
            disabled_reason=disabled_reason,
            enabled=enabled,
            event_types=event_types,
            failing_since=failing_since,
            id=id,
            kind=kind,
            party_id=party_id,
            previous_secret_expires_at=previous_secret_expires_at,
            updated_at=updated_at,
            url=url,
        )

        endpoint_read.additional_properties = d
        return endpoint_read

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
