"""`/readyz` fails while the database is unreachable and recovers when it returns (both services
share the route: services/common/operations.py)."""

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.engine import make_url

from services.incident_api.app import create_app
from services.incident_api.settings import Settings
from tests.database import TEST_URL, on_postgres
from tests.receiver import free_port

pytestmark = pytest.mark.skipif(not on_postgres(), reason="a SQLite file does not go away")


class Outage:
    """A TCP proxy in front of PostgreSQL that can be cut and restored."""

    def __init__(self, upstream_port: int) -> None:
        self.port = free_port()
        self.upstream_port = upstream_port
        self.server: asyncio.Server | None = None
        self.links: set[asyncio.StreamWriter] = set()

    async def restore(self) -> None:
        self.server = await asyncio.start_server(self._link, "127.0.0.1", self.port)

    async def cut(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in list(self.links):
            writer.transport.abort()
        await self.server.wait_closed()

    async def _link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        self.links |= {writer, up_writer}

        async def pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError, OSError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.transport.abort()

        with contextlib.suppress(asyncio.CancelledError):  # the test's loop is closing
            await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))


@pytest.fixture
async def outage() -> AsyncIterator[Outage]:
    assert TEST_URL is not None
    proxy = Outage(make_url(TEST_URL).port or 5432)
    await proxy.restore()
    yield proxy
    with contextlib.suppress(Exception):
        await proxy.cut()


async def test_readyz_follows_the_database(
    api_settings: Settings, api_database_url: str, outage: Outage
) -> None:
    url = make_url(api_database_url).set(host="127.0.0.1", port=outage.port)
    settings = api_settings.model_copy(
        update={"database_url": url.render_as_string(hide_password=False)}
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
            assert (await client.get("/readyz")).status_code == 200
            await outage.cut()
            down = await client.get("/readyz")
            assert down.status_code == 503
            assert down.headers["content-type"] == "application/problem+json"
            assert (await client.get("/healthz")).status_code == 200  # the process is fine
            await outage.restore()
            # The pool drops the dead connection on the first failure and opens a new one.
            statuses = [(await client.get("/readyz")).status_code for _ in range(3)]
            assert statuses[-1] == 200, statuses
