"""What the deliveries API answers."""

from datetime import datetime

from pydantic import BaseModel

from services.common.openapi import examples
from services.notifier.delivery.models import DeliveryStatus

EXAMPLE_DELIVERY = "b4e2c9d1-8a7f-4e3b-9c6d-2f1a0e5b7c83"
_ENDPOINT = "7c1e9a4f-3b2d-4f60-8e5a-9d0b1c2e3f47"
_FAILING = {
    "id": EXAMPLE_DELIVERY,
    "webhook_id": f"evt_1042_{_ENDPOINT}",
    "endpoint_id": _ENDPOINT,
    "event_type": "incident.raised",
    "event_seq": 1042,
    "incident_id": "3f2b8c1e-6d4a-4b7e-9a15-0c2d7e8f9a61",
    "status": "pending",
    "attempt_count": 2,
    "next_attempt_at": "2026-11-23T10:20:19.450Z",
    "last_status_code": 503,
    "last_error": None,
    "created_at": "2026-11-23T10:15:04.120Z",
    "delivered_at": None,
}
_ATTEMPTS = [
    {
        "number": 1,
        "started_at": "2026-11-23T10:15:04.131Z",
        "status_code": None,
        "latency_ms": 10002.4,
        "response_excerpt": None,
        "error": "timed out",
    },
    {
        "number": 2,
        "started_at": "2026-11-23T10:15:19.408Z",
        "status_code": 503,
        "latency_ms": 41.7,
        "response_excerpt": "Service Unavailable",
        "error": None,
    },
]


class AttemptRead(BaseModel):
    model_config = examples(_ATTEMPTS[1])

    number: int
    started_at: datetime
    status_code: int | None
    latency_ms: float
    response_excerpt: str | None
    error: str | None


class DeliveryRead(BaseModel):
    model_config = examples(_FAILING)

    id: str
    webhook_id: str
    endpoint_id: str
    event_type: str
    event_seq: int | None
    incident_id: str | None
    status: DeliveryStatus
    attempt_count: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


class DeliveryDetail(DeliveryRead):
    model_config = examples(_FAILING | {"attempts": _ATTEMPTS})

    attempts: list[AttemptRead]


class DeliveryList(BaseModel):
    model_config = examples(
        {
            "items": [_FAILING],
            "next_cursor": "MjAyNi0xMS0yM1QxMDoxNTowNC4xMjAwMDArMDA6MDB8YjRlMmM5ZDEtOGE3Zi00ZTNi"
            "LTljNmQtMmYxYTBlNWI3Yzgz",
        }
    )

    items: list[DeliveryRead]
    next_cursor: str | None
