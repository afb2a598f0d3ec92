"""The floors the write path is measured against: the least a web service can do for a raise.

- `create_app` (SQLite): a plain synchronous FastAPI route on the standard library's `sqlite3`:
  one lock, an incident row and an event row inserted in one transaction (WAL,
  `synchronous=NORMAL`), no authentication, no checks.
- `create_postgres_app`: a plain async FastAPI route on an asyncpg pool (as many connections as
  the API's pool): in one transaction, an incident row, then the feed's advisory lock (the API's
  FEED_LOCK_KEY, taken as the API takes it, just before its events) and an event row.
- `bulk_insert` (SQLite): the rows a bulk raise writes (incidents, incident_history, events,
  idempotency_keys), prepared beforehand, inserted with one `executemany` per table in one
  transaction: no HTTP, no parsing, no checks.

Their tables are the incident API's own, in a database migrated as the API's is, so the rows and
indexes written are the same. The servers run under the same uvicorn as the services (httptools,
uvloop, the same connection limit), as `python -m bench.floor sqlite|postgres PORT` with
BENCH_FLOOR_DATABASE naming the SQLite file or the PostgreSQL DSN.
"""

import json
import os
import sqlite3
import sys
import threading
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel

from services.incident_api.events.service import FEED_LOCK_KEY
from services.incident_api.settings import Settings

_INCIDENT_COLUMNS = (
    "id, device_id, device_type, requesting_party_id, addressed_party_id, unverified, status,"
    " clock, policy, clock_started_at, due_at, warning_at, breach_recorded, warning_recorded,"
    " reopen_count, version, code_state, raised_at, updated_at"
)


class Raise(BaseModel):
    device_id: str


def _event(incident_id: str, device_id: str) -> str:
    return json.dumps({"incident_id": incident_id, "device_id": device_id, "status": "raised"})


def create_app() -> FastAPI:
    db = sqlite3.connect(
        os.environ["BENCH_FLOOR_DATABASE"], check_same_thread=False, isolation_level=None
    )
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    lock = threading.Lock()
    app = FastAPI()
    insert_incident = (
        f"INSERT INTO incidents ({_INCIDENT_COLUMNS}) VALUES (?, ?, 'ESME', 'GSUP', 'ISUP', 0,"  # noqa: S608 - constants
        " 'raised', 1, 'mp121', ?, ?, ?, 0, 0, 0, 1, 'none', ?, ?)"
    )
    insert_event = (
        "INSERT INTO events (type, occurred_at, incident_id, data)"
        " VALUES ('incident.raised', ?, ?, ?)"
    )

    @app.post("/v1/incidents", status_code=201)
    def raise_incident(body: Raise) -> dict[str, str]:
        now = datetime.now(UTC).replace(tzinfo=None)
        incident_id = str(uuid.uuid4())
        due = now + timedelta(days=7)
        with lock:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute(
                    insert_incident,
                    (
                        incident_id,
                        body.device_id,
                        now,
                        due,
                        json.dumps([due.isoformat()]),
                        now,
                        now,
                    ),
                )
                db.execute(insert_event, (now, incident_id, _event(incident_id, body.device_id)))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return {"id": incident_id}

    return app


def create_postgres_app() -> FastAPI:
    dsn = os.environ["BENCH_FLOOR_DATABASE"]
    pool_size = Settings().db_pool_size
    pools: list[asyncpg.Pool] = []

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        pool = await asyncpg.create_pool(dsn, min_size=pool_size, max_size=pool_size)
        pools.append(pool)
        try:
            yield
        finally:
            await pool.close()

    app = FastAPI(lifespan=lifespan)
    insert_incident = (
        f"INSERT INTO incidents ({_INCIDENT_COLUMNS}) VALUES ($1, $2, 'ESME', 'GSUP', 'ISUP',"  # noqa: S608 - constants
        " false, 'raised', 1, 'mp121', $3, $4, $5, false, false, 0, 1, 'none', $3, $3)"
    )
    insert_event = (
        "INSERT INTO events (type, occurred_at, incident_id, data)"
        " VALUES ('incident.raised', $1, $2, $3)"
    )

    @app.post("/v1/incidents", status_code=201)
    async def raise_incident(body: Raise) -> dict[str, str]:
        now = datetime.now(UTC)
        incident_id = str(uuid.uuid4())
        due = now + timedelta(days=7)
        async with pools[0].acquire() as conn, conn.transaction():
            await conn.execute(
                insert_incident,
                incident_id,
                body.device_id,
                now,
                due,
                json.dumps([due.isoformat()]),
            )
            await conn.execute("SELECT pg_advisory_xact_lock($1)", FEED_LOCK_KEY)
            await conn.execute(insert_event, now, incident_id, _event(incident_id, body.device_id))
        return {"id": incident_id}

    return app


