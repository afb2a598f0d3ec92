"""What raising reads and writes (services.incident_api.incidents.raising), in a `run_unit`.

Core statements on any database. On SQLite, where the embedded default runs and a raise is
measured against a route on the standard library's `sqlite3`, the reads every raise makes (the
Devices and the requester's open incidents here, the parties in `parties.service`) and the
inserts run as plain SQL on the connection's own cursor: SQLAlchemy's per-statement work cost
more than the statements. The SQL reads the same columns as the Core statement beside it; the
suite runs on both databases.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, delete, insert, select

from services.common import sqlite
from services.common.db import insert_rows, raw_insert
from services.incident_api.devices.models import Device
from services.incident_api.incidents.models import HistoryEntry, IdempotencyRecord, Incident
from shared.schemas import OPEN_STATUSES, DeviceType, SmiStatus


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


INCIDENTS, HISTORY, KEYS = _table(Incident), _table(HistoryEntry), _table(IdempotencyRecord)
DEVICES = _table(Device)
_OPEN = [s.value for s in OPEN_STATUSES]


@dataclass(frozen=True)
class DeviceRow:
    device_id: str
    device_type: DeviceType
    smi_status: SmiStatus
    installing_party_id: str | None
    registered_supplier_party_id: str | None


@dataclass(frozen=True)
class KeyRow:
    key: str
    request_hash: str
    incident_id: str
    created_at: datetime


def _sqlite(conn: Connection) -> bool:
    return conn.dialect.name == "sqlite"


def _ids(values: Iterable[str | None]) -> list[str]:
    return sorted({v for v in values if v is not None})


def devices(conn: Connection, ids: Iterable[str]) -> dict[str, DeviceRow]:
    wanted = _ids(ids)
    if _sqlite(conn):
        rows: Iterable[Any] = sqlite.raw_cursor(conn).execute(
            "SELECT device_id, device_type, smi_status, installing_party_id,"
            " registered_supplier_party_id FROM devices"
            " WHERE device_id IN (SELECT value FROM json_each(?))",
            (json.dumps(wanted),),
        )
    else:
        rows = conn.execute(
            select(
                DEVICES.c.device_id,
                DEVICES.c.device_type,
                DEVICES.c.smi_status,
                DEVICES.c.installing_party_id,
                DEVICES.c.registered_supplier_party_id,
            ).where(DEVICES.c.device_id.in_(wanted))
        )
    return {r[0]: DeviceRow(r[0], DeviceType(r[1]), SmiStatus(r[2]), r[3], r[4]) for r in rows}


def open_incidents(conn: Connection, requester: str, device_ids: Iterable[str]) -> dict[str, str]:
    """Device id -> the requester's open incident for it."""
    wanted = _ids(device_ids)
    if _sqlite(conn):
        rows: Iterable[Any] = sqlite.raw_cursor(conn).execute(
            # The statuses as the open-incident index names them, so that SQLite searches that
            # index by Device rather than every incident the requester ever raised.
            "SELECT device_id, id FROM incidents WHERE requesting_party_id = ?"
            " AND device_id IN (SELECT value FROM json_each(?))"
            " AND status IN ('raised', 'acknowledged')",
            (requester, json.dumps(wanted)),
        )
    else:
        rows = conn.execute(
            select(INCIDENTS.c.device_id, INCIDENTS.c.id).where(
                INCIDENTS.c.requesting_party_id == requester,
                INCIDENTS.c.device_id.in_(wanted),
                INCIDENTS.c.status.in_(_OPEN),
            )
        )
    return {r[0]: r[1] for r in rows}


def keys(conn: Connection, requester: str, wanted: Iterable[str]) -> list[KeyRow]:
    """The requester's idempotency records among `wanted`, expired or not."""
    rows = conn.execute(
        select(KEYS.c.key, KEYS.c.request_hash, KEYS.c.incident_id, KEYS.c.created_at).where(
            KEYS.c.party_id == requester, KEYS.c.key.in_(_ids(wanted))
        )
    )
    return [KeyRow(*r) for r in rows]


def forget_keys(conn: Connection, requester: str, expired: list[str]) -> None:
    conn.execute(delete(KEYS).where(KEYS.c.party_id == requester, KEYS.c.key.in_(expired)))


def incidents(conn: Connection, ids: Iterable[str]) -> dict[str, Incident]:
    wanted = _ids(ids)
    if not wanted:
        return {}
    rows = conn.execute(select(INCIDENTS).where(INCIDENTS.c.id.in_(wanted)))
    return {row.id: Incident(**row._mapping) for row in rows}


_INCIDENT_COLUMNS = [c.key for c in INCIDENTS.columns if c.key != "pk"]


def insert_incidents(conn: Connection, new: list[Incident]) -> None:
    """Inserts `new` and sets their pks."""
    rows = [{k: getattr(i, k) for k in _INCIDENT_COLUMNS} for i in new]
    for incident, pk in zip(new, _insert_incidents(conn, rows), strict=True):
        incident.pk = pk


def _insert_incidents(conn: Connection, rows: list[dict[str, Any]]) -> list[int]:
    if _sqlite(conn):
        return raw_insert(conn, INCIDENTS).each(sqlite.raw_cursor(conn), rows)
    result = conn.execute(
        insert(INCIDENTS).returning(INCIDENTS.c.pk, sort_by_parameter_order=True), rows
    )
    return list(result.scalars())


def insert_history(conn: Connection, rows: list[dict[str, Any]]) -> None:
    insert_rows(conn, HISTORY, rows)


def insert_keys(conn: Connection, rows: list[dict[str, Any]]) -> None:
    insert_rows(conn, KEYS, rows)
