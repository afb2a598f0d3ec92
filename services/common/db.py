"""Engine and session: SQLite (WAL, `BEGIN IMMEDIATE`, busy timeout) or PostgreSQL (asyncpg).

One transaction rule, in both services: the entry point owns the transaction. A request's is
its session dependency (`SessionDep`), which commits when the route returns or rolls back if it
raises; a task's is its loop, which opens one per unit of work with
`async with transaction(sessions) as session:`. Services and repositories take a session and
never commit, roll back or begin one. A route that must not hold one transaction throughout (the
bulk routes: not while the body uploads, not across a whole batch) ends it with
`end_transaction` and goes on in a new one on the same session. A read that changes nothing may
use a plain `async with sessions() as session:`: closing it ends its transaction.

What must wait for the commit (waking a worker, emptying the WAL) is registered with
`after_commit`. Only this module commits (`_commit`): it runs the hooks once each, in the order
they were registered, awaiting any that returns an awaitable; a rollback drops them.
"""

import asyncio
import inspect
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Dialect,
    MetaData,
    Table,
    TypeDecorator,
    event,
    insert,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import registry
from sqlmodel import Field
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common import sqlite

log = logging.getLogger("ssi.db")
T = TypeVar("T")
BUSY_TIMEOUT_MS = 30_000

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """`hide_parameters`: a failed statement's error (and so its log line) never carries the
    values bound to it, which may be a sealed secret, a URL or an email address."""
    if is_sqlite(url):
        # One connection per process: SQLite has one writer at a time anyway, and writers in the
        # same process queueing on the pool wait in order, where several connections would
        # contend for the file lock through SQLite's busy handler, which sleeps in steps of
        # up to 100 ms. Other processes (the CLI, a migration) still wait on busy_timeout.
        return _sqlite_engine(url, connections=1, begin="BEGIN IMMEDIATE")
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        hide_parameters=True,
    )


SQLITE_READERS = 4


def create_read_engine(url: str) -> AsyncEngine | None:
    """SQLite: read-only connections beside the one writer. In WAL mode a reader sees the last
    commit and never waits for the writer, so a GET is not queued behind a long write (a bulk
    upload, an import) on the writer's one connection. None elsewhere: PostgreSQL's connections
    read beside writers already."""
    if not is_sqlite(url):
        return None
    return _sqlite_engine(url, connections=SQLITE_READERS, begin="BEGIN", read_only=True)


