"""The knockout bracket of a competition: its rounds, each tie's legs, aggregate, winner and how.

Data only. Every tie is judged by the pure knockout engine (events/knockouts.py) from what the
database holds: the legs' goals (extra-time goals apart), the shootout's kicks or its recorded
result. A tie whose record the engine refuses (a shootout the data lost) has no winner and says
why, never a guessed one.
"""

from __future__ import annotations

import contextlib
import datetime

from django.db.models import Prefetch
from django.utils import translation

from .. import formats, knockouts, world_cup
from ..models import Competition, EventKind, Group, Match, MatchEvent, Stage, Tie
from .shapes import team_dict
from .tables import group_table
from .thirds import GroupStage, group_stage, third_placed_table
from .ties import engine_shootout


def competition_bracket(competition: Competition) -> dict:
    return bracket_with_group_stage(competition, group_stage(competition))


def bracket_with_group_stage(competition: Competition, stage: GroupStage | None) -> dict:
    """The bracket, from the competition's group stage as the caller read it (events/reads/thirds.group_stage:
    None when no group stage ranks its thirds)."""
    rounds = knockout_rounds(competition)
    return {
        "competition": {"id": competition.id, "name": str(competition)},
        "league_phase": league_phase_projection(competition),
        "group_stage": project_group_stage(competition, stage, rounds),
        "rounds": rounds,
    }


def knockout_rounds(competition: Competition) -> list[dict]:
    """Each knockout round with its ties, as the bracket shows them."""
    stages = list(competition.stages.filter(kind=Stage.Kind.KNOCKOUT).order_by("order", "id"))
    ties = (
        Tie.objects.filter(stage__in=stages)
        .select_related("team_a", "team_b", "settled_winner")
        .prefetch_related(Prefetch("legs", queryset=Match.objects.select_related("home", "away").order_by("leg")))
        .order_by("number")
    )
    kicks = _kicks_by_match(ties)
    by_stage: dict[int, list[dict]] = {stage.id: [] for stage in stages}
    for tie in ties:
        stage = next(stage for stage in stages if stage.id == tie.stage_id)
        by_stage[stage.id].append(tie_dict(tie, stage, competition, kicks))
    return [{"id": stage.id, "name": stage.name, "legs": stage.legs, "ties": by_stage[stage.id]} for stage in stages]


def group_stage_projection(competition: Competition, rounds: list[dict] | None = None,
                           known_tables: dict[int, dict] | None = None) -> dict | None:
    """The knockout path fixed by match number (2026: events/world_cup.py), filled from the group tables and
    the ranking of thirds as they stand, and from the knockout matches played (None without such a path).

    `rounds`: the competition's knockout rounds as the bracket shapes them, when the caller has them;
    `known_tables`: group tables the caller has built already, by group id."""
    return project_group_stage(competition, group_stage(competition, known_tables), rounds)


def project_group_stage(competition: Competition, stage: GroupStage | None, rounds: list[dict] | None = None
                        ) -> dict | None:
    """group_stage_projection from the competition's group stage as the caller read it."""
    path = world_cup.knockout_path(stage.rule_set.name) if stage is not None and stage.lettered else None
    if path is None or set(stage.groups) != set(path.groups):
        return None
    if rounds is None:
        rounds = knockout_rounds(competition)
    projected = world_cup.project(path, stage.engine_tables, stage.thirds, _played(competition, rounds))
    teams = {row["team"]["id"]: row["team"] for table in stage.tables.values() for row in table["rows"]}
    for entry in projected["rounds"]:
        for match in entry["matches"]:
            for side in ("home", "away"):
                team = match[side]["team"]
                match[side]["team"] = teams.get(team) if team is not None else None
    return {
        **projected,
        "groups": {key: {"id": group.id, "name": group.name} for key, group in stage.groups.items()},
        "third_placed": third_placed_table(competition, stage),
    }


def worded_group_stage(projection: dict) -> dict:
    """The group-stage projection with where each side comes from in the active language (the rest is the
    same): a change's projection is worked out once and shown in every language."""
    rounds = [
        {**round_, "matches": [
            {**match, **{side: {**match[side], "from": world_cup.Source.parse(match[side]["source"]).label}
                         for side in ("home", "away")}}
            for match in round_["matches"]]}
        for round_ in projection["rounds"]
    ]
    return {**projection, "rounds": rounds}


def _played(competition: Competition, rounds: list[dict]) -> list[world_cup.PlayedMatch]:
    """Knockout matches between two teams and who went through: the ties the bracket judged, and
    one-off knockout matches recorded without a tie (their winner from the score, extra time and penalties)."""
    played = [
        world_cup.PlayedMatch(
            frozenset((tie["home"]["team"]["id"], tie["away"]["team"]["id"])),
            tie["winner"]["team"]["id"] if tie["winner"] else None,
        )
        for entry in rounds
        for tie in entry["ties"]
        if tie["home"]["team"] and tie["away"]["team"]
    ]
    loose = Match.objects.filter(competition=competition, group__isnull=True, tie__isnull=True,
                                 status=Match.Status.FINISHED)
    for match in loose:
        home, away = match.home_score, match.away_score
        if home == away and match.home_penalties is not None:
            home, away = match.home_penalties, match.away_penalties
        winner = match.home_id if home > away else match.away_id if away > home else None
        played.append(world_cup.PlayedMatch(frozenset((match.home_id, match.away_id)), winner))
    return played


