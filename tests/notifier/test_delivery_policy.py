"""The delivery worker's claim policy (services/notifier/delivery/policy.py), one table per rule.

Each row tells the policy a story, step by step, and checks every answer: pure, no asyncio, no
database, no sleeps. Endpoints are one letter, so `"aab"` is a claim of two jobs for `a` and one
for `b`; times are seconds after `T0` (the service clock) or on the monotonic clock (`at`).
Settings are `DEFAULTS` unless a row says otherwise: a fill of 2, a deep fill of 4, a lease margin
of 20 s, so an endpoint is fast at up to 2.5 s an attempt.

The end-to-end tests (test_retries.py, test_delivery.py, test_scale_out.py) remain the safety net
for the asyncio shell around it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.notifier.delivery.policy import PACE_ENTRIES, ClaimOrder, ClaimPolicy, Wake

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
DEFAULTS: dict[str, Any] = {
    "max_queued": 8,
    "claim_per_endpoint": 2,
    "endpoint_concurrency": 1,
    "claim_lease_seconds": 60.0,
    "attempt_timeout_seconds": 10.0,
}
NOTHING = Wake(room=False, due=False, sooner=False)
ROOM = Wake(room=True, due=False, sooner=False)
DUE = Wake(room=False, due=True, sooner=False)
SOONER = Wake(room=False, due=False, sooner=True)
FAST, SLOW = 0.01, 3.0
"""Seconds an attempt takes: within the deep pace of 2.5 s, and beyond it."""


def t(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@dataclass
class Story:
    policy: ClaimPolicy
    order: ClaimOrder | None = field(default=None)


@dataclass(frozen=True)
class Step:
    says: str
    act: Callable[[Story], object]

    def __repr__(self) -> str:
        return self.says


def claiming(at: float = 0.0) -> Step:
    """Answers the order as (limit, busy, deep), or None: no claim."""

    def act(story: Story) -> object:
        story.order = order = story.policy.claiming(at)
        if order is None:
            return None
        return order.limit, "".join(sorted(order.busy)), "".join(sorted(order.deep))

    return Step(f"claiming(at={at})", act)


def claimed(jobs: str = "", more: str = "", due: float | None = None, now: float = 0.0) -> Step:
    """The claim under way took `jobs`, filled `more`, saw the rest due at `due`. Answers
    whether room wakes the worker."""

    def act(story: Story) -> object:
        assert story.order is not None, "no claim under way"
        next_due = None if due is None else t(due)
        return story.policy.claimed(story.order, list(jobs), frozenset(more), next_due, t(now))

    return Step(f"claimed({jobs!r}, more={more!r}, due={due}, now={now})", act)


def claim(
    jobs: str = "", more: str = "", due: float | None = None, at: float = 0.0, now: float = 0.0
) -> Step:
    """A whole claim, nothing happening while it is out."""

    def act(story: Story) -> object:
        assert claiming(at).act(story) is not None, "held back"
        return claimed(jobs, more, due, now).act(story)

    return Step(f"claim({jobs!r}, more={more!r}, due={due}, at={at}, now={now})", act)


def sent(jobs: str, at: float = 0.0) -> Step:
    """Answers, for each job sent in turn, whether room wakes the worker."""
    return Step(f"sent({jobs!r})", lambda s: [s.policy.sent(e, at) for e in jobs])


def settled(count: int, **retries: float) -> Step:
    """`count` attempts written; `retries`: per endpoint, when its failed ones fall due."""
    due = {e: t(s) for e, s in retries.items()}
    return Step(f"settled({count}, {retries})", lambda s: s.policy.settled(count, due))


def dropped(jobs: str, due_again: bool = False) -> Step:
    return Step(
        f"dropped({jobs!r}, {due_again})", lambda s: s.policy.dropped(list(jobs), 0.0, due_again)
    )


def paced(endpoint: str, seconds: float, at: float = 0.0) -> Step:
    return Step(
        f"paced({endpoint}, {seconds}, at={at})", lambda s: s.policy.paced(endpoint, seconds, at)
    )


def paced_others(count: int) -> Step:
    def act(story: Story) -> None:
        for n in range(count):
            story.policy.paced(f"other-{n}", FAST, 0.0)

    return Step(f"paced_others({count})", act)


def handoff(now: float = 0.0, woken: bool = False) -> Step:
    """Answers how many of a page's fresh deliveries the worker takes."""
    return Step(
        f"handoff(now={now}, woken={woken})", lambda s: s.policy.handoff_room(t(now), woken)
    )


def holds(endpoints: str) -> Step:
    """Answers which of `endpoints` hold unsent jobs: the feed hands over none of theirs."""
    return Step(
        f"holds({endpoints!r})", lambda s: "".join(e for e in endpoints if s.policy.holds(e))
    )


