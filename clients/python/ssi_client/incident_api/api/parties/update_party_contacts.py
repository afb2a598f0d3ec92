from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.contacts_update import ContactsUpdate
from ...models.party_read import PartyRead
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    party_id: str,
    *,
    body: ContactsUpdate,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/v1/parties/{party_id}/contacts".format(
            party_id=quote(str(party_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PartyRead | Problem | None:
    if response.status_code == 200:
        response_200 = PartyRead.from_dict(response.json())

        return response_200

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
) -> Response[PartyRead | Problem]:
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
    body: ContactsUpdate,
) -> Response[PartyRead | Problem]:
    """Change your party's contact emails

     Change your own party's `ops_contact_email` or `escalation_contact_email`, and nothing
    else (any other field is 422). Scope `incidents:raise`: a party, or a person acting for it.
    Only the fields sent change. Another party's is 404 `party-not-found`, as a party that does
    not exist, or 403 `not-your-party` to a token that may read the contact list (`parties:read`).

    Each change is audited (`GET /v1/parties/{party_id}/history`: who, which fields, when;
    never the addresses), and the notifier learns the new addresses from the event feed
    (`party.updated`): it mails them when none of your endpoints takes an event.

    Args:
        party_id (str):
        body (ContactsUpdate): A party's own contact emails; those left out (or null) stay as they
            are.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PartyRead | Problem]
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
    body: ContactsUpdate,
) -> PartyRead | Problem | None:
    """Change your party's contact emails

     Change your own party's `ops_contact_email` or `escalation_contact_email`, and nothing
    else (any other field is 422). Scope `incidents:raise`: a party, or a person acting for it.
    Only the fields sent change. Another party's is 404 `party-not-found`, as a party that does
    not exist, or 403 `not-your-party` to a token that may read the contact list (`parties:read`).

    Each change is audited (`GET /v1/parties/{party_id}/history`: who, which fields, when;
    never the addresses), and the notifier learns the new addresses from the event feed
    (`party.updated`): it mails them when none of your endpoints takes an event.

    Args:
        party_id (str):
        body (ContactsUpdate): A party's own contact emails; those left out (or null) stay as they
            are.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PartyRead | Problem
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
    body: ContactsUpdate,
) -> Response[PartyRead | Problem]:
    """Change your party's contact emails

     Change your own party's `ops_contact_email` or `escalation_contact_email`, and nothing
    else (any other field is 422). Scope `incidents:raise`: a party, or a person acting for it.
    Only the fields sent change. Another party's is 404 `party-not-found`, as a party that does
    not exist, or 403 `not-your-party` to a token that may read the contact list (`parties:read`).

    Each change is audited (`GET /v1/parties/{party_id}/history`: who, which fields, when;
    never the addresses), and the notifier learns the new addresses from the event feed
    (`party.updated`): it mails them when none of your endpoints takes an event.

    Args:
        party_id (str):
        body (ContactsUpdate): A party's own contact emails; those left out (or null) stay as they
            are.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PartyRead | Problem]
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
    body: ContactsUpdate,
) -> PartyRead | Problem | None:
    """Change your party's contact emails

     Change your own party's `ops_contact_email` or `escalation_contact_email`, and nothing
    else (any other field is 422). Scope `incidents:raise`: a party, or a person acting for it.
    Only the fields sent change. Another party's is 404 `party-not-found`, as a party that does
    not exist, or 403 `not-your-party` to a token that may read the contact list (`parties:read`).

    Each change is audited (`GET /v1/parties/{party_id}/history`: who, which fields, when;
    never the addresses), and the notifier learns the new addresses from the event feed
    (`party.updated`): it mails them when none of your endpoints takes an event.

    Args:
        party_id (str):
        body (ContactsUpdate): A party's own contact emails; those left out (or null) stay as they
            are.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PartyRead | Problem
    """

    return (
        await asyncio_detailed(
            party_id=party_id,
            client=client,
            body=body,
        )
    ).parsed
