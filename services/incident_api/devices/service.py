"""The device inventory: single upserts and the streamed bulk import.

A change to a Device with an open incident is written to that incident's history; it never
re-routes the incident (the addressee stays who it was when the clock started).
"""

import csv
import json
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.auth import Principal
from services.common.errors import Unprocessable
from services.incident_api.devices.models import Device
from services.incident_api.devices.schemas import (
    DeviceImportRow,
    DeviceWrite,
    ImportResult,
    RowError,
)
from services.incident_api.incidents.models import HistoryEntry, Incident
from shared.schemas import OPEN_STATUSES

BATCH_ROWS = 1000
MAX_REPORTED_ERRORS = 1000
COLUMNS = (
    "device_id",
    "device_type",
    "smi_status",
    "installing_party_id",
    "registered_supplier_party_id",
)


class BadImportFile(Unprocessable):
    slug, title = "bad-import-file", "The import file cannot be read"


async def upsert(
    session: AsyncSession, principal: Principal, device_id: str, body: DeviceWrite, now: datetime
) -> tuple[Device, bool]:
    rows = [{"device_id": device_id, **body.model_dump(mode="json"), "updated_at": now}]
    existing = await session.get(Device, device_id)
    await _write(session, principal, rows, now)
    device = await session.get(Device, device_id, populate_existing=True)
    assert device is not None
    return device, existing is None


async def _write(
    session: AsyncSession, principal: Principal, rows: list[dict[str, Any]], now: datetime
) -> None:
    await _audit_open_incidents(session, principal, {r["device_id"]: r for r in rows}, now)
    conn = await session.connection()
    # executemany of one statement compiled once (cached): a VALUES list of a thousand rows
    # would be compiled afresh for every batch.
    await conn.execute(_upsert(conn.dialect.name), rows)


def _upsert(dialect: str) -> Any:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(Device)
    return stmt.on_conflict_do_update(
        index_elements=["device_id"],
        set_={c: stmt.excluded[c] for c in (*COLUMNS[1:], "updated_at")},
    )


async def _audit_open_incidents(
    session: AsyncSession, principal: Principal, rows: dict[str, dict[str, Any]], now: datetime
) -> None:
    incidents = (
        await session.exec(
            select(Incident).where(
                col(Incident.device_id).in_(rows), col(Incident.status).in_(OPEN_STATUSES)
            )
        )
    ).all()
    if not incidents:
        return
    before = {
        d.device_id: d
        for d in (await session.exec(select(Device).where(col(Device.device_id).in_(rows)))).all()
    }
    for incident in incidents:
        new, old = rows[incident.device_id], before.get(incident.device_id)
        changes = {
            c: {"from": getattr(old, c, None) if old else None, "to": new[c]}
            for c in COLUMNS[1:]
            if old is None or str(getattr(old, c) or "") != str(new[c] or "")
        }
        if changes:
            session.add(
                HistoryEntry(
                    incident_pk=incident.pk or 0,
                    at=now,
                    actor=principal.subject,
                    action="device.updated",
                    clock=incident.clock,
                    details=json.loads(json.dumps(changes, default=str)),
                )
            )


async def import_stream(
    session: AsyncSession,
    principal: Principal,
    chunks: AsyncIterator[bytes],
    content_type: str,
    now: datetime,
) -> ImportResult:
    """Rows are validated one by one and written in batches; bad rows are reported, not fatal."""
    ndjson = "ndjson" in content_type or "jsonl" in content_type
    errors: list[RowError] = []
    failed = imported = total = 0
    batch: dict[str, dict[str, Any]] = {}
    header: list[str] | None = None
    async for line in _lines(chunks):
        if not line.strip():
            continue
        if ndjson:
            raw = _json_row(line)
        else:
            values = next(csv.reader([line]))
            if header is None:
                header = [h.strip().lower() for h in values]
                missing = {"device_id", "device_type", "smi_status"} - set(header)
                if missing:
                    raise BadImportFile(f"The CSV header lacks {', '.join(sorted(missing))}.")
                continue
            raw = dict(zip(header, values, strict=False)) if len(values) == len(header) else None
        total += 1
        row = total
        try:
            if raw is None:
                raise _RowProblem(None, "the row cannot be parsed")
            parsed = DeviceImportRow.model_validate(
                {k: (v if v != "" else None) for k, v in raw.items() if k in COLUMNS}
            )
        except (_RowProblem, ValidationError) as exc:
            failed += 1
            if len(errors) < MAX_REPORTED_ERRORS:
                errors.extend(_row_errors(row, exc))
            continue
        batch[parsed.device_id] = {**parsed.model_dump(mode="json"), "updated_at": now}
        if len(batch) >= BATCH_ROWS:
            imported += len(batch)
            await _write(session, principal, list(batch.values()), now)
            batch.clear()
    if batch:
        imported += len(batch)
        await _write(session, principal, list(batch.values()), now)
    if not ndjson and header is None:
        raise BadImportFile("The file is empty.")
    return ImportResult(
        rows=total,
        imported=imported,
        failed=failed,
        errors=errors[:MAX_REPORTED_ERRORS],
        errors_truncated=failed > len(errors),
    )


class _RowProblem(Exception):
    def __init__(self, field: str | None, message: str) -> None:
        self.field, self.message = field, message


def _json_row(line: str) -> dict[str, Any] | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _row_errors(row: int, exc: Exception) -> Iterator[RowError]:
    if isinstance(exc, _RowProblem):
        yield RowError(row=row, field=exc.field, message=exc.message)
        return
    assert isinstance(exc, ValidationError)
    for error in exc.errors():
        field = ".".join(str(p) for p in error["loc"]) or None
        yield RowError(row=row, field=field, message=error["msg"])


async def _lines(chunks: AsyncIterator[bytes]) -> AsyncIterator[str]:
    """Decoded lines of a streamed body (UTF-8, BOM and CRLF tolerated)."""
    pending = b""
    first = True
    async for chunk in chunks:
        pending += chunk
        if first and len(pending) >= 3:
            pending = pending.removeprefix(b"\xef\xbb\xbf")
            first = False
        *complete, pending = pending.split(b"\n")
        for raw in complete:
            yield _decode(raw)
    if first:
        pending = pending.removeprefix(b"\xef\xbb\xbf")
    if pending:
        yield _decode(pending)


def _decode(raw: bytes) -> str:
    try:
        return raw.rstrip(b"\r").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadImportFile("The file is not UTF-8.") from exc
