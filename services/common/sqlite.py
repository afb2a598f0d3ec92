"""SQLite through aiosqlite at one thread hop a statement, and one for a whole unit of work.

aiosqlite runs each call on its connection's own thread and hands the result back to the event
loop. SQLAlchemy's adapter makes four such hand-offs for a SELECT (open a cursor, execute, fetch,
close) and three for a write, and each costs tens of microseconds of CPU in queue and wake-up
work, more than the statement itself. Here a statement is opened, run, fetched and closed in one
call on the connection's thread (`OneHopCursor`), and `run_sync_on_thread` runs a whole synchronous
function there, for a path that wants every statement of its transaction in one hand-off.

The connection is still aiosqlite's: one thread per connection, every call on it in order.
"""

import asyncio
import collections
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiosqlite
from sqlalchemy import Connection, Dialect, Engine, Table, create_engine, insert
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.pool import StaticPool
from sqlalchemy.util import EMPTY_DICT

T = TypeVar("T")

Outcome = tuple[Any, list[Any], int, int | None]
"""What a statement leaves behind: description, rows, rowcount, lastrowid."""


def _on_thread(aio: aiosqlite.Connection, fn: Callable[..., Any], *args: Any) -> Awaitable[Any]:
    """aiosqlite's own hand-off to its thread (what each of its public methods calls)."""
    execute: Callable[..., Awaitable[Any]] = aio._execute
    return execute(fn, *args)


