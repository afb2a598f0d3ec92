"""SQLite through aiosqlite at one hand-off a statement (services/common/sqlite.py): the BEGIN
sent with a transaction's first statement and never without one, what other connections see,
executemany, and `RawInsert`'s encoding, against real database files."""

import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    text,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.common.db import (
    UTCDateTime,
    create_engine,
    enum_column,
    run_unit,
    session_factory,
    transaction,
)
from services.common.sqlite import RawInsert, raw_cursor
from shared.schemas import SmiStatus


@dataclass
class Database:
    path: Path
    engine: AsyncEngine
    statements: list[str] = field(default_factory=list)
    """What the engine's connection has sent SQLite since `trace()` (its trace callback)."""

    async def trace(self) -> None:
        async with self.engine.connect() as conn:
            raw = await conn.get_raw_connection()
            aio: aiosqlite.Connection = raw.driver_connection  # type: ignore[assignment]
            # The engine's one connection: the trace goes on with it after it is returned.
            aio._conn.set_trace_callback(self.statements.append)
        self.statements.clear()

    def other(self) -> sqlite3.Connection:
        """Another connection, as another process would open, that never waits for a lock."""
        return sqlite3.connect(self.path, timeout=0, isolation_level=None)

    def stored(self) -> list[int]:
        """What another connection sees: only what was committed."""
        other = self.other()
        try:
            return [v for (v,) in other.execute("SELECT v FROM t ORDER BY v")]
        finally:
            other.close()

    def writer_is_free(self) -> bool:
        """Could another connection take the write lock now?"""
        other = self.other()
        try:
            other.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc):
                raise
            return False
        else:
            other.execute("ROLLBACK")
            return True
        finally:
            other.close()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    path = tmp_path / "one-hop.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (v INTEGER NOT NULL UNIQUE)"))
        yield Database(path, engine)
    finally:
        await engine.dispose()


