"""`/v1/endpoints`: secrets shown once, a party's own endpoints only, filters, disable, delete,
secret rotation and recovery, all through the notifier's HTTP API and a real receiver."""

import base64
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

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
from tests.notifier.harness import Harness
from tests.receiver import Received, Receiver

GRACE = timedelta(hours=24)


@pytest.fixture
async def world(harness: Harness) -> Harness:
    """Parties and a Device at the API; the notifier knows the parties from the feed."""
    await seed(harness.api, harness.tokens)
    await harness.sync()
    return harness


def problem(response: httpx.Response, status: int, slug: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    if slug is not None:
        assert body["type"].endswith(f"/{slug}"), body
    return body


def payloads(received: list[Received], secret: str) -> list[dict[str, Any]]:
    """Every webhook verified with `secret` (raises if any does not verify)."""
    return [Webhook(secret).verify(r.body, r.headers) for r in received]


def for_endpoint(received: list[Received], endpoint_id: str) -> list[Received]:
    return [r for r in received if r.headers["webhook-id"].endswith(f"_{endpoint_id}")]


async def raise_on_new_device(h: Harness, n: int) -> dict[str, Any]:
    """An incident on a fresh Device (one open incident per Device and requester)."""
    device_id = f"00-DB-12-34-56-78-91-{n:02X}"
    await put_device(h.api, h.tokens, device_id)
    return await raise_incident(h.api, h.tokens, device_id=device_id)


async def get(h: Harness, party: str, endpoint_id: str) -> httpx.Response:
    return await h.notifier.get(f"/v1/endpoints/{endpoint_id}", headers=h.tokens.party(party))


async def patch(h: Harness, party: str, endpoint_id: str, **body: Any) -> httpx.Response:
    return await h.notifier.patch(
        f"/v1/endpoints/{endpoint_id}", headers=h.tokens.party(party), json=body
    )


async def listed(h: Harness, party: str, query: str = "") -> list[dict[str, Any]]:
    response = await h.notifier.get(f"/v1/endpoints{query}", headers=h.tokens.party(party))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


# --- creating, reading, the secret shown once -------------------------------------------------


async def test_create_returns_the_secret_once(world: Harness, receiver: Receiver) -> None:
    h = world
    response = await h.notifier.post(
        "/v1/endpoints",
        headers=h.tokens.party(INSTALLING),
        json={"url": receiver.url, "description": "ops hook", "event_types": ["incident.raised"]},
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert {"id", "url", "enabled", "event_types", "secret"} <= created.keys()
    assert created["url"] == receiver.url
    assert created["enabled"] is True
    assert created["event_types"] == ["incident.raised"]
    assert created["party_id"] == INSTALLING
    secret = created["secret"]
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) >= 24

    # Never again: not in the endpoint, the list, nor a PATCH answer.
    later = [
        await get(h, INSTALLING, created["id"]),
        await h.notifier.get("/v1/endpoints", headers=h.tokens.party(INSTALLING)),
        await patch(h, INSTALLING, created["id"], description="renamed"),
    ]
    for answer in later:
        assert answer.status_code == 200, answer.text
        assert secret not in answer.text
        assert secret.removeprefix("whsec_") not in answer.text
        assert "whsec_" not in answer.text
        assert '"secret"' not in answer.text
    view = later[0].json()
    assert {k: view[k] for k in ("id", "url", "enabled", "event_types")} == {
        k: created[k] for k in ("id", "url", "enabled", "event_types")
    }
    assert later[2].json()["description"] == "renamed"

    # Each endpoint gets its own secret.
    other = await h.add_endpoint(INSTALLING, receiver.url)
    assert other["secret"] != secret
    assert other["event_types"] == []


async def test_list_is_newest_first_in_cursor_pages(world: Harness, receiver: Receiver) -> None:
    h = world
    made = []
    for n in range(5):
        made.append((await h.add_endpoint(GAINING, receiver.url, description=f"n{n}"))["id"])
        h.clock.advance(seconds=1)
    seen: list[str] = []
    query = "?limit=2"
    while True:
        response = await h.notifier.get(f"/v1/endpoints{query}", headers=h.tokens.party(GAINING))
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= 2
        seen += [e["id"] for e in page["items"]]
        if page["next_cursor"] is None:
            break
        query = f"?limit=2&cursor={page['next_cursor']}"
    assert seen == list(reversed(made))


async def test_list_pages_endpoints_made_at_one_instant(world: Harness, receiver: Receiver) -> None:
    h = world
    made = {(await h.add_endpoint(GAINING, receiver.url))["id"] for _ in range(5)}
    seen: list[str] = []
    query = "?limit=2"
    while True:
        response = await h.notifier.get(f"/v1/endpoints{query}", headers=h.tokens.party(GAINING))
        page = response.json()
        seen += [e["id"] for e in page["items"]]
        if page["next_cursor"] is None:
            break
        query = f"?limit=2&cursor={page['next_cursor']}"
    assert sorted(seen) == sorted(made)


@pytest.mark.parametrize("cursor", ["!!!", "bm90LWEtZGF0ZXx4", "MjAyNi0wNi0xMFQwOTozMDowMHx4"])
async def test_list_refuses_a_cursor_it_did_not_issue(world: Harness, cursor: str) -> None:
    # "not-a-date|x", and a date without a zone "2026-06-10T09:30:00|x".
    response = await world.notifier.get(
        f"/v1/endpoints?cursor={cursor}", headers=world.tokens.party(GAINING)
    )
    problem(response, 422, "bad-cursor")


# --- a party's own endpoints only --------------------------------------------------------------


async def test_another_partys_endpoint_is_not_found(world: Harness, receiver: Receiver) -> None:
    h = world
    mine = await h.add_endpoint(INSTALLING, receiver.url)
    theirs = await h.add_endpoint(OTHER, receiver.url)
    path = f"/v1/endpoints/{mine['id']}"
    unknown = "/v1/endpoints/00000000-0000-4000-8000-000000000000"
    since = {"since": h.clock.now().isoformat()}

    for intruder, headers in (
        (OTHER, h.tokens.party(OTHER)),
        (OPERATOR, h.tokens.operator(OPERATOR)),
    ):
        calls = [
            ("GET", "", None),
            ("PATCH", "", {"enabled": False, "url": "https://attacker.example/x"}),
            ("DELETE", "", None),
            ("POST", "/rotate-secret", None),
            ("POST", "/recover", since),
        ]
        for method, suffix, body in calls:
            answer = await h.notifier.request(method, path + suffix, headers=headers, json=body)
            found = problem(answer, 404, "endpoint-not-found")
            # Indistinguishable from an endpoint that does not exist.
            missing = await h.notifier.request(method, unknown + suffix, headers=headers, json=body)
            assert problem(missing, 404) == found, (intruder, method, suffix)
        assert mine["id"] not in [e["id"] for e in await listed(h, intruder)]

    assert [e["id"] for e in await listed(h, OTHER)] == [theirs["id"]]
    assert [e["id"] for e in await listed(h, INSTALLING)] == [mine["id"]]
    # Nothing the intruders tried took effect: same URL, still enabled, still signed with the
    # original secret alone (no rotation), still delivered to.
    view = (await get(h, INSTALLING, mine["id"])).json()
    assert (view["url"], view["enabled"], view["previous_secret_expires_at"]) == (
        receiver.url,
        True,
        None,
    )
    await raise_incident(h.api, h.tokens)
    await h.sync()
    await h.deliver()
    [hook] = for_endpoint(receiver.wait_for(1), mine["id"])
    assert len(hook.headers["webhook-signature"].split()) == 1
    Webhook(mine["secret"]).verify(hook.body, hook.headers)


# --- scopes ------------------------------------------------------------------------------------


async def test_scopes(world: Harness, receiver: Receiver) -> None:
    h = world
    endpoint = await h.add_endpoint(GAINING, receiver.url)
    one = f"/v1/endpoints/{endpoint['id']}"
    create = ("POST", "/v1/endpoints", {"url": receiver.url})
    writes = [
        create,
        ("PATCH", one, {"description": "x"}),
        ("POST", f"{one}/rotate-secret", None),
        ("POST", f"{one}/recover", {"since": h.clock.now().isoformat()}),
        ("DELETE", one, None),
    ]
    reads = [("GET", "/v1/endpoints", None), ("GET", one, None)]

    for method, path, body in writes + reads:
        anonymous = await h.notifier.request(method, path, json=body)
        problem(anonymous, 401)
        assert anonymous.headers["www-authenticate"] == "Bearer"
        bogus = await h.notifier.request(
            method, path, json=body, headers={"Authorization": "Bearer not.a.jwt"}
        )
        problem(bogus, 401)

    read_only = h.tokens.headers(GAINING, ["webhooks:read", "incidents:read"])
    write_only = h.tokens.headers(GAINING, ["webhooks:write"])
    for method, path, body in writes:
        refused = await h.notifier.request(method, path, json=body, headers=read_only)
        assert problem(refused, 403, "missing-scope")["required_scope"] == "webhooks:write"
        # Services and the admin bootstrap token do not manage endpoints either.
        problem(await h.notifier.request(method, path, json=body, headers=h.tokens.service()), 403)
        problem(await h.notifier.request(method, path, json=body, headers=h.tokens.admin()), 403)
    for method, path, body in reads:
        assert (await h.notifier.request(method, path, headers=read_only)).status_code == 200
        refused = await h.notifier.request(method, path, json=body, headers=write_only)
        assert problem(refused, 403, "missing-scope")["required_scope"] == "webhooks:read"

    # None of the refused writes changed anything: one endpoint, as created.
    [only] = await listed(h, GAINING)
    assert (only["id"], only["description"], only["previous_secret_expires_at"]) == (
        endpoint["id"],
        None,
        None,
    )
    # The write scope alone is enough to write.
    created = await h.notifier.post("/v1/endpoints", headers=write_only, json={"url": receiver.url})
    assert created.status_code == 201, created.text


# --- event types -------------------------------------------------------------------------------


async def test_event_type_filters(world: Harness, receiver: Receiver) -> None:
    h = world
    everything = await h.add_endpoint(INSTALLING, receiver.url)
    cancelled_only = await h.add_endpoint(
        INSTALLING, receiver.url, event_types=["incident.cancelled"]
    )
    resolved_only = await h.add_endpoint(
        INSTALLING, receiver.url, event_types=["incident.resolved"]
    )
    gaining_resolved = await h.add_endpoint(
        GAINING, receiver.url, event_types=["incident.resolved"]
    )

    first = await raise_incident(h.api, h.tokens)
    assert (await act(h.api, h.tokens, GAINING, first["id"], "cancel", {})).status_code == 200
    second = await raise_incident(h.api, h.tokens)
    assert (await act(h.api, h.tokens, INSTALLING, second["id"], "acknowledge")).status_code == 200
    assert (await resolve_with_code(h.api, h.tokens, second["id"])).status_code == 200
    await h.sync()
    # The sixth: the requester's acknowledgement, which no endpoint of its takes, mailed to its
    # ops contact.
    assert await h.deliver() == 6
    received = receiver.wait_for(5)
    assert [to for to, _ in h.mailed()] == [f"ops@{GAINING.lower()}.example"]
    assert "acknowledged" in h.mailed()[0][1]

    def types(endpoint: dict[str, Any]) -> list[tuple[str, str]]:
        mine = payloads(for_endpoint(received, endpoint["id"]), endpoint["secret"])
        return sorted((p["type"], p["data"]["incident_id"]) for p in mine)

    assert types(everything) == sorted(
        [
            ("incident.raised", first["id"]),
            ("incident.cancelled", first["id"]),
            ("incident.raised", second["id"]),
        ]
    )
    assert types(cancelled_only) == [("incident.cancelled", first["id"])]
    # Subscribed to resolved only, as an addressee: no raised, and resolved is not its to get.
    assert types(resolved_only) == []
    assert await h.deliveries(INSTALLING, endpoint_id=resolved_only["id"]) == []
    # The requester's filtered endpoint: resolved, not acknowledged.
    assert types(gaining_resolved) == [("incident.resolved", second["id"])]


async def test_patching_event_types_changes_what_is_delivered(
    world: Harness, receiver: Receiver
) -> None:
    h = world
    endpoint = await h.add_endpoint(INSTALLING, receiver.url, event_types=["incident.closed"])
    first = await raise_incident(h.api, h.tokens)
    await h.sync()
    # No endpoint of the addressee takes the raise: its ops contact is mailed it instead.
    assert await h.deliver() == 1
    assert [to for to, _ in h.mailed()] == [f"ops@{INSTALLING.lower()}.example"]
    answer = await patch(h, INSTALLING, endpoint["id"], event_types=["incident.cancelled"])
    assert answer.status_code == 200, answer.text
    assert answer.json()["event_types"] == ["incident.cancelled"]
    await act(h.api, h.tokens, GAINING, first["id"], "cancel", {})
    await h.sync()
    assert await h.deliver() == 1
    [hook] = receiver.wait_for(1)
    assert Webhook(endpoint["secret"]).verify(hook.body, hook.headers)["type"] == (
        "incident.cancelled"
    )
    # An empty list means every type again.
    answer = await patch(h, INSTALLING, endpoint["id"], event_types=[])
    assert answer.json()["event_types"] == []
    await raise_incident(h.api, h.tokens)
    await h.sync()
    assert await h.deliver() == 1
    assert [p["type"] for p in payloads(receiver.wait_for(2), endpoint["secret"])] == [
        "incident.cancelled",
        "incident.raised",
    ]


@pytest.mark.parametrize(
    ("event_types", "slug", "named"),
    [
        (["party.created"], "invalid-event-types", "party.created"),
        (["incident.raised", "party.updated"], "invalid-event-types", "party.updated"),
        (["nope"], "validation", None),
        (["incident.raised", "Incident.Resolved"], "validation", None),
        ("incident.raised", "validation", None),
    ],
)
async def test_invalid_event_types_are_refused(
    world: Harness, receiver: Receiver, event_types: Any, slug: str, named: str | None
) -> None:
    h = world
    headers = h.tokens.party(GAINING)
    created = await h.notifier.post(
        "/v1/endpoints", headers=headers, json={"url": receiver.url, "event_types": event_types}
    )
    body = problem(created, 422, slug)
    if named is not None:
        assert named in body["detail"]
    else:
        assert any(e["field"].startswith("event_types") for e in body["errors"]), body
    assert await listed(h, GAINING) == []

    endpoint = await h.add_endpoint(GAINING, receiver.url, event_types=["incident.resolved"])
    patched = await patch(h, GAINING, endpoint["id"], event_types=event_types)
    problem(patched, 422, slug)
    assert (await get(h, GAINING, endpoint["id"])).json()["event_types"] == ["incident.resolved"]


# --- disabling, enabling, deleting -------------------------------------------------------------


async def test_disabled_endpoint_gets_nothing_and_its_deliveries_are_skipped(
    world: Harness, receiver: Receiver
) -> None:
    h = world
    endpoint = await h.add_endpoint(INSTALLING, receiver.url)
    answer = await patch(h, INSTALLING, endpoint["id"], enabled=False)
    assert answer.status_code == 200, answer.text
    assert answer.json()["enabled"] is False
    assert answer.json()["disabled_reason"] == "by_party"
    assert answer.json()["disabled_at"] is not None

    first = await raise_on_new_device(h, 1)
    await h.sync()
    assert await h.deliver() == 1  # to the ops contact, since the party's endpoint is off
    [skipped] = await h.deliveries(INSTALLING, endpoint_id=endpoint["id"])
    assert (skipped["status"], skipped["incident_id"]) == ("skipped", first["id"])
    assert skipped["attempt_count"] == 0

    # Enabled again: new events go out; what was skipped stays skipped (recover re-sends it).
    answer = await patch(h, INSTALLING, endpoint["id"], enabled=True)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["enabled"], answer.json()["disabled_reason"]) == (True, None)
    assert answer.json()["disabled_at"] is None
    second = await raise_on_new_device(h, 2)
    await h.sync()
    assert await h.deliver() == 1
    [hook] = receiver.wait_for(1)
    assert (
        Webhook(endpoint["secret"]).verify(hook.body, hook.headers)["data"]["incident_id"]
        == (second["id"])
    )
    mine = await h.deliveries(INSTALLING, endpoint_id=endpoint["id"])
    statuses = {d["incident_id"]: d["status"] for d in mine}
    assert statuses == {first["id"]: "skipped", second["id"]: "succeeded"}
    assert len(receiver.received) == 1


