"""The ordered event feed: no event skipped, even with concurrent writers; long-poll wakes."""

import asyncio
import json
import random
import signal as signals
import socket
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.incident_api import migrate as api_migrate
from services.incident_api.app import create_app
from services.incident_api.events import signal
from services.incident_api.incidents import raising
from services.incident_api.settings import Settings
from tests.database import fresh_database, on_postgres
from tests.incident_api.world import GAINING, INSTALLING, raise_incident, seed
from tests.late_database import until
from tests.notifier import fleet
from tests.processes import API_APP, base_env, running
from tests.tokens import Tokens

WRITERS = 8
PER_WRITER = 25


def device(n: int) -> str:
    return f"00-DB-00-00-00-00-{n // 256:02X}-{n % 256:02X}"


async def import_devices(api: httpx.AsyncClient, tokens: Tokens, count: int) -> None:
    lines = ["device_id,device_type,smi_status,installing_party_id,registered_supplier_party_id"]
    lines += [
        f"{device(n)},ESME,installed_not_commissioned,{INSTALLING},{GAINING}" for n in range(count)
    ]
    response = await api.post(
        "/v1/devices/import",
        headers={**tokens.admin(), "Content-Type": "text/csv"},
        content="\n".join(lines),
    )
    assert response.json()["imported"] == count, response.text


async def read_all(api: httpx.AsyncClient, tokens: Tokens, after: int = 0) -> list[dict[str, Any]]:
    response = await api.get(f"/v1/events?after={after}&limit=1000", headers=tokens.service())
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_feed_orders_by_seq_and_pages(api: httpx.AsyncClient, tokens: Tokens) -> None:
    await seed(api, tokens)
    incident = await raise_incident(api, tokens)
    events = await read_all(api, tokens)
    assert [e["type"] for e in events][-1] == "incident.raised"
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    raised = events[-1]
    assert raised["data"]["incident_id"] == incident["id"]
    due_in_event = datetime.fromisoformat(raised["data"]["due_at"])
    assert due_in_event == datetime.fromisoformat(incident["due_at"])
    page = await api.get("/v1/events?after=0&limit=2", headers=tokens.service())
    assert len(page.json()["items"]) == 2
    assert page.json()["next_after"] == page.json()["items"][-1]["seq"]
    # The newest seq comes with every page, full or not: the notifier's lag gauge reads it.
    head = events[-1]["seq"]
    assert page.json()["last_seq"] == head
    rest = await api.get(f"/v1/events?after={head - 1}&limit=5", headers=tokens.service())
    assert rest.json()["last_seq"] == head
    assert rest.headers["content-type"] == "application/json"
    # The feed carries party events so the notifier knows categories.
    assert {"party.created", "incident.raised"} <= {e["type"] for e in events}


