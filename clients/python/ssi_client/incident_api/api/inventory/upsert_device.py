from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.device_read import DeviceRead
from ...models.device_write import DeviceWrite
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    device_id: str,
    *,
    body: DeviceWrite,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/v1/devices/{device_id}".format(
            device_id=quote(str(device_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DeviceRead | Problem | None:
    if response.status_code == 200:
        response_200 = DeviceRead.from_dict(response.json())

        return response_200

    if response.status_code == 201:
        response_201 = DeviceRead.from_dict(response.json())

        return response_201

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

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
    body: DeviceWrite,
) -> Response[DeviceRead | Problem]:
    """Add or replace a Device

     Add a Device to the inventory (201), or replace its record (200). Scope `inventory:write`:
    operators, or `admin`. The Device ID is returned in its one canonical form, upper case with
    hyphens. `installing_party_id` and `registered_supplier_party_id` must name registered
    parties (422 `unregistered-party`, naming the field). A change to a Device with an open
    incident is written to that incident's history; it never re-routes the incident.

    Args:
        device_id (str): EUI-64 in any common spelling: `00-DB-12-34-56-78-90-A0`,
            `00db1234567890a0`, with colons, any case
        body (DeviceWrite):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DeviceRead | Problem]
    """

    kwargs = _get_kwargs(
        device_id=device_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    device_id: str,
    *,
    client: AuthenticatedClient,
    body: DeviceWrite,
) -> DeviceRead | Problem | None:
    """Add or replace a Device

     Add a Device to the inventory (201), or replace its record (200). Scope `inventory:write`:
    operators, or `admin`. The Device ID is returned in its one canonical form, upper case with
    hyphens. `installing_party_id` and `registered_supplier_party_id` must name registered
    parties (422 `unregistered-party`, naming the field). A change to a Device with an open
    incident is written to that incident's history; it never re-routes the incident.

    Args:
        device_id (str): EUI-64 in any common spelling: `00-DB-12-34-56-78-90-A0`,
            `00db1234567890a0`, with colons, any case
        body (DeviceWrite):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DeviceRead | Problem
    """

    return sync_detailed(
        device_id=device_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    device_id: str,
    *,
    client: AuthenticatedClient,
    body: DeviceWrite,
) -> Response[DeviceRead | Problem]:
    """Add or replace a Device

     Add a Device to the inventory (201), or replace its record (200). Scope `inventory:write`:
    operators, or `admin`. The Device ID is returned in its one canonical form, upper case with
    hyphens. `installing_party_id` and `registered_supplier_party_id` must name registered
    parties (422 `unregistered-party`, naming the field). A change to a Device with an open
    incident is written to that incident's history; it never re-routes the incident.

    Args:
        device_id (str): EUI-64 in any common spelling: `00-DB-12-34-56-78-90-A0`,
            `00db1234567890a0`, with colons, any case
        body (DeviceWrite):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DeviceRead | Problem]
    """

    kwargs = _get_kwargs(
        device_id=device_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    device_id: str,
    *,
    client: AuthenticatedClient,
    body: DeviceWrite,
) -> DeviceRead | Problem | None:
    """Add or replace a Device

     Add a Device to the inventory (201), or replace its record (200). Scope `inventory:write`:
    operators, or `admin`. The Device ID is returned in its one canonical form, upper case with
    hyphens. `installing_party_id` and `registered_supplier_party_id` must name registered
    parties (422 `unregistered-party`, naming the field). A change to a Device with an open
    incident is written to that incident's history; it never re-routes the incident.

    Args:
        device_id (str): EUI-64 in any common spelling: `00-DB-12-34-56-78-90-A0`,
            `00db1234567890a0`, with colons, any case
        body (DeviceWrite):

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
            body=body,
        )
    ).parsed
