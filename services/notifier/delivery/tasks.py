"""The delivery worker: claim what is due, send it with bounded concurrency, record, repeat.

Concurrency is bounded twice: in total, and per endpoint, so that one slow endpoint holds at most
`endpoint_concurrency` senders and never delays the others. The worker sleeps until it is woken
(new deliveries routed, a retry requested) or until the next retry falls due.
"""

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Callable

from services.notifier.delivery import service
from services.notifier.runtime import Runtime

log = logging.getLogger("ssi.notifier.delivery")

IDLE_RECHECK_SECONDS = 5.0
"""Upper bound on a sleep, for work another replica released or a wake-up that was lost."""


class DeliveryWorker:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._in_flight: Counter[str] = Counter()
        self._tasks: set[asyncio.Task[None]] = set()
        self._queued: dict[str, service.Job] = {}
        self._semaphores: dict[str, asyncio.Semaphore] = {}
        self._task_of: dict[str, asyncio.Task[None]] = {}

    def _forget(self, delivery_id: str) -> Callable[[asyncio.Task[None]], None]:
        def done(task: asyncio.Task[None]) -> None:
            self._tasks.discard(task)
            self._task_of.pop(delivery_id, None)

        return done

    async def run_once(self) -> int:
        """Claim and start what is due now; returns how many were claimed."""
        settings = self.rt.settings
        per_endpoint = settings.endpoint_concurrency
        capacity = settings.total_concurrency - len(self._tasks)
        if capacity <= 0:
            return 0
        busy = {e for e, n in self._in_flight.items() if n >= per_endpoint}
        jobs = await service.claim(self.rt, capacity, busy, per_endpoint)
        for job in jobs:
            self._in_flight[job.endpoint_id] += 1
            self._queued[job.delivery_id] = job
            task = asyncio.create_task(self._deliver(job))
            self._tasks.add(task)
            self._task_of[job.delivery_id] = task
            task.add_done_callback(self._forget(job.delivery_id))
        return len(jobs)

    async def _deliver(self, job: service.Job) -> None:
        semaphore = self._semaphores.setdefault(
            job.endpoint_id, asyncio.Semaphore(self.rt.settings.endpoint_concurrency)
        )
        try:
            async with semaphore:
                self._queued.pop(job.delivery_id, None)
                result = await service.send(self.rt, job)
                await service.record(self.rt, job, result)
        except Exception:
            # The lease runs out and the delivery is tried again: log, never lose the worker.
            log.exception("delivery attempt failed", extra={"delivery_id": job.delivery_id})
        finally:
            self._in_flight[job.endpoint_id] -= 1
            if self._in_flight[job.endpoint_id] <= 0:
                del self._in_flight[job.endpoint_id]
            self.rt.wake_deliveries()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.rt.work_ready.clear()
            try:
                await self.run_once()
            except Exception:
                log.exception("claiming deliveries failed")
            await self._sleep(stop)

    async def _sleep(self, stop: asyncio.Event) -> None:
        timeout = IDLE_RECHECK_SECONDS
        with contextlib.suppress(Exception):
            per_endpoint = self.rt.settings.endpoint_concurrency
            busy = {e for e, n in self._in_flight.items() if n >= per_endpoint}
            due = await service.next_due(self.rt, busy)
            if due is not None:
                timeout = max(0.0, min(timeout, (due - self.rt.clock.now()).total_seconds()))
        if timeout == 0:
            return
        waiters = [
            asyncio.ensure_future(self.rt.work_ready.wait()),
            asyncio.ensure_future(stop.wait()),
        ]
        _, pending = await asyncio.wait(
            waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        for waiter in pending:
            waiter.cancel()

    async def drain(self, grace_seconds: float) -> None:
        """Finish what is in flight (up to the grace period); give back what never started."""
        waiting = list(self._queued.values())
        self._queued.clear()
        for job in waiting:
            self._task_of[job.delivery_id].cancel()
        await service.release(self.rt, waiting)
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=grace_seconds)
        for task in list(self._tasks):
            task.cancel()  # its lease runs out; another replica tries again

    @property
    def in_flight(self) -> int:
        return len(self._tasks)
