from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.batch_result import BatchResult
from ...models.problem import Problem
from ...models.raise_batch import RaiseBatch
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: RaiseBatch,
    accept: None | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(accept, Unset):
        headers["accept"] = accept

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/incidents/batch",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> BatchResult | Problem | None:
    if response.status_code == 200:
        response_200 = BatchResult.from_dict(response.json())

        return response_200

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
) -> Response[BatchResult | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: RaiseBatch,
    accept: None | str | Unset = UNSET,
) -> Response[BatchResult | Problem]:
    """Raise Batch

     Raise up to 10,000 incidents: JSON `{"items": [...]}` or CSV with a header. Each row
    succeeds or fails on its own; a row with a `client_ref` can be re-sent safely.

    Args:
        accept (None | str | Unset):
        body (RaiseBatch):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BatchResult | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        accept=accept,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: RaiseBatch,
    accept: None | str | Unset = UNSET,
) -> BatchResult | Problem | None:
    """Raise Batch

     Raise up to 10,000 incidents: JSON `{"items": [...]}` or CSV with a header. Each row
    succeeds or fails on its own; a row with a `client_ref` can be re-sent safely.

    Args:
        accept (None | str | Unset):
        body (RaiseBatch):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BatchResult | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
        accept=accept,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: RaiseBatch,
    accept: None | str | Unset = UNSET,
) -> Response[BatchResult | Problem]:
    """Raise Batch

     Raise up to 10,000 incidents: JSON `{"items": [...]}` or CSV with a header. Each row
    succeeds or fails on its own; a row with a `client_ref` can be re-sent safely.

    Args:
        accept (None | str | Unset):
        body (RaiseBatch):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BatchResult | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        accept=accept,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: RaiseBatch,
    accept: None | str | Unset = UNSET,
) -> BatchResult | Problem | None:
    """Raise Batch

     Raise up to 10,000 incidents: JSON `{"items": [...]}` or CSV with a header. Each row
    succeeds or fails on its own; a row with a `client_ref` can be re-sent safely.

    Args:
        accept (None | str | Unset):
        body (RaiseBatch):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BatchResult | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            accept=accept,
        )
    ).parsed
