"""The SEC Working Day calendar and the SLA clock arithmetic (DESIGN §4).

A Working Day is any day but Saturday, Sunday and an England and Wales bank holiday (substitute
and one-off days included), plus any configured extra non-working days. Days are London calendar
days: an instant counts on its London date, or on the next Working Day when that date is not one,
and a clock of N Working Days is due at 00:00 London at the end of the Nth Working Day after it.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")

POLICIES: dict[str, int] = {"mp121": 5, "secas-interim": 10}
"""Named SLA policies and their Working Days to answer."""


@dataclass(frozen=True)
class ClockDeadlines:
    start_day: date
    due_at: datetime
    warnings: tuple[datetime, ...]
    """Warning instants in firing order (ordinal 1, 2, ...), those already past omitted."""


class WorkingDayCalendar:
    def __init__(self, extra_non_working_days: Iterable[date] = ()) -> None:
        self._bank_holidays = holidays.country_holidays("GB", subdiv="ENG")
        self._extra = frozenset(extra_non_working_days)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._bank_holidays and day not in self._extra

    def next_working_day(self, day: date) -> date:
        """The first Working Day strictly after `day`."""
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, day: date, n: int) -> date:
        """The Nth Working Day after `day` (n >= 1)."""
        for _ in range(n):
            day = self.next_working_day(day)
        return day

    def counting_day(self, instant: datetime) -> date:
        """The London date an instant counts on: its own, or the next Working Day."""
        day = instant.astimezone(LONDON).date()
        return day if self.is_working_day(day) else self.next_working_day(day)

    def clock(
        self, started_at: datetime, working_days: int, warn_remaining: Sequence[int] = (2, 1)
    ) -> ClockDeadlines:
        """Due and warning instants for a clock started at `started_at`.

        A warning with `r` remaining fires at 00:00 London at the start of the r-th last
        Working Day; one already past at `started_at` is skipped rather than fired late.
        """
        start = self.counting_day(started_at)
        last = self.add_working_days(start, working_days)
        warnings = sorted(
            (
                london_midnight(self.add_working_days(start, working_days - r + 1))
                for r in set(warn_remaining)
                if 1 <= r <= working_days
            ),
        )
        return ClockDeadlines(
            start_day=start,
            due_at=london_midnight(last + timedelta(days=1)),
            warnings=tuple(w for w in warnings if w > started_at),
        )

    def escalation_at(self, due_at: datetime, every: int, ordinal: int) -> datetime:
        """The `ordinal`-th escalation of an overdue clock: every `every` Working Days past due."""
        last_day = due_at.astimezone(LONDON).date() - timedelta(days=1)
        return london_midnight(self.add_working_days(last_day, every * ordinal) + timedelta(days=1))

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Whole Working Days lying entirely between `start` and `end` (0 if end <= start)."""
        day = start.astimezone(LONDON).date()
        count = 0
        while london_midnight(day + timedelta(days=1)) <= end:
            if self.is_working_day(day) and london_midnight(day) >= start:
                count += 1
            day += timedelta(days=1)
        return count


def london_midnight(day: date) -> datetime:
    """00:00 Europe/London at the start of `day`, in UTC."""
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)
