"""Schemathesis over the notifier's own OpenAPI document, as over the incident API's (the passes
are tests/incident_api/test_openapi_fuzz.py's): no request, valid or not, is a 5xx but a
documented 503, every refusal is an RFC 9457 problem, and every link and `$ref` resolves.

The notifier runs beside the incident API, in-process, as the `harness` fixture wires it: parties
it has not heard of yet are asked of the API through ASGI. The world is made first, by the real
route: parties, Devices and incidents at the API; webhook endpoints at the notifier; the feed
followed, so that the incidents' events are deliveries; one of them left dead, as the worker
leaves one after its last attempt, so that a retry can succeed. The workflows are a registered
supplier's: a scenario opens by adding an endpoint or listing the supplier's deliveries.

No fuzzed URL is ever connected to: the notifier's background loops are off, so the delivery
worker never runs, and the endpoints registered before the fuzz point at loopback. Beyond that, a
guard fails the test on any attempt to resolve a name or open a connection other than to
loopback (the databases are there).
"""

import asyncio
import errno
import ipaddress
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, cast

import httpx
import pytest
from fastapi import FastAPI
from schemathesis.python import asgi
from sqlalchemy import update
from sqlmodel import col

from services.common.clock import FrozenClock
from services.common.db import create_engine
from services.incident_api.app import create_app as create_api
from services.incident_api.models import metadata as api_metadata
from services.incident_api.settings import Settings as ApiSettings
from services.notifier.api_client import ApiClient
from services.notifier.app import create_app
from services.notifier.delivery.models import Delivery, DeliveryAttempt, DeliveryStatus
from services.notifier.models import metadata
from services.notifier.settings import Settings
from tests.database import empty_tables
from tests.incident_api.test_openapi_fuzz import (
    MAX_EXAMPLES,
    SCENARIOS,
    Case,
    Operation,
    Run,
    cover,
    followed_links,
    fuzz,
    load,
    operations,
    principals,
    report,
    workflows,
)
from tests.incident_api.world import (
    CODE_WITH_CRC,
    GAINING,
    INSTALLING,
    act,
    put_device,
    raise_incident,
    seed,
)
from tests.notifier.harness import Harness
from tests.tokens import Tokens

SECOND_DEVICE = "00-DB-12-34-56-78-90-A1"
# Never called: the worker does not run. Port 9 is discard, should anything ever try.
LOOPBACK = "http://127.0.0.1:9/ssi"


@dataclass
class World:
    """What the fuzz aims at: each party's endpoint and deliveries, by party."""

    endpoints: dict[str, str]
    deliveries: dict[str, list[str]]


