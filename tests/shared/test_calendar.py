"""The SEC Working Day calendar and SLA clock arithmetic (DESIGN §4).

Every expected value below is worked out by hand from the rule: a Working Day is not a Saturday,
Sunday or England and Wales bank holiday; a request counts on its London date (or the next Working
Day if that date is not one); an N-day clock is due at 00:00 London at the end of the Nth Working
Day after that day; warnings fire at 00:00 London at the start of the last two Working Days.
London is UTC+0 in winter (GMT) and UTC+1 in summer (BST); in 2026 the clocks go forward on
Sunday 29 March and back on Sunday 25 October, in 2022 back on Sunday 30 October.
"""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from shared.calendar import LONDON, POLICIES, WorkingDayCalendar, london_midnight


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def london(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=LONDON)


@pytest.fixture(scope="module")
def cal() -> WorkingDayCalendar:
    return WorkingDayCalendar()


# --- Working Days ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [
        date(2022, 9, 17),  # Saturday
        date(2022, 9, 18),  # Sunday
        date(2022, 9, 19),  # Monday: state funeral of Queen Elizabeth II (one-off)
        date(2022, 6, 3),  # Friday: platinum jubilee (one-off)
        date(2023, 5, 8),  # Monday: coronation of Charles III (one-off)
        date(2022, 12, 26),  # Monday: Boxing Day
        date(2022, 12, 27),  # Tuesday: Christmas Day (substitute, the 25th is a Sunday)
        date(2023, 1, 2),  # Monday: New Year's Day (substitute, the 1st is a Sunday)
        date(2027, 12, 27),  # Monday: Christmas Day (substitute, the 25th is a Saturday)
        date(2027, 12, 28),  # Tuesday: Boxing Day (substitute, the 26th is a Sunday)
        date(2026, 4, 3),  # Good Friday
        date(2026, 4, 6),  # Easter Monday
        date(2026, 8, 31),  # Summer bank holiday (England, not Scotland's 3 August)
    ],
)
def test_non_working_days(cal: WorkingDayCalendar, day: date) -> None:
    assert not cal.is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2022, 9, 16),  # the Friday before the state funeral
        date(2022, 9, 20),  # the Tuesday after it
        date(2022, 12, 28),  # Wednesday after the 2022 Christmas substitutes
        date(2027, 12, 24),  # Christmas Eve 2027, a Friday: not a bank holiday
        date(2027, 12, 29),  # Wednesday after the 2027 substitutes
        date(2026, 8, 3),  # a Scottish bank holiday only: a Working Day in England and Wales
        date(2026, 3, 17),  # St Patrick's Day: Northern Ireland only
        date(2026, 6, 10),  # an ordinary Wednesday
    ],
)
def test_working_days(cal: WorkingDayCalendar, day: date) -> None:
    assert cal.is_working_day(day)


def test_next_working_day_is_strictly_after(cal: WorkingDayCalendar) -> None:
    # Wed 10 June 2026 -> Thu 11; Fri 12 -> Mon 15 (weekend skipped).
    assert cal.next_working_day(date(2026, 6, 10)) == date(2026, 6, 11)
    assert cal.next_working_day(date(2026, 6, 12)) == date(2026, 6, 15)
    # Fri 23 Dec 2022 -> Sat, Sun, Mon 26 and Tue 27 all off -> Wed 28.
    assert cal.next_working_day(date(2022, 12, 23)) == date(2022, 12, 28)


def test_add_working_days(cal: WorkingDayCalendar) -> None:
    # Wed 14 Sep 2022 + 5: Thu 15, Fri 16, (Sat, Sun, Mon 19 funeral) Tue 20, Wed 21, Thu 22.
    assert cal.add_working_days(date(2022, 9, 14), 5) == date(2022, 9, 22)
    assert cal.add_working_days(date(2022, 9, 14), 1) == date(2022, 9, 15)


