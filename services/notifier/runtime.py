"""What the notifier's routes and background tasks share, built once in the app's lifespan."""

import asyncio
import random
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.clock import Clock
from services.common.crypto import KeyRing
from services.notifier.delivery.addresses import AddressPolicy
from services.notifier.delivery.transport import Transport
from services.notifier.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    clock: Clock
    keyring: KeyRing
    policy: AddressPolicy
    transport: Transport
    sessions: async_sessionmaker[AsyncSession]
    rng: random.Random = field(default_factory=random.Random)
    work_ready: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when deliveries may have become due: new events routed, a retry asked for."""

    def wake_deliveries(self) -> None:
        self.work_ready.set()


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
