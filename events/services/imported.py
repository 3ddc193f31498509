"""Matches known from a record rather than followed live: their known goals recorded as events.

A results file (a World Cup file) gives each match's goals, with scorer and minute, but no lineups. These
services take such a match through its periods with its goals as events, through the same rules and the
same commit path as a match followed live, so that its score, its table and its timeline come from its
events. The rule without a lineup (events/services/rules.py): a player need only belong to the team.
A shootout known only by its result is recorded as that result: no kick is made up.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext

from .. import periods
from ..importer import FixtureData, Problem
from ..knockouts import final_shootout_score_possible
from ..models import Change, EventKind, LineupEntry, Match, MatchEvent, Period, Player
from .commit import active_events, commit_change, lock_match
from .errors import ServiceError
from .rules import prepare_event

# Where a file names a scorer and nothing else, the short name is the last word of the name.
SHORT_NAME_LENGTH = 40


@dataclass(frozen=True)
class KnownGoal:
    """A goal as the record gives it. `team_id`: the scorer's team (for an own goal, the conceding team)."""

    team_id: int
    scorer: str
    minute: int
    added_minute: int | None = None
    kind: str = EventKind.GOAL


def scorer(*, team_id: int, name: str) -> Player:
    """The team's player of that name, added to the team when new: no shirt number, no position (the
    record gives neither, and neither is made up)."""
    name = " ".join(name.split())[:80]
    if not name:
        raise ServiceError("A scorer needs a name.", code="required", field="scorer")
    player, _ = Player.objects.get_or_create(
        team_id=team_id,
        name=name,
        defaults={"short_name": name.split()[-1][:SHORT_NAME_LENGTH], "number": None, "position": ""},
    )
    return player


def record_known_goals(
    *,
    match_id: int,
    goals: list[KnownGoal],
    extra_time: bool = False,
    penalties: tuple[int, int] | None = None,
    user=None,
    announce: bool = True,
) -> Match:
    """Record a played match from its known goals, in the order they were scored: kick-off, the goals of
    each half at their minutes, each half's end, extra time when it was played, and the shootout's result.

    All or nothing: the match must have no events and no lineup (with a lineup, events are recorded as the
    match is played), and the goals must make the match end the way it did (extra time only after a level
    90 minutes, a shootout only after a level extra time). A result recorded without events is replaced.
    `announce=False` is for batch imports, which send one resync at the end.
    """
    for goal in goals:
        if goal.kind not in (EventKind.GOAL, EventKind.PENALTY_GOAL, EventKind.OWN_GOAL):
            raise ServiceError(f"Not a goal: {goal.kind!r}.", code="invalid_kind", field="kind")
        if periods.period_of_minute(goal.minute) is None:
            raise ServiceError(f"Minute {goal.minute} is out of range.", code="minute_out_of_range", field="minute")
        if periods.is_extra_time(periods.period_of_minute(goal.minute)) and not extra_time:
            raise ServiceError(f"Minute {goal.minute} is in extra time, which was not played.",
                               code="minute_out_of_range", field="minute")
    played = [Period.FIRST_HALF, Period.SECOND_HALF]
    if extra_time:
        played += [Period.EXTRA_TIME_FIRST_HALF, Period.EXTRA_TIME_SECOND_HALF]
    with transaction.atomic():
        match = lock_match(match_id)
        if MatchEvent.objects.filter(match=match).exists():
            raise ServiceError("This match already has events.", code="has_events", status=409)
        if LineupEntry.objects.filter(match=match).exists():
            raise ServiceError("This match has lineups: record its events as they happen.", code="has_lineup",
                               status=409)
        if match.result_only:
            # The goals replace the recorded result: from now on the score comes from them.
            match.result_only = False
            match.status, match.period = Match.Status.SCHEDULED, Period.PRE_MATCH
            match.save(update_fields=["result_only", "status", "period"])
        for period in played:
            in_period = [goal for goal in goals if periods.period_of_minute(goal.minute) == period]
            _add(match, user, announce, kind=EventKind.PERIOD_START, period=period)
            for goal in in_period:
                player = scorer(team_id=goal.team_id, name=goal.scorer)
                _add(match, user, announce, kind=goal.kind, minute=goal.minute, added_minute=goal.added_minute,
                     team_id=goal.team_id, player_id=player.id)
            end = periods.end_minute(period)
            added = max((goal.added_minute or 0 for goal in in_period if goal.minute == end), default=0)
            _add(match, user, announce, kind=EventKind.PERIOD_END, period=period, added_minute=added or None)
            _check_break(match, _expected_break(period, extra_time=extra_time, penalties=penalties is not None))
        if penalties is not None:
            _add(match, user, announce, kind=EventKind.PERIOD_START, period=Period.PENALTIES)
            _record_shootout_result(match, penalties, user=user, announce=announce)
        return match


