"""The ranking of third-placed teams of a competition's group stage (1986-1994, 2026), as the group tables
stand, with the cut line; and, from the last group matchday on, what each contender needs.

The group tables are the ones the group pages show (events/reads/tables.py: live matches at their current
score, an organiser's order of teams the data leaves level); the ranking and the race are the pure
engines' (events/standings.py, events/world_cup.py). Team conduct (fair play) points come from the cards
the centre recorded, and are unknown, never zero, where a played match is known only by its result.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass

from django.core.cache import cache

from .. import standings, world_cup
from ..models import Competition, Group, Match, Stage
from ..scenarios import Fixture
from .shapes import team_dict
from .tables import fair_play_from_cards, group_tables

logger = logging.getLogger(__name__)

RACE_CACHE_SECONDS = 300


@dataclass(frozen=True)
class GroupStage:
    """A competition's groups whose thirds are ranked, keyed by letter ("Group E" -> "E") where every
    group is so named, otherwise by name; their tables as the pages show them, and the ranking of thirds."""

    rule_set: standings.RuleSet
    groups: dict[str, Group]
    tables: dict[str, dict]
    engine_tables: dict[str, standings.Table]
    thirds: standings.ThirdPlacedTable
    fair_play: dict[int, int] | None
    lettered: bool


def group_stage(competition: Competition, known_tables: dict[int, dict] | None = None) -> GroupStage | None:
    """None when the competition has no group stage whose format ranks third-placed teams. `known_tables`:
    group tables the caller has built already, by group id (see tables.group_tables)."""
    groups = [
        group
        for group in Group.objects.filter(competition=competition)
        .exclude(stage__kind__in=(Stage.Kind.KNOCKOUT, Stage.Kind.LEAGUE))
        .select_related("stage", "competition")
        .order_by("name")
        if _ranks_thirds(group.rule_set_name)
    ]
    if not groups:
        return None
    lettered = all(re.fullmatch(r"Group [A-Z]", group.name) for group in groups)
    by_key = {(group.name.removeprefix("Group ") if lettered else group.name): group for group in groups}
    rules = standings.get_rule_set(groups[0].rule_set_name)
    by_id = group_tables(list(by_key.values()), known_tables)
    tables = {key: by_id[group.id] for key, group in by_key.items()}
    if any(len(table["rows"]) < 3 for table in tables.values()):
        return None  # a group without a third place yet (teams still to be drawn into it): nothing to rank
    engine_tables = {key: _engine_table(table, rules) for key, table in tables.items()}
    fair_play = _fair_play_of(tables.values()) if rules.uses_fair_play else competition_fair_play(groups)
    thirds = standings.rank_third_placed(engine_tables, rules, fair_play_points=fair_play)
    return GroupStage(rules, by_key, tables, engine_tables, thirds, fair_play, lettered)


def _ranks_thirds(rule_set: str) -> bool:
    try:
        return standings.get_rule_set(rule_set).third_placed is not None
    except ValueError:
        return False


def _engine_table(table: dict, rules: standings.RuleSet) -> standings.Table:
    """The engine's Table for a group table as the page shows it (an organiser's order included). Away goals
    are not kept there; no ranking of thirds compares them."""
    rows = [
        standings.Row(
            position=row["position"], team=row["team"]["id"], played=row["played"], won=row["won"],
            drawn=row["drawn"], lost=row["lost"], goals_for=row["goals_for"], goals_against=row["goals_against"],
            goal_difference=row["goal_difference"], points=row["points"], away_goals=0, away_wins=0,
            decided_by=row["decided_by"], undecided=row["undecided"], undecided_at=row["undecided_at"],
        )
        for row in table["rows"]
    ]
    return standings.Table(rows=rows, provisional=table["provisional"], rule_set=rules)


def _fair_play_of(tables) -> dict[int, int] | None:
    """The team conduct points the group tables computed from the recorded cards; None when a group's are
    unknown (a played match known only by its record)."""
    points = {}
    for table in tables:
        for row in table["rows"]:
            if row.get("fair_play_points") is None:
                return None
            points[row["team"]["id"]] = row["fair_play_points"]
    return points


def competition_fair_play(groups: list[Group]) -> dict[int, int] | None:
    """Each team's fair play (team conduct) points from its recorded cards in these groups (None: unknown)."""
    return fair_play_from_cards(
        list(Match.objects.filter(group__in=groups).only("id", "status", "result_only", "home", "away"))
    )


