"""A service process's start and stop, around its database and its HTTP server.

Start: a database that does not answer at start-up is an outage like any other, not a reason to
exit. The service serves `/healthz` (200) and `/readyz` (503) at once, and what must touch the
database before any work begins (`prepare`) is tried again with backoff until it succeeds; only
then does the work (`begin`) start.

Stop: uvicorn waits for the requests in flight, for its graceful-shutdown period, before the
app's lifespan shutdown runs. A request that waits by design (a long-poll) would outlast that
period and be cancelled with an ERROR. So an app may put a callable under `DRAIN` in its
lifespan state; `services.serve` calls it when the server stops accepting connections, and the
app answers such requests at once.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("ssi.lifecycle")

DRAIN = "ssi.drain"
"""The lifespan-state key of a `Callable[[], None]` the server calls as it starts to stop."""

FIRST_RETRY_SECONDS = 0.5
MAX_RETRY_SECONDS = 5.0


async def start_once_database_answers(
    prepare: Callable[[], Awaitable[None]],
    begin: Callable[[], None],
    stop: asyncio.Event,
) -> asyncio.Task[None] | None:
    """`prepare()` then `begin()`, now if the database answers. Otherwise returns at once with a
    task that tries `prepare` again (0.5 s, doubling to 5 s) until it succeeds, then calls
    `begin`, or until `stop` is set; the lifespan cancels it on shutdown. `prepare` must be safe
    to repeat after a partial failure."""
    try:
        await prepare()
    except Exception as exc:
        _unavailable(exc, FIRST_RETRY_SECONDS)
        return asyncio.create_task(_retry(prepare, begin, stop), name="start-when-database-answers")
    begin()
    return None


async def _retry(
    prepare: Callable[[], Awaitable[None]], begin: Callable[[], None], stop: asyncio.Event
) -> None:
    delay = FIRST_RETRY_SECONDS
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        if stop.is_set():
            return
        delay = min(delay * 2, MAX_RETRY_SECONDS)
        try:
            await prepare()
        except Exception as exc:
            _unavailable(exc, delay)
            continue
        log.info("the database is ready: work starts")
        begin()
        return


def _unavailable(exc: Exception, retry_in: float) -> None:
    # Unreachable, or reachable but not migrated yet: either way, wait. The type only: a driver's
    # message may carry the database URL.
    log.warning(
        "the database is not ready; work starts when it is",
        extra={"error": type(exc).__name__, "retry_in_seconds": retry_in},
    )