# --- london_midnight and counting_day ----------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 1, 10), utc(2026, 1, 10, 0)),  # winter: GMT = UTC
        (date(2026, 6, 10), utc(2026, 6, 9, 23)),  # summer: BST = UTC+1
        (date(2026, 3, 29), utc(2026, 3, 29, 0)),  # spring-forward day: change is at 01:00 UTC
        (date(2026, 3, 30), utc(2026, 3, 29, 23)),  # the first midnight in BST
        (date(2026, 10, 25), utc(2026, 10, 24, 23)),  # autumn-back day: midnight still BST
        (date(2026, 10, 26), utc(2026, 10, 26, 0)),  # the first midnight back in GMT
    ],
)
def test_london_midnight(day: date, expected: datetime) -> None:
    got = london_midnight(day)
    assert got == expected
    assert got.utcoffset() == timedelta(0)
    assert got.astimezone(LONDON).date() == day
    assert got.astimezone(LONDON).time() == time(0)


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        # 23:59 BST on Wed 10 June 2026 is still Wednesday in London: counts that day.
        (london(2026, 6, 10, 23, 59), date(2026, 6, 10)),
        # 23:30 UTC on Wed 10 June is 00:30 BST on Thu 11: the London date wins.
        (utc(2026, 6, 10, 23, 30), date(2026, 6, 11)),
        # 23:59 GMT on Wed 14 Jan 2026: counts Wednesday.
        (london(2026, 1, 14, 23, 59, 59), date(2026, 1, 14)),
        # Saturday 13 June 2026 counts on Monday 15.
        (london(2026, 6, 13, 10), date(2026, 6, 15)),
        # Friday 23:30 UTC in summer is Saturday 00:30 BST: counts on Monday 15.
        (utc(2026, 6, 12, 23, 30), date(2026, 6, 15)),
        # The state funeral, Mon 19 Sep 2022, counts on Tue 20.
        (london(2022, 9, 19, 9), date(2022, 9, 20)),
        # Christmas Eve 2022 (Sat) -> Sun 25, Mon 26, Tue 27 off -> Wed 28.
        (london(2022, 12, 24, 12), date(2022, 12, 28)),
    ],
)
def test_counting_day(cal: WorkingDayCalendar, instant: datetime, expected: date) -> None:
    assert cal.counting_day(instant) == expected


# --- clocks ------------------------------------------------------------------------------------


def test_design_example_state_funeral(cal: WorkingDayCalendar) -> None:
    # Raised Wed 14 Sep 2022 10:00 BST: counts Wed 14. Five Working Days after it: Thu 15, Fri 16,
    # (Sat 17, Sun 18, Mon 19 state funeral) Tue 20, Wed 21, Thu 22. Due at the end of Thu 22,
    # i.e. Fri 23 Sep 00:00 BST = Thu 22 Sep 23:00Z. Warnings at the start of Wed 21 (2 left) and
    # Thu 22 (1 left).
    clock = cal.clock(london(2022, 9, 14, 10), 5)
    assert clock.start_day == date(2022, 9, 14)
    assert clock.due_at == utc(2022, 9, 22, 23)
    assert clock.due_at.astimezone(LONDON) == london(2022, 9, 23)
    assert clock.warnings == (utc(2022, 9, 20, 23), utc(2022, 9, 21, 23))


def test_default_warnings_are_two_and_one_remaining(cal: WorkingDayCalendar) -> None:
    started = london(2022, 9, 14, 10)
    assert cal.clock(started, 5) == cal.clock(started, 5, (2, 1))
    assert cal.clock(started, 5) != cal.clock(started, 5, (1,))


