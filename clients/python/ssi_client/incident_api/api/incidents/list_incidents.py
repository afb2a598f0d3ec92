import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.incident_list import IncidentList
from ...models.incident_status import IncidentStatus
from ...models.list_incidents_role_type_0 import ListIncidentsRoleType0
from ...models.problem import Problem
from ...models.sla_state import SlaState
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    status: IncidentStatus | None | Unset = UNSET,
    role: ListIncidentsRoleType0 | None | Unset = UNSET,
    sla_state: None | SlaState | Unset = UNSET,
    device_id: None | str | Unset = UNSET,
    group_ref: None | str | Unset = UNSET,
    updated_since: datetime.datetime | None | Unset = UNSET,
    addressee_reachable: bool | None | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, IncidentStatus):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

    json_role: None | str | Unset
    if isinstance(role, Unset):
        json_role = UNSET
    elif isinstance(role, ListIncidentsRoleType0):
        json_role = role.value
    else:
        json_role = role
    params["role"] = json_role

    json_sla_state: None | str | Unset
    if isinstance(sla_state, Unset):
        json_sla_state = UNSET
    elif isinstance(sla_state, SlaState):
        json_sla_state = sla_state.value
    else:
        json_sla_state = sla_state
    params["sla_state"] = json_sla_state

    json_device_id: None | str | Unset
    if isinstance(device_id, Unset):
        json_device_id = UNSET
    else:
        json_device_id = device_id
    params["device_id"] = json_device_id

    json_group_ref: None | str | Unset
    if isinstance(group_ref, Unset):
        json_group_ref = UNSET
    else:
        json_group_ref = group_ref
    params["group_ref"] = json_group_ref

    json_updated_since: None | str | Unset
    if isinstance(updated_since, Unset):
        json_updated_since = UNSET
    elif isinstance(updated_since, datetime.datetime):
        json_updated_since = updated_since.isoformat()
    else:
        json_updated_since = updated_since
    params["updated_since"] = json_updated_since

    json_addressee_reachable: bool | None | Unset
    if isinstance(addressee_reachable, Unset):
        json_addressee_reachable = UNSET
    else:
        json_addressee_reachable = addressee_reachable
    params["addressee_reachable"] = json_addressee_reachable

    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/incidents",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> IncidentList | Problem | None:
    if response.status_code == 200:
        response_200 = IncidentList.from_dict(response.json())

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

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[IncidentList | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    status: IncidentStatus | None | Unset = UNSET,
    role: ListIncidentsRoleType0 | None | Unset = UNSET,
    sla_state: None | SlaState | Unset = UNSET,
    device_id: None | str | Unset = UNSET,
    group_ref: None | str | Unset = UNSET,
    updated_since: datetime.datetime | None | Unset = UNSET,
    addressee_reachable: bool | None | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> Response[IncidentList | Problem]:
    """List incidents

     The incidents your party raised or is addressed, newest first; an operator sees every
    incident. Scope `incidents:read`.

    Filters combine: `role` (`requester`: those your party raised, `addressee`: those addressed
    to it), `status`, `sla_state` (as of now), `device_id`, `group_ref`, and `updated_since`
    (`updated_at` at or after that instant; every transition sets it: poll with it to follow what
    moved), and `addressee_reachable` (`false`: no delivery of the running clock's start event
    has reached the addressee yet; with `status=raised`, the unreached addressees an operator
    chases). Pages hold `limit` items; pass `next_cursor` as `cursor` for the next, until it is
    null.

    Args:
        status (IncidentStatus | None | Unset):
        role (ListIncidentsRoleType0 | None | Unset):
        sla_state (None | SlaState | Unset):
        device_id (None | str | Unset):
        group_ref (None | str | Unset):
        updated_since (datetime.datetime | None | Unset):
        addressee_reachable (bool | None | Unset):
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[IncidentList | Problem]
    """

    kwargs = _get_kwargs(
        status=status,
        role=role,
        sla_state=sla_state,
        device_id=device_id,
        group_ref=group_ref,
        updated_since=updated_since,
        addressee_reachable=addressee_reachable,
        cursor=cursor,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    status: IncidentStatus | None | Unset = UNSET,
    role: ListIncidentsRoleType0 | None | Unset = UNSET,
    sla_state: None | SlaState | Unset = UNSET,
    device_id: None | str | Unset = UNSET,
    group_ref: None | str | Unset = UNSET,
    updated_since: datetime.datetime | None | Unset = UNSET,
    addressee_reachable: bool | None | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> IncidentList | Problem | None:
    """List incidents

     The incidents your party raised or is addressed, newest first; an operator sees every
    incident. Scope `incidents:read`.

    Filters combine: `role` (`requester`: those your party raised, `addressee`: those addressed
    to it), `status`, `sla_state` (as of now), `device_id`, `group_ref`, and `updated_since`
    (`updated_at` at or after that instant; every transition sets it: poll with it to follow what
    moved), and `addressee_reachable` (`false`: no delivery of the running clock's start event
    has reached the addressee yet; with `status=raised`, the unreached addressees an operator
    chases). Pages hold `limit` items; pass `next_cursor` as `cursor` for the next, until it is
    null.

    Args:
        status (IncidentStatus | None | Unset):
        role (ListIncidentsRoleType0 | None | Unset):
        sla_state (None | SlaState | Unset):
        device_id (None | str | Unset):
        group_ref (None | str | Unset):
        updated_since (datetime.datetime | None | Unset):
        addressee_reachable (bool | None | Unset):
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        IncidentList | Problem
    """

    return sync_detailed(
        client=client,
        status=status,
        role=role,
        sla_state=sla_state,
        device_id=device_id,
        group_ref=group_ref,
        updated_since=updated_since,
        addressee_reachable=addressee_reachable,
        cursor=cursor,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    status: IncidentStatus | None | Unset = UNSET,
    role: ListIncidentsRoleType0 | None | Unset = UNSET,
    sla_state: None | SlaState | Unset = UNSET,
    device_id: None | str | Unset = UNSET,
    group_ref: None | str | Unset = UNSET,
    updated_since: datetime.datetime | None | Unset = UNSET,
    addressee_reachable: bool | None | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> Response[IncidentList | Problem]:
    """List incidents

     The incidents your party raised or is addressed, newest first; an operator sees every
    incident. Scope `incidents:read`.

    Filters combine: `role` (`requester`: those your party raised, `addressee`: those addressed
    to it), `status`, `sla_state` (as of now), `device_id`, `group_ref`, and `updated_since`
    (`updated_at` at or after that instant; every transition sets it: poll with it to follow what
    moved), and `addressee_reachable` (`false`: no delivery of the running clock's start event
    has reached the addressee yet; with `status=raised`, the unreached addressees an operator
    chases). Pages hold `limit` items; pass `next_cursor` as `cursor` for the next, until it is
    null.

    Args:
        status (IncidentStatus | None | Unset):
        role (ListIncidentsRoleType0 | None | Unset):
        sla_state (None | SlaState | Unset):
        device_id (None | str | Unset):
        group_ref (None | str | Unset):
        updated_since (datetime.datetime | None | Unset):
        addressee_reachable (bool | None | Unset):
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[IncidentList | Problem]
    """

    kwargs = _get_kwargs(
        status=status,
        role=role,
        sla_state=sla_state,
        device_id=device_id,
        group_ref=group_ref,
        updated_since=updated_since,
        addressee_reachable=addressee_reachable,
        cursor=cursor,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    status: IncidentStatus | None | Unset = UNSET,
    role: ListIncidentsRoleType0 | None | Unset = UNSET,
    sla_state: None | SlaState | Unset = UNSET,
    device_id: None | str | Unset = UNSET,
    group_ref: None | str | Unset = UNSET,
    updated_since: datetime.datetime | None | Unset = UNSET,
    addressee_reachable: bool | None | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> IncidentList | Problem | None:
    """List incidents

     The incidents your party raised or is addressed, newest first; an operator sees every
    incident. Scope `incidents:read`.

    Filters combine: `role` (`requester`: those your party raised, `addressee`: those addressed
    to it), `status`, `sla_state` (as of now), `device_id`, `group_ref`, and `updated_since`
    (`updated_at` at or after that instant; every transition sets it: poll with it to follow what
    moved), and `addressee_reachable` (`false`: no delivery of the running clock's start event
    has reached the addressee yet; with `status=raised`, the unreached addressees an operator
    chases). Pages hold `limit` items; pass `next_cursor` as `cursor` for the next, until it is
    null.

    Args:
        status (IncidentStatus | None | Unset):
        role (ListIncidentsRoleType0 | None | Unset):
        sla_state (None | SlaState | Unset):
        device_id (None | str | Unset):
        group_ref (None | str | Unset):
        updated_since (datetime.datetime | None | Unset):
        addressee_reachable (bool | None | Unset):
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        IncidentList | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            status=status,
            role=role,
            sla_state=sla_state,
            device_id=device_id,
            group_ref=group_ref,
            updated_since=updated_since,
            addressee_reachable=addressee_reachable,
            cursor=cursor,
            limit=limit,
        )
    ).parsed
