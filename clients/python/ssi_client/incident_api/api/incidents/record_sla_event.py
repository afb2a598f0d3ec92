from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.sla_event_create import SlaEventCreate
from ...models.sla_event_read import SlaEventRead
from ...types import Response


def _get_kwargs(
    incident_id: str,
    *,
    body: SlaEventCreate,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/incidents/{incident_id}/sla-events".format(
            incident_id=quote(str(incident_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | SlaEventRead | None:
    if response.status_code == 200:
        response_200 = SlaEventRead.from_dict(response.json())

        return response_200

    if response.status_code == 201:
        response_201 = SlaEventRead.from_dict(response.json())

        return response_201

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
) -> Response[Problem | SlaEventRead]:
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
    body: SlaEventCreate,
) -> Response[Problem | SlaEventRead]:
    """Record an SLA warning, breach or escalation

     For the notifier, which watches the SLA clocks; not for suppliers. Scope `sla:write`;
    services only.

    Idempotent on (`clock`, `kind`, `ordinal`): the first call records the event (201) and
    announces it (`incident.sla_warning`, `incident.sla_breached`, `incident.sla_escalated`); a
    repeat answers the first record (200) and announces nothing. 409 `clock-ended` once that clock
    has ended (the incident was resolved, cancelled or given a new clock); 422
    `sla-event-too-early` for a breach or escalation on the running clock before its `due_at`.

    Args:
        incident_id (str): The incident's id, or its reference
        body (SlaEventCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SlaEventRead]
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
    body: SlaEventCreate,
) -> Problem | SlaEventRead | None:
    """Record an SLA warning, breach or escalation

     For the notifier, which watches the SLA clocks; not for suppliers. Scope `sla:write`;
    services only.

    Idempotent on (`clock`, `kind`, `ordinal`): the first call records the event (201) and
    announces it (`incident.sla_warning`, `incident.sla_breached`, `incident.sla_escalated`); a
    repeat answers the first record (200) and announces nothing. 409 `clock-ended` once that clock
    has ended (the incident was resolved, cancelled or given a new clock); 422
    `sla-event-too-early` for a breach or escalation on the running clock before its `due_at`.

    Args:
        incident_id (str): The incident's id, or its reference
        body (SlaEventCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SlaEventRead
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
    body: SlaEventCreate,
) -> Response[Problem | SlaEventRead]:
    """Record an SLA warning, breach or escalation

     For the notifier, which watches the SLA clocks; not for suppliers. Scope `sla:write`;
    services only.

    Idempotent on (`clock`, `kind`, `ordinal`): the first call records the event (201) and
    announces it (`incident.sla_warning`, `incident.sla_breached`, `incident.sla_escalated`); a
    repeat answers the first record (200) and announces nothing. 409 `clock-ended` once that clock
    has ended (the incident was resolved, cancelled or given a new clock); 422
    `sla-event-too-early` for a breach or escalation on the running clock before its `due_at`.

    Args:
        incident_id (str): The incident's id, or its reference
        body (SlaEventCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SlaEventRead]
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
    body: SlaEventCreate,
) -> Problem | SlaEventRead | None:
    """Record an SLA warning, breach or escalation

     For the notifier, which watches the SLA clocks; not for suppliers. Scope `sla:write`;
    services only.

    Idempotent on (`clock`, `kind`, `ordinal`): the first call records the event (201) and
    announces it (`incident.sla_warning`, `incident.sla_breached`, `incident.sla_escalated`); a
    repeat answers the first record (200) and announces nothing. 409 `clock-ended` once that clock
    has ended (the incident was resolved, cancelled or given a new clock); 422
    `sla-event-too-early` for a breach or escalation on the running clock before its `due_at`.

    Args:
        incident_id (str): The incident's id, or its reference
        body (SlaEventCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SlaEventRead
    """

    return (
        await asyncio_detailed(
            incident_id=incident_id,
            client=client,
            body=body,
        )
    ).parsed
