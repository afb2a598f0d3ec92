"""The inbox, through the HTTP API: items in order, acknowledged, resumed after a restart, cursors
bound to their party, the long-poll, expiry, and reaching the addressee.

Long-polls run as asyncio tasks: a test waits until the read is waiting (`Watched`), then makes
the item that should wake it; nothing is timed.
"""

import asyncio
import base64
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from services.common.crypto import KeyRing
from services.notifier.app import create_app
from services.notifier.delivery.models import Delivery, DeliveryStatus
from services.notifier.inbox import cursors, endpoints, tasks
from services.notifier.inbox.errors import InvalidCursor
from services.notifier.runtime import Broadcast
from services.notifier.settings import Settings
from services.notifier.sla import reached
from tests.incident_api.world import (
    GAINING,
    INSTALLING,
    act,
    raise_incident,
    resolve_with_code,
    seed,
)
from tests.notifier.harness import Harness

INVALID = "https://ssi.example/problems/invalid-cursor"


@pytest.fixture
async def world(harness: Harness) -> Harness:
    await seed(harness.api, harness.tokens)
    await harness.sync()
    return harness


class Watched(Broadcast):
    """The runtime's broadcast, telling a test when a reader has started to wait."""

    def __init__(self, *, deaf: bool = False) -> None:
        super().__init__()
        self.waiting = asyncio.Event()
        self.deaf = deaf
        """Hears nothing: as when another replica inserted the item."""

    def notify(self) -> None:
        if not self.deaf:
            super().notify()

    async def wait(self, seconds: float) -> bool:
        self.waiting.set()
        return await super().wait(seconds)


async def add_inbox(h: Harness, party: str = INSTALLING) -> dict[str, Any]:
    answer = await h.notifier.post(
        "/v1/endpoints", headers=h.tokens.party(party), json={"kind": "inbox"}
    )
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def read(
    h: Harness, party: str = INSTALLING, client: httpx.AsyncClient | None = None, **params: Any
) -> dict[str, Any]:
    answer = await (client or h.notifier).get(
        "/v1/inbox", headers=h.tokens.party(party), params=params
    )
    assert answer.status_code == 200, answer.text
    page: dict[str, Any] = answer.json()
    return page


async def ack(h: Harness, cursor: str, party: str = INSTALLING) -> httpx.Response:
    return await h.notifier.post(
        "/v1/inbox/ack", headers=h.tokens.party(party), json={"cursor": cursor}
    )


async def acked(h: Harness, cursor: str, party: str = INSTALLING) -> dict[str, Any]:
    answer = await ack(h, cursor, party)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def kinds(page: dict[str, Any]) -> list[tuple[str, str]]:
    return [(item["type"], item["data"]["reference"]) for item in page["items"]]


async def raise_and_cancel(h: Harness) -> str:
    """Two items for the addressee: the raise and the cancellation; the incident's reference."""
    incident = await raise_incident(h.api, h.tokens)
    answer = await act(h.api, h.tokens, GAINING, incident["id"], "cancel", {})
    assert answer.status_code == 200, answer.text
    await h.sync()
    reference: str = incident["reference"]
    return reference


async def statuses(h: Harness) -> list[tuple[int | None, str, int]]:
    async with h.runtime.sessions() as session:
        rows = await session.exec(
            select(Delivery.inbox_position, Delivery.status, Delivery.attempt_count)
            .where(col(Delivery.inbox_position).is_not(None))
            .order_by(col(Delivery.inbox_position))
        )
        return [(position, status, attempts) for position, status, attempts in rows.all()]


def refused(answer: httpx.Response, cursor: str) -> None:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == INVALID
    assert cursor not in answer.text


# --- order, acknowledgement, restart ------------------------------------------------------------