def sleeps(now: float = 0.0) -> Step:
    """Answers (seconds to sleep, whether only room wakes the worker)."""
    return Step(f"sleeps(now={now})", lambda s: (s.policy.sleep(t(now)), s.policy.held_back))


def in_flight() -> Step:
    return Step("in_flight", lambda s: s.policy.unwritten)


def claim_failed(times: int = 1) -> Step:
    """Answers the pauses after `times` failures in a row."""
    return Step(f"claim_failed({times})", lambda s: [s.policy.claim_failed() for _ in range(times)])


def too_late(now: float, lease_until: float) -> Step:
    return Step(
        f"too_late(now={now}, lease_until={lease_until})",
        lambda s: s.policy.too_late_to_send(t(now), t(lease_until)),
    )


Row = list[tuple[Step, object]]


def tell(settings: dict[str, Any], story: Row) -> None:
    told = Story(ClaimPolicy(**(DEFAULTS | settings)))
    for step, expected in story:
        answer = step.act(told)
        assert answer == expected, f"{step}: answered {answer!r}, not {expected!r}"


def row(id: str, *story: tuple[Step, object], **settings: Any) -> Any:
    return pytest.param(settings, list(story), id=id)


# Rule 1: claim ahead, in jobs not yet sent; never for a busy endpoint, never while backlogged.
CLAIMING_AHEAD = [
    row("a first claim asks for max_queued, nothing busy", (claiming(), (8, "", ""))),
    row(
        "an endpoint holding its fill is busy: the next claim takes none of its",
        (claim("aa", more="a"), False),
        (claiming(), (6, "a", "")),
    ),
    row(
        "room is counted in jobs not yet sent, not in jobs not yet written",
        (claim("aa", more="a"), False),
        (sent("aa"), [True, True]),
        (in_flight(), 2),
        (claiming(), (8, "", "")),
    ),
    row(
        "holding max_queued unsent, it does not claim",
        (claim("ab"), False),
        (claiming(), None),
        max_queued=2,
    ),
    row(
        "backlogged (max_queued sent, unwritten), it does not claim; a written batch wakes it",
        (claim("ab"), False),
        (sent("ab"), [False, True]),
        (claiming(), None),
        (settled(1), DUE),
        (claiming(), (2, "", "")),
        max_queued=2,
    ),
    row(
        "not backlogged, a written batch wakes nothing",
        (claim("ab"), False),
        (sent("ab"), [False, False]),
        (settled(2), NOTHING),
        (in_flight(), 0),
    ),
]

# Rule 2: deep claims for a fast endpoint, and only one the worker holds jobs for.
DEEP = [
    row(
        "a fast endpoint the worker holds nothing for gets its usual batch first",
        (paced("a", FAST), None),
        (claiming(), (8, "", "")),
    ),
    row(
        "a fast endpoint the worker holds jobs for is claimed deep",
        (claim("a"), False),
        (paced("a", FAST), None),
        (claiming(), (7, "", "a")),
    ),
    row(
        "a slow endpoint keeps claim_per_endpoint",
        (claim("a"), False),
        (paced("a", SLOW), None),
        (claiming(), (7, "", "")),
    ),
    row(
        "a fast endpoint is busy only at its deep fill",
        (claim("aa", more="a"), False),
        (paced("a", FAST), None),
        (claiming(), (6, "", "a")),
        (claimed("aa", more="a"), False),
        (claiming(), (4, "a", "a")),
    ),
    row(
        "a pace is remembered for a lease, no longer",
        (claim("a"), False),
        (paced("a", FAST, at=100.0), None),
        (claiming(at=159.0), (7, "", "a")),
        (claimed(), False),
        (claiming(at=160.0), (7, "", "")),
    ),
    row(
        "a pace is a moving average: the latest answer counts a fifth",
        (claim("a"), False),
        (paced("a", FAST), None),
        (paced("a", 12.0), None),
        (claiming(), (7, "", "a")),
        (claimed(), False),
        (paced("a", 12.0), None),
        (claiming(), (7, "", "")),
    ),
    row(
        f"at most {PACE_ENTRIES} paces, the least recently updated forgotten first",
        (claim("ab"), False),
        (paced("a", FAST), None),
        (paced("b", FAST), None),
        (paced("a", FAST), None),
        (paced_others(PACE_ENTRIES - 1), None),
        (claiming(), (6, "", "a")),
    ),
]

