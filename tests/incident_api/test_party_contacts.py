"""A party keeps its own contact emails (`PATCH /v1/parties/{id}/contacts`), every change to a
party is audited (`GET /v1/parties/{id}/history`: who, which fields, when, never the addresses),
and the feed's party events carry the contacts for the notifier."""

import logging
from typing import Any

import httpx
import pytest

from shared.tokens import OPERATOR_SCOPES, PARTY_SCOPES
from tests.incident_api.world import GAINING, INSTALLING, OPERATOR, OTHER, seed
from tests.tokens import Tokens

PROBLEM = "https://ssi.example/problems/"
JANE = "jane.doe@gsup.example"
NEW_OPS, NEW_ESCALATION = "ssi-desk@gsup.example", "duty-manager@gsup.example"


def assert_problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"] == PROBLEM + slug, body
    return body


async def change(
    api: httpx.AsyncClient, headers: dict[str, str], party: str, body: Any
) -> httpx.Response:
    return await api.patch(f"/v1/parties/{party}/contacts", headers=headers, json=body)


async def history(api: httpx.AsyncClient, tokens: Tokens, party: str) -> list[dict[str, Any]]:
    response = await api.get(f"/v1/parties/{party}/history", headers=tokens.operator())
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def party_events(api: httpx.AsyncClient, tokens: Tokens) -> list[dict[str, Any]]:
    response = await api.get("/v1/events", params={"limit": 1000}, headers=tokens.service())
    assert response.status_code == 200, response.text
    return [e for e in response.json()["items"] if e["type"].startswith("party.")]


async def world(api: httpx.AsyncClient, tokens: Tokens) -> dict[str, Any]:
    """Everything a change to a party could touch: the contact list, its trail, the feed."""
    parties = await api.get("/v1/parties", headers=tokens.admin())
    events = await api.get("/v1/events", params={"limit": 1000}, headers=tokens.service())
    trails = {p: await history(api, tokens, p) for p in (GAINING, INSTALLING, OTHER)}
    return {"parties": parties.json(), "events": events.json(), "trails": trails}


