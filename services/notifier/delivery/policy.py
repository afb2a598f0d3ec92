"""When the delivery worker claims, what it claims, what it takes from the feed: no I/O, no asyncio.

The worker (`tasks.py`) tells `ClaimPolicy` what happened and does what it answers. The rules:

1. Claim ahead, counted in jobs not yet sent: at most `max_queued` in all, `claim_per_endpoint`
   per endpoint, none for an endpoint holding its fill (busy). Not while `max_queued` sent
   attempts wait to be written (backlogged): the recorder's catching up wakes the worker.
2. An endpoint known to answer fast (its pace, remembered for a lease, would send the deep batch
   within a quarter of a lease's usable time) is filled to half of `max_queued`: a claim and a
   recording cost about the same whatever their size. Deep only while the worker holds jobs for
   it: one it holds nothing for gets its usual batch first, so its first webhooks go while the
   deep claim that follows is read.
3. After a claim, sleep until its next due instant (at once if that has passed; at most
   `IDLE_RECHECK_SECONDS`), or until woken: by new work (deliveries routed, a retry or `recover`
   asked for) or by room. Room is an endpoint the claim filled (or skipped as busy) holding less
   than its fill, so the refill is under way while that much is still sent. Room freed while a
   claim was out counts only where it still is.
4. Held back by `max_queued`, only room for a fill (`claim_per_endpoint`, or `max_queued` if
   smaller) wakes the worker, not new work nor a due instant: else it would claim a job or two
   at a time.
5. A retry recorded after a claim moves the next due instant, if strictly sooner, unless its
   endpoint was filled or busy (its room wakes the worker, and that claim finds the retry).
6. The feed hands fresh deliveries over only while the worker is caught up (its last claim left
   nothing due it could take, nothing has woken it since, no retry recorded since is due), has
   room and is not backlogged; at most `claim_per_endpoint` a page (a claim may be under way:
   that is all it holds beyond `max_queued`), and only for endpoints it holds nothing for, so a
   fresh delivery never overtakes an older due one.
7. A job is sent only while its lease leaves room for the attempt and its recording; otherwise
   it is given back, due again, and wakes the worker as new work does.
8. A claim that fails is tried again after `CLAIM_RETRY_SECONDS`, doubling up to the idle recheck.

`now` is the service clock's instant (due times, leases); `mono` is the event loop's monotonic
time in seconds (how recent an endpoint's pace is).
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

IDLE_RECHECK_SECONDS = 5.0
"""Upper bound on a sleep, for work another replica released or a wake-up that was lost."""
CLAIM_RETRY_SECONDS = 0.1
PACE_WEIGHT = 0.2
"""Weight of the latest attempt in an endpoint's moving average latency."""
PACE_ENTRIES = 4096
"""Endpoints whose pace is remembered, at most."""


@dataclass(frozen=True, slots=True)
class ClaimOrder:
    """Claim up to `limit`, `per_endpoint` each (`deep_limit` for `deep`), none for `busy`;
    judged at `mono`, as its answer will be."""

    limit: int
    busy: set[str]
    per_endpoint: int
    deep: set[str]
    deep_limit: int
    mono: float


class Wake(NamedTuple):
    room: bool
    """A queue has room the next claim could fill (rules 3, 4)."""
    due: bool
    """Work is due that the next claim must see: as new work, it wakes the worker (rules 1, 7)."""
    sooner: bool
    """The next due instant moved sooner: work the sleep out again (rule 5)."""