@pytest.mark.parametrize(
    ("started_at", "start_day", "due_at"),
    [
        # Raised Wed 3 May 2023 (after the May Day holiday on Mon 1): Thu 4, Fri 5, (Sat 6, Sun 7,
        # Mon 8 coronation) Tue 9, Wed 10, Thu 11 -> due Fri 12 May 00:00 BST = 11 May 23:00Z.
        (london(2023, 5, 3, 11), date(2023, 5, 3), utc(2023, 5, 11, 23)),
        # Raised Fri 5 May 2023: (weekend, coronation) Tue 9, Wed 10, Thu 11, Fri 12, Mon 15 ->
        # due Tue 16 May 00:00 BST = 15 May 23:00Z.
        (london(2023, 5, 5, 16), date(2023, 5, 5), utc(2023, 5, 15, 23)),
        # Raised on the coronation day itself, Mon 8 May 2023: counts Tue 9; Wed 10, Thu 11,
        # Fri 12, Mon 15, Tue 16 -> due Wed 17 May 00:00 BST = 16 May 23:00Z.
        (london(2023, 5, 8, 12), date(2023, 5, 9), utc(2023, 5, 16, 23)),
    ],
)
def test_clock_crossing_the_coronation(
    cal: WorkingDayCalendar, started_at: datetime, start_day: date, due_at: datetime
) -> None:
    clock = cal.clock(started_at, 5)
    assert clock.start_day == start_day
    assert clock.due_at == due_at


def test_clock_raised_on_a_saturday(cal: WorkingDayCalendar) -> None:
    # Raised Sat 13 June 2026 10:00 BST: counts Mon 15. Then Tue 16, Wed 17, Thu 18, Fri 19,
    # Mon 22 -> due Tue 23 June 00:00 BST = 22 June 23:00Z. Warnings at the start of Fri 19 and
    # Mon 22 (the weekend between is skipped, not warned on).
    clock = cal.clock(london(2026, 6, 13, 10), 5)
    assert clock.start_day == date(2026, 6, 15)
    assert clock.due_at == utc(2026, 6, 22, 23)
    assert clock.warnings == (utc(2026, 6, 18, 23), utc(2026, 6, 21, 23))


def test_clock_raised_on_a_saturday_and_on_the_monday_agree(cal: WorkingDayCalendar) -> None:
    # Both count on Mon 15 June 2026, so the due instant is the same.
    assert (
        cal.clock(london(2026, 6, 13, 10), 5).due_at == cal.clock(london(2026, 6, 15, 9), 5).due_at
    )


def test_clock_raised_at_2359_london_counts_that_day(cal: WorkingDayCalendar) -> None:
    # Raised Wed 10 June 2026 23:59 BST (22:59Z): counts Wed 10. Thu 11, Fri 12, Mon 15, Tue 16,
    # Wed 17 -> due Thu 18 June 00:00 BST = 17 June 23:00Z. One minute later (Thu 00:00 BST) it
    # would count Thu 11 and be due a Working Day later, Fri 19 00:00 BST = 18 June 23:00Z.
    late = cal.clock(london(2026, 6, 10, 23, 59), 5)
    assert late.start_day == date(2026, 6, 10)
    assert late.due_at == utc(2026, 6, 17, 23)
    next_day = cal.clock(london(2026, 6, 11, 0, 0), 5)
    assert next_day.start_day == date(2026, 6, 11)
    assert next_day.due_at == utc(2026, 6, 18, 23)


def test_clock_raised_just_after_london_midnight_after_spring_forward(
    cal: WorkingDayCalendar,
) -> None:
    # Tue 31 Mar 2026 00:00:30 BST is Mon 30 Mar 23:00:30Z: the UTC date is Monday, but the
    # London date, Tuesday, is the one that counts. From Tue 31: Wed 1 Apr, Thu 2, (Good Friday
    # 3, weekend, Easter Monday 6) Tue 7, Wed 8, Thu 9 -> due Fri 10 Apr 00:00 BST = 9 Apr 23:00Z.
    # (Counting the UTC date, Monday, would give Thu 9 Apr 00:00 BST instead.)
    started = utc(2026, 3, 30, 23, 0, 30)
    assert started.astimezone(LONDON) == london(2026, 3, 31, 0, 0, 30)
    clock = cal.clock(started, 5)
    assert clock.start_day == date(2026, 3, 31)
    assert clock.due_at == utc(2026, 4, 9, 23)
    assert clock.warnings == (utc(2026, 4, 7, 23), utc(2026, 4, 8, 23))