# Rule 3: sleep until the claim's next due instant, or until room wakes the worker.
SLEEPING = [
    row("nothing due anywhere: the idle recheck", (claim("a"), False), (sleeps(), (5.0, False))),
    row(
        "work due later for the other endpoints: until then",
        (claim("a", due=3.0), False),
        (sleeps(now=1.0), (2.0, False)),
    ),
    row(
        "work due now for the other endpoints: claim again at once",
        (claim("a", due=0.0), False),
        (sleeps(), (0.0, False)),
    ),
    row(
        "a claim that filled an endpoint does not claim again on the chance",
        (claim("aa", more="a"), False),
        (sleeps(), (5.0, False)),
    ),
    row(
        "the filled endpoint wakes it once it holds less than its fill",
        (claim("aa", more="a"), False),
        (sent("aa"), [True, True]),
    ),
    row(
        "an endpoint the claim did not fill wakes nothing",
        (claim("aab", more="a"), False),
        (sent("b"), [False]),
    ),
    row(
        "a busy endpoint the claim skipped wakes it too",
        (claim("aa", more="a"), False),
        (claim("b"), False),
        (sent("a"), [True]),
    ),
    row(
        "room freed while a claim was out, where there still is room, wakes it at once",
        (claim("aa", more="a"), False),
        (claiming(), (6, "a", "")),
        (sent("a"), [True]),
        (claimed("bb", more="b"), True),
    ),
    row(
        "room freed while a claim was out counts only where it still is",
        (claim("aa", more="a"), False),
        (sent("a"), [True]),
        (claiming(), (7, "", "")),
        (sent("a"), [True]),
        (claimed("a"), False),
    ),
]

# Rule 4: held back by max_queued, only room for a fill wakes the worker.
HELD_BACK = [
    row(
        "held back, neither a due instant nor new work wakes it",
        (claim("aabb", more="ab", due=0.0), False),
        (sleeps(), (5.0, True)),
        max_queued=4,
    ),
    row(
        "held back, room for less than a fill wakes nothing; a fill's room does",
        (claim("abc"), False),
        (sent("abc"), [False, False, True]),
        max_queued=3,
        claim_per_endpoint=3,
    ),
    row(
        "a fill is max_queued when that is smaller than claim_per_endpoint",
        (claim("ab"), False),
        (sent("ab"), [False, True]),
        max_queued=2,
        claim_per_endpoint=4,
    ),
    row(
        "room for a fill freed while a claim was out wakes a held-back worker at once",
        (claim("ab"), False),
        (claiming(), (2, "", "")),
        (sent("ab"), [False, False]),
        (claimed("cd"), True),
        max_queued=4,
    ),
    row(
        "a claim bounded by its fills, not by max_queued, is not held back",
        (claim("ab"), False),
        (sleeps(), (5.0, False)),
        max_queued=4,
    ),
]

# Rule 5: a retry recorded after a claim moves the next due instant, only if strictly sooner.
RETRIES = [
    row(
        "a retry recorded after the claim: sleep until it falls due",
        (claim("a"), False),
        (sent("a"), [False]),
        (settled(1, a=2.0), SOONER),
        (sleeps(), (2.0, False)),
    ),
    row(
        "the earliest of a batch's retries",
        (claim("ab"), False),
        (sent("ab"), [False, False]),
        (settled(2, a=3.0, b=2.0), SOONER),
        (sleeps(), (2.0, False)),
    ),
    row(
        "a retry later than the next due instant changes nothing",
        (claim("a", due=1.0), False),
        (sent("a"), [False]),
        (settled(1, a=2.0), NOTHING),
        (sleeps(), (1.0, False)),
    ),
    row(
        "a retry due at the next due instant changes nothing (strictly sooner)",
        (claim("a", due=2.0), False),
        (sent("a"), [False]),
        (settled(1, a=2.0), NOTHING),
    ),
    row(
        "a filled endpoint's retry is left to its room, whose claim finds it",
        (claim("aa", more="a"), False),
        (sent("a"), [True]),
        (settled(1, a=1.0), NOTHING),
        (sleeps(), (5.0, False)),
    ),
    row(
        "a retry recorded while a claim is out is kept beside the claim's own",
        (claim("a"), False),
        (sent("a"), [False]),
        (claiming(), (8, "", "")),
        (settled(1, a=1.0), SOONER),
        (claimed(due=3.0), False),
        (sleeps(), (1.0, False)),
    ),
]