async def test_no_event_skipped_with_concurrent_writers(
    api: httpx.AsyncClient, tokens: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader following `after` while 8 writers commit must still see every event once.

    On PostgreSQL this fails without the feed's advisory lock: sequence values are handed out
    at insert time, so a later seq can commit first and the reader moves past the earlier one.
    A random pause between the event's insert and the commit (the network round trips of a
    real deployment) widens that window so the race shows within a few hundred writes.
    """
    # A raise writes its events inside its unit of work (raising.run_unit), the other
    # transitions through append_events: the pause goes after either, before the commit.
    original_unit = raising.run_unit  # type: ignore[attr-defined]
    jitter = random.Random(121)

    async def slow_unit(*args: Any, **kwargs: Any) -> Any:
        result = await original_unit(*args, **kwargs)
        await asyncio.sleep(jitter.uniform(0, 0.004))
        return result

    monkeypatch.setattr(raising, "run_unit", slow_unit)
    await seed(api, tokens)
    await import_devices(api, tokens, WRITERS * PER_WRITER)
    start = (await read_all(api, tokens))[-1]["seq"]
    seen: list[int] = []
    done = asyncio.Event()

    async def writer(w: int) -> None:
        for i in range(PER_WRITER):
            response = await api.post(
                "/v1/incidents",
                headers=tokens.party(GAINING),
                json={"device_id": device(w * PER_WRITER + i)},
            )
            assert response.status_code == 201, response.text

    async def reader() -> None:
        after = start
        while True:
            finished = done.is_set()
            for event in await read_all(api, tokens, after):
                seen.append(event["seq"])
                after = event["seq"]
            if finished:
                return
            await asyncio.sleep(0)

    reading = asyncio.create_task(reader())
    await asyncio.gather(*(writer(w) for w in range(WRITERS)))
    done.set()
    await reading
    expected = list(range(start + 1, start + 1 + WRITERS * PER_WRITER))
    assert seen == expected


async def test_long_poll_returns_when_an_event_is_written(
    api: httpx.AsyncClient, tokens: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without the wake-up, the poll would sit out its full wait: the re-check interval is
    # lengthened so that only the signal can end it early.
    monkeypatch.setattr(signal, "RECHECK_SECONDS", 60.0)
    await seed(api, tokens)
    after = (await read_all(api, tokens))[-1]["seq"]
    poll = asyncio.create_task(
        api.get(f"/v1/events?after={after}&wait=30", headers=tokens.service())
    )
    await asyncio.sleep(0.05)
    assert not poll.done()
    await raise_incident(api, tokens)
    response = await asyncio.wait_for(poll, timeout=10)
    assert [e["type"] for e in response.json()["items"]] == ["incident.raised"]


@pytest.mark.skipif(not on_postgres(), reason="LISTEN/NOTIFY between replicas is PostgreSQL's")
async def test_replicas_wake_each_other(
    api: httpx.AsyncClient,
    api_settings: Settings,
    tokens: Tokens,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(signal, "RECHECK_SECONDS", 60.0)
    await seed(api, tokens)
    after = (await read_all(api, tokens))[-1]["seq"]
    replica = create_app(api_settings)
    async with replica.router.lifespan_context(replica):
        transport = httpx.ASGITransport(app=replica)
        async with httpx.AsyncClient(transport=transport, base_url="http://b.test") as other:
            poll = asyncio.create_task(
                other.get(f"/v1/events?after={after}&wait=30", headers=tokens.service())
            )
            await asyncio.sleep(0.2)
            await raise_incident(api, tokens)
            response = await asyncio.wait_for(poll, timeout=10)
    assert [e["type"] for e in response.json()["items"]] == ["incident.raised"]


def read_by_server(sock: socket.socket) -> bool:
    """Whether the server has read all that was sent on `sock`: its kernel acknowledged it
    (nothing unacknowledged on our side) and the process took it from its socket (nothing left
    queued on the server's side). Linux's /proc/net/tcp shows both queues, for every socket."""
    ours, theirs = sock.getsockname()[1], sock.getpeername()[1]
    queues = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = (int(address.split(":")[1], 16) for address in fields[1:3])
        unacknowledged, unread = (int(queue, 16) for queue in fields[4].split(":"))
        queues[local, remote] = (unacknowledged, unread)
    return queues[ours, theirs][0] == 0 and queues[theirs, ours][1] == 0


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux's /proc/net/tcp")
def test_a_long_poll_in_flight_answers_at_once_when_the_api_stops(
    tmp_path: Path, tokens: Tokens
) -> None:
    """SIGTERM: the long-poll answers 200 with an empty page that moves nothing, and the process
    stops without an ERROR (the poll used to outlast the graceful-shutdown period, 15 s, and be
    cancelled: its 30 s wait would see no answer at all)."""
    log = tmp_path / "api.log"
    with fresh_database(tmp_path, "drain") as url:
        api_migrate.upgrade(url)
        with running(API_APP, base_env(tmp_path, INCIDENT_API_DATABASE_URL=url), log) as api:
            fleet.seed(api.url, tokens, 1)
            page = httpx.get(f"{api.url}/v1/events?limit=1000", headers=tokens.service()).json()
            head = page["last_seq"]
            authorization = tokens.service()["Authorization"]
            port = int(api.url.rsplit(":", 1)[1])
            with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
                sock.sendall(
                    f"GET /v1/events?after={head}&wait=30 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    f"Authorization: {authorization}\r\n\r\n".encode()
                )
                until(lambda: read_by_server(sock), "the server to read the long-poll")
                api.process.send_signal(signals.SIGTERM)
                answer = b""
                while chunk := sock.recv(65536):  # the server closes the connection after it
                    answer += chunk
            returncode = api.process.wait(timeout=20)
    status, _, body = answer.partition(b"\r\n\r\n")
    assert status.startswith(b"HTTP/1.1 200"), answer
    assert json.loads(body)["items"] == []
    assert json.loads(body)["next_after"] == head
    assert returncode in (0, -signals.SIGTERM)
    assert '"level": "ERROR"' not in log.read_text()
