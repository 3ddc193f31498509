"""PROTOTYPE search core (docstring written once the bound is settled)."""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass, field

from events.standings import Consulted, Result, TeamKey, compute_table, get_rule_set, rank_teams

OUTCOMES = ("home", "draw", "away")


@dataclass(frozen=True, slots=True)
class Fixture:
    match_id: Hashable
    home: TeamKey
    away: TeamKey


@dataclass(frozen=True, slots=True)
class Line:
    key: str
    label: str
    best: int
    worst: int


UEFA_GROUP_LINES = (
    Line("group-winner", "group winner", 1, 1),
    Line("round-of-16", "round of 16", 1, 2),
    Line("europa-league", "Europa League", 3, 3),
)
LEAGUE_LINES = (Line("first", "first place", 1, 1),)


def _outcome(home_goals: int, away_goals: int) -> str:
    return "home" if home_goals > away_goals else "draw" if home_goals == away_goals else "away"


# How a remaining fixture can move a consulted value within one outcome class.
_VARIES = {
    "goal_difference": lambda outcome, away: outcome != "draw",
    "goals_for": lambda outcome, away: True,
    "away_goals": lambda outcome, away: away,
}

Score = tuple[int, int]


@dataclass(frozen=True, slots=True)
class _Leaf:
    positions: dict[TeamKey, range]
    scores: dict[int, Score] = field(default_factory=dict)


class _Search:
    def __init__(self, teams, results, remaining, rules, lines, external, max_goals):
        self.teams = list(teams)
        self.fixtures = list(remaining)
        self.rules = rules
        self.external = external
        self.max_goals = max_goals
        self.boundaries = {p for line in lines for p in (line.best - 1, line.worst)}
        index = {(f.home, f.away): i for i, f in enumerate(self.fixtures)}
        self.floor: list[Score] = [(0, 0)] * len(self.fixtures)
        self.fixed: list[Result] = []
        for result in results:
            i = index.get((result.home, result.away))
            if i is None:
                self.fixed.append(result)
            elif result.finished:
                raise ValueError(f"{self.fixtures[i]} is listed as remaining but has a final result")
            else:
                self.floor[i] = (result.home_goals, result.away_goals)

    def _results(self, scores: Sequence[Score]) -> list[Result]:
        return self.fixed + [Result(f.home, f.away, *score) for f, score in zip(self.fixtures, scores, strict=True)]

    def _representative(self, i: int, outcome: str) -> Score:
        home, away = self.floor[i]
        if outcome == "home":
            return max(home, away + 1), away
        if outcome == "away":
            return home, max(away, home + 1)
        return max(home, away), max(home, away)

    def _scorelines(self, i: int, outcome: str, bound: int) -> list[Score]:
        home, away = self.floor[i]
        grid = itertools.product(range(home, home + bound + 1), range(away, away + bound + 1))
        return sorted((s for s in grid if _outcome(*s) == outcome), key=lambda s: (s[0] + s[1], s))

    def outcomes(self, combo: Sequence[str]) -> list[_Leaf]:
        base = [self._representative(i, o) for i, o in enumerate(combo)]
        table = compute_table(self.teams, self._results(base), self.rules, **self.external)
        leaves = []
        for _, level in itertools.groupby(table.rows, key=lambda row: row.points):
            level_teams = [row.team for row in level]
            first = table.row(level_teams[0]).position
            last = first + len(level_teams) - 1
            if len(level_teams) > 1 and any(first <= b < last for b in self.boundaries):
                leaves.append(list(self._expand(level_teams, combo, base, {}, first - 1)))
            else:
                leaves.append([_Leaf({team: range(first, last + 1) for team in level_teams})])
        return leaves

    def _expand(self, level, combo, base, assigned, offset) -> Iterator[_Leaf]:
        scores = [assigned.get(i, score) for i, score in enumerate(base)]
        trace: list[Consulted] = []
        order, separators = rank_teams(level, self._results(scores), self.rules, trace=trace, **self.external)
        pending = next(
            (i for i in self._relevant(level) if i not in assigned and self._affects(i, combo[i], trace)), None
        )
        if pending is None:
            yield _Leaf(_positions(order, separators, offset), dict(assigned))
            return
        for score in self._scorelines(pending, combo[pending], self._bound(trace)):
            yield from self._expand(level, combo, base, {**assigned, pending: score}, offset)

    def _relevant(self, level) -> list[int]:
        members = set(level)
        touching = [i for i, f in enumerate(self.fixtures) if f.home in members or f.away in members]
        return sorted(touching, key=lambda i: not (self.fixtures[i].home in members and self.fixtures[i].away in members))

    def _affects(self, i: int, outcome: str, trace: list[Consulted]) -> bool:
        fixture = self.fixtures[i]
        for item in trace:
            varies = _VARIES.get(item.criterion.stat) if item.criterion.scope != "external" else None
            if (
                varies
                and item.team in (fixture.home, fixture.away)
                and (item.among is None or (fixture.home in item.among and fixture.away in item.among))
                and varies(outcome, item.team == fixture.away)
            ):
                return True
        return False

    def _bound(self, trace: list[Consulted]) -> int:
        spread: dict = {}
        for item in trace:
            if item.criterion.stat in _VARIES:
                low, high = spread.get((item.criterion, item.among), (item.value, item.value))
                spread[(item.criterion, item.among)] = (min(low, item.value), max(high, item.value))
        gap = max((high - low for low, high in spread.values()), default=0)
        return int(min(self.max_goals, 2 * gap + BOUND_SLACK))


BOUND_SLACK = 2


def _positions(order, separators, offset) -> dict[TeamKey, range]:
    positions = {}
    start = 0
    for index in range(len(order)):
        if index == len(order) - 1 or separators[index] is not None:
            for team in order[start : index + 1]:
                positions[team] = range(offset + start + 1, offset + index + 2)
            start = index + 1
    return positions


def explore(teams, results, remaining, rules, lines, external=None, max_goals=12):
    rule_set = get_rule_set(rules) if isinstance(rules, str) else rules
    search = _Search(teams, results, remaining, rule_set, lines, external or {}, max_goals)
    return {combo: search.outcomes(combo) for combo in itertools.product(OUTCOMES, repeat=len(search.fixtures))}
