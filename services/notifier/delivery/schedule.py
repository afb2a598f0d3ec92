"""When to try again: the configured schedule with jitter, and `Retry-After` within bounds."""

import random
import re
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime


def next_delay(
    schedule: list[float],
    attempts_made: int,
    jitter: float,
    retry_after: float | None,
    retry_after_max: float,
    rng: random.Random,
) -> float | None:
    """Seconds until the next attempt, or None when the schedule is exhausted (dead)."""
    if attempts_made > len(schedule):
        return None
    base = schedule[attempts_made - 1]
    delay = base * rng.uniform(1 - jitter, 1 + jitter)
    if retry_after is not None:
        # The receiver asked for more time: give it, up to the bound, never less than planned.
        delay = max(delay, min(retry_after, retry_after_max))
    return delay


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds from `Retry-After` (delta-seconds or HTTP-date); None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"[0-9]{1,10}", value):  # ASCII digits only: "²".isdigit() is true
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


def due_after(now: datetime, seconds: float) -> datetime:
    return now + timedelta(seconds=seconds)
