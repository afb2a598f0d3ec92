"""The delivery worker: claim what is due, send it with bounded concurrency, record, repeat.

Concurrency is bounded twice: in total, and per endpoint, so that one slow endpoint holds at most
`endpoint_concurrency` senders and never delays the others. Each endpoint's claimed jobs wait in
a lane, in due order, for that endpoint's senders: a few long-lived tasks per endpoint rather
than a task per webhook. The worker sleeps until it is woken (new deliveries routed, a retry
requested, room freed) or until the next retry falls due.
"""

import asyncio
import contextlib
import logging
import uuid
from collections import Counter, deque
from collections.abc import Callable
from datetime import datetime, timedelta

from services.notifier.delivery import service
from services.notifier.delivery.rows import Handed, Handoff
from services.notifier.runtime import Runtime
from services.notifier.transports.webhook import AttemptResult

log = logging.getLogger("ssi.notifier.delivery")

IDLE_RECHECK_SECONDS = 5.0
"""Upper bound on a sleep, for work another replica released or a wake-up that was lost."""
CLAIM_RETRY_SECONDS = 0.1
"""The first pause after a claim fails; it doubles with each failure in a row, up to
`IDLE_RECHECK_SECONDS`."""


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


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
                retries = (await service.record_many(self.rt, batch)).retries
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
    """Claims work ahead (up to `claim_per_endpoint` per endpoint, `max_queued` in all) so that a
    burst costs one claim per batch; sends at most `endpoint_concurrency` at a time per endpoint
    and `total_concurrency` in all. A queued job whose lease would run out before its attempt
    could finish is given back unsent, so claiming ahead never lets another replica send the
    same attempt.

    An endpoint that answers fast is claimed deeper (half of `max_queued` at a time): each claim
    and each recording transaction costs about the same whatever its size, so at 64 a claim a
    burst spends more on them than on sending. Deep only while the endpoint's recent pace would
    send the whole deep batch within a quarter of the lease's usable time; a slower endpoint
    keeps `claim_per_endpoint`, and the lease re-check still guards every job. An endpoint the
    worker holds nothing for (a `recover`, a burst after a lull) is claimed its usual batch
    first, so its first webhooks go while the deep claim that follows is read (on SQLite, a
    `recover` of 2,000: the first webhook 8-19 ms after the answer, not 18-35 ms)."""

    PACE_WEIGHT = 0.2
    """Weight of the latest attempt in an endpoint's moving average latency."""
    PACE_ENTRIES = 4096
    """Endpoints whose pace is remembered, at most."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        settings = rt.settings
        self._unsent: Counter[str] = Counter()
        """Per endpoint, jobs claimed and not yet sent: waiting in the lane or being sent."""
        self._unwritten = 0
        """Jobs claimed and not yet written back: `_unsent`'s, and those the recorder holds."""
        self._backlogged = False
        self._caught_up = False
        """The last claim left nothing due that it could have taken (see `handoff`)."""
        self._hungry: frozenset[str] = frozenset()
        """Endpoints that may have more due than this worker took: their queues' room wakes it."""
        self._full = False
        """The last claim was bounded by `max_queued`: room for a fill wakes the worker."""
        self._refill = min(settings.claim_per_endpoint, settings.max_queued)
        """Room that wakes a worker held back by `max_queued`."""
        self._next_due: datetime | None = None
        """When a claim could next find work for the other endpoints: as of the last claim, or
        sooner if a retry recorded since falls due sooner."""
        self._room = asyncio.Event()
        """Set when a queue has room the next claim could fill."""
        self._sooner = asyncio.Event()
        """Set when `_next_due` moved sooner: a sleeping worker works out its sleep again."""
        self._lanes: dict[str, _Lane] = {}
        self._senders: set[asyncio.Task[None]] = set()
        self._sending = asyncio.Semaphore(settings.total_concurrency)
        self._recorder = Recorder(rt, self._settled)
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
        return {e for e, n in self._unsent.items() if n >= self._ahead(e, now)}

    async def run_once(self) -> int:
        """Claim what is due now and start it; returns how many were claimed.

        Room is counted in jobs not yet sent, so the next claim overlaps the sending of this
        one rather than waiting for its attempts to be written; but never more than
        `max_queued` sent and still unwritten, should the database fall behind."""
        settings = self.rt.settings
        # Whatever woke the worker is seen by this claim.
        self.rt.work_ready.clear()
        self._room.clear()
        self._caught_up = False
        self._next_due = None
        capacity = settings.max_queued - self._unsent.total()
        self._backlogged = self._recording() >= settings.max_queued
        self._full = capacity <= 0
        if self._full or self._backlogged:
            return 0
        now = asyncio.get_running_loop().time()
        busy = self._busy(now)
        claim = await service.claim(
            self.rt,
            capacity,
            busy,
            settings.claim_per_endpoint,
            {e for e in self._pace if e in self._unsent and self._is_deep(e, now)},
            self._deep_limit,
        )
        self._queue(claim.jobs)
        self._hungry = claim.more | busy
        self._full = len(claim.jobs) >= capacity
        # A retry recorded while the claim was out may fall due sooner than what it saw.
        self._next_due = _earliest(claim.next_due, self._next_due)
        # Room made while the claim was out counts only where it still is.
        self._room.clear()
        if self._hungry - self._busy(now) or self._room_for_a_fill():
            self._room.set()
        # Nothing due is left that this worker could have taken: what is due is what it holds.
        self._caught_up = not self._hungry and not self._due_now()
        return len(claim.jobs)

    def _due_now(self) -> bool:
        return self._next_due is not None and self._next_due <= self.rt.clock.now()

    def handoff(self) -> Handoff | None:
        """What this worker takes of the deliveries the feed is about to route, claimed in the
        routing transaction.

        Only while it is caught up (its last claim found nothing more due, and nothing has woken
        it since: a `recover`, a retry, deliveries routed unclaimed), and only for endpoints it
        holds no jobs for, so that a fresh delivery never overtakes an older due one: those
        keep the due order of the worker's own claims. At most `claim_per_endpoint` a page:
        the worker may be claiming meanwhile, so this is what it can hold beyond `max_queued`."""
        settings = self.rt.settings
        room = min(settings.max_queued - self._unsent.total(), settings.claim_per_endpoint)
        if (
            not self._caught_up
            or self._due_now()
            or self.rt.work_ready.is_set()
            or self._room.is_set()
            or room <= 0
            or self._recording() >= settings.max_queued
        ):
            return None
        return Handoff(
            token=str(uuid.uuid4()),
            lease_until=self.rt.clock.now() + timedelta(seconds=settings.claim_lease_seconds),
            room=room,
            wants=lambda endpoint_id: endpoint_id not in self._unsent,
        )

    def take(self, handoff: Handoff, handed: list[Handed]) -> None:
        """Send what the feed claimed for this worker (`handoff`, committed)."""
        self._queue(service.handed_jobs(self.rt, handoff, handed))

    def _queue(self, jobs: list[service.Job]) -> None:
        self._unwritten += len(jobs)
        for job in jobs:
            self._unsent[job.endpoint_id] += 1
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
                        if self.rt.clock.now() + self._lease_margin >= job.lease_until:
                            await service.release(self.rt, [job])
                            self._drop([job])
                            self.rt.wake_deliveries()  # due again: claim it before anything newer
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
                self._sent(job)
                self._note_pace(endpoint_id, result.latency_ms / 1000)
                # Recorded in the background: the endpoint's next request need not wait for the
                # database.
                self._recorder.add(job, result)
        finally:
            lane.senders -= 1
            if not lane.senders and not lane.jobs and self._lanes.get(endpoint_id) is lane:
                del self._lanes[endpoint_id]

    def _sent(self, job: service.Job) -> None:
        """`job` is no longer waiting to be sent. An endpoint that may have more due is claimed
        for again as soon as it holds less than its fill, so the claim is under way while that
        much still goes; a worker held back by `max_queued` claims again once a fill fits."""
        endpoint_id = job.endpoint_id
        unsent = self._unsent[endpoint_id] - 1
        if unsent > 0:
            self._unsent[endpoint_id] = unsent
        else:
            del self._unsent[endpoint_id]
        if self._room_for_a_fill() or (
            endpoint_id in self._hungry
            and unsent < self._ahead(endpoint_id, asyncio.get_running_loop().time())
        ):
            self._room.set()

    def _room_for_a_fill(self) -> bool:
        """Held back by `max_queued`, the worker now has room for a fill."""
        return self._full and self.rt.settings.max_queued - self._unsent.total() >= self._refill

    def _settled(self, jobs: list[service.Job], retries: dict[str, datetime] | None = None) -> None:
        """`jobs` are written back (or left to their leases); `retries`: when their endpoints'
        failed deliveries fall due again."""
        self._unwritten -= len(jobs)
        if self._backlogged and self._recording() < self.rt.settings.max_queued:
            self.rt.wake_deliveries()
        # A hungry endpoint's room wakes the worker anyway, and its claim finds the retry.
        retry_at = min(
            (t for e, t in (retries or {}).items() if e not in self._hungry), default=None
        )
        if retry_at is not None and (self._next_due is None or retry_at < self._next_due):
            self._next_due = retry_at
            self._sooner.set()

    def _drop(self, jobs: list[service.Job]) -> None:
        """`jobs` leave the worker unsent: given back, or left to their leases."""
        for job in jobs:
            self._sent(job)
        self._settled(jobs)

    def _recording(self) -> int:
        """Jobs sent and not yet written back."""
        return self._unwritten - self._unsent.total()

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
        failures = 0
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:
                log.exception("claiming deliveries failed")
                # Soon after a blip, seldom while the database stays away.
                pause = min(IDLE_RECHECK_SECONDS, CLAIM_RETRY_SECONDS * 2 ** min(failures, 6))
                failures += 1
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), pause)
                continue
            failures = 0
            await self._sleep(stop)

    async def _sleep(self, stop: asyncio.Event) -> None:
        """Until the next due instant, or a wake-up: new work, room to claim, or (backlogged) a
        written batch. Held back by `max_queued`, only room wakes it: claiming whatever is due
        or newly routed at once would take a few jobs at a time."""
        while True:
            self._sooner.clear()
            timeout = IDLE_RECHECK_SECONDS
            if self._next_due is not None and not self._full:
                until_due = (self._next_due - self.rt.clock.now()).total_seconds()
                timeout = max(0.0, min(timeout, until_due))
            if timeout == 0:
                return
            events = [self._room, stop, self._sooner]
            if not self._full:
                events.append(self.rt.work_ready)  # left set for the next claim otherwise
            waiters = {asyncio.ensure_future(event.wait()): event for event in events}
            try:
                done, _ = await asyncio.wait(
                    waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
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
        await service.release(self.rt, waiting)
        self._drop(waiting)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.settle(), timeout=grace_seconds)
        for task in list(self._senders):
            task.cancel()  # its lease runs out; another replica tries again

    @property
    def in_flight(self) -> int:
        """Jobs claimed and not yet written back."""
        return self._unwritten
