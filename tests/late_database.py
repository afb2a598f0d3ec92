"""A service started before its database exists, for the tests of DESIGN §5's promise that
`/readyz` is 503 until the database answers, and the work begins when it does.

On SQLite the database's path is a directory (the file cannot be opened) until it arrives; on
PostgreSQL the database is not created until it arrives. Arriving migrates it.
"""

import asyncio
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from tests.database import TEST_URL, on_postgres
from tests.processes import Service, start

PATIENCE = 30.0
"""How long a test waits for a process to come up or catch up: it only guards against hanging."""


async def _admin(sql: str) -> None:
    assert TEST_URL is not None
    dsn = make_url(TEST_URL).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@dataclass
class LateDatabase:
    url: str
    upgrade: Callable[[str], None]
    """The service's migration."""

    def arrive(self) -> None:
        if on_postgres():
            name = make_url(self.url).database
            asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
        else:
            Path(self.url.split("///", 1)[1]).rmdir()
        self.upgrade(self.url)


@contextmanager
def late_database(
    tmp_dir: Path, name: str, upgrade: Callable[[str], None]
) -> Iterator[LateDatabase]:
    if not on_postgres():
        path = tmp_dir / "late" / f"{name}.db"
        path.mkdir(parents=True)
        yield LateDatabase(f"sqlite+aiosqlite:///{path}", upgrade)
        return
    assert TEST_URL is not None
    db_name = f"ssi_late_{name}_{uuid.uuid4().hex[:8]}"
    try:
        url = make_url(TEST_URL).set(database=db_name).render_as_string(hide_password=False)
        yield LateDatabase(url, upgrade)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))


def start_live(app: str, env: dict[str, str], log: Path) -> Service:
    """As `tests.processes.start`, but waiting for `/healthz` only: up, not necessarily ready."""
    return start(app, env, log, ready="/healthz")


def until(condition: Callable[[], bool], what: str) -> None:
    """Polls `condition` until it holds, for at most PATIENCE seconds."""
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.05)


def retry_delays(log: Path) -> list[float]:
    """The delays the service announced, in order, while its database was not ready."""
    return [float(d) for d in re.findall(r'"retry_in_seconds": ([0-9.]+)', log.read_text())]
