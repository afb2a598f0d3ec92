from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.sla_report import SlaReport
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    from_: None | str | Unset = UNSET,
    to: None | str | Unset = UNSET,
    accept: None | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(accept, Unset):
        headers["accept"] = accept

    params: dict[str, Any] = {}

    json_from_: None | str | Unset
    if isinstance(from_, Unset):
        json_from_ = UNSET
    else:
        json_from_ = from_
    params["from"] = json_from_

    json_to: None | str | Unset
    if isinstance(to, Unset):
        json_to = UNSET
    else:
        json_to = to
    params["to"] = json_to

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/reports/sla",
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | SlaReport | None:
    if response.status_code == 200:
        response_200 = SlaReport.from_dict(response.json())

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

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | SlaReport]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    from_: None | str | Unset = UNSET,
    to: None | str | Unset = UNSET,
    accept: None | str | Unset = UNSET,
) -> Response[Problem | SlaReport]:
    """SLA compliance report

     Per addressed party, the SLA clocks (a raise, each reopen and each readdress starts one)
    of incidents raised from `from` (inclusive; default: since the start) to `to` (exclusive;
    default: now). Each is a date (`2026-11-01`: 00:00 London that day) or an ISO 8601 instant
    with an offset; 422 `bad-period` for anything else, or a `from` not before `to`. Scope
    `reports:read`. Operators see every party; a supplier sees its own row (with zeros if it
    has none). JSON, or CSV with `Accept: text/csv`.

    Args:
        from_ (None | str | Unset):
        to (None | str | Unset):
        accept (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SlaReport]
    """

    kwargs = _get_kwargs(
        from_=from_,
        to=to,
        accept=accept,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    from_: None | str | Unset = UNSET,
    to: None | str | Unset = UNSET,
    accept: None | str | Unset = UNSET,
) -> Problem | SlaReport | None:
    """SLA compliance report

     Per addressed party, the SLA clocks (a raise, each reopen and each readdress starts one)
    of incidents raised from `from` (inclusive; default: since the start) to `to` (exclusive;
    default: now). Each is a date (`2026-11-01`: 00:00 London that day) or an ISO 8601 instant
    with an offset; 422 `bad-period` for anything else, or a `from` not before `to`. Scope
    `reports:read`. Operators see every party; a supplier sees its own row (with zeros if it
    has none). JSON, or CSV with `Accept: text/csv`.

    Args:
        from_ (None | str | Unset):
        to (None | str | Unset):
        accept (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SlaReport
    """

    return sync_detailed(
        client=client,
        from_=from_,
        to=to,
        accept=accept,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    from_: None | str | Unset = UNSET,
    to: None | str | Unset = UNSET,
    accept: None | str | Unset = UNSET,
) -> Response[Problem | SlaReport]:
    """SLA compliance report

     Per addressed party, the SLA clocks (a raise, each reopen and each readdress starts one)
    of incidents raised from `from` (inclusive; default: since the start) to `to` (exclusive;
    default: now). Each is a date (`2026-11-01`: 00:00 London that day) or an ISO 8601 instant
    with an offset; 422 `bad-period` for anything else, or a `from` not before `to`. Scope
    `reports:read`. Operators see every party; a supplier sees its own row (with zeros if it
    has none). JSON, or CSV with `Accept: text/csv`.

    Args:
        from_ (None | str | Unset):
        to (None | str | Unset):
        accept (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SlaReport]
    """

    kwargs = _get_kwargs(
        from_=from_,
        to=to,
        accept=accept,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    from_: None | str | Unset = UNSET,
    to: None | str | Unset = UNSET,
    accept: None | str | Unset = UNSET,
) -> Problem | SlaReport | None:
    """SLA compliance report

     Per addressed party, the SLA clocks (a raise, each reopen and each readdress starts one)
    of incidents raised from `from` (inclusive; default: since the start) to `to` (exclusive;
    default: now). Each is a date (`2026-11-01`: 00:00 London that day) or an ISO 8601 instant
    with an offset; 422 `bad-period` for anything else, or a `from` not before `to`. Scope
    `reports:read`. Operators see every party; a supplier sees its own row (with zeros if it
    has none). JSON, or CSV with `Accept: text/csv`.

    Args:
        from_ (None | str | Unset):
        to (None | str | Unset):
        accept (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SlaReport
    """

    return (
        await asyncio_detailed(
            client=client,
            from_=from_,
            to=to,
            accept=accept,
        )
    ).parsed
