from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.breach_cause import BreachCause
from ..models.sla_event_kind import SlaEventKind
from ..types import UNSET, Unset

T = TypeVar("T", bound="SlaEventCreate")


@_attrs_define
class SlaEventCreate:
    """
    Attributes:
        clock (int):
        kind (SlaEventKind):
        occurred_at (datetime.datetime):
        ordinal (int):
        cause (BreachCause | None | Unset):
    """

    clock: int
    kind: SlaEventKind
    occurred_at: datetime.datetime
    ordinal: int
    cause: BreachCause | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        clock = self.clock

        kind = self.kind.value

        occurred_at = self.occurred_at.isoformat()

        ordinal = self.ordinal

        cause: None | str | Unset
        if isinstance(self.cause, Unset):
            cause = UNSET
        elif isinstance(self.cause, BreachCause):
            cause = self.cause.value
        else:
            cause = self.cause

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "clock": clock,
                "kind": kind,
                "occurred_at": occurred_at,
                "ordinal": ordinal,
            }
        )
        if cause is not UNSET:
            field_dict["cause"] = cause

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        clock = d.pop("clock")

        kind = SlaEventKind(d.pop("kind"))

        occurred_at = datetime.datetime.fromisoformat(d.pop("occurred_at"))

        ordinal = d.pop("ordinal")

        def _parse_cause(data: object) -> BreachCause | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                cause_type_0 = BreachCause(data)

                return cause_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BreachCause | None | Unset, data)

        cause = _parse_cause(d.pop("cause", UNSET))

        sla_event_create = cls(
            clock=clock,
            kind=kind,
            occurred_at=occurred_at,
            ordinal=ordinal,
            cause=cause,
        )

        return sla_event_create
