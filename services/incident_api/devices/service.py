"""The device inventory: single upserts and the streamed bulk import.

A change to a Device with an open incident is written to that incident's history; it never
re-routes the incident (the addressee stays who it was when the clock started).

The import reads its body as it streams, one line at a time (LF, CRLF or a lone CR ends a line),
holding at most one line and one chunk in memory, the checked rows in a temporary file
(`ImportSpool`), and writes them once the body has arrived, a batch a transaction.
A problem with one row (bad JSON, JSON nested too deeply, wrong field count, an invalid value, a
party id no party is registered under) is that row's error and the import goes on; parties are
looked up once per batch of rows, never once per row. A problem with the file (no CSV header, not
UTF-8, a line over `MAX_LINE_BYTES`) refuses the whole import: reading stops there and nothing has
been written.
"""

import csv
import json
import pickle
import tempfile
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any, NoReturn

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
from services.incident_api.parties.models import Party
from shared.schemas import OPEN_STATUSES

BATCH_ROWS = 1000
MAX_REPORTED_ERRORS = 1000
MAX_LINE_BYTES = 64 * 1024
"""A row of five short columns needs a few hundred bytes; anything near this is not a row."""
COLUMNS = (
    "device_id",
    "device_type",
    "smi_status",
    "installing_party_id",
    "registered_supplier_party_id",
)
PARTY_COLUMNS = ("installing_party_id", "registered_supplier_party_id")
UNREGISTERED = "no party is registered under this id: register the party first"


class BadImportFile(Unprocessable):
    slug, title = "bad-import-file", "The import file cannot be read"


class UnregisteredParty(Unprocessable):
    slug, title = "unregistered-party", "The Device names a party that is not registered"


async def upsert(
    session: AsyncSession, principal: Principal, device_id: str, body: DeviceWrite, now: datetime
) -> tuple[Device, bool]:
    rows = [{"device_id": device_id, **body.model_dump(mode="json"), "updated_at": now}]
    unregistered = _naming(rows[0], await _unregistered(session, rows))
    if unregistered:
        raise UnregisteredParty(
            "Register the party before naming it on a Device.",
            errors=[{"field": field, "message": UNREGISTERED} for field in unregistered],
        )
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
                    actor=principal.actor,
                    action="device.updated",
                    clock=incident.clock,
                    details=json.loads(json.dumps(changes, default=str)),
                )
            )


class ImportSpool:
    """An import's rows, read and checked while the body streamed, kept on disk until written:
    the writer is never held while a client uploads (at whatever pace it sends), and a file
    refused as a whole has had nothing written. Each batch is written and committed on its own
    (`write_import`), so other writers wait for one batch at most."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by `close`
        self.rows = 0

    def add(
        self, batch: list[tuple[int, dict[str, Any]]], refused: list[list[RowError]], unheld: int
    ) -> None:
        """A batch: its good rows, the errors of the rows refused that may still be reported, and
        how many more were refused."""
        pickle.dump((batch, refused, unheld), self.file, protocol=pickle.HIGHEST_PROTOCOL)

    def batches(
        self,
    ) -> Iterator[tuple[list[tuple[int, dict[str, Any]]], list[list[RowError]], int]]:
        self.file.seek(0)
        while True:
            try:
                yield pickle.load(self.file)  # noqa: S301 - written by this process just now
            except EOFError:
                return

    def close(self) -> None:
        self.file.close()


async def read_import(
    chunks: AsyncIterator[bytes], content_type: str, now: datetime
) -> ImportSpool:
    """Rows are validated one by one as the body streams; bad rows are kept as refusals, not
    fatal. Nothing touches the database."""
    ndjson = "ndjson" in content_type or "jsonl" in content_type
    spool = ImportSpool()
    try:
        batch: list[tuple[int, dict[str, Any]]] = []
        refused: list[list[RowError]] = []
        held = unheld = 0  # refusals kept for the report, and those past what it can show
        header: list[str] = []
        async for line in _lines(chunks):
            if not line.strip():
                continue
            if not ndjson and not header:
                header = _csv_header(line)
                continue
            spool.rows += 1
            try:
                raw = _json_row(line) if ndjson else _csv_row(line, header)
                # Only known columns reach validation, so an error's field is always one of ours.
                parsed = DeviceImportRow.model_validate(
                    {k: (v if v != "" else None) for k, v in raw.items() if k in COLUMNS}
                )
            except (_RowProblem, ValidationError) as exc:
                # Errors are reported in row order, the first MAX_REPORTED_ERRORS: once that many
                # rows were refused here, no later row's error can be among them.
                if held < MAX_REPORTED_ERRORS:
                    refused.append(list(_row_errors(spool.rows, exc)))
                    held += 1
                else:
                    unheld += 1
            else:
                batch.append((spool.rows, {**parsed.model_dump(mode="json"), "updated_at": now}))
            # Every BATCH_ROWS rows read, good or bad: that bounds the refusals held back too.
            if spool.rows % BATCH_ROWS == 0:
                spool.add(batch, refused, unheld)
                batch, refused, unheld = [], [], 0
        spool.add(batch, refused, unheld)
        if not ndjson and not header:
            raise BadImportFile("The file is empty.")
    except BaseException:
        spool.close()
        raise
    return spool


async def write_import(
    session: AsyncSession, principal: Principal, spool: ImportSpool, now: datetime
) -> AsyncIterator[ImportResult]:
    """Writes the spooled batches in order, yielding what is done after each, for the caller to
    commit it; the last yield is the import's result."""
    result = _Outcome()
    result.rows = spool.rows
    for batch, refused, unheld in spool.batches():
        for errors in refused:
            result.refuse(errors)
        result.refuse_unheld(unheld)
        await _write_batch(session, principal, batch, result, now)
        yield ImportResult(
            rows=result.rows,
            imported=result.rows - result.failed,
            failed=result.failed,
            errors=result.errors,
            errors_truncated=result.truncated,
        )