def test_clock_raised_just_after_london_midnight_after_autumn_back(
    cal: WorkingDayCalendar,
) -> None:
    # Tue 27 Oct 2026 00:00:30 GMT = 00:00:30Z (back on GMT since Sun 25). Counts Tue 27; Wed 28,
    # Thu 29, Fri 30, Mon 2 Nov, Tue 3 -> due Wed 4 Nov 00:00 GMT = 4 Nov 00:00Z.
    clock = cal.clock(london(2026, 10, 27, 0, 0, 30), 5)
    assert clock.start_day == date(2026, 10, 27)
    assert clock.due_at == utc(2026, 11, 4, 0)
    # 30 seconds earlier it is still Monday 26 in London: due one Working Day sooner.
    assert cal.clock(london(2026, 10, 26, 23, 59, 59), 5).due_at == utc(2026, 11, 3, 0)


def test_clock_spanning_spring_forward(cal: WorkingDayCalendar) -> None:
    # Raised Wed 25 Mar 2026 10:00 GMT: counts Wed 25; Thu 26, Fri 27, (clocks forward Sun 29)
    # Mon 30, Tue 31, Wed 1 Apr -> due Thu 2 Apr 00:00 BST = 1 Apr 23:00Z, not 00:00Z.
    # Warnings at the start of Tue 31 (30 Mar 23:00Z) and Wed 1 Apr (31 Mar 23:00Z).
    started = london(2026, 3, 25, 10)
    clock = cal.clock(started, 5)
    assert clock.due_at == utc(2026, 4, 1, 23)
    assert clock.due_at.astimezone(LONDON).time() == time(0)
    assert clock.warnings == (utc(2026, 3, 30, 23), utc(2026, 3, 31, 23))
    # Never N x 24 hours from the London midnight that started the count (a 7-day span holding a
    # 23-hour day is 167 hours, not 168).
    assert clock.due_at - london_midnight(date(2026, 3, 26)) == timedelta(hours=7 * 24 - 1)


def test_clock_spanning_autumn_back(cal: WorkingDayCalendar) -> None:
    # Raised Wed 21 Oct 2026 10:00 BST: counts Wed 21; Thu 22, Fri 23, (clocks back Sun 25)
    # Mon 26, Tue 27, Wed 28 -> due Thu 29 Oct 00:00 GMT = 29 Oct 00:00Z, not 23:00Z.
    # Warnings at the start of Tue 27 and Wed 28, both in GMT: 00:00Z.
    clock = cal.clock(london(2026, 10, 21, 10), 5)
    assert clock.due_at == utc(2026, 10, 29, 0)
    assert clock.due_at.astimezone(LONDON).time() == time(0)
    assert clock.warnings == (utc(2026, 10, 27, 0), utc(2026, 10, 28, 0))
    # The span from Thu 22 00:00 BST holds a 25-hour Sunday: 7 days = 169 hours.
    assert clock.due_at - london_midnight(date(2026, 10, 22)) == timedelta(hours=7 * 24 + 1)


@pytest.mark.parametrize(
    ("started_at", "due_at"),
    [
        # Raised Fri 23 Dec 2022: (Sat 24, Sun 25, Mon 26 Boxing Day, Tue 27 Christmas substitute)
        # Wed 28, Thu 29, Fri 30, (Sat 31, Sun 1, Mon 2 Jan New Year substitute) Tue 3, Wed 4 ->
        # due Thu 5 Jan 2023 00:00 GMT.
        (london(2022, 12, 23, 10), utc(2023, 1, 5, 0)),
        # Raised Fri 24 Dec 2027 (Christmas Eve is a Working Day): (Sat 25, Sun 26, Mon 27 and
        # Tue 28 substitutes) Wed 29, Thu 30, Fri 31, (Sat 1, Sun 2, Mon 3 Jan 2028 New Year
        # substitute) Tue 4, Wed 5 -> due Thu 6 Jan 2028 00:00 GMT.
        (london(2027, 12, 24, 10), utc(2028, 1, 6, 0)),
        # Raised on the substitute Mon 27 Dec 2027: counts Wed 29; Thu 30, Fri 31, Tue 4, Wed 5,
        # Thu 6 -> due Fri 7 Jan 2028 00:00 GMT.
        (london(2027, 12, 27, 10), utc(2028, 1, 7, 0)),
    ],
)
def test_clock_over_christmas_substitute_days(
    cal: WorkingDayCalendar, started_at: datetime, due_at: datetime
) -> None:
    assert cal.clock(started_at, 5).due_at == due_at


