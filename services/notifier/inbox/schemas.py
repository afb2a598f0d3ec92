"""What the inbox API reads and answers."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.common.openapi import examples

MAX_CURSOR = 200
EXAMPLE_CURSOR = (
    "AQAMZGV2LTVmM2E5YzFlLY9rCkweSnufPW5cSzovGQAAAAAAAAAq"
    "52whKyi5vNDT8mVbLkyk3k0Kx1gmLqZsU7WhyjrH-OE"
)
"""Tagged with a key that was thrown away: it opens nowhere."""
_ITEM: dict[str, object] = {
    "cursor": EXAMPLE_CURSOR,
    "webhook_id": "evt_1042_7c1e9a4f-3b2d-4f60-8e5a-9d0b1c2e3f47",
    "type": "incident.raised",
    "timestamp": "2026-11-23T10:15:04.120000Z",
    "data": {
        "seq": 1042,
        "incident_id": "3f2b8c1e-6d4a-4b7e-9a15-0c2d7e8f9a61",
        "reference": "INC-000123",
        "device_id": "00-DB-12-34-56-78-90-A0",
        "status": "raised",
        "clock": 1,
        "due_at": "2026-11-30T00:00:00Z",
    },
}


class InboxItem(BaseModel):
    model_config = examples(_ITEM)

    cursor: str = Field(
        description="This item's place: pass it as `after` to read on from here, or to "
        "`POST /v1/inbox/ack` once you have handled everything up to it. Opaque, and yours alone"
    )
    webhook_id: str = Field(
        description="The event's id for this endpoint, as a webhook's `webhook-id` header: the "
        "same however often the item is read, so you can drop a duplicate by it"
    )
    type: str = Field(description="The event type, as a webhook's `type`")
    timestamp: datetime = Field(description="As a webhook's `timestamp`")
    data: dict[str, Any] = Field(description="As a webhook's `data`: identifiers and state only")


class InboxPage(BaseModel):
    model_config = examples({"items": [_ITEM], "next_cursor": EXAMPLE_CURSOR})

    items: list[InboxItem]
    next_cursor: str = Field(
        description="The last item's cursor, or, with no items, where this read started: pass "
        "it as `after` for what comes next, or acknowledge it"
    )


class InboxAck(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        hide_input_in_errors=True,
        json_schema_extra={"examples": [{"cursor": EXAMPLE_CURSOR}]},
    )

    cursor: str = Field(
        min_length=1,
        max_length=MAX_CURSOR,
        description="The cursor of the last item you have handled: it and every item before it "
        "are acknowledged",
    )


class InboxAcknowledged(BaseModel):
    model_config = examples({"acknowledged_through": EXAMPLE_CURSOR, "pending": 0})

    acknowledged_through: str = Field(
        description="The cursor of the newest item acknowledged (never older than it was: an "
        "older cursor acknowledges nothing more)"
    )
    pending: int = Field(description="Items after it not yet acknowledged")
