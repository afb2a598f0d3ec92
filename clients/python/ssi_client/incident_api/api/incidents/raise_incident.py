from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.incident_create import IncidentCreate
from ...models.incident_read import IncidentRead
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: IncidentCreate,
    idempotency_key: None | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/incidents",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> IncidentRead | Problem | None:
    if response.status_code == 201:
        response_201 = IncidentRead.from_dict(response.json())

        return response_201

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

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[IncidentRead | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: IncidentCreate,
    idempotency_key: None | str | Unset = UNSET,
) -> Response[IncidentRead | Problem]:
    """Raise an incident

     Ask the Device's installing supplier for its install code. Scope `incidents:raise`;
    suppliers only (`not-a-supplier` otherwise).

    The checks, in this order, each refusal with its own `type`: where the inventory names the
    Device's registered supplier, that must be your party (403 `not-registered-supplier`, which
    says nothing else about the Device); your party must not be its installing party (422
    `requester-is-installer`); its SMI status must be `installed_not_commissioned` or
    `whitelisted` (409 `device-not-eligible`); your party must have no other open incident for it
    (409 `duplicate-open-incident`, naming that incident in `incident_id`).

    The addressee is the installing party the inventory names. Where the inventory does not know
    the Device, or names no installing party, name it yourself in `addressed_party_id`: the
    incident is then `unverified: true` (422 `addressee-required` without it). An
    `addressed_party_id` other than the inventory's installing party, or one that is not an
    active party (operators excluded), is 422 `unknown-party`.

    The SLA clock starts now: `due_at` and `warning_at` are fixed for this clock. The addressee is
    told (`incident.raised`).

    Retrying safely: with an `Idempotency-Key`, the same key and the same body within 24 hours
    answer the incident raised the first time (201 again, with `Idempotent-Replayed: true`); the
    same key with another body is 422 `idempotency-key-reused`; a request still running under the
    key is 409 `idempotency-key-in-progress`. Without a key, a repeat meets the open incident and
    is 409 `duplicate-open-incident`.

    Args:
        idempotency_key (None | str | Unset): Your key for this request (printable ASCII, no
            spaces), kept 24 hours for your party: send the same request again with it and nothing is
            raised twice.
        body (IncidentCreate): A request for a Device's install code.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[IncidentRead | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: IncidentCreate,
    idempotency_key: None | str | Unset = UNSET,
) -> IncidentRead | Problem | None:
    """Raise an incident

     Ask the Device's installing supplier for its install code. Scope `incidents:raise`;
    suppliers only (`not-a-supplier` otherwise).

    The checks, in this order, each refusal with its own `type`: where the inventory names the
    Device's registered supplier, that must be your party (403 `not-registered-supplier`, which
    says nothing else about the Device); your party must not be its installing party (422
    `requester-is-installer`); its SMI status must be `installed_not_commissioned` or
    `whitelisted` (409 `device-not-eligible`); your party must have no other open incident for it
    (409 `duplicate-open-incident`, naming that incident in `incident_id`).

    The addressee is the installing party the inventory names. Where the inventory does not know
    the Device, or names no installing party, name it yourself in `addressed_party_id`: the
    incident is then `unverified: true` (422 `addressee-required` without it). An
    `addressed_party_id` other than the inventory's installing party, or one that is not an
    active party (operators excluded), is 422 `unknown-party`.

    The SLA clock starts now: `due_at` and `warning_at` are fixed for this clock. The addressee is
    told (`incident.raised`).

    Retrying safely: with an `Idempotency-Key`, the same key and the same body within 24 hours
    answer the incident raised the first time (201 again, with `Idempotent-Replayed: true`); the
    same key with another body is 422 `idempotency-key-reused`; a request still running under the
    key is 409 `idempotency-key-in-progress`. Without a key, a repeat meets the open incident and
    is 409 `duplicate-open-incident`.

    Args:
        idempotency_key (None | str | Unset): Your key for this request (printable ASCII, no
            spaces), kept 24 hours for your party: send the same request again with it and nothing is
            raised twice.
        body (IncidentCreate): A request for a Device's install code.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        IncidentRead | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: IncidentCreate,
    idempotency_key: None | str | Unset = UNSET,
) -> Response[IncidentRead | Problem]:
    """Raise an incident

     Ask the Device's installing supplier for its install code. Scope `incidents:raise`;
    suppliers only (`not-a-supplier` otherwise).

    The checks, in this order, each refusal with its own `type`: where the inventory names the
    Device's registered supplier, that must be your party (403 `not-registered-supplier`, which
    says nothing else about the Device); your party must not be its installing party (422
    `requester-is-installer`); its SMI status must be `installed_not_commissioned` or
    `whitelisted` (409 `device-not-eligible`); your party must have no other open incident for it
    (409 `duplicate-open-incident`, naming that incident in `incident_id`).

    The addressee is the installing party the inventory names. Where the inventory does not know
    the Device, or names no installing party, name it yourself in `addressed_party_id`: the
    incident is then `unverified: true` (422 `addressee-required` without it). An
    `addressed_party_id` other than the inventory's installing party, or one that is not an
    active party (operators excluded), is 422 `unknown-party`.

    The SLA clock starts now: `due_at` and `warning_at` are fixed for this clock. The addressee is
    told (`incident.raised`).

    Retrying safely: with an `Idempotency-Key`, the same key and the same body within 24 hours
    answer the incident raised the first time (201 again, with `Idempotent-Replayed: true`); the
    same key with another body is 422 `idempotency-key-reused`; a request still running under the
    key is 409 `idempotency-key-in-progress`. Without a key, a repeat meets the open incident and
    is 409 `duplicate-open-incident`.

    Args:
        idempotency_key (None | str | Unset): Your key for this request (printable ASCII, no
            spaces), kept 24 hours for your party: send the same request again with it and nothing is
            raised twice.
        body (IncidentCreate): A request for a Device's install code.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[IncidentRead | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: IncidentCreate,
    idempotency_key: None | str | Unset = UNSET,
) -> IncidentRead | Problem | None:
    """Raise an incident

     Ask the Device's installing supplier for its install code. Scope `incidents:raise`;
    suppliers only (`not-a-supplier` otherwise).

    The checks, in this order, each refusal with its own `type`: where the inventory names the
    Device's registered supplier, that must be your party (403 `not-registered-supplier`, which
    says nothing else about the Device); your party must not be its installing party (422
    `requester-is-installer`); its SMI status must be `installed_not_commissioned` or
    `whitelisted` (409 `device-not-eligible`); your party must have no other open incident for it
    (409 `duplicate-open-incident`, naming that incident in `incident_id`).

    The addressee is the installing party the inventory names. Where the inventory does not know
    the Device, or names no installing party, name it yourself in `addressed_party_id`: the
    incident is then `unverified: true` (422 `addressee-required` without it). An
    `addressed_party_id` other than the inventory's installing party, or one that is not an
    active party (operators excluded), is 422 `unknown-party`.

    The SLA clock starts now: `due_at` and `warning_at` are fixed for this clock. The addressee is
    told (`incident.raised`).

    Retrying safely: with an `Idempotency-Key`, the same key and the same body within 24 hours
    answer the incident raised the first time (201 again, with `Idempotent-Replayed: true`); the
    same key with another body is 422 `idempotency-key-reused`; a request still running under the
    key is 409 `idempotency-key-in-progress`. Without a key, a repeat meets the open incident and
    is 409 `duplicate-open-incident`.

    Args:
        idempotency_key (None | str | Unset): Your key for this request (printable ASCII, no
            spaces), kept 24 hours for your party: send the same request again with it and nothing is
            raised twice.
        body (IncidentCreate): A request for a Device's install code.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        IncidentRead | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