def test_secas_interim_is_ten_working_days(cal: WorkingDayCalendar) -> None:
    # Raised Wed 14 Sep 2022: Thu 15, Fri 16, (funeral Mon 19) Tue 20, Wed 21, Thu 22, Fri 23,
    # Mon 26, Tue 27, Wed 28, Thu 29 -> due Fri 30 Sep 00:00 BST = 29 Sep 23:00Z.
    # Warnings at the start of Wed 28 and Thu 29.
    assert POLICIES == {"mp121": 5, "secas-interim": 10}
    clock = cal.clock(london(2022, 9, 14, 10), POLICIES["secas-interim"])
    assert clock.due_at == utc(2022, 9, 29, 23)
    assert clock.warnings == (utc(2022, 9, 27, 23), utc(2022, 9, 28, 23))


def test_warnings_fall_on_working_days_across_a_weekend(cal: WorkingDayCalendar) -> None:
    # Raised Mon 8 June 2026: Tue 9, Wed 10, Thu 11, Fri 12, Mon 15 -> due Tue 16 00:00 BST.
    # The last two Working Days are Fri 12 and Mon 15: warnings at their 00:00 BST, never at the
    # start of Saturday or Sunday.
    clock = cal.clock(london(2026, 6, 8, 9), 5)
    assert clock.due_at == utc(2026, 6, 15, 23)
    assert clock.warnings == (utc(2026, 6, 11, 23), utc(2026, 6, 14, 23))
    for warning in clock.warnings:
        assert cal.is_working_day(warning.astimezone(LONDON).date())
        assert warning.astimezone(LONDON).time() == time(0)


def test_warnings_are_in_firing_order_whatever_the_order_given(cal: WorkingDayCalendar) -> None:
    # Raised Wed 14 Sep 2022 (due Fri 23 00:00 BST): 3, 2 and 1 remaining are the starts of
    # Tue 20, Wed 21 and Thu 22; duplicates fire once.
    clock = cal.clock(london(2022, 9, 14, 10), 5, (1, 3, 2, 1))
    assert clock.warnings == (utc(2022, 9, 19, 23), utc(2022, 9, 20, 23), utc(2022, 9, 21, 23))


def test_warning_settings_outside_the_clock_are_ignored(cal: WorkingDayCalendar) -> None:
    # 0 remaining would be the due instant itself (that is the breach); 6 remaining on a 5-day
    # clock would be the start of the counting day, before or at the raise: neither is a warning.
    clock = cal.clock(london(2022, 9, 14, 10), 5, (0, 6, 2))
    assert clock.warnings == (utc(2022, 9, 20, 23),)
    assert cal.clock(london(2022, 9, 14, 10), 5, ()).warnings == ()


def test_warning_already_past_at_clock_start_is_skipped(cal: WorkingDayCalendar) -> None:
    # A one-day clock raised Wed 10 June 2026 09:30 BST: counts Wed 10, its only Working Day is
    # Thu 11, due Fri 12 00:00 BST = 11 June 23:00Z. "1 remaining" is the start of Thu 11
    # (10 June 23:00Z). "2 remaining" would be the start of Wed 10 (9 June 23:00Z), already past
    # when the clock starts: skipped, not fired at once.
    started = london(2026, 6, 10, 9, 30)
    clock = cal.clock(started, 1)
    assert clock.due_at == utc(2026, 6, 11, 23)
    assert clock.warnings == (utc(2026, 6, 10, 23),)
    assert all(w > started for w in clock.warnings)


