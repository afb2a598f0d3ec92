"""Where webhooks may go: https to public addresses, checked on create/PATCH and at connect time.

Two policies throughout: the production one (`allow_loopback_http=False`) and development's,
which adds plain http to loopback and nothing more.
"""

import asyncio
import ipaddress
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult
from standardwebhooks.webhooks import Webhook

from services.common.clock import FrozenClock
from services.notifier.app import create_app
from services.notifier.delivery.addresses import (
    AddressPolicy,
    AddressRefused,
    GuardedResolver,
    unwrap,
)
from services.notifier.delivery.transport import Transport
from services.notifier.settings import Settings
from tests.incident_api.world import GAINING, INSTALLING, raise_incident, seed
from tests.notifier.harness import Harness
from tests.receiver import Receiver

PRODUCTION = AddressPolicy(allow_loopback_http=False)
DEVELOPMENT = AddressPolicy(allow_loopback_http=True)
POLICIES = pytest.mark.parametrize("policy", [PRODUCTION, DEVELOPMENT], ids=["prod", "dev"])

# --- the address tables -------------------------------------------------------------------------

NEVER = [
    # private
    "10.0.0.1",
    "10.255.255.254",
    "172.16.0.1",
    "172.31.255.254",
    "192.168.0.1",
    "192.168.255.254",
    # link-local, cloud metadata included
    "169.254.169.254",
    "169.254.0.1",
    "fe80::1",
    "fe80::a9fe:a9fe",
    # CGNAT
    "100.64.0.1",
    "100.127.255.254",
    # unspecified
    "0.0.0.0",  # noqa: S104 - an address refused, not one bound to
    "::",
    # unique local fc00::/7
    "fc00::1",
    "fd12:3456:789a::1",
    "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    # IPv4-mapped and NAT64 forms of refused addresses
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:100.64.0.1",
    "::ffff:0.0.0.0",
    "64:ff9b::a00:1",
    "64:ff9b::a9fe:a9fe",
    "64:ff9b::c0a8:1",
    "64:ff9b::",
    # local-use NAT64 (RFC 8215): any IPv4 address may be embedded, private ones too
    "64:ff9b:1::a00:1",
    "64:ff9b:1:ffff::1",
    # IPv4-compatible, SIIT-translated, 6to4 and site-local forms, some "global" to Python 3.11
    "::808:808",
    "::ffff:0:808:808",
    "2002:808:808::1",
    "fec0::1",
    # and the rest of what is not a public unicast address
    "192.0.2.10",
    "2001:db8::1",
    "198.18.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "224.0.0.1",
    "ff02::1",
]
LOOPBACK = ["127.0.0.1", "127.255.255.254", "::1", "::ffff:127.0.0.1"]
PUBLIC = [
    "8.8.8.8",
    "93.184.215.14",
    "11.0.0.1",
    "172.15.255.255",
    "172.32.0.1",
    "192.167.255.255",
    "192.169.0.1",
    "100.63.255.255",
    "100.128.0.1",
    "169.253.255.255",
    "2606:4700:4700::1111",
    "2a00:1450:4009:81f::200e",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
]


def ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(text)


def url_host(address: str) -> str:
    return f"[{address}]" if ":" in address else address


@POLICIES
@pytest.mark.parametrize("address", NEVER)
def test_refused_addresses(policy: AddressPolicy, address: str) -> None:
    assert policy.allows_address(ip(address)) is False
    with pytest.raises(AddressRefused):
        policy.check_url(f"https://{url_host(address)}/hook")
    with pytest.raises(AddressRefused):
        policy.check_url(f"http://{url_host(address)}:8080/hook")


@pytest.mark.parametrize("address", LOOPBACK)
def test_loopback_only_where_the_policy_allows_it(address: str) -> None:
    assert PRODUCTION.allows_address(ip(address)) is False
    assert DEVELOPMENT.allows_address(ip(address)) is True
    for scheme in ("http", "https"):
        url = f"{scheme}://{url_host(address)}:8080/hook"
        with pytest.raises(AddressRefused):
            PRODUCTION.check_url(url)
        DEVELOPMENT.check_url(url)


