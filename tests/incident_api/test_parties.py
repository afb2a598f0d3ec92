"""Who sees a party's contact emails: operators, the party itself, and a counterparty only while
the two share an open incident."""

from typing import Any

import httpx

from shared.tokens import PARTY_SCOPES
from tests.incident_api.world import GAINING, INSTALLING, OTHER, act, raise_incident, seed
from tests.tokens import Tokens

UNKNOWN_DEVICE = "00-DB-12-34-56-78-90-A9"


def reader(tokens: Tokens, party: str) -> dict[str, str]:
    return tokens.headers(party, [*PARTY_SCOPES, "parties:read"])


async def contacts(api: httpx.AsyncClient, headers: dict[str, str], party: str) -> Any:
    response = await api.get(f"/v1/parties/{party}", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    listed = (await api.get("/v1/parties", headers=headers)).json()["items"]
    [in_list] = [p for p in listed if p["party_id"] == party]
    assert (in_list["ops_contact_email"], in_list["escalation_contact_email"]) == (
        body["ops_contact_email"],
        body["escalation_contact_email"],
    )
    return body["ops_contact_email"]


async def test_contacts_only_while_an_incident_is_shared_and_open(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    await seed(api, tokens)
    gaining, other = reader(tokens, GAINING), reader(tokens, OTHER)
    assert await contacts(api, gaining, GAINING) == "ops@gsup.example"
    assert await contacts(api, gaining, OTHER) is None
    assert await contacts(api, tokens.operator(), OTHER) == "ops@osup.example"

    # An unverified incident to any party shows its contacts while it is open, both ways...
    incident = await raise_incident(api, tokens, device_id=UNKNOWN_DEVICE, addressed_party_id=OTHER)
    assert incident["unverified"]
    assert await contacts(api, gaining, OTHER) == "ops@osup.example"
    assert await contacts(api, other, GAINING) == "ops@gsup.example"
    # ...and no longer once it is cancelled.
    assert (await act(api, tokens, GAINING, incident["id"], "cancel")).status_code == 200
    assert await contacts(api, gaining, OTHER) is None
    assert await contacts(api, other, GAINING) is None


async def test_contacts_end_with_the_answer(api: httpx.AsyncClient, tokens: Tokens) -> None:
    await seed(api, tokens)
    incident = await raise_incident(api, tokens)
    gaining = reader(tokens, GAINING)
    assert await contacts(api, gaining, INSTALLING) == "ops@isup.example"
    answer = {"outcome": "not_installing_supplier"}
    assert (await act(api, tokens, INSTALLING, incident["id"], "response", answer)).is_success
    assert await contacts(api, gaining, INSTALLING) is None