def _sqlite_engine(
    url: str, *, connections: int, begin: str, read_only: bool = False
) -> AsyncEngine:
    path = url.split("///", 1)[1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(
        url,
        module=sqlite.dbapi(),
        # check_same_thread: the event loop's thread reads the connection's transaction flag
        # (sqlite.OneHopConnection); every statement still runs on aiosqlite's own thread.
        connect_args={"timeout": 30, "check_same_thread": False},
        pool_size=connections,
        max_overflow=0,
        pool_timeout=60,
        hide_parameters=True,
    )
    pragmas = [
        "journal_mode=WAL",
        "synchronous=NORMAL",
        f"busy_timeout={BUSY_TIMEOUT_MS}",
        "foreign_keys=ON",
        "secure_delete=ON",
    ]
    if read_only:  # a write on a reading session fails at once rather than waiting for the lock
        pragmas.append("query_only=ON")

    # The driver's own transaction handling is switched off so that every transaction starts
    # with `begin`: the writer's BEGIN IMMEDIATE takes the write lock up front, so two writers
    # queue on the busy timeout instead of one failing with "database is locked" when it
    # upgrades a read; a reader's BEGIN holds one snapshot for all its statements.
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in pragmas:
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(conn: Any) -> None:
        # Sent with the transaction's first statement, in the same hand-off to SQLite's thread.
        dbapi_connection: sqlite.OneHopConnection = conn.connection.dbapi_connection
        dbapi_connection.begin_lazily(begin)

    return engine


class WalTruncator:
    """Empties SQLite's write-ahead log, so that what was deleted is in no file any more.

    `secure_delete` zeroes a deleted row in the database file, but the WAL still holds the
    pages as they were before, until a checkpoint copies the newest pages back and the log is
    reused. After an install code is destroyed, `truncate()` checkpoints and truncates the WAL
    to nothing. A reader in another process (a backup, a `sqlite3` shell) can pin old frames;
    then the checkpoint cannot finish, and it is retried in the background until it does. It
    does nothing on PostgreSQL, whose dead tuples and WAL outlive a delete (see the README).
    """

    def __init__(self, engine: AsyncEngine | None) -> None:
        self._engine = engine if engine is not None and engine.dialect.name == "sqlite" else None
        self._retry: asyncio.Task[None] | None = None

    async def truncate(self) -> None:
        if self._engine is None or await self._checkpoint(self._engine):
            return
        if not self.pending:
            log.warning(
                "a reader holds the WAL: destroyed install codes stay in it until it lets go"
            )
            self._retry = asyncio.create_task(self._until_done(self._engine), name="wal-truncate")

    @property
    def pending(self) -> bool:
        """A truncation is still waiting for a reader to let go."""
        return self._retry is not None and not self._retry.done()

    async def wait(self) -> None:
        """Until no truncation is pending."""
        if self._retry is not None:
            await asyncio.shield(self._retry)

    async def close(self) -> None:
        if self._retry is not None:
            self._retry.cancel()
            await asyncio.gather(self._retry, return_exceptions=True)

    @staticmethod
    async def _checkpoint(engine: AsyncEngine) -> bool:
        """True once the WAL is empty."""
        async with engine.connect() as conn:
            raw = await conn.get_raw_connection()
            sqlite: Any = raw.driver_connection
            # Outside any transaction (a checkpoint cannot run in one), and without the
            # connection's 30 s busy timeout: the only connection must not wait on a reader.
            await sqlite.execute("PRAGMA busy_timeout=50")
            try:
                cursor = await sqlite.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                busy, _frames, _copied = await cursor.fetchone()
            finally:
                await sqlite.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        return bool(busy == 0)

    async def _until_done(self, engine: AsyncEngine) -> None:
        delay = 0.1
        while True:
            await asyncio.sleep(delay)
            try:
                if await self._checkpoint(engine):
                    return
            except Exception:
                log.exception("truncating the WAL failed; retrying")
            delay = min(delay * 2, 10.0)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


_HOOKS = "ssi.after_commit"
"""The key in `session.info` of the hooks `after_commit` registered: this module's alone."""


@asynccontextmanager
async def transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session in one transaction, owned by the block: committed when it ends (then the
    `after_commit` hooks run), rolled back if it raises."""
    async with sessions() as session:
        try:
            yield session
        except BaseException:
            session.info.pop(_HOOKS, None)
            await session.rollback()
            raise
        await _commit(session)


async def end_transaction(session: AsyncSession) -> None:
    """Commit what the request did so far (then its hooks run) and go on in a new transaction on
    the same session: for a route that must not hold one throughout. Never in a service."""
    await _commit(session)


async def _commit(session: AsyncSession) -> None:
    await session.commit()
    for hook in session.info.pop(_HOOKS, []):
        result = hook()
        if inspect.isawaitable(result):
            await result  # before the response: e.g. the WAL emptied once a code is destroyed


READING_METHODS = frozenset({"GET", "HEAD"})


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's session, one per request: a GET reads (on SQLite from `read_sessions`,
    beside the writer) unless its route is marked `WRITES`; any other method writes."""
    sessions = request.app.state.sessions
    if request.method in READING_METHODS and not getattr(request.state, "writes", False):
        sessions = getattr(request.app.state, "read_sessions", None) or sessions
    async with transaction(sessions) as session:
        yield session


# "function" scope: commit before the response is sent, so a 2xx always means committed.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def _writes(request: Request) -> None:
    request.state.writes = True


WRITES = Depends(_writes)
"""For a GET that writes (an audited read): `@router.get(..., dependencies=[WRITES])`. A
route's own dependencies are solved before its parameters', so the request's one session,
authentication's included, is then a writing one."""


async def run_unit(session: AsyncSession, fn: Callable[[Connection], T]) -> T:
    """`fn(connection)`, synchronous SQLAlchemy Core, in the session's transaction: for a hot
    path that wants its statements without the ORM's unit of work. On SQLite it runs in one call
    on the connection's thread (services.common.sqlite), on PostgreSQL through the session's
    greenlet. `fn` neither commits nor rolls back; what it wrote is not in the session's identity
    map."""
    conn = await session.connection()
    if conn.dialect.name == "sqlite":
        raw = await conn.get_raw_connection()
        adapted = raw.dbapi_connection
        assert isinstance(adapted, sqlite.OneHopConnection)
        return await sqlite.run_sync_on_thread(adapted, fn)
    return await conn.run_sync(fn)


def insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """`rows` inserted in one executemany, in a `run_unit` function: on SQLite straight on the
    connection's sqlite3 cursor (`sqlite.RawInsert`), elsewhere through Core. Each row names every
    column but an auto-incremented key."""
    if not rows:
        return
    if conn.dialect.name == "sqlite":
        raw_insert(conn, table).many(sqlite.raw_cursor(conn), rows)
    else:
        conn.execute(insert(table), rows)


_RAW_INSERTS: dict[Table, sqlite.RawInsert] = {}


def raw_insert(conn: Connection, table: Table) -> sqlite.RawInsert:
    found = _RAW_INSERTS.get(table)
    if found is None:
        auto = table.autoincrement_column
        skip = frozenset() if auto is None else frozenset({auto.name})
        found = _RAW_INSERTS[table] = sqlite.RawInsert(table, conn.dialect, skip)
    return found


def after_commit(session: AsyncSession, hook: Callable[[], object]) -> None:
    """Run `hook()` once the session's transaction has committed (e.g. wake feed readers);
    registered twice, it runs once."""
    hooks: list[Callable[[], object]] = session.info.setdefault(_HOOKS, [])
    if hook not in hooks:
        hooks.append(hook)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in Python, whatever the database keeps (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_column(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


async def get_session_factory(request: Request) -> async_sessionmaker[AsyncSession]:
    """Sessions to open one at a time (a long-poll's looks): reading ones for a GET, as
    `get_session` chooses."""
    # async, though it awaits nothing: FastAPI runs a plain `def` dependency in its thread pool.
    factory: async_sessionmaker[AsyncSession] = request.app.state.sessions
    if request.method in READING_METHODS:
        factory = getattr(request.app.state, "read_sessions", None) or factory
    return factory


SessionFactoryDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_session_factory)]


def enum_column(enum: type[StrEnum], *, nullable: bool = False, index: bool = False) -> Any:
    """A StrEnum kept as its value in a VARCHAR: no native type to migrate when values are added."""
    column_type = SAEnum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )
    return Field(sa_column=Column(column_type, nullable=nullable, index=index))


def new_registry() -> registry:
    """A mapper registry with its own metadata: each service's tables stay its own."""
    return registry(metadata=MetaData(naming_convention=NAMING_CONVENTION))