def _loopback(host: Any) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if host is None or host == "localhost":
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture
def off_loopback(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every attempt to resolve a name or connect to an address other than loopback, refused."""
    attempts: list[str] = []
    getaddrinfo, connect, connect_ex = (
        socket.getaddrinfo,
        socket.socket.connect,
        socket.socket.connect_ex,
    )

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _loopback(host):
            attempts.append(f"resolve {host!r}")
            raise socket.gaierror(socket.EAI_NONAME, "refused by the test: not loopback")
        return getaddrinfo(host, *args, **kwargs)

    def refused(sock: socket.socket, address: Any) -> bool:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            attempts.append(f"connect {address!r}")
            return True
        return False

    def guarded_connect(sock: socket.socket, address: Any) -> None:
        if refused(sock, address):
            raise ConnectionRefusedError("refused by the test: not loopback")
        connect(sock, address)

    def guarded_connect_ex(sock: socket.socket, address: Any) -> int:
        return errno.ECONNREFUSED if refused(sock, address) else connect_ex(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    return attempts


@asynccontextmanager
async def _both(
    api_settings: ApiSettings, settings: Settings, clock: FrozenClock, tokens: Tokens
) -> AsyncIterator[Harness]:
    """The API and the notifier, wired as the `harness` fixture wires them, on this event loop."""
    api_app = create_api(api_settings, clock=clock)
    async with api_app.router.lifespan_context(api_app):
        transport = httpx.ASGITransport(app=api_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as api:
            feed = ApiClient(settings, transport=httpx.ASGITransport(app=api_app))
            app = create_app(settings, clock=clock, background=False, api=feed)
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(
                    transport=transport, base_url="http://notifier.test"
                ) as notifier:
                    yield Harness(api, notifier, app, feed, tokens, clock)


async def _make_world(h: Harness) -> World:
    """Parties, two Devices, an incident on each (one acknowledged, one answered), an endpoint
    per supplier and the deliveries of the events routed to them, one of the supplier's dead."""
    await seed(h.api, h.tokens)
    await put_device(h.api, h.tokens, SECOND_DEVICE)
    endpoints = {
        party: (await h.add_endpoint(party, f"{LOOPBACK}/{party.lower()}"))["id"]
        for party in (GAINING, INSTALLING)
    }
    first = await raise_incident(h.api, h.tokens)
    second = await raise_incident(h.api, h.tokens, device_id=SECOND_DEVICE)
    answer = {"outcome": "install_code_provided", "install_code": CODE_WITH_CRC}
    assert (await act(h.api, h.tokens, INSTALLING, first["id"], "acknowledge")).is_success
    assert (await act(h.api, h.tokens, INSTALLING, second["id"], "response", answer)).is_success
    await h.sync()
    deliveries = {party: [d["id"] for d in await h.deliveries(party)] for party in endpoints}
    assert all(len(ids) == 2 for ids in deliveries.values()), deliveries
    dead = deliveries[GAINING][0]
    async with h.runtime.sessions() as session, session.begin():
        now = h.clock.now()
        await session.exec(
            update(Delivery)
            .where(col(Delivery.id) == dead)
            .values(status=DeliveryStatus.dead, attempt_count=1, last_error="refused")
        )
        session.add(
            DeliveryAttempt(
                delivery_id=dead, number=1, started_at=now, latency_ms=1.0, error="refused"
            )
        )
    return World(endpoints=endpoints, deliveries=deliveries)


@pytest.fixture
def world(
    off_loopback: list[str],
    api_settings: ApiSettings,
    api_database_url: str,
    notifier_settings: Settings,
    notifier_database_url: str,
    clock: FrozenClock,
    tokens: Tokens,
) -> World:
    async def make() -> World:
        for tables, url in ((api_metadata, api_database_url), (metadata, notifier_database_url)):
            engine = create_engine(url)
            await empty_tables(engine, tables)
            await engine.dispose()
        async with _both(api_settings, notifier_settings, clock, tokens) as h:
            return await _make_world(h)

    return asyncio.run(make())


@pytest.fixture
def app(
    world: World, api_settings: ApiSettings, notifier_settings: Settings, clock: FrozenClock
) -> Iterator[FastAPI]:
    """The notifier (and the API it asks about parties), started afresh on the world's databases
    in Schemathesis' event loop thread."""
    api_app = create_api(api_settings, clock=clock)
    feed = ApiClient(notifier_settings, transport=httpx.ASGITransport(app=api_app))
    application = create_app(notifier_settings, clock=clock, background=False, api=feed)
    try:
        with asgi.get_client(cast(Any, api_app)):
            yield application
    finally:
        asgi.shutdown_lifespans()


@pytest.fixture
def run(app: FastAPI, world: World) -> Iterator[Run]:
    with asgi.get_client(cast(Any, app)) as client:
        yield Run(
            client=client,
            ids={
                "endpoint_id": [world.endpoints[GAINING], world.endpoints[INSTALLING]],
                "delivery_id": [world.deliveries[GAINING][0], world.deliveries[INSTALLING][0]],
            },
        )


def _deletes_last(found: list[Operation]) -> list[Operation]:
    """Removing an endpoint removes its deliveries: every other operation first."""
    return sorted(found, key=lambda operation: operation.method == "delete")


def test_fuzzed_requests_are_never_a_server_error(
    app: FastAPI, run: Run, tokens: Tokens, off_loopback: list[str]
) -> None:
    found = _deletes_last(operations(load(app)))
    assert len(found) >= 12, [op.label for op in found]
    fuzz(run, found, principals(tokens))
    assert not run.failures, report(run)
    assert off_loopback == []
    assert run.generated >= len(found) * MAX_EXAMPLES
    assert run.calls >= run.generated * 2  # most operations answer more than one principal


def test_boundary_cases_are_never_a_server_error(
    app: FastAPI, run: Run, tokens: Tokens, off_loopback: list[str]
) -> None:
    total = cover(run, _deletes_last(operations(load(app))), principals(tokens))
    assert not run.failures, report(run)
    assert off_loopback == []
    assert total >= 300
    assert run.calls >= total * 0.9


def test_workflows_along_the_links_are_never_a_server_error(
    app: FastAPI, run: Run, tokens: Tokens, off_loopback: list[str]
) -> None:
    """A supplier adds endpoints and reads, changes, rotates, recovers and removes them; it
    lists its deliveries, reads one and retries it."""
    supplier = principals(tokens)["supplier"]

    def add_an_endpoint(schema: Any, n: int) -> Case:
        body = {"url": f"{LOOPBACK}/workflow/{n}"}
        return cast(Case, schema.find_operation_by_id("create_endpoint").Case(body=body))

    def list_deliveries(schema: Any, n: int) -> Case:
        return cast(Case, schema.find_operation_by_id("list_deliveries").Case(query={}))

    followed = workflows(
        load(app), run, lambda operation_id: supplier, [add_an_endpoint, list_deliveries]
    )
    assert not run.failures, report(run)
    assert off_loopback == []
    links = followed_links(followed)
    assert {"get_delivery", "retry_delivery", "get_endpoint", "delete_endpoint"} <= links
    assert run.calls >= SCENARIOS * 2
