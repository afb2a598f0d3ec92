"""Raise throughput on PostgreSQL (`python -m bench write`; bench/README.md explains the method).

The API runs as two worker processes (`services.serve`) on one database, the load's 16
connections spread over both; the floor is bench/floor.py's asyncpg route, also two processes on
a database of its own: an incident row and an event row in one transaction, with the feed's
advisory lock. Both databases are created afresh, migrated as the API's is, and dropped
afterwards. Runs alternate as on SQLite (bench/write_path.py).

Measured only when the server at BENCH_POSTGRES_URL answers (default
postgresql://postgres@127.0.0.1:5432/test, the connection the suite creates its databases
through); otherwise the row says skipped.
"""

import asyncio
import os
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from bench.common import SECRET, seed, token
from bench.write_path import (
    FLOOR_DEVICES,
    RAISES,
    RUNS,
    WARM_UP,
    Devices,
    Target,
    alternate,
    memory_row,
    start_floor,
    stop_process,
    throughput_rows,
)
from services.incident_api import migrate
from shared.tokens import PARTY_SCOPES
from tests.processes import API_APP, STARTUP_SECONDS, Service, base_env, launch, wait_ready

ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
WORKERS = 2
LABEL = f"PostgreSQL, {WORKERS} processes"


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(ADMIN_URL, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def available() -> bool:
    try:
        asyncio.run(_admin("SELECT 1"))
    except (OSError, TimeoutError, asyncpg.PostgresError):
        return False
    return True


@contextmanager
def fresh_database(name: str) -> Iterator[str]:
    """A new database's plain DSN; dropped afterwards."""
    db_name = f"ssi_bench_{name}_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(f'CREATE DATABASE "{db_name}"'))
    try:
        yield make_url(ADMIN_URL).set(database=db_name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))


def _sqlalchemy(dsn: str) -> str:
    return make_url(dsn).set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def measure() -> list[dict[str, Any]]:
    if not available():
        return [
            {
                "measure": f"{LABEL}: POST /v1/incidents",
                "value": "skipped",
                "target": f"no PostgreSQL server answers at {make_url(ADMIN_URL).host}",
                "ok": None,
            }
        ]
    with tempfile.TemporaryDirectory(prefix="ssi-bench-pg-") as tmp, ExitStack() as stack:
        data = Path(tmp)
        api_dsn = stack.enter_context(fresh_database("api"))
        floor_dsn = stack.enter_context(fresh_database("floor"))
        for dsn in (api_dsn, floor_dsn):
            migrate.upgrade(_sqlalchemy(dsn))
        env = base_env(data, SSI_JWT_SECRET=SECRET, INCIDENT_API_DATABASE_URL=_sqlalchemy(api_dsn))
        apis: list[Service] = []
        for n in range(WORKERS):
            service = launch(API_APP, env, data / f"api-{n}.log")
            stack.callback(service.stop)
            apis.append(service)
        deadline = time.monotonic() + STARTUP_SECONDS
        for service in apis:
            wait_ready(service, API_APP, deadline)
        floors: list[tuple[subprocess.Popen[bytes], str]] = []
        for _ in range(WORKERS):
            floor = start_floor("postgres", floor_dsn, data)
            stack.callback(stop_process, floor[0])
            floors.append(floor)
        seed(apis[0].url, WARM_UP + RUNS * RAISES)
        runs = alternate(
            Target(
                [s.url for s in apis], [s.process.pid for s in apis], token("GSUP", PARTY_SCOPES)
            ),
            Devices(),
            Target([url for _, url in floors], [p.pid for p, _ in floors], {}),
            Devices(FLOOR_DEVICES),
        )
        rows = throughput_rows(runs, LABEL, "asyncpg route, 2 processes", None)
        rows += [
            memory_row(f"API, PostgreSQL worker {n + 1}", s.process.pid) for n, s in enumerate(apis)
        ]
        return rows


if __name__ == "__main__":
    for row in measure():
        print(f"{row['measure']:<72} {row['value']!s:>12}  {row['target']}")