@pytest.mark.parametrize(
    "started_at",
    [
        london(2022, 9, 14, 0, 0),
        london(2022, 9, 14, 23, 59, 59),
        london(2022, 9, 17, 12),  # Saturday
        london(2023, 5, 8, 12),  # coronation
        utc(2026, 3, 30, 23, 0, 30),  # just after midnight BST
        london(2027, 12, 24, 16),
    ],
)
@pytest.mark.parametrize("working_days", [1, 2, 5, 10])
def test_clock_invariants(cal: WorkingDayCalendar, started_at: datetime, working_days: int) -> None:
    clock = cal.clock(started_at, working_days)
    due_local = clock.due_at.astimezone(LONDON)
    assert due_local.time() == time(0)
    assert clock.due_at.utcoffset() == timedelta(0)
    # Exactly N Working Days lie whole between the start day's end and the due instant.
    assert cal.working_days_between(london_midnight(clock.start_day), clock.due_at) == (
        working_days + 1
    )
    assert cal.is_working_day(due_local.date() - timedelta(days=1))
    assert list(clock.warnings) == sorted(clock.warnings)
    assert all(started_at < w < clock.due_at for w in clock.warnings)
    assert len(clock.warnings) == min(2, working_days)


# --- escalations -------------------------------------------------------------------------------


def test_escalations_every_five_working_days_past_due(cal: WorkingDayCalendar) -> None:
    # Due Fri 23 Sep 2022 00:00 BST (last Working Day Thu 22). Escalation 1 at the end of the 5th
    # Working Day after Thu 22: Fri 23, Mon 26, Tue 27, Wed 28, Thu 29 -> Fri 30 Sep 00:00 BST =
    # 29 Sep 23:00Z. Escalation 2: Fri 30, Mon 3 Oct, Tue 4, Wed 5, Thu 6 -> Fri 7 Oct 00:00 BST.
    # Escalation 3: Fri 7, Mon 10, Tue 11, Wed 12, Thu 13 -> Fri 14 Oct 00:00 BST.
    due = cal.clock(london(2022, 9, 14, 10), 5).due_at
    assert cal.escalation_at(due, 5, 1) == utc(2022, 9, 29, 23)
    assert cal.escalation_at(due, 5, 2) == utc(2022, 10, 6, 23)
    assert cal.escalation_at(due, 5, 3) == utc(2022, 10, 13, 23)


def test_escalation_across_autumn_back(cal: WorkingDayCalendar) -> None:
    # Due Thu 27 Oct 2022 00:00 BST (= 26 Oct 23:00Z; last Working Day Wed 26). Five Working Days
    # after Wed 26: Thu 27, Fri 28, (clocks back Sun 30) Mon 31, Tue 1 Nov, Wed 2 Nov -> Thu 3 Nov
    # 00:00 GMT = 3 Nov 00:00Z.
    due = utc(2022, 10, 26, 23)
    assert cal.escalation_at(due, 5, 1) == utc(2022, 11, 3, 0)


def test_escalation_over_christmas(cal: WorkingDayCalendar) -> None:
    # Due Fri 23 Dec 2022 00:00 GMT (last Working Day Thu 22). Five Working Days after Thu 22:
    # Fri 23, (24-27 off) Wed 28, Thu 29, Fri 30, (31, 1, Mon 2 off) Tue 3 Jan -> Wed 4 Jan 2023
    # 00:00 GMT.
    due = utc(2022, 12, 23, 0)
    assert cal.escalation_at(due, 5, 1) == utc(2023, 1, 4, 0)


def test_escalation_every_is_configurable(cal: WorkingDayCalendar) -> None:
    # Two escalations of five Working Days land where one of ten does.
    due = utc(2022, 9, 22, 23)
    assert cal.escalation_at(due, 10, 1) == cal.escalation_at(due, 5, 2)
    # One Working Day past due Fri 23 Sep 00:00 BST: the end of Fri 23 = Sat 24 00:00 BST.
    assert cal.escalation_at(due, 1, 1) == utc(2022, 9, 23, 23)


