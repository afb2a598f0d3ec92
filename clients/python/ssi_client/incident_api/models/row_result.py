from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.row_problem import RowProblem


T = TypeVar("T", bound="RowResult")


@_attrs_define
class RowResult:
    """
    Attributes:
        ok (bool):
        row (int):
        client_ref (None | str | Unset):
        error (None | RowProblem | Unset):
        incident_id (None | str | Unset):
        reference (None | str | Unset):
        replayed (bool | Unset):  Default: False.
    """

    ok: bool
    row: int
    client_ref: None | str | Unset = UNSET
    error: None | RowProblem | Unset = UNSET
    incident_id: None | str | Unset = UNSET
    reference: None | str | Unset = UNSET
    replayed: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.row_problem import RowProblem  # noqa: PLC0415

        ok = self.ok

        row = self.row

        client_ref: None | str | Unset
        if isinstance(self.client_ref, Unset):
            client_ref = UNSET
        else:
            client_ref = self.client_ref

        error: dict[str, Any] | None | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        elif isinstance(self.error, RowProblem):
            error = self.error.to_dict()
        else:
            error = self.error

        incident_id: None | str | Unset
        if isinstance(self.incident_id, Unset):
            incident_id = UNSET
        else:
            incident_id = self.incident_id

        reference: None | str | Unset
        if isinstance(self.reference, Unset):
            reference = UNSET
        else:
            reference = self.reference

        replayed = self.replayed

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "ok": ok,
                "row": row,
            }
        )
        if client_ref is not UNSET:
            field_dict["client_ref"] = client_ref
        if error is not UNSET:
            field_dict["error"] = error
        if incident_id is not UNSET:
            field_dict["incident_id"] = incident_id
        if reference is not UNSET:
            field_dict["reference"] = reference
        if replayed is not UNSET:
            field_dict["replayed"] = replayed

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.row_problem import RowProblem  # noqa: PLC0415

        d = dict(src_dict)
        ok = d.pop("ok")

        row = d.pop("row")

        def _parse_client_ref(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        client_ref = _parse_client_ref(d.pop("client_ref", UNSET))

        def _parse_error(data: object) -> None | RowProblem | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                error_type_0 = RowProblem.from_dict(data)

                return error_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RowProblem | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        def _parse_incident_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        incident_id = _parse_incident_id(d.pop("incident_id", UNSET))

        def _parse_reference(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        reference = _parse_reference(d.pop("reference", UNSET))

        replayed = d.pop("replayed", UNSET)

        row_result = cls(
            ok=ok,
            row=row,
            client_ref=client_ref,
            error=error,
            incident_id=incident_id,
            reference=reference,
            replayed=replayed,
        )

        row_result.additional_properties = d
        return row_result

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
