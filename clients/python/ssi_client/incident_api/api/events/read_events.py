from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.event_page import EventPage
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    after: int | Unset = 0,
    limit: int | Unset = 100,
    wait: float | Unset = 0.0,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["after"] = after

    params["limit"] = limit

    params["wait"] = wait

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/events",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> EventPage | Problem | None:
    if response.status_code == 200:
        response_200 = EventPage.from_dict(response.json())

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

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[EventPage | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    after: int | Unset = 0,
    limit: int | Unset = 100,
    wait: float | Unset = 0.0,
) -> Response[EventPage | Problem]:
    """Read the event log

     Events after `after`, in `seq` order, at most `limit`. Scope `events:read`; the
    deployment's services only. Pass `next_after` as `after` for the next page; `last_seq` is the
    newest `seq` in the log when the page was read (a follower's lag is the difference). With
    `wait` (seconds, at most 30), a page that would be empty waits for an event instead
    (long-poll). A type the reader does not know (written by a newer API) is to be skipped, not
    treated as an error.

    Args:
        after (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 100.
        wait (float | Unset):  Default: 0.0.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EventPage | Problem]
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
    after: int | Unset = 0,
    limit: int | Unset = 100,
    wait: float | Unset = 0.0,
) -> EventPage | Problem | None:
    """Read the event log

     Events after `after`, in `seq` order, at most `limit`. Scope `events:read`; the
    deployment's services only. Pass `next_after` as `after` for the next page; `last_seq` is the
    newest `seq` in the log when the page was read (a follower's lag is the difference). With
    `wait` (seconds, at most 30), a page that would be empty waits for an event instead
    (long-poll). A type the reader does not know (written by a newer API) is to be skipped, not
    treated as an error.

    Args:
        after (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 100.
        wait (float | Unset):  Default: 0.0.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EventPage | Problem
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
    after: int | Unset = 0,
    limit: int | Unset = 100,
    wait: float | Unset = 0.0,
) -> Response[EventPage | Problem]:
    """Read the event log

     Events after `after`, in `seq` order, at most `limit`. Scope `events:read`; the
    deployment's services only. Pass `next_after` as `after` for the next page; `last_seq` is the
    newest `seq` in the log when the page was read (a follower's lag is the difference). With
    `wait` (seconds, at most 30), a page that would be empty waits for an event instead
    (long-poll). A type the reader does not know (written by a newer API) is to be skipped, not
    treated as an error.

    Args:
        after (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 100.
        wait (float | Unset):  Default: 0.0.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EventPage | Problem]
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
    after: int | Unset = 0,
    limit: int | Unset = 100,
    wait: float | Unset = 0.0,
) -> EventPage | Problem | None:
    """Read the event log

     Events after `after`, in `seq` order, at most `limit`. Scope `events:read`; the
    deployment's services only. Pass `next_after` as `after` for the next page; `last_seq` is the
    newest `seq` in the log when the page was read (a follower's lag is the difference). With
    `wait` (seconds, at most 30), a page that would be empty waits for an event instead
    (long-poll). A type the reader does not know (written by a newer API) is to be skipped, not
    treated as an error.

    Args:
        after (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 100.
        wait (float | Unset):  Default: 0.0.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EventPage | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            after=after,
            limit=limit,
            wait=wait,
        )
    ).parsed
