from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.party_create import PartyCreate
from ...models.party_read import PartyRead
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    *,
    body: PartyCreate,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/parties",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PartyRead | Problem | None:
    if response.status_code == 201:
        response_201 = PartyRead.from_dict(response.json())

        return response_201

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[PartyRead | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: PartyCreate,
) -> Response[PartyRead | Problem]:
    """Add a party

     Add a party to the contact list. Scope `parties:write`: operators, or an `admin` token,
    which may do this before any party exists (bootstrapping a deployment). Its `party_id` is
    fixed from then on: 409 `party-exists` if it is taken. The party can be given tokens at once;
    the notifier learns of it from the event feed (`party.created`).

    Args:
        body (PartyCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PartyRead | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: PartyCreate,
) -> PartyRead | Problem | None:
    """Add a party

     Add a party to the contact list. Scope `parties:write`: operators, or an `admin` token,
    which may do this before any party exists (bootstrapping a deployment). Its `party_id` is
    fixed from then on: 409 `party-exists` if it is taken. The party can be given tokens at once;
    the notifier learns of it from the event feed (`party.created`).

    Args:
        body (PartyCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PartyRead | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: PartyCreate,
) -> Response[PartyRead | Problem]:
    """Add a party

     Add a party to the contact list. Scope `parties:write`: operators, or an `admin` token,
    which may do this before any party exists (bootstrapping a deployment). Its `party_id` is
    fixed from then on: 409 `party-exists` if it is taken. The party can be given tokens at once;
    the notifier learns of it from the event feed (`party.created`).

    Args:
        body (PartyCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PartyRead | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: PartyCreate,
) -> PartyRead | Problem | None:
    """Add a party

     Add a party to the contact list. Scope `parties:write`: operators, or an `admin` token,
    which may do this before any party exists (bootstrapping a deployment). Its `party_id` is
    fixed from then on: 409 `party-exists` if it is taken. The party can be given tokens at once;
    the notifier learns of it from the event feed (`party.created`).

    Args:
        body (PartyCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PartyRead | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
