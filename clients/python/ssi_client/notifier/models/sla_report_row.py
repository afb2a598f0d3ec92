from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="SlaReportRow")


@_attrs_define
class SlaReportRow:
    """One addressed party's clocks of incidents raised in the period (a reopen or readdress
    starts a new clock, so it counts again: the SLA is per clock).

        Attributes:
            addressed_party_id (str):
            breached (int):
            cancelled (int):
            median_working_days_to_resolve (float | None):
            open_ (int):
            received (int):
            resolved (int):
            resolved_within_sla (int):
    """

    addressed_party_id: str
    breached: int
    cancelled: int
    median_working_days_to_resolve: float | None
    open_: int
    received: int
    resolved: int
    resolved_within_sla: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        addressed_party_id = self.addressed_party_id

        breached = self.breached

        cancelled = self.cancelled

        median_working_days_to_resolve: float | None
        median_working_days_to_resolve = self.median_working_days_to_resolve

        open_ = self.open_

        received = self.received

        resolved = self.resolved

        resolved_within_sla = self.resolved_within_sla

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "addressed_party_id": addressed_party_id,
                "breached": breached,
                "cancelled": cancelled,
                "median_working_days_to_resolve": median_working_days_to_resolve,
                "open": open_,
                "received": received,
                "resolved": resolved,
                "resolved_within_sla": resolved_within_sla,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        addressed_party_id = d.pop("addressed_party_id")

        breached = d.pop("breached")

        cancelled = d.pop("cancelled")

        def _parse_median_working_days_to_resolve(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        median_working_days_to_resolve = _parse_median_working_days_to_resolve(
            d.pop("median_working_days_to_resolve")
        )

        open_ = d.pop("open")

        received = d.pop("received")

        resolved = d.pop("resolved")

        resolved_within_sla = d.pop("resolved_within_sla")

        sla_report_row = cls(
            addressed_party_id=addressed_party_id,
            breached=breached,
            cancelled=cancelled,
            median_working_days_to_resolve=median_working_days_to_resolve,
            open_=open_,
            received=received,
            resolved=resolved,
            resolved_within_sla=resolved_within_sla,
        )

        sla_report_row.additional_properties = d
        return sla_report_row

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
