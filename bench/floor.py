"""The floor a raise is measured against: the least a web service can do for one.

A plain synchronous FastAPI route on the standard library's `sqlite3`, under the same uvicorn as
the services: one lock, an incident row and an event row inserted in one transaction (WAL,
`synchronous=NORMAL`), no authentication, no checks. Its tables are the incident API's own, in a
database migrated as the API's is, so the rows and indexes written are the same.

`uvicorn --factory bench.floor:create_app` with BENCH_FLOOR_DATABASE naming the SQLite file.
"""

import json
import os
import sqlite3
import threading
import uuid
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from pydantic import BaseModel


class Raise(BaseModel):
    device_id: str


def create_app() -> FastAPI:
    db = sqlite3.connect(
        os.environ["BENCH_FLOOR_DATABASE"], check_same_thread=False, isolation_level=None
    )
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    lock = threading.Lock()
    app = FastAPI()

    @app.post("/v1/incidents", status_code=201)
    def raise_incident(body: Raise) -> dict[str, str]:
        now = datetime.now(UTC).replace(tzinfo=None)
        incident_id = str(uuid.uuid4())
        due = now + timedelta(days=7)
        with lock:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute(
                    "INSERT INTO incidents (id, device_id, device_type, requesting_party_id,"
                    " addressed_party_id, unverified, status, clock, policy, clock_started_at,"
                    " due_at, warning_at, breach_recorded, warning_recorded, reopen_count,"
                    " version, code_state, raised_at, updated_at)"
                    " VALUES (?, ?, 'ESME', 'GSUP', 'ISUP', 0, 'raised', 1, 'mp121', ?, ?, ?, 0,"
                    " 0, 0, 1, 'none', ?, ?)",
                    (incident_id, body.device_id, now, due, json.dumps([due.isoformat()]), now, now),
                )
                data = {"incident_id": incident_id, "device_id": body.device_id, "status": "raised"}
                db.execute(
                    "INSERT INTO events (type, occurred_at, incident_id, data)"
                    " VALUES ('incident.raised', ?, ?, ?)",
                    (now, incident_id, json.dumps(data)),
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return {"id": incident_id}

    return app