def _run(
    connection: sqlite3.Connection, begin: str | None, operation: str, parameters: Any, many: bool
) -> Outcome:
    if begin is not None:
        connection.execute(begin)
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose statement is run, fetched and closed in one call on the thread."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        # No aiosqlite cursor is opened: `_run` opens and closes its own, on the thread.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass

    async def _async_soft_close(self) -> None:
        return None  # nothing is open: the rows are already here

    def close(self) -> None:
        self._rows.clear()

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        await self._call(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> None:
        await self._call(operation, seq_of_parameters, many=True)

    async def _call(self, operation: Any, parameters: Any, *, many: bool) -> None:
        adapted: OneHopConnection = self._adapt_connection  # type: ignore[assignment]
        outcome: Outcome = await adapted.hand_off(_run, operation, parameters, many)
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = collections.deque(rows)


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("pending_begin", "sync_connection")
    _cursor_cls = OneHopCursor  # type: ignore[assignment]

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self.sync_connection: Connection | None = None
        """A synchronous SQLAlchemy connection over this one, for `run_sync_on_thread`."""
        self.pending_begin: str | None = None
        """The BEGIN of a transaction not yet sent: it goes with the first statement, in the
        same hand-off (`begin_lazily`)."""

    def begin_lazily(self, begin: str) -> None:
        self.pending_begin = begin

    def take_begin(self) -> str | None:
        begin, self.pending_begin = self.pending_begin, None
        return begin

    async def hand_off(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(connection, begin, *args)` in one call on the connection's thread, where `begin` is
        the transaction's BEGIN if it is still to be sent. A BEGIN that failed (the lock stayed
        busy past the timeout) is sent again with the next statement: dropped, that statement
        would run outside any transaction and commit on its own."""
        aio: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        async with self._execute_mutex:
            begin = self.take_begin()
            call = asyncio.ensure_future(_on_thread(aio, fn, aio._conn, begin, *args))
            try:
                result: T = await asyncio.shield(call)
            except BaseException as exc:
                if isinstance(exc, asyncio.CancelledError):
                    # The thread goes on with the call whatever happens here: wait for it, so
                    # that whether it left a transaction open is known before the rollback.
                    await asyncio.wait({call})
                if begin is not None and not self._in_transaction():
                    self.pending_begin = begin
                raise
        return result

    def commit(self) -> None:
        if self.take_begin() is None and self._in_transaction():
            super().commit()

    def rollback(self) -> None:
        # The pool rolls back every connection it takes back, after a commit too: without a
        # transaction open there is nothing to send to the thread.
        if self.take_begin() is None and self._in_transaction():
            super().rollback()

    def _in_transaction(self) -> bool:
        """SQLite's own flag, read from any thread; False once the connection is closed."""
        aio: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        try:
            return aio._conn.in_transaction
        except ValueError:  # aiosqlite: no active connection
            return False


class OneHopDbapi(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module the engine is given (`create_async_engine(module=...)`)."""

    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        adapted = super().connect(*arg, **kw)
        return OneHopConnection(self, adapted._connection)


def dbapi() -> OneHopDbapi:
    return OneHopDbapi(aiosqlite, sqlite3)


class _Borrowed:
    """The aiosqlite connection's own `sqlite3.Connection`, lent to a synchronous SQLAlchemy
    engine for one call on its thread: the transaction belongs to the session that began it, so
    the engine's commit and rollback do nothing."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)

    def commit(self) -> None:
        pass

    def rollback(self) -> None:
        pass

    def close(self) -> None:
        pass


def _engine_over(connection: sqlite3.Connection) -> Engine:
    return create_engine(
        "sqlite://",
        creator=lambda: _Borrowed(connection),
        poolclass=StaticPool,
        hide_parameters=True,
    )


async def run_sync_on_thread(adapted: "OneHopConnection", fn: Callable[[Connection], T]) -> T:
    """`fn(connection)` on the connection's thread, every statement of it in one hand-off, in
    the transaction the session has open (`fn` neither commits nor rolls back)."""

    def call(raw: sqlite3.Connection, begin: str | None) -> T:
        if begin is not None:
            raw.execute(begin)
        if adapted.sync_connection is None:
            # Kept for the connection's life: it is only ever used here, on this thread, and
            # what it thinks of transactions is moot (`_Borrowed`).
            adapted.sync_connection = _engine_over(raw).connect()
        return fn(adapted.sync_connection)

    return await adapted.hand_off(call)


class RawInsert:
    """An INSERT of whole rows into `table`, compiled once for SQLite and run on the connection's
    own `sqlite3` cursor: each value encoded by its column's type exactly as SQLAlchemy would
    (UTC datetimes, enums, JSON), at a fraction of Core's cost a row. For the hot paths; rows
    must name every column but those in `skip` (the keys the database assigns)."""

    def __init__(self, table: Table, dialect: Dialect, skip: frozenset[str] = frozenset()) -> None:
        columns = [c for c in table.columns if c.name not in skip]
        compiled = insert(table).compile(dialect=dialect, column_keys=[c.key for c in columns])
        self.sql = str(compiled)
        order = compiled.positiontup or []
        by_key = {c.key: c for c in columns}
        self.keys = list(order)
        # The dialect's own form of each type (SQLite's DATETIME text, say), as Core binds it.
        self.processors = [
            by_key[k].type.dialect_impl(dialect).bind_processor(dialect) for k in order
        ]

    def encoder(self) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
        """Encodes the rows of one batch. A value object met again in the batch (its rows share
        one instant, one due instant, one list of warnings) is encoded once: it stays alive, so
        its identity names it, for as long as the rows that hold it."""
        plan: list[tuple[str, Any, dict[int, tuple[Any, Any]]]] = [
            (key, process, {}) for key, process in zip(self.keys, self.processors, strict=True)
        ]

        def encode(row: dict[str, Any]) -> tuple[Any, ...]:
            encoded: list[Any] = []
            for key, process, seen in plan:
                value = row[key]
                if process is None:
                    encoded.append(value)
                    continue
                known = seen.get(id(value))
                if known is None or known[0] is not value:
                    known = seen[id(value)] = (value, process(value))
                encoded.append(known[1])
            return tuple(encoded)

        return encode

    def many(self, cursor: sqlite3.Cursor, rows: list[dict[str, Any]]) -> None:
        cursor.executemany(self.sql, list(map(self.encoder(), rows)))

    def each(self, cursor: sqlite3.Cursor, rows: list[dict[str, Any]]) -> list[int]:
        """Inserts `rows` one statement each; their rowids, in order."""
        encode = self.encoder()
        rowids = []
        for row in rows:
            cursor.execute(self.sql, encode(row))
            assert cursor.lastrowid is not None
            rowids.append(cursor.lastrowid)
        return rowids


def raw_cursor(conn: Connection) -> sqlite3.Cursor:
    """The `sqlite3` cursor under a `run_sync_on_thread` connection (on the thread, in its
    transaction)."""
    borrowed = conn.connection.dbapi_connection
    assert isinstance(borrowed, _Borrowed)
    return borrowed.cursor()  # type: ignore[no-any-return]
