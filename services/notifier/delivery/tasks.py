"""The delivery worker: claim what is due, send it with bounded concurrency, record, repeat.

This is the asyncio shell; when to claim, what to claim and what to take from the feed is
`policy.ClaimPolicy`'s to say. Concurrency is bounded twice: in total, and per endpoint, so that
one slow endpoint holds at most `endpoint_concurrency` senders and never delays the others. Each
endpoint's claimed jobs wait in a lane, in due order, for that endpoint's senders: a few
long-lived tasks per endpoint rather than a task per webhook. The worker sleeps until it is woken
(new deliveries routed, a retry requested, room freed) or until the next retry falls due.
"""

import asyncio
import contextlib
import logging
import uuid
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta

from services.common.db import transaction
from services.notifier.delivery import notices, service
from services.notifier.delivery.policy import ClaimPolicy, Wake
from services.notifier.delivery.rows import Handed, Handoff
from services.notifier.runtime import Runtime
from services.notifier.transports.webhook import AttemptResult

log = logging.getLogger("ssi.notifier.delivery")


class Recorder:
    """Group commit: attempts finishing while a batch is being written join the next batch, so
    a burst costs one transaction per batch rather than one per webhook. `done` hears of every
    job once its attempt is written (or could not be: its lease then runs out and it is tried
    again), with when the batch's retries fall due, per endpoint."""

    MAX_BATCH = 500

    def __init__(
        self, rt: Runtime, done: Callable[[list[service.Job], dict[str, datetime]], None]
    ) -> None:
        self.rt = rt
        self._done = done
        self._waiting: list[tuple[service.Job, AttemptResult]] = []
        self._writer: asyncio.Task[None] | None = None

    def add(self, job: service.Job, result: AttemptResult) -> None:
        self._waiting.append((job, result))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())

    async def flush(self) -> None:
        """Wait until everything added so far is written."""
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)

    async def _write(self) -> None:
        while self._waiting:
            batch = self._waiting[: self.MAX_BATCH]
            del self._waiting[: self.MAX_BATCH]
            retries = {}
            try:
                async with transaction(self.rt.sessions) as session:
                    recorded = await service.record_many(session, self.rt, batch)
                retries = recorded.retries  # once committed: a failed commit retries nothing
            except Exception:
                log.exception("recording delivery attempts failed", extra={"count": len(batch)})
            finally:
                self._done([job for job, _ in batch], retries)


class _Lane:
    """One endpoint's claimed jobs, in due order, and how many senders work through them."""

    __slots__ = ("jobs", "senders")

    def __init__(self) -> None:
        self.jobs: deque[service.Job] = deque()
        self.senders = 0


