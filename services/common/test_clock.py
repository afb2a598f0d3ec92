"""Development deployments only (elsewhere these routes are not mounted: 404): move the
deployment's SLA time forward, to see due dates, warnings, breaches and escalations come without
waiting. Webhook timestamps keep real time. Needs an `admin` token.

`POST /v1/test-clock {"now"}` sets an offset from real time (forward only), `DELETE` clears it.
The offset lives in the service's own database so that every replica shares it: each replica
re-reads it every `REFRESH_SECONDS`, and the one that was told applies it at once.
"""

import asyncio
import contextlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Column, Float, Integer, MetaData, Table, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.common.auth import Principal, require
from services.common.clock import Clock
from services.common.db import UTCDateTime
from services.common.errors import Conflict
from services.common.negotiation import Instant
from services.common.openapi import problems
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
    model_config = ConfigDict(json_schema_extra={"examples": [{"now": "2026-11-30T09:00:00Z"}]})

    now: Instant


class TestClockRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "now": "2026-11-30T09:00:00Z",
                    "real_now": "2026-11-23T14:05:12.482Z",
                    "offset_seconds": 586487.518,
                }
            ]
        }
    )

    now: datetime
    """The deployment's SLA time."""
    real_now: datetime
    offset_seconds: float
    """How far `now` is ahead of real time; 0 when the test clock is not set."""


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


@router.get("", summary="Read the test clock")
async def read_test_clock(test_clock: TestClockDep, _: Admin) -> TestClockRead:
    """The deployment's SLA time, real time, and the offset between them. `admin` only."""
    await test_clock.load()
    return _view(test_clock)


@router.post("", summary="Move the test clock forward", responses=problems(TestClockBackwards))
async def set_test_clock(body: TestClockSet, test_clock: TestClockDep, _: Admin) -> TestClockRead:
    """Move this service's clock forward to `now`; it runs on from there, and every replica
    follows within a second. On the incident API it is the time incidents are raised, answered
    and judged by (`due_at`, `sla_state`); on the notifier, the time its SLA scheduler records
    warnings, breaches and escalations by: move both together. `admin` only.

    Forward only: a `now` before the current test time is 409 (`test-clock-backwards`); return to
    real time with `DELETE /v1/test-clock` first."""
    await test_clock.load()
    current = test_clock.clock.now()
    if body.now < current:
        raise TestClockBackwards(
            f"The test clock is at {current.isoformat()}; it only moves forward "
            "(DELETE /v1/test-clock returns to real time)."
        )
    await test_clock.set(body.now - test_clock.clock.base.now())
    return _view(test_clock)


@router.delete("", summary="Return to real time")
async def reset_test_clock(test_clock: TestClockDep, _: Admin) -> TestClockRead:
    """Clear the offset: the deployment's SLA time is real time again. `admin` only."""
    await test_clock.set(timedelta(0))
    return _view(test_clock)
