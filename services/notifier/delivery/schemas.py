from datetime import datetime

from pydantic import BaseModel

from services.notifier.delivery.models import DeliveryStatus


class AttemptRead(BaseModel):
    number: int
    started_at: datetime
    status_code: int | None
    latency_ms: float
    response_excerpt: str | None
    error: str | None


class DeliveryRead(BaseModel):
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
    attempts: list[AttemptRead]


class DeliveryList(BaseModel):
    items: list[DeliveryRead]
    next_cursor: str | None
