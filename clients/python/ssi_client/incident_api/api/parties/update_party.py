from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.party_read import PartyRead
from ...models.party_update import PartyUpdate
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    party_id: str,
    *,
    body: PartyUpdate,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/v1/parties/{party_id}".format(
            party_id=quote(str(party_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PartyRead | Problem | None:
    if response.status_code == 200:
        response_200 = PartyRead.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

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
    party_id: str,
    *,
    client: AuthenticatedClient,
    body: PartyUpdate,
) -> Response[PartyRead | Problem]:
    """Change or deactivate a party

     Change a party's name, category or contact emails, or deactivate it (`{"active": false}`;
    `true` reactivates it). Scope `parties:write`: operators or `admin`. Only the fields sent
    change. A deactivated party's tokens are refused (403) and no new incident can be addressed to
    it; its open incidents stay as they are. The notifier learns of the change from the event
    feed (`party.updated`).

    Args:
        party_id (str):
        body (PartyUpdate): The fields to change; those left out (or null) stay as they are.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PartyRead | Problem]
    """

    kwargs = _get_kwargs(
        party_id=party_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    party_id: str,
    *,
    client: AuthenticatedClient,
    body: PartyUpdate,
) -> PartyRead | Problem | None:
    """Change or deactivate a party

     Change a party's name, category or contact emails, or deactivate it (`{"active": false}`;
    `true` reactivates it). Scope `parties:write`: operators or `admin`. Only the fields sent
    change. A deactivated party's tokens are refused (403) and no new incident can be addressed to
    it; its open incidents stay as they are. The notifier learns of the change from the event
    feed (`party.updated`).

    Args:
        party_id (str):
        body (PartyUpdate): The fields to change; those left out (or null) stay as they are.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PartyRead | Problem
    """

    return sync_detailed(
        party_id=party_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    party_id: str,
    *,
    client: AuthenticatedClient,
    body: PartyUpdate,
) -> Response[PartyRead | Problem]:
    """Change or deactivate a party

     Change a party's name, category or contact emails, or deactivate it (`{"active": false}`;
    `true` reactivates it). Scope `parties:write`: operators or `admin`. Only the fields sent
    change. A deactivated party's tokens are refused (403) and no new incident can be addressed to
    it; its open incidents stay as they are. The notifier learns of the change from the event
    feed (`party.updated`).

    Args:
        party_id (str):
        body (PartyUpdate): The fields to change; those left out (or null) stay as they are.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PartyRead | Problem]
    """

    kwargs = _get_kwargs(
        party_id=party_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    party_id: str,
    *,
    client: AuthenticatedClient,
    body: PartyUpdate,
) -> PartyRead | Problem | None:
    """Change or deactivate a party

     Change a party's name, category or contact emails, or deactivate it (`{"active": false}`;
    `true` reactivates it). Scope `parties:write`: operators or `admin`. Only the fields sent
    change. A deactivated party's tokens are refused (403) and no new incident can be addressed to
    it; its open incidents stay as they are. The notifier learns of the change from the event
    feed (`party.updated`).

    Args:
        party_id (str):
        body (PartyUpdate): The fields to change; those left out (or null) stay as they are.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PartyRead | Problem
    """

    return (
        await asyncio_detailed(
            party_id=party_id,
            client=client,
            body=body,
        )
    ).parsed
