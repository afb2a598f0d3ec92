"""A destroyed install code is in no file the API writes (SQLite: the database, its WAL).

On PostgreSQL dead tuples, WAL segments and backups outlive a delete: the README says what
remains and how retiring the key makes it unreadable. These tests read SQLite's files.
"""

import asyncio
import base64
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.common.clock import FrozenClock
from services.common.db import create_engine
from services.incident_api.app import create_app
from services.incident_api.models import metadata
from services.incident_api.runtime import Runtime
from services.incident_api.settings import Settings
from tests.database import empty_tables, on_postgres
from tests.incident_api.world import GAINING, act, raise_incident, resolve_with_code, seed
from tests.tokens import Tokens

pytestmark = pytest.mark.skipif(on_postgres(), reason="reads SQLite's own files")


def database_path(settings: Settings) -> Path:
    return Path(settings.resolved_database_url().split("///", 1)[1])


def sealed(path: Path, incident_id: str) -> list[bytes]:
    """The stored ciphertext and nonce of an incident's code."""
    with opened(path) as db:
        row = db.execute(
            "SELECT ciphertext, nonce FROM install_codes JOIN incidents"
            " ON incidents.pk = install_codes.incident_pk WHERE incidents.id = ?",
            (incident_id,),
        ).fetchone()
    assert row is not None
    return [bytes(row[0]), bytes(row[1])]


@contextmanager
def opened(path: Path) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(path)
    try:
        yield db
    finally:
        db.close()


def files_holding(path: Path, secrets: list[bytes]) -> list[str]:
    """Which of the database's files (main, -wal, -shm) still hold any of `secrets`."""
    found = []
    for file in path.parent.glob(path.name + "*"):
        content = file.read_bytes()
        if any(secret in content for secret in secrets):
            found.append(file.name)
    return found


async def empty(settings: Settings) -> None:
    engine = create_engine(settings.resolved_database_url())
    await empty_tables(engine, metadata)
    await engine.dispose()


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test")


async def resolved(api: httpx.AsyncClient, tokens: Tokens) -> dict[str, Any]:
    await seed(api, tokens)
    incident = await raise_incident(api, tokens)
    assert (await resolve_with_code(api, tokens, incident["id"])).status_code == 200
    return incident


@pytest.mark.parametrize(("action", "body"), [("close", {}), ("reopen", {"reason": "no join"})])
async def test_a_destroyed_code_is_in_no_file(
    api: httpx.AsyncClient,
    tokens: Tokens,
    api_settings: Settings,
    action: str,
    body: dict[str, str],
) -> None:
    incident = await resolved(api, tokens)
    path = database_path(api_settings)
    secrets = sealed(path, incident["id"])
    assert files_holding(path, secrets)  # the check can see it while it is held

    answer = await act(api, tokens, GAINING, incident["id"], action, body)
    assert answer.status_code == 200, answer.text
    assert files_holding(path, secrets) == []


async def test_a_reader_delays_the_truncation_which_a_restart_also_does(
    api_settings: Settings, clock: FrozenClock, tokens: Tokens
) -> None:
    """Another process reading pins the WAL: the code stays in it until the reader lets go,
    retried in the background; a restart after a crash truncates it first thing."""
    path = database_path(api_settings)
    await empty(api_settings)
    app = create_app(api_settings, clock=clock)
    async with app.router.lifespan_context(app), client(app) as api:
        incident = await resolved(api, tokens)
        secrets = sealed(path, incident["id"])
        reader = sqlite3.connect(path, isolation_level=None)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM incidents").fetchone()
        answer = await act(api, tokens, GAINING, incident["id"], "close")
        assert answer.status_code == 200, answer.text
        runtime: Runtime = app.state.runtime
        assert runtime.wal.pending
        assert files_holding(path, secrets) == [path.name + "-wal"]
    # Stopped with the truncation still pending, as a crash would leave it.
    reader.execute("COMMIT")
    try:
        app = create_app(api_settings, clock=clock)
        async with app.router.lifespan_context(app):
            assert files_holding(path, secrets) == []
    finally:
        reader.close()


async def test_the_background_retry_truncates_once_the_reader_lets_go(
    api: httpx.AsyncClient, tokens: Tokens, api_settings: Settings
) -> None:
    path = database_path(api_settings)
    incident = await resolved(api, tokens)
    secrets = sealed(path, incident["id"])
    reader = sqlite3.connect(path, isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM incidents").fetchone()
        assert (await act(api, tokens, GAINING, incident["id"], "close")).status_code == 200
        runtime: Runtime = api.app.state.runtime  # type: ignore[attr-defined]
        assert runtime.wal.pending
        reader.execute("COMMIT")
        await asyncio.wait_for(runtime.wal.wait(), timeout=30)
    finally:
        reader.close()
    assert files_holding(path, secrets) == []


async def test_a_code_whose_key_was_destroyed_is_gone(
    api_settings: Settings, clock: FrozenClock, tokens: Tokens
) -> None:
    """Retiring a key and destroying it after the retention period leaves whatever outlived a
    delete (PostgreSQL's dead tuples, WAL, backups) unreadable: such a code answers 410."""
    await empty(api_settings)
    app = create_app(api_settings, clock=clock)
    async with app.router.lifespan_context(app), client(app) as api:
        incident = await resolved(api, tokens)
    rotated = api_settings.model_copy(
        update={"install_code_keys": "next:" + base64.b64encode(bytes(32)).decode()}
    )
    app = create_app(rotated, clock=clock)
    async with app.router.lifespan_context(app), client(app) as api:
        reveal = await api.get(
            f"/v1/incidents/{incident['id']}/install-code", headers=tokens.party(GAINING)
        )
    assert reveal.status_code == 410, reveal.text
    assert reveal.json()["type"].endswith("/install-code-destroyed")
