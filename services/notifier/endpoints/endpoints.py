"""Your party's webhook endpoints: where the notifier POSTs the incident events routed to your
party, signed per the Standard Webhooks specification with the endpoint's secret (headers
`webhook-id`, `webhook-timestamp`, `webhook-signature`). A 2xx answer within 10 seconds is a
success; anything else (a redirect included) is retried with backoff for about a day. A party
sees and manages its own endpoints only: another's is 404.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response
from sqlmodel import col, select

from services.common.auth import PARTIES, Principal, require
from services.common.db import SessionDep
from services.common.openapi import links, problems
from services.common.pagination import (
    BadCursor,
    Cursor,
    Limit,
    decode_time_cursor,
    encode_time_cursor,
)
from services.notifier.endpoints import service
from services.notifier.endpoints.models import Endpoint
from services.notifier.endpoints.schemas import (
    EXAMPLE_ENDPOINT,
    EndpointCreate,
    EndpointCreated,
    EndpointList,
    EndpointRead,
    SecretRotated,
)
from services.notifier.runtime import RuntimeDep

router = APIRouter(prefix="/v1/endpoints", tags=["endpoints"])
# Changing an endpoint (PATCH) may turn it off, and recovering it re-delivers: both change its
# deliveries too, so they are delivery's routes (`delivery.endpoints.endpoint_router`), on this
# same prefix and tag.

Writer = Annotated[Principal, Depends(require("webhooks:write", *PARTIES))]
Reader = Annotated[Principal, Depends(require("webhooks:read", *PARTIES))]
EndpointId = Annotated[
    str, Path(max_length=36, pattern=r"^[0-9a-f-]{36}$", examples=[EXAMPLE_ENDPOINT])
]
CHECKED = (service.InvalidEndpointUrl, service.InvalidEventTypes)


def party_of(principal: Principal) -> str:
    assert principal.party_id is not None
    return principal.party_id


@router.post(
    "",
    status_code=201,
    response_model=EndpointCreated,
    summary="Add a webhook endpoint",
    responses={
        **links(
            201,
            "endpoint_id",
            "get_endpoint",
            "update_endpoint",
            "delete_endpoint",
            "rotate_endpoint_secret",
            "recover_endpoint",
        ),
        **problems(*CHECKED),
    },
)
async def create_endpoint(
    body: EndpointCreate, session: SessionDep, rt: RuntimeDep, principal: Writer
) -> EndpointCreated:
    """Register a webhook endpoint for your party. Scope `webhooks:write`.

    Every event routed to your party of the `event_types` listed (all of them if none is) is
    POSTed to `url`. **The signing `secret` is in this answer only**: keep it, and check each
    webhook's signature with it. The URL must be https to a public address (422
    `invalid-endpoint-url`; a development deployment also allows http to loopback); the event
    types must be ones delivered as webhooks, `incident.*` and `endpoint.*` (422
    `invalid-event-types`).

    A delivery that fails every attempt is `dead`: see `GET /v1/deliveries` and retry it. An
    endpoint that answers 410, or fails for 5 days without a success, is disabled
    (`endpoint.disabled` is sent to your other endpoints); turn it back on with `recover`.
    """
    endpoint, secret = await service.create(session, rt, party_of(principal), body)
    return EndpointCreated(**service.view(endpoint).model_dump(), secret=secret)


@router.get(
    "",
    response_model=EndpointList,
    summary="List your endpoints",
    responses=problems(BadCursor),
)
async def list_endpoints(
    session: SessionDep, principal: Reader, cursor: Cursor = None, limit: Limit = 100
) -> EndpointList:
    """Your party's endpoints, newest first. Scope `webhooks:read`. Secrets are never shown
    again. Pages hold `limit` items; pass `next_cursor` as `cursor` for the next."""
    query = select(Endpoint).where(Endpoint.party_id == party_of(principal))
    after = decode_time_cursor(cursor)
    if after is not None:
        created, last_id = after
        query = query.where(
            (col(Endpoint.created_at) < created)
            | ((col(Endpoint.created_at) == created) & (col(Endpoint.id) < last_id))
        )
    query = query.order_by(col(Endpoint.created_at).desc(), col(Endpoint.id).desc()).limit(limit)
    rows = (await session.exec(query)).all()
    last = rows[-1] if len(rows) == limit else None
    return EndpointList(
        items=[service.view(e) for e in rows],
        next_cursor=encode_time_cursor(last.created_at, last.id) if last else None,
    )


@router.get(
    "/{endpoint_id}",
    response_model=EndpointRead,
    summary="Get an endpoint",
    responses=problems(service.EndpointNotFound),
)
async def get_endpoint(
    endpoint_id: EndpointId, session: SessionDep, principal: Reader
) -> EndpointRead:
    """One of your party's endpoints, with whether it is enabled, and since when and why not
    (`disabled_reason`: `by_party`, `gone` after a 410, or `failing`). Scope `webhooks:read`."""
    return service.view(await service.get_own(session, party_of(principal), endpoint_id))


@router.delete(
    "/{endpoint_id}",
    status_code=204,
    summary="Remove an endpoint",
    responses=problems(service.EndpointNotFound),
)
async def delete_endpoint(
    endpoint_id: EndpointId, session: SessionDep, rt: RuntimeDep, principal: Writer
) -> Response:
    """Remove the endpoint, and its deliveries with it: nothing more is sent to it. Scope
    `webhooks:write`. To stop deliveries and keep their record, disable it instead (`PATCH`
    with `enabled: false`)."""
    endpoint = await service.get_own(session, party_of(principal), endpoint_id)
    await session.delete(endpoint)
    service.reachability_may_change(session, rt)
    return Response(status_code=204)


@router.post(
    "/{endpoint_id}/rotate-secret",
    response_model=SecretRotated,
    summary="Rotate an endpoint's signing secret",
    responses=problems(service.EndpointNotFound),
)
async def rotate_endpoint_secret(
    endpoint_id: EndpointId, session: SessionDep, rt: RuntimeDep, principal: Writer
) -> SecretRotated:
    """A new signing secret, **in this answer only**. Scope `webhooks:write`. Until
    `previous_secret_expires_at` (24 hours by default) each webhook carries two signatures in
    `webhook-signature`, by the new secret and by the old: switch your receiver over before then.
    Takes no body."""
    endpoint = await service.get_own(session, party_of(principal), endpoint_id)
    secret, expires = await service.rotate_secret(session, rt, endpoint)
    return SecretRotated(secret=secret, previous_secret_expires_at=expires)