def third_placed_table(competition: Competition, stage: GroupStage | None = None) -> dict | None:
    """The third-placed teams as they stand, best first, with the cut line and each row's status."""
    stage = stage or group_stage(competition)
    if stage is None:
        return None
    teams = {row["team"]["id"]: row["team"] for table in stage.tables.values() for row in table["rows"]}
    ranking = stage.thirds
    rows = []
    for row in ranking.rows:
        shaped = row.to_dict()
        group = stage.groups[row.group]
        shaped["group"] = {"id": group.id, "name": group.name, "key": row.group}
        shaped["team"] = teams[row.team]
        shaped["level_in_group"] = [teams[team] for team in row.level_in_group]
        shaped["above_cut"] = row.position <= ranking.qualifiers
        rows.append(shaped)
    complete = all(world_cup.group_complete(table) for table in stage.engine_tables.values())
    return {
        "competition": {"id": competition.id, "name": str(competition)},
        "rule_set": {"name": ranking.rule_set.name, "label": ranking.rule_set.label},
        "qualifiers": ranking.qualifiers,
        "provisional": ranking.provisional,
        "complete": complete,
        "fair_play_known": stage.fair_play is not None,
        "rows": rows,
    }


def third_place_race(competition: Competition, stage: GroupStage | None = None) -> dict | None:
    """What each team that can still finish third needs, from the last group matchday on (cached per state
    of the group stage: the seqs of its matches)."""
    stage = stage or group_stage(competition)
    if stage is None:
        return None
    matches = list(
        Match.objects.filter(group__in=stage.groups.values()).select_related("home", "away").order_by("id")
    )
    state = ",".join(f"{m.id}:{m.seq}" for m in matches)
    key = "thirds-race:" + hashlib.sha256(f"{competition.id}|{stage.rule_set.name}|{state}".encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return cached
    answer = _race(stage, matches)
    try:
        cache.set(key, answer, RACE_CACHE_SECONDS)
    except Exception:
        logger.warning("Race of the thirds not cached: the cache is unavailable", exc_info=True)
    return answer


def _race(stage: GroupStage, matches: list[Match]) -> dict:
    by_group: dict[int, list[Match]] = {}
    for match in matches:
        by_group.setdefault(match.group_id, []).append(match)
    states = {}
    teams = {}
    for key, group in stage.groups.items():
        own = by_group.get(group.id, [])
        for match in own:
            teams[match.home_id], teams[match.away_id] = match.home, match.away
        states[key] = world_cup.GroupState(
            teams=tuple(dict.fromkeys(team for m in own for team in (m.home_id, m.away_id))),
            results=tuple(
                standings.Result(m.home_id, m.away_id, m.home_score, m.away_score)
                for m in own if m.status == Match.Status.FINISHED
            ),
            # A match in progress is still to be decided: its current score is not a floor.
            remaining=tuple(Fixture(m.id, m.home_id, m.away_id) for m in own if m.status != Match.Status.FINISHED),
        )
    remaining = sum(len(s.remaining) for s in states.values())
    answer = {"available": True, "detail": "", "remaining": remaining, "teams": []}
    if not remaining:
        answer["detail"] = "Every group match is over."
        return answer
    try:
        verdicts = world_cup.third_place_race(
            states, stage.rule_set, fair_play_points=stage.fair_play,
            names={team_id: team.short_name or team.name for team_id, team in teams.items()},
        )
    except ValueError as error:
        answer.update(available=False, detail=str(error))
        return answer
    answer["teams"] = [
        {**verdict.to_dict(), "team": team_dict(teams[verdict.team]),
         "group": {"id": stage.groups[verdict.group].id, "name": stage.groups[verdict.group].name}}
        for verdict in verdicts
    ]
    return answer
