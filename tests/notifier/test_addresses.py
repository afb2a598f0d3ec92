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
from urllib.parse import urlsplit

import aiohttp
import httpx
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult
from sqlmodel import col, update
from standardwebhooks.webhooks import Webhook
from yarl import URL

from services.common.clock import FrozenClock
from services.notifier.app import create_app
from services.notifier.endpoints.models import Endpoint
from services.notifier.settings import Settings
from services.notifier.transports.addresses import AddressPolicy, AddressRefused, unwrap
from services.notifier.transports.webhook import Transport
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


# Hosts that yarl, and so aiohttp, normalise to a refused IP literal: fullwidth digits,
# ideographic full stops, a circled number. Each with the address aiohttp would connect to.
UNICODE_FORMS = [
    ("https://\uff11\uff10.\uff11.\uff12.\uff13:9443/x", "10.1.2.3"),
    ("https://169\u3002254\u3002169\u3002254/", "169.254.169.254"),
    ("https://\u2469.1.2.3/", "10.1.2.3"),
    ("https://100.64.1.\uff11/", "100.64.1.1"),
    ("https://\uff11\uff12\uff17.\uff10.\uff10.\uff11/", "127.0.0.1"),
]
UNICODE_URLS = pytest.mark.parametrize(
    ("url", "connects_to"), UNICODE_FORMS, ids=[a for _, a in UNICODE_FORMS]
)


@POLICIES
@UNICODE_URLS
def test_unicode_forms_are_judged_as_the_address_connected_to(
    policy: AddressPolicy, url: str, connects_to: str
) -> None:
    assert URL(url).raw_host == connects_to  # what aiohttp resolves or connects to
    with pytest.raises(AddressRefused):
        policy.check_url(url)
    with pytest.raises(AddressRefused):
        policy.check_url(url.replace("https://", "http://", 1))


@POLICIES
@pytest.mark.parametrize(
    "url",
    [
        "https://\uff18.\uff18.\uff18.\uff18/hook",
        "https://8\u30028\u30028\u30028/hook",
        "https://[\uff12606:4700:4700::1111]/hook",
        "https://127\u30020\u30020\u30021\u3002/hook",
    ],
)
def test_an_address_must_be_written_as_the_one_connected_to(
    policy: AddressPolicy, url: str
) -> None:
    # Even an allowed address: the stored URL must say where webhooks actually go.
    with pytest.raises(AddressRefused, match=r"canonical|cannot be parsed"):
        policy.check_url(url)


def test_development_loopback_must_be_written_in_ascii_too() -> None:
    DEVELOPMENT.check_url("http://127.0.0.1:9000/hook")
    for url in ("http://127\u30020\u30020\u30021:9000/hook", "http://[\uff1a:1]:9000/hook"):
        with pytest.raises(AddressRefused, match=r"canonical|cannot be parsed"):
            DEVELOPMENT.check_url(url)


@POLICIES
def test_international_names_are_left_to_the_connection(policy: AddressPolicy) -> None:
    policy.check_url("https://b\u00fccher.example/hook")
    policy.check_url("https://xn--bcher-kva.example/hook")


@POLICIES
@pytest.mark.parametrize(
    "url",
    [
        "http://\u00a7[\u008bb",
        "http://\u00a7[b",
        "https://[::1/hook",
        "https://hooks.example.com/a\x00b",
        "https://hooks.ex\x00ample.com/hook",
        "https://127.0.0.1\x00.example.com/hook",
        "https://hooks.example.com/\x7f",
        "https://hooks.example.com/\u0085",
        "https://127.0.0.1\u200b/hook",
    ],
)
def test_unparseable_urls_and_control_characters_are_refused(
    policy: AddressPolicy, url: str
) -> None:
    with pytest.raises(AddressRefused, match=r"control characters|cannot be parsed"):
        policy.check_url(url)


# --- the connection -----------------------------------------------------------------------------


