from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.sla_event_kind import SlaEventKind

T = TypeVar("T", bound="SlaEventCreate")


@_attrs_define
class SlaEventCreate:
    """
    Attributes:
        clock (int):
        kind (SlaEventKind):
        occurred_at (datetime.datetime):
        ordinal (int):
    """

    clock: int
    kind: SlaEventKind
    occurred_at: datetime.datetime
    ordinal: int

    def to_dict(self) -> dict[str, Any]:
        clock = self.clock

        kind = self.kind.value

        occurred_at = self.occurred_at.isoformat()

        ordinal = self.ordinal

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "clock": clock,
                "kind": kind,
                "occurred_at": occurred_at,
                "ordinal": ordinal,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        clock = d.pop("clock")

        kind = SlaEventKind(d.pop("kind"))

        occurred_at = datetime.datetime.fromisoformat(d.pop("occurred_at"))

        ordinal = d.pop("ordinal")

        sla_event_create = cls(
            clock=clock,
            kind=kind,
            occurred_at=occurred_at,
            ordinal=ordinal,
        )

        return sla_event_create
