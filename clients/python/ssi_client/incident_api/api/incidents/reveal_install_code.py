from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.install_code_read import InstallCodeRead
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    incident_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/incidents/{incident_id}/install-code".format(
            incident_id=quote(str(incident_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> InstallCodeRead | Problem | None:
    if response.status_code == 200:
        response_200 = InstallCodeRead.from_dict(response.json())

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

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    if response.status_code == 410:
        response_410 = Problem.from_dict(response.json())

        return response_410

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[InstallCodeRead | Problem]:
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
) -> Response[InstallCodeRead | Problem]:
    """Reveal the install code

     The install code the addressee provided, as 32 upper-case hex digits (no CRC). Scope
    `incidents:read`; the requester only (the addressee and operators get 403 `wrong-role`).
    Each reveal is audited; the answer carries `Cache-Control: no-store`: keep the code no longer
    than you need it.

    409 `no-install-code` while the incident holds none (not answered yet, or answered
    otherwise); 410 `install-code-destroyed` once the incident was closed or reopened, or the
    retention period has passed.

    Args:
        incident_id (str): The incident's id, or its reference

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[InstallCodeRead | Problem]
    """

    kwargs = _get_kwargs(
        incident_id=incident_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    incident_id: str,
    *,
    client: AuthenticatedClient,
) -> InstallCodeRead | Problem | None:
    """Reveal the install code

     The install code the addressee provided, as 32 upper-case hex digits (no CRC). Scope
    `incidents:read`; the requester only (the addressee and operators get 403 `wrong-role`).
    Each reveal is audited; the answer carries `Cache-Control: no-store`: keep the code no longer
    than you need it.

    409 `no-install-code` while the incident holds none (not answered yet, or answered
    otherwise); 410 `install-code-destroyed` once the incident was closed or reopened, or the
    retention period has passed.

    Args:
        incident_id (str): The incident's id, or its reference

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        InstallCodeRead | Problem
    """

    return sync_detailed(
        incident_id=incident_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    incident_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[InstallCodeRead | Problem]:
    """Reveal the install code

     The install code the addressee provided, as 32 upper-case hex digits (no CRC). Scope
    `incidents:read`; the requester only (the addressee and operators get 403 `wrong-role`).
    Each reveal is audited; the answer carries `Cache-Control: no-store`: keep the code no longer
    than you need it.

    409 `no-install-code` while the incident holds none (not answered yet, or answered
    otherwise); 410 `install-code-destroyed` once the incident was closed or reopened, or the
    retention period has passed.

    Args:
        incident_id (str): The incident's id, or its reference

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[InstallCodeRead | Problem]
    """

    kwargs = _get_kwargs(
        incident_id=incident_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    incident_id: str,
    *,
    client: AuthenticatedClient,
) -> InstallCodeRead | Problem | None:
    """Reveal the install code

     The install code the addressee provided, as 32 upper-case hex digits (no CRC). Scope
    `incidents:read`; the requester only (the addressee and operators get 403 `wrong-role`).
    Each reveal is audited; the answer carries `Cache-Control: no-store`: keep the code no longer
    than you need it.

    409 `no-install-code` while the incident holds none (not answered yet, or answered
    otherwise); 410 `install-code-destroyed` once the incident was closed or reopened, or the
    retention period has passed.

    Args:
        incident_id (str): The incident's id, or its reference

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        InstallCodeRead | Problem
    """

    return (
        await asyncio_detailed(
            incident_id=incident_id,
            client=client,
        )
    ).parsed