def addr_info(address: str, port: int = 443) -> tuple[Any, ...]:
    if ":" in address:
        return (socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port, 0, 0))
    return (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))


@POLICIES
@pytest.mark.parametrize("address", NEVER + LOOPBACK + PUBLIC)
def test_a_socket_only_for_an_allowed_address(policy: AddressPolicy, address: str) -> None:
    # Only a socket is made, never connected: nothing leaves this machine.
    if policy.allows_address(ip(address)):
        policy.open_socket(addr_info(address)).close()
    else:
        with pytest.raises(AddressRefused):
            policy.open_socket(addr_info(address))


class Listener:
    """A bare TCP listener on loopback that records, in order, the peer of each connection."""

    def __init__(self) -> None:
        self.port = 0
        self.peers: asyncio.Queue[tuple[str, int]] = asyncio.Queue()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.peers.put_nowait(writer.get_extra_info("peername")[:2])
        writer.close()

    async def next_peer(self) -> tuple[str, int]:
        return await asyncio.wait_for(self.peers.get(), timeout=10)

    async def assert_untouched(self) -> None:
        """Nothing connected before now: connections are accepted in the order they were made,
        so the first one this listener sees must be a probe made here and now."""
        _, probe = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            assert await self.next_peer() == probe.get_extra_info("sockname")[:2]
        finally:
            probe.close()


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


class FixedResolver(AbstractResolver):
    """Answers every name with the same addresses, as a hostile DNS server might."""

    def __init__(self, addresses: list[str]) -> None:
        self.addresses = addresses

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
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


async def connect_error(
    policy: AddressPolicy, url: str, resolver: AbstractResolver | None = None
) -> BaseException | None:
    """GET `url` through aiohttp with the policy's sockets; the cause of a failed connection."""
    connector = aiohttp.TCPConnector(socket_factory=policy.open_socket, resolver=resolver)
    async with aiohttp.ClientSession(connector=connector) as session:
        try:
            async with session.get(url):
                return None
        except aiohttp.ClientConnectorError as exc:
            return exc.__cause__
        except aiohttp.ClientError:
            return None  # connected; the bare listener hung up without answering


async def test_the_connection_refuses_ip_literals_too() -> None:
    # The bypass: aiohttp connects to an IP literal without asking any resolver.
    async with listening() as listener:
        for host in ("127.0.0.1", "\uff11\uff12\uff17.\uff10.\uff10.\uff11"):
            url = f"http://{host}:{listener.port}/hook"
            assert isinstance(await connect_error(PRODUCTION, url), AddressRefused)
        await listener.assert_untouched()
        assert await connect_error(DEVELOPMENT, f"http://127.0.0.1:{listener.port}/") is None
        await listener.next_peer()


async def test_a_name_pointed_at_private_space_is_refused_when_connecting() -> None:
    # The rebinding case: a name that passed registration now resolves to refused addresses.
    private = ["10.0.0.1", "169.254.169.254", "fd00::1", "100.64.0.1", "127.0.0.1", "::1"]
    async with listening() as listener:
        url = f"https://hooks.example.com:{listener.port}/hook"
        PRODUCTION.check_url(url)
        refusal = await connect_error(PRODUCTION, url, FixedResolver(private))
        assert isinstance(refusal, AddressRefused)
        await listener.assert_untouched()
        # Of a private and a loopback address, development connects to the loopback one only.
        mixed = FixedResolver(["10.0.0.1", "127.0.0.1"])
        assert await connect_error(DEVELOPMENT, url.replace("https", "http"), mixed) is None
        await listener.next_peer()


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
        assert result.error == "address refused: the host's address is not a public one"
        assert not result.ok
        await listener.assert_untouched()
        # The same URL under a policy that allows loopback does connect: the probe works.
        async with transport(DEVELOPMENT) as lax:
            await lax.post(url, "{}", {"content-type": "application/json"})
        await listener.next_peer()


def on_port(url: str, port: int) -> str:
    """`url` with its port replaced and its host kept as written."""
    parts = urlsplit(url)
    return parts._replace(netloc=f"{parts.hostname}:{port}").geturl()