async def test_disabling_skips_what_is_already_queued(world: Harness, receiver: Receiver) -> None:
    h = world
    endpoint = await h.add_endpoint(INSTALLING, receiver.url)
    await raise_incident(h.api, h.tokens)
    await h.sync()
    [queued] = await h.deliveries(INSTALLING)
    assert queued["status"] == "pending"
    assert (await patch(h, INSTALLING, endpoint["id"], enabled=False)).status_code == 200
    assert await h.deliver() == 0
    [after] = await h.deliveries(INSTALLING)
    assert (after["id"], after["status"]) == (queued["id"], "skipped")
    assert receiver.received == []


async def test_deleted_endpoint_gets_nothing_more(world: Harness, receiver: Receiver) -> None:
    h = world
    doomed = await h.add_endpoint(INSTALLING, receiver.url)
    kept = await h.add_endpoint(INSTALLING, receiver.url)
    # One delivery already queued for it when it goes.
    await raise_on_new_device(h, 1)
    await h.sync()
    assert {d["endpoint_id"] for d in await h.deliveries(INSTALLING)} == {doomed["id"], kept["id"]}

    deleted = await h.notifier.delete(
        f"/v1/endpoints/{doomed['id']}", headers=h.tokens.party(INSTALLING)
    )
    assert deleted.status_code == 204
    assert deleted.content == b""
    problem(await get(h, INSTALLING, doomed["id"]), 404, "endpoint-not-found")
    again = await h.notifier.delete(
        f"/v1/endpoints/{doomed['id']}", headers=h.tokens.party(INSTALLING)
    )
    problem(again, 404)
    assert [e["id"] for e in await listed(h, INSTALLING)] == [kept["id"]]

    await raise_on_new_device(h, 2)
    await h.sync()
    assert await h.deliver() == 2
    received = receiver.wait_for(2)
    assert for_endpoint(received, doomed["id"]) == []
    assert len(for_endpoint(received, kept["id"])) == 2
    payloads(received, kept["secret"])
    assert {d["endpoint_id"] for d in await h.deliveries(INSTALLING)} == {kept["id"]}