@POLICIES
@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_over_https_only(policy: AddressPolicy, address: str) -> None:
    assert policy.allows_address(ip(address)) is True
    policy.check_url(f"https://{url_host(address)}/hook")
    policy.check_url(f"https://{url_host(address)}:8443/hook?x=1")
    with pytest.raises(AddressRefused, match=r"https|loopback"):
        policy.check_url(f"http://{url_host(address)}/hook")


@pytest.mark.parametrize(
    ("wrapped", "plain"),
    [
        ("::ffff:10.0.0.1", "10.0.0.1"),
        ("::ffff:127.0.0.1", "127.0.0.1"),
        ("::ffff:8.8.8.8", "8.8.8.8"),
        ("64:ff9b::a00:1", "10.0.0.1"),
        ("64:ff9b::a9fe:a9fe", "169.254.169.254"),
        ("64:ff9b::808:808", "8.8.8.8"),
        ("64:ff9b::", "0.0.0.0"),  # noqa: S104 - an address, not a bind
        ("64:ff9b::ffff:ffff", "255.255.255.255"),
    ],
)
def test_unwrap_mapped_and_nat64(wrapped: str, plain: str) -> None:
    unwrapped = unwrap(ip(wrapped))
    assert isinstance(unwrapped, ipaddress.IPv4Address)
    assert unwrapped == ip(plain)


@pytest.mark.parametrize(
    "address",
    ["10.0.0.1", "8.8.8.8", "::1", "2606:4700:4700::1111", "fc00::1", "64:ff9b:1::a00:1"],
)
def test_unwrap_leaves_other_addresses_alone(address: str) -> None:
    assert unwrap(ip(address)) == ip(address)
    assert type(unwrap(ip(address))) is type(ip(address))


@POLICIES
@pytest.mark.parametrize(
    "url",
    [
        "https://user:secret@hooks.example.com/hook",
        "https://user@hooks.example.com/hook",
        "https://:secret@hooks.example.com/hook",
        "http://user:secret@127.0.0.1:8080/hook",
        "ftp://hooks.example.com/hook",
        "file:///etc/passwd",
        "gopher://hooks.example.com/",
        "ws://127.0.0.1:8080/hook",
        "wss://hooks.example.com/hook",
        "javascript:alert(1)",
        "hooks.example.com/hook",
        "https:///hook",
        "https://hooks.example.com/hook#frag",
        "http://hooks.example.com/hook",
        "http://localhost.example.com/hook",
        "http://127.0.0.1.nip.io/hook",
        "http://2130706433/hook",
        "http://127.1/hook",
    ],
)
def test_refused_urls(policy: AddressPolicy, url: str) -> None:
    with pytest.raises(AddressRefused):
        policy.check_url(url)


def test_plain_http_to_localhost_in_development_only() -> None:
    for url in ("http://localhost:8080/hook", "http://LOCALHOST/hook"):
        DEVELOPMENT.check_url(url)
        with pytest.raises(AddressRefused, match="https"):
            PRODUCTION.check_url(url)


@POLICIES
def test_hostnames_over_https_are_left_to_the_connection(policy: AddressPolicy) -> None:
    # A name cannot be judged before it is resolved: the resolver does it when connecting.
    policy.check_url("https://hooks.supplier.example/ssi")
    policy.check_url("https://localhost:8443/hook")


# --- the resolver -------------------------------------------------------------------------------


async def test_resolver_gives_localhost_only_where_loopback_is_allowed() -> None:
    allowing = GuardedResolver(DEVELOPMENT)
    refusing = GuardedResolver(PRODUCTION)
    try:
        for family in (socket.AF_INET, socket.AF_UNSPEC):
            results = await allowing.resolve("localhost", 443, family)
            assert results
            assert all(ip(r["host"]).is_loopback for r in results)
            assert ip("127.0.0.1") in {ip(r["host"]) for r in results}
            assert {r["port"] for r in results} == {443}
            with pytest.raises(AddressRefused, match="localhost"):
                await refusing.resolve("localhost", 443, family)
        # Numeric hosts resolve too, and are judged the same way.
        with pytest.raises(AddressRefused):
            await refusing.resolve("127.0.0.1", 443)
        assert [r["host"] for r in await allowing.resolve("127.0.0.1", 443)] == ["127.0.0.1"]
    finally:
        await allowing.close()
        await refusing.close()