# Rule 6: fresh deliveries from the feed, only while caught up, unwoken, with room.
HANDOFF = [
    row("a worker that has not claimed yet takes nothing", (handoff(), 0)),
    row("caught up: up to claim_per_endpoint", (claim(), False), (handoff(), 2)),
    row(
        "caught up: no more than max_queued leaves room for",
        (claim("aaa"), False),
        (handoff(), 2),
        claim_per_endpoint=4,
        max_queued=5,
    ),
    row("holding max_queued unsent: none", (claim("ab"), False), (handoff(), 0), max_queued=2),
    row(
        "backlogged: none until a batch is written",
        (claim("ab"), False),
        (sent("ab"), [False, True]),
        (handoff(), 0),
        (settled(1), NOTHING),
        (handoff(), 2),
        max_queued=2,
    ),
    row("the claim filled an endpoint: none", (claim("aa", more="a"), False), (handoff(), 0)),
    row("the claim saw work due now: none", (claim("a", due=0.0), False), (handoff(), 0)),
    row(
        "the claim saw work due later: until it falls due",
        (claim(due=5.0), False),
        (handoff(now=4.0), 2),
        (handoff(now=5.0), 0),
    ),
    row(
        "woken since the claim (routed unclaimed, recover, a retry asked for, room): none",
        (claim(), False),
        (handoff(woken=True), 0),
    ),
    row(
        "a retry recorded since the claim, once due: none",
        (claim("a"), False),
        (sent("a"), [False]),
        (settled(1, a=3.0), SOONER),
        (handoff(now=2.0), 2),
        (handoff(now=3.0), 0),
    ),
    row(
        "a claim under way is not caught up",
        (claim(), False),
        (claiming(), (8, "", "")),
        (handoff(), 0),
    ),
    row(
        "only for endpoints it holds no unsent jobs for",
        (claim("a"), False),
        (holds("ab"), "a"),
        (sent("a"), [False]),
        (holds("ab"), ""),
    ),
]

# Rule 7: a job whose lease is too short is given back, due again, and wakes the worker.
LEASES = [
    row(
        "sent while the lease leaves the attempt and its recording room",
        (too_late(now=39.999, lease_until=60.0), False),
        (too_late(now=40.0, lease_until=60.0), True),
    ),
    row(
        "a short lease: the margin is the attempt and half what is left, up to 10 s more",
        (too_late(now=0.0, lease_until=20.0), True),
        (too_late(now=0.0, lease_until=20.001), False),
        claim_lease_seconds=30.0,
    ),
    row(
        "a job given back is due again and wakes the worker as new work does",
        (claim("a"), False),
        (dropped("a", due_again=True), DUE),
        (in_flight(), 0),
    ),
    row(
        "a job left to its lease (failed, cancelled) wakes nothing",
        (claim("a"), False),
        (dropped("a"), NOTHING),
        (in_flight(), 0),
    ),
    row(
        "a job dropped from a filled endpoint is room, as a sent one is",
        (claim("aa", more="a"), False),
        (dropped("a"), ROOM),
    ),
]

# Rule 8: a failed claim is tried again soon, then seldom.
FAILED_CLAIMS = [
    row(
        "0.1 s, doubling to the idle recheck",
        (claim_failed(8), [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0]),
    ),
    row(
        "a claim that succeeds ends the streak",
        (claim_failed(3), [0.1, 0.2, 0.4]),
        (claim(), False),
        (claim_failed(), [0.1]),
    ),
    row(
        "so does a claim not needed (held back)",
        (claim("ab"), False),
        (claim_failed(2), [0.1, 0.2]),
        (claiming(), None),
        (claim_failed(), [0.1]),
        max_queued=2,
    ),
]


@pytest.mark.parametrize(("settings", "story"), CLAIMING_AHEAD)
def test_claiming_ahead(settings: dict[str, Any], story: Row) -> None:
    tell(settings, story)


@pytest.mark.parametrize(("settings", "story"), DEEP)
def test_deep_claims(settings: dict[str, Any], story: Row) -> None:
    tell(settings, story)


@pytest.mark.parametrize(("settings", "story"), SLEEPING)
def test_sleeping_and_room(settings: dict[str, Any], story: Row) -> None:
    tell(settings, story)


@pytest.mark.parametrize(("settings", "story"), HELD_BACK)
def test_held_back_by_max_queued(settings: dict[str, Any], story: Row) -> None:
    tell(settings, story)


@pytest.mark.parametrize(("settings", "story"), RETRIES)
def test_retries_recorded_after_a_claim(settings: dict[str, Any], story: Row) -> None:
    tell(settings, story)


@pytest.mark.parametrize(("settings", "story"), HANDOFF)
def test_handoff(settings: dict[str, Any], story: Row) -> None:
    tell(settings, story)


@pytest.mark.parametrize(("settings", "story"), LEASES)
def test_leases(settings: dict[str, Any], story: Row) -> None:
    tell(settings, story)


@pytest.mark.parametrize(("settings", "story"), FAILED_CLAIMS)
def test_failed_claims(settings: dict[str, Any], story: Row) -> None:
    tell(settings, story)