@pytest.fixture
def hand_offs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every call handed to a connection's thread (aiosqlite's one way there), by name."""
    calls: list[str] = []
    execute: Callable[..., Awaitable[Any]] = aiosqlite.Connection._execute

    def counted(self: aiosqlite.Connection, fn: Callable[..., Any], *args: Any) -> Awaitable[Any]:
        calls.append(getattr(fn, "__name__", repr(fn)))
        return execute(self, fn, *args)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return calls


async def insert_value(conn: AsyncConnection, value: int) -> None:
    await conn.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": value})


async def test_a_transaction_that_runs_nothing_sends_nothing(
    db: Database, hand_offs: list[str]
) -> None:
    await db.trace()
    hand_offs.clear()
    async with transaction(session_factory(db.engine)) as session:
        await session.connection()  # SQLAlchemy's transaction has begun, SQLite's not
        assert db.writer_is_free()
    async with db.engine.begin():
        pass
    assert db.statements == []
    assert hand_offs == []


async def test_the_begin_goes_with_the_first_statement(db: Database, hand_offs: list[str]) -> None:
    """One hand-off to the thread for the BEGIN and the statement, one for the commit, and
    none for the pool's reset of the returned connection; the write lock is taken with the
    first statement and held to the commit."""
    await db.trace()
    hand_offs.clear()
    async with db.engine.begin() as conn:
        assert db.writer_is_free()
        await insert_value(conn, 1)
        assert len(hand_offs) == 1
        assert not db.writer_is_free()
    assert db.statements == ["BEGIN IMMEDIATE", "INSERT INTO t (v) VALUES (1)", "COMMIT"]
    assert len(hand_offs) == 2
    assert db.writer_is_free()


async def test_a_read_is_one_hand_off(db: Database, hand_offs: list[str]) -> None:
    async with db.engine.begin() as conn:
        await insert_value(conn, 7)
    hand_offs.clear()
    async with db.engine.connect() as conn:
        assert (await conn.execute(text("SELECT v FROM t"))).all() == [(7,)]
        assert len(hand_offs) == 1
    # Closing rolls back: the SELECT's transaction is SQLite's too.
    assert len(hand_offs) == 2


async def test_a_write_is_seen_by_others_only_once_committed(db: Database) -> None:
    async with transaction(session_factory(db.engine)) as session:
        conn = await session.connection()
        await insert_value(conn, 1)
        assert db.stored() == []
        assert (await conn.execute(text("SELECT v FROM t"))).all() == [(1,)]
    assert db.stored() == [1]


async def test_a_unit_runs_in_the_sessions_transaction_in_one_hand_off(
    db: Database, hand_offs: list[str]
) -> None:
    def unit(conn: Connection) -> list[int]:
        cursor = raw_cursor(conn)
        cursor.executemany("INSERT INTO t (v) VALUES (?)", [(1,), (2,)])
        conn.execute(text("INSERT INTO t (v) VALUES (3)"))
        return [v for (v,) in conn.execute(text("SELECT v FROM t ORDER BY v"))]

    await db.trace()
    async with transaction(session_factory(db.engine)) as session:
        hand_offs.clear()
        assert await run_unit(session, unit) == [1, 2, 3]
        assert len(hand_offs) == 1
        assert db.stored() == []
        await insert_value(await session.connection(), 4)
    assert db.stored() == [1, 2, 3, 4]
    assert db.statements[0] == "BEGIN IMMEDIATE"
    assert db.statements[-1] == "COMMIT"
    assert db.statements.count("BEGIN IMMEDIATE") == 1


@pytest.mark.parametrize("first", [True, False], ids=["first statement", "later statement"])
async def test_a_failed_statement_leaves_the_transaction_usable(db: Database, first: bool) -> None:
    """SQLite undoes the failed statement alone; the transaction goes on, and rolling it back
    discards all it wrote. The first statement carries the BEGIN: it is sent even though the
    statement fails."""
    async with db.engine.begin() as conn:
        await insert_value(conn, 1)
    async with db.engine.connect() as conn:
        await conn.begin()
        if not first:
            await insert_value(conn, 2)
        with pytest.raises(IntegrityError):
            await insert_value(conn, 1)
        await insert_value(conn, 3)
        inside = (await conn.execute(text("SELECT v FROM t ORDER BY v"))).scalars().all()
        assert inside == ([1, 3] if first else [1, 2, 3])
        assert not db.writer_is_free()
        await conn.rollback()
    assert db.stored() == [1]
    assert db.writer_is_free()


async def test_executemany_through_the_one_hop_cursor(db: Database, hand_offs: list[str]) -> None:
    await db.trace()
    hand_offs.clear()
    async with db.engine.begin() as conn:
        result = await conn.execute(
            text("INSERT INTO t (v) VALUES (:v)"), [{"v": v} for v in range(5)]
        )
        assert result.rowcount == 5
        assert len(hand_offs) == 1
    assert db.stored() == [0, 1, 2, 3, 4]
    assert db.statements.count("BEGIN IMMEDIATE") == 1
    with pytest.raises(IntegrityError):
        async with db.engine.begin() as conn:
            await conn.execute(text("INSERT INTO t (v) VALUES (:v)"), [{"v": 5}, {"v": 4}])
    assert db.stored() == [0, 1, 2, 3, 4]


# -- RawInsert ------------------------------------------------------------------------------

METADATA = MetaData()
_kind = enum_column(SmiStatus, nullable=True).sa_column
ENCODED = Table(
    "encoded",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime(), nullable=True),
    Column("kind", _kind.type, nullable=True),
    Column("doc", JSON, nullable=True),
    Column("flag", Boolean, nullable=True),
    Column("note", String(32), nullable=True),
)
LONDON_SUMMER = timezone(timedelta(hours=1))
ROWS: list[dict[str, Any]] = [
    {
        "at": datetime(2026, 6, 10, 9, 30, 1, 250_001, tzinfo=UTC),
        "kind": SmiStatus.installed_not_commissioned,
        "doc": {"warning_at": ["2026-06-16T23:00:00+00:00"], "n": 1.5, "none": None},
        "flag": True,
        "note": "Zähler im Keller",
    },
    {
        "at": datetime(2026, 6, 10, 10, 30, 1, 7, tzinfo=LONDON_SUMMER),
        "kind": SmiStatus.whitelisted,
        "doc": [],
        "flag": False,
        "note": "",
    },
    {  # a whole second: Core's SQLite text keeps its ".000000", so text order is time order
        "at": datetime(2026, 6, 17, 23, 0, tzinfo=UTC),
        "kind": SmiStatus.whitelisted,
        "doc": {},
        "flag": True,
        "note": "x",
    },
    {"at": None, "kind": None, "doc": None, "flag": None, "note": None},
]


def raw_values(path: Path) -> list[list[tuple[str, Any]]]:
    """The rows of `encoded` as SQLite holds them: each value with its storage class."""
    connection = sqlite3.connect(path)
    try:
        columns = [c.name for c in ENCODED.columns if c.name != "id"]
        typed = ", ".join(f"typeof({c}), {c}" for c in columns)
        rows = connection.execute(f"SELECT {typed} FROM encoded ORDER BY id")  # noqa: S608
        return [list(zip(row[::2], row[1::2], strict=True)) for row in rows]
    finally:
        connection.close()


async def test_raw_insert_stores_what_core_stores(db: Database) -> None:
    """Each row inserted by Core (the async engine, as the ORM's flushes run), by Core in a
    unit on the connection's thread, and by `RawInsert` one at a time and in an executemany:
    the values SQLite stores (text, integers, nulls) are the same, byte for byte."""
    async with db.engine.begin() as conn:
        await conn.run_sync(METADATA.create_all)
        for row in ROWS:
            await conn.execute(insert(ENCODED), row)

    def unit(conn: Connection) -> list[int]:
        conn.execute(insert(ENCODED), ROWS)
        statement = RawInsert(ENCODED, conn.dialect, skip=frozenset({"id"}))
        cursor = raw_cursor(conn)
        ids = statement.each(cursor, ROWS)
        statement.many(cursor, ROWS)
        return ids

    async with transaction(session_factory(db.engine)) as session:
        ids = await run_unit(session, unit)
    n = len(ROWS)
    assert ids == list(range(2 * n + 1, 3 * n + 1))
    stored = raw_values(db.path)
    assert len(stored) == 4 * n
    core = stored[:n]
    assert stored[n : 2 * n] == core
    assert stored[2 * n : 3 * n] == core
    assert stored[3 * n :] == core
    at, kind, _doc, flag, _note = core[0]
    assert (at, kind, flag) == (
        ("text", "2026-06-10 09:30:01.250001"),
        ("text", "installed_not_commissioned"),
        ("integer", 1),
    )
    assert core[1][0] == ("text", "2026-06-10 09:30:01.000007")  # in UTC


async def test_a_begin_refused_as_busy_is_sent_again_with_the_next_statement(db: Database) -> None:
    """Dropped, the failed BEGIN would leave the next statement outside any transaction, to
    commit on its own where the session meant to roll back."""
    async with db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        aio: aiosqlite.Connection = raw.driver_connection  # type: ignore[assignment]
        await aio.execute("PRAGMA busy_timeout=0")
    holder = db.other()
    holder.execute("BEGIN IMMEDIATE")
    async with db.engine.connect() as conn:
        await conn.begin()
        with pytest.raises(Exception, match="locked"):
            await insert_value(conn, 1)
        holder.execute("ROLLBACK")
        await insert_value(conn, 2)  # the same transaction, as SQLAlchemy sees it
        await conn.rollback()
    assert db.stored() == []
