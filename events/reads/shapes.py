"""Shapes: one team, player, event or match as the JSON-ready dict every reader and message uses."""

from __future__ import annotations

from .. import periods
from ..models import GOAL_KINDS, EventKind, LineupEntry, Match, MatchEvent, Period, Player, Team
from ..pitch import SideState, event_time, pitch_state
from .stats import STATISTIC_KINDS, match_statistics
from .ties import knockout_state

# What event_dict reads besides the event: select_related these to shape events without a query each.
EVENT_RELATED = ("team", "player", "second_player")


def team_dict(team: Team) -> dict:
    return {
        "id": team.id,
        "name": team.name,
        "short_name": team.short_name,
        "code": team.code,
        "primary_colour": team.primary_colour,
        "secondary_colour": team.secondary_colour,
    }


def player_dict(player) -> dict | None:
    if player is None:
        return None
    return {"id": player.id, "name": player.name, "short_name": player.short_name, "number": player.number}


def minute_label(minute: int, added_minute: int | None) -> str:
    return f"{minute}+{added_minute}'" if added_minute else f"{minute}'"


def event_dict(event: MatchEvent) -> dict:
    is_added_time = event.kind == EventKind.ADDED_TIME
    return {
        "id": event.id,
        "match_id": event.match_id,
        "kind": event.kind,
        "kind_label": event.get_kind_display(),
        "period": event.period,
        "period_label": str(Period(event.period).label),
        "minute": event.minute,
        "added_minute": event.added_minute,
        "minute_label": minute_label(event.minute, None if is_added_time else event.added_minute),
        "team": team_dict(event.team) if event.team_id else None,
        "player": player_dict(event.player),
        "second_player": player_dict(event.second_player),
        "goal_type": event.goal_type,
        "injury": event.injury,
        "kick_outcome": event.kick_outcome,
        "reviewed_event": event.reviewed_event_id,
        "var_category": event.var_category,
        "var_category_label": event.get_var_category_display() if event.var_category else "",
        "var_outcome": event.var_outcome,
        "var_outcome_label": event.get_var_outcome_display() if event.var_outcome else "",
        "var_reason": event.var_reason,
        "decision_reason": event.decision_reason,
        "decision_reason_label": event.get_decision_reason_display() if event.decision_reason else "",
        "commentary": event.commentary,
        "state": event.state,
        "state_reason": event.state_reason,
        "version": event.version,
        "is_goal": event.kind in GOAL_KINDS,
        "is_statistic": event.kind in STATISTIC_KINDS,
        "created_at": event.created_at.isoformat() if event.created_at else None,
    }


def match_state(match: Match) -> dict:
    """What changes during a match: score, period, clock. Small, sent with every change."""
    clock_start, added_from = periods.clock(match.period)
    return {
        "id": match.id,
        "seq": match.seq,
        "status": match.status,
        "status_label": match.get_status_display(),
        "period": match.period,
        "period_label": match.get_period_display(),
        "home_score": match.home_score,
        "away_score": match.away_score,
        # Of the score, the goals of extra time; the shootout, apart from the score.
        "extra_time": {"home": match.home_extra_time_goals, "away": match.away_extra_time_goals}
        if match.extra_time_played
        else None,
        "penalties": {"home": match.home_penalties, "away": match.away_penalties}
        if match.home_penalties is not None
        else None,
        "clock": {
            "running": clock_start is not None and match.period_started_at is not None,
            "period_started_at": match.period_started_at.isoformat() if match.period_started_at else None,
            "start_minute": clock_start,
            "added_time_from": added_from,
            "speed": match.clock_speed,
            "announced_added_time": match.announced_added_time,
        },
    }


def lineup_rows(match: Match) -> list[tuple[int, int, bool]]:
    """The match's lineups as (team id, player id, starter), read once per Match object: a service's transaction
    holds its match row locked, and a change's checks and its stored state both need them."""
    rows = match.__dict__.get("_lineup_rows")
    if rows is None:
        rows = list(LineupEntry.objects.filter(match=match).values_list("team_id", "player_id", "starter"))
        match.__dict__["_lineup_rows"] = rows
    return rows


