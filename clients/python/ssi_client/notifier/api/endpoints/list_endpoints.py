from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.endpoint_list import EndpointList
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    contacts: bool | Unset = False,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor

    params["limit"] = limit

    params["contacts"] = contacts

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/endpoints",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> EndpointList | Problem | None:
    if response.status_code == 200:
        response_200 = EndpointList.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[EndpointList | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    contacts: bool | Unset = False,
) -> Response[EndpointList | Problem]:
    """List your endpoints

     Your party's endpoints, newest first. Scope `webhooks:read`. Secrets are never shown
    again. With `contacts=true`, the endpoints kept from your contact list too (`contact_role`:
    mailed what none of your own endpoints takes). Pages hold `limit` items; pass `next_cursor`
    as `cursor` for the next.

    Args:
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset):  Default: 100.
        contacts (bool | Unset):  Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EndpointList | Problem]
    """

    kwargs = _get_kwargs(
        cursor=cursor,
        limit=limit,
        contacts=contacts,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    contacts: bool | Unset = False,
) -> EndpointList | Problem | None:
    """List your endpoints

     Your party's endpoints, newest first. Scope `webhooks:read`. Secrets are never shown
    again. With `contacts=true`, the endpoints kept from your contact list too (`contact_role`:
    mailed what none of your own endpoints takes). Pages hold `limit` items; pass `next_cursor`
    as `cursor` for the next.

    Args:
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset):  Default: 100.
        contacts (bool | Unset):  Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EndpointList | Problem
    """

    return sync_detailed(
        client=client,
        cursor=cursor,
        limit=limit,
        contacts=contacts,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    contacts: bool | Unset = False,
) -> Response[EndpointList | Problem]:
    """List your endpoints

     Your party's endpoints, newest first. Scope `webhooks:read`. Secrets are never shown
    again. With `contacts=true`, the endpoints kept from your contact list too (`contact_role`:
    mailed what none of your own endpoints takes). Pages hold `limit` items; pass `next_cursor`
    as `cursor` for the next.

    Args:
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset):  Default: 100.
        contacts (bool | Unset):  Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EndpointList | Problem]
    """

    kwargs = _get_kwargs(
        cursor=cursor,
        limit=limit,
        contacts=contacts,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    contacts: bool | Unset = False,
) -> EndpointList | Problem | None:
    """List your endpoints

     Your party's endpoints, newest first. Scope `webhooks:read`. Secrets are never shown
    again. With `contacts=true`, the endpoints kept from your contact list too (`contact_role`:
    mailed what none of your own endpoints takes). Pages hold `limit` items; pass `next_cursor`
    as `cursor` for the next.

    Args:
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset):  Default: 100.
        contacts (bool | Unset):  Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EndpointList | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            cursor=cursor,
            limit=limit,
            contacts=contacts,
        )
    ).parsed
