from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.batch_result import BatchResult
from ...models.problem import Problem
from ...models.response_batch import ResponseBatch
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: ResponseBatch,
    accept: None | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(accept, Unset):
        headers["accept"] = accept

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/incidents/responses/batch",
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
    body: ResponseBatch,
    accept: None | str | Unset = UNSET,
) -> Response[BatchResult | Problem]:
    """Answer incidents in bulk

     Answer up to 10,000 incidents in one request. Scope `incidents:respond`; each row's
    incident must be addressed to your party.

    Send JSON `{"items": [...]}`, each item the body of `POST /v1/incidents/{incident_id}/response`
    naming its incident by `incident_id` or by `reference` (one of them), with an optional `clock`
    and `client_ref`; or CSV (`Content-Type: text/csv`, UTF-8) whose header row names its columns:
    `outcome` (required), `incident_id`, `reference`, `clock`, `install_code`, `reason`,
    `suggested_party_id`, `client_ref`. Each row is checked as the single answer is, and succeeds
    or fails on its own; a row naming an incident your party may not see fails as
    `incident-not-found`. Results as for the bulk raise; they never carry an install code.

    Re-sending is safe: a row whose incident your party already resolved with the same answer
    replays (`replayed: true`); a row that differs from the answer recorded (another code,
    outcome, reason or suggested party) fails as `conflict`, and the recorded answer stands. With
    `clock`, a row answers that clock only: for an earlier one (the incident was reopened since)
    it replays, for a later one it fails as `invalid-transition`.

    The whole batch is refused as the bulk raise's is (`bad-batch`, without an `outcome` column,
    `too-many-rows`, 413, 415).

    Args:
        accept (None | str | Unset):
        body (ResponseBatch):

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
    body: ResponseBatch,
    accept: None | str | Unset = UNSET,
) -> BatchResult | Problem | None:
    """Answer incidents in bulk

     Answer up to 10,000 incidents in one request. Scope `incidents:respond`; each row's
    incident must be addressed to your party.

    Send JSON `{"items": [...]}`, each item the body of `POST /v1/incidents/{incident_id}/response`
    naming its incident by `incident_id` or by `reference` (one of them), with an optional `clock`
    and `client_ref`; or CSV (`Content-Type: text/csv`, UTF-8) whose header row names its columns:
    `outcome` (required), `incident_id`, `reference`, `clock`, `install_code`, `reason`,
    `suggested_party_id`, `client_ref`. Each row is checked as the single answer is, and succeeds
    or fails on its own; a row naming an incident your party may not see fails as
    `incident-not-found`. Results as for the bulk raise; they never carry an install code.

    Re-sending is safe: a row whose incident your party already resolved with the same answer
    replays (`replayed: true`); a row that differs from the answer recorded (another code,
    outcome, reason or suggested party) fails as `conflict`, and the recorded answer stands. With
    `clock`, a row answers that clock only: for an earlier one (the incident was reopened since)
    it replays, for a later one it fails as `invalid-transition`.

    The whole batch is refused as the bulk raise's is (`bad-batch`, without an `outcome` column,
    `too-many-rows`, 413, 415).

    Args:
        accept (None | str | Unset):
        body (ResponseBatch):

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
    body: ResponseBatch,
    accept: None | str | Unset = UNSET,
) -> Response[BatchResult | Problem]:
    """Answer incidents in bulk

     Answer up to 10,000 incidents in one request. Scope `incidents:respond`; each row's
    incident must be addressed to your party.

    Send JSON `{"items": [...]}`, each item the body of `POST /v1/incidents/{incident_id}/response`
    naming its incident by `incident_id` or by `reference` (one of them), with an optional `clock`
    and `client_ref`; or CSV (`Content-Type: text/csv`, UTF-8) whose header row names its columns:
    `outcome` (required), `incident_id`, `reference`, `clock`, `install_code`, `reason`,
    `suggested_party_id`, `client_ref`. Each row is checked as the single answer is, and succeeds
    or fails on its own; a row naming an incident your party may not see fails as
    `incident-not-found`. Results as for the bulk raise; they never carry an install code.

    Re-sending is safe: a row whose incident your party already resolved with the same answer
    replays (`replayed: true`); a row that differs from the answer recorded (another code,
    outcome, reason or suggested party) fails as `conflict`, and the recorded answer stands. With
    `clock`, a row answers that clock only: for an earlier one (the incident was reopened since)
    it replays, for a later one it fails as `invalid-transition`.

    The whole batch is refused as the bulk raise's is (`bad-batch`, without an `outcome` column,
    `too-many-rows`, 413, 415).

    Args:
        accept (None | str | Unset):
        body (ResponseBatch):

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
    body: ResponseBatch,
    accept: None | str | Unset = UNSET,
) -> BatchResult | Problem | None:
    """Answer incidents in bulk

     Answer up to 10,000 incidents in one request. Scope `incidents:respond`; each row's
    incident must be addressed to your party.

    Send JSON `{"items": [...]}`, each item the body of `POST /v1/incidents/{incident_id}/response`
    naming its incident by `incident_id` or by `reference` (one of them), with an optional `clock`
    and `client_ref`; or CSV (`Content-Type: text/csv`, UTF-8) whose header row names its columns:
    `outcome` (required), `incident_id`, `reference`, `clock`, `install_code`, `reason`,
    `suggested_party_id`, `client_ref`. Each row is checked as the single answer is, and succeeds
    or fails on its own; a row naming an incident your party may not see fails as
    `incident-not-found`. Results as for the bulk raise; they never carry an install code.

    Re-sending is safe: a row whose incident your party already resolved with the same answer
    replays (`replayed: true`); a row that differs from the answer recorded (another code,
    outcome, reason or suggested party) fails as `conflict`, and the recorded answer stands. With
    `clock`, a row answers that clock only: for an earlier one (the incident was reopened since)
    it replays, for a later one it fails as `invalid-transition`.

    The whole batch is refused as the bulk raise's is (`bad-batch`, without an `outcome` column,
    `too-many-rows`, 413, 415).

    Args:
        accept (None | str | Unset):
        body (ResponseBatch):

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