async def test_items_come_in_order_and_a_read_without_after_resumes_after_the_ack(
    world: Harness,
) -> None:
    h = world
    await add_inbox(h)
    first = await raise_and_cancel(h)
    second = await raise_and_cancel(h)
    page = await read(h)
    assert kinds(page) == [
        ("incident.raised", first),
        ("incident.cancelled", first),
        ("incident.raised", second),
        ("incident.cancelled", second),
    ]
    assert page["next_cursor"] == page["items"][-1]["cursor"]
    item = page["items"][0]
    assert set(item) == {"cursor", "webhook_id", "type", "timestamp", "data"}
    assert "install_code" not in str(page)

    # Pages of `limit`, each after the one before.
    one = await read(h, limit=3)
    two = await read(h, after=one["next_cursor"], limit=3)
    assert [i["webhook_id"] for i in one["items"] + two["items"]] == [
        i["webhook_id"] for i in page["items"]
    ]
    # Reading acknowledges nothing: the same items again.
    assert await read(h) == page

    done = await acked(h, page["items"][1]["cursor"])
    assert done == {"acknowledged_through": page["items"][1]["cursor"], "pending": 2}
    assert kinds(await read(h)) == [("incident.raised", second), ("incident.cancelled", second)]
    # Acknowledged is delivered; nothing was sent, so no attempt is counted.
    assert await statuses(h) == [
        (1, DeliveryStatus.succeeded, 0),
        (2, DeliveryStatus.succeeded, 0),
        (3, DeliveryStatus.pending, 0),
        (4, DeliveryStatus.pending, 0),
    ]
    delivered = await h.deliveries(INSTALLING, status="succeeded")
    assert all(
        d["delivered_at"] == h.clock.now().isoformat().replace("+00:00", "Z") for d in delivered
    )


