"""Every event sent to your party's endpoints, with each attempt: find what failed and why, and
try a dead delivery again. A delivery is one event to one endpoint; its `webhook-id` is the same
on every attempt, so a receiver can drop a duplicate. A party sees its own deliveries only.

Also the endpoint operations that make or change deliveries (`endpoint_router`, under
`/v1/endpoints` with the endpoints' tag): adding one (an email endpoint is mailed its
confirmation), testing one, changing one (which may turn it off and skip what waits for it), and
recovering one.
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
from services.notifier.delivery import notices, recovery
from services.notifier.delivery.models import Delivery, DeliveryAttempt, DeliveryStatus
from services.notifier.delivery.schemas import (
    EXAMPLE_DELIVERY,
    AttemptRead,
    DeliveryDetail,
    DeliveryList,
    DeliveryRead,
)
from services.notifier.endpoints import service as endpoints_service
from services.notifier.endpoints.endpoints import CHECKED, EndpointId, party_of
from services.notifier.endpoints.models import DisabledReason
from services.notifier.endpoints.schemas import (
    ConfirmBody,
    EndpointConfirmed,
    EndpointCreate,
    EndpointCreated,
    EndpointRead,
    EndpointUpdate,
    RecoverBody,
    Recovered,
)
from services.notifier.runtime import RuntimeDep

router = APIRouter(prefix="/v1/deliveries", tags=["deliveries"])
endpoint_router = APIRouter(prefix="/v1/endpoints", tags=["endpoints"])

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
    if delivery.inbox_position is not None:
        raise NotRetryable("Inbox items are never sent, so never retried: it expired unread.")
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


@endpoint_router.patch(
    "/{endpoint_id}",
    response_model=EndpointRead,
    summary="Change an endpoint",
    responses=problems(
        endpoints_service.EndpointNotFound,
        endpoints_service.ContactEndpoint,
        endpoints_service.Unconfirmed,
        *CHECKED,
    ),
)
async def update_endpoint(
    endpoint_id: EndpointId,
    body: EndpointUpdate,
    session: SessionDep,
    rt: RuntimeDep,
    principal: Writer,
) -> EndpointRead:
    """Change the URL, description or event types (an empty list: every type), or turn the
    endpoint off (`enabled: false`: what is pending for it is skipped) or back on (`true`, for
    the events that come next; `recover` also re-delivers what was skipped). Scope
    `webhooks:write`. The URL and event types are checked as when the endpoint was added."""
    endpoint = await endpoints_service.get_own(session, party_of(principal), endpoint_id)
    return endpoints_service.view(await recovery.update_endpoint(session, rt, endpoint, body))


@endpoint_router.post(
    "/{endpoint_id}/recover",
    response_model=Recovered,
    summary="Recover an endpoint: enable it and re-deliver",
    responses=problems(
        endpoints_service.EndpointNotFound,
        endpoints_service.ContactEndpoint,
        endpoints_service.Unconfirmed,
    ),
)
async def recover_endpoint(
    endpoint_id: EndpointId,
    body: RecoverBody,
    session: SessionDep,
    rt: RuntimeDep,
    principal: Writer,
) -> Recovered:
    """Enable the endpoint and re-deliver, oldest first, what was skipped while it was disabled
    or died since `since`, each with a fresh retry schedule and its original `webhook-id` (so a
    receiver that did get one can tell). Scope `webhooks:write`. Answers how many deliveries were
    queued again."""
    endpoint = await endpoints_service.get_own(session, party_of(principal), endpoint_id)
    return Recovered(requeued=await recovery.recover(session, rt, endpoint, body.since))


@endpoint_router.post(
    "",
    status_code=201,
    response_model=EndpointCreated,
    summary="Add an endpoint: a webhook, an email address or your inbox",
    responses={
        **links(
            201,
            "endpoint_id",
            "get_endpoint",
            "update_endpoint",
            "delete_endpoint",
            "rotate_endpoint_secret",
            "recover_endpoint",
            "test_endpoint",
        ),
        **problems(*CHECKED, endpoints_service.SecondInbox, endpoints_service.TooManyUnconfirmed),
    },
)
async def create_endpoint(
    body: EndpointCreate, session: SessionDep, rt: RuntimeDep, principal: Writer
) -> EndpointCreated:
    """Register an endpoint for your party. Scope `webhooks:write`. Every event routed to your
    party of the `event_types` listed (all of them if none is) goes to it.

    - `webhook` (the default): each event is POSTed to `url`. **The signing `secret` is in this
      answer only**: keep it, and check each webhook's signature with it. The URL must be https
      to a public address (422 `invalid-endpoint-url`; a development deployment also allows
      http to loopback).
    - `email`: each event is mailed to `address` (plain text, one thread per incident, the
      Device ID and a link to the portal; never an install code or free text). The endpoint
      starts disabled (`disabled_reason: unconfirmed`) and a confirmation link is mailed to the
      address: it is enabled when someone follows it, within 24 hours.
    - `inbox`: events are held for you to pull with `GET /v1/inbox` and acknowledge with
      `POST /v1/inbox/ack`. One per party (409 `inbox-exists`).

    The event types must be ones delivered to endpoints, `incident.*` and `endpoint.*` (422
    `invalid-event-types`). A delivery that fails every attempt is `dead`: see
    `GET /v1/deliveries` and retry it. An endpoint that answers 410, or fails for 5 days without
    a success, is disabled (your ops contact is warned at half that time; `endpoint.disabled` is
    sent to your other endpoints and your ops contact); turn it back on with `recover`. Events
    none of your enabled endpoints takes are mailed to your ops contact.
    """
    created = await endpoints_service.create(session, rt, party_of(principal), body)
    if created.confirm_token is not None:
        await notices.confirmation(session, rt, created.endpoint, created.confirm_token)
    return EndpointCreated(
        **endpoints_service.view(created.endpoint).model_dump(), secret=created.secret
    )


@endpoint_router.post(
    "/{endpoint_id}/test",
    status_code=202,
    response_model=DeliveryRead,
    summary="Send a test event to an endpoint",
    responses=problems(
        endpoints_service.EndpointNotFound,
        endpoints_service.ContactEndpoint,
        endpoints_service.Unconfirmed,
    ),
)
async def test_endpoint(
    endpoint_id: EndpointId, session: SessionDep, rt: RuntimeDep, principal: Writer
) -> DeliveryRead:
    """Send `endpoint.test` to this endpoint alone (signed, for a webhook), now, even if it is
    disabled (to see whether it works again before turning it back on). Scope `webhooks:write`.
    The answer is the delivery, recorded like any other: follow it with
    `GET /v1/deliveries/{id}`. An email endpoint not yet confirmed is 409, and so is one of the
    contact list's (`contact-endpoint`). Takes no body."""
    endpoint = await endpoints_service.get_own(session, party_of(principal), endpoint_id)
    endpoints_service.check_changeable(endpoint)
    if endpoint.disabled_reason is DisabledReason.unconfirmed:
        raise endpoints_service.Unconfirmed("Follow the link mailed to the address first.")
    delivery_id = await notices.test(session, rt, endpoint)
    delivery = await session.get(Delivery, delivery_id)
    assert delivery is not None
    return _view(delivery)


@endpoint_router.post(
    "/confirm",
    response_model=EndpointConfirmed,
    summary="Confirm an email endpoint",
    responses=problems(endpoints_service.BadConfirmation),
)
async def confirm_endpoint(
    body: ConfirmBody, session: SessionDep, rt: RuntimeDep
) -> EndpointConfirmed:
    """Follow the link mailed to a new email endpoint's address: with its token, the endpoint is
    enabled. No token needed besides it: the link is for whoever reads that mailbox. Valid once,
    for 24 hours; after that, add the endpoint again."""
    endpoint = await endpoints_service.confirm(session, rt, body.token)
    await notices.confirmed(session, endpoint)
    assert endpoint.address is not None
    return EndpointConfirmed(endpoint_id=endpoint.id, address=endpoint.address, enabled=True)
