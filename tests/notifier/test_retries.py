"""Retries against real receivers (DESIGN §5): the schedule, `Retry-After`, 410, dead letters,
automatic disabling, badly behaved receivers and per-endpoint concurrency.

The clock is frozen: a retry becomes due only when the test advances it, so nothing here sleeps
to wait for one. Receivers are real sockets on loopback: the uvicorn receiver of tests/receiver.py,
and `RawServer` below for what uvicorn will not do (hang, close without answering, answer
garbage, stream a huge body, hold requests until released).
"""

import asyncio
import contextlib
import dataclasses
import functools
import json
import tracemalloc
import zlib
from collections import deque
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from standardwebhooks.webhooks import Webhook

from services.notifier.delivery import policy as delivery_policy
from services.notifier.delivery import service as delivery_service
from services.notifier.feed.models import FeedCursor
from services.notifier.settings import DEFAULT_RETRY_SCHEDULE, Settings
from tests.incident_api.world import (
    CODE,
    CODE_WITH_CRC,
    GAINING,
    INSTALLING,
    act,
    put_device,
    raise_incident,
    resolve_with_code,
    seed,
)
from tests.notifier.harness import Harness, claim, record_many
from tests.receiver import Answer, Receiver, free_port, running_receiver

JITTER = 0.2
FIRST = DEFAULT_RETRY_SCHEDULE[0]
"""The first retry falls due between FIRST * (1 - JITTER) and FIRST * (1 + JITTER)."""
HUGE_BYTES = 64 * 1024 * 1024
"""Far more than socket buffers hold: a client that stops reading stops the server writing."""
BOMB_BYTES = 128 * 1024 * 1024


@functools.cache
def gzip_bomb() -> bytes:
    """BOMB_BYTES of "A", gzip-compressed to a few hundred KiB."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"A" * (1024 * 1024)
    parts = [compressor.compress(block) for _ in range(BOMB_BYTES // len(block))]
    return b"".join([*parts, compressor.flush()])


@pytest.fixture
def notifier_settings(notifier_settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """The suite's settings, with per-test overrides by indirect parametrization."""
    overrides: dict[str, Any] = getattr(request, "param", {})
    return notifier_settings.model_copy(update=overrides)


def settings(**overrides: Any) -> pytest.MarkDecorator:
    ids = ",".join(f"{k}={v}" for k, v in overrides.items())
    return pytest.mark.parametrize("notifier_settings", [overrides], indirect=True, ids=[ids])


# --- A raw HTTP-ish server, for receivers uvicorn cannot imitate -------------------------------


