from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.confirm_body import ConfirmBody
from ...models.endpoint_confirmed import EndpointConfirmed
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    *,
    body: ConfirmBody,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/endpoints/confirm",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> EndpointConfirmed | Problem | None:
    if response.status_code == 200:
        response_200 = EndpointConfirmed.from_dict(response.json())

        return response_200

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
) -> Response[EndpointConfirmed | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: ConfirmBody,
) -> Response[EndpointConfirmed | Problem]:
    """Confirm an email endpoint

     Follow the link mailed to a new email endpoint's address: with its token, the endpoint is
    enabled. No token needed besides it: the link is for whoever reads that mailbox. Valid once,
    for 24 hours; after that, add the endpoint again.

    Args:
        body (ConfirmBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EndpointConfirmed | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: ConfirmBody,
) -> EndpointConfirmed | Problem | None:
    """Confirm an email endpoint

     Follow the link mailed to a new email endpoint's address: with its token, the endpoint is
    enabled. No token needed besides it: the link is for whoever reads that mailbox. Valid once,
    for 24 hours; after that, add the endpoint again.

    Args:
        body (ConfirmBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EndpointConfirmed | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: ConfirmBody,
) -> Response[EndpointConfirmed | Problem]:
    """Confirm an email endpoint

     Follow the link mailed to a new email endpoint's address: with its token, the endpoint is
    enabled. No token needed besides it: the link is for whoever reads that mailbox. Valid once,
    for 24 hours; after that, add the endpoint again.

    Args:
        body (ConfirmBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EndpointConfirmed | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: ConfirmBody,
) -> EndpointConfirmed | Problem | None:
    """Confirm an email endpoint

     Follow the link mailed to a new email endpoint's address: with its token, the endpoint is
    enabled. No token needed besides it: the link is for whoever reads that mailbox. Valid once,
    for 24 hours; after that, add the endpoint again.

    Args:
        body (ConfirmBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EndpointConfirmed | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
