from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.history_list import HistoryList
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    incident_id: str,
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
        "url": "/v1/incidents/{incident_id}/history".format(
            incident_id=quote(str(incident_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> HistoryList | Problem | None:
    if response.status_code == 200:
        response_200 = HistoryList.from_dict(response.json())

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
) -> Response[HistoryList | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    incident_id: str,
    *,
    client: AuthenticatedClient,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
) -> Response[HistoryList | Problem]:
    """Read an incident's history

     The incident's audit trail, newest first: each transition, SLA event, Device change and
    install-code reveal, with who did it (`actor`) and on which clock. The actor is a party's
    id, or the person (the token's `sub`, up to 255 characters) where a person's token acted for
    the party (`ssi_party`, as the portal's do); else a service such as `svc:notifier`, `admin`
    (inventory changes) or `system` (expiry). Scope `incidents:read`; whoever may see the
    incident. Never holds an install code.

    Args:
        incident_id (str): The incident's id, or its reference
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset):  Default: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HistoryList | Problem]
    """

    kwargs = _get_kwargs(
        incident_id=incident_id,
        cursor=cursor,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    incident_id: str,
    *,
    client: AuthenticatedClient,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
) -> HistoryList | Problem | None:
    """Read an incident's history

     The incident's audit trail, newest first: each transition, SLA event, Device change and
    install-code reveal, with who did it (`actor`) and on which clock. The actor is a party's
    id, or the person (the token's `sub`, up to 255 characters) where a person's token acted for
    the party (`ssi_party`, as the portal's do); else a service such as `svc:notifier`, `admin`
    (inventory changes) or `system` (expiry). Scope `incidents:read`; whoever may see the
    incident. Never holds an install code.

    Args:
        incident_id (str): The incident's id, or its reference
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset):  Default: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HistoryList | Problem
    """

    return sync_detailed(
        incident_id=incident_id,
        client=client,
        cursor=cursor,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    incident_id: str,
    *,
    client: AuthenticatedClient,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
) -> Response[HistoryList | Problem]:
    """Read an incident's history

     The incident's audit trail, newest first: each transition, SLA event, Device change and
    install-code reveal, with who did it (`actor`) and on which clock. The actor is a party's
    id, or the person (the token's `sub`, up to 255 characters) where a person's token acted for
    the party (`ssi_party`, as the portal's do); else a service such as `svc:notifier`, `admin`
    (inventory changes) or `system` (expiry). Scope `incidents:read`; whoever may see the
    incident. Never holds an install code.

    Args:
        incident_id (str): The incident's id, or its reference
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset):  Default: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HistoryList | Problem]
    """

    kwargs = _get_kwargs(
        incident_id=incident_id,
        cursor=cursor,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    incident_id: str,
    *,
    client: AuthenticatedClient,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
) -> HistoryList | Problem | None:
    """Read an incident's history

     The incident's audit trail, newest first: each transition, SLA event, Device change and
    install-code reveal, with who did it (`actor`) and on which clock. The actor is a party's
    id, or the person (the token's `sub`, up to 255 characters) where a person's token acted for
    the party (`ssi_party`, as the portal's do); else a service such as `svc:notifier`, `admin`
    (inventory changes) or `system` (expiry). Scope `incidents:read`; whoever may see the
    incident. Never holds an install code.

    Args:
        incident_id (str): The incident's id, or its reference
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset):  Default: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HistoryList | Problem
    """

    return (
        await asyncio_detailed(
            incident_id=incident_id,
            client=client,
            cursor=cursor,
            limit=limit,
        )
    ).parsed
