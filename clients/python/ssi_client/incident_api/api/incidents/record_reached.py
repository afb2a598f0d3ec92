from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.reached_create import ReachedCreate
from ...types import Response


def _get_kwargs(
    incident_id: str,
    *,
    body: ReachedCreate,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/incidents/{incident_id}/reached".format(
            incident_id=quote(str(incident_id), safe=""),
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
    incident_id: str,
    *,
    client: AuthenticatedClient,
    body: ReachedCreate,
) -> Response[Any | Problem]:
    """Record that the addressee was reached on a clock

     For the notifier, which delivers the events; not for suppliers. Scope `sla:write`;
    services only.

    A delivery of clock `clock`'s start event (`incident.raised`, `incident.reopened` or
    `incident.readdressed`) reached the addressee: a webhook answered 2xx, a mail server took
    the message (or its file was written), or the party fetched it from its inbox. The incident
    shows `addressee_reachable: true` while that is its running clock; a reopen or readdress
    starts a new clock, not reached until reported in turn.

    Idempotent: a repeat, or a report for an earlier clock than the incident's (a late one),
    changes nothing and is 204 all the same. 409 `clock-not-started` for a clock beyond the
    incident's (`current_clock` says which it is on). Nothing is announced or added to the
    history, and neither `version` nor `updated_at` moves: it is delivery bookkeeping, not a
    step of the incident's life.

    Args:
        incident_id (str): The incident's id, or its reference
        body (ReachedCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem]
    """

    kwargs = _get_kwargs(
        incident_id=incident_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    incident_id: str,
    *,
    client: AuthenticatedClient,
    body: ReachedCreate,
) -> Any | Problem | None:
    """Record that the addressee was reached on a clock

     For the notifier, which delivers the events; not for suppliers. Scope `sla:write`;
    services only.

    A delivery of clock `clock`'s start event (`incident.raised`, `incident.reopened` or
    `incident.readdressed`) reached the addressee: a webhook answered 2xx, a mail server took
    the message (or its file was written), or the party fetched it from its inbox. The incident
    shows `addressee_reachable: true` while that is its running clock; a reopen or readdress
    starts a new clock, not reached until reported in turn.

    Idempotent: a repeat, or a report for an earlier clock than the incident's (a late one),
    changes nothing and is 204 all the same. 409 `clock-not-started` for a clock beyond the
    incident's (`current_clock` says which it is on). Nothing is announced or added to the
    history, and neither `version` nor `updated_at` moves: it is delivery bookkeeping, not a
    step of the incident's life.

    Args:
        incident_id (str): The incident's id, or its reference
        body (ReachedCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem
    """

    return sync_detailed(
        incident_id=incident_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    incident_id: str,
    *,
    client: AuthenticatedClient,
    body: ReachedCreate,
) -> Response[Any | Problem]:
    """Record that the addressee was reached on a clock

     For the notifier, which delivers the events; not for suppliers. Scope `sla:write`;
    services only.

    A delivery of clock `clock`'s start event (`incident.raised`, `incident.reopened` or
    `incident.readdressed`) reached the addressee: a webhook answered 2xx, a mail server took
    the message (or its file was written), or the party fetched it from its inbox. The incident
    shows `addressee_reachable: true` while that is its running clock; a reopen or readdress
    starts a new clock, not reached until reported in turn.

    Idempotent: a repeat, or a report for an earlier clock than the incident's (a late one),
    changes nothing and is 204 all the same. 409 `clock-not-started` for a clock beyond the
    incident's (`current_clock` says which it is on). Nothing is announced or added to the
    history, and neither `version` nor `updated_at` moves: it is delivery bookkeeping, not a
    step of the incident's life.

    Args:
        incident_id (str): The incident's id, or its reference
        body (ReachedCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem]
    """

    kwargs = _get_kwargs(
        incident_id=incident_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    incident_id: str,
    *,
    client: AuthenticatedClient,
    body: ReachedCreate,
) -> Any | Problem | None:
    """Record that the addressee was reached on a clock

     For the notifier, which delivers the events; not for suppliers. Scope `sla:write`;
    services only.

    A delivery of clock `clock`'s start event (`incident.raised`, `incident.reopened` or
    `incident.readdressed`) reached the addressee: a webhook answered 2xx, a mail server took
    the message (or its file was written), or the party fetched it from its inbox. The incident
    shows `addressee_reachable: true` while that is its running clock; a reopen or readdress
    starts a new clock, not reached until reported in turn.

    Idempotent: a repeat, or a report for an earlier clock than the incident's (a late one),
    changes nothing and is 204 all the same. 409 `clock-not-started` for a clock beyond the
    incident's (`current_clock` says which it is on). Nothing is announced or added to the
    history, and neither `version` nor `updated_at` moves: it is delivery bookkeeping, not a
    step of the incident's life.

    Args:
        incident_id (str): The incident's id, or its reference
        body (ReachedCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem
    """

    return (
        await asyncio_detailed(
            incident_id=incident_id,
            client=client,
            body=body,
        )
    ).parsed
