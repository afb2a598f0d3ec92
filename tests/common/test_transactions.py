"""The one transaction helper (services/common/db.py): commits, then runs the after-commit hooks
in order, once each; rolls back and runs none on error."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.db import (
    after_commit,
    create_engine,
    end_transaction,
    session_factory,
    transaction,
)
from tests.database import fresh_database


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    with fresh_database(tmp_path, "transactions") as url:
        yield url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=2)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (v INTEGER NOT NULL)"))
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


async def insert(session: AsyncSession, value: int) -> None:
    await session.exec(text("INSERT INTO t (v) VALUES (:v)").bindparams(v=value))  # type: ignore[call-overload]


async def stored(engine: AsyncEngine) -> list[int]:
    """What another connection sees: only what was committed."""
    async with engine.connect() as conn:
        return list((await conn.execute(text("SELECT v FROM t ORDER BY v"))).scalars())


async def test_commits_then_runs_the_hooks_in_order_awaiting_awaitables(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ran: list[tuple[str, list[int]]] = []

    def first() -> None:
        ran.append(("first", []))

    async def second() -> None:
        ran.append(("second", await stored(engine)))  # the commit is visible to others by now

    def third() -> None:
        ran.append(("third", []))

    async with transaction(sessions) as session:
        await insert(session, 1)
        after_commit(session, first)
        after_commit(session, second)
        after_commit(session, third)
        assert ran == []
    assert ran == [("first", []), ("second", [1]), ("third", [])]
    assert await stored(engine) == [1]


async def test_a_hook_registered_twice_runs_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    ran: list[str] = []

    def hook() -> None:
        ran.append("hook")

    async with transaction(sessions) as session:
        after_commit(session, hook)
        after_commit(session, hook)
    assert ran == ["hook"]


async def test_an_error_rolls_back_and_runs_no_hook(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ran: list[str] = []

    async def refused() -> None:
        async with transaction(sessions) as session:
            await insert(session, 1)
            after_commit(session, lambda: ran.append("hook"))
            raise RuntimeError("refused")

    with pytest.raises(RuntimeError, match="refused"):
        await refused()
    assert ran == []
    assert await stored(engine) == []


async def test_ending_a_transaction_early_goes_on_in_a_new_one(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """A route in steps: what the first step did stays committed, with its hooks run once, when
    a later step fails."""
    ran: list[str] = []

    async def in_steps() -> None:
        async with transaction(sessions) as session:
            await insert(session, 1)
            after_commit(session, lambda: ran.append("first step"))
            await end_transaction(session)
            assert ran == ["first step"]
            await insert(session, 2)
            after_commit(session, lambda: ran.append("second step"))
            raise RuntimeError("the second step failed")

    with pytest.raises(RuntimeError, match="second step"):
        await in_steps()
    assert ran == ["first step"]
    assert await stored(engine) == [1]