class FixedResolver(AbstractResolver):
    """Answers every name with the same addresses, as a hostile DNS server might."""

    def __init__(self, addresses: list[str]) -> None:
        self.addresses = addresses
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        return [
            ResolveResult(
                hostname=host,
                host=a,
                port=port,
                family=socket.AF_INET6 if ":" in a else socket.AF_INET,
                proto=0,
                flags=0,
            )
            for a in self.addresses
        ]

    async def close(self) -> None:
        pass


@asynccontextmanager
async def guarded(policy: AddressPolicy, addresses: list[str]) -> AsyncIterator[GuardedResolver]:
    resolver = GuardedResolver(policy)
    await resolver._inner.close()
    resolver._inner = FixedResolver(addresses)  # type: ignore[assignment]
    try:
        yield resolver
    finally:
        await resolver.close()


async def test_resolver_keeps_only_the_allowed_addresses() -> None:
    mixed = ["10.0.0.1", "93.184.215.14", "::ffff:127.0.0.1", "64:ff9b::a9fe:a9fe", "2606::1"]
    async with guarded(PRODUCTION, mixed) as resolver:
        results = await resolver.resolve("hooks.example.com", 443)
        assert [r["host"] for r in results] == ["93.184.215.14", "2606::1"]
    async with guarded(DEVELOPMENT, mixed) as resolver:
        results = await resolver.resolve("hooks.example.com", 443)
        assert [r["host"] for r in results] == ["93.184.215.14", "::ffff:127.0.0.1", "2606::1"]


@POLICIES
async def test_resolver_refuses_a_name_with_no_allowed_address(policy: AddressPolicy) -> None:
    # The rebinding case: a name that passed registration now points at private space.
    private = ["10.0.0.1", "169.254.169.254", "fd00::1", "::ffff:192.168.1.1", "100.64.0.1"]
    async with guarded(policy, private) as resolver:
        with pytest.raises(AddressRefused, match=r"hooks\.example\.com"):
            await resolver.resolve("hooks.example.com", 443)


# --- connect time -------------------------------------------------------------------------------


class Listener:
    """A bare TCP listener on loopback that counts the connections it accepts."""

    def __init__(self) -> None:
        self.connections = 0
        self.port = 0

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        writer.close()


@asynccontextmanager
async def listening() -> AsyncIterator[Listener]:
    listener = Listener()
    server = await asyncio.start_server(listener._handle, "127.0.0.1", 0)
    listener.port = server.sockets[0].getsockname()[1]
    try:
        yield listener
    finally:
        server.close()
        await server.wait_closed()


@asynccontextmanager
async def transport(policy: AddressPolicy) -> AsyncIterator[Transport]:
    t = Transport(policy, timeout=2.0, max_response_bytes=1024, limit=4)
    try:
        yield t
    finally:
        await t.close()


async def test_a_name_is_refused_inside_the_connection() -> None:
    async with listening() as listener:
        url = f"https://localhost:{listener.port}/hook"
        PRODUCTION.check_url(url)  # the URL itself passes: only the address is wrong
        async with transport(PRODUCTION) as strict:
            result = await strict.post(url, "{}", {"content-type": "application/json"})
        assert result.status_code is None
        assert result.error is not None
        assert result.error.startswith("address refused: localhost resolves to no address")
        assert not result.ok
        await asyncio.sleep(0.05)
        assert listener.connections == 0
        # The same URL under a policy that allows loopback does connect: the probe works.
        async with transport(DEVELOPMENT) as lax:
            await lax.post(url, "{}", {"content-type": "application/json"})
        await asyncio.sleep(0.05)
        assert listener.connections == 1


async def test_transport_refuses_before_sending_anything(receiver: Receiver) -> None:
    localhost = f"http://localhost:{receiver.port}/hook"
    async with transport(PRODUCTION) as strict:
        for url in (receiver.url, localhost, f"https://127.0.0.1:{receiver.port}/hook"):
            result = await strict.post(url, "{}", {})
            assert result.status_code is None
            assert result.error is not None
            assert result.error.startswith("address refused"), result.error
    assert receiver.received == []
    async with transport(DEVELOPMENT) as lax:
        result = await lax.post(localhost, '{"a":1}', {"content-type": "application/json"})
    assert result.status_code == 204
    [hook] = receiver.wait_for(1)
    assert hook.body == b'{"a":1}'


