from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.reachability_write import ReachabilityWrite
from ...types import Response


def _get_kwargs(
    party_id: str,
    *,
    body: ReachabilityWrite,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/v1/parties/{party_id}/webhook-reachability".format(
            party_id=quote(str(party_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | Problem | None:
    if response.status_code == 204:
        response_204 = cast(Any, None)
        return response_204

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

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Any | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    party_id: str,
    *,
    client: AuthenticatedClient,
    body: ReachabilityWrite,
) -> Response[Any | Problem]:
    """Record whether a party has a webhook endpoint

     For the notifier, which owns the endpoints; not for suppliers. Scope `sla:write`; services
    only. Whether the party has at least one enabled webhook endpoint: incidents addressed to it
    show this as `addressee_reachable`.

    Args:
        party_id (str):
        body (ReachabilityWrite):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem]
    """

    kwargs = _get_kwargs(
        party_id=party_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    party_id: str,
    *,
    client: AuthenticatedClient,
    body: ReachabilityWrite,
) -> Any | Problem | None:
    """Record whether a party has a webhook endpoint

     For the notifier, which owns the endpoints; not for suppliers. Scope `sla:write`; services
    only. Whether the party has at least one enabled webhook endpoint: incidents addressed to it
    show this as `addressee_reachable`.

    Args:
        party_id (str):
        body (ReachabilityWrite):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem
    """

    return sync_detailed(
        party_id=party_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    party_id: str,
    *,
    client: AuthenticatedClient,
    body: ReachabilityWrite,
) -> Response[Any | Problem]:
    """Record whether a party has a webhook endpoint

     For the notifier, which owns the endpoints; not for suppliers. Scope `sla:write`; services
    only. Whether the party has at least one enabled webhook endpoint: incidents addressed to it
    show this as `addressee_reachable`.

    Args:
        party_id (str):
        body (ReachabilityWrite):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem]
    """

    kwargs = _get_kwargs(
        party_id=party_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    party_id: str,
    *,
    client: AuthenticatedClient,
    body: ReachabilityWrite,
) -> Any | Problem | None:
    """Record whether a party has a webhook endpoint

     For the notifier, which owns the endpoints; not for suppliers. Scope `sla:write`; services
    only. Whether the party has at least one enabled webhook endpoint: incidents addressed to it
    show this as `addressee_reachable`.

    Args:
        party_id (str):
        body (ReachabilityWrite):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem
    """

    return (
        await asyncio_detailed(
            party_id=party_id,
            client=client,
            body=body,
        )
    ).parsed