# --- extra non-working days --------------------------------------------------------------------


def test_extra_non_working_days_from_configuration() -> None:
    extra = date(2026, 6, 11)  # a Thursday announced as a one-off holiday after the release
    cal = WorkingDayCalendar([extra])
    assert not cal.is_working_day(extra)
    assert WorkingDayCalendar().is_working_day(extra)
    # Raised Wed 10 June 2026: (Thu 11 off) Fri 12, Mon 15, Tue 16, Wed 17, Thu 18 -> due Fri 19
    # 00:00 BST = 18 June 23:00Z; without the extra day it is Thu 18 00:00 BST = 17 June 23:00Z.
    assert cal.clock(london(2026, 6, 10, 10), 5).due_at == utc(2026, 6, 18, 23)
    assert WorkingDayCalendar().clock(london(2026, 6, 10, 10), 5).due_at == utc(2026, 6, 17, 23)
    # Raised on the extra day itself: counts on Fri 12.
    assert cal.counting_day(london(2026, 6, 11, 10)) == date(2026, 6, 12)


def test_extra_non_working_days_accept_any_iterable() -> None:
    days = (d for d in [date(2026, 6, 11), date(2026, 6, 12)])
    cal = WorkingDayCalendar(days)
    # Wed 10 -> Thu 11 and Fri 12 off -> Mon 15.
    assert cal.next_working_day(date(2026, 6, 10)) == date(2026, 6, 15)


# --- working_days_between ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # Mon 8 June 2026 10:00 -> Wed 10 10:00 BST: only Tue 9 lies whole in between.
        (london(2026, 6, 8, 10), london(2026, 6, 10, 10), 1),
        # From Mon 8 00:00 exactly to Wed 10 00:00: Mon 8 and Tue 9.
        (london(2026, 6, 8), london(2026, 6, 10), 2),
        # One second short of the end of Tue 9: Mon 8 only.
        (london(2026, 6, 8), london(2026, 6, 9, 23, 59, 59), 1),
        # Less than a whole day.
        (london(2026, 6, 8), london(2026, 6, 8, 23, 59), 0),
        (london(2026, 6, 8, 0, 0, 1), london(2026, 6, 9), 0),
        # Fri 12 00:00 -> Tue 16 00:00: Fri 12, (weekend) Mon 15.
        (london(2026, 6, 12), london(2026, 6, 16), 2),
        # A weekend only.
        (london(2026, 6, 13), london(2026, 6, 15), 0),
        # Fri 16 Sep 2022 -> Wed 21: Fri 16, (weekend, funeral Mon 19) Tue 20.
        (london(2022, 9, 16), london(2022, 9, 21), 2),
        # Fri 27 Mar 2026 00:00 GMT -> Mon 30 00:00 BST across spring-forward: Fri 27 only.
        (london(2026, 3, 27), london(2026, 3, 30), 1),
        # End before or at start.
        (london(2026, 6, 10), london(2026, 6, 8), 0),
        (london(2026, 6, 10), london(2026, 6, 10), 0),
    ],
)
def test_working_days_between(
    cal: WorkingDayCalendar, start: datetime, end: datetime, expected: int
) -> None:
    assert cal.working_days_between(start, end) == expected
    assert cal.working_days_between(start.astimezone(UTC), end.astimezone(UTC)) == expected


def test_working_days_overdue_after_a_due_instant(cal: WorkingDayCalendar) -> None:
    # Due Fri 23 Sep 2022 00:00 BST. At Wed 28 12:00 BST whole Working Days past due are Fri 23,
    # Mon 26 and Tue 27 (Wed 28 is not over yet).
    due = utc(2022, 9, 22, 23)
    assert cal.working_days_between(due, london(2022, 9, 28, 12)) == 3
    # Exactly at the first escalation, five whole Working Days have passed.
    assert cal.working_days_between(due, cal.escalation_at(due, 5, 1)) == 5
