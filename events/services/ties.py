"""A match's place in its knockout tie, as the commit path needs it to derive the match state.

A second leg goes to extra time when the *tie* is level after its 90 minutes (away goals
included where the rule set counts them), not the match; the pure engine (events/knockouts.py)
decides, from the tie's other legs as the database holds them.
"""

from __future__ import annotations

from .. import knockouts
from ..models import EventKind, Match, MatchEvent, Period


def tie_of(match: Match) -> knockouts.Tie | None:
    """The engine's tie for `match` with its other legs as stored, or None outside a tie."""
    if match.tie_id is None:
        return None
    tie = match.tie
    legs = list(tie.legs.exclude(pk=match.pk).order_by("leg"))
    if any(leg.leg is not None and match.leg is not None and leg.leg > match.leg for leg in legs):
        return None  # not the deciding leg: it never goes to extra time
    earlier = tuple(_engine_leg(leg, finished=True) for leg in legs if leg.status == Match.Status.FINISHED)
    stage = tie.stage
    return knockouts.Tie(
        home=tie.team_a_id,
        away=tie.team_b_id,
        rule_set=stage.rule_set or stage.competition.rule_set,
        two_legged=stage.legs == 2 and len(legs) == 1,
        legs=earlier,
    )


def _engine_leg(match: Match, *, finished: bool, home=None, away=None, extra_time=None) -> knockouts.Leg:
    home_goals = match.home_score - match.home_extra_time_goals if home is None else home
    away_goals = match.away_score - match.away_extra_time_goals if away is None else away
    if extra_time is None and match.extra_time_played:
        extra_time = (match.home_extra_time_goals, match.away_extra_time_goals)
    return knockouts.Leg(
        home=match.home_id,
        away=match.away_id,
        home_goals=home_goals,
        away_goals=away_goals,
        home_extra_time_goals=extra_time[0] if extra_time else None,
        away_extra_time_goals=extra_time[1] if extra_time else None,
        finished=finished,
    )


def tie_level_after(
    match: Match, period: str, *, regular: tuple[int, int], extra_time: tuple[int, int] | None
) -> bool | None:
    """Is the tie level as `period` ends, so that extra time (or penalties) follows? None outside a tie."""
    tie = tie_of(match)
    if tie is None:
        return None
    leg = knockouts.Leg(
        home=match.home_id,
        away=match.away_id,
        home_goals=regular[0],
        away_goals=regular[1],
        home_extra_time_goals=extra_time[0] if extra_time else None,
        away_extra_time_goals=extra_time[1] if extra_time else None,
        # Not finished: the engine then says what follows if the score stands (a finished leg that
        # is level with nothing to follow would be refused as impossible).
        finished=False,
    )
    try:
        state = knockouts.tie_state(_with_leg(tie, leg))
    except ValueError:
        return None
    if period == Period.SECOND_HALF:
        return state.extra_time_due
    return state.penalties_due


def _with_leg(tie: knockouts.Tie, leg: knockouts.Leg) -> knockouts.Tie:
    return knockouts.Tie(
        home=tie.home, away=tie.away, rule_set=tie.rule_set, two_legged=tie.two_legged, legs=(*tie.legs, leg)
    )


def shootout_recorded_as_result(match: Match) -> bool:
    """A shoot-out result the match holds without any kick behind it (an imported record)."""
    if match.home_penalties is None:
        return False
    return not MatchEvent.objects.filter(match=match, kind=EventKind.SHOOTOUT_KICK).exists()


def derived_penalties(match: Match, active: list[MatchEvent]) -> tuple[int, int] | None:
    """The shootout score from the kicks that count; None when no kick has been taken."""
    kicks = [event for event in active if event.kind == EventKind.SHOOTOUT_KICK]
    if not kicks:
        return None
    scored = [kick for kick in kicks if kick.kick_outcome == MatchEvent.KickOutcome.SCORED]
    return (
        sum(kick.team_id == match.home_id for kick in scored),
        sum(kick.team_id == match.away_id for kick in scored),
    )