def _expected_break(period: str, *, extra_time: bool, penalties: bool) -> str:
    if period == Period.SECOND_HALF and extra_time:
        return Period.BEFORE_EXTRA_TIME
    if period in (Period.SECOND_HALF, Period.EXTRA_TIME_SECOND_HALF):
        return Period.BEFORE_PENALTIES if penalties else Period.FULL_TIME
    return periods.break_after(period, level=False, extra_time_possible=False)


def _check_break(match: Match, expected: str) -> None:
    """The goals must take the match where the record says it went (extra time, penalties, full time)."""
    if match.period != expected:
        raise ServiceError(
            f"These goals take the match to {match.get_period_display().lower()}, not to "
            f"{Period(expected).label.lower()}: they do not make the recorded result.",
            code="inconsistent_record", field="goals",
        )


def record_shootout_result(*, match_id: int, home: int, away: int, user=None) -> Match:
    """A shootout known by its result only (the kick-by-kick order is not in the record): during the
    shootout, before any kick, the result ends it and the match. No kick is made up."""
    with transaction.atomic():
        match = lock_match(match_id)
        return _record_shootout_result(match, (home, away), user=user, announce=True)


def _record_shootout_result(match: Match, penalties: tuple[int, int], *, user, announce: bool) -> Match:
    home, away = penalties
    if match.status == Match.Status.FINISHED and (match.home_penalties, match.away_penalties) == penalties:
        return match  # the same result again (a retry): already recorded, nothing changes
    if not (final_shootout_score_possible(home, away) or final_shootout_score_possible(away, home)):
        raise ServiceError(
            gettext("A shootout cannot end %(home)s-%(away)s.") % {"home": home, "away": away},
            code="invalid_score", field="penalties",
        )
    if match.period != Period.PENALTIES:
        raise ServiceError(
            gettext("The shootout has not started."), code="not_in_shootout", field="penalties", status=409,
        )
    if any(event.kind == EventKind.SHOOTOUT_KICK for event in active_events(match)):
        raise ServiceError(gettext("This shootout is recorded kick by kick."), code="has_kicks", field="penalties",
                           status=409)
    _add(match, user, announce, kind=EventKind.PERIOD_END, period=Period.PENALTIES)
    # The shootout apart from the score, as a recorded result (the kicks it would be derived from are unknown).
    match.home_penalties, match.away_penalties = home, away
    commit_change(match, op=Change.Op.RESULT, event=None, before=None, user=user, derive=False, announce=announce)
    return match


def _add(match: Match, user, announce: bool, *, kind: str, period: str | None = None, minute: int | None = None,
         added_minute: int | None = None, team_id: int | None = None, player_id: int | None = None) -> None:
    """One event through the rules and the commit path, as record_event would, on the locked match."""
    event = MatchEvent(
        match=match,
        kind=kind,
        minute=minute if minute is not None else 0,
        added_minute=added_minute or None,
        period=period or "",
        team_id=team_id,
        player_id=player_id,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    prepare_event(match, event, minute_given=minute is not None)
    event.save()
    commit_change(match, op=Change.Op.ADD, event=event, before=None, user=user, announce=announce)


def record_imported_goals(*, match: Match, fixture: FixtureData) -> Problem | None:
    """An imported match's goals as events (import_competition), in a savepoint of its own: when the
    services refuse them, nothing of them stays and the problem says what was kept (the result alone)."""
    teams = {True: match.home_id, False: match.away_id}
    goals = [
        KnownGoal(team_id=teams[goal.scorer_is_home], scorer=goal.scorer, minute=goal.minute,
                  added_minute=goal.added_minute, kind=goal.kind)
        for goal in fixture.goals
    ]
    penalties = (fixture.home_penalties, fixture.away_penalties) if fixture.home_penalties is not None else None
    try:
        with transaction.atomic():
            record_known_goals(match_id=match.id, goals=goals, extra_time=fixture.extra_time_played,
                               penalties=penalties, announce=False)
    except ServiceError as error:
        return Problem(fixture.line, fixture.index, f"goals ({error.field})" if error.field else "goals",
                       str(error), "the result, without goal events")
    return None


def same_result(match: Match, fixture: FixtureData) -> bool:
    """Whether a match already recorded stands as the record has it (a re-import then changes nothing)."""
    return (match.status, match.home_score, match.away_score, match.home_penalties, match.away_penalties) == (
        Match.Status.FINISHED, fixture.home_goals, fixture.away_goals, fixture.home_penalties, fixture.away_penalties
    )
