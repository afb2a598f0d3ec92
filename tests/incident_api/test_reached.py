"""`POST /v1/incidents/{id}/reached` and `addressee_reachable`: reached per incident and clock.

The notifier reports that a delivery of a clock's start event (raised, reopened, readdressed)
reached the addressee; the incident shows it while that clock runs, and the list filters on it.
Reporting is delivery bookkeeping: no event, no history entry, no new `version`.
"""

from typing import Any

import httpx
import pytest

from tests.incident_api.test_events_feed import device, import_devices
from tests.incident_api.world import (
    GAINING,
    INSTALLING,
    OPERATOR,
    OTHER,
    act,
    put_device,
    raise_incident,
    resolve_with_code,
    seed,
)
from tests.tokens import Tokens

PROBLEM = "https://ssi.example/problems/"
MISSING_INCIDENT = "00000000-0000-4000-8000-000000000000"


async def report(
    api: httpx.AsyncClient, headers: dict[str, str], incident_id: str, body: Any
) -> httpx.Response:
    return await api.post(f"/v1/incidents/{incident_id}/reached", headers=headers, json=body)


async def reached(api: httpx.AsyncClient, tokens: Tokens, incident_id: str, clock: int) -> None:
    response = await report(api, tokens.service(), incident_id, {"clock": clock})
    assert response.status_code == 204, response.text
    assert response.content == b""


async def view(api: httpx.AsyncClient, tokens: Tokens, incident_id: str) -> dict[str, Any]:
    response = await api.get(f"/v1/incidents/{incident_id}", headers=tokens.party(GAINING))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def trail(api: httpx.AsyncClient, tokens: Tokens, incident_id: str) -> dict[str, Any]:
    """What a lifecycle step would change: the feed, the history, the view but for reachability."""
    events = await api.get("/v1/events", params={"limit": 1000}, headers=tokens.service())
    history = await api.get(f"/v1/incidents/{incident_id}/history", headers=tokens.operator())
    shown = await view(api, tokens, incident_id)
    del shown["addressee_reachable"]
    return {"events": events.json(), "history": history.json(), "view": shown}


def assert_problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"] == PROBLEM + slug, body
    return body


