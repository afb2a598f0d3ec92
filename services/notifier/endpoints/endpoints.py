from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response
from sqlmodel import col, select

from services.common.auth import PARTIES, Principal, require
from services.common.db import SessionDep
from services.common.pagination import Cursor, Limit, decode_time_cursor, encode_time_cursor
from services.notifier.endpoints import service
from services.notifier.endpoints.models import Endpoint
from services.notifier.endpoints.schemas import (
    EndpointCreate,
    EndpointCreated,
    EndpointList,
    EndpointRead,
    EndpointUpdate,
    RecoverBody,
    Recovered,
    SecretRotated,
)
from services.notifier.runtime import RuntimeDep

router = APIRouter(prefix="/v1/endpoints", tags=["endpoints"])

Writer = Annotated[Principal, Depends(require("webhooks:write", *PARTIES))]
Reader = Annotated[Principal, Depends(require("webhooks:read", *PARTIES))]
EndpointId = Annotated[str, Path(max_length=36, pattern=r"^[0-9a-f-]{36}$")]


def party_of(principal: Principal) -> str:
    assert principal.party_id is not None
    return principal.party_id


@router.post("", status_code=201, response_model=EndpointCreated)
async def create_endpoint(
    body: EndpointCreate, session: SessionDep, rt: RuntimeDep, principal: Writer
) -> EndpointCreated:
    """Register a webhook endpoint. The signing secret is in this response only."""
    endpoint, secret = await service.create(session, rt, party_of(principal), body)
    return EndpointCreated(**service.view(endpoint).model_dump(), secret=secret)


@router.get("", response_model=EndpointList)
async def list_endpoints(
    session: SessionDep, principal: Reader, cursor: Cursor = None, limit: Limit = 100
) -> EndpointList:
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


@router.get("/{endpoint_id}", response_model=EndpointRead)
async def get_endpoint(
    endpoint_id: EndpointId, session: SessionDep, principal: Reader
) -> EndpointRead:
    return service.view(await service.get_own(session, party_of(principal), endpoint_id))


@router.patch("/{endpoint_id}", response_model=EndpointRead)
async def update_endpoint(
    endpoint_id: EndpointId,
    body: EndpointUpdate,
    session: SessionDep,
    rt: RuntimeDep,
    principal: Writer,
) -> EndpointRead:
    """Change the URL, description or event types; `enabled` turns it off or back on."""
    endpoint = await service.get_own(session, party_of(principal), endpoint_id)
    return service.view(await service.update_endpoint(session, rt, endpoint, body))


@router.delete("/{endpoint_id}", status_code=204)
async def delete_endpoint(
    endpoint_id: EndpointId, session: SessionDep, rt: RuntimeDep, principal: Writer
) -> Response:
    endpoint = await service.get_own(session, party_of(principal), endpoint_id)
    await session.delete(endpoint)
    service.reachability_may_change(session, rt)
    return Response(status_code=204)


@router.post("/{endpoint_id}/rotate-secret", response_model=SecretRotated)
async def rotate_secret(
    endpoint_id: EndpointId, session: SessionDep, rt: RuntimeDep, principal: Writer
) -> SecretRotated:
    """A new secret, shown once; the old one keeps signing alongside until the grace ends."""
    endpoint = await service.get_own(session, party_of(principal), endpoint_id)
    secret, expires = await service.rotate_secret(session, rt, endpoint)
    return SecretRotated(secret=secret, previous_secret_expires_at=expires)


@router.post("/{endpoint_id}/recover", response_model=Recovered)
async def recover(
    endpoint_id: EndpointId,
    body: RecoverBody,
    session: SessionDep,
    rt: RuntimeDep,
    principal: Writer,
) -> Recovered:
    """Enable the endpoint and re-deliver, in order, what was skipped or died since `since`."""
    endpoint = await service.get_own(session, party_of(principal), endpoint_id)
    return Recovered(requeued=await service.recover(session, rt, endpoint, body.since))