def match_state_with_pitch(match: Match, active: list[MatchEvent] | None = None) -> dict:
    """The match state plus who is on the pitch and on the bench, per side.

    Stored with each change, so that consoles can offer only the players an
    event may name, on replay as well as live. `active`: the match's active events, when the caller
    has them already.
    """
    lineup = lineup_rows(match)
    if active is None:
        active = list(MatchEvent.objects.filter(match=match, state=MatchEvent.State.ACTIVE))
    sides = pitch_state(lineup, active)
    empty = SideState()
    return {
        **match_state(match),
        "var": review_in_progress(active),
        "goals": goals_scored(match, active),
        "statistics": match_statistics(home_id=match.home_id, away_id=match.away_id, events=active),
        "knockout": knockout_state(match),
        "pitch": {
            "home": sides.get(match.home_id, empty).to_dict(),
            "away": sides.get(match.away_id, empty).to_dict(),
        },
    }


def goals_scored(match: Match, active_events: list[MatchEvent]) -> list[dict]:
    """The goals that count, in match order, each with the side it counts for and the score it made.

    An own goal counts for the other side, as in the score itself (services/commit.py). Scorers' names
    are read in one query: the caller's events need not have their players loaded.
    """
    goal_events = sorted((e for e in active_events if e.kind in GOAL_KINDS), key=event_time)
    scorer_ids = {e.player_id for e in goal_events if e.player_id}
    names = (
        {
            pk: {"id": pk, "name": name, "short_name": short_name or name}
            for pk, name, short_name in Player.objects.filter(pk__in=scorer_ids).values_list("pk", "name", "short_name")
        }
        if scorer_ids
        else {}
    )
    home = away = 0
    goals = []
    for event in goal_events:
        for_home = (event.team_id == match.home_id) != (event.kind == EventKind.OWN_GOAL)
        home, away = (home + 1, away) if for_home else (home, away + 1)
        goals.append(
            {
                "event": event.id,
                "side": "home" if for_home else "away",
                "kind": event.kind,
                "player": names.get(event.player_id, {"id": None, "name": "", "short_name": ""}),
                "minute_label": minute_label(event.minute, event.added_minute),
                "score": [home, away],
            }
        )
    return goals


def running_scores(goals: list[dict]) -> dict[int, str]:
    """Event id -> the score that goal made, as a goal row shows it (home, an en dash, away)."""
    return {goal["event"]: f"{goal['score'][0]}–{goal['score'][1]}" for goal in goals}


def review_in_progress(active_events: list[MatchEvent]) -> dict | None:
    """The VAR check fans should see on the score header, if one is under way."""
    under_way = (MatchEvent.VarOutcome.IN_PROGRESS, MatchEvent.VarOutcome.ON_FIELD_REVIEW)
    checks = [e for e in active_events if e.kind == EventKind.VAR_CHECK and e.var_outcome in under_way]
    if not checks:
        return None
    check = max(checks, key=lambda e: e.id)
    return {
        "check": check.id,
        "category": check.var_category,
        "category_label": check.get_var_category_display(),
        "outcome": check.var_outcome,
        "outcome_label": check.get_var_outcome_display(),
        "var_reason": check.var_reason,
        "reviewed_event": check.reviewed_event_id,
    }


def match_summary(match: Match) -> dict:
    """A match as listed: teams, kick-off, where it belongs, and its state."""
    return {
        **match_state(match),
        "home": team_dict(match.home),
        "away": team_dict(match.away),
        "kickoff": match.kickoff.isoformat(),
        "venue": match.venue,
        "matchday": match.matchday,
        "round": match.round_name,
        "competition": {"id": match.competition_id, "name": str(match.competition)},
        "group": {"id": match.group_id, "name": match.group.name} if match.group_id else None,
    }
