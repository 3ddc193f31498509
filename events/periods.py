"""The periods of a match: their order, their minutes, and what follows each.

Pure data, keyed by the values of `events.models.Period` (which keeps the choices and
their labels). The rules, the commit path and the clock read the periods here, so a
boundary such as 45 or 105 is written once.

A period is *played* when an editor starts and ends it (the four halves and the
shoot-out) and a *break* otherwise (before kick-off, the half-times, before extra time,
before penalties, full time). The halves are also *timed*: events in them carry a minute,
the clock runs and added time is announced. The shoot-out has no minutes of its own; its
start and end are recorded at the last minute of extra time.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PeriodSpec:
    period: str
    # Played periods: the minutes its period_start and period_end are recorded at. A timed period's clock
    # starts from `start` (its first regular minute is the next) and reads added time after `end`.
    start: int | None
    end: int | None
    timed: bool
    extra_time: bool
    # A played period: the break after it. A break: the period it leads to (None at full time).
    then: str | None
    # A played period: the break after it instead when the score is level and extra time is possible.
    then_if_level: str | None = None

    @property
    def played(self) -> bool:
        return self.start is not None


# In the order a match passes through them.
# fmt: off
TABLE: tuple[PeriodSpec, ...] = (
    #          period                    start  end   timed  extra  then                     then if level
    PeriodSpec("pre_match",              None,  None, False, False, "first_half"),
    PeriodSpec("first_half",             0,     45,   True,  False, "half_time"),
    PeriodSpec("half_time",              None,  None, False, False, "second_half"),
    PeriodSpec("second_half",            45,    90,   True,  False, "full_time",             "before_extra_time"),
    PeriodSpec("before_extra_time",      None,  None, False, False, "extra_time_first_half"),
    PeriodSpec("extra_time_first_half",  90,    105,  True,  True,  "extra_time_half_time"),
    PeriodSpec("extra_time_half_time",   None,  None, False, False, "extra_time_second_half"),
    PeriodSpec("extra_time_second_half", 105,   120,  True,  True,  "full_time",             "before_penalties"),
    PeriodSpec("before_penalties",       None,  None, False, False, "penalties"),
    PeriodSpec("penalties",              120,   120,  False, False, "full_time"),
    PeriodSpec("full_time",              None,  None, False, False, None),
)
# fmt: on

_SPECS = {spec.period: spec for spec in TABLE}

ORDER: tuple[str, ...] = tuple(spec.period for spec in TABLE)
RANK: dict[str, int] = {period: rank for rank, period in enumerate(ORDER)}
PLAYED: tuple[str, ...] = tuple(spec.period for spec in TABLE if spec.played)
TIMED: tuple[str, ...] = tuple(spec.period for spec in TABLE if spec.timed)
# The regular minutes an event can be recorded at (1-120).
FIRST_MINUTE = min(_SPECS[period].start for period in TIMED) + 1
LAST_MINUTE = max(_SPECS[period].end for period in TIMED)


def rank(period: str) -> int:
    """Where a period comes in the match; an unknown one counts as before kick-off."""
    return RANK.get(period, 0)


def timeline_key(period: str, minute: int, added_minute: int | None, tie_breaker: int = 0) -> tuple:
    """Where an event falls in the match: 45+1 of the first half comes before 45 of the second."""
    return (rank(period), minute, added_minute or 0, tie_breaker)


def is_played(period: str) -> bool:
    """Started and ended by an editor: the halves and the shoot-out."""
    return period in _SPECS and _SPECS[period].played


def is_timed(period: str) -> bool:
    """A half: events in it carry a minute, the clock runs, added time is announced."""
    return period in _SPECS and _SPECS[period].timed


def is_extra_time(period: str) -> bool:
    return period in _SPECS and _SPECS[period].extra_time


def minutes(period: str) -> tuple[int, int] | None:
    """A half's first and last regular minute (46 and 90 for the second half); None for other periods."""
    info = _SPECS.get(period)
    if info is None or not info.timed:
        return None
    return info.start + 1, info.end


def period_of_minute(minute: int) -> str | None:
    """The half a regular minute falls in (45 is the first half's, 46 the second's); None outside 1-120."""
    return next((period for period in TIMED if _SPECS[period].start < minute <= _SPECS[period].end), None)


def start_minute(period: str) -> int:
    """The minute a played period's period_start is recorded at (0 for kick-off)."""
    return _played(period).start


def end_minute(period: str) -> int:
    """The minute a played period's period_end is recorded at: a half's last regular minute."""
    return _played(period).end


def clock(period: str) -> tuple[int | None, int | None]:
    """(minute the clock starts from, minute after which it reads added time); (None, None) when it stops."""
    info = _SPECS.get(period)
    if info is None or not info.timed:
        return None, None
    return info.start, info.end


def break_after(period: str, *, level: bool, extra_time_possible: bool) -> str:
    """The break a played period ends in: extra time or penalties follow only a level score when allowed."""
    info = _played(period)
    if level and extra_time_possible and info.then_if_level:
        return info.then_if_level
    return info.then


def next_to_start(period: str) -> str | None:
    """The period an editor may start from this one: the one a break leads to; None during play or after it."""
    info = _SPECS.get(period)
    if info is None or info.played:
        return None
    return info.then


def _played(period: str) -> PeriodSpec:
    info = _SPECS.get(period)
    if info is None or not info.played:
        raise ValueError(f"{period!r} is not a played period.")
    return info
