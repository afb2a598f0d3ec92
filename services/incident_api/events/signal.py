"""Wakes long-polling feed readers when events are written, without holding a connection.

In one process an asyncio.Event is set after each commit that wrote events. Between replicas on
PostgreSQL one LISTEN connection per process turns `pg_notify('ssi_events')` into the same wake-up.
Readers still re-check the database on a short interval, so a lost notification costs latency,
never an event.
"""

import asyncio
import contextlib
import logging
from typing import Any

log = logging.getLogger(__name__)

RECHECK_SECONDS = 2.0


class FeedSignal:
    def __init__(self) -> None:
        self._event = asyncio.Event()
        self._listener: Any = None

    def notify(self, *_args: Any) -> None:
        # Wake everyone waiting now, then re-arm for the next wait.
        self._event.set()
        self._event = asyncio.Event()

    def arm(self) -> asyncio.Event:
        """Take before looking at the database, wait on after: no wake-up falls in between."""
        return self._event

    @staticmethod
    async def wait(armed: asyncio.Event, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(armed.wait(), min(seconds, RECHECK_SECONDS))

    async def listen_postgres(self, dsn: str) -> None:
        import asyncpg

        try:
            self._listener = await asyncpg.connect(dsn)
            await self._listener.add_listener("ssi_events", self.notify)
        except (OSError, asyncpg.PostgresError):
            log.warning("feed LISTEN connection failed; replicas fall back to re-checking")
            self._listener = None

    async def close(self) -> None:
        if self._listener is not None:
            await self._listener.close()
            self._listener = None
