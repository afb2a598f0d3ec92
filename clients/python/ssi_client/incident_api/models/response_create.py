from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.outcome import Outcome
from ..types import UNSET, Unset

T = TypeVar("T", bound="ResponseCreate")


@_attrs_define
class ResponseCreate:
    """The addressee's answer.

    Attributes:
        outcome (Outcome):
        install_code (None | str | Unset): With `install_code_provided`, and only with it.
        reason (None | str | Unset): Required with `rejected`; free text, as `note`.
        suggested_party_id (None | str | Unset): With `not_installing_supplier`: the party you believe installed the
            Device.
    """

    outcome: Outcome
    install_code: None | str | Unset = UNSET
    reason: None | str | Unset = UNSET
    suggested_party_id: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        outcome = self.outcome.value

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
        if install_code is not UNSET:
            field_dict["install_code"] = install_code
        if reason is not UNSET:
            field_dict["reason"] = reason
        if suggested_party_id is not UNSET:
            field_dict["suggested_party_id"] = suggested_party_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        outcome = Outcome(d.pop("outcome"))

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

        def _parse_suggested_party_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        suggested_party_id = _parse_suggested_party_id(
            d.pop("suggested_party_id", UNSET)
        )

        response_create = cls(
            outcome=outcome,
            install_code=install_code,
            reason=reason,
            suggested_party_id=suggested_party_id,
        )

        return response_create
