"""The checks on raising (DESIGN §4), in their order, each with its own problem type."""

import httpx
import pytest

from tests.incident_api.world import (
    DEVICE,
    GAINING,
    INSTALLING,
    OPERATOR,
    OTHER,
    put_device,
    raise_incident,
    seed,
)
from tests.tokens import Tokens


async def problem_type(response: httpx.Response) -> str:
    assert response.headers["content-type"] == "application/problem+json", response.text
    return str(response.json()["type"]).rsplit("/", 1)[-1]


async def raise_as(
    api: httpx.AsyncClient, tokens: Tokens, party: str, **body: object
) -> httpx.Response:
    return await api.post(
        "/v1/incidents", headers=tokens.party(party), json={"device_id": DEVICE, **body}
    )


async def test_only_the_registered_supplier_may_raise(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    await seed(api, tokens)
    refused = await raise_as(api, tokens, OTHER)
    assert refused.status_code == 403
    assert await problem_type(refused) == "not-registered-supplier"
    # The refusal is uniform: it says nothing about the Device's status or installer.
    await put_device(api, tokens, smi_status="commissioned")
    again = await raise_as(api, tokens, OTHER)
    assert again.json() == refused.json()


async def test_the_installer_may_not_raise(api: httpx.AsyncClient, tokens: Tokens) -> None:
    await seed(api, tokens)
    await put_device(api, tokens, registered_supplier_party_id=INSTALLING)
    response = await raise_as(api, tokens, INSTALLING)
    assert response.status_code == 422
    assert await problem_type(response) == "requester-is-installer"


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        ("installed_not_commissioned", True),
        ("whitelisted", True),
        ("commissioned", False),
        ("pending", False),
        ("decommissioned", False),
        ("withdrawn", False),
        ("suspended", False),
        ("recovery", False),
        ("recovered", False),
    ],
)
async def test_the_device_must_be_uncommissioned(
    api: httpx.AsyncClient, tokens: Tokens, status: str, allowed: bool
) -> None:
    await seed(api, tokens)
    await put_device(api, tokens, smi_status=status)
    response = await raise_as(api, tokens, GAINING)
    if allowed:
        assert response.status_code == 201, response.text
    else:
        assert response.status_code == 409
        assert await problem_type(response) == "device-not-eligible"
        assert response.json()["smi_status"] == status


async def test_one_open_incident_per_device_and_requester(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    await seed(api, tokens)
    first = await raise_incident(api, tokens)
    second = await raise_as(api, tokens, GAINING)
    assert second.status_code == 409
    assert await problem_type(second) == "duplicate-open-incident"
    assert second.json()["incident_id"] == first["id"]


async def test_unknown_device_needs_an_addressee_and_is_unverified(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    await seed(api, tokens)
    unknown = "AA-BB-CC-DD-EE-FF-00-11"
    missing = await api.post(
        "/v1/incidents", headers=tokens.party(GAINING), json={"device_id": unknown}
    )
    assert missing.status_code == 422
    assert await problem_type(missing) == "addressee-required"
    raised = await api.post(
        "/v1/incidents",
        headers=tokens.party(GAINING),
        json={"device_id": unknown, "addressed_party_id": INSTALLING},
    )
    assert raised.status_code == 201, raised.text
    assert raised.json()["unverified"] is True
    assert raised.json()["device_type"] is None


@pytest.mark.parametrize("addressee", ["ZZZZ", OPERATOR, GAINING])
async def test_the_addressee_must_be_another_active_supplier(
    api: httpx.AsyncClient, tokens: Tokens, addressee: str
) -> None:
    await seed(api, tokens)
    response = await api.post(
        "/v1/incidents",
        headers=tokens.party(GAINING),
        json={"device_id": "AA-BB-CC-DD-EE-FF-00-11", "addressed_party_id": addressee},
    )
    assert response.status_code == 422


async def test_an_addressee_contradicting_the_inventory_is_refused(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    await seed(api, tokens)
    response = await raise_as(api, tokens, GAINING, addressed_party_id=OTHER)
    assert response.status_code == 422


async def test_operators_do_not_raise(api: httpx.AsyncClient, tokens: Tokens) -> None:
    await seed(api, tokens)
    response = await api.post(
        "/v1/incidents", headers=tokens.operator(OPERATOR), json={"device_id": DEVICE}
    )
    assert response.status_code == 403
    assert await problem_type(response) == "not-a-supplier"


async def test_device_id_spellings_are_normalised(api: httpx.AsyncClient, tokens: Tokens) -> None:
    await seed(api, tokens)
    incident = await raise_incident(api, tokens, device_id="00:db:12:34:56:78:90:a0")
    assert incident["device_id"] == DEVICE


async def test_a_device_change_is_audited_and_never_reroutes(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    await seed(api, tokens)
    incident = await raise_incident(api, tokens)
    await put_device(api, tokens, installing_party_id=OTHER)
    view = await api.get(f"/v1/incidents/{incident['id']}", headers=tokens.party(GAINING))
    assert view.json()["addressed_party_id"] == INSTALLING
    history = await api.get(
        f"/v1/incidents/{incident['id']}/history", headers=tokens.party(GAINING)
    )
    change = history.json()["items"][0]
    assert change["action"] == "device.updated"
    assert change["details"]["installing_party_id"] == {"from": INSTALLING, "to": OTHER}