class _Outcome:
    """What an import has done so far: rows read, rows refused and (the first of) their errors.

    A batch's parties are checked when it is written, after later rows may have failed to parse:
    its refusals wait in `pending` until then, so errors are reported in row order.
    """

    def __init__(self) -> None:
        self.rows = self.failed = 0
        self.errors: list[RowError] = []
        self.pending: list[RowError] = []
        self.truncated = False

    def refuse_unheld(self, count: int) -> None:
        """Rows refused whose errors can no longer be reported."""
        self.failed += count
        self.truncated = self.truncated or count > 0

    def refuse(self, errors: Iterable[RowError]) -> None:
        self.failed += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.pending.extend(errors)
        else:
            self.truncated = True

    def batch_done(self) -> None:
        room = MAX_REPORTED_ERRORS - len(self.errors)
        self.pending.sort(key=lambda e: e.row)  # stable: a row's errors keep their order
        self.errors.extend(self.pending[:room])
        self.truncated = self.truncated or len(self.pending) > room
        self.pending.clear()


async def _write_batch(
    session: AsyncSession,
    principal: Principal,
    batch: list[tuple[int, dict[str, Any]]],
    result: _Outcome,
    now: datetime,
) -> None:
    """Writes the rows of `batch` whose parties are registered (one query for the whole batch)
    and refuses the others; of two rows for one Device, the later kept row wins."""
    unregistered = await _unregistered(session, (row for _, row in batch))
    kept: dict[str, dict[str, Any]] = {}
    for number, row in batch:
        fields = _naming(row, unregistered)
        if fields:
            result.refuse(RowError(row=number, field=f, message=UNREGISTERED) for f in fields)
        else:
            kept[row["device_id"]] = row
    if kept:
        await _write(session, principal, list(kept.values()), now)
    result.batch_done()


async def _unregistered(session: AsyncSession, rows: Iterable[Mapping[str, Any]]) -> set[str]:
    """The party ids `rows` name that no party is registered under."""
    named = {row[c] for row in rows for c in PARTY_COLUMNS if row[c] is not None}
    if not named:
        return set()
    registered = await session.exec(select(Party.party_id).where(col(Party.party_id).in_(named)))
    return named - set(registered.all())


def _naming(row: Mapping[str, Any], unregistered: set[str]) -> list[str]:
    """The party columns of `row` that name an unregistered party."""
    return [c for c in PARTY_COLUMNS if row[c] is not None and row[c] in unregistered]


class _RowProblem(Exception):
    def __init__(self, field: str | None, message: str) -> None:
        self.field, self.message = field, message