def attempts_of(detail: dict[str, Any]) -> list[tuple[int | None, str | None]]:
    return [(a["status_code"], a["error"]) for a in detail["attempts"]]


async def test_delivery_is_refused_at_connect_time_and_recorded(
    harness: Harness, receiver: Receiver
) -> None:
    h = harness
    await seed(h.api, h.tokens)
    await h.sync()
    async with listening() as listener:
        # Both accepted on registration in development (a name, and http to localhost) ...
        by_name = await h.add_endpoint(INSTALLING, f"https://localhost:{listener.port}/hook")
        plain = await h.add_endpoint(INSTALLING, f"http://localhost:{receiver.port}/hook")
        await raise_incident(h.api, h.tokens)
        await h.sync()

        # ... but delivered by a transport whose policy refuses loopback.
        lax = h.runtime.transport
        async with transport(PRODUCTION) as strict:
            h.runtime.transport = strict
            try:
                assert await h.deliver() == 2
            finally:
                h.runtime.transport = lax
        await asyncio.sleep(0.05)
        assert listener.connections == 0
        assert receiver.received == []

        deliveries = {d["endpoint_id"]: d for d in await h.deliveries(INSTALLING)}
        for endpoint, reason in (
            (by_name, "localhost resolves to no address"),
            (plain, "webhook URLs must use https"),
        ):
            delivery = deliveries[endpoint["id"]]
            assert delivery["status"] == "pending"  # a refusal is a failed attempt, retried
            assert delivery["last_error"].startswith(f"address refused: {reason}")
            detail = await h.notifier.get(
                f"/v1/deliveries/{delivery['id']}", headers=h.tokens.party(INSTALLING)
            )
            assert attempts_of(detail.json()) == [(None, delivery["last_error"])]

        # The development transport, on the retry, does connect.
        h.clock.advance(seconds=30)
        assert await h.deliver() == 2
        await asyncio.sleep(0.05)
        assert listener.connections == 1
    [hook] = receiver.wait_for(1)
    assert Webhook(plain["secret"]).verify(hook.body, hook.headers)["type"] == "incident.raised"
    detail = await h.notifier.get(
        f"/v1/deliveries/{deliveries[plain['id']]['id']}", headers=h.tokens.party(INSTALLING)
    )
    assert detail.json()["status"] == "succeeded"
    assert [a["status_code"] for a in detail.json()["attempts"]] == [None, 204]


# --- the HTTP API ------------------------------------------------------------------------------

REFUSED_EVERYWHERE = [
    "http://hooks.example.com/hook",
    "http://93.184.215.14/hook",
    "http://10.0.0.1/hook",
    "http://[::ffff:10.0.0.1]/hook",
    "https://10.0.0.1/hook",
    "https://172.16.0.1/hook",
    "https://172.31.255.254/hook",
    "https://192.168.1.1/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://169.254.10.10/hook",
    "https://[fe80::1]/hook",
    "https://100.64.0.1/hook",
    "https://100.127.255.254/hook",
    "https://0.0.0.0/hook",
    "https://[::]/hook",
    "https://[::ffff:10.0.0.1]/hook",
    "https://[64:ff9b::a00:1]/hook",
    "https://[64:ff9b::a9fe:a9fe]/hook",
    "https://[fc00::1]/hook",
    "https://[fd00:1234::1]/hook",
    "https://user:pass@hooks.example.com/hook",
    "https://user@hooks.example.com/hook",
    "https://hooks.example.com/hook#fragment",
]
MALFORMED = [
    "ftp://hooks.example.com/hook",
    "file:///etc/passwd",
    "gopher://hooks.example.com/",
    "javascript:alert(1)",
    "hooks.example.com/hook",
    "https://hooks.example.com/a hook",
    "HTTPS://hooks.example.com/hook",
]
ACCEPTED_EVERYWHERE = [
    "https://hooks.supplier.example/ssi",
    "https://hooks.supplier.example:8443/ssi?tenant=1",
    "https://93.184.215.14/hook",
    "https://[2606:4700:4700::1111]/hook",
    "https://[::ffff:8.8.8.8]/hook",
    "https://[64:ff9b::808:808]/hook",
]
LOOPBACK_URLS = [
    "http://127.0.0.1:9000/hook",
    "http://localhost:9000/hook",
    "http://[::1]:9000/hook",
    "http://[::ffff:127.0.0.1]:9000/hook",
    "https://127.0.0.1:9000/hook",
    "https://[::1]:9000/hook",
]


