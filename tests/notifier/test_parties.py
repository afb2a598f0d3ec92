"""A party created at the API uses the notifier at once (DESIGN §7): a token of a party the feed
has not brought yet makes the notifier ask the API, within bounds.

The notifier talks to the real in-process API; `Counting` only counts what passes to it."""

import asyncio
import random
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import select

from services.common.clock import FrozenClock
from services.common.db import create_engine
from services.notifier.api_client import ApiClient
from services.notifier.app import create_app
from services.notifier.models import metadata
from services.notifier.parties.models import KnownParty
from services.notifier.parties.service import remember
from services.notifier.settings import Settings
from shared.schemas import PartyCategory, PartyEventData
from tests.database import empty_tables
from tests.incident_api.world import INSTALLING, add_party, raise_incident, seed
from tests.notifier.harness import Harness
from tests.receiver import Receiver
from tests.tokens import Tokens

HOOK = "http://127.0.0.1:9/hook"  # never called: these tests register endpoints, nothing more


class Counting(httpx.AsyncBaseTransport):
    """The real transport to the API, recording the path of each request that goes through."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()

    @property
    def party_asks(self) -> list[str]:
        return [p.removeprefix("/v1/parties/") for p in self.paths if p.startswith("/v1/parties/")]


@dataclass
class Counted:
    h: Harness
    api_calls: Counting


@asynccontextmanager
async def running_notifier(
    settings: Settings, database_url: str, clock: FrozenClock, client: ApiClient
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    engine = create_engine(database_url)
    await empty_tables(engine, metadata)
    await engine.dispose()
    app = create_app(settings, clock=clock, background=False, api=client)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://notifier.test") as n:
            yield app, n


@pytest.fixture
async def counted(
    api: httpx.AsyncClient,
    notifier_settings: Settings,
    notifier_database_url: str,
    clock: FrozenClock,
    tokens: Tokens,
) -> AsyncIterator[Counted]:
    """The notifier wired to the API as in the `harness` fixture, its API calls counted."""
    counting = Counting(httpx.ASGITransport(app=api.app))  # type: ignore[attr-defined]
    client = ApiClient(notifier_settings, transport=counting)
    async with running_notifier(notifier_settings, notifier_database_url, clock, client) as (
        app,
        n,
    ):
        h = Harness(api=api, notifier=n, app=app, feed=client, tokens=tokens, clock=clock)
        yield Counted(h, counting)


async def register(h: Harness, party: str, url: str = HOOK) -> httpx.Response:
    return await h.notifier.post("/v1/endpoints", headers=h.tokens.party(party), json={"url": url})


async def notifier_parties(h: Harness) -> dict[str, tuple[str, bool]]:
    async with h.runtime.sessions() as session:
        rows = (await session.exec(select(KnownParty))).all()
    return {p.party_id: (p.category.value, p.active) for p in rows}


def problem_type(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return str(body["type"]).rsplit("/", 1)[-1]


async def test_a_party_created_at_the_api_registers_an_endpoint_at_once(
    counted: Counted, receiver: Receiver
) -> None:
    h = counted.h
    await seed(h.api, h.tokens)  # the notifier has read none of the feed
    assert await notifier_parties(h) == {}
    created = await register(h, INSTALLING, receiver.url)
    assert created.status_code == 201, created.text
    assert counted.api_calls.party_asks == [INSTALLING]
    # Kept as the feed would keep it: the next request reads the table, asks nothing.
    assert await notifier_parties(h) == {INSTALLING: ("small_supplier", True)}
    assert (await h.notifier.get("/v1/endpoints", headers=h.tokens.party(INSTALLING))).is_success
    assert counted.api_calls.party_asks == [INSTALLING]

    # The feed's party.created for it comes later and changes nothing; everything routes.
    await h.sync()
    assert (await notifier_parties(h))[INSTALLING] == ("small_supplier", True)
    incident = await raise_incident(h.api, h.tokens)
    await h.sync()
    assert await h.deliver() == 1
    [hook] = receiver.wait_for(1)
    assert incident["id"].encode() in hook.body

    # The feed stays the authority over the answer: a deactivation reaches the notifier.
    deactivated = await h.api.patch(
        f"/v1/parties/{INSTALLING}", headers=h.tokens.admin(), json={"active": False}
    )
    assert deactivated.status_code == 200, deactivated.text
    await h.sync()
    refused = await register(h, INSTALLING)
    assert (refused.status_code, problem_type(refused)) == (403, "forbidden")
    assert counted.api_calls.party_asks == [INSTALLING]


async def test_a_party_the_api_does_not_know_is_refused_and_asked_about_once(
    counted: Counted,
) -> None:
    h = counted.h
    for _ in range(3):
        refused = await register(h, "ZZZ9")
        assert (refused.status_code, problem_type(refused)) == (403, "forbidden")
        assert "not registered" in refused.json()["detail"]
    assert counted.api_calls.party_asks == ["ZZZ9"]  # the API's 404 is remembered
    assert await notifier_parties(h) == {}


async def test_an_answer_never_writes_over_what_the_feed_brought(counted: Counted) -> None:
    """The feed recorded the party's deactivation; an answer taken earlier must not undo it."""
    h = counted.h
    await add_party(h.api, h.tokens, "LATE", "large_supplier")
    await h.api.patch("/v1/parties/LATE", headers=h.tokens.admin(), json={"active": False})
    await h.sync()
    # As if the API had answered "active" before the deactivation, and the answer only now
    # reached the table.
    stale = PartyEventData(party_id="LATE", category=PartyCategory.large_supplier, active=True)
    async with h.runtime.sessions() as session, session.begin():
        await remember(session, stale, overwrite=False)
    assert await notifier_parties(h) == {"LATE": ("large_supplier", False)}
    assert (await register(h, "LATE")).status_code == 403
    assert counted.api_calls.party_asks == []