@dataclass(frozen=True)
class BulkRows:
    """A bulk raise's rows, as the API writes them, one list of tuples per table."""

    incidents: list[tuple[Any, ...]]
    history: list[tuple[Any, ...]]
    events: list[tuple[Any, ...]]
    keys: list[tuple[Any, ...]]


def bulk_rows(device_ids: list[str], client_refs: list[str], first_pk: int) -> BulkRows:
    """The rows of raising `device_ids` (GSUP to ISUP), keyed by `client_refs`: an incident with
    its pk from `first_pk` on, its history entry, its `incident.raised` event and its key."""
    now = datetime.now(UTC).replace(tzinfo=None)
    due = now + timedelta(days=7)
    at, due_at = str(now), str(due)
    warnings = json.dumps([(due - timedelta(days=2)).isoformat()])
    rows = BulkRows([], [], [], [])
    for n, (device_id, ref) in enumerate(zip(device_ids, client_refs, strict=True)):
        pk, incident_id = first_pk + n, str(uuid.uuid4())
        rows.incidents.append((pk, incident_id, device_id, at, due_at, warnings, at, at))
        rows.history.append((pk, at, "GSUP", "{}"))
        data = {
            "incident_id": incident_id,
            "reference": f"INC-{pk:06d}",
            "version": 1,
            "device_id": device_id,
            "requesting_party_id": "GSUP",
            "addressed_party_id": "ISUP",
            "status": "raised",
            "clock": 1,
            "policy": "mp121",
            "raised_at": now.isoformat() + "Z",
            "due_at": due.isoformat() + "Z",
            "warning_at": [(due - timedelta(days=2)).isoformat() + "Z"],
            "links": {"incident": f"/v1/incidents/{incident_id}"},
            "sla_state": "on_track",
        }
        rows.events.append((at, incident_id, json.dumps(data)))
        rows.keys.append((ref, uuid.uuid4().hex + uuid.uuid4().hex, incident_id, at))
    return rows


def bulk_insert(database: str, rows: BulkRows) -> None:
    """Inserts `rows` in one transaction, one `executemany` a table."""
    db = sqlite3.connect(database, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("BEGIN IMMEDIATE")
        db.executemany(
            f"INSERT INTO incidents (pk, {_INCIDENT_COLUMNS}) VALUES (?, ?, ?, 'ESME', 'GSUP',"  # noqa: S608 - constants
            " 'ISUP', 0, 'raised', 1, 'mp121', ?, ?, ?, 0, 0, 0, 1, 'none', ?, ?)",
            rows.incidents,
        )
        db.executemany(
            "INSERT INTO incident_history (incident_pk, at, actor, action, from_status,"
            " to_status, clock, details) VALUES (?, ?, ?, 'raised', NULL, 'raised', 1, ?)",
            rows.history,
        )
        db.executemany(
            "INSERT INTO events (type, occurred_at, incident_id, data)"
            " VALUES ('incident.raised', ?, ?, ?)",
            rows.events,
        )
        db.executemany(
            "INSERT INTO idempotency_keys (party_id, key, request_hash, incident_id, created_at)"
            " VALUES ('GSUP', ?, ?, ?, ?)",
            rows.keys,
        )
        db.execute("COMMIT")
    finally:
        db.close()


def next_pk(database: str) -> int:
    db = sqlite3.connect(database)
    try:
        (last,) = db.execute("SELECT coalesce(max(pk), 0) FROM incidents").fetchone()
        return int(last) + 1
    finally:
        db.close()


FACTORIES = {"sqlite": "bench.floor:create_app", "postgres": "bench.floor:create_postgres_app"}


def main() -> None:
    kind, port = sys.argv[1], int(sys.argv[2])
    uvicorn.run(
        FACTORIES[kind],
        factory=True,
        host="127.0.0.1",
        port=port,
        http="httptools",
        limit_concurrency=Settings().max_connections,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