async def test_a_consumer_restart_loses_and_repeats_nothing_acknowledged(world: Harness) -> None:
    h = world
    await add_inbox(h)
    first = await raise_and_cancel(h)
    page = await read(h, limit=1)
    await acked(h, page["next_cursor"])  # handled the raise, then stopped (crashed)
    seen = [("incident.raised", first)]

    # A new consumer process: a new client, no state of its own, no `after`.
    transport = httpx.ASGITransport(app=h.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://notifier.test") as fresh:
        second = await raise_and_cancel(h)
        page = await read(h, client=fresh)
        # The cancellation, read before the crash but not acknowledged, comes again: at least once.
        assert kinds(page) == [
            ("incident.cancelled", first),
            ("incident.raised", second),
            ("incident.cancelled", second),
        ]
        seen += kinds(page)
        await acked(h, page["next_cursor"])
        assert (await read(h, client=fresh))["items"] == []
    assert seen == [
        ("incident.raised", first),
        ("incident.cancelled", first),
        ("incident.raised", second),
        ("incident.cancelled", second),
    ]
    assert {s for _, s, _ in await statuses(h)} == {DeliveryStatus.succeeded}


async def test_an_older_cursor_acknowledges_nothing_more(world: Harness) -> None:
    h = world
    await add_inbox(h)
    await raise_and_cancel(h)
    await raise_and_cancel(h)
    items = (await read(h))["items"]
    latest = await acked(h, items[2]["cursor"])
    before = await statuses(h)
    again = await acked(h, items[0]["cursor"])
    assert again == latest == {"acknowledged_through": items[2]["cursor"], "pending": 1}
    assert await statuses(h) == before
    assert [i["cursor"] for i in (await read(h))["items"]] == [items[3]["cursor"]]
    assert await acked(h, items[2]["cursor"]) == latest  # the same twice: harmless


async def test_an_empty_inbox_answers_a_cursor_to_pass_back(world: Harness) -> None:
    h = world
    await add_inbox(h)
    page = await read(h)
    assert page["items"] == []
    assert await read(h, after=page["next_cursor"]) == page
    assert await acked(h, page["next_cursor"]) == {
        "acknowledged_through": page["next_cursor"],
        "pending": 0,
    }
    await raise_and_cancel(h)
    later = await read(h, after=page["next_cursor"])
    assert len(later["items"]) == 2
    # Its next cursor is where it started: passed back, it reads what came since.
    await acked(h, later["items"][0]["cursor"])
    assert (await read(h))["next_cursor"] == later["items"][1]["cursor"]


# --- cursors -----------------------------------------------------------------------------------


async def test_another_partys_cursor_is_refused(world: Harness) -> None:
    h = world
    await add_inbox(h, INSTALLING)
    await add_inbox(h, GAINING)
    await raise_and_cancel(h)
    theirs = (await read(h, INSTALLING))["items"][0]["cursor"]
    mine = (await read(h, GAINING))["next_cursor"]
    for cursor, party in ((theirs, GAINING), (mine, INSTALLING)):
        answer = await h.notifier.get(
            "/v1/inbox", headers=h.tokens.party(party), params={"after": cursor}
        )
        refused(answer, cursor)
        refused(await ack(h, cursor, party), cursor)
    assert {s for _, s, _ in await statuses(h)} == {DeliveryStatus.pending}


def flip(cursor: str, at: int) -> str:
    raw = bytearray(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    raw[at] ^= 0x01
    return base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")


async def test_forged_and_malformed_cursors_are_refused(world: Harness) -> None:
    h = world
    inbox = await add_inbox(h)
    await raise_and_cancel(h)
    good = (await read(h))["items"][0]["cursor"]
    other_key = KeyRing([("dev-forger", b"k" * 32)])
    forged = cursors.encode(other_key, INSTALLING, cursors.Place(inbox["id"], 1))
    bad = [
        flip(good, -1),  # the tag
        flip(good, -40),  # the position
        flip(good, 20),  # the endpoint
        forged,
        good[:-2],
        good + "A",
        good.replace(good[5], "+" if good[5] != "+" else "/", 1),
        "%%%%",
        "AAAA",
        "",
    ]
    for cursor in bad:
        answer = await h.notifier.get(
            "/v1/inbox", headers=h.tokens.party(INSTALLING), params={"after": cursor}
        )
        assert answer.status_code == 422, (cursor, answer.text)
        if cursor:
            assert cursor not in answer.text
        if cursor:
            refused(await ack(h, cursor), cursor)
    too_long = await ack(h, "A" * 201)
    assert too_long.status_code == 422
    assert "AAAA" not in too_long.text
    assert {s for _, s, _ in await statuses(h)} == {DeliveryStatus.pending}


async def test_a_cursor_beyond_the_newest_item_is_refused(world: Harness) -> None:
    h = world
    inbox = await add_inbox(h)
    await raise_and_cancel(h)
    # Signed as this service signs: only its position is beyond what the inbox holds.
    beyond = cursors.encode(h.runtime.keyring, INSTALLING, cursors.Place(inbox["id"], 3))
    answer = await h.notifier.get(
        "/v1/inbox", headers=h.tokens.party(INSTALLING), params={"after": beyond}
    )
    refused(answer, beyond)
    refused(await ack(h, beyond), beyond)
    head = cursors.encode(h.runtime.keyring, INSTALLING, cursors.Place(inbox["id"], 2))
    assert (await acked(h, head))["pending"] == 0


async def test_a_cursor_of_a_deleted_inbox_is_refused_by_its_successor(world: Harness) -> None:
    h = world
    inbox = await add_inbox(h)
    await raise_and_cancel(h)
    old = (await read(h))["items"][0]["cursor"]
    deleted = await h.notifier.delete(
        f"/v1/endpoints/{inbox['id']}", headers=h.tokens.party(INSTALLING)
    )
    assert deleted.status_code == 204
    await add_inbox(h)
    refused(await ack(h, old), old)


def test_cursors_open_under_any_key_still_in_the_ring() -> None:
    old, new = ("k1", b"1" * 32), ("k2", b"2" * 32)
    place = cursors.Place("2d8f6b0a-4c1e-4a7b-9f3d-6e5c4b3a2f19", 7)
    issued = cursors.encode(KeyRing([old]), "ISUP", place)
    assert cursors.decode(KeyRing([new, old]), "ISUP", issued) == place
    with pytest.raises(InvalidCursor):
        cursors.decode(KeyRing([new]), "ISUP", issued)
    with pytest.raises(InvalidCursor):
        cursors.decode(KeyRing([old]), "GSUP", issued)


# --- who may -----------------------------------------------------------------------------------


async def test_no_inbox_is_404_and_a_second_is_409(world: Harness) -> None:
    h = world
    answer = await h.notifier.get("/v1/inbox", headers=h.tokens.party(INSTALLING))
    assert answer.status_code == 404
    problem = answer.json()
    assert problem["type"].endswith("/no-inbox")
    assert 'POST /v1/endpoints {"kind": "inbox"}' in problem["detail"]
    assert (await ack(h, "AAAA")).status_code == 404
    await add_inbox(h)
    second = await h.notifier.post(
        "/v1/endpoints", headers=h.tokens.party(INSTALLING), json={"kind": "inbox"}
    )
    assert second.status_code == 409
    assert second.json()["type"].endswith("/inbox-exists")


async def test_scopes_and_principals(world: Harness) -> None:
    h = world
    await add_inbox(h)
    cursor = (await read(h))["next_cursor"]
    no_read = h.tokens.headers(INSTALLING, ["incidents:read", "webhooks:write"])
    no_write = h.tokens.headers(INSTALLING, ["incidents:read", "webhooks:read"])
    assert (await h.notifier.get("/v1/inbox", headers=no_read)).status_code == 403
    assert (await h.notifier.get("/v1/inbox", headers=no_write)).status_code == 200
    ack_body = {"cursor": cursor}
    assert (
        (await h.notifier.post("/v1/inbox/ack", headers=no_write, json=ack_body))
        .json()["type"]
        .endswith("/missing-scope")
    )
    assert (
        await h.notifier.post("/v1/inbox/ack", headers=no_read, json=ack_body)
    ).status_code == 200
    for headers in (h.tokens.service(), h.tokens.admin()):
        assert (await h.notifier.get("/v1/inbox", headers=headers)).status_code == 403
        answer = await h.notifier.post("/v1/inbox/ack", headers=headers, json=ack_body)
        assert answer.status_code == 403
    assert (await h.notifier.get("/v1/inbox")).status_code == 401
    # A person acting for the party reads the party's inbox.
    person = await h.notifier.get("/v1/inbox", headers=h.tokens.person("alice", INSTALLING))
    assert person.status_code == 200
    assert person.json()["next_cursor"] == cursor


# --- the long-poll -----------------------------------------------------------------------------


async def test_a_waiting_read_is_woken_by_a_raise(
    world: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = world
    await add_inbox(h)
    watched = Watched()
    h.runtime.inbox_changed = watched
    # Only the wake-up can answer this read before the test gives up on it.
    monkeypatch.setattr(endpoints, "RELOOK_SECONDS", 30.0)
    waiting = asyncio.create_task(read(h, wait=30))
    await watched.waiting.wait()
    # While it waits it holds no connection: on SQLite (one connection) this would wait for it.
    reference = (await raise_incident(h.api, h.tokens))["reference"]
    await h.sync()
    page = await asyncio.wait_for(waiting, 10)
    assert kinds(page) == [("incident.raised", reference)]


async def test_a_waiting_read_looks_again_for_another_replicas_items(
    world: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = world
    await add_inbox(h)
    deaf = Watched(deaf=True)
    h.runtime.inbox_changed = deaf
    monkeypatch.setattr(endpoints, "RELOOK_SECONDS", 0.05)
    waiting = asyncio.create_task(read(h, wait=30))
    await deaf.waiting.wait()
    reference = (await raise_incident(h.api, h.tokens))["reference"]
    await h.sync()
    page = await asyncio.wait_for(waiting, 10)
    assert kinds(page) == [("incident.raised", reference)]


async def test_a_wait_with_nothing_new_ends_empty(
    world: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = world
    await add_inbox(h)
    monkeypatch.setattr(endpoints, "RELOOK_SECONDS", 0.01)
    page = await read(h, wait=0.05)
    assert page["items"] == []
    assert (await read(h))["next_cursor"] == page["next_cursor"]


@pytest.fixture
async def replica(world: Harness, notifier_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A second notifier on the same database (and key ring): another replica."""
    app = create_app(notifier_settings, clock=world.clock, background=False, api=world.feed)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://replica.test") as c:
            c.app = app  # type: ignore[attr-defined]
            yield c


async def test_two_replicas_serve_one_inbox_alike(
    world: Harness, replica: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = world
    await add_inbox(h)
    monkeypatch.setattr(endpoints, "RELOOK_SECONDS", 0.05)
    # A read waiting on the replica hears nothing of this one's items: it looks again.
    waiting = asyncio.create_task(read(h, client=replica, wait=30))
    first = await raise_and_cancel(h)
    page = await asyncio.wait_for(waiting, 10)
    assert kinds(page)[0] == ("incident.raised", first)
    here = await read(h)
    there = await read(h, client=replica)
    assert here == there  # the same items, the same cursors
    # Acknowledged on one, resumed on the other; neither moves it back.
    await acked(h, here["items"][1]["cursor"])
    answer = await replica.post(
        "/v1/inbox/ack",
        headers=h.tokens.party(INSTALLING),
        json={"cursor": here["items"][0]["cursor"]},
    )
    assert answer.json()["acknowledged_through"] == here["items"][1]["cursor"]
    assert (await read(h, client=replica))["items"] == []


# --- never sent, expiry, reached ---------------------------------------------------------------


async def test_inbox_items_are_never_sent_nor_mailed(world: Harness) -> None:
    h = world
    await add_inbox(h)
    await raise_incident(h.api, h.tokens)
    await h.sync(handoff=True)  # a fresh page is offered to the worker: not the inbox's
    assert await h.deliver() == 0
    h.clock.advance(days=2)
    assert await h.deliver() == 0
    [delivery] = await h.deliveries(INSTALLING)
    assert (delivery["status"], delivery["attempt_count"]) == ("pending", 0)
    assert h.mails() == []  # the inbox takes the raise: no fallback to the contact list


async def test_a_disabled_inbox_still_serves_what_it_holds(world: Harness) -> None:
    h = world
    inbox = await add_inbox(h)
    reference = (await raise_incident(h.api, h.tokens))["reference"]
    await h.sync()
    off = await h.notifier.patch(
        f"/v1/endpoints/{inbox['id']}", headers=h.tokens.party(INSTALLING), json={"enabled": False}
    )
    assert off.status_code == 200, off.text
    page = await read(h)
    assert kinds(page) == [("incident.raised", reference)]
    assert (await acked(h, page["next_cursor"]))["pending"] == 0
    assert await statuses(h) == [(1, DeliveryStatus.succeeded, 0)]


async def test_unacknowledged_items_expire_after_35_days(world: Harness) -> None:
    h = world
    await add_inbox(h)
    await raise_and_cancel(h)
    page = await read(h, limit=1)
    first_id = page["items"][0]["data"]["incident_id"]
    await acked(h, page["next_cursor"])
    h.clock.advance(days=34)
    second = await raise_and_cancel(h)
    assert await tasks.expire(h.runtime) == 0
    h.clock.advance(days=2)  # the first incident's items are 36 days old, the second's 2
    assert await tasks.expire(h.runtime, batch=1) == 1
    assert await tasks.expire(h.runtime) == 0  # once
    assert [s for _, s, _ in await statuses(h)] == [
        DeliveryStatus.succeeded,  # acknowledged before: kept as it was
        DeliveryStatus.dead,
        DeliveryStatus.pending,
        DeliveryStatus.pending,
    ]
    assert kinds(await read(h)) == [("incident.raised", second), ("incident.cancelled", second)]
    [dead] = await h.deliveries(INSTALLING, status="dead")
    assert dead["last_error"] == tasks.EXPIRED
    assert (dead["event_type"], dead["incident_id"]) == ("incident.cancelled", first_id)


async def unreached(h: Harness) -> int:
    async with h.runtime.sessions() as session:
        return await reached.unreachable_addressees(session)


async def test_the_addressee_is_reached_when_it_fetches_a_clocks_start(world: Harness) -> None:
    h = world
    reporter = reached.ReachedReporter(h.runtime, h.feed)
    await add_inbox(h)
    incident = await raise_incident(h.api, h.tokens)
    await h.sync()
    assert await unreached(h) == 1
    page = await read(h)  # fetched: reached, though not yet acknowledged
    assert await unreached(h) == 0
    assert await reporter.report() == 1
    view = await h.api.get(f"/v1/incidents/{incident['id']}", headers=h.tokens.party(GAINING))
    assert view.json()["addressee_reachable"] is True

    # A reopened incident's new clock is reached when its own start is fetched, not before.
    await acked(h, page["next_cursor"])
    assert (await act(h.api, h.tokens, INSTALLING, incident["id"], "acknowledge")).status_code
    assert (await resolve_with_code(h.api, h.tokens, incident["id"])).status_code == 200
    reopened = await act(
        h.api, h.tokens, GAINING, incident["id"], "reopen", {"reason": "Code rejected"}
    )
    assert reopened.status_code == 200, reopened.text
    await h.sync()
    assert await unreached(h) == 1
    assert [i["type"] for i in (await read(h))["items"]] == ["incident.reopened"]
    assert await unreached(h) == 0