class RawServer:
    """A TCP server on loopback answering one request per connection, as scripted.

    `behaviours` is consumed one per connection (`default` when empty): `ok` (204), `hang` (answer
    204 only after `hang_seconds`), `wait` (answer 204 once `release` is set), `close` (read the
    request, close without answering), `garbage` (answer bytes that are not HTTP), `huge` (a 500
    whose 64 MB body is streamed for as long as the client reads), `bomb` (a 500 whose small
    gzip body inflates to 128 MB).
    """

    def __init__(self, hang_seconds: float = 0.0) -> None:
        self.behaviours: deque[str] = deque()
        self.default = "ok"
        self.hang_seconds = hang_seconds
        self.release = asyncio.Event()
        self.connections = 0
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.open_requests = 0
        self.max_open_requests = 0
        self.huge_sent: list[int] = []
        self.huge_done = asyncio.Event()
        self._handlers: set[asyncio.Task[Any]] = set()
        self._server: asyncio.Server | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self.connections += 1
        behaviour = self.behaviours.popleft() if self.behaviours else self.default
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")[1:]
            headers = {
                k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)
            }
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.requests.append((headers, body))
            self.open_requests += 1
            self.max_open_requests = max(self.max_open_requests, self.open_requests)
            try:
                await self._answer(behaviour, writer)
            finally:
                self.open_requests -= 1
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            self._handlers.discard(task)

    async def _answer(self, behaviour: str, writer: asyncio.StreamWriter) -> None:
        no_content = b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"
        if behaviour == "ok":
            writer.write(no_content)
        elif behaviour == "hang":
            await asyncio.sleep(self.hang_seconds)
            writer.write(no_content)  # too late: the notifier has given up
        elif behaviour == "wait":
            await self.release.wait()
            writer.write(no_content)
        elif behaviour == "close":
            return
        elif behaviour == "garbage":
            writer.write(b"SSH-2.0-OpenSSH_9.6\r\n\x00\xff\xfe not a status line \x1b[2J\r\n\r\n")
        elif behaviour == "bomb":
            body = gzip_bomb()
            writer.write(
                b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\n"
                b"Content-Encoding: gzip\r\nConnection: close\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
        elif behaviour == "huge":
            await self._stream_huge(writer)
            return
        else:
            raise AssertionError(behaviour)
        await writer.drain()

    async def _stream_huge(self, writer: asyncio.StreamWriter) -> None:
        sent = 0
        try:
            writer.write(
                b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\n"
                + f"Content-Length: {HUGE_BYTES}\r\nConnection: close\r\n\r\n".encode()
            )
            chunk = bytes(range(ord("a"), ord("z") + 1)) * (64 * 1024 // 26 + 1)
            chunk = chunk[: 64 * 1024]
            while sent < HUGE_BYTES:
                writer.write(chunk)
                await writer.drain()
                sent += len(chunk)
        except ConnectionError:
            pass
        finally:
            self.huge_sent.append(sent)
            self.huge_done.set()


@contextlib.asynccontextmanager
async def raw_server(hang_seconds: float = 0.0) -> AsyncIterator[RawServer]:
    server = RawServer(hang_seconds)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


# --- helpers -----------------------------------------------------------------------------------


async def start(harness: Harness) -> None:
    await seed(harness.api, harness.tokens)
    await harness.sync()


async def raise_on_new_devices(
    harness: Harness, count: int, first: int = 0, handoff: bool = False
) -> list[dict[str, Any]]:
    """`count` incidents, each on a Device of its own, followed into the notifier."""
    incidents = []
    for n in range(first, first + count):
        device = f"00-DB-12-34-56-78-9F-{n:02X}"
        await put_device(harness.api, harness.tokens, device)
        incidents.append(await raise_incident(harness.api, harness.tokens, device_id=device))
    await harness.sync(handoff)
    return incidents


async def delivery(harness: Harness, party: str, delivery_id: str) -> dict[str, Any]:
    response = await harness.notifier.get(
        f"/v1/deliveries/{delivery_id}", headers=harness.tokens.party(party)
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def endpoint(harness: Harness, party: str, endpoint_id: str) -> dict[str, Any]:
    response = await harness.notifier.get(
        f"/v1/endpoints/{endpoint_id}", headers=harness.tokens.party(party)
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def retry(harness: Harness, party: str, delivery_id: str) -> httpx.Response:
    return await harness.notifier.post(
        f"/v1/deliveries/{delivery_id}/retry", headers=harness.tokens.party(party)
    )


async def only_delivery(harness: Harness, party: str, **filters: str) -> dict[str, Any]:
    [item] = await harness.deliveries(party, **filters)
    return await delivery(harness, party, item["id"])


def at(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


async def not_due_then_due(harness: Harness, seconds: float, slack: float = 1.0) -> None:
    """Nothing is sent `slack` before `seconds` from now; exactly one is sent `slack` after."""
    harness.clock.advance(seconds=seconds - slack)
    assert await harness.deliver() == 0
    harness.clock.advance(seconds=2 * slack)
    assert await harness.deliver() == 1


async def past_retry(harness: Harness, base: float) -> int:
    """Nothing is sent before the earliest a retry `base` seconds on may fall (jitter below);
    it is sent after the latest (jitter above). Returns how many were sent."""
    harness.clock.advance(seconds=base * (1 - JITTER) - 0.1)
    assert await harness.deliver() == 0
    harness.clock.advance(seconds=base * 2 * JITTER + 0.2)
    return await harness.deliver()


async def past_first_retry(harness: Harness) -> int:
    return await past_retry(harness, FIRST)


# --- same webhook-id, fresh signature ----------------------------------------------------------


class WallClock(datetime):
    """Stands in for `datetime` where the notifier signs: real time, as the test sets it."""

    current: datetime = datetime.now(UTC)

    @classmethod
    def now(cls, tz: Any = None) -> "WallClock":
        return cls.current  # type: ignore[return-value]


@pytest.fixture
def wall_clock(monkeypatch: pytest.MonkeyPatch) -> type[WallClock]:
    monkeypatch.setattr(delivery_service, "datetime", WallClock)
    return WallClock


async def test_every_attempt_has_the_same_webhook_id_and_a_fresh_signature(
    harness: Harness, receiver: Receiver, wall_clock: type[WallClock]
) -> None:
    await start(harness)
    hook = await harness.add_endpoint(INSTALLING, receiver.url)
    receiver.answers.extend([Answer(500), Answer(503)])
    await raise_incident(harness.api, harness.tokens)
    await harness.sync()
    real = datetime.now(UTC).replace(microsecond=0)
    # Receivers reject timestamps more than 5 minutes off: each attempt is signed when it is sent.
    signed_at = [real - timedelta(seconds=240), real - timedelta(seconds=120), real]
    wall_clock.current = signed_at[0]
    assert await harness.deliver() == 1
    wall_clock.current = signed_at[1]
    assert await past_first_retry(harness) == 1
    wall_clock.current = signed_at[2]
    harness.clock.advance(seconds=DEFAULT_RETRY_SCHEDULE[1] * (1 + JITTER) + 1)
    assert await harness.deliver() == 1
    hooks = receiver.wait_for(3)
    assert len(hooks) == 3
    assert len({h.headers["webhook-id"] for h in hooks}) == 1
    assert [int(h.headers["webhook-timestamp"]) for h in hooks] == [
        int(s.timestamp()) for s in signed_at
    ]
    assert len({h.headers["webhook-signature"] for h in hooks}) == 3
    assert len({h.body for h in hooks}) == 1
    verifier = Webhook(hook["secret"])
    for h in hooks:
        assert verifier.verify(h.body, h.headers)["type"] == "incident.raised"
    # A signature is bound to its own timestamp: an old one does not verify with a new timestamp.
    forged = {**hooks[2].headers, "webhook-signature": hooks[0].headers["webhook-signature"]}
    with pytest.raises(Exception, match=r"(?i)signature"):
        verifier.verify(hooks[2].body, forged)
    found = await only_delivery(harness, INSTALLING)
    assert found["status"] == "succeeded"
    assert found["webhook_id"] == hooks[0].headers["webhook-id"]
    assert [a["status_code"] for a in found["attempts"]] == [500, 503, 204]


# --- receiver down, then up --------------------------------------------------------------------


async def test_a_receiver_that_is_down_gets_the_webhook_once_it_is_up(harness: Harness) -> None:
    await start(harness)
    port = free_port()  # nothing listens here yet
    hook = await harness.add_endpoint(INSTALLING, f"http://127.0.0.1:{port}/hook")
    await raise_incident(harness.api, harness.tokens)
    await harness.sync()
    failed_at = harness.clock.now()
    assert await harness.deliver() == 1

    found = await only_delivery(harness, INSTALLING)
    assert found["status"] == "pending"
    assert found["attempt_count"] == 1
    assert found["last_status_code"] is None
    assert found["last_error"].startswith("connection failed")
    [attempt] = found["attempts"]
    assert attempt["status_code"] is None
    assert attempt["error"].startswith("connection failed")
    assert attempt["response_excerpt"] is None
    due = at(found["next_attempt_at"]) - failed_at
    assert timedelta(seconds=FIRST * (1 - JITTER)) <= due <= timedelta(seconds=FIRST * (1 + JITTER))

    with running_receiver(port) as receiver:
        assert await past_first_retry(harness) == 1
        [received] = receiver.wait_for(1)
    assert Webhook(hook["secret"]).verify(received.body, received.headers)
    assert received.headers["webhook-id"] == found["webhook_id"]
    found = await only_delivery(harness, INSTALLING)
    assert found["status"] == "succeeded"
    assert found["last_error"] is None
    assert found["next_attempt_at"] is None
    assert [a["status_code"] for a in found["attempts"]] == [None, 204]


# --- 5xx and 3xx -------------------------------------------------------------------------------


async def test_a_500_is_retried_until_it_succeeds(harness: Harness, receiver: Receiver) -> None:
    await start(harness)
    await harness.add_endpoint(INSTALLING, receiver.url)
    receiver.answers.append(Answer(500, body=b"database on fire"))
    await raise_incident(harness.api, harness.tokens)
    await harness.sync()
    assert await harness.deliver() == 1
    found = await only_delivery(harness, INSTALLING)
    assert (found["status"], found["last_status_code"]) == ("pending", 500)
    assert found["attempts"][0]["response_excerpt"] == "database on fire"
    assert await past_first_retry(harness) == 1
    first, second = receiver.wait_for(2)
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    found = await only_delivery(harness, INSTALLING)
    assert (found["status"], found["attempt_count"]) == ("succeeded", 2)
    assert await harness.deliver() == 0


@pytest.mark.parametrize("status", [302, 307])
async def test_a_redirect_is_a_failure_and_is_not_followed(
    harness: Harness, receiver: Receiver, status: int
) -> None:
    await start(harness)
    await harness.add_endpoint(INSTALLING, receiver.url)
    async with raw_server() as target:
        receiver.answers.append(Answer(status, headers={"Location": target.url}))
        await raise_incident(harness.api, harness.tokens)
        await harness.sync()
        assert await harness.deliver() == 1
        found = await only_delivery(harness, INSTALLING)
        assert found["status"] == "pending"
        assert found["last_status_code"] == status
        assert found["attempts"][0]["status_code"] == status
        assert target.connections == 0  # the redirect target is never requested
        assert await past_first_retry(harness) == 1
        assert target.connections == 0
    assert len(receiver.wait_for(2)) == 2
    assert (await only_delivery(harness, INSTALLING))["status"] == "succeeded"


# --- Retry-After -------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["seconds", "http-date"])
async def test_retry_after_is_honoured(harness: Harness, receiver: Receiver, form: str) -> None:
    await start(harness)
    await harness.add_endpoint(INSTALLING, receiver.url)
    wait = 600
    failed_at = harness.clock.now()
    value = (
        str(wait)
        if form == "seconds"
        else format_datetime(failed_at + timedelta(seconds=wait), usegmt=True)
    )
    receiver.answers.append(Answer(503, headers={"Retry-After": value}))
    await raise_incident(harness.api, harness.tokens)
    await harness.sync()
    assert await harness.deliver() == 1
    found = await only_delivery(harness, INSTALLING)
    assert at(found["next_attempt_at"]) == failed_at + timedelta(seconds=wait)
    # Past the scheduled first retry, but not yet what the receiver asked for.
    harness.clock.advance(seconds=FIRST * (1 + JITTER) + 1)
    assert await harness.deliver() == 0
    harness.clock.set(failed_at + timedelta(seconds=wait - 1))
    assert await harness.deliver() == 0
    harness.clock.advance(seconds=2)
    assert await harness.deliver() == 1
    assert len(receiver.wait_for(2)) == 2
    assert (await only_delivery(harness, INSTALLING))["status"] == "succeeded"


@settings(retry_after_max_seconds=60)
async def test_retry_after_is_bounded(harness: Harness, receiver: Receiver) -> None:
    await start(harness)
    await harness.add_endpoint(INSTALLING, receiver.url)
    receiver.answers.append(Answer(429, headers={"Retry-After": str(7 * 24 * 3600)}))
    failed_at = harness.clock.now()
    await raise_incident(harness.api, harness.tokens)
    await harness.sync()
    assert await harness.deliver() == 1
    found = await only_delivery(harness, INSTALLING)
    assert at(found["next_attempt_at"]) == failed_at + timedelta(seconds=60)
    await not_due_then_due(harness, 60)
    assert (await only_delivery(harness, INSTALLING))["status"] == "succeeded"


async def test_an_unreadable_retry_after_falls_back_to_the_schedule(
    harness: Harness, receiver: Receiver
) -> None:
    await start(harness)
    await harness.add_endpoint(INSTALLING, receiver.url)
    receiver.answers.append(Answer(503, headers={"Retry-After": "whenever you like"}))
    await raise_incident(harness.api, harness.tokens)
    await harness.sync()
    assert await harness.deliver() == 1
    assert await past_first_retry(harness) == 1
    assert (await only_delivery(harness, INSTALLING))["status"] == "succeeded"


# --- 410 ---------------------------------------------------------------------------------------


async def test_410_disables_the_endpoint_at_once_and_tells_the_other_endpoints(
    harness: Harness, receiver: Receiver
) -> None:
    await start(harness)
    gone = await harness.add_endpoint(INSTALLING, receiver.url)
    with running_receiver() as other:
        watcher = await harness.add_endpoint(
            INSTALLING, other.url, event_types=["endpoint.disabled"]
        )
        # Another party's endpoint hears nothing of it.
        await harness.add_endpoint(GAINING, other.url)
        receiver.answers.append(Answer(410, body=b"no such hook"))
        incident = await raise_incident(harness.api, harness.tokens)
        await harness.sync()
        disabled_at = harness.clock.now()
        # The 410, then the endpoint.disabled announcement it caused, to the watcher and by
        # email to the party's ops contact.
        assert await harness.deliver() == 3
        assert harness.mailed() == [
            (f"ops@{INSTALLING.lower()}.example", "[SSI] Endpoint disabled")
        ]
        [announced] = other.wait_for(1)
        assert len(other.received) == 1

    body = Webhook(watcher["secret"]).verify(announced.body, announced.headers)
    assert body["type"] == "endpoint.disabled"
    assert body["data"]["endpoint_id"] == gone["id"]
    assert body["data"]["party_id"] == INSTALLING
    assert body["data"]["reason"] == "gone"

    state = await endpoint(harness, INSTALLING, gone["id"])
    assert state["enabled"] is False
    assert state["disabled_reason"] == "gone"
    assert at(state["disabled_at"]) == disabled_at
    assert (await endpoint(harness, INSTALLING, watcher["id"]))["enabled"] is True

    dead = await only_delivery(harness, INSTALLING, endpoint_id=gone["id"])
    assert dead["status"] == "dead"
    assert dead["attempt_count"] == 1
    assert dead["attempts"][0]["status_code"] == 410
    assert dead["next_attempt_at"] is None

    # Later events for the disabled endpoint are skipped, never sent.
    response = await act(harness.api, harness.tokens, GAINING, incident["id"], "cancel", {})
    assert response.status_code == 200, response.text
    await harness.sync()
    harness.clock.advance(hours=30)
    assert await harness.deliver() == 1  # to the ops contact: no endpoint of the party is on
    statuses = {
        d["event_type"]: d["status"]
        for d in await harness.deliveries(INSTALLING, endpoint_id=gone["id"])
    }
    assert statuses == {"incident.raised": "dead", "incident.cancelled": "skipped"}
    assert len(receiver.received) == 1


# --- dead, and retried by hand -----------------------------------------------------------------


async def test_after_the_last_attempt_the_delivery_is_dead_and_can_be_retried(
    harness: Harness, receiver: Receiver
) -> None:
    await start(harness)
    await harness.add_endpoint(INSTALLING, receiver.url)
    attempts = 1 + len(DEFAULT_RETRY_SCHEDULE)
    receiver.answers.extend(Answer(500) for _ in range(attempts))
    await raise_incident(harness.api, harness.tokens)
    await harness.sync()
    assert await harness.deliver() == 1
    [item] = await harness.deliveries(INSTALLING)

    response = await retry(harness, INSTALLING, item["id"])
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "pending" in response.json()["detail"]

    # Each retry waits for its turn in the schedule (within the jitter), no earlier.
    for delay in DEFAULT_RETRY_SCHEDULE:
        assert await past_retry(harness, delay) == 1
    found = await delivery(harness, INSTALLING, item["id"])
    assert found["status"] == "dead"
    assert found["attempt_count"] == attempts
    assert found["next_attempt_at"] is None
    assert [a["status_code"] for a in found["attempts"]] == [500] * attempts
    assert await harness.deliveries(INSTALLING, status="dead") != []
    harness.clock.advance(days=30)
    assert await harness.deliver() == 0  # dead stays dead
    assert len(receiver.wait_for(attempts)) == attempts

    # Another party cannot retry it.
    assert (await retry(harness, GAINING, item["id"])).status_code == 404
    response = await retry(harness, INSTALLING, item["id"])
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "pending"
    assert await harness.deliver() == 1
    hooks = receiver.wait_for(attempts + 1)
    assert len({h.headers["webhook-id"] for h in hooks}) == 1
    found = await delivery(harness, INSTALLING, item["id"])
    assert found["status"] == "succeeded"
    assert len(found["attempts"]) == attempts + 1
    assert [a["number"] for a in found["attempts"]] == list(range(1, attempts + 2))

    response = await retry(harness, INSTALLING, item["id"])
    assert response.status_code == 409
    assert "succeeded" in response.json()["detail"]


# --- attempts as GET /v1/deliveries/{id} shows them --------------------------------------------


async def test_attempts_show_status_latency_truncated_answer_or_error(
    harness: Harness, receiver: Receiver
) -> None:
    await start(harness)
    hook = await harness.add_endpoint(INSTALLING, receiver.url)
    # 6,000 bytes of two-byte characters: 1 KiB of it is stored, cut on a character boundary.
    receiver.answers.append(Answer(500, body=("é" * 3000).encode()))
    await raise_incident(harness.api, harness.tokens)
    await harness.sync()
    times = [harness.clock.now()]
    assert await harness.deliver() == 1

    # The second attempt goes to a port nothing listens on.
    dead_port = f"http://127.0.0.1:{free_port()}/hook"
    response = await harness.notifier.patch(
        f"/v1/endpoints/{hook['id']}",
        headers=harness.tokens.party(INSTALLING),
        json={"url": dead_port},
    )
    assert response.status_code == 200, response.text
    assert await past_first_retry(harness) == 1
    times.append(harness.clock.now())
    response = await harness.notifier.patch(
        f"/v1/endpoints/{hook['id']}",
        headers=harness.tokens.party(INSTALLING),
        json={"url": receiver.url},
    )
    assert response.status_code == 200, response.text
    receiver.answers.append(Answer(200, body=b'{"ok": true}'))
    harness.clock.advance(seconds=DEFAULT_RETRY_SCHEDULE[1] * (1 + JITTER) + 1)
    assert await harness.deliver() == 1
    times.append(harness.clock.now())

    found = await only_delivery(harness, INSTALLING)
    assert found["status"] == "succeeded"
    first, second, third = found["attempts"]
    assert [a["number"] for a in found["attempts"]] == [1, 2, 3]
    assert [at(a["started_at"]) for a in found["attempts"]] == times

    assert first["status_code"] == 500
    assert first["error"] is None
    assert first["response_excerpt"] == "é" * 512
    assert len(first["response_excerpt"].encode()) == 1024

    assert second["status_code"] is None
    assert second["response_excerpt"] is None
    assert second["error"].startswith("connection failed")

    assert third["status_code"] == 200
    assert third["error"] is None
    assert third["response_excerpt"] == '{"ok": true}'

    for attempt in (first, second, third):
        assert 0 < attempt["latency_ms"] < 2000
    assert len(receiver.wait_for(2)) == 2


# --- disabling an endpoint that fails for long -------------------------------------------------


@settings(disable_after_failing_seconds=60)
async def test_an_endpoint_failing_for_long_is_disabled_and_announced(
    harness: Harness, receiver: Receiver
) -> None:
    await start(harness)
    failing = await harness.add_endpoint(INSTALLING, receiver.url)
    with running_receiver() as other:
        watcher = await harness.add_endpoint(
            INSTALLING, other.url, event_types=["endpoint.disabled"]
        )
        receiver.answers.extend([Answer(500), Answer(204)])
        incident = await raise_incident(harness.api, harness.tokens)
        await harness.sync()
        first_failure = harness.clock.now()
        assert await harness.deliver() == 1
        state = await endpoint(harness, INSTALLING, failing["id"])
        assert state["enabled"] is True
        assert at(state["failing_since"]) == first_failure
        # A success in between: the endpoint is healthy again.
        assert await past_first_retry(harness) == 1
        assert (await endpoint(harness, INSTALLING, failing["id"]))["failing_since"] is None

        # Long after that first failure, a new failure starts a new failing period...
        harness.clock.advance(seconds=120)
        receiver.answers.extend(Answer(500) for _ in range(3))
        response = await act(harness.api, harness.tokens, GAINING, incident["id"], "cancel", {})
        assert response.status_code == 200, response.text
        await harness.sync()
        failing_from = harness.clock.now()
        assert await harness.deliver() == 1
        state = await endpoint(harness, INSTALLING, failing["id"])
        assert state["enabled"] is True
        assert at(state["failing_since"]) == failing_from
        assert await past_first_retry(harness) == 1
        assert (await endpoint(harness, INSTALLING, failing["id"]))["enabled"] is True
        assert len(other.received) == 0

        # ...and a failure 60 s or more into it disables the endpoint.
        harness.clock.advance(seconds=DEFAULT_RETRY_SCHEDULE[1] * (1 + JITTER) + 1)
        # The failed attempt, then the announcement to the watcher and the ops contact.
        assert await harness.deliver() == 3
        [announced] = other.wait_for(1)

    body = Webhook(watcher["secret"]).verify(announced.body, announced.headers)
    assert body["type"] == "endpoint.disabled"
    assert body["data"] == {
        "endpoint_id": failing["id"],
        "party_id": INSTALLING,
        "kind": "webhook",
        "reason": "failing",
        "failing_since": failing_from.isoformat(),
    }
    state = await endpoint(harness, INSTALLING, failing["id"])
    assert state["enabled"] is False
    assert state["disabled_reason"] == "failing"
    cancelled = await only_delivery(
        harness, INSTALLING, endpoint_id=failing["id"], status="skipped"
    )
    assert cancelled["event_type"] == "incident.cancelled"
    assert cancelled["attempt_count"] == 3
    harness.clock.advance(days=2)
    assert await harness.deliver() == 0
    assert len(receiver.received) == 5


# --- bad receivers -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["hang", "huge", "bomb", "close", "garbage"])
async def test_a_bad_receiver_is_a_bounded_failure_and_is_retried(
    harness: Harness, notifier_settings: Settings, kind: str
) -> None:
    timeout = notifier_settings.attempt_timeout_seconds
    await start(harness)
    async with raw_server(hang_seconds=timeout + 0.5) as server:
        server.behaviours.append(kind)
        hook = await harness.add_endpoint(INSTALLING, server.url)
        await raise_incident(harness.api, harness.tokens)
        await harness.sync()
        gzip_bomb()  # built before measuring
        tracing = not tracemalloc.is_tracing()
        if tracing:
            tracemalloc.start()
        tracemalloc.reset_peak()
        try:
            assert await harness.deliver() == 1
            _, peak = tracemalloc.get_traced_memory()
        finally:
            if tracing:
                tracemalloc.stop()

        found = await only_delivery(harness, INSTALLING)
        assert found["status"] == "pending"
        assert found["attempt_count"] == 1
        [attempt] = found["attempts"]
        latency = attempt["latency_ms"]
        if kind == "hang":
            assert attempt["status_code"] is None
            assert attempt["error"] == "timed out"
            assert timeout * 1000 * 0.95 <= latency < (timeout + 1.5) * 1000
        elif kind == "huge":
            await asyncio.wait_for(server.huge_done.wait(), timeout=5)
            assert attempt["status_code"] == 500
            assert attempt["error"] is None
            assert attempt["response_excerpt"] == (bytes(range(97, 123)) * 40).decode()[:1024]
            # Only the first max_response_bytes were read; the rest was never taken in.
            [sent] = server.huge_sent
            assert sent < HUGE_BYTES / 2
            assert peak < 8 * 1024 * 1024
            assert latency < timeout * 1000
        elif kind == "bomb":
            assert attempt["status_code"] == 500
            assert attempt["error"] is None
            assert attempt["response_excerpt"] == "A" * 1024
            assert peak < 8 * 1024 * 1024  # never inflated beyond what is read
            assert latency < timeout * 1000
        else:
            assert attempt["status_code"] is None
            assert attempt["error"]
            assert attempt["response_excerpt"] is None
            assert latency < timeout * 1000
        assert found["last_error"] == attempt["error"]

        assert await past_first_retry(harness) == 1
        assert len(server.requests) == 2
        (first_headers, _), (headers, body) = server.requests
        assert first_headers["webhook-id"] == headers["webhook-id"]
        assert Webhook(hook["secret"]).verify(body, headers)["type"] == "incident.raised"
    assert (await only_delivery(harness, INSTALLING))["status"] == "succeeded"


# --- per-endpoint concurrency ------------------------------------------------------------------


@settings(endpoint_concurrency=2, total_concurrency=4, claim_per_endpoint=4)
async def test_a_slow_endpoint_does_not_hold_up_another(
    harness: Harness, receiver: Receiver
) -> None:
    await start(harness)
    slow_count = 8
    async with raw_server() as slow:
        slow.default = "wait"  # holds every request until released
        await harness.add_endpoint(INSTALLING, slow.url)
        fast = await harness.add_endpoint(GAINING, receiver.url)
        incidents = await raise_on_new_devices(harness, slow_count)
        # The fast endpoint's delivery is the newest: oldest-first alone would starve it.
        harness.clock.advance(seconds=1)
        response = await act(
            harness.api, harness.tokens, INSTALLING, incidents[0]["id"], "acknowledge"
        )
        assert response.status_code == 200, response.text
        await harness.sync()
        [fast_item] = await harness.deliveries(GAINING)
        assert fast_item["endpoint_id"] == fast["id"]

        worker = harness.worker
        # Claimed ahead: four for the slow endpoint (its claim batch); the slow endpoint is
        # then busy, so the very next claim reaches the fast one.
        assert await worker.run_once() == 4
        assert await worker.run_once() == 1
        # The fast one is sent and written back while the slow endpoint holds its slots.
        await wait_until(lambda: worker.in_flight == 4)
        assert len(receiver.wait_for(1)) == 1
        assert (await delivery(harness, GAINING, fast_item["id"]))["status"] == "succeeded"
        # ...while the slow endpoint's first two are still in flight and two more wait their
        # turn; the slow endpoint has its batch, so nothing more is claimed for it.
        assert slow.open_requests == 2
        assert worker.in_flight == 4
        assert await worker.run_once() == 0
        statuses = [d["status"] for d in await harness.deliveries(INSTALLING)]
        assert statuses == ["pending"] * slow_count

        slow.release.set()
        await worker.settle()
        assert await harness.deliver() == slow_count - 4
        assert len(slow.requests) == slow_count
        assert slow.max_open_requests == 2
    statuses = [d["status"] for d in await harness.deliveries(INSTALLING)]
    assert statuses == ["succeeded"] * slow_count


@settings(claim_per_endpoint=2, max_queued=8)
async def test_an_endpoint_known_to_answer_fast_is_claimed_deeper(harness: Harness) -> None:
    await start(harness)
    async with raw_server() as server:
        server.behaviours.append("ok")
        server.default = "wait"  # the rest are held until released
        await harness.add_endpoint(INSTALLING, server.url)
        await raise_on_new_devices(harness, 12)
        worker = harness.worker
        # Nothing known of the endpoint yet: its usual batch.
        assert await worker.run_once() == 2
        await wait_until(lambda: worker.in_flight == 1)
        # One attempt answered: at that pace the deep batch (half of max_queued) goes well
        # within the lease, so the next claim takes that many; then the endpoint is busy.
        assert await worker.run_once() == 4
        assert await worker.run_once() == 0
        server.release.set()
        await worker.settle()
        # Holding nothing of it again: the usual batch first, so that sending starts while the
        # deep claim that follows is read.
        server.release = asyncio.Event()
        assert await worker.run_once() == 2
        assert await worker.run_once() == 4
        server.release.set()
        await worker.settle()
    statuses = [d["status"] for d in await harness.deliveries(INSTALLING)]
    assert statuses == ["succeeded"] * 12


@settings(claim_per_endpoint=2, max_queued=4)
async def test_sending_goes_on_while_earlier_attempts_are_being_written(
    harness: Harness, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next claim need not wait for the last one's attempts to be written; but no more than
    `max_queued` sent attempts wait to be written, should the database fall behind."""
    await start(harness)
    await harness.add_endpoint(INSTALLING, receiver.url)
    await raise_on_new_devices(harness, 8)
    written = asyncio.Event()
    record_many = delivery_service.record_many

    async def held_back(*args: Any) -> delivery_service.Recorded:
        await written.wait()
        return await record_many(*args)

    monkeypatch.setattr(delivery_service, "record_many", held_back)
    worker = harness.worker
    assert await worker.run_once() == 2
    await wait_until(lambda: len(receiver.received) == 2)
    assert await worker.run_once() == 2  # two sent, none written: room for two more
    await wait_until(lambda: len(receiver.received) == 4)
    assert worker.in_flight == 4
    assert await worker.run_once() == 0  # four sent and unwritten: wait for the database
    statuses = [d["status"] for d in await harness.deliveries(INSTALLING)]
    assert statuses == ["pending"] * 8
    written.set()
    await worker.settle()
    assert worker.in_flight == 0
    assert await harness.deliver() == 4
    statuses = [d["status"] for d in await harness.deliveries(INSTALLING)]
    assert statuses == ["succeeded"] * 8
    assert len(receiver.received) == 8


async def test_a_receivers_cookies_are_never_sent_back(
    harness: Harness, receiver: Receiver
) -> None:
    """A cookie jar would keep a receiver's cookies for its host name and send them back."""
    await start(harness)
    by_name = receiver.url.replace("127.0.0.1", "localhost")
    await harness.add_endpoint(INSTALLING, by_name)
    receiver.answers.append(Answer(headers={"Set-Cookie": "session=abc; Path=/"}))
    await raise_on_new_devices(harness, 1)
    assert await harness.deliver() == 1
    await raise_on_new_devices(harness, 1, first=1)
    assert await harness.deliver() == 1
    first, second = receiver.wait_for(2)
    assert "cookie" not in first.headers
    assert "cookie" not in second.headers


async def test_fresh_deliveries_go_from_the_feed_to_the_worker_without_a_claim(
    harness: Harness, receiver: Receiver, claims: list[int]
) -> None:
    """Deliveries a page routes are inserted claimed for the worker, which sends them at once:
    an enabled endpoint's, that is; a disabled one's are kept, skipped, for `recover`."""
    await start(harness)
    endpoint = await harness.add_endpoint(INSTALLING, receiver.url)
    disabled = await harness.add_endpoint(INSTALLING, f"{receiver.url}?disabled")
    response = await harness.notifier.patch(
        f"/v1/endpoints/{disabled['id']}",
        headers=harness.tokens.party(INSTALLING),
        json={"enabled": False},
    )
    assert response.status_code == 200, response.text
    assert await harness.deliver() == 0  # the worker is caught up: nothing due
    claims.clear()
    [incident] = await raise_on_new_devices(harness, 1, handoff=True)
    await harness.worker.settle()
    [hook] = receiver.wait_for(1)
    body = Webhook(endpoint["secret"]).verify(hook.body, hook.headers)
    assert body["data"]["incident_id"] == incident["id"]
    assert claims == []
    deliveries = {d["endpoint_id"]: d for d in await harness.deliveries(INSTALLING)}
    assert deliveries[endpoint["id"]]["status"] == "succeeded"
    assert deliveries[endpoint["id"]]["attempt_count"] == 1
    assert deliveries[disabled["id"]]["status"] == "skipped"
    assert await harness.deliver() == 0


async def test_a_page_recorded_again_hands_over_nothing(
    harness: Harness, receiver: Receiver
) -> None:
    """Were the cursor moved back, the page's deliveries exist already: none is sent again."""
    await start(harness)
    await harness.add_endpoint(INSTALLING, receiver.url)
    assert await harness.deliver() == 0
    await raise_on_new_devices(harness, 1, handoff=True)
    await harness.worker.settle()
    assert await harness.deliver() == 0  # caught up again: the page could be handed over again
    async with harness.runtime.sessions() as session, session.begin():
        await session.exec(update(FeedCursor).values(after=0))
    await harness.sync(handoff=True)
    assert harness.worker.in_flight == 0
    await harness.worker.settle()
    assert await harness.deliver() == 0
    assert len(receiver.wait_for(1)) == 1
    assert len(await harness.deliveries(INSTALLING)) == 1


@settings(endpoint_concurrency=2)
async def test_an_endpoint_the_worker_holds_jobs_for_gets_no_handoff(
    harness: Harness, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the worker holds claimed jobs for an endpoint, its fresh deliveries wait for the
    worker's own claim, which takes them in due order behind any older ones."""
    await start(harness)
    await harness.add_endpoint(INSTALLING, receiver.url)
    await raise_on_new_devices(harness, 2)
    sent = asyncio.Event()
    send = delivery_service.send

    async def held(*args: Any) -> Any:
        await sent.wait()
        return await send(*args)

    monkeypatch.setattr(delivery_service, "send", held)
    assert await harness.worker.run_once() == 2
    assert await harness.worker.run_once() == 0  # caught up, holding two
    await raise_on_new_devices(harness, 1, first=2, handoff=True)
    assert harness.worker.in_flight == 2
    statuses = sorted(d["status"] for d in await harness.deliveries(INSTALLING))
    assert statuses == ["pending"] * 3
    sent.set()
    await harness.worker.settle()
    assert await harness.deliver() == 1
    assert len(receiver.wait_for(3)) == 3


@settings(endpoint_concurrency=1)
async def test_a_fresh_delivery_never_overtakes_an_older_due_one(
    harness: Harness, receiver: Receiver
) -> None:
    """Deliveries routed unclaimed (or a `recover`, a retry) wake the worker: until its next
    claim has taken them, the feed hands nothing over, and the claim keeps the due order."""
    await start(harness)
    await harness.add_endpoint(INSTALLING, receiver.url)
    assert await harness.deliver() == 0
    [older] = await raise_on_new_devices(harness, 1)
    [fresh] = await raise_on_new_devices(harness, 1, first=1, handoff=True)
    assert harness.worker.in_flight == 0
    assert await harness.deliver() == 2
    first, second = (json.loads(r.body) for r in receiver.wait_for(2))
    assert first["data"]["incident_id"] == older["id"]
    assert second["data"]["incident_id"] == fresh["id"]


@settings(endpoint_concurrency=1)
async def test_a_retry_due_since_the_last_claim_goes_before_a_fresh_delivery(
    harness: Harness, receiver: Receiver
) -> None:
    """The worker hears when each retry it records falls due, though its last claim could not
    see it: from then on the feed hands it nothing, and its claim keeps the due order."""
    await start(harness)
    await harness.add_endpoint(INSTALLING, receiver.url)
    receiver.answers.append(Answer(status=503))
    [retried] = await raise_on_new_devices(harness, 1)
    assert await harness.worker.run_once() == 1
    await harness.worker.settle()  # the 503 is recorded after the claim
    harness.clock.advance(seconds=FIRST * (1 + JITTER) + 1)
    [fresh] = await raise_on_new_devices(harness, 1, first=1, handoff=True)
    assert harness.worker.in_flight == 0
    assert await harness.deliver() == 2
    _, first, second = (json.loads(r.body) for r in receiver.wait_for(3))
    assert first["data"]["incident_id"] == retried["id"]
    assert second["data"]["incident_id"] == fresh["id"]


async def test_a_worker_that_has_not_claimed_yet_takes_nothing_from_the_feed(
    harness: Harness, receiver: Receiver
) -> None:
    """As after a restart: deliveries may be due that its first claim has not seen yet."""
    await start(harness)
    await harness.add_endpoint(INSTALLING, receiver.url)
    await raise_on_new_devices(harness, 1)
    harness.runtime.work_ready.clear()  # a new process: nothing has woken its worker
    await raise_on_new_devices(harness, 1, first=1, handoff=True)
    assert harness.worker.in_flight == 0
    assert await harness.deliver() == 2


async def test_a_handed_first_attempt_and_its_retry_carry_the_same_body(
    harness: Harness, receiver: Receiver
) -> None:
    await start(harness)
    endpoint = await harness.add_endpoint(INSTALLING, receiver.url)
    assert await harness.deliver() == 0
    receiver.answers.append(Answer(status=500))
    await raise_on_new_devices(harness, 1, handoff=True)
    await harness.worker.settle()
    harness.clock.advance(seconds=FIRST * (1 + JITTER) + 1)
    assert await harness.deliver() == 1
    handed, retried = receiver.wait_for(2)
    assert handed.body == retried.body
    assert handed.headers["webhook-id"] == retried.headers["webhook-id"]
    Webhook(endpoint["secret"]).verify(retried.body, retried.headers)


async def wait_until(condition: Callable[[], bool]) -> None:
    """For the worker running in the background: poll, never assert on how long it took."""
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the worker never got there")


@pytest.fixture
def claims(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the worker's claim queries."""
    calls: list[int] = []
    claim = delivery_service.claim

    async def counted(*args: Any, **kwargs: Any) -> delivery_service.Claim:
        calls.append(1)
        return await claim(*args, **kwargs)

    monkeypatch.setattr(delivery_service, "claim", counted)
    return calls


async def test_a_dead_delivery_retried_while_its_endpoint_is_disabled_waits_for_it(
    harness: Harness, receiver: Receiver, claims: list[int]
) -> None:
    await start(harness)
    hook = await harness.add_endpoint(INSTALLING, receiver.url)
    receiver.answers.append(Answer(410))
    await raise_incident(harness.api, harness.tokens)
    await harness.sync()
    assert await harness.deliver() == 2  # the 410, and the ops contact told of it
    [item] = await harness.deliveries(INSTALLING, endpoint_id=hook["id"])
    assert item["status"] == "dead"
    response = await retry(harness, INSTALLING, item["id"])
    assert response.status_code == 200, response.text

    claims.clear()  # the worker's own, from here
    stop = asyncio.Event()
    running = asyncio.create_task(harness.worker.run(stop))
    try:
        await wait_until(lambda: len(claims) >= 1)
        await asyncio.sleep(0.5)
        assert len(claims) <= 3  # not a busy loop over work it may not claim
    finally:
        stop.set()
        await running
    assert (await delivery(harness, INSTALLING, item["id"]))["status"] == "pending"
    assert len(receiver.received) == 1

    response = await harness.notifier.patch(
        f"/v1/endpoints/{hook['id']}",
        headers=harness.tokens.party(INSTALLING),
        json={"enabled": True},
    )
    assert response.status_code == 200, response.text
    assert await harness.deliver() == 1
    assert (await delivery(harness, INSTALLING, item["id"]))["status"] == "succeeded"
    assert len(receiver.wait_for(2)) == 2


# --- never an install code ---------------------------------------------------------------------


def keys_of(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_of(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_of(v)}
    return set()


async def test_no_webhook_body_carries_the_install_code_or_free_text(
    harness: Harness, receiver: Receiver
) -> None:
    await start(harness)
    secrets = {}
    for party in (GAINING, INSTALLING):
        created = await harness.add_endpoint(party, receiver.url)
        secrets[created["id"]] = created["secret"]
    note = "Ring Mrs Example before nine, the meter cupboard key is under the mat"
    receiver.answers.extend([Answer(500), Answer(502), Answer(500)])  # retried bodies too
    incident = await raise_incident(harness.api, harness.tokens, note=note)
    response = await act(harness.api, harness.tokens, INSTALLING, incident["id"], "acknowledge")
    assert response.status_code == 200, response.text
    response = await resolve_with_code(harness.api, harness.tokens, incident["id"])
    assert response.status_code == 200, response.text
    response = await act(
        harness.api, harness.tokens, GAINING, incident["id"], "close", {"note": note}
    )
    assert response.status_code == 200, response.text
    await harness.sync()
    assert await harness.deliver() == 4
    assert await past_first_retry(harness) == 3
    hooks = receiver.wait_for(7)
    assert len(hooks) == 7

    types = set()
    for hook in hooks:
        endpoint_id = next(e for e in secrets if hook.headers["webhook-id"].endswith(e))
        body = Webhook(secrets[endpoint_id]).verify(hook.body, hook.headers)
        types.add(body["type"])
        text = hook.body.decode().upper()
        assert CODE not in text
        assert CODE_WITH_CRC not in text
        assert note.upper() not in text
        assert "MRS EXAMPLE" not in text
        assert not {"install_code", "note", "reason"} & keys_of(body)
    assert types == {
        "incident.raised",
        "incident.acknowledged",
        "incident.resolved",
        "incident.closed",
    }


@settings(endpoint_concurrency=1, claim_lease_seconds=30)
async def test_a_job_claimed_ahead_is_given_back_when_its_lease_is_nearly_out(
    harness: Harness, receiver: Receiver
) -> None:
    """Claiming ahead never lets a replica send after its lease: another may hold it by then."""
    await start(harness)
    await harness.add_endpoint(INSTALLING, receiver.url)
    await raise_on_new_devices(harness, 2)
    receiver.answers.append(Answer(204, delay=0.3))
    worker = harness.worker
    assert await worker.run_once() == 2  # the second waits for the endpoint's one slot
    await wait_until(lambda: len(receiver.received) == 1)  # the first is being answered
    harness.clock.advance(seconds=29)  # ...past the point where its attempt could still fit
    await worker.settle()
    assert len(receiver.received) == 1
    statuses = sorted(d["status"] for d in await harness.deliveries(INSTALLING))
    assert statuses == ["pending", "succeeded"]
    # Given back unsent, it is claimable at once and goes out normally.
    assert await harness.deliver() == 1
    assert len(receiver.wait_for(2)) == 2


@pytest.mark.usefixtures("only_wakeups")
@settings(claim_per_endpoint=2, endpoint_concurrency=1, max_queued=8)
async def test_the_worker_waits_for_room_instead_of_polling_while_deliveries_are_in_flight(
    harness: Harness, claims: list[int]
) -> None:
    """A claim that fills an endpoint's queue says so, and when the others' work falls due:
    the worker claims again when that queue has room, not at once on the chance (an empty
    claim, which on SQLite under a burst waits behind the recorder while the queue runs dry),
    and never in a busy loop (which claims hundreds of times in these 0.3 seconds)."""
    await start(harness)
    async with raw_server() as slow:
        slow.default = "wait"
        await harness.add_endpoint(INSTALLING, slow.url)
        await raise_on_new_devices(harness, 5)
        async with running(harness):
            await wait_until(lambda: slow.open_requests == 1)
            await asyncio.sleep(0.3)
            # One in flight, one waiting for the endpoint's only slot: its fill of two, and
            # nothing else due.
            assert len(claims) == 1
            assert (slow.open_requests, len(slow.requests)) == (1, 1)
            # The freed slot wakes it for the other three, without the clock moving (the
            # endpoint answered well within the lease, so its fill is now the deep one, 4); it
            # took less than a fill, so nothing more is due.
            slow.release.set()
            await wait_until(lambda: len(slow.requests) == 5 and harness.worker.in_flight == 0)
            await asyncio.sleep(0.3)
            assert len(claims) == 2
    statuses = [d["status"] for d in await harness.deliveries(INSTALLING)]
    assert statuses == ["succeeded"] * 5


async def test_a_claim_tells_which_endpoints_it_filled_and_when_the_rest_fall_due(
    harness: Harness, receiver: Receiver
) -> None:
    await start(harness)
    full = await harness.add_endpoint(INSTALLING, receiver.url)
    await raise_on_new_devices(harness, 3)
    other = await harness.add_endpoint(INSTALLING, receiver.url)
    await raise_on_new_devices(harness, 1, first=3)
    rt = harness.runtime

    # `other` is busy: `full` gives its two, so nothing else could be claimed now.
    claimed = await claim(rt, 10, {other["id"]}, 2)
    assert [j.endpoint_id for j in claimed.jobs] == [full["id"]] * 2
    assert claimed.more == {full["id"]}
    assert claimed.next_due is None

    # Bounded by the limit, not by a fill: what is left is due now, so claim again at once.
    claimed = await claim(rt, 1, set(), 2)
    assert len(claimed.jobs) == 1
    assert claimed.more == set()
    assert claimed.next_due is not None
    assert claimed.next_due <= harness.clock.now()

    # `other`'s delivery failed and waits for its retry: that is when to look next.
    [job] = (await claim(rt, 10, {full["id"]}, 2)).jobs
    assert job.endpoint_id == other["id"]
    failed = dataclasses.replace(await delivery_service.send(rt, job), status_code=503)
    recorded = await record_many(rt, [(job, failed)])
    [retrying] = [d for d in await harness.deliveries(INSTALLING) if d["id"] == job.delivery_id]
    assert recorded.outcomes == ["failed"]
    assert recorded.retries == {other["id"]: datetime.fromisoformat(retrying["next_attempt_at"])}
    claimed = await claim(rt, 10, {full["id"]}, 2)
    assert claimed.jobs == []
    assert claimed.next_due == recorded.retries[other["id"]]


@pytest.mark.usefixtures("only_wakeups")
@settings(retry_schedule_seconds=[0.5], retry_jitter=0)
async def test_the_worker_wakes_for_a_retry_recorded_while_it_sleeps(
    harness: Harness, receiver: Receiver
) -> None:
    """Asleep with nothing due, the worker hears of a retry and sleeps until it falls due,
    not until its idle recheck (pushed out of reach here)."""
    await start(harness)
    await harness.add_endpoint(INSTALLING, receiver.url)
    receiver.answers.append(Answer(status=503))
    await raise_on_new_devices(harness, 1)
    async with running(harness):
        await wait_until(lambda: len(receiver.received) == 1 and harness.worker.in_flight == 0)
        harness.clock.advance(seconds=1)  # the retry falls due in 0.5 s
        await wait_until(lambda: len(receiver.received) == 2 and harness.worker.in_flight == 0)
    [retried] = await harness.deliveries(INSTALLING)
    assert (retried["status"], retried["attempt_count"]) == ("succeeded", 2)


@pytest.mark.usefixtures("only_wakeups")
@settings(claim_per_endpoint=4, max_queued=2)
async def test_a_worker_held_back_by_max_queued_below_a_fill_claims_again_when_there_is_room(
    harness: Harness, receiver: Receiver
) -> None:
    await start(harness)
    await harness.add_endpoint(INSTALLING, receiver.url)
    await raise_on_new_devices(harness, 5)
    async with running(harness):
        await wait_until(lambda: len(receiver.received) == 5 and harness.worker.in_flight == 0)
    statuses = [d["status"] for d in await harness.deliveries(INSTALLING)]
    assert statuses == ["succeeded"] * 5


@pytest.mark.usefixtures("only_wakeups")
@settings(claim_per_endpoint=3, max_queued=3, endpoint_concurrency=1)
async def test_a_worker_held_back_by_max_queued_waits_for_room_for_a_fill(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Room freed while a claim was out, less than a fill: the worker waits for a fill's room
    rather than claiming at once whatever is due or newly routed, a job or two at a time."""
    await start(harness)
    async with raw_server() as first, raw_server() as second:
        first.default = second.default = "wait"
        await harness.add_endpoint(INSTALLING, first.url)
        await raise_on_new_devices(harness, 1)
        claims = answer_during_the_second_claim(harness, monkeypatch, [first])
        async with running(harness):
            await wait_until(lambda: first.open_requests == 1)
            assert len(claims) == 1
            await harness.add_endpoint(INSTALLING, second.url)
            await raise_on_new_devices(harness, 3, first=1)
            await wait_until(lambda: first.open_requests + second.open_requests == 2)
            await raise_on_new_devices(harness, 1, first=4)
            await asyncio.sleep(0.3)
            # Full, one free: five more are due, but room for a fill has not come.
            assert len(claims) == 2
            first.release.set()
            second.release.set()
            await wait_until(lambda: len(first.requests) + len(second.requests) == 9)
            await wait_until(lambda: harness.worker.in_flight == 0)
    statuses = [d["status"] for d in await harness.deliveries(INSTALLING)]
    assert statuses == ["succeeded"] * 9


@pytest.mark.usefixtures("only_wakeups")
@settings(claim_per_endpoint=2, max_queued=4, endpoint_concurrency=1)
async def test_a_worker_held_back_by_max_queued_claims_again_for_room_freed_meanwhile(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Room for a fill freed while a claim was out wakes the worker at once."""
    await start(harness)
    async with raw_server() as first, raw_server() as second, raw_server() as rest:
        first.default = second.default = rest.default = "wait"
        await harness.add_endpoint(INSTALLING, first.url)
        await harness.add_endpoint(INSTALLING, second.url)
        await raise_on_new_devices(harness, 1)
        claims = answer_during_the_second_claim(harness, monkeypatch, [first, second])
        async with running(harness):
            await wait_until(lambda: first.open_requests + second.open_requests == 2)
            assert len(claims) == 1
            await harness.add_endpoint(INSTALLING, rest.url)
            await harness.add_endpoint(INSTALLING, rest.url)
            await raise_on_new_devices(harness, 1, first=1)
            # The second claim takes two of the four due (one endpoint each, less than a fill)
            # while two are answered: room for a fill, and the third claim takes the other two.
            await wait_until(lambda: len(claims) == 3)
            for server in (first, second, rest):
                server.release.set()
            # Every request answered, then recorded: in_flight alone can touch 0 between claims.
            answered = (first, second, rest)
            await wait_until(lambda: sum(len(server.requests) for server in answered) == 6)
            await wait_until(lambda: harness.worker.in_flight == 0)
    statuses = [d["status"] for d in await harness.deliveries(INSTALLING)]
    assert statuses == ["succeeded"] * 6


def answer_during_the_second_claim(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, servers: list[RawServer]
) -> list[tuple[Any, ...]]:
    """Counts the worker's claims; the second starts once `servers` have answered what they
    held and the attempts are written (each server holds whatever comes after)."""
    claim = delivery_service.claim
    claims: list[tuple[Any, ...]] = []

    async def answering_first(*args: Any) -> delivery_service.Claim:
        claims.append(args)
        if len(claims) == 2:
            for server in servers:
                server.release.set()
            await wait_until(lambda: harness.worker.in_flight == 0)
            for server in servers:
                server.release = asyncio.Event()
        return await claim(*args)

    monkeypatch.setattr(delivery_service, "claim", answering_first)
    return claims


@pytest.mark.usefixtures("only_wakeups")
@settings(retry_schedule_seconds=[0.5], retry_jitter=0)
async def test_a_retry_recorded_while_a_claim_is_out_is_not_forgotten(
    harness: Harness, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The claim could not see it, so the worker keeps the retry's due instant beside the
    claim's own."""
    await start(harness)
    await harness.add_endpoint(INSTALLING, receiver.url)
    receiver.answers.append(Answer(status=503, delay=1.0))
    await raise_on_new_devices(harness, 1)
    claim = delivery_service.claim

    async def recording_the_503_meanwhile(*args: Any) -> delivery_service.Claim:
        claimed = await claim(*args)
        if len(receiver.received) == 1:
            await wait_until(lambda: harness.worker.in_flight == 0)
            harness.clock.advance(seconds=1)  # the retry falls due
        return claimed

    monkeypatch.setattr(delivery_service, "claim", recording_the_503_meanwhile)
    async with running(harness):
        await wait_until(lambda: len(receiver.received) == 1)
        await raise_on_new_devices(harness, 1, first=1)  # the worker claims again
        await wait_until(lambda: len(receiver.received) == 3 and harness.worker.in_flight == 0)
    deliveries = await harness.deliveries(INSTALLING)
    assert sorted(d["attempt_count"] for d in deliveries) == [1, 2]
    assert {d["status"] for d in deliveries} == {"succeeded"}


@pytest.mark.usefixtures("only_wakeups")
async def test_a_failed_claim_is_tried_again_soon(
    harness: Harness, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    await start(harness)
    await harness.add_endpoint(INSTALLING, receiver.url)
    await raise_on_new_devices(harness, 1)
    claim = delivery_service.claim
    failures = iter([OSError("the database went away")])

    async def failing_once(*args: Any) -> delivery_service.Claim:
        for failure in failures:
            raise failure
        return await claim(*args)

    monkeypatch.setattr(delivery_service, "claim", failing_once)
    async with running(harness):
        await wait_until(lambda: len(receiver.received) == 1)


@pytest.fixture
def only_wakeups(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker's idle recheck out of a test's reach: only a wake-up or a due instant gets it
    claiming again."""
    monkeypatch.setattr(delivery_policy, "IDLE_RECHECK_SECONDS", 60.0)


@contextlib.asynccontextmanager
async def running(harness: Harness) -> AsyncIterator[None]:
    """The worker's own loop, in the background."""
    stop = asyncio.Event()
    task = asyncio.create_task(harness.worker.run(stop))
    try:
        yield
    finally:
        stop.set()
        await task
