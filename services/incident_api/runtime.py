"""What a request needs beyond its session: time, calendar, key ring, feed signal, settings.

Built once in the app's lifespan; tests build their own with a FrozenClock.
"""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from services.common.clock import Clock
from services.common.crypto import KeyRing
from services.common.db import WalTruncator
from services.incident_api.events.signal import FeedSignal
from services.incident_api.settings import Settings
from shared.calendar import WorkingDayCalendar


@dataclass
class Runtime:
    settings: Settings
    clock: Clock
    calendar: WorkingDayCalendar
    keyring: KeyRing
    signal: FeedSignal
    wal: WalTruncator


async def get_runtime(request: Request) -> Runtime:
    # async, though it awaits nothing: FastAPI runs a plain `def` dependency in its thread pool.
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
