"""Wakes long-polling feed readers when events are written, without holding a connection.

In one process an asyncio.Event is set after each commit that wrote events. Between replicas on
PostgreSQL one LISTEN connection per process turns `pg_notify('ssi_events')` into the same wake-up.
Readers still re-check the database on a short interval, so a lost notification costs latency,
never an event. When the server stops, `drain()` wakes every reader for good: each answers with
what it has (often an empty page), so no long-poll outlasts the graceful-shutdown period.
"""

import asyncio
import contextlib
from typing import Any

RECHECK_SECONDS = 2.0


class FeedSignal:
    def __init__(self) -> None:
        self._event = asyncio.Event()
        self._listener: Any = None
        self.draining = False
        """The server is stopping: readers answer at once instead of waiting."""

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

    def drain(self) -> None:
        self.draining = True
        self.notify()

    async def listen_postgres(self, dsn: str) -> None:
        """Raises when PostgreSQL does not answer: the caller tries again, since without it
        this replica hears of other replicas' events only when it re-checks."""
        import asyncpg

        if self._listener is not None:
            return
        listener = await asyncpg.connect(dsn)
        try:
            await listener.add_listener("ssi_events", self.notify)
        except BaseException:
            await listener.close()
            raise
        self._listener = listener

    async def close(self) -> None:
        if self._listener is not None:
            await self._listener.close()
            self._listener = None