async def test_concurrent_requests_of_a_new_party_ask_the_api_once(counted: Counted) -> None:
    h = counted.h
    await add_party(h.api, h.tokens, "NEW1", "small_supplier")
    answers = await asyncio.gather(*(register(h, "NEW1") for _ in range(8)))
    assert [a.status_code for a in answers] == [201] * 8
    assert counted.api_calls.party_asks == ["NEW1"]


async def test_a_burst_of_unknown_parties_asks_the_api_a_bounded_number_of_times(
    counted: Counted,
) -> None:
    h = counted.h
    rng = random.Random(15)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    ids = sorted({"".join(rng.choices(alphabet, k=4)) for _ in range(60)})
    answers = await asyncio.gather(*(register(h, party) for party in ids))
    asked = counted.api_calls.party_asks
    # The budget (10 at once) bounds the questions; beyond it, 503: not known, not checked.
    assert len(asked) == 10
    statuses = {
        party: (a.status_code, problem_type(a)) for party, a in zip(ids, answers, strict=True)
    }
    assert {statuses[p] for p in asked} == {(403, "forbidden")}
    assert {statuses[p] for p in ids if p not in asked} == {(503, "party-check-unavailable")}
    # Again: nothing more is asked, whether the API said no or the budget did.
    again = await asyncio.gather(*(register(h, party) for party in ids))
    assert len(counted.api_calls.party_asks) == 10
    assert {a.status_code for a in again} == {403, 503}

    # A party really created meanwhile is told to retry (503), never that it is not registered,
    # and is let in once the budget refills (one question a second) or the feed brings it.
    await add_party(h.api, h.tokens, "REAL", "small_supplier")
    waiting = await register(h, "REAL")
    assert (waiting.status_code, problem_type(waiting)) == (503, "party-check-unavailable")
    h.clock.advance(seconds=1)
    assert (await register(h, "REAL")).status_code == 201
    assert counted.api_calls.party_asks[-1] == "REAL"


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port bound but not listening: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


async def test_a_party_the_api_cannot_be_asked_about_is_a_503(
    notifier_settings: Settings,
    notifier_database_url: str,
    clock: FrozenClock,
    tokens: Tokens,
    closed_port: int,
) -> None:
    settings = notifier_settings.model_copy(
        update={"incident_api_url": f"http://127.0.0.1:{closed_port}"}
    )
    client = ApiClient(settings)
    async with running_notifier(settings, notifier_database_url, clock, client) as (_app, n):
        headers = tokens.party("ABCD")
        answer = await n.post("/v1/endpoints", headers=headers, json={"url": HOOK})
        assert (answer.status_code, problem_type(answer)) == (503, "party-check-unavailable")
        assert "try again" in answer.json()["detail"]
