from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.test_clock_read import TestClockRead
from ...models.test_clock_set import TestClockSet
from ...types import Response


def _get_kwargs(
    *,
    body: TestClockSet,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/test-clock",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | TestClockRead | None:
    if response.status_code == 200:
        response_200 = TestClockRead.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

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
) -> Response[Problem | TestClockRead]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: TestClockSet,
) -> Response[Problem | TestClockRead]:
    """Move the test clock forward

     Move this service's clock forward to `now`; it runs on from there, and every replica
    follows within a second. On the incident API it is the time incidents are raised, answered
    and judged by (`due_at`, `sla_state`); on the notifier, the time its SLA scheduler records
    warnings, breaches and escalations by: move both together. `admin` only.

    Forward only: a `now` before the current test time is 409 (`test-clock-backwards`); return to
    real time with `DELETE /v1/test-clock` first.

    Args:
        body (TestClockSet):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TestClockRead]
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
    body: TestClockSet,
) -> Problem | TestClockRead | None:
    """Move the test clock forward

     Move this service's clock forward to `now`; it runs on from there, and every replica
    follows within a second. On the incident API it is the time incidents are raised, answered
    and judged by (`due_at`, `sla_state`); on the notifier, the time its SLA scheduler records
    warnings, breaches and escalations by: move both together. `admin` only.

    Forward only: a `now` before the current test time is 409 (`test-clock-backwards`); return to
    real time with `DELETE /v1/test-clock` first.

    Args:
        body (TestClockSet):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TestClockRead
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: TestClockSet,
) -> Response[Problem | TestClockRead]:
    """Move the test clock forward

     Move this service's clock forward to `now`; it runs on from there, and every replica
    follows within a second. On the incident API it is the time incidents are raised, answered
    and judged by (`due_at`, `sla_state`); on the notifier, the time its SLA scheduler records
    warnings, breaches and escalations by: move both together. `admin` only.

    Forward only: a `now` before the current test time is 409 (`test-clock-backwards`); return to
    real time with `DELETE /v1/test-clock` first.

    Args:
        body (TestClockSet):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TestClockRead]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: TestClockSet,
) -> Problem | TestClockRead | None:
    """Move the test clock forward

     Move this service's clock forward to `now`; it runs on from there, and every replica
    follows within a second. On the incident API it is the time incidents are raised, answered
    and judged by (`due_at`, `sla_state`); on the notifier, the time its SLA scheduler records
    warnings, breaches and escalations by: move both together. `admin` only.

    Forward only: a `now` before the current test time is 409 (`test-clock-backwards`); return to
    real time with `DELETE /v1/test-clock` first.

    Args:
        body (TestClockSet):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TestClockRead
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