async def test_a_party_changes_its_own_contacts_audited_and_announced(
    api: httpx.AsyncClient, tokens: Tokens, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy")
    await seed(api, tokens)
    events_before = len(await party_events(api, tokens))

    response = await change(api, tokens.party(GAINING), GAINING, {"ops_contact_email": NEW_OPS})
    assert response.status_code == 200, response.text
    shown = response.json()
    assert (shown["ops_contact_email"], shown["escalation_contact_email"]) == (
        NEW_OPS,
        "esc@gsup.example",
    )
    operator_view = await api.get(f"/v1/parties/{GAINING}", headers=tokens.operator())
    assert operator_view.json()["ops_contact_email"] == NEW_OPS

    # A person acting for the party: the trail names the person.
    jane = tokens.person(JANE, GAINING)
    both = {"ops_contact_email": NEW_OPS, "escalation_contact_email": NEW_ESCALATION}
    response = await change(api, jane, GAINING, both)
    assert response.status_code == 200, response.text
    assert response.json()["escalation_contact_email"] == NEW_ESCALATION

    trail = await history(api, tokens, GAINING)
    assert [(e["actor"], e["action"], e["fields"]) for e in trail] == [
        (JANE, "contacts_changed", ["escalation_contact_email"]),  # ops was already NEW_OPS
        (GAINING, "contacts_changed", ["ops_contact_email"]),
        ("admin", "created", []),
    ]
    assert trail[0]["at"] == trail[1]["at"] == shown["updated_at"]  # the frozen clock

    events = (await party_events(api, tokens))[events_before:]
    assert [e["type"] for e in events] == ["party.updated", "party.updated"]
    assert events[0]["data"] == {
        "party_id": GAINING,
        "category": "large_supplier",
        "active": True,
        "ops_contact_email": NEW_OPS,
        "escalation_contact_email": "esc@gsup.example",
    }
    assert events[1]["data"]["escalation_contact_email"] == NEW_ESCALATION

    # Never the addresses in the trail, nor in a log line: the services' own at any level, and
    # anything at INFO and above (SQLAlchemy's statements; their parameters stay hidden).
    history_text = (await api.get(f"/v1/parties/{GAINING}/history", headers=tokens.operator())).text
    logged = [r for r in caplog.records if r.name.startswith("ssi") or r.levelno >= logging.INFO]
    assert any(
        r.name.startswith("sqlalchemy") and "UPDATE parties" in r.getMessage() for r in logged
    )
    for address in (NEW_OPS, NEW_ESCALATION, "ops@gsup.example", "esc@gsup.example"):
        assert address not in history_text
        for record in logged:
            assert address not in record.getMessage(), record.name
            assert address not in repr(vars(record)), record.name


async def test_the_same_addresses_again_change_nothing(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    await seed(api, tokens)
    before = await world(api, tokens)
    for body in ({"ops_contact_email": "ops@gsup.example"}, {}, {"ops_contact_email": None}):
        response = await change(api, tokens.party(GAINING), GAINING, body)
        assert response.status_code == 200, response.text
        assert response.json()["ops_contact_email"] == "ops@gsup.example"
    assert await world(api, tokens) == before


@pytest.mark.parametrize(
    "body",
    [
        {"name": "Renamed"},
        {"category": "operator"},
        {"active": False},
        {"ops_contact_email": NEW_OPS, "name": "Renamed"},
        {"party_id": "XXXX"},
        {"ops_contact_email": "not an address"},
        {"ops_contact_email": f"{NEW_OPS}\r\nBcc: victim@elsewhere.example"},
        {"escalation_contact_email": 42},
        ["ops_contact_email"],
    ],
    ids=repr,
)
async def test_nothing_but_valid_contact_emails(
    api: httpx.AsyncClient, tokens: Tokens, body: Any
) -> None:
    await seed(api, tokens)
    before = await world(api, tokens)
    response = await change(api, tokens.party(GAINING), GAINING, body)
    problem = assert_problem(response, 422, "validation")
    assert "victim@" not in response.text
    assert "Renamed" not in response.text
    assert problem["errors"], problem
    assert await world(api, tokens) == before


async def test_another_partys_contacts_are_not_yours(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    await seed(api, tokens)
    before = await world(api, tokens)
    body = {"ops_contact_email": NEW_OPS}
    # A party that cannot read the contact list learns nothing: as a party that does not exist.
    unknown = await change(api, tokens.party(GAINING), "NONE", body)
    assert_problem(unknown, 404, "party-not-found")
    for headers in (tokens.party(GAINING), tokens.person(JANE, GAINING)):
        other = await change(api, headers, OTHER, body)
        assert (other.status_code, other.json()) == (404, unknown.json())
    # One that can knows the party exists: refused for what it is.
    reader = tokens.headers(GAINING, [*PARTY_SCOPES, "parties:read"])
    assert_problem(await change(api, reader, OTHER, body), 403, "not-your-party")
    assert_problem(await change(api, reader, "NONE", body), 404, "party-not-found")
    # Operators change any party's contacts through PATCH /v1/parties/{id}, with the scope they
    # hold; through this route, only their own and only with `incidents:raise`.
    operator = tokens.headers(OPERATOR, [s for s in OPERATOR_SCOPES if s != "incidents:raise"])
    for headers in (operator, tokens.admin(), tokens.service()):
        for party in (OTHER, OPERATOR):
            assert_problem(await change(api, headers, party, body), 403, "missing-scope")
    greedy = await change(api, tokens.operator(OPERATOR), OTHER, body)
    assert_problem(greedy, 403, "not-your-party")
    assert await world(api, tokens) == before


async def test_operators_changes_are_audited_and_announced_too(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    await seed(api, tokens)
    events_before = len(await party_events(api, tokens))
    body = {"name": "Installing Energy", "escalation_contact_email": "duty@isup.example"}
    response = await api.patch(f"/v1/parties/{INSTALLING}", headers=tokens.operator(), json=body)
    assert response.status_code == 200, response.text
    person = tokens.person("desk.agent@dcc.example", OPERATOR, ["parties:write", "parties:read"])
    response = await api.patch(f"/v1/parties/{INSTALLING}", headers=person, json={"active": False})
    assert response.status_code == 200, response.text
    trail = await history(api, tokens, INSTALLING)
    assert [(e["actor"], e["action"], e["fields"]) for e in trail] == [
        ("desk.agent@dcc.example", "updated", ["active"]),
        (OPERATOR, "updated", ["name", "escalation_contact_email"]),
        ("admin", "created", []),
    ]
    events = (await party_events(api, tokens))[events_before:]
    assert [(e["type"], e["data"]["active"]) for e in events] == [
        ("party.updated", True),
        ("party.updated", False),
    ]
    assert events[0]["data"]["escalation_contact_email"] == "duty@isup.example"
    assert events[0]["data"]["ops_contact_email"] == "ops@isup.example"


async def test_party_created_carries_the_contacts(api: httpx.AsyncClient, tokens: Tokens) -> None:
    await seed(api, tokens)
    created = [e for e in await party_events(api, tokens) if e["type"] == "party.created"]
    assert [e["data"]["party_id"] for e in created] == [GAINING, INSTALLING, OTHER, "DCCO", "SECA"]
    for event in created:
        party = event["data"]["party_id"].lower()
        assert event["data"]["ops_contact_email"] == f"ops@{party}.example"
        assert event["data"]["escalation_contact_email"] == f"esc@{party}.example"


async def test_who_reads_a_partys_history(api: httpx.AsyncClient, tokens: Tokens) -> None:
    await seed(api, tokens)
    path = f"/v1/parties/{GAINING}/history"
    for headers in (tokens.operator(), tokens.admin()):
        response = await api.get(path, headers=headers)
        assert response.status_code == 200, response.text
        assert [e["action"] for e in response.json()["items"]] == ["created"]
    reader = tokens.headers(GAINING, [*PARTY_SCOPES, "parties:read"])
    assert (await api.get(path, headers=reader)).status_code == 200
    other = tokens.headers(OTHER, [*PARTY_SCOPES, "parties:read"])
    assert_problem(await api.get(path, headers=other), 403, "not-your-party")
    assert_problem(await api.get(path, headers=tokens.party(GAINING)), 403, "missing-scope")
    assert_problem(await api.get(path, headers=tokens.service()), 403, "forbidden")
    unknown = await api.get("/v1/parties/NONE/history", headers=tokens.operator())
    assert_problem(unknown, 404, "party-not-found")


async def test_history_pages_newest_first(api: httpx.AsyncClient, tokens: Tokens) -> None:
    await seed(api, tokens)
    for n in range(5):
        body = {"ops_contact_email": f"ops-{n}@gsup.example"}
        assert (await change(api, tokens.party(GAINING), GAINING, body)).status_code == 200
    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        response = await api.get(
            f"/v1/parties/{GAINING}/history", headers=tokens.operator(), params=params
        )
        assert response.status_code == 200, response.text
        page = response.json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [e["action"] for e in seen] == ["contacts_changed"] * 5 + ["created"]
    bad = await api.get(
        f"/v1/parties/{GAINING}/history", headers=tokens.operator(), params={"cursor": "%%"}
    )
    assert_problem(bad, 422, "bad-cursor")
