from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.party_read import PartyRead
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    party_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/parties/{party_id}".format(
            party_id=quote(str(party_id), safe=""),
        ),
    }

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
) -> Response[PartyRead | Problem]:
    """Get a party

     One party. Scope `parties:read`; contact emails shown as in the list.

    Args:
        party_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PartyRead | Problem]
    """

    kwargs = _get_kwargs(
        party_id=party_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    party_id: str,
    *,
    client: AuthenticatedClient,
) -> PartyRead | Problem | None:
    """Get a party

     One party. Scope `parties:read`; contact emails shown as in the list.

    Args:
        party_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PartyRead | Problem
    """

    return sync_detailed(
        party_id=party_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    party_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[PartyRead | Problem]:
    """Get a party

     One party. Scope `parties:read`; contact emails shown as in the list.

    Args:
        party_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PartyRead | Problem]
    """

    kwargs = _get_kwargs(
        party_id=party_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    party_id: str,
    *,
    client: AuthenticatedClient,
) -> PartyRead | Problem | None:
    """Get a party

     One party. Scope `parties:read`; contact emails shown as in the list.

    Args:
        party_id (str):

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
        )
    ).parsed
