"""A person's token on the notifier (DESIGN §4, §8): endpoints, deliveries and reports are the
party's, whichever of its people asks, and no other party's person sees them."""

import time
from typing import Any

import httpx
import pytest
from jose import jwt

from shared.tokens import OPERATOR_SCOPES, PARTY_SCOPES
from tests.incident_api.world import DEVICE, GAINING, INSTALLING, OPERATOR, OTHER, seed
from tests.notifier.harness import Harness
from tests.receiver import Receiver
from tests.tokens import TEST_SECRET

JANE, RAJ = "jane.doe@gsup.example", "raj.patel@isup.example"


@pytest.fixture
async def world(harness: Harness) -> Harness:
    await seed(harness.api, harness.tokens)
    await harness.sync()
    return harness


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_a_persons_endpoints_and_deliveries_are_the_partys(
    world: Harness, receiver: Receiver
) -> None:
    h = world
    raj = h.tokens.person(RAJ, INSTALLING)
    created = await h.notifier.post("/v1/endpoints", headers=raj, json={"url": receiver.url})
    assert created.status_code == 201, created.text
    endpoint = created.json()
    assert endpoint["secret"].startswith("whsec_")

    # Another person of ISUP, and ISUP's own token, see the party's endpoint; others do not.
    colleague = h.tokens.person("mo.ali@isup.example", INSTALLING)
    for headers in (raj, colleague, h.tokens.party(INSTALLING)):
        assert ids(await h.notifier.get("/v1/endpoints", headers=headers)) == [endpoint["id"]]
        one = await h.notifier.get(f"/v1/endpoints/{endpoint['id']}", headers=headers)
        assert one.status_code == 200, one.text
    jane = h.tokens.person(JANE, GAINING)
    assert ids(await h.notifier.get("/v1/endpoints", headers=jane)) == []
    hidden = await h.notifier.get(f"/v1/endpoints/{endpoint['id']}", headers=jane)
    assert hidden.status_code == 404, hidden.text

    raised = await h.api.post("/v1/incidents", headers=jane, json={"device_id": DEVICE})
    assert raised.status_code == 201, raised.text
    await h.sync()
    assert await h.deliver() == 1
    receiver.wait_for(1)
    delivered = ids(await h.notifier.get("/v1/deliveries", headers=colleague))
    assert len(delivered) == 1
    assert ids(await h.notifier.get("/v1/deliveries", headers=h.tokens.party(INSTALLING))) == (
        delivered
    )
    assert ids(await h.notifier.get("/v1/deliveries", headers=jane)) == []
    detail = await h.notifier.get(f"/v1/deliveries/{delivered[0]}", headers=raj)
    assert detail.status_code == 200, detail.text
    assert (await h.notifier.get(f"/v1/deliveries/{delivered[0]}", headers=jane)).status_code == 404


async def test_a_persons_report_is_the_partys(world: Harness) -> None:
    h = world
    raised = await h.api.post(
        "/v1/incidents", headers=h.tokens.person(JANE, GAINING), json={"device_id": DEVICE}
    )
    assert raised.status_code == 201, raised.text
    await h.sync()
    h.clock.advance(minutes=1)  # the report runs up to now, exclusive

    def rows(response: httpx.Response) -> dict[str, int]:
        assert response.status_code == 200, response.text
        return {r["addressed_party_id"]: r["received"] for r in response.json()["items"]}

    raj = h.tokens.person(RAJ, INSTALLING)
    assert rows(await h.notifier.get("/v1/reports/sla", headers=raj)) == {INSTALLING: 1}
    desk = h.tokens.person("service.desk.7", OPERATOR, OPERATOR_SCOPES)
    everyone = rows(await h.notifier.get("/v1/reports/sla", headers=desk))
    assert everyone[INSTALLING] == 1


async def test_a_person_of_an_unknown_or_inactive_party_is_forbidden(world: Harness) -> None:
    h = world
    deactivated = await h.api.patch(
        f"/v1/parties/{OTHER}", headers=h.tokens.admin(), json={"active": False}
    )
    assert deactivated.status_code == 200, deactivated.text
    await h.sync()
    for party in ("NOPE", OTHER):
        headers = h.tokens.person(JANE, party)
        for path in ("/v1/endpoints", "/v1/deliveries", "/v1/reports/sla"):
            response = await h.notifier.get(path, headers=headers)
            assert response.status_code == 403, (party, path, response.text)
            assert response.json()["detail"] == (
                "The token's party is not registered or is inactive."
            )


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    return {
        "sub": JANE,
        "scope": " ".join(PARTY_SCOPES),
        "aud": "ssi",
        "iss": "ssi-dev",
        "iat": now,
        "exp": now + 600,
        "ssi_party": GAINING,
        **overrides,
    }


@pytest.mark.parametrize(
    ("overrides", "detail"),
    [
        ({"ssi_party": "gsup"}, "has the wrong type or form: ssi_party."),
        ({"ssi_party": None}, "has the wrong type or form: ssi_party."),
        ({"sub": "svc:notifier"}, "may not be admin or a svc: subject."),
        ({"sub": "admin"}, "may not be admin or a svc: subject."),
    ],
    ids=["party-lower-case", "party-null", "service", "admin"],
)
async def test_a_malformed_persons_token_is_unauthorised(
    world: Harness, overrides: dict[str, Any], detail: str
) -> None:
    token = jwt.encode(claims(**overrides), TEST_SECRET, algorithm="HS256")
    for path in ("/v1/endpoints", "/v1/deliveries", "/v1/reports/sla"):
        response = await world.notifier.get(path, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, response.text
        assert response.json()["detail"].endswith(detail)