async def test_a_report_shows_on_the_incident_and_is_only_bookkeeping(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    await seed(api, tokens)
    incident = await raise_incident(api, tokens)
    assert incident["addressee_reachable"] is False
    before = await trail(api, tokens, incident["id"])

    await reached(api, tokens, incident["id"], 1)
    shown = await view(api, tokens, incident["id"])
    assert shown["addressee_reachable"] is True
    assert (shown["version"], shown["updated_at"]) == (incident["version"], incident["updated_at"])
    assert await trail(api, tokens, incident["id"]) == before

    # Idempotent, by id or by reference; every caller who may see the incident sees it so.
    await reached(api, tokens, incident["id"], 1)
    await reached(api, tokens, incident["reference"], 1)
    assert await trail(api, tokens, incident["id"]) == before
    for headers in (tokens.party(GAINING), tokens.party(INSTALLING), tokens.operator()):
        response = await api.get(f"/v1/incidents/{incident['id']}", headers=headers)
        assert response.json()["addressee_reachable"] is True


async def test_reopen_starts_a_clock_not_reached_until_reported(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    await seed(api, tokens)
    incident = await raise_incident(api, tokens)
    await reached(api, tokens, incident["id"], 1)
    resolved = await resolve_with_code(api, tokens, incident["id"])
    assert resolved.json()["addressee_reachable"] is True  # reached on the clock it ran

    reopened = await act(api, tokens, GAINING, incident["id"], "reopen", {"reason": "No join"})
    assert reopened.status_code == 200, reopened.text
    assert (reopened.json()["clock"], reopened.json()["addressee_reachable"]) == (2, False)
    # A late report of the first clock is taken and changes nothing.
    await reached(api, tokens, incident["id"], 1)
    assert (await view(api, tokens, incident["id"]))["addressee_reachable"] is False
    await reached(api, tokens, incident["id"], 2)
    assert (await view(api, tokens, incident["id"]))["addressee_reachable"] is True
    # ...nor does it take back a newer one.
    await reached(api, tokens, incident["id"], 1)
    assert (await view(api, tokens, incident["id"]))["addressee_reachable"] is True


async def test_readdress_starts_a_clock_for_the_new_addressee(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    await seed(api, tokens)
    incident = await raise_incident(api, tokens, device_id=device(900), addressed_party_id=OTHER)
    await reached(api, tokens, incident["id"], 1)
    answer = {"outcome": "not_installing_supplier", "suggested_party_id": INSTALLING}
    assert (await act(api, tokens, OTHER, incident["id"], "response", answer)).status_code == 200
    body = {"addressed_party_id": INSTALLING}
    readdressed = await act(api, tokens, GAINING, incident["id"], "readdress", body)
    assert readdressed.status_code == 200, readdressed.text
    shown = readdressed.json()
    assert (shown["addressed_party_id"], shown["clock"]) == (INSTALLING, 2)
    assert shown["addressee_reachable"] is False
    await reached(api, tokens, incident["id"], 2)
    assert (await view(api, tokens, incident["id"]))["addressee_reachable"] is True


async def test_a_clock_not_started_is_refused_and_changes_nothing(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    await seed(api, tokens)
    incident = await raise_incident(api, tokens)
    before = await trail(api, tokens, incident["id"])
    response = await report(api, tokens.service(), incident["id"], {"clock": 2})
    problem = assert_problem(response, 409, "clock-not-started")
    assert problem["current_clock"] == 1
    assert "clock 1" in problem["detail"]
    assert (await view(api, tokens, incident["id"]))["addressee_reachable"] is False
    assert await trail(api, tokens, incident["id"]) == before


async def test_only_services_report_and_only_incidents_that_exist(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    await seed(api, tokens)
    incident = await raise_incident(api, tokens)
    before = await trail(api, tokens, incident["id"])
    callers = {
        "requester": tokens.party(GAINING),
        "addressee": tokens.party(INSTALLING),
        "operator": tokens.operator(OPERATOR),
        "admin": tokens.admin(),
        "a person": tokens.person("jane.doe@gsup.example", GAINING),
    }
    for who, headers in callers.items():
        response = await report(api, headers, incident["id"], {"clock": 1})
        assert response.status_code == 403, (who, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    for missing in (MISSING_INCIDENT, "INC-999999", "INC-99999999999"):
        response = await report(api, tokens.service(), missing, {"clock": 1})
        assert_problem(response, 404, "incident-not-found")
    assert (await view(api, tokens, incident["id"]))["addressee_reachable"] is False
    assert await trail(api, tokens, incident["id"]) == before


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"clock": 0},
        {"clock": -1},
        {"clock": 2**31},
        {"clock": "one"},
        {"clock": 1.5},
        {"clock": None},
        {"clock": 1, "kind": "breach"},
        [1],
    ],
    ids=repr,
)
async def test_bad_reports_are_422_and_change_nothing(
    api: httpx.AsyncClient, tokens: Tokens, body: Any
) -> None:
    await seed(api, tokens)
    incident = await raise_incident(api, tokens)
    before = await trail(api, tokens, incident["id"])
    response = await report(api, tokens.service(), incident["id"], body)
    assert_problem(response, 422, "validation")
    assert (await view(api, tokens, incident["id"]))["addressee_reachable"] is False
    assert await trail(api, tokens, incident["id"]) == before


async def list_ids(api: httpx.AsyncClient, headers: dict[str, str], query: str) -> list[str]:
    response = await api.get(f"/v1/incidents?{query}", headers=headers)
    assert response.status_code == 200, response.text
    return [i["id"] for i in response.json()["items"]]


async def test_the_list_filters_on_reachability_over_what_the_caller_sees(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    await seed(api, tokens)
    await import_devices(api, tokens, 3)
    raised = [await raise_incident(api, tokens, device_id=device(n)) for n in range(3)]
    first, second, third = raised
    await put_device(api, tokens, device(10), registered_supplier_party_id=OTHER)
    others = await raise_incident(api, tokens, OTHER, device_id=device(10))
    await reached(api, tokens, first["id"], 1)
    await reached(api, tokens, third["id"], 1)
    # The third's answer did not work: a new clock, not reached yet.
    assert (await resolve_with_code(api, tokens, third["id"])).status_code == 200
    body = {"reason": "The Device refused it"}
    assert (await act(api, tokens, GAINING, third["id"], "reopen", body)).status_code == 200

    operator = tokens.operator()
    assert await list_ids(api, operator, "addressee_reachable=true") == [first["id"]]
    unreached = [others["id"], third["id"], second["id"]]
    assert await list_ids(api, operator, "addressee_reachable=false") == unreached
    assert await list_ids(api, operator, "addressee_reachable=false&limit=1") == unreached[:1]
    gaining = tokens.party(GAINING)
    assert await list_ids(api, gaining, "addressee_reachable=false") == unreached[1:]
    installing = tokens.party(INSTALLING)
    assert await list_ids(api, installing, "addressee_reachable=false&role=addressee") == (
        unreached
    )
    assert await list_ids(api, tokens.party(OTHER), "addressee_reachable=true") == []

    # Combined with the others: the unreached addressees still to answer.
    assert (await resolve_with_code(api, tokens, second["id"])).status_code == 200
    query = "addressee_reachable=false&status=raised"
    assert await list_ids(api, operator, query) == [others["id"], third["id"]]
    for item in (await api.get(f"/v1/incidents?{query}", headers=operator)).json()["items"]:
        assert item["addressee_reachable"] is False

    refused = await api.get("/v1/incidents?addressee_reachable=perhaps", headers=operator)
    assert_problem(refused, 422, "validation")


async def test_many_reached_at_once_pass_over_what_cannot_be_recorded(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    await seed(api, tokens)
    first = await raise_incident(api, tokens)
    await put_device(api, tokens, "00-DB-12-34-56-78-90-A1")
    second = await raise_incident(api, tokens, device_id="00-DB-12-34-56-78-90-A1")
    items = [
        {"incident_id": first["id"], "clock": 1},
        {"incident_id": second["id"], "clock": 2},  # not started: passed over
        {"incident_id": "00000000-0000-4000-8000-000000000000", "clock": 1},  # unknown
    ]
    path = "/v1/incidents/reached"
    for headers in (tokens.party(INSTALLING), tokens.operator(), tokens.admin()):
        assert (await api.post(path, headers=headers, json={"items": items})).status_code == 403
    answer = await api.post(path, headers=tokens.service(), json={"items": items})
    assert answer.status_code == 204, answer.text
    again = await api.post(path, headers=tokens.service(), json={"items": items})
    assert again.status_code == 204
    views = [
        (await api.get(f"/v1/incidents/{i['id']}", headers=tokens.party(GAINING))).json()
        for i in (first, second)
    ]
    assert [v["addressee_reachable"] for v in views] == [True, False]
    bad_bodies: list[dict[str, Any]] = [
        {"items": []},
        {"items": [{"incident_id": "x", "clock": 1}]},
        {},
    ]
    for bad in bad_bodies:
        refused = await api.post(path, headers=tokens.service(), json=bad)
        assert refused.status_code == 422
