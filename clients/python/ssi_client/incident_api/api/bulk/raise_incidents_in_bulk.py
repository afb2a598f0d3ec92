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
    """Raise incidents in bulk

     Raise up to 10,000 incidents in one request. Scope `incidents:raise`; suppliers only
    (every row fails as `not-a-supplier` otherwise).

    Send JSON `{"items": [...]}`, each item the body of `POST /v1/incidents` with an optional
    `client_ref`; or CSV (`Content-Type: text/csv`, UTF-8) whose header row names its columns:
    `device_id` (required), `addressed_party_id`, `note`, `group_ref`, `client_ref`. Each row is
    checked and raised as `POST /v1/incidents` would be, and succeeds or fails on its own: the
    answer is 200 with one result per row (`row` counts from 1, a CSV header not counted), `ok`
    with the incident's `incident_id` and `reference`, or not with an `error` problem whose
    `type` is the single call's. CSV results (`Accept: text/csv`) neutralise cells that start
    with `=`, `+`, `-` or `@`.

    Re-sending: a row with a `client_ref` is idempotent for 24 hours (the `client_ref` is its
    `Idempotency-Key`): re-sent as it was, it replays its incident (`replayed: true`); with other
    content it fails as `idempotency-key-reused`. A re-sent row without one meets the incident it
    raised and fails as `duplicate-open-incident`, naming it: nothing is raised twice. Rows are
    committed in chunks, so a batch cut short (a dropped connection) leaves whole chunks done:
    send it again.

    The whole batch is refused, nothing raised, when it cannot be read (422 `bad-batch`: not JSON,
    not `{"items": [...]}`, no rows, a CSV header without `device_id` or with an unknown or
    repeated column), holds more than 10,000 rows (422 `too-many-rows`), is over the size limit
    (413; 16 MiB by default) or is neither JSON nor CSV (415).

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
    """Raise incidents in bulk

     Raise up to 10,000 incidents in one request. Scope `incidents:raise`; suppliers only
    (every row fails as `not-a-supplier` otherwise).

    Send JSON `{"items": [...]}`, each item the body of `POST /v1/incidents` with an optional
    `client_ref`; or CSV (`Content-Type: text/csv`, UTF-8) whose header row names its columns:
    `device_id` (required), `addressed_party_id`, `note`, `group_ref`, `client_ref`. Each row is
    checked and raised as `POST /v1/incidents` would be, and succeeds or fails on its own: the
    answer is 200 with one result per row (`row` counts from 1, a CSV header not counted), `ok`
    with the incident's `incident_id` and `reference`, or not with an `error` problem whose
    `type` is the single call's. CSV results (`Accept: text/csv`) neutralise cells that start
    with `=`, `+`, `-` or `@`.

    Re-sending: a row with a `client_ref` is idempotent for 24 hours (the `client_ref` is its
    `Idempotency-Key`): re-sent as it was, it replays its incident (`replayed: true`); with other
    content it fails as `idempotency-key-reused`. A re-sent row without one meets the incident it
    raised and fails as `duplicate-open-incident`, naming it: nothing is raised twice. Rows are
    committed in chunks, so a batch cut short (a dropped connection) leaves whole chunks done:
    send it again.

    The whole batch is refused, nothing raised, when it cannot be read (422 `bad-batch`: not JSON,
    not `{"items": [...]}`, no rows, a CSV header without `device_id` or with an unknown or
    repeated column), holds more than 10,000 rows (422 `too-many-rows`), is over the size limit
    (413; 16 MiB by default) or is neither JSON nor CSV (415).

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
    """Raise incidents in bulk

     Raise up to 10,000 incidents in one request. Scope `incidents:raise`; suppliers only
    (every row fails as `not-a-supplier` otherwise).

    Send JSON `{"items": [...]}`, each item the body of `POST /v1/incidents` with an optional
    `client_ref`; or CSV (`Content-Type: text/csv`, UTF-8) whose header row names its columns:
    `device_id` (required), `addressed_party_id`, `note`, `group_ref`, `client_ref`. Each row is
    checked and raised as `POST /v1/incidents` would be, and succeeds or fails on its own: the
    answer is 200 with one result per row (`row` counts from 1, a CSV header not counted), `ok`
    with the incident's `incident_id` and `reference`, or not with an `error` problem whose
    `type` is the single call's. CSV results (`Accept: text/csv`) neutralise cells that start
    with `=`, `+`, `-` or `@`.

    Re-sending: a row with a `client_ref` is idempotent for 24 hours (the `client_ref` is its
    `Idempotency-Key`): re-sent as it was, it replays its incident (`replayed: true`); with other
    content it fails as `idempotency-key-reused`. A re-sent row without one meets the incident it
    raised and fails as `duplicate-open-incident`, naming it: nothing is raised twice. Rows are
    committed in chunks, so a batch cut short (a dropped connection) leaves whole chunks done:
    send it again.

    The whole batch is refused, nothing raised, when it cannot be read (422 `bad-batch`: not JSON,
    not `{"items": [...]}`, no rows, a CSV header without `device_id` or with an unknown or
    repeated column), holds more than 10,000 rows (422 `too-many-rows`), is over the size limit
    (413; 16 MiB by default) or is neither JSON nor CSV (415).

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
    """Raise incidents in bulk

     Raise up to 10,000 incidents in one request. Scope `incidents:raise`; suppliers only
    (every row fails as `not-a-supplier` otherwise).

    Send JSON `{"items": [...]}`, each item the body of `POST /v1/incidents` with an optional
    `client_ref`; or CSV (`Content-Type: text/csv`, UTF-8) whose header row names its columns:
    `device_id` (required), `addressed_party_id`, `note`, `group_ref`, `client_ref`. Each row is
    checked and raised as `POST /v1/incidents` would be, and succeeds or fails on its own: the
    answer is 200 with one result per row (`row` counts from 1, a CSV header not counted), `ok`
    with the incident's `incident_id` and `reference`, or not with an `error` problem whose
    `type` is the single call's. CSV results (`Accept: text/csv`) neutralise cells that start
    with `=`, `+`, `-` or `@`.

    Re-sending: a row with a `client_ref` is idempotent for 24 hours (the `client_ref` is its
    `Idempotency-Key`): re-sent as it was, it replays its incident (`replayed: true`); with other
    content it fails as `idempotency-key-reused`. A re-sent row without one meets the incident it
    raised and fails as `duplicate-open-incident`, naming it: nothing is raised twice. Rows are
    committed in chunks, so a batch cut short (a dropped connection) leaves whole chunks done:
    send it again.

    The whole batch is refused, nothing raised, when it cannot be read (422 `bad-batch`: not JSON,
    not `{"items": [...]}`, no rows, a CSV header without `device_id` or with an unknown or
    repeated column), holds more than 10,000 rows (422 `too-many-rows`), is over the size limit
    (413; 16 MiB by default) or is neither JSON nor CSV (415).

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
