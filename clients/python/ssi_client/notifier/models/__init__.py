"""Contains all the data models used in inputs/outputs"""

from .attempt_read import AttemptRead
from .check_health_response_check_health import CheckHealthResponseCheckHealth
from .confirm_body import ConfirmBody
from .contact_defect import ContactDefect
from .contact_defects import ContactDefects
from .contact_role import ContactRole
from .delivery_detail import DeliveryDetail
from .delivery_list import DeliveryList
from .delivery_read import DeliveryRead
from .delivery_status import DeliveryStatus
from .disabled_reason import DisabledReason
from .endpoint_confirmed import EndpointConfirmed
from .endpoint_create import EndpointCreate
from .endpoint_created import EndpointCreated
from .endpoint_kind import EndpointKind
from .endpoint_list import EndpointList
from .endpoint_read import EndpointRead
from .endpoint_update import EndpointUpdate
from .event_type import EventType
from .field_problem import FieldProblem
from .inbox_ack import InboxAck
from .inbox_acknowledged import InboxAcknowledged
from .inbox_item import InboxItem
from .inbox_item_data import InboxItemData
from .inbox_page import InboxPage
from .problem import Problem
from .recover_body import RecoverBody
from .recovered import Recovered
from .secret_rotated import SecretRotated
from .sla_report import SlaReport
from .sla_report_row import SlaReportRow
from .test_clock_read import TestClockRead
from .test_clock_set import TestClockSet

__all__ = (
    "AttemptRead",
    "CheckHealthResponseCheckHealth",
    "ConfirmBody",
    "ContactDefect",
    "ContactDefects",
    "ContactRole",
    "DeliveryDetail",
    "DeliveryList",
    "DeliveryRead",
    "DeliveryStatus",
    "DisabledReason",
    "EndpointConfirmed",
    "EndpointCreate",
    "EndpointCreated",
    "EndpointKind",
    "EndpointList",
    "EndpointRead",
    "EndpointUpdate",
    "EventType",
    "FieldProblem",
    "InboxAck",
    "InboxAcknowledged",
    "InboxItem",
    "InboxItemData",
    "InboxPage",
    "Problem",
    "RecoverBody",
    "Recovered",
    "SecretRotated",
    "SlaReport",
    "SlaReportRow",
    "TestClockRead",
    "TestClockSet",
)
