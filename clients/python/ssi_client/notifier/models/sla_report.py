from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.sla_report_row import SlaReportRow


T = TypeVar("T", bound="SlaReport")


@_attrs_define
class SlaReport:
    """
    Attributes:
        from_ (datetime.datetime | None):
        generated_at (datetime.datetime):
        items (list[SlaReportRow]):
        to (datetime.datetime):
    """

    from_: datetime.datetime | None
    generated_at: datetime.datetime
    items: list[SlaReportRow]
    to: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from_: None | str
        if isinstance(self.from_, datetime.datetime):
            from_ = self.from_.isoformat()
        else:
            from_ = self.from_

        generated_at = self.generated_at.isoformat()

        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        to = self.to.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "from": from_,
                "generated_at": generated_at,
                "items": items,
                "to": to,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.sla_report_row import SlaReportRow  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_from_(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                from_type_0 = datetime.datetime.fromisoformat(data)

                return from_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        from_ = _parse_from_(d.pop("from"))

        generated_at = datetime.datetime.fromisoformat(d.pop("generated_at"))

        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = SlaReportRow.from_dict(items_item_data)

            items.append(items_item)

        to = datetime.datetime.fromisoformat(d.pop("to"))

        sla_report = cls(
            from_=from_,
            generated_at=generated_at,
            items=items,
            to=to,
        )

        sla_report.additional_properties = d
        return sla_report

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
