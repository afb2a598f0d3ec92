"""Contains all the data models used in inputs/outputs"""

from .batch_result import BatchResult
from .breach_cause import BreachCause
from .cancel_body import CancelBody
from .check_health_response_check_health import CheckHealthResponseCheckHealth
from .close_body import CloseBody
from .contacts_update import ContactsUpdate
from .device_read import DeviceRead
from .device_type import DeviceType
from .device_write import DeviceWrite
from .event import Event
from .event_data import EventData
from .event_page import EventPage
from .event_type import EventType
from .field_problem import FieldProblem
from .history_list import HistoryList
from .history_read import HistoryRead
from .history_read_details import HistoryReadDetails
from .import_result import ImportResult
from .incident_create import IncidentCreate
from .incident_list import IncidentList
from .incident_read import IncidentRead
from .incident_read_links import IncidentReadLinks
from .incident_status import IncidentStatus
from .install_code_read import InstallCodeRead
from .list_incidents_role_type_0 import ListIncidentsRoleType0
from .outcome import Outcome
from .party_category import PartyCategory
from .party_change_action import PartyChangeAction
from .party_change_list import PartyChangeList
from .party_change_read import PartyChangeRead
from .party_create import PartyCreate
from .party_list import PartyList
from .party_read import PartyRead
from .party_update import PartyUpdate
from .problem import Problem
from .raise_batch import RaiseBatch
from .raise_row import RaiseRow
from .reached_batch import ReachedBatch
from .reached_create import ReachedCreate
from .reached_item import ReachedItem
from .readdress_body import ReaddressBody
from .reopen_body import ReopenBody
from .response_batch import ResponseBatch
from .response_create import ResponseCreate
from .response_row import ResponseRow
from .row_error import RowError
from .row_problem import RowProblem
from .row_problem_errors_type_0_item import RowProblemErrorsType0Item
from .row_result import RowResult
from .sla_event_create import SlaEventCreate
from .sla_event_kind import SlaEventKind
from .sla_event_read import SlaEventRead
from .sla_state import SlaState
from .smi_status import SmiStatus
from .test_clock_read import TestClockRead
from .test_clock_set import TestClockSet

__all__ = (
    "BatchResult",
    "BreachCause",
    "CancelBody",
    "CheckHealthResponseCheckHealth",
    "CloseBody",
    "ContactsUpdate",
    "DeviceRead",
    "DeviceType",
    "DeviceWrite",
    "Event",
    "EventData",
    "EventPage",
    "EventType",
    "FieldProblem",
    "HistoryList",
    "HistoryRead",
    "HistoryReadDetails",
    "ImportResult",
    "IncidentCreate",
    "IncidentList",
    "IncidentRead",
    "IncidentReadLinks",
    "IncidentStatus",
    "InstallCodeRead",
    "ListIncidentsRoleType0",
    "Outcome",
    "PartyCategory",
    "PartyChangeAction",
    "PartyChangeList",
    "PartyChangeRead",
    "PartyCreate",
    "PartyList",
    "PartyRead",
    "PartyUpdate",
    "Problem",
    "RaiseBatch",
    "RaiseRow",
    "ReachedBatch",
    "ReachedCreate",
    "ReachedItem",
    "ReaddressBody",
    "ReopenBody",
    "ResponseBatch",
    "ResponseCreate",
    "ResponseRow",
    "RowError",
    "RowProblem",
    "RowProblemErrorsType0Item",
    "RowResult",
    "SlaEventCreate",
    "SlaEventKind",
    "SlaEventRead",
    "SlaState",
    "SmiStatus",
    "TestClockRead",
    "TestClockSet",
)
