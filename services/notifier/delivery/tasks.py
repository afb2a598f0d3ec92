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
from datetime import timedelta

from services.notifier.delivery import service
from services.notifier.delivery.transport import AttemptResult
from services.notifier.runtime import Runtime

log = logging.getLogger("ssi.notifier.delivery")

IDLE_RECHECK_SECONDS = 5.0
"""Upper bound on a sleep, for work another replica released or a wake-up that was lost."""


class Recorder:
    """Group commit: attempts finishing while a batch is being written join the next batch, so
    a burst costs one transaction per batch rather than one per webhook."""

    MAX_BATCH = 500

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._waiting: list[tuple[service.Job, AttemptResult, asyncio.Future[str]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, job: service.Job, result: AttemptResult) -> str:
        outcome: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiting.append((job, result, outcome))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        return await outcome

    async def _write(self) -> None:
        while self._waiting:
            batch = self._waiting[: self.MAX_BATCH]
            del self._waiting[: self.MAX_BATCH]
            try:
                outcomes = await service.record_many(self.rt, [(j, r) for j, r, _ in batch])
            except Exception as exc:
                for _, _, future in batch:
                    if not future.done():  # its sender may have been cancelled (shutdown)
                        future.set_exception(exc)
                continue
            for (_, _, future), outcome in zip(batch, outcomes, strict=True):
                if not future.done():
                    future.set_result(outcome)


class DeliveryWorker:
    """Claims work ahead (up to `claim_per_endpoint` per endpoint, `max_queued` in all) so that a
    burst costs one claim per batch; sends at most `endpoint_concurrency` at a time per endpoint
    and `total_concurrency` in all. A queued job whose lease would run out before its attempt
    could finish is given back unsent, so claiming ahead never lets another replica send the
    same attempt.

    An endpoint that answers fast is claimed deeper (half of `max_queued` at a time): each claim
    and each recording transaction costs about the same whatever its size, so at 64 a claim a
    burst spends more on them than on sending. Deep only while the endpoint's recent pace would
    send the whole deep batch within a quarter of the lease's usable time; a slower endpoint
    keeps `claim_per_endpoint`, and the lease re-check still guards every job."""

    PACE_WEIGHT = 0.2
    """Weight of the latest attempt in an endpoint's moving average latency."""
    PACE_ENTRIES = 4096
    """Endpoints whose pace is remembered, at most."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        settings = rt.settings
        self._in_process: Counter[str] = Counter()
        self._tasks: set[asyncio.Task[None]] = set()
        self._queued: dict[str, service.Job] = {}
        self._semaphores: dict[str, asyncio.Semaphore] = {}
        self._sending = asyncio.Semaphore(settings.total_concurrency)
        self._task_of: dict[str, asyncio.Task[None]] = {}
        self._recorder = Recorder(rt)
        self._pace: dict[str, tuple[float, float]] = {}
        """Per endpoint, recently sent to: moving average attempt latency (seconds) and when it
        was last updated (event loop time). Least recently updated first."""
        # Room for the attempt and for recording it before another replica may take over.
        timeout, lease = settings.attempt_timeout_seconds, settings.claim_lease_seconds
        self._lease_margin = timedelta(seconds=timeout + min(10.0, (lease - timeout) / 2))
        self._deep_limit = max(settings.claim_per_endpoint, settings.max_queued // 2)
        # Deep when the deep batch, sent `endpoint_concurrency` at a time at the endpoint's
        # pace, takes at most a quarter of the time a lease leaves for sending.
        usable = lease - self._lease_margin.total_seconds()
        self._deep_pace = usable / 4 * settings.endpoint_concurrency / self._deep_limit

    def _forget(self, delivery_id: str) -> Callable[[asyncio.Task[None]], None]:
        def done(task: asyncio.Task[None]) -> None:
            self._tasks.discard(task)
            self._task_of.pop(delivery_id, None)

        return done

    def _is_deep(self, endpoint_id: str, now: float) -> bool:
        known = self._pace.get(endpoint_id)
        if known is None:
            return False
        pace, updated = known
        # A pace older than a lease says little about the endpoint now.
        return now - updated < self.rt.settings.claim_lease_seconds and pace <= self._deep_pace

    def _ahead(self, endpoint_id: str, now: float) -> int:
        """How many of the endpoint's deliveries this worker may hold, sending or waiting."""
        if self._is_deep(endpoint_id, now):
            return self._deep_limit
        return self.rt.settings.claim_per_endpoint

    def _busy(self, now: float) -> set[str]:
        return {e for e, n in self._in_process.items() if n >= self._ahead(e, now)}

    async def run_once(self) -> int:
        """Claim what is due now and start it; returns how many were claimed."""
        settings = self.rt.settings
        capacity = settings.max_queued - len(self._tasks)
        if capacity <= 0:
            return 0
        now = asyncio.get_running_loop().time()
        jobs = await service.claim(
            self.rt,
            capacity,
            self._busy(now),
            settings.claim_per_endpoint,
            {e for e in self._pace if self._is_deep(e, now)},
            self._deep_limit,
        )
        for job in jobs:
            self._in_process[job.endpoint_id] += 1
            self._queued[job.delivery_id] = job
            task = asyncio.create_task(self._deliver(job))
            self._tasks.add(task)
            self._task_of[job.delivery_id] = task
            task.add_done_callback(self._forget(job.delivery_id))
        return len(jobs)

    async def _deliver(self, job: service.Job) -> None:
        settings = self.rt.settings
        endpoint_slots = self._semaphores.setdefault(
            job.endpoint_id, asyncio.Semaphore(settings.endpoint_concurrency)
        )
        try:
            async with endpoint_slots, self._sending:
                self._queued.pop(job.delivery_id, None)
                if self.rt.clock.now() + self._lease_margin >= job.lease_until:
                    await service.release(self.rt, [job])
                    return
                result = await service.send(self.rt, job)
                self._note_pace(job.endpoint_id, result.latency_ms / 1000)
            # Recorded after the slot is free: the endpoint's next request need not wait for
            # the database.
            await self._recorder.record(job, result)
        except Exception:
            # The lease runs out and the delivery is tried again: log, never lose the worker.
            log.exception("delivery attempt failed", extra={"delivery_id": job.delivery_id})
        finally:
            endpoint_id = job.endpoint_id
            self._in_process[endpoint_id] -= 1
            if self._in_process[endpoint_id] <= 0:
                del self._in_process[endpoint_id]
                self._semaphores.pop(endpoint_id, None)
            now = asyncio.get_running_loop().time()
            if self._in_process[endpoint_id] < self._ahead(endpoint_id, now) // 2:
                self.rt.wake_deliveries()

    def _note_pace(self, endpoint_id: str, seconds: float) -> None:
        # Kept when the endpoint's queue runs dry between claims, so that the next claim is deep
        # too; re-inserted so that the least recently updated entry is dropped first.
        previous = self._pace.pop(endpoint_id, None)
        if previous is not None:
            seconds = previous[0] + self.PACE_WEIGHT * (seconds - previous[0])
        self._pace[endpoint_id] = (seconds, asyncio.get_running_loop().time())
        if len(self._pace) > self.PACE_ENTRIES:
            del self._pace[next(iter(self._pace))]

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.rt.work_ready.clear()
            try:
                if await self.run_once():
                    continue  # there may be more: claim again before asking when to look
            except Exception:
                log.exception("claiming deliveries failed")
            await self._sleep(stop)

    async def _sleep(self, stop: asyncio.Event) -> None:
        timeout = IDLE_RECHECK_SECONDS
        with contextlib.suppress(Exception):
            due = await service.next_due(self.rt, self._busy(asyncio.get_running_loop().time()))
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
