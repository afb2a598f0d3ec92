"""Engine and session: SQLite (WAL, `BEGIN IMMEDIATE`, busy timeout) or PostgreSQL (asyncpg).

The request's session dependency commits or rolls back; services and repositories never commit.
"""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Column, DateTime, Dialect, MetaData, TypeDecorator, event
from sqlalchemy import Enum as SAEnum
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import registry
from sqlmodel import Field
from sqlmodel.ext.asyncio.session import AsyncSession

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
    if is_sqlite(url):
        path = url.split("///", 1)[1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # One connection per process: SQLite has one writer at a time anyway, and writers in the
        # same process queueing on the pool wait in order, where several connections would
        # contend for the file lock through SQLite's busy handler, which sleeps in steps of
        # up to 100 ms. Other processes (the CLI, a migration) still wait on busy_timeout.
        engine = create_async_engine(
            url, connect_args={"timeout": 30}, pool_size=1, max_overflow=0, pool_timeout=60
        )
        _configure_sqlite(engine)
        return engine
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def _configure_sqlite(engine: AsyncEngine) -> None:
    # The driver's own transaction handling is switched off so that every transaction starts
    # with BEGIN IMMEDIATE: it takes the write lock up front, so two writers queue on the busy
    # timeout instead of one failing with "database is locked" when it upgrades a read.
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            "synchronous=NORMAL",
            "busy_timeout=30000",
            "foreign_keys=ON",
            "secure_delete=ON",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    factory: async_sessionmaker[AsyncSession] = request.app.state.sessions
    async with factory() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await session.commit()
        for hook in session.info.pop("after_commit", []):
            hook()


# "function" scope: commit before the response is sent, so a 2xx always means committed.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


def after_commit(session: AsyncSession, hook: Any) -> None:
    """Run `hook()` once the request's transaction has committed (e.g. wake feed readers)."""
    hooks: list[Any] = session.info.setdefault("after_commit", [])
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
    # async, though it awaits nothing: FastAPI runs a plain `def` dependency in its thread pool.
    factory: async_sessionmaker[AsyncSession] = request.app.state.sessions
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
