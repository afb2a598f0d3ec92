from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.device_read import DeviceRead
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    device_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/devices/{device_id}".format(
            device_id=quote(str(device_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DeviceRead | Problem | None:
    if response.status_code == 200:
        response_200 = DeviceRead.from_dict(response.json())

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
) -> Response[DeviceRead | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    device_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[DeviceRead | Problem]:
    """Get a Device

     A Device's inventory record. Scope `incidents:read`. Operators and `admin` see every
    Device; a supplier sees those it installed or is the registered supplier of, and gets 404
    `device-not-found` for any other, as for a Device the inventory does not hold.

    Args:
        device_id (str): EUI-64 in any common spelling: `00-DB-12-34-56-78-90-A0`,
            `00db1234567890a0`, with colons, any case

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DeviceRead | Problem]
    """

    kwargs = _get_kwargs(
        device_id=device_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    device_id: str,
    *,
    client: AuthenticatedClient,
) -> DeviceRead | Problem | None:
    """Get a Device

     A Device's inventory record. Scope `incidents:read`. Operators and `admin` see every
    Device; a supplier sees those it installed or is the registered supplier of, and gets 404
    `device-not-found` for any other, as for a Device the inventory does not hold.

    Args:
        device_id (str): EUI-64 in any common spelling: `00-DB-12-34-56-78-90-A0`,
            `00db1234567890a0`, with colons, any case

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DeviceRead | Problem
    """

    return sync_detailed(
        device_id=device_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    device_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[DeviceRead | Problem]:
    """Get a Device

     A Device's inventory record. Scope `incidents:read`. Operators and `admin` see every
    Device; a supplier sees those it installed or is the registered supplier of, and gets 404
    `device-not-found` for any other, as for a Device the inventory does not hold.

    Args:
        device_id (str): EUI-64 in any common spelling: `00-DB-12-34-56-78-90-A0`,
            `00db1234567890a0`, with colons, any case

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DeviceRead | Problem]
    """

    kwargs = _get_kwargs(
        device_id=device_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    device_id: str,
    *,
    client: AuthenticatedClient,
) -> DeviceRead | Problem | None:
    """Get a Device

     A Device's inventory record. Scope `incidents:read`. Operators and `admin` see every
    Device; a supplier sees those it installed or is the registered supplier of, and gets 404
    `device-not-found` for any other, as for a Device the inventory does not hold.

    Args:
        device_id (str): EUI-64 in any common spelling: `00-DB-12-34-56-78-90-A0`,
            `00db1234567890a0`, with colons, any case

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DeviceRead | Problem
    """

    return (
        await asyncio_detailed(
            device_id=device_id,
            client=client,
        )
    ).parsed