# --- secret rotation ---------------------------------------------------------------------------


def verify_each(hook: Received, secrets: list[str]) -> None:
    """The signature header holds one signature per secret, each verifying with its own."""
    signatures = hook.headers["webhook-signature"].split(" ")
    assert len(signatures) == len(secrets)
    for signature, secret in zip(signatures, secrets, strict=True):
        alone = {**hook.headers, "webhook-signature": signature}
        Webhook(secret).verify(hook.body, alone)
        for other in secrets:
            if other != secret:
                with pytest.raises(WebhookVerificationError):
                    Webhook(other).verify(hook.body, alone)


async def test_rotated_secret_signs_alongside_the_old_until_the_grace_ends(
    world: Harness, receiver: Receiver
) -> None:
    h = world
    endpoint = await h.add_endpoint(INSTALLING, receiver.url)
    old = endpoint["secret"]
    rotated = await h.notifier.post(
        f"/v1/endpoints/{endpoint['id']}/rotate-secret", headers=h.tokens.party(INSTALLING)
    )
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["secret"]
    assert new.startswith("whsec_")
    assert new != old
    expires = rotated.json()["previous_secret_expires_at"]
    assert expires == (h.clock.now() + GRACE).isoformat().replace("+00:00", "Z")
    view = await get(h, INSTALLING, endpoint["id"])
    assert view.json()["previous_secret_expires_at"] == expires
    assert new not in view.text
    assert old not in view.text

    await raise_on_new_device(h, 1)
    await h.sync()
    assert await h.deliver() == 1
    [during] = receiver.wait_for(1)
    verify_each(during, [new, old])
    Webhook(new).verify(during.body, during.headers)
    Webhook(old).verify(during.body, during.headers)

    # Still inside the grace a second before it ends.
    h.clock.advance(hours=24, seconds=-1)
    await raise_on_new_device(h, 2)
    await h.sync()
    assert await h.deliver() == 1
    verify_each(receiver.wait_for(2)[1], [new, old])

    h.clock.advance(seconds=2)
    await raise_on_new_device(h, 3)
    await h.sync()
    assert await h.deliver() == 1
    after = receiver.wait_for(3)[2]
    verify_each(after, [new])
    Webhook(new).verify(after.body, after.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(after.body, after.headers)


# --- recovery ----------------------------------------------------------------------------------


async def test_recover_redelivers_what_was_skipped_since_in_order(
    world: Harness, receiver: Receiver
) -> None:
    h = world
    endpoint = await h.add_endpoint(INSTALLING, receiver.url)
    assert (await patch(h, INSTALLING, endpoint["id"], enabled=False)).status_code == 200
    before = await raise_on_new_device(h, 0)
    await h.sync()
    h.clock.advance(minutes=5)
    since = h.clock.now()
    raised = []
    # Some synced one by one, some in one page: order must be event order either way.
    for n in range(1, 4):
        raised.append(await raise_on_new_device(h, n))
        await h.sync()
        h.clock.advance(seconds=1)
    for n in range(4, 8):
        raised.append(await raise_on_new_device(h, n))
    await h.sync()
    # Each to the ops contact instead, while the party's only endpoint is off.
    assert await h.deliver() == len(raised) + 1
    mine = {"endpoint_id": endpoint["id"]}
    assert {d["status"] for d in await h.deliveries(INSTALLING, **mine)} == {"skipped"}

    answer = await h.notifier.post(
        f"/v1/endpoints/{endpoint['id']}/recover",
        headers=h.tokens.party(INSTALLING),
        json={"since": since.isoformat()},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"requeued": len(raised)}
    view = (await get(h, INSTALLING, endpoint["id"])).json()
    assert (view["enabled"], view["disabled_reason"]) == (True, None)

    # Recovered deliveries fall due a microsecond apart, from now: let the (frozen) clock move.
    h.clock.advance(seconds=1)
    assert await h.deliver() == len(raised)
    received = receiver.wait_for(len(raised))
    got = payloads(received, endpoint["secret"])
    assert [p["data"]["incident_id"] for p in got] == [i["id"] for i in raised]
    seqs = [p["data"]["seq"] for p in got]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == len(seqs)
    # The one skipped before `since` stays skipped.
    statuses = {d["incident_id"]: d["status"] for d in await h.deliveries(INSTALLING, **mine)}
    assert statuses.pop(before["id"]) == "skipped"
    assert set(statuses.values()) == {"succeeded"}
    # Same webhook ids as the original routing: receivers deduplicate on them.
    assert [r.headers["webhook-id"] for r in received] == [
        f"evt_{seq}_{endpoint['id']}" for seq in seqs
    ]

    # Nothing is left to recover; new events flow normally.
    again = await h.notifier.post(
        f"/v1/endpoints/{endpoint['id']}/recover",
        headers=h.tokens.party(INSTALLING),
        json={"since": since.isoformat()},
    )
    assert again.json() == {"requeued": 0}
    await raise_on_new_device(h, 9)
    await h.sync()
    assert await h.deliver() == 1


async def test_recover_needs_an_aware_since(world: Harness, receiver: Receiver) -> None:
    h = world
    endpoint = await h.add_endpoint(INSTALLING, receiver.url)
    path = f"/v1/endpoints/{endpoint['id']}/recover"
    headers = h.tokens.party(INSTALLING)
    for body in ({}, {"since": "2026-06-10T09:30:00"}, {"since": "yesterday"}):
        answer = await h.notifier.post(path, headers=headers, json=body)
        assert "since" in json.dumps(problem(answer, 422, "validation")["errors"])
