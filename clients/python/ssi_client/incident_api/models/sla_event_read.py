from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.sla_event_kind import SlaEventKind

T = TypeVar("T", bound="SlaEventRead")


@_attrs_define
class SlaEventRead:
    """
    Attributes:
        clock (int):
        incident_id (str):
        kind (SlaEventKind):
        occurred_at (datetime.datetime):
        ordinal (int):
        recorded_at (datetime.datetime):
    """

    clock: int
    incident_id: str
    kind: SlaEventKind
    occurred_at: datetime.datetime
    ordinal: int
    recorded_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        clock = self.clock

        incident_id = self.incident_id

        kind = self.kind.value

        occurred_at = self.occurred_at.isoformat()

        ordinal = self.ordinal

        recorded_at = self.recorded_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "clock": clock,
                "incident_id": incident_id,
                "kind": kind,
                "occurred_at": occurred_at,
                "ordinal": ordinal,
                "recorded_at": recorded_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        clock = d.pop("clock")

        incident_id = d.pop("incident_id")

        kind = SlaEventKind(d.pop("kind"))

        occurred_at = datetime.datetime.fromisoformat(d.pop("occurred_at"))

        ordinal = d.pop("ordinal")

        recorded_at = datetime.datetime.fromisoformat(d.pop("recorded_at"))

        sla_event_read = cls(
            clock=clock,
            incident_id=incident_id,
            kind=kind,
            occurred_at=occurred_at,
            ordinal=ordinal,
            recorded_at=recorded_at,
        )

        sla_event_read.additional_properties = d
        return sla_event_read

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
