from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.endpoint_create import EndpointCreate
from ...models.endpoint_created import EndpointCreated
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    *,
    body: EndpointCreate,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/endpoints",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> EndpointCreated | Problem | None:
    if response.status_code == 201:
        response_201 = EndpointCreated.from_dict(response.json())

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

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[EndpointCreated | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: EndpointCreate,
) -> Response[EndpointCreated | Problem]:
    """Add an endpoint: a webhook, an email address or your inbox

     Register an endpoint for your party. Scope `webhooks:write`. Every event routed to your
    party of the `event_types` listed (all of them if none is) goes to it.

    - `webhook` (the default): each event is POSTed to `url`. **The signing `secret` is in this
      answer only**: keep it, and check each webhook's signature with it. The URL must be https
      to a public address (422 `invalid-endpoint-url`; a development deployment also allows
      http to loopback).
    - `email`: each event is mailed to `address` (plain text, one thread per incident, the
      Device ID and a link to the portal; never an install code or free text). The endpoint
      starts disabled (`disabled_reason: unconfirmed`) and a confirmation link is mailed to the
      address: it is enabled when someone follows it, within 24 hours.
    - `inbox`: events are held for you to pull with `GET /v1/inbox` and acknowledge with
      `POST /v1/inbox/ack`. One per party (409 `inbox-exists`).

    The event types must be ones delivered to endpoints, `incident.*` and `endpoint.*` (422
    `invalid-event-types`). A delivery that fails every attempt is `dead`: see
    `GET /v1/deliveries` and retry it. An endpoint that answers 410, or fails for 5 days without
    a success, is disabled (your ops contact is warned at half that time; `endpoint.disabled` is
    sent to your other endpoints and your ops contact); turn it back on with `recover`. Events
    none of your enabled endpoints takes are mailed to your ops contact.

    Args:
        body (EndpointCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EndpointCreated | Problem]
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
    body: EndpointCreate,
) -> EndpointCreated | Problem | None:
    """Add an endpoint: a webhook, an email address or your inbox

     Register an endpoint for your party. Scope `webhooks:write`. Every event routed to your
    party of the `event_types` listed (all of them if none is) goes to it.

    - `webhook` (the default): each event is POSTed to `url`. **The signing `secret` is in this
      answer only**: keep it, and check each webhook's signature with it. The URL must be https
      to a public address (422 `invalid-endpoint-url`; a development deployment also allows
      http to loopback).
    - `email`: each event is mailed to `address` (plain text, one thread per incident, the
      Device ID and a link to the portal; never an install code or free text). The endpoint
      starts disabled (`disabled_reason: unconfirmed`) and a confirmation link is mailed to the
      address: it is enabled when someone follows it, within 24 hours.
    - `inbox`: events are held for you to pull with `GET /v1/inbox` and acknowledge with
      `POST /v1/inbox/ack`. One per party (409 `inbox-exists`).

    The event types must be ones delivered to endpoints, `incident.*` and `endpoint.*` (422
    `invalid-event-types`). A delivery that fails every attempt is `dead`: see
    `GET /v1/deliveries` and retry it. An endpoint that answers 410, or fails for 5 days without
    a success, is disabled (your ops contact is warned at half that time; `endpoint.disabled` is
    sent to your other endpoints and your ops contact); turn it back on with `recover`. Events
    none of your enabled endpoints takes are mailed to your ops contact.

    Args:
        body (EndpointCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EndpointCreated | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: EndpointCreate,
) -> Response[EndpointCreated | Problem]:
    """Add an endpoint: a webhook, an email address or your inbox

     Register an endpoint for your party. Scope `webhooks:write`. Every event routed to your
    party of the `event_types` listed (all of them if none is) goes to it.

    - `webhook` (the default): each event is POSTed to `url`. **The signing `secret` is in this
      answer only**: keep it, and check each webhook's signature with it. The URL must be https
      to a public address (422 `invalid-endpoint-url`; a development deployment also allows
      http to loopback).
    - `email`: each event is mailed to `address` (plain text, one thread per incident, the
      Device ID and a link to the portal; never an install code or free text). The endpoint
      starts disabled (`disabled_reason: unconfirmed`) and a confirmation link is mailed to the
      address: it is enabled when someone follows it, within 24 hours.
    - `inbox`: events are held for you to pull with `GET /v1/inbox` and acknowledge with
      `POST /v1/inbox/ack`. One per party (409 `inbox-exists`).

    The event types must be ones delivered to endpoints, `incident.*` and `endpoint.*` (422
    `invalid-event-types`). A delivery that fails every attempt is `dead`: see
    `GET /v1/deliveries` and retry it. An endpoint that answers 410, or fails for 5 days without
    a success, is disabled (your ops contact is warned at half that time; `endpoint.disabled` is
    sent to your other endpoints and your ops contact); turn it back on with `recover`. Events
    none of your enabled endpoints takes are mailed to your ops contact.

    Args:
        body (EndpointCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EndpointCreated | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: EndpointCreate,
) -> EndpointCreated | Problem | None:
    """Add an endpoint: a webhook, an email address or your inbox

     Register an endpoint for your party. Scope `webhooks:write`. Every event routed to your
    party of the `event_types` listed (all of them if none is) goes to it.

    - `webhook` (the default): each event is POSTed to `url`. **The signing `secret` is in this
      answer only**: keep it, and check each webhook's signature with it. The URL must be https
      to a public address (422 `invalid-endpoint-url`; a development deployment also allows
      http to loopback).
    - `email`: each event is mailed to `address` (plain text, one thread per incident, the
      Device ID and a link to the portal; never an install code or free text). The endpoint
      starts disabled (`disabled_reason: unconfirmed`) and a confirmation link is mailed to the
      address: it is enabled when someone follows it, within 24 hours.
    - `inbox`: events are held for you to pull with `GET /v1/inbox` and acknowledge with
      `POST /v1/inbox/ack`. One per party (409 `inbox-exists`).

    The event types must be ones delivered to endpoints, `incident.*` and `endpoint.*` (422
    `invalid-event-types`). A delivery that fails every attempt is `dead`: see
    `GET /v1/deliveries` and retry it. An endpoint that answers 410, or fails for 5 days without
    a success, is disabled (your ops contact is warned at half that time; `endpoint.disabled` is
    sent to your other endpoints and your ops contact); turn it back on with `recover`. Events
    none of your enabled endpoints takes are mailed to your ops contact.

    Args:
        body (EndpointCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EndpointCreated | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