def league_phase_projection(competition: Competition, table: dict | None = None) -> dict | None:
    """Where each league-phase position leads, as the table stands (None without a league phase format).

    `table`: the league-phase group's table when the caller has just built it (a change's message)."""
    stage = (
        competition.stages.filter(kind=Stage.Kind.LEAGUE, rule_set__in=list(formats.FORMATS))
        .prefetch_related("groups")
        .first()
    )
    group = stage.groups.first() if stage else None
    if group is None:
        return None
    if table is None or table["group"]["id"] != group.id:
        table = group_table(group)
    teams = {row["team"]["id"]: row["team"] for row in table["rows"]}
    projected = formats.projection(formats.FORMATS[stage.rule_set], [row["team"]["id"] for row in table["rows"]])
    for entry in projected["play_offs"]:
        for side in ("seeded", "unseeded"):
            entry[side]["teams"] = [teams[team] for team in entry[side]["teams"]]
    for entry in projected["round_of_16"]:
        entry["seeded"]["teams"] = [teams[team] for team in entry["seeded"]["teams"]]
        entry["possible_opponents"] = [teams[team] for team in entry["possible_opponents"]]
    complete = not group.matches.exclude(status=Match.Status.FINISHED).exists()
    return {
        "group": {"id": group.id, "name": group.name},
        "complete": complete,
        "provisional": table["provisional"],
        **projected,
    }


def tie_part(tie_id: int) -> dict:
    """One tie as the bracket shows it, with its round: what the live bracket sends when a leg changes."""
    return tie_parts(tie_id, [None])[None]


def tie_parts(tie_id: int, languages: list[str | None]) -> dict[str | None, dict]:
    """tie_part in each of `languages` (None: the active one), read once: only the engine's sentence differs."""
    tie = (
        Tie.objects.select_related("stage__competition", "team_a", "team_b", "settled_winner")
        .prefetch_related(Prefetch("legs", queryset=Match.objects.select_related("home", "away").order_by("leg")))
        .get(pk=tie_id)
    )
    stage = tie.stage
    kicks = _kicks_by_match([tie])
    parts = {}
    for language in languages:
        with translation.override(language) if language else contextlib.nullcontext():
            parts[language] = {
                "round": {"id": stage.id, "name": stage.name, "legs": stage.legs},
                "tie": tie_dict(tie, stage, stage.competition, kicks),
            }
    return parts


def feeds_league_phase(group_id: int) -> bool:
    """Is this group the table of a league phase whose positions lead into the bracket?"""
    return Stage.objects.filter(groups=group_id, kind=Stage.Kind.LEAGUE, rule_set__in=list(formats.FORMATS)).exists()


def feeds_group_stage(group: Group) -> bool:
    """Is this group in a group stage whose positions lead into a knockout path fixed by match number (2026)?
    Cheap: the rule set alone (group_stage_projection then checks the groups themselves)."""
    if group.stage_id is not None and group.stage.kind in (Stage.Kind.KNOCKOUT, Stage.Kind.LEAGUE):
        return False
    return group.rule_set_name in world_cup.PATHS


def has_group_stage_path(competition_id: int) -> bool:
    """Do the competition's groups lead into a knockout path fixed by match number (feeds_group_stage)?"""
    group = (
        Group.objects.filter(competition_id=competition_id)
        .exclude(stage__kind__in=(Stage.Kind.KNOCKOUT, Stage.Kind.LEAGUE))
        .select_related("stage", "competition")
        .first()
    )
    return group is not None and feeds_group_stage(group)


def competition_seqs(competition: Competition) -> dict[int, int]:
    """The seq of every match of the competition: what its group-stage projection is built from (the group
    tables, the ranking of thirds and the knockout matches played)."""
    return dict(Match.objects.filter(competition=competition).values_list("id", "seq"))


def competition_groups(competition_id: int) -> list[dict]:
    """The competition's tables outside its knockout rounds, in the order they are played: each a link."""
    groups = (
        Group.objects.filter(competition_id=competition_id)
        .exclude(stage__kind=Stage.Kind.KNOCKOUT)
        .order_by("stage__order", "name", "id")
    )
    return [{"id": group.id, "name": group.name} for group in groups]


def matches_day(competition_id: int) -> datetime.date | None:
    """The day of the competition's matches a reader most likely wants: the next match's (or the one in
    play), else the last played (UTC; None without matches)."""
    matches = Match.objects.filter(competition_id=competition_id)
    to_come = matches.filter(status__in=(Match.Status.SCHEDULED, Match.Status.LIVE)).order_by("kickoff")
    kickoff = to_come.values_list("kickoff", flat=True).first() or (
        matches.order_by("-kickoff").values_list("kickoff", flat=True).first()
    )
    return kickoff.astimezone(datetime.UTC).date() if kickoff else None