class ClaimPolicy:
    def __init__(
        self,
        *,
        max_queued: int,
        claim_per_endpoint: int,
        endpoint_concurrency: int,
        claim_lease_seconds: float,
        attempt_timeout_seconds: float,
    ) -> None:
        self.max_queued, self.per_endpoint = max_queued, claim_per_endpoint
        self.lease_seconds = claim_lease_seconds
        self.refill = min(claim_per_endpoint, max_queued)
        self.deep_limit = max(claim_per_endpoint, max_queued // 2)
        # Room for the attempt and for recording it before another replica may take over.
        timeout = attempt_timeout_seconds
        margin = timeout + min(10.0, (claim_lease_seconds - timeout) / 2)
        self.lease_margin = timedelta(seconds=margin)
        usable = claim_lease_seconds - self.lease_margin.total_seconds()
        self.deep_pace = usable / 4 * endpoint_concurrency / self.deep_limit
        self.unwritten = 0
        """Jobs claimed and not yet written back: the unsent, and those being recorded."""
        self.held_back = False
        """The last claim was bounded by `max_queued` (rule 4)."""
        self._unsent: Counter[str] = Counter()  # per endpoint: waiting in a lane or being sent
        self._hungry: frozenset[str] = frozenset()  # may have more due than the last claim took
        self._backlogged = self._caught_up = False
        self._next_due: datetime | None = None
        self._pace: dict[str, tuple[float, float]] = {}  # seconds, mono; least recent first
        self._failures = 0

    def claiming(self, mono: float) -> ClaimOrder | None:
        """The worker is about to claim (whatever woke it is seen by this claim): what to ask
        for, or None (held back, or backlogged)."""
        self._caught_up, self._next_due = False, None
        limit = self.max_queued - self._unsent.total()
        self._backlogged = self._recording() >= self.max_queued
        self.held_back = limit <= 0
        if self.held_back or self._backlogged:
            self._failures = 0
            return None
        deep = {e for e in self._pace if e in self._unsent and self._is_deep(e, mono)}
        return ClaimOrder(limit, self._busy(mono), self.per_endpoint, deep, self.deep_limit, mono)

    def claimed(
        self,
        order: ClaimOrder,
        endpoints: list[str],
        more: frozenset[str],
        next_due: datetime | None,
        now: datetime,
    ) -> bool:
        """`order`'s claim took a job for each of `endpoints`; `more` got their fill; work for the
        rest falls due at `next_due`. Whether room wakes the worker at once."""
        self._failures = 0
        self.queued(endpoints)
        self._hungry = more | order.busy
        self.held_back = len(endpoints) >= order.limit
        # A retry recorded while the claim was out may fall due sooner than what it saw.
        if self._next_due is None or (next_due is not None and next_due < self._next_due):
            self._next_due = next_due
        self._caught_up = not self._hungry and not self._due(now)
        return bool(self._hungry - self._busy(order.mono)) or self._room_for_a_fill()

    def queued(self, endpoints: Iterable[str]) -> None:
        """A job for each of `endpoints` joined the worker (claimed, or handed over)."""
        for endpoint_id in endpoints:
            self._unsent[endpoint_id] += 1
            self.unwritten += 1

    def sent(self, endpoint_id: str, mono: float) -> bool:
        """One of the endpoint's jobs is no longer waiting to be sent. Whether room wakes."""
        unsent = self._unsent[endpoint_id] - 1
        if unsent > 0:
            self._unsent[endpoint_id] = unsent
        else:
            del self._unsent[endpoint_id]
        if self._room_for_a_fill():
            return True
        return endpoint_id in self._hungry and unsent < self._fill(endpoint_id, mono)

    def settled(self, count: int, retries: Mapping[str, datetime]) -> Wake:
        """`count` sent jobs are written back (or left to their leases); `retries`: when their
        endpoints' failed deliveries fall due again."""
        self.unwritten -= count
        caught_up = self._backlogged and self._recording() < self.max_queued
        retry_at = min((t for e, t in retries.items() if e not in self._hungry), default=None)
        sooner = retry_at is not None and (self._next_due is None or retry_at < self._next_due)
        if sooner:
            self._next_due = retry_at
        return Wake(False, caught_up, sooner)

    def dropped(self, endpoints: list[str], mono: float, due_again: bool) -> Wake:
        """Jobs for `endpoints` leave unsent: given back (`due_again`), or left to their leases."""
        room = False
        for endpoint_id in endpoints:
            room = self.sent(endpoint_id, mono) or room
        settled = self.settled(len(endpoints), {})
        return Wake(room, settled.due or due_again, settled.sooner)

    def paced(self, endpoint_id: str, seconds: float, mono: float) -> None:
        """An attempt to the endpoint took `seconds`."""
        previous = self._pace.pop(endpoint_id, None)  # re-inserted: the least recent goes first
        if previous is not None:
            seconds = previous[0] + PACE_WEIGHT * (seconds - previous[0])
        self._pace[endpoint_id] = (seconds, mono)
        if len(self._pace) > PACE_ENTRIES:
            del self._pace[next(iter(self._pace))]

    def handoff_room(self, now: datetime, woken: bool) -> int:
        """How many of a page's fresh deliveries to take, to endpoints it `holds` nothing for;
        `woken`: since its last claim."""
        if not self._caught_up or woken or self._due(now) or self._recording() >= self.max_queued:
            return 0
        return max(0, min(self.max_queued - self._unsent.total(), self.per_endpoint))

    def holds(self, endpoint_id: str) -> bool:
        return endpoint_id in self._unsent

    def sleep(self, now: datetime) -> float:
        """Seconds to sleep before claiming again, unless woken (0: claim now)."""
        if self._next_due is None or self.held_back:
            return IDLE_RECHECK_SECONDS
        return max(0.0, min(IDLE_RECHECK_SECONDS, (self._next_due - now).total_seconds()))

    def claim_failed(self) -> float:
        """Seconds to wait before claiming again."""
        pause = min(IDLE_RECHECK_SECONDS, CLAIM_RETRY_SECONDS * 2.0 ** min(self._failures, 6))
        self._failures += 1
        return pause

    def too_late_to_send(self, now: datetime, lease_until: datetime) -> bool:
        return now + self.lease_margin >= lease_until

    def _is_deep(self, endpoint_id: str, mono: float) -> bool:
        pace, updated = self._pace.get(endpoint_id, (None, 0.0))
        # A pace older than a lease says little about the endpoint now.
        return pace is not None and mono - updated < self.lease_seconds and pace <= self.deep_pace

    def _fill(self, endpoint_id: str, mono: float) -> int:
        return self.deep_limit if self._is_deep(endpoint_id, mono) else self.per_endpoint

    def _busy(self, mono: float) -> set[str]:
        return {e for e, n in self._unsent.items() if n >= self._fill(e, mono)}

    def _room_for_a_fill(self) -> bool:
        return self.held_back and self.max_queued - self._unsent.total() >= self.refill

    def _recording(self) -> int:
        return self.unwritten - self._unsent.total()

    def _due(self, now: datetime) -> bool:
        return self._next_due is not None and self._next_due <= now
