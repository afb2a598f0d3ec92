"""Contains all the data models used in inputs/outputs"""

from .attempt_read import AttemptRead
from .check_health_response_check_health import CheckHealthResponseCheckHealth
from .delivery_detail import DeliveryDetail
from .delivery_list import DeliveryList
from .delivery_read import DeliveryRead
from .delivery_status import DeliveryStatus
from .endpoint_create import EndpointCreate
from .endpoint_created import EndpointCreated
from .endpoint_list import EndpointList
from .endpoint_read import EndpointRead
from .endpoint_update import EndpointUpdate
from .event_type import EventType
from .field_problem import FieldProblem
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
    "DeliveryDetail",
    "DeliveryList",
    "DeliveryRead",
    "DeliveryStatus",
    "EndpointCreate",
    "EndpointCreated",
    "EndpointList",
    "EndpointRead",
    "EndpointUpdate",
    "EventType",
    "FieldProblem",
    "Problem",
    "RecoverBody",
    "Recovered",
    "SecretRotated",
    "SlaReport",
    "SlaReportRow",
    "TestClockRead",
    "TestClockSet",
)
