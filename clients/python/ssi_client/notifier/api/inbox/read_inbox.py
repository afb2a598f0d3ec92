from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.inbox_page import InboxPage
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    after: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    wait: float | Unset = 0.0,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_after: None | str | Unset
    if isinstance(after, Unset):
        json_after = UNSET
    else:
        json_after = after
    params["after"] = json_after

    params["limit"] = limit

    params["wait"] = wait

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/inbox",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> InboxPage | Problem | None:
    if response.status_code == 200:
        response_200 = InboxPage.from_dict(response.json())

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

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[InboxPage | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    after: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    wait: float | Unset = 0.0,
) -> Response[InboxPage | Problem]:
    """Read your inbox

     Your inbox's items after `after`, oldest first, at most `limit` (default 100). Scope
    `webhooks:read`. Without `after`, it resumes after the last item acknowledged. Pass
    `next_cursor` as `after` for the next page; reading acknowledges nothing, and anyone
    reading your inbox sees the same items. With `wait` (seconds, at most 30), a read that would
    find nothing waits for the next item instead (long-poll).

    A cursor is yours alone: another party's, an altered one, or one beyond your newest item is
    422 `invalid-cursor`. No inbox: 404 `no-inbox`. A disabled inbox still serves what it holds.

    Args:
        after (None | str | Unset): An item's cursor, or a page's `next_cursor`: read what comes
            after it
        limit (int | Unset):  Default: 100.
        wait (float | Unset):  Default: 0.0.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[InboxPage | Problem]
    """

    kwargs = _get_kwargs(
        after=after,
        limit=limit,
        wait=wait,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    after: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    wait: float | Unset = 0.0,
) -> InboxPage | Problem | None:
    """Read your inbox

     Your inbox's items after `after`, oldest first, at most `limit` (default 100). Scope
    `webhooks:read`. Without `after`, it resumes after the last item acknowledged. Pass
    `next_cursor` as `after` for the next page; reading acknowledges nothing, and anyone
    reading your inbox sees the same items. With `wait` (seconds, at most 30), a read that would
    find nothing waits for the next item instead (long-poll).

    A cursor is yours alone: another party's, an altered one, or one beyond your newest item is
    422 `invalid-cursor`. No inbox: 404 `no-inbox`. A disabled inbox still serves what it holds.

    Args:
        after (None | str | Unset): An item's cursor, or a page's `next_cursor`: read what comes
            after it
        limit (int | Unset):  Default: 100.
        wait (float | Unset):  Default: 0.0.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        InboxPage | Problem
    """

    return sync_detailed(
        client=client,
        after=after,
        limit=limit,
        wait=wait,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    after: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    wait: float | Unset = 0.0,
) -> Response[InboxPage | Problem]:
    """Read your inbox

     Your inbox's items after `after`, oldest first, at most `limit` (default 100). Scope
    `webhooks:read`. Without `after`, it resumes after the last item acknowledged. Pass
    `next_cursor` as `after` for the next page; reading acknowledges nothing, and anyone
    reading your inbox sees the same items. With `wait` (seconds, at most 30), a read that would
    find nothing waits for the next item instead (long-poll).

    A cursor is yours alone: another party's, an altered one, or one beyond your newest item is
    422 `invalid-cursor`. No inbox: 404 `no-inbox`. A disabled inbox still serves what it holds.

    Args:
        after (None | str | Unset): An item's cursor, or a page's `next_cursor`: read what comes
            after it
        limit (int | Unset):  Default: 100.
        wait (float | Unset):  Default: 0.0.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[InboxPage | Problem]
    """

    kwargs = _get_kwargs(
        after=after,
        limit=limit,
        wait=wait,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    after: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    wait: float | Unset = 0.0,
) -> InboxPage | Problem | None:
    """Read your inbox

     Your inbox's items after `after`, oldest first, at most `limit` (default 100). Scope
    `webhooks:read`. Without `after`, it resumes after the last item acknowledged. Pass
    `next_cursor` as `after` for the next page; reading acknowledges nothing, and anyone
    reading your inbox sees the same items. With `wait` (seconds, at most 30), a read that would
    find nothing waits for the next item instead (long-poll).

    A cursor is yours alone: another party's, an altered one, or one beyond your newest item is
    422 `invalid-cursor`. No inbox: 404 `no-inbox`. A disabled inbox still serves what it holds.

    Args:
        after (None | str | Unset): An item's cursor, or a page's `next_cursor`: read what comes
            after it
        limit (int | Unset):  Default: 100.
        wait (float | Unset):  Default: 0.0.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        InboxPage | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            after=after,
            limit=limit,
            wait=wait,
        )
    ).parsed
