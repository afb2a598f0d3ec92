from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.inbox_ack import InboxAck
from ...models.inbox_acknowledged import InboxAcknowledged
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    *,
    body: InboxAck,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/inbox/ack",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> InboxAcknowledged | Problem | None:
    if response.status_code == 200:
        response_200 = InboxAcknowledged.from_dict(response.json())

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

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

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
) -> Response[InboxAcknowledged | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: InboxAck,
) -> Response[InboxAcknowledged | Problem]:
    """Acknowledge your inbox up to an item

     The item `cursor` names and every one before it are delivered: the next read without
    `after` resumes after it. Scope `webhooks:write`. Acknowledging never moves back: an older
    cursor than one already acknowledged is accepted and changes nothing, so acknowledging twice
    is harmless. A cursor of another party, altered, or beyond your newest item is 422
    `invalid-cursor`.

    Args:
        body (InboxAck):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[InboxAcknowledged | Problem]
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
    client: AuthenticatedClient,
    body: InboxAck,
) -> InboxAcknowledged | Problem | None:
    """Acknowledge your inbox up to an item

     The item `cursor` names and every one before it are delivered: the next read without
    `after` resumes after it. Scope `webhooks:write`. Acknowledging never moves back: an older
    cursor than one already acknowledged is accepted and changes nothing, so acknowledging twice
    is harmless. A cursor of another party, altered, or beyond your newest item is 422
    `invalid-cursor`.

    Args:
        body (InboxAck):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        InboxAcknowledged | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: InboxAck,
) -> Response[InboxAcknowledged | Problem]:
    """Acknowledge your inbox up to an item

     The item `cursor` names and every one before it are delivered: the next read without
    `after` resumes after it. Scope `webhooks:write`. Acknowledging never moves back: an older
    cursor than one already acknowledged is accepted and changes nothing, so acknowledging twice
    is harmless. A cursor of another party, altered, or beyond your newest item is 422
    `invalid-cursor`.

    Args:
        body (InboxAck):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[InboxAcknowledged | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: InboxAck,
) -> InboxAcknowledged | Problem | None:
    """Acknowledge your inbox up to an item

     The item `cursor` names and every one before it are delivered: the next read without
    `after` resumes after it. Scope `webhooks:write`. Acknowledging never moves back: an older
    cursor than one already acknowledged is accepted and changes nothing, so acknowledging twice
    is harmless. A cursor of another party, altered, or beyond your newest item is 422
    `invalid-cursor`.

    Args:
        body (InboxAck):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        InboxAcknowledged | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
