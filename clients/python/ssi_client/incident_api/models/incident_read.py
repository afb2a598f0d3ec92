from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.breach_cause import BreachCause
from ..models.device_type import DeviceType
from ..models.incident_status import IncidentStatus
from ..models.outcome import Outcome
from ..models.sla_state import SlaState
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.incident_read_links import IncidentReadLinks


T = TypeVar("T", bound="IncidentRead")


@_attrs_define
class IncidentRead:
    """
    Attributes:
        acknowledged_at (datetime.datetime | None):
        addressed_party_id (str):
        addressee_reachable (bool): Whether a delivery of this clock's start event (raised, reopened, readdressed) has
            reached the addressee, as the notifier reports it; false again when a reopen or readdress starts a new clock,
            until that one is reached.
        cancelled_at (datetime.datetime | None):
        clock (int):
        clock_started_at (datetime.datetime):
        close_reason (None | str):
        closed_at (datetime.datetime | None):
        device_id (str):
        device_type (DeviceType | None):
        due_at (datetime.datetime):
        group_ref (None | str):
        id (str):
        install_code_available (bool):
        links (IncidentReadLinks):
        note (None | str):
        outcome (None | Outcome):
        policy (str):
        raised_at (datetime.datetime):
        readdressed_at (datetime.datetime | None):
        reason (None | str):
        reference (str):
        reopen_count (int):
        reopened_at (datetime.datetime | None):
        requesting_party_id (str):
        resolved_at (datetime.datetime | None):
        sla_state (None | SlaState):
        status (IncidentStatus):
        suggested_party_id (None | str):
        unverified (bool):
        updated_at (datetime.datetime):
        version (int):
        warning_at (list[datetime.datetime]):
        working_days_overdue (int):
        breach_cause (BreachCause | None | Unset): Why the running clock was breached: `addressee_unreachable` (no
            channel reached the addressee before the due instant), `not_acknowledged` or `acknowledged_not_answered`; null
            unless it was.
    """

    acknowledged_at: datetime.datetime | None
    addressed_party_id: str
    addressee_reachable: bool
    cancelled_at: datetime.datetime | None
    clock: int
    clock_started_at: datetime.datetime
    close_reason: None | str
    closed_at: datetime.datetime | None
    device_id: str
    device_type: DeviceType | None
    due_at: datetime.datetime
    group_ref: None | str
    id: str
    install_code_available: bool
    links: IncidentReadLinks
    note: None | str
    outcome: None | Outcome
    policy: str
    raised_at: datetime.datetime
    readdressed_at: datetime.datetime | None
    reason: None | str
    reference: str
    reopen_count: int
    reopened_at: datetime.datetime | None
    requesting_party_id: str
    resolved_at: datetime.datetime | None
    sla_state: None | SlaState
    status: IncidentStatus
    suggested_party_id: None | str
    unverified: bool
    updated_at: datetime.datetime
    version: int
    warning_at: list[datetime.datetime]
    working_days_overdue: int
    breach_cause: BreachCause | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        acknowledged_at: None | str
        if isinstance(self.acknowledged_at, datetime.datetime):
            acknowledged_at = self.acknowledged_at.isoformat()
        else:
            acknowledged_at = self.acknowledged_at

        addressed_party_id = self.addressed_party_id

        addressee_reachable = self.addressee_reachable

        cancelled_at: None | str
        if isinstance(self.cancelled_at, datetime.datetime):
            cancelled_at = self.cancelled_at.isoformat()
        else:
            cancelled_at = self.cancelled_at

        clock = self.clock

        clock_started_at = self.clock_started_at.isoformat()

        close_reason: None | str
        close_reason = self.close_reason

        closed_at: None | str
        if isinstance(self.closed_at, datetime.datetime):
            closed_at = self.closed_at.isoformat()
        else:
            closed_at = self.closed_at

        device_id = self.device_id

        device_type: None | str
        if isinstance(self.device_type, DeviceType):
            device_type = self.device_type.value
        else:
            device_type = self.device_type

        due_at = self.due_at.isoformat()

        group_ref: None | str
        group_ref = self.group_ref

        id = self.id

        install_code_available = self.install_code_available

        links = self.links.to_dict()

        note: None | str
        note = self.note

        outcome: None | str
        if isinstance(self.outcome, Outcome):
            outcome = self.outcome.value
        else:
            outcome = self.outcome

        policy = self.policy

        raised_at = self.raised_at.isoformat()

        readdressed_at: None | str
        if isinstance(self.readdressed_at, datetime.datetime):
            readdressed_at = self.readdressed_at.isoformat()
        else:
            readdressed_at = self.readdressed_at

        reason: None | str
        reason = self.reason

        reference = self.reference

        reopen_count = self.reopen_count

        reopened_at: None | str
        if isinstance(self.reopened_at, datetime.datetime):
            reopened_at = self.reopened_at.isoformat()
        else:
            reopened_at = self.reopened_at

        requesting_party_id = self.requesting_party_id

        resolved_at: None | str
        if isinstance(self.resolved_at, datetime.datetime):
            resolved_at = self.resolved_at.isoformat()
        else:
            resolved_at = self.resolved_at

        sla_state: None | str
        if isinstance(self.sla_state, SlaState):
            sla_state = self.sla_state.value
        else:
            sla_state = self.sla_state

        status = self.status.value

        suggested_party_id: None | str
        suggested_party_id = self.suggested_party_id

        unverified = self.unverified

        updated_at = self.updated_at.isoformat()

        version = self.version

        warning_at = []
        for warning_at_item_data in self.warning_at:
            warning_at_item = warning_at_item_data.isoformat()
            warning_at.append(warning_at_item)

        working_days_overdue = self.working_days_overdue

        breach_cause: None | str | Unset
        if isinstance(self.breach_cause, Unset):
            breach_cause = UNSET
        elif isinstance(self.breach_cause, BreachCause):
            breach_cause = self.breach_cause.value
        else:
            breach_cause = self.breach_cause

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "acknowledged_at": acknowledged_at,
                "addressed_party_id": addressed_party_id,
                "addressee_reachable": addressee_reachable,
                "cancelled_at": cancelled_at,
                "clock": clock,
                "clock_started_at": clock_started_at,
                "close_reason": close_reason,
                "closed_at": closed_at,
                "device_id": device_id,
                "device_type": device_type,
                "due_at": due_at,
                "group_ref": group_ref,
                "id": id,
                "install_code_available": install_code_available,
                "links": links,
                "note": note,
                "outcome": outcome,
                "policy": policy,
                "raised_at": raised_at,
                "readdressed_at": readdressed_at,
                "reason": reason,
                "reference": reference,
                "reopen_count": reopen_count,
                "reopened_at": reopened_at,
                "requesting_party_id": requesting_party_id,
                "resolved_at": resolved_at,
                "sla_state": sla_state,
                "status": status,
                "suggested_party_id": suggested_party_id,
                "unverified": unverified,
                "updated_at": updated_at,
                "version": version,
                "warning_at": warning_at,
                "working_days_overdue": working_days_overdue,
            }
        )
        if breach_cause is not UNSET:
            field_dict["breach_cause"] = breach_cause

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.incident_read_links import IncidentReadLinks  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_acknowledged_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                acknowledged_at_type_0 = datetime.datetime.fromisoformat(data)

                return acknowledged_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        acknowledged_at = _parse_acknowledged_at(d.pop("acknowledged_at"))

        addressed_party_id = d.pop("addressed_party_id")

        addressee_reachable = d.pop("addressee_reachable")

        def _parse_cancelled_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                cancelled_at_type_0 = datetime.datetime.fromisoformat(data)

                return cancelled_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        cancelled_at = _parse_cancelled_at(d.pop("cancelled_at"))

        clock = d.pop("clock")

        clock_started_at = datetime.datetime.fromisoformat(d.pop("clock_started_at"))

        def _parse_close_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        close_reason = _parse_close_reason(d.pop("close_reason"))

        def _parse_closed_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                closed_at_type_0 = datetime.datetime.fromisoformat(data)

                return closed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        closed_at = _parse_closed_at(d.pop("closed_at"))

        device_id = d.pop("device_id")

        def _parse_device_type(data: object) -> DeviceType | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                device_type_type_0 = DeviceType(data)

                return device_type_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DeviceType | None, data)

        device_type = _parse_device_type(d.pop("device_type"))

        due_at = datetime.datetime.fromisoformat(d.pop("due_at"))

        def _parse_group_ref(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        group_ref = _parse_group_ref(d.pop("group_ref"))

        id = d.pop("id")

        install_code_available = d.pop("install_code_available")

        links = IncidentReadLinks.from_dict(d.pop("links"))

        def _parse_note(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        note = _parse_note(d.pop("note"))

        def _parse_outcome(data: object) -> None | Outcome:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                outcome_type_0 = Outcome(data)

                return outcome_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Outcome, data)

        outcome = _parse_outcome(d.pop("outcome"))

        policy = d.pop("policy")

        raised_at = datetime.datetime.fromisoformat(d.pop("raised_at"))

        def _parse_readdressed_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                readdressed_at_type_0 = datetime.datetime.fromisoformat(data)

                return readdressed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        readdressed_at = _parse_readdressed_at(d.pop("readdressed_at"))

        def _parse_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))

        reference = d.pop("reference")

        reopen_count = d.pop("reopen_count")

        def _parse_reopened_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                reopened_at_type_0 = datetime.datetime.fromisoformat(data)

                return reopened_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        reopened_at = _parse_reopened_at(d.pop("reopened_at"))

        requesting_party_id = d.pop("requesting_party_id")

        def _parse_resolved_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                resolved_at_type_0 = datetime.datetime.fromisoformat(data)

                return resolved_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        resolved_at = _parse_resolved_at(d.pop("resolved_at"))

        def _parse_sla_state(data: object) -> None | SlaState:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                sla_state_type_0 = SlaState(data)

                return sla_state_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SlaState, data)

        sla_state = _parse_sla_state(d.pop("sla_state"))

        status = IncidentStatus(d.pop("status"))

        def _parse_suggested_party_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        suggested_party_id = _parse_suggested_party_id(d.pop("suggested_party_id"))

        unverified = d.pop("unverified")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        version = d.pop("version")

        warning_at = []
        _warning_at = d.pop("warning_at")
        for warning_at_item_data in _warning_at:
            warning_at_item = datetime.datetime.fromisoformat(warning_at_item_data)

            warning_at.append(warning_at_item)

        working_days_overdue = d.pop("working_days_overdue")

        def _parse_breach_cause(data: object) -> BreachCause | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                breach_cause_type_0 = BreachCause(data)

                return breach_cause_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BreachCause | None | Unset, data)

        breach_cause = _parse_breach_cause(d.pop("breach_cause", UNSET))

        incident_read = cls(
            acknowledged_at=acknowledged_at,
            addressed_party_id=addressed_party_id,
            addressee_reachable=addressee_reachable,
            cancelled_at=cancelled_at,
            clock=clock,
            clock_started_at=clock_started_at,
            close_reason=close_reason,
            closed_at=closed_at,
            device_id=device_id,
            device_type=device_type,
            due_at=due_at,
            group_ref=group_ref,
            id=id,
            install_code_available=install_code_available,
            links=links,
            note=note,
            outcome=outcome,
            policy=policy,
            raised_at=raised_at,
            readdressed_at=readdressed_at,
            reason=reason,
            reference=reference,
            reopen_count=reopen_count,
            reopened_at=reopened_at,
            requesting_party_id=requesting_party_id,
            resolved_at=resolved_at,
            sla_state=sla_state,
            status=status,
            suggested_party_id=suggested_party_id,
            unverified=unverified,
            updated_at=updated_at,
            version=version,
            warning_at=warning_at,
            working_days_overdue=working_days_overdue,
            breach_cause=breach_cause,
        )

        incident_read.additional_properties = d
        return incident_read

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