@UNICODE_URLS
async def test_transport_refuses_unicode_forms_without_connecting(
    url: str, connects_to: str
) -> None:
    if connects_to != "127.0.0.1":
        # So that a regression fails here rather than sending packets off this machine.
        with pytest.raises(AddressRefused):
            PRODUCTION.check_url(url)
    async with listening() as listener:
        url = on_port(url, listener.port)  # the loopback form would reach the listener
        assert (URL(url).raw_host, URL(url).port) == (connects_to, listener.port)
        async with transport(PRODUCTION) as strict:
            result = await strict.post(url, "{}", {"content-type": "application/json"})
        assert result.status_code is None
        assert result.error is not None
        assert result.error.startswith("address refused: "), result.error
        await listener.assert_untouched()


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
        await listener.assert_untouched()
        assert receiver.received == []

        deliveries = {d["endpoint_id"]: d for d in await h.deliveries(INSTALLING)}
        for endpoint, reason in (
            (by_name, "the host's address is not a public one"),
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
        await listener.next_peer()
    [hook] = receiver.wait_for(1)
    assert Webhook(plain["secret"]).verify(hook.body, hook.headers)["type"] == "incident.raised"
    detail = await h.notifier.get(
        f"/v1/deliveries/{deliveries[plain['id']]['id']}", headers=h.tokens.party(INSTALLING)
    )
    assert detail.json()["status"] == "succeeded"
    assert [a["status_code"] for a in detail.json()["attempts"]] == [None, 204]


async def test_a_unicode_url_stored_earlier_is_refused_at_delivery(harness: Harness) -> None:
    """URLs registered before registration judged them as aiohttp does are still in the table."""
    h = harness
    await seed(h.api, h.tokens)
    await h.sync()
    async with listening() as listener:
        endpoint = await h.add_endpoint(INSTALLING, f"http://127.0.0.1:{listener.port}/hook")
        disguised = on_port(UNICODE_FORMS[-1][0], listener.port)
        async with h.runtime.sessions() as session, session.begin():
            await session.exec(
                update(Endpoint).where(col(Endpoint.id) == endpoint["id"]).values(url=disguised)
            )
        await raise_incident(h.api, h.tokens)
        await h.sync()

        lax = h.runtime.transport
        async with transport(PRODUCTION) as strict:
            h.runtime.transport = strict
            try:
                assert await h.deliver() == 1
            finally:
                h.runtime.transport = lax
        await listener.assert_untouched()

    [delivery] = await h.deliveries(INSTALLING)
    assert delivery["status"] == "pending"
    assert delivery["last_error"] == "address refused: the address is not a public one"
    detail = await h.notifier.get(
        f"/v1/deliveries/{delivery['id']}", headers=h.tokens.party(INSTALLING)
    )
    assert attempts_of(detail.json()) == [(None, delivery["last_error"])]


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


async def test_api_refuses_unicode_forms_of_refused_addresses_in_development(
    world: Harness,
) -> None:
    await check_api(world.notifier, world, [url for url, _ in UNICODE_FORMS], [], [])


async def test_api_refuses_unicode_forms_of_refused_addresses_outside_development(
    world: Harness, notifier_settings: Settings, clock: FrozenClock
) -> None:
    async with production_like(world, notifier_settings, clock) as strict:
        await check_api(strict, world, [url for url, _ in UNICODE_FORMS], [], [])


async def test_api_refuses_unparseable_urls_and_control_characters(world: Harness) -> None:
    # Each was a 500: the parser's ValueError, or PostgreSQL refusing a NUL.
    urls = [
        "http://\u00a7[\u008bb",
        "http://\u00a7[b",
        "https://hooks.example.com/a\x00b",
        "https://hooks.ex\x00ample.com/hook",
    ]
    await check_api(world.notifier, world, urls, ["https://hooks.example.com/\u0085"], [])


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
