from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.delivery_list import DeliveryList
from ...models.delivery_status import DeliveryStatus
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    endpoint_id: None | str | Unset = UNSET,
    status: DeliveryStatus | None | Unset = UNSET,
    incident_id: None | str | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_endpoint_id: None | str | Unset
    if isinstance(endpoint_id, Unset):
        json_endpoint_id = UNSET
    else:
        json_endpoint_id = endpoint_id
    params["endpoint_id"] = json_endpoint_id

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, DeliveryStatus):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

    json_incident_id: None | str | Unset
    if isinstance(incident_id, Unset):
        json_incident_id = UNSET
    else:
        json_incident_id = incident_id
    params["incident_id"] = json_incident_id

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
        "url": "/v1/deliveries",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DeliveryList | Problem | None:
    if response.status_code == 200:
        response_200 = DeliveryList.from_dict(response.json())

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
) -> Response[DeliveryList | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    endpoint_id: None | str | Unset = UNSET,
    status: DeliveryStatus | None | Unset = UNSET,
    incident_id: None | str | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> Response[DeliveryList | Problem]:
    """List your deliveries

     Your party's deliveries, newest first. Scope `webhooks:read`. Filter by `endpoint_id`,
    `status` (`pending`: waiting for its next attempt; `succeeded`; `dead`: every attempt failed;
    `skipped`: its endpoint was disabled) and `incident_id`. Pages hold `limit` items; pass
    `next_cursor` as `cursor` for the next.

    Args:
        endpoint_id (None | str | Unset):
        status (DeliveryStatus | None | Unset):
        incident_id (None | str | Unset):
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DeliveryList | Problem]
    """

    kwargs = _get_kwargs(
        endpoint_id=endpoint_id,
        status=status,
        incident_id=incident_id,
        cursor=cursor,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    endpoint_id: None | str | Unset = UNSET,
    status: DeliveryStatus | None | Unset = UNSET,
    incident_id: None | str | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> DeliveryList | Problem | None:
    """List your deliveries

     Your party's deliveries, newest first. Scope `webhooks:read`. Filter by `endpoint_id`,
    `status` (`pending`: waiting for its next attempt; `succeeded`; `dead`: every attempt failed;
    `skipped`: its endpoint was disabled) and `incident_id`. Pages hold `limit` items; pass
    `next_cursor` as `cursor` for the next.

    Args:
        endpoint_id (None | str | Unset):
        status (DeliveryStatus | None | Unset):
        incident_id (None | str | Unset):
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DeliveryList | Problem
    """

    return sync_detailed(
        client=client,
        endpoint_id=endpoint_id,
        status=status,
        incident_id=incident_id,
        cursor=cursor,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    endpoint_id: None | str | Unset = UNSET,
    status: DeliveryStatus | None | Unset = UNSET,
    incident_id: None | str | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> Response[DeliveryList | Problem]:
    """List your deliveries

     Your party's deliveries, newest first. Scope `webhooks:read`. Filter by `endpoint_id`,
    `status` (`pending`: waiting for its next attempt; `succeeded`; `dead`: every attempt failed;
    `skipped`: its endpoint was disabled) and `incident_id`. Pages hold `limit` items; pass
    `next_cursor` as `cursor` for the next.

    Args:
        endpoint_id (None | str | Unset):
        status (DeliveryStatus | None | Unset):
        incident_id (None | str | Unset):
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DeliveryList | Problem]
    """

    kwargs = _get_kwargs(
        endpoint_id=endpoint_id,
        status=status,
        incident_id=incident_id,
        cursor=cursor,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    endpoint_id: None | str | Unset = UNSET,
    status: DeliveryStatus | None | Unset = UNSET,
    incident_id: None | str | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> DeliveryList | Problem | None:
    """List your deliveries

     Your party's deliveries, newest first. Scope `webhooks:read`. Filter by `endpoint_id`,
    `status` (`pending`: waiting for its next attempt; `succeeded`; `dead`: every attempt failed;
    `skipped`: its endpoint was disabled) and `incident_id`. Pages hold `limit` items; pass
    `next_cursor` as `cursor` for the next.

    Args:
        endpoint_id (None | str | Unset):
        status (DeliveryStatus | None | Unset):
        incident_id (None | str | Unset):
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DeliveryList | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            endpoint_id=endpoint_id,
            status=status,
            incident_id=incident_id,
            cursor=cursor,
            limit=limit,
        )
    ).parsed
