from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.contact_defects import ContactDefects
from ...models.problem import Problem
from ...types import Response


def _get_kwargs() -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/reports/contact-defects",
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ContactDefects | Problem | None:
    if response.status_code == 200:
        response_200 = ContactDefects.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ContactDefects | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
) -> Response[ContactDefects | Problem]:
    """Contact addresses that cannot be delivered to

     The contact list's addresses (each party's ops and escalation contact emails) whose
    latest message failed, a mail server refusing the recipient (5xx) included: the fallback
    cannot reach these parties until their contact emails are corrected at the incident API.
    Scope `reports:read`. Operators see every party; a supplier sees its own.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ContactDefects | Problem]
    """

    kwargs = _get_kwargs()

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
) -> ContactDefects | Problem | None:
    """Contact addresses that cannot be delivered to

     The contact list's addresses (each party's ops and escalation contact emails) whose
    latest message failed, a mail server refusing the recipient (5xx) included: the fallback
    cannot reach these parties until their contact emails are corrected at the incident API.
    Scope `reports:read`. Operators see every party; a supplier sees its own.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ContactDefects | Problem
    """

    return sync_detailed(
        client=client,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
) -> Response[ContactDefects | Problem]:
    """Contact addresses that cannot be delivered to

     The contact list's addresses (each party's ops and escalation contact emails) whose
    latest message failed, a mail server refusing the recipient (5xx) included: the fallback
    cannot reach these parties until their contact emails are corrected at the incident API.
    Scope `reports:read`. Operators see every party; a supplier sees its own.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ContactDefects | Problem]
    """

    kwargs = _get_kwargs()

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
) -> ContactDefects | Problem | None:
    """Contact addresses that cannot be delivered to

     The contact list's addresses (each party's ops and escalation contact emails) whose
    latest message failed, a mail server refusing the recipient (5xx) included: the fallback
    cannot reach these parties until their contact emails are corrected at the incident API.
    Scope `reports:read`. Operators see every party; a supplier sees its own.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ContactDefects | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
        )
    ).parsed