def _csv_header(line: str) -> list[str]:
    try:
        header = [h.strip().lower() for h in next(csv.reader([line]))]
    except csv.Error:
        raise BadImportFile("The CSV header cannot be parsed.") from None
    missing = {"device_id", "device_type", "smi_status"} - set(header)
    if missing:
        raise BadImportFile(f"The CSV header lacks {', '.join(sorted(missing))}.")
    return header


def _csv_row(line: str, header: list[str]) -> dict[str, Any]:
    try:
        values = next(csv.reader([line]))
    except csv.Error:
        raise _RowProblem(None, "the row cannot be parsed") from None
    if len(values) != len(header):
        raise _RowProblem(None, "the row cannot be parsed")
    return dict(zip(header, values, strict=True))


def _json_row(line: str) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except ValueError:
        raise _RowProblem(None, "the row cannot be parsed") from None
    except RecursionError:
        # The json module recurses once per level of nesting; a row needs one level.
        raise _RowProblem(None, "the row is nested too deeply") from None
    if not isinstance(value, dict):
        raise _RowProblem(None, "the row cannot be parsed")
    return value


def _row_errors(row: int, exc: Exception) -> Iterator[RowError]:
    if isinstance(exc, _RowProblem):
        yield RowError(row=row, field=exc.field, message=exc.message)
        return
    assert isinstance(exc, ValidationError)
    for error in exc.errors():
        field = ".".join(str(p) for p in error["loc"]) or None
        yield RowError(row=row, field=field, message=error["msg"])


_BOM = b"\xef\xbb\xbf"


async def _lines(chunks: AsyncIterator[bytes]) -> AsyncIterator[str]:
    """Decoded lines of a streamed body; see `_LineSplitter`."""
    splitter = _LineSplitter()
    async for chunk in chunks:
        for line in splitter.feed(chunk):
            yield line
    for line in splitter.close():
        yield line


class _LineSplitter:
    """UTF-8 bytes, fed in chunks of any size, split into lines ended by LF, CRLF or a lone CR.

    Only the bytes a chunk brings are searched for a line end, and the lines it completes leave
    the buffer at once, so the buffer holds one partial line and one chunk. A line is refused as
    soon as it passes `MAX_LINE_BYTES`, before the rest of the body is read.
    """

    def __init__(self) -> None:
        self._pending = bytearray()  # a line whose end has not come yet
        self._count = 0  # lines handed out so far, to number the one at fault
        self._bom_checked = False
        self._after_cr = False  # the last chunk ended in CR: an LF opening the next is the CR's

    def feed(self, chunk: bytes) -> list[str]:
        if not chunk:
            return []  # nothing to split, and a CR that ended the last chunk still waits
        pending, searched = self._pending, len(self._pending)
        pending += chunk
        if not self._bom_checked:
            if len(pending) < len(_BOM):
                return []  # too short yet to tell whether a BOM opens the body
            if pending.startswith(_BOM):
                del pending[: len(_BOM)]
                searched = 0
            self._bom_checked = True
        if self._after_cr and pending.startswith(b"\n"):
            del pending[:1]  # nothing else was pending: the CR ended the last chunk
        # One past the last line end among the new bytes (0 if none): what is before it is whole
        # lines. Searching only the new bytes keeps the work linear in the body.
        cut = max(pending.rfind(b"\n", searched), pending.rfind(b"\r", searched)) + 1
        block = pending[:cut]
        del pending[:cut]
        self._after_cr = not pending and block.endswith(b"\r")
        lines = self._decode(block)
        if len(pending) > MAX_LINE_BYTES:
            self._too_long(self._count + 1)
        return lines

    def close(self) -> list[str]:
        lines = self._decode(self._pending)  # the last line, if the body did not end it
        self._pending.clear()
        return lines

    def _decode(self, block: bytearray) -> list[str]:
        lines = []
        for raw in block.splitlines():  # at LF, CR and CRLF, never another byte
            self._count += 1
            if len(raw) > MAX_LINE_BYTES:
                self._too_long(self._count)
            try:
                lines.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                raise BadImportFile(f"Line {self._count:,} is not UTF-8.") from None
        return lines

    @staticmethod
    def _too_long(number: int) -> NoReturn:
        raise BadImportFile(
            f"Line {number:,} is longer than {MAX_LINE_BYTES:,} bytes, far more than a row needs; "
            "end each row with a line break (LF, CRLF or CR)."
        )