class DeliveryWorker:
    """Claims work ahead (how much and when: `ClaimPolicy`) so that a burst costs one claim per
    batch; sends at most `endpoint_concurrency` at a time per endpoint and `total_concurrency` in
    all. A queued job whose lease would run out before its attempt could finish is given back
    unsent, so claiming ahead never lets another replica send the same attempt."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        settings = rt.settings
        self.policy = ClaimPolicy(
            max_queued=settings.max_queued,
            claim_per_endpoint=settings.claim_per_endpoint,
            endpoint_concurrency=settings.endpoint_concurrency,
            claim_lease_seconds=settings.claim_lease_seconds,
            attempt_timeout_seconds=settings.attempt_timeout_seconds,
        )
        self._room = asyncio.Event()
        """Set when a queue has room the next claim could fill."""
        self._sooner = asyncio.Event()
        """Set when the next due instant moved sooner: a sleeping worker works out its sleep
        again."""
        self._lanes: dict[str, _Lane] = {}
        self._senders: set[asyncio.Task[None]] = set()
        self._sending = asyncio.Semaphore(settings.total_concurrency)
        self._recorder = Recorder(rt, self._settled)

    async def run_once(self) -> int:
        """Claim what is due now and start it; returns how many were claimed."""
        # Whatever woke the worker is seen by this claim.
        self.rt.work_ready.clear()
        self._room.clear()
        order = self.policy.claiming(_mono())
        if order is None:
            return 0
        async with transaction(self.rt.sessions) as session:
            claim = await service.claim(
                session,
                self.rt,
                order.limit,
                order.busy,
                order.per_endpoint,
                order.deep,
                order.deep_limit,
            )
        self._queue(claim.jobs)
        # Room made while the claim was out counts only where it still is.
        self._room.clear()
        endpoints = [job.endpoint_id for job in claim.jobs]
        if self.policy.claimed(order, endpoints, claim.more, claim.next_due, self.rt.clock.now()):
            self._room.set()
        return len(claim.jobs)

    def handoff(self) -> Handoff | None:
        """What this worker takes of the deliveries the feed is about to route, claimed in the
        routing transaction (`ClaimPolicy.handoff_room`)."""
        now = self.rt.clock.now()
        room = self.policy.handoff_room(now, self.rt.work_ready.is_set() or self._room.is_set())
        if not room:
            return None
        return Handoff(
            token=str(uuid.uuid4()),
            lease_until=now + timedelta(seconds=self.rt.settings.claim_lease_seconds),
            room=room,
            wants=lambda endpoint_id: not self.policy.holds(endpoint_id),
        )

    def take(self, handoff: Handoff, handed: list[Handed]) -> None:
        """Send what the feed claimed for this worker (`handoff`, committed)."""
        jobs = service.handed_jobs(self.rt, handoff, handed)
        self.policy.queued(job.endpoint_id for job in jobs)
        self._queue(jobs)

    def _queue(self, jobs: list[service.Job]) -> None:
        """Put `jobs` (counted by the policy) in their lanes, with senders for them."""
        for job in jobs:
            self._lanes.setdefault(job.endpoint_id, _Lane()).jobs.append(job)
        concurrency = self.rt.settings.endpoint_concurrency
        for endpoint_id in {job.endpoint_id for job in jobs}:
            lane = self._lanes[endpoint_id]
            # A live sender holds a job until it finds the lane empty: these jobs need new ones.
            for _ in range(min(concurrency - lane.senders, len(lane.jobs))):
                lane.senders += 1
                task = asyncio.create_task(self._send_lane(endpoint_id, lane))
                self._senders.add(task)
                task.add_done_callback(self._senders.discard)

    async def _send_lane(self, endpoint_id: str, lane: _Lane) -> None:
        """One of the endpoint's senders: its jobs in turn until the lane is empty."""
        try:
            while lane.jobs:
                job = lane.jobs.popleft()
                try:
                    async with self._sending:
                        if self.policy.too_late_to_send(self.rt.clock.now(), job.lease_until):
                            async with transaction(self.rt.sessions) as session:
                                await service.release(session, self.rt, [job])
                            self._drop([job], due_again=True)
                            continue
                        result = await service.send(self.rt, job)
                except asyncio.CancelledError:
                    self._drop([job])  # shutdown: its lease runs out and another replica sends it
                    raise
                except Exception:
                    # The lease runs out and the delivery is tried again: log, never lose the
                    # worker.
                    log.exception("delivery attempt failed", extra={"delivery_id": job.delivery_id})
                    self._drop([job])
                    continue
                mono = _mono()
                if self.policy.sent(endpoint_id, mono):
                    self._room.set()
                self.policy.paced(endpoint_id, result.latency_ms / 1000, mono)
                # Recorded in the background: the endpoint's next request need not wait for the
                # database.
                self._recorder.add(job, result)
        finally:
            lane.senders -= 1
            if not lane.senders and not lane.jobs and self._lanes.get(endpoint_id) is lane:
                del self._lanes[endpoint_id]

    def _settled(self, jobs: list[service.Job], retries: dict[str, datetime]) -> None:
        """`jobs` are written back (or left to their leases); `retries`: when their endpoints'
        failed deliveries fall due again."""
        self._wake(self.policy.settled(len(jobs), retries))

    def _drop(self, jobs: list[service.Job], due_again: bool = False) -> None:
        """`jobs` leave the worker unsent: given back (`due_again`), or left to their leases."""
        self._wake(self.policy.dropped([job.endpoint_id for job in jobs], _mono(), due_again))

    def _wake(self, wake: Wake) -> None:
        if wake.room:
            self._room.set()
        if wake.due:
            self.rt.wake_deliveries()
        if wake.sooner:
            self._sooner.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:
                log.exception("claiming deliveries failed")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.policy.claim_failed())
                continue
            await self._sleep(stop)

    async def _sleep(self, stop: asyncio.Event) -> None:
        """For as long as the policy says, or until a wake-up: room, `stop`, the next due instant
        moving sooner (worked out again), or new work unless held back by `max_queued`."""
        while True:
            self._sooner.clear()
            seconds = self.policy.sleep(self.rt.clock.now())
            if seconds == 0:
                return
            events = [self._room, stop, self._sooner]
            if not self.policy.held_back:
                events.append(self.rt.work_ready)  # left set for the next claim otherwise
            waiters = {asyncio.ensure_future(event.wait()): event for event in events}
            try:
                done, _ = await asyncio.wait(
                    waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                for waiter in waiters:
                    waiter.cancel()
            if not done or any(waiters[w] is not self._sooner for w in done):
                return

    async def settle(self) -> None:
        """Wait until every job claimed so far is sent and written back."""
        while self._senders:
            await asyncio.gather(*list(self._senders), return_exceptions=True)
        await self._recorder.flush()

    async def drain(self, grace_seconds: float) -> None:
        """Finish what is in flight (up to the grace period); give back what never started."""
        waiting = [job for lane in self._lanes.values() for job in lane.jobs]
        for lane in self._lanes.values():
            lane.jobs.clear()
        if waiting:
            async with transaction(self.rt.sessions) as session:
                await service.release(session, self.rt, waiting)
        self._drop(waiting)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.settle(), timeout=grace_seconds)
        for task in list(self._senders):
            task.cancel()  # its lease runs out; another replica tries again

    @property
    def in_flight(self) -> int:
        """Jobs claimed and not yet written back."""
        return self.policy.unwritten


def _mono() -> float:
    return asyncio.get_running_loop().time()


LIMIT = 500


class FallbackSweeper:
    """Every `every_seconds`, sends the contact list what did not reach a party in time
    (`notices.fall_back`). Replicas may sweep at once: a contact delivery is inserted once."""

    def __init__(self, rt: Runtime, every_seconds: float = 60.0) -> None:
        self.rt = rt
        self.every_seconds = every_seconds

    async def sweep(self) -> int:
        """Returns how many failed deliveries were handled."""
        total = 0
        while True:
            async with transaction(self.rt.sessions) as session:
                handled = await notices.fall_back(session, self.rt, self.rt.clock.now(), LIMIT)
            total += handled
            if handled < LIMIT:
                return total

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.sweep()
            except Exception:
                log.exception("routing failed deliveries to the contact list failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.every_seconds)
