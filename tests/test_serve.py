"""`services.serve`: the limits uvicorn does not set by itself, on real sockets.

A client that sends half a request (or nothing) must lose its connection after the header
timeout; a request whose head has arrived is the app's, however long it takes; each service's
limits come from its own settings.
"""

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from services import serve
from services.incident_api import migrate as api_migrate
from tests.database import fresh_database
from tests.processes import API_APP, NOTIFIER_APP, base_env, running
from tests.receiver import free_port

HEADER_TIMEOUT = 0.5
PATIENCE = 10.0
"""How long a test waits for the server to close a connection: it only guards against hanging."""


async def client_port(request: Request) -> PlainTextResponse:
    assert request.client is not None
    return PlainTextResponse(str(request.client.port))


async def slow(request: Request) -> PlainTextResponse:
    # Outlives the header timeout: the head has arrived, so the timer must not cut it.
    await asyncio.sleep(HEADER_TIMEOUT * 2)
    return await client_port(request)


@contextmanager
def served() -> Iterator[int]:
    """A uvicorn server in a thread with the services' protocol; yields its port."""

    class Protocol(serve.HeaderTimeoutProtocol):
        header_timeout = HEADER_TIMEOUT

    app = Starlette(routes=[Route("/", client_port), Route("/slow", slow)])
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, http=Protocol, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + PATIENCE
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=PATIENCE)


def closed_after_sending(port: int, data: bytes) -> bytes:
    """What the server answers before closing a connection that sent `data` and nothing more
    (a socket timeout, should it never close, fails the test)."""
    with socket.create_connection(("127.0.0.1", port), timeout=PATIENCE) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(4096):
            received += chunk
        return received


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"GET / HT",
        b"GET / HTTP/1.1\r\n",
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: aaaa",
        b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n",
    ],
    ids=["nothing", "half-a-request-line", "request-line-only", "half-a-header", "no-blank-line"],
)
def test_a_request_head_not_sent_in_time_loses_its_connection(data: bytes) -> None:
    with served() as port:
        assert closed_after_sending(port, data) == b""


def test_a_request_whose_head_arrived_is_not_cut_and_the_next_gets_its_own_time() -> None:
    with served() as port, httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
        first = client.get("/slow", timeout=PATIENCE)
        second = client.get("/", timeout=PATIENCE)
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.text == second.text  # one kept-alive connection served both


def test_a_stuck_head_on_a_kept_alive_connection_is_closed_too() -> None:
    with served() as port, socket.create_connection(("127.0.0.1", port), timeout=PATIENCE) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        answer = b""
        while not answer.endswith(str(sock.getsockname()[1]).encode()):
            chunk = sock.recv(4096)
            assert chunk, answer
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 200")
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.")
        assert sock.recv(4096) == b""


@pytest.mark.parametrize(
    ("app", "prefix"), [(API_APP, "INCIDENT_API_"), (NOTIFIER_APP, "NOTIFIER_")]
)
def test_each_service_is_served_with_the_limits_of_its_own_settings(
    app: str, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"{prefix}HEADER_TIMEOUT_SECONDS", "2.5")
    monkeypatch.setenv(f"{prefix}MAX_CONNECTIONS", "7")
    config = serve.config(app, "127.0.0.1", 0)
    assert isinstance(config.http, type)
    assert issubclass(config.http, serve.HeaderTimeoutProtocol)
    assert config.http.header_timeout == 2.5
    assert config.limit_concurrency == 7


def test_the_api_process_closes_a_half_sent_request(tmp_path: Path) -> None:
    """The whole way: the setting, `python -m services.serve`, the protocol."""
    with fresh_database(tmp_path, "serve") as url:
        api_migrate.upgrade(url)
        env = base_env(
            tmp_path,
            INCIDENT_API_DATABASE_URL=url,
            INCIDENT_API_HEADER_TIMEOUT_SECONDS=str(HEADER_TIMEOUT),
        )
        with running(API_APP, env, tmp_path / "api.log") as api:
            port = int(api.url.rsplit(":", 1)[1])
            assert closed_after_sending(port, b"GET /healthz HTTP/1.1\r\nHost: ") == b""
            assert httpx.get(f"{api.url}/healthz").status_code == 200  # it serves on
