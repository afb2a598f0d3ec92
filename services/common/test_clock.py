"""The development test clock (DESIGN §5): move a deployment's SLA time forward from outside.

`POST /v1/test-clock {"now"}` sets an offset from real time (forward only), `DELETE` clears it.
The offset lives in the service's own database so that every replica shares it: each replica
re-reads it every `REFRESH_SECONDS`, and the one that was told applies it at once. The routes
exist only in development; elsewhere they are 404 because they are never mounted.
"""

import asyncio
import contextlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from sqlalchemy import Column, Float, Integer, MetaData, Table, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.common.auth import Principal, require
from services.common.clock import Clock
from services.common.db import UTCDateTime
from services.common.errors import Conflict
from services.common.negotiation import Instant
from shared.tokens import ADMIN_SCOPE

REFRESH_SECONDS = 1.0
_ROW = 1


class AdjustableClock:
    """Another clock plus an offset: real time unless a test clock is set."""

    def __init__(self, base: Clock) -> None:
        self.base = base
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return self.base.now() + self.offset


def test_clock_table(metadata: MetaData) -> Table:
    """The one-row table a service keeps its offset in (each service in its own database)."""
    return Table(
        "test_clock",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("offset_seconds", Float, nullable=False),
        Column("set_at", UTCDateTime(), nullable=False),
    )


class TestClock:
    """What the routes and the refresher need: the clock, its table, the engine."""

    __test__ = False  # not a pytest class

    def __init__(
        self,
        clock: AdjustableClock,
        table: Table,
        engine: AsyncEngine,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self.clock = clock
        self.table = table
        self.engine = engine
        self.on_change = on_change

    async def load(self, conn: AsyncConnection | None = None) -> timedelta:
        """Read the shared offset and apply it here."""
        if conn is None:
            async with self.engine.connect() as own:
                return await self.load(own)
        seconds = (
            await conn.execute(select(self.table.c.offset_seconds).where(self.table.c.id == _ROW))
        ).scalar()
        self.clock.offset = timedelta(seconds=seconds or 0.0)
        return self.clock.offset

    async def set(self, offset: timedelta) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(delete(self.table))
            if offset:
                await conn.execute(
                    self.table.insert().values(
                        id=_ROW, offset_seconds=offset.total_seconds(), set_at=datetime.now(UTC)
                    )
                )
        self.clock.offset = offset
        self.on_change()

    async def refresh(self, stop: asyncio.Event) -> None:
        """Pick up what another replica set (development only)."""
        while not stop.is_set():
            with contextlib.suppress(Exception):
                before = self.clock.offset
                if await self.load() != before:
                    self.on_change()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), REFRESH_SECONDS)


class TestClockSet(BaseModel):
    now: Instant


class TestClockRead(BaseModel):
    now: datetime
    real_now: datetime
    offset_seconds: float


async def get_test_clock(request: Request) -> TestClock:
    # async, though it awaits nothing: FastAPI runs a plain `def` dependency in its thread pool.
    test_clock: TestClock = request.app.state.test_clock
    return test_clock


TestClockDep = Annotated[TestClock, Depends(get_test_clock)]
Admin = Annotated[Principal, Depends(require(ADMIN_SCOPE, admin=True))]


def _view(test_clock: TestClock) -> TestClockRead:
    clock = test_clock.clock
    return TestClockRead(
        now=clock.now(), real_now=clock.base.now(), offset_seconds=clock.offset.total_seconds()
    )


class TestClockBackwards(Conflict):
    slug, title = "test-clock-backwards", "The test clock only moves forward"


router = APIRouter(prefix="/v1/test-clock", tags=["test clock (development only)"])


@router.get("")
async def read_test_clock(test_clock: TestClockDep, _: Admin) -> TestClockRead:
    await test_clock.load()
    return _view(test_clock)


@router.post("")
async def set_test_clock(body: TestClockSet, test_clock: TestClockDep, _: Admin) -> TestClockRead:
    """Move this deployment's clock forward to `now`; it runs on from there."""
    await test_clock.load()
    current = test_clock.clock.now()
    if body.now < current:
        raise TestClockBackwards(
            f"The test clock is at {current.isoformat()}; it only moves forward "
            "(DELETE /v1/test-clock returns to real time)."
        )
    await test_clock.set(body.now - test_clock.clock.base.now())
    return _view(test_clock)


@router.delete("")
async def reset_test_clock(test_clock: TestClockDep, _: Admin) -> TestClockRead:
    """Back to real time."""
    await test_clock.set(timedelta(0))
    return _view(test_clock)
