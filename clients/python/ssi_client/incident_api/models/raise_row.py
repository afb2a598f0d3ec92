from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RaiseRow")


@_attrs_define
class RaiseRow:
    """
    Attributes:
        device_id (str):
        addressed_party_id (None | str | Unset): Required only when the inventory does not know the Device.
        client_ref (None | str | Unset): Your reference for the row, echoed in its result; also the row's idempotency
            key (kept as long as an Idempotency-Key): a re-sent row replays its result.
        group_ref (None | str | Unset): Your label for a group of incidents: `GET /v1/incidents?group_ref=` finds them.
        note (None | str | Unset): For the addressee, at most 500 characters: never personal data (an MPAN, an MPRN, a
            postcode, an email address is refused). Never sent in webhooks.
    """

    device_id: str
    addressed_party_id: None | str | Unset = UNSET
    client_ref: None | str | Unset = UNSET
    group_ref: None | str | Unset = UNSET
    note: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        device_id = self.device_id

        addressed_party_id: None | str | Unset
        if isinstance(self.addressed_party_id, Unset):
            addressed_party_id = UNSET
        else:
            addressed_party_id = self.addressed_party_id

        client_ref: None | str | Unset
        if isinstance(self.client_ref, Unset):
            client_ref = UNSET
        else:
            client_ref = self.client_ref

        group_ref: None | str | Unset
        if isinstance(self.group_ref, Unset):
            group_ref = UNSET
        else:
            group_ref = self.group_ref

        note: None | str | Unset
        if isinstance(self.note, Unset):
            note = UNSET
        else:
            note = self.note

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "device_id": device_id,
            }
        )
        if addressed_party_id is not UNSET:
            field_dict["addressed_party_id"] = addressed_party_id
        if client_ref is not UNSET:
            field_dict["client_ref"] = client_ref
        if group_ref is not UNSET:
            field_dict["group_ref"] = group_ref
        if note is not UNSET:
            field_dict["note"] = note

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        device_id = d.pop("device_id")

        def _parse_addressed_party_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        addressed_party_id = _parse_addressed_party_id(
            d.pop("addressed_party_id", UNSET)
        )

        def _parse_client_ref(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        client_ref = _parse_client_ref(d.pop("client_ref", UNSET))

        def _parse_group_ref(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        group_ref = _parse_group_ref(d.pop("group_ref", UNSET))

        def _parse_note(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        note = _parse_note(d.pop("note", UNSET))

        raise_row = cls(
            device_id=device_id,
            addressed_party_id=addressed_party_id,
            client_ref=client_ref,
            group_ref=group_ref,
            note=note,
        )

        return raise_row
