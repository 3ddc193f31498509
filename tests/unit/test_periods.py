"""The period model: order, minutes, breaks, and what follows each (events/periods.py)."""

from itertools import pairwise

import pytest

from events import periods
from events.models import Period

HALVES = ("first_half", "second_half", "extra_time_first_half", "extra_time_second_half")
BREAKS = ("pre_match", "half_time", "before_extra_time", "extra_time_half_time", "before_penalties", "full_time")


def test_periods_run_from_kick_off_through_extra_time_and_penalties_to_full_time():
    assert periods.ORDER == (
        "pre_match",
        "first_half",
        "half_time",
        "second_half",
        "before_extra_time",
        "extra_time_first_half",
        "extra_time_half_time",
        "extra_time_second_half",
        "before_penalties",
        "penalties",
        "full_time",
    )


def test_the_order_is_that_of_the_period_choices():
    assert list(periods.ORDER) == list(Period.values)


def test_halves_and_the_shoot_out_are_played_the_rest_are_breaks():
    assert (*HALVES, "penalties") == periods.PLAYED
    assert [p for p in periods.ORDER if periods.is_played(p)] == list(periods.PLAYED)
    assert not any(periods.is_played(p) for p in BREAKS)


def test_only_the_halves_are_timed():
    assert periods.TIMED == HALVES
    assert not periods.is_timed("penalties")
    assert not any(periods.is_timed(p) for p in BREAKS)


def test_only_the_extra_time_halves_are_extra_time():
    assert [p for p in periods.ORDER if periods.is_extra_time(p)] == ["extra_time_first_half", "extra_time_second_half"]


def test_each_half_has_its_regular_minutes():
    assert [periods.minutes(p) for p in HALVES] == [(1, 45), (46, 90), (91, 105), (106, 120)]


def test_breaks_and_the_shoot_out_have_no_minutes():
    assert [periods.minutes(p) for p in (*BREAKS, "penalties")] == [None] * 7


def test_the_halves_cover_minutes_1_to_120_without_gaps():
    assert (periods.FIRST_MINUTE, periods.LAST_MINUTE) == (1, 120)
    for earlier, later in pairwise(HALVES):
        assert periods.minutes(later)[0] == periods.minutes(earlier)[1] + 1


@pytest.mark.parametrize(
    ("minute", "period"),
    [
        (1, "first_half"),
        (45, "first_half"),
        (46, "second_half"),
        (90, "second_half"),
        (91, "extra_time_first_half"),
        (105, "extra_time_first_half"),
        (106, "extra_time_second_half"),
        (120, "extra_time_second_half"),
        (0, None),
        (121, None),
    ],
)
def test_a_minute_falls_in_the_half_it_belongs_to(minute, period):
    assert periods.period_of_minute(minute) == period


def test_each_played_period_starts_where_the_one_before_ended():
    assert [periods.start_minute(p) for p in periods.PLAYED] == [0, 45, 90, 105, 120]


def test_each_played_period_ends_at_its_last_regular_minute_and_the_shoot_out_at_120():
    assert [periods.end_minute(p) for p in periods.PLAYED] == [45, 90, 105, 120, 120]


@pytest.mark.parametrize("period", BREAKS)
def test_a_break_has_no_start_or_end_minute(period):
    with pytest.raises(ValueError):
        periods.start_minute(period)
    with pytest.raises(ValueError):
        periods.end_minute(period)


@pytest.mark.parametrize(
    ("period", "clock"),
    [
        ("first_half", (0, 45)),
        ("second_half", (45, 90)),
        ("extra_time_first_half", (90, 105)),
        ("extra_time_second_half", (105, 120)),
    ],
)
def test_the_clock_starts_from_the_period_start_and_reads_added_time_after_its_last_minute(period, clock):
    assert periods.clock(period) == clock


@pytest.mark.parametrize("period", [*BREAKS, "penalties", "no_such_period"])
def test_the_clock_stops_in_breaks_and_the_shoot_out(period):
    assert periods.clock(period) == (None, None)


@pytest.mark.parametrize(
    ("period", "level", "extra_time_possible", "following"),
    [
        ("first_half", False, False, "half_time"),
        ("first_half", True, True, "half_time"),
        ("second_half", False, False, "full_time"),
        ("second_half", False, True, "full_time"),
        ("second_half", True, False, "full_time"),
        ("second_half", True, True, "before_extra_time"),
        ("extra_time_first_half", False, True, "extra_time_half_time"),
        ("extra_time_first_half", True, True, "extra_time_half_time"),
        ("extra_time_second_half", False, True, "full_time"),
        ("extra_time_second_half", True, False, "full_time"),
        ("extra_time_second_half", True, True, "before_penalties"),
        ("penalties", False, True, "full_time"),
        ("penalties", True, True, "full_time"),
    ],
)
def test_the_break_after_a_period_depends_on_a_level_score_when_extra_time_is_possible(
    period, level, extra_time_possible, following
):
    assert periods.break_after(period, level=level, extra_time_possible=extra_time_possible) == following


@pytest.mark.parametrize("period", BREAKS)
def test_a_break_is_not_followed_by_another_break(period):
    with pytest.raises(ValueError):
        periods.break_after(period, level=True, extra_time_possible=True)


@pytest.mark.parametrize(
    ("period", "next_period"),
    [
        ("pre_match", "first_half"),
        ("half_time", "second_half"),
        ("before_extra_time", "extra_time_first_half"),
        ("extra_time_half_time", "extra_time_second_half"),
        ("before_penalties", "penalties"),
        ("full_time", None),
    ],
)
def test_each_break_leads_to_the_next_period(period, next_period):
    assert periods.next_to_start(period) == next_period


@pytest.mark.parametrize("period", [*periods.PLAYED, "no_such_period"])
def test_no_period_starts_while_one_is_played(period):
    assert periods.next_to_start(period) is None


def _walk(*, level: bool, extra_time_possible: bool) -> list[str]:
    path = ["pre_match"]
    while (following := periods.next_to_start(path[-1])) is not None:
        path.append(following)
        path.append(periods.break_after(following, level=level, extra_time_possible=extra_time_possible))
    return path


def test_a_match_level_after_extra_time_passes_through_every_period_in_order():
    assert _walk(level=True, extra_time_possible=True) == list(periods.ORDER)


@pytest.mark.parametrize(("level", "extra_time_possible"), [(False, False), (False, True), (True, False)])
def test_a_match_decided_in_normal_time_ends_after_the_second_half(level, extra_time_possible):
    assert _walk(level=level, extra_time_possible=extra_time_possible) == [
        "pre_match",
        "first_half",
        "half_time",
        "second_half",
        "full_time",
    ]


def test_the_timeline_puts_first_half_added_time_before_the_second_half():
    first_half_added = periods.timeline_key("first_half", 45, 2, 9)
    second_half_start = periods.timeline_key("second_half", 45, None, 1)
    assert first_half_added < second_half_start


def test_the_timeline_orders_events_of_one_period_by_minute_added_minute_then_tie_breaker():
    keys = [
        periods.timeline_key("second_half", 90, 3, 1),
        periods.timeline_key("second_half", 90, None, 7),
        periods.timeline_key("second_half", 90, 1, 2),
        periods.timeline_key("second_half", 90, 1, 1),
    ]
    assert sorted(keys) == [keys[1], keys[3], keys[2], keys[0]]


def test_an_unknown_period_ranks_as_before_kick_off():
    assert periods.rank("no_such_period") == periods.rank("pre_match") == 0