def league_phase_seqs(competition: Competition) -> dict[int, int]:
    """The seq of each league-phase match (none without a league phase): what its projection is built from."""
    stage = competition.stages.filter(kind=Stage.Kind.LEAGUE, rule_set__in=list(formats.FORMATS)).first()
    group = stage.groups.first() if stage else None
    return dict(group.matches.values_list("id", "seq")) if group else {}


def _kicks_by_match(ties) -> dict[int, list[MatchEvent]]:
    match_ids = [leg.id for tie in ties for leg in tie.legs.all()]
    kicks: dict[int, list[MatchEvent]] = {}
    shootout = MatchEvent.objects.filter(
        match_id__in=match_ids,
        kind=EventKind.SHOOTOUT_KICK,
        state__in=(MatchEvent.State.ACTIVE, MatchEvent.State.RETAKEN),
    ).select_related("player")
    for kick in shootout.order_by("id"):
        kicks.setdefault(kick.match_id, []).append(kick)
    return kicks


def tie_dict(tie: Tie, stage: Stage, competition: Competition, kicks: dict[int, list[MatchEvent]]) -> dict:
    legs = list(tie.legs.all())
    side_a = {"team": team_dict(tie.team_a) if tie.team_a else None, "from": tie.team_a_source}
    side_b = {"team": team_dict(tie.team_b) if tie.team_b else None, "from": tie.team_b_source}
    shaped = {
        "id": tie.id,
        "number": tie.number,
        "home": side_a,
        "away": side_b,
        "legs": [_leg_dict(leg) for leg in legs],
        "aggregate": None,
        "winner": None,
        "decided_by": None,
        "state": None,
        "problem": None,
    }
    if tie.team_a is None or tie.team_b is None:
        return shaped
    names = {tie.team_a_id: tie.team_a.short_name, tie.team_b_id: tie.team_b.short_name}
    try:
        state = knockouts.tie_state(_engine_tie(tie, stage, competition, legs, kicks))
    except ValueError as error:
        shaped["problem"] = str(error)
        state = None
    if state is not None:
        shaped["aggregate"] = list(state.aggregate)
        shaped["state"] = state.to_dict(names)
        shaped["decided_by"] = str(state.decided_by) if state.decided_by else None
        if state.winner is not None:
            shaped["winner"] = {"team": team_dict(tie.team_a if state.winner == tie.team_a_id else tie.team_b)}
    if shaped["winner"] is None and tie.settled_winner_id is not None:
        shaped["winner"] = {"team": team_dict(tie.settled_winner), "settled": tie.settled_reason}
    return shaped


def _engine_tie(tie: Tie, stage: Stage, competition: Competition, legs: list[Match], kicks) -> knockouts.Tie:
    played = [leg for leg in legs if leg.status in (Match.Status.LIVE, Match.Status.FINISHED)]
    engine_legs = tuple(
        knockouts.Leg(
            home=leg.home_id,
            away=leg.away_id,
            home_goals=leg.home_score - leg.home_extra_time_goals,
            away_goals=leg.away_score - leg.away_extra_time_goals,
            home_extra_time_goals=leg.home_extra_time_goals if leg.extra_time_played else None,
            away_extra_time_goals=leg.away_extra_time_goals if leg.extra_time_played else None,
            finished=leg.status == Match.Status.FINISHED,
        )
        for leg in played
    )
    last = played[-1] if played else None
    shootout = recorded = None
    if last is not None and kicks.get(last.id):
        shootout = engine_shootout(kicks[last.id], tie.team_a_id, tie.team_b_id)
    elif last is not None and last.home_penalties is not None:
        by_team = {last.home_id: last.home_penalties, last.away_id: last.away_penalties}
        recorded = (by_team[tie.team_a_id], by_team[tie.team_b_id])
    return knockouts.Tie(
        home=tie.team_a_id,
        away=tie.team_b_id,
        rule_set=stage.rule_set or competition.rule_set,
        two_legged=stage.legs == 2 and len(legs) == 2,
        legs=engine_legs,
        shootout=shootout,
        recorded_penalties=recorded,
    )


def _leg_dict(leg: Match) -> dict:
    return {
        "match": leg.id,
        "seq": leg.seq,
        "leg": leg.leg,
        "home": leg.home_id,
        "away": leg.away_id,
        "kickoff": leg.kickoff.isoformat(),
        "status": leg.status,
        "home_goals": leg.home_score,
        "away_goals": leg.away_score,
        "extra_time": [leg.home_extra_time_goals, leg.away_extra_time_goals] if leg.extra_time_played else None,
        "penalties": [leg.home_penalties, leg.away_penalties] if leg.home_penalties is not None else None,
    }
