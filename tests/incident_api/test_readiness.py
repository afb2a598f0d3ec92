"""`/readyz` fails while the database is unreachable and recovers when it returns (both services
share the route: services/common/operations.py); a database missing at start-up is waited for."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from services.incident_api import migrate as api_migrate
from services.incident_api.app import create_app
from services.incident_api.settings import Settings
from tests.database import TEST_URL, on_postgres
from tests.late_database import late_database, retry_delays, start_live, until
from tests.notifier.fleet import seed
from tests.processes import API_APP, base_env
from tests.receiver import free_port
from tests.tokens import Tokens


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


@pytest.mark.skipif(not on_postgres(), reason="a SQLite file does not go away")
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


def test_an_api_started_before_its_database_waits_for_it(tmp_path: Path, tokens: Tokens) -> None:
    """The process stays up (`/healthz` 200, `/readyz` 503), tries again with growing pauses, and
    serves once the database arrives; on PostgreSQL it then LISTENs for other replicas' events
    (given up for good before, when the first try failed)."""
    log = tmp_path / "api.log"
    with late_database(tmp_path, "api", api_migrate.upgrade) as database:
        api = start_live(API_APP, base_env(tmp_path, INCIDENT_API_DATABASE_URL=database.url), log)
        try:
            assert httpx.get(f"{api.url}/healthz").status_code == 200
            assert httpx.get(f"{api.url}/readyz").status_code == 503
            until(lambda: len(retry_delays(log)) >= 2, "a second try")
            database.arrive()
            until(lambda: "work starts" in log.read_text(), "the database to be ready")
            assert httpx.get(f"{api.url}/readyz").status_code == 200
            seed(api.url, tokens, 1)  # parties and inventory written
            if on_postgres():
                until(lambda: asyncio.run(listeners(database.url)) == 1, "the LISTEN connection")
            assert api.process.poll() is None
        finally:
            api.stop()
    delays = retry_delays(log)
    assert delays[0] == 0.5
    assert delays == sorted(delays), "it backs off, never busy-loops"


async def listeners(url: str) -> int:
    """Connections to this database that have LISTENed (an idle backend shows its last query)."""
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND query ILIKE 'LISTEN %'"
        )
        return count
    finally:
        await conn.close()
