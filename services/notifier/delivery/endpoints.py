"""Every event sent to your party's endpoints, with each attempt: find what failed and why, and
try a dead delivery again. A delivery is one event to one endpoint; its `webhook-id` is the same
on every attempt, so a receiver can drop a duplicate. A party sees its own deliveries only.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy import update
from sqlmodel import col, select

from services.common.auth import PARTIES, Principal, require
from services.common.db import SessionDep, after_commit
from services.common.errors import Conflict, NotFound
from services.common.openapi import links, problems
from services.common.pagination import (
    BadCursor,
    Cursor,
    Limit,
    decode_time_cursor,
    encode_time_cursor,
)
from services.notifier.delivery.models import Delivery, DeliveryAttempt, DeliveryStatus
from services.notifier.delivery.schemas import (
    EXAMPLE_DELIVERY,
    AttemptRead,
    DeliveryDetail,
    DeliveryList,
    DeliveryRead,
)
from services.notifier.runtime import RuntimeDep

router = APIRouter(prefix="/v1/deliveries", tags=["deliveries"])

Reader = Annotated[Principal, Depends(require("webhooks:read", *PARTIES))]
Writer = Annotated[Principal, Depends(require("webhooks:write", *PARTIES))]
DeliveryId = Annotated[
    str, Path(max_length=36, pattern=r"^[0-9a-f-]{36}$", examples=[EXAMPLE_DELIVERY])
]
Id = Annotated[str | None, Query(max_length=36, pattern=r"^[0-9a-f-]{36}$")]


class DeliveryNotFound(NotFound):
    slug, title = "delivery-not-found", "No such delivery"


class NotRetryable(Conflict):
    slug, title = "not-retryable", "Only a dead delivery can be retried"


def _view(d: Delivery) -> DeliveryRead:
    pending = d.status == DeliveryStatus.pending
    return DeliveryRead(
        id=d.id,
        webhook_id=d.webhook_id,
        endpoint_id=d.endpoint_id,
        event_type=d.event_type,
        event_seq=d.event_seq,
        incident_id=d.incident_id,
        status=d.status,
        attempt_count=d.attempt_count,
        next_attempt_at=d.next_attempt_at if pending else None,
        last_status_code=d.last_status_code,
        last_error=d.last_error,
        created_at=d.created_at,
        delivered_at=d.delivered_at,
    )


async def _own(session: SessionDep, principal: Principal, delivery_id: str) -> Delivery:
    delivery = await session.get(Delivery, delivery_id)
    if delivery is None or delivery.party_id != principal.party_id:
        raise DeliveryNotFound()
    return delivery


@router.get(
    "",
    response_model=DeliveryList,
    summary="List your deliveries",
    responses={
        **links(
            200,
            "delivery_id",
            "get_delivery",
            "retry_delivery",
            source="$response.body#/items/0/id",
        ),
        **problems(BadCursor),
    },
)
async def list_deliveries(
    session: SessionDep,
    principal: Reader,
    endpoint_id: Id = None,
    status: DeliveryStatus | None = None,
    incident_id: Id = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> DeliveryList:
    """Your party's deliveries, newest first. Scope `webhooks:read`. Filter by `endpoint_id`,
    `status` (`pending`: waiting for its next attempt; `succeeded`; `dead`: every attempt failed;
    `skipped`: its endpoint was disabled) and `incident_id`. Pages hold `limit` items; pass
    `next_cursor` as `cursor` for the next."""
    query = select(Delivery).where(Delivery.party_id == principal.party_id)
    if endpoint_id is not None:
        query = query.where(Delivery.endpoint_id == endpoint_id)
    if status is not None:
        query = query.where(Delivery.status == status)
    if incident_id is not None:
        query = query.where(Delivery.incident_id == incident_id)
    after = decode_time_cursor(cursor)
    if after is not None:
        created, last_id = after
        query = query.where(
            (col(Delivery.created_at) < created)
            | ((col(Delivery.created_at) == created) & (col(Delivery.id) < last_id))
        )
    query = query.order_by(col(Delivery.created_at).desc(), col(Delivery.id).desc()).limit(limit)
    rows = (await session.exec(query)).all()
    last = rows[-1] if len(rows) == limit else None
    return DeliveryList(
        items=[_view(d) for d in rows],
        next_cursor=encode_time_cursor(last.created_at, last.id) if last else None,
    )


@router.get(
    "/{delivery_id}",
    response_model=DeliveryDetail,
    summary="Get a delivery and its attempts",
    responses=problems(DeliveryNotFound),
)
async def get_delivery(
    delivery_id: DeliveryId, session: SessionDep, principal: Reader
) -> DeliveryDetail:
    """One delivery with every attempt: when, the status code your endpoint answered, the
    latency, and the start of its answer or why there was none. Scope `webhooks:read`."""
    delivery = await _own(session, principal, delivery_id)
    attempts = (
        await session.exec(
            select(DeliveryAttempt)
            .where(DeliveryAttempt.delivery_id == delivery.id)
            .order_by(col(DeliveryAttempt.id))
        )
    ).all()
    return DeliveryDetail(
        **_view(delivery).model_dump(),
        attempts=[AttemptRead.model_validate(a, from_attributes=True) for a in attempts],
    )


@router.post(
    "/{delivery_id}/retry",
    response_model=DeliveryRead,
    summary="Retry a dead delivery",
    responses=problems(DeliveryNotFound, NotRetryable),
)
async def retry_delivery(
    delivery_id: DeliveryId, session: SessionDep, rt: RuntimeDep, principal: Writer
) -> DeliveryRead:
    """Try a dead delivery again now, with a fresh retry schedule and the same `webhook-id`.
    Scope `webhooks:write`. Only a `dead` delivery: another is 409 `not-retryable` (to re-send
    what was skipped while an endpoint was disabled, recover the endpoint). Takes no body."""
    delivery = await _own(session, principal, delivery_id)
    if delivery.status != DeliveryStatus.dead:
        raise NotRetryable(f"The delivery is {delivery.status.value}.")
    now = rt.clock.now()
    await session.exec(
        update(Delivery)
        .where(col(Delivery.id) == delivery.id, col(Delivery.status) == DeliveryStatus.dead)
        .values(
            status=DeliveryStatus.pending,
            schedule_start=col(Delivery.attempt_count),
            next_attempt_at=now,
            updated_at=now,
        )
    )
    await session.refresh(delivery)
    after_commit(session, rt.wake_deliveries)
    return _view(delivery)
