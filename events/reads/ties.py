"""A knockout match as its page shows it: the tie's aggregate in words, extra time, the shootout kick by kick.

Data only, from the pure engine (events/knockouts.py) and the database; None for a match that is
not a tie's leg and cannot go to extra time.
"""

from __future__ import annotations

from .. import knockouts
from ..models import EventKind, Match, MatchEvent, Period

SHOOTOUT_PERIODS = frozenset({Period.PENALTIES, Period.FULL_TIME})


def knockout_state(match: Match) -> dict | None:
    if match.tie_id is None and not match.extra_time_possible:
        return None
    return {
        "tie": tie_summary(match),
        "extra_time": match.extra_time_played,
        "penalties": {"home": match.home_penalties, "away": match.away_penalties}
        if match.home_penalties is not None
        else None,
        "shootout": shootout_rows(match),
    }


def tie_summary(match: Match) -> dict | None:
    """Where the tie stands with this leg as it is: "Liverpool lead 2-1 on aggregate"."""
    if match.tie_id is None:
        return None
    tie = match.tie
    legs = list(tie.legs.select_related("home", "away").order_by("leg"))
    played = [leg for leg in legs if leg.status in (Match.Status.LIVE, Match.Status.FINISHED) or leg.pk == match.pk]
    names = {leg.home_id: leg.home.short_name for leg in legs} | {leg.away_id: leg.away.short_name for leg in legs}
    engine_legs = []
    for leg in played:
        current = match if leg.pk == match.pk else leg
        engine_legs.append(
            knockouts.Leg(
                home=current.home_id,
                away=current.away_id,
                home_goals=current.home_score - current.home_extra_time_goals,
                away_goals=current.away_score - current.away_extra_time_goals,
                home_extra_time_goals=current.home_extra_time_goals if current.extra_time_played else None,
                away_extra_time_goals=current.away_extra_time_goals if current.extra_time_played else None,
                finished=current.status == Match.Status.FINISHED,
            )
        )
    recorded = None
    if match.home_penalties is not None and match.result_only:
        by_team = {match.home_id: match.home_penalties, match.away_id: match.away_penalties}
        recorded = (by_team[tie.team_a_id], by_team[tie.team_b_id])
    stage = tie.stage
    try:
        state = knockouts.tie_state(
            knockouts.Tie(
                home=tie.team_a_id,
                away=tie.team_b_id,
                rule_set=stage.rule_set or stage.competition.rule_set,
                two_legged=len(legs) == 2,
                legs=tuple(engine_legs),
                shootout=_shootout(match, tie),
                recorded_penalties=recorded,
            )
        )
    except ValueError:
        return {"leg": match.leg, "legs": len(legs), "sentence": "", "aggregate": None, "winner": None}
    aggregate = dict(zip((tie.team_a_id, tie.team_b_id), state.aggregate, strict=True))
    return {
        "leg": match.leg,
        "legs": len(legs),
        "sentence": state.sentence(names) if state.started else "",
        # In this match's orientation: [home's, away's].
        "aggregate": [aggregate[match.home_id], aggregate[match.away_id]],
        "winner": state.winner,
        "decided_by": str(state.decided_by) if state.decided_by else None,
    }


def kick_events(match: Match) -> list[MatchEvent]:
    """The shoot-out's kicks in the order taken: those that count and those ordered retaken."""
    return list(
        MatchEvent.objects.filter(
            match=match,
            kind=EventKind.SHOOTOUT_KICK,
            state__in=(MatchEvent.State.ACTIVE, MatchEvent.State.RETAKEN),
        )
        .select_related("player")
        .order_by("id")
    )


def _kicks(match: Match) -> list[MatchEvent]:
    return kick_events(match) if match.period in SHOOTOUT_PERIODS else []


def engine_kick(kick: MatchEvent) -> knockouts.Kick:
    taker = kick.player.short_name if kick.player_id else "unnamed"
    return knockouts.Kick(
        team=kick.team_id, taker=taker, outcome=kick.kick_outcome, retaken=kick.state == MatchEvent.State.RETAKEN
    )


def engine_shootout(kicks: list[MatchEvent], team_a, team_b) -> knockouts.Shootout | None:
    """The engine's shoot-out from kick events (the side of the first kick kicked first); None before one."""
    if not kicks:
        return None
    first = kicks[0].team_id
    second = team_b if first == team_a else team_a
    return knockouts.Shootout(first=first, second=second, kicks=tuple(engine_kick(kick) for kick in kicks))


def _shootout(match: Match, tie) -> knockouts.Shootout | None:
    return engine_shootout(_kicks(match), tie.team_a_id, tie.team_b_id)


def shootout_rows(match: Match) -> list[dict] | None:
    """Each side's kicks in the order taken (a retaken kick marked), the side that kicked first first."""
    kicks = _kicks(match)
    if not kicks:
        return None
    sides = {
        side: {"side": side, "team": team.short_name, "kicks": []}
        for side, team in (("home", match.home), ("away", match.away))
    }
    for kick in kicks:
        sides["home" if kick.team_id == match.home_id else "away"]["kicks"].append(
            {
                "event": kick.id,
                "taker": kick.player.short_name if kick.player_id else "",
                "outcome": kick.kick_outcome,
                "outcome_label": kick.get_kick_outcome_display(),
                "retaken": kick.state == MatchEvent.State.RETAKEN,
            }
        )
    first = "home" if kicks[0].team_id == match.home_id else "away"
    return [sides[first], sides["away" if first == "home" else "home"]]
