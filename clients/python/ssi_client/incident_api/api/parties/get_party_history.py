from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.party_change_list import PartyChangeList
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    party_id: str,
    *,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/parties/{party_id}/history".format(
            party_id=quote(str(party_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PartyChangeList | Problem | None:
    if response.status_code == 200:
        response_200 = PartyChangeList.from_dict(response.json())

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
) -> Response[PartyChangeList | Problem]:
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
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
) -> Response[PartyChangeList | Problem]:
    """Read a party's changes

     The party's audit trail, newest first: its creation and each change, with who made it
    (`actor`: an operator's or the party's id, the person acting for a party, or `admin`) and
    which fields changed, never their values. Scope `parties:read`: operators and `admin` read
    any party's; a supplier holding it reads its own only (403 `not-your-party`).

    Args:
        party_id (str):
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset):  Default: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PartyChangeList | Problem]
    """

    kwargs = _get_kwargs(
        party_id=party_id,
        cursor=cursor,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    party_id: str,
    *,
    client: AuthenticatedClient,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
) -> PartyChangeList | Problem | None:
    """Read a party's changes

     The party's audit trail, newest first: its creation and each change, with who made it
    (`actor`: an operator's or the party's id, the person acting for a party, or `admin`) and
    which fields changed, never their values. Scope `parties:read`: operators and `admin` read
    any party's; a supplier holding it reads its own only (403 `not-your-party`).

    Args:
        party_id (str):
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset):  Default: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PartyChangeList | Problem
    """

    return sync_detailed(
        party_id=party_id,
        client=client,
        cursor=cursor,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    party_id: str,
    *,
    client: AuthenticatedClient,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
) -> Response[PartyChangeList | Problem]:
    """Read a party's changes

     The party's audit trail, newest first: its creation and each change, with who made it
    (`actor`: an operator's or the party's id, the person acting for a party, or `admin`) and
    which fields changed, never their values. Scope `parties:read`: operators and `admin` read
    any party's; a supplier holding it reads its own only (403 `not-your-party`).

    Args:
        party_id (str):
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset):  Default: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PartyChangeList | Problem]
    """

    kwargs = _get_kwargs(
        party_id=party_id,
        cursor=cursor,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    party_id: str,
    *,
    client: AuthenticatedClient,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
) -> PartyChangeList | Problem | None:
    """Read a party's changes

     The party's audit trail, newest first: its creation and each change, with who made it
    (`actor`: an operator's or the party's id, the person acting for a party, or `admin`) and
    which fields changed, never their values. Scope `parties:read`: operators and `admin` read
    any party's; a supplier holding it reads its own only (403 `not-your-party`).

    Args:
        party_id (str):
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset):  Default: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PartyChangeList | Problem
    """

    return (
        await asyncio_detailed(
            party_id=party_id,
            client=client,
            cursor=cursor,
            limit=limit,
        )
    ).parsed
