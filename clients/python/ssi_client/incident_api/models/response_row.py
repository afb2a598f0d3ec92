from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.outcome import Outcome
from ..types import UNSET, Unset

T = TypeVar("T", bound="ResponseRow")


@_attrs_define
class ResponseRow:
    """
    Attributes:
        outcome (Outcome):
        client_ref (None | str | Unset):
        clock (int | None | Unset): The clock answered; if given, never a later one
        incident_id (None | str | Unset):
        install_code (None | str | Unset): With `install_code_provided`, and only with it.
        reason (None | str | Unset): Required with `rejected`; free text, as `note`.
        reference (None | str | Unset):
        suggested_party_id (None | str | Unset): With `not_installing_supplier`: the party you believe installed the
            Device.
    """

    outcome: Outcome
    client_ref: None | str | Unset = UNSET
    clock: int | None | Unset = UNSET
    incident_id: None | str | Unset = UNSET
    install_code: None | str | Unset = UNSET
    reason: None | str | Unset = UNSET
    reference: None | str | Unset = UNSET
    suggested_party_id: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        outcome = self.outcome.value

        client_ref: None | str | Unset
        if isinstance(self.client_ref, Unset):
            client_ref = UNSET
        else:
            client_ref = self.client_ref

        clock: int | None | Unset
        if isinstance(self.clock, Unset):
            clock = UNSET
        else:
            clock = self.clock

        incident_id: None | str | Unset
        if isinstance(self.incident_id, Unset):
            incident_id = UNSET
        else:
            incident_id = self.incident_id

        install_code: None | str | Unset
        if isinstance(self.install_code, Unset):
            install_code = UNSET
        else:
            install_code = self.install_code

        reason: None | str | Unset
        if isinstance(self.reason, Unset):
            reason = UNSET
        else:
            reason = self.reason

        reference: None | str | Unset
        if isinstance(self.reference, Unset):
            reference = UNSET
        else:
            reference = self.reference

        suggested_party_id: None | str | Unset
        if isinstance(self.suggested_party_id, Unset):
            suggested_party_id = UNSET
        else:
            suggested_party_id = self.suggested_party_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "outcome": outcome,
            }
        )
        if client_ref is not UNSET:
            field_dict["client_ref"] = client_ref
        if clock is not UNSET:
            field_dict["clock"] = clock
        if incident_id is not UNSET:
            field_dict["incident_id"] = incident_id
        if install_code is not UNSET:
            field_dict["install_code"] = install_code
        if reason is not UNSET:
            field_dict["reason"] = reason
        if reference is not UNSET:
            field_dict["reference"] = reference
        if suggested_party_id is not UNSET:
            field_dict["suggested_party_id"] = suggested_party_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        outcome = Outcome(d.pop("outcome"))

        def _parse_client_ref(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        client_ref = _parse_client_ref(d.pop("client_ref", UNSET))

        def _parse_clock(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        clock = _parse_clock(d.pop("clock", UNSET))

        def _parse_incident_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        incident_id = _parse_incident_id(d.pop("incident_id", UNSET))

        def _parse_install_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        install_code = _parse_install_code(d.pop("install_code", UNSET))

        def _parse_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        reason = _parse_reason(d.pop("reason", UNSET))

        def _parse_reference(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        reference = _parse_reference(d.pop("reference", UNSET))

        def _parse_suggested_party_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        suggested_party_id = _parse_suggested_party_id(
            d.pop("suggested_party_id", UNSET)
        )

        response_row = cls(
            outcome=outcome,
            client_ref=client_ref,
            clock=clock,
            incident_id=incident_id,
            install_code=install_code,
            reason=reason,
            reference=reference,
            suggested_party_id=suggested_party_id,
        )

        return response_row
