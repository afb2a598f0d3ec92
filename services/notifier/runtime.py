"""What the notifier's routes and background tasks share, built once in the app's lifespan."""

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.clock import Clock
from services.common.crypto import KeyRing
from services.common.test_clock import AdjustableClock
from services.notifier.settings import Settings
from services.notifier.transports.addresses import AddressPolicy
from services.notifier.transports.email import Mailer
from services.notifier.transports.webhook import Transport
from shared.calendar import WorkingDayCalendar


@dataclass
class Runtime:
    settings: Settings
    clock: Clock
    """Real time: delivery schedules, leases and webhook timestamps."""
    sla_clock: AdjustableClock
    """SLA time: real time unless the development test clock moved it on."""
    calendar: WorkingDayCalendar
    keyring: KeyRing
    policy: AddressPolicy
    transport: Transport
    mailer: Mailer
    sessions: async_sessionmaker[AsyncSession]
    rng: random.Random = field(default_factory=random.Random)
    work_ready: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when deliveries may have become due: new events routed, a retry asked for."""

    reached: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when a clock's addressee was reached: the reporter tells the API at once."""
    inbox_changed: "Broadcast" = field(default_factory=lambda: Broadcast())
    """Notified when items were put in an inbox: its waiting readers look again."""
    sla_due_at: Callable[[datetime | None], None] = lambda _: None
    """Tell the SLA scheduler an event may fall due at this SLA instant (None: now)."""

    draining: bool = False
    """The server is stopping: long-polls answer at once rather than outlast the grace period."""

    def wake_deliveries(self) -> None:
        self.work_ready.set()

    def drain(self) -> None:
        self.draining = True
        self.inbox_changed.notify()


class Broadcast:
    """Wakes every task waiting at the moment it is notified (an `asyncio.Event` would stay set
    for the next waiter, or, cleared, miss one that was about to wait)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, seconds: float) -> bool:
        """True if notified within `seconds`."""
        try:
            async with asyncio.timeout(seconds):
                await self._event.wait()
        except TimeoutError:
            return False
        return True


async def get_runtime(request: Request) -> Runtime:
    # async, though it awaits nothing: FastAPI runs a plain `def` dependency in its thread pool.
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