@asynccontextmanager
async def production_like(
    h: Harness, settings: Settings, clock: FrozenClock
) -> AsyncIterator[httpx.AsyncClient]:
    """The same notifier and database with loopback refused, as outside development."""
    strict = settings.model_copy(update={"allow_loopback_http": False})
    assert strict.loopback_allowed() is False
    app = create_app(strict, clock=clock, background=False, api=h.feed)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://notifier.test") as n:
            yield n


@pytest.fixture
async def world(harness: Harness) -> Harness:
    await seed(harness.api, harness.tokens)
    await harness.sync()
    return harness


def refused(response: httpx.Response, slug: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert (body["status"], body["type"].rsplit("/", 1)[1]) == (422, slug), body


async def check_api(
    notifier: httpx.AsyncClient,
    h: Harness,
    refused_urls: list[str],
    malformed_urls: list[str],
    accepted_urls: list[str],
) -> None:
    headers = h.tokens.party(GAINING)
    base = "https://hooks.supplier.example/base"
    created = await notifier.post("/v1/endpoints", headers=headers, json={"url": base})
    assert created.status_code == 201, created.text
    one = f"/v1/endpoints/{created.json()['id']}"

    for urls, slug in ((refused_urls, "invalid-endpoint-url"), (malformed_urls, "validation")):
        for url in urls:
            answer = await notifier.post("/v1/endpoints", headers=headers, json={"url": url})
            refused(answer, slug)
            refused(await notifier.patch(one, headers=headers, json={"url": url}), slug)
    listing = (await notifier.get("/v1/endpoints", headers=headers)).json()["items"]
    assert [(e["id"], e["url"]) for e in listing] == [(created.json()["id"], base)]

    for url in accepted_urls:
        answer = await notifier.post("/v1/endpoints", headers=headers, json={"url": url})
        assert answer.status_code == 201, (url, answer.text)
        assert answer.json()["url"] == url
        patched = await notifier.patch(one, headers=headers, json={"url": url})
        assert (patched.status_code, patched.json()["url"]) == (200, url)


async def test_api_refuses_urls_in_development(world: Harness) -> None:
    await check_api(
        world.notifier,
        world,
        REFUSED_EVERYWHERE,
        MALFORMED,
        ACCEPTED_EVERYWHERE + LOOPBACK_URLS + ["https://localhost:9000/hook"],
    )


async def test_api_refuses_loopback_too_outside_development(
    world: Harness, notifier_settings: Settings, clock: FrozenClock
) -> None:
    loopback_by_literal = [u for u in LOOPBACK_URLS if "localhost" not in u]
    async with production_like(world, notifier_settings, clock) as strict:
        await check_api(
            strict,
            world,
            REFUSED_EVERYWHERE + LOOPBACK_URLS,
            MALFORMED,
            ACCEPTED_EVERYWHERE,
        )
        # The same literal addresses the development notifier accepts.
        for url in loopback_by_literal:
            answer = await world.notifier.post(
                "/v1/endpoints", headers=world.tokens.party(GAINING), json={"url": url}
            )
            assert answer.status_code == 201, answer.text


def test_the_settings_never_allow_loopback_outside_development(
    notifier_settings: Settings,
) -> None:
    assert notifier_settings.loopback_allowed() is True
    production = notifier_settings.common.model_copy(update={"env": "production"})
    for asked in (None, True, False):
        settings = notifier_settings.model_copy(
            update={"common": production, "allow_loopback_http": asked}
        )
        assert settings.loopback_allowed() is False
    off = notifier_settings.model_copy(update={"allow_loopback_http": False})
    assert off.loopback_allowed() is False
