"""Your party's endpoints: where the incident events routed to your party go. A `webhook` is
POSTed each event, signed per the Standard Webhooks specification with the endpoint's secret
(headers `webhook-id`, `webhook-timestamp`, `webhook-signature`): a 2xx answer within 10 seconds
is a success, anything else (a redirect included) is retried with backoff for about a day. An
`email` endpoint is mailed each event (plain text, one thread per incident); an `inbox` holds
them for you to pull (`GET /v1/inbox`). Your contact list's addresses are endpoints too
(`contact_role`): mailed when none of your own endpoints takes an event. A party sees and manages
its own endpoints only: another's is 404.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response
from sqlmodel import col, select

from services.common.auth import PARTIES, Principal, require
from services.common.db import SessionDep
from services.common.openapi import problems
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
CHECKED = (service.InvalidEndpointUrl, service.InvalidEventTypes, service.WrongKind)


def party_of(principal: Principal) -> str:
    assert principal.party_id is not None
    return principal.party_id


@router.get(
    "",
    response_model=EndpointList,
    summary="List your endpoints",
    responses=problems(BadCursor),
)
async def list_endpoints(
    session: SessionDep,
    principal: Reader,
    cursor: Cursor = None,
    limit: Limit = 100,
    contacts: bool = False,
) -> EndpointList:
    """Your party's endpoints, newest first. Scope `webhooks:read`. Secrets are never shown
    again. With `contacts=true`, the endpoints kept from your contact list too (`contact_role`:
    mailed what none of your own endpoints takes). Pages hold `limit` items; pass `next_cursor`
    as `cursor` for the next."""
    query = select(Endpoint).where(Endpoint.party_id == party_of(principal))
    if not contacts:
        query = query.where(col(Endpoint.contact_role).is_(None))
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
    responses=problems(service.EndpointNotFound, service.ContactEndpoint),
)
async def delete_endpoint(
    endpoint_id: EndpointId, session: SessionDep, principal: Writer
) -> Response:
    """Remove the endpoint, and its deliveries with it: nothing more is sent to it. Scope
    `webhooks:write`. To stop deliveries and keep their record, disable it instead (`PATCH`
    with `enabled: false`)."""
    endpoint = await service.get_own(session, party_of(principal), endpoint_id)
    service.check_changeable(endpoint)
    await session.delete(endpoint)
    return Response(status_code=204)


@router.post(
    "/{endpoint_id}/rotate-secret",
    response_model=SecretRotated,
    summary="Rotate an endpoint's signing secret",
    responses=problems(service.EndpointNotFound, service.WrongKind),
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
