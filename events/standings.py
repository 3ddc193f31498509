"""Table engine: turns match results into an ordered table under a named rule set.

Pure Python on purpose (no Django): the same code ranks a live group from the
database, a what-if table and the historical files in the tests.

Tie-breaking is data-driven. A ``RuleSet`` is an ordered tuple of ``Criterion``
descriptors; the ranking walks that tuple instead of branching per
competition. Consecutive head-to-head criteria form one *block* that is
evaluated over the matches among the tied teams only and, when the rule set
says so, re-applied to the teams it leaves level (UEFA's step e). Opponents
criteria (UEFA's league phase from 2024-25) compare what a team's opponents
achieved over all their matches, computed from the same results. Criteria the
caller did not provide data for (disciplinary points, coefficients), and ties
that survive every criterion, are never resolved silently: the rows are flagged
``undecided`` (with the criterion that lacked data) and keep the caller's team order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

TeamKey = Hashable


@dataclass(frozen=True, slots=True)
class Result:
    home: TeamKey
    away: TeamKey
    home_goals: int
    away_goals: int
    # A live match counts with its current score; the table is then provisional.
    finished: bool = True


class Scope(StrEnum):
    OVERALL = "overall"
    HEAD_TO_HEAD = "head-to-head"
    # The sum of a Record attribute over the team's distinct opponents, each opponent's
    # record taken over all its matches (a strength-of-schedule measure, no head-to-head).
    OPPONENTS = "opponents"
    # Values the results cannot provide; the caller passes them to compute_table.
    EXTERNAL = "external"


@dataclass(frozen=True, slots=True)
class Criterion:
    """One tie-breaker: which number to compare, over which matches, which way."""

    stat: str  # a Record attribute, or for EXTERNAL scope the compute_table keyword
    scope: Scope
    label: str
    higher_is_better: bool = True


@dataclass(frozen=True, slots=True)
class Zone:
    """A band of final positions and what it means for the teams in it, shown on the table."""

    key: str
    label: str
    first: int
    last: int

    def __contains__(self, position: int) -> bool:
        return self.first <= position <= self.last


@dataclass(frozen=True, slots=True)
class RuleSet:
    name: str
    label: str
    criteria: tuple[Criterion, ...]
    # UEFA step e): head-to-head criteria again over the teams a first pass left level.
    reapply_head_to_head: bool = False
    points_for_win: int = 3
    points_for_draw: int = 1
    # Where each final position leads (none for a plain league: its zones change by season).
    zones: tuple[Zone, ...] = ()

    def zone(self, position: int) -> Zone | None:
        return next((zone for zone in self.zones if position in zone), None)

    @property
    def uses_head_to_head(self) -> bool:
        return any(c.scope is Scope.HEAD_TO_HEAD for c in self.criteria)


def _overall(stat: str, label: str, higher_is_better: bool = True) -> Criterion:
    return Criterion(stat, Scope.OVERALL, label, higher_is_better)


def _head_to_head(stat: str, label: str) -> Criterion:
    return Criterion(stat, Scope.HEAD_TO_HEAD, label)


POINTS = _overall("points", "points")
H2H_POINTS = _head_to_head("points", "head-to-head points")
H2H_GOAL_DIFFERENCE = _head_to_head("goal_difference", "head-to-head goal difference")
H2H_GOALS = _head_to_head("goals_for", "head-to-head goals scored")
H2H_AWAY_GOALS = _head_to_head("away_goals", "head-to-head away goals")
GOAL_DIFFERENCE = _overall("goal_difference", "overall goal difference")
GOALS = _overall("goals_for", "overall goals scored")
AWAY_GOALS = _overall("away_goals", "overall away goals")
WINS = _overall("won", "wins")
AWAY_WINS = _overall("away_wins", "away wins")
DISCIPLINARY = Criterion("disciplinary_points", Scope.EXTERNAL, "disciplinary points", higher_is_better=False)
COEFFICIENT = Criterion("coefficients", Scope.EXTERNAL, "club coefficient")
OPPONENTS_POINTS = Criterion("points", Scope.OPPONENTS, "opponents' collective points")
OPPONENTS_GOAL_DIFFERENCE = Criterion("goal_difference", Scope.OPPONENTS, "opponents' collective goal difference")
OPPONENTS_GOALS = Criterion("goals_for", Scope.OPPONENTS, "opponents' collective goals scored")

# UEFA Champions League groups of four: the top two to the round of 16, the third to the Europa League.
UEFA_GROUP_ZONES = (
    Zone("round-of-16", "Round of 16", 1, 2),
    Zone("europa-league", "Europa League", 3, 3),
    Zone("out", "Out", 4, 4),
)

# The single 36-team league phase from 2024-25 (UEFA's wording for what each band leads to).
UEFA_LEAGUE_PHASE_ZONES = (
    Zone("round-of-16", "Round of 16", 1, 8),
    Zone("knockout-play-offs", "Knockout phase play-offs", 9, 24),
    Zone("eliminated", "Eliminated", 25, 36),
)

RULE_SETS: dict[str, RuleSet] = {
    rules.name: rules
    for rules in (
        RuleSet(
            name="uefa-2019",
            label="UEFA group stage 2019-20 (away goals)",
            criteria=(
                POINTS,
                H2H_POINTS,
                H2H_GOAL_DIFFERENCE,
                H2H_GOALS,
                H2H_AWAY_GOALS,
                GOAL_DIFFERENCE,
                GOALS,
                AWAY_GOALS,
                WINS,
                AWAY_WINS,
                DISCIPLINARY,
                COEFFICIENT,
            ),
            reapply_head_to_head=True,
            zones=UEFA_GROUP_ZONES,
        ),
        RuleSet(
            name="uefa-2021",
            label="UEFA group stage 2021-22 (no away goals)",
            criteria=(
                POINTS,
                H2H_POINTS,
                H2H_GOAL_DIFFERENCE,
                H2H_GOALS,
                GOAL_DIFFERENCE,
                GOALS,
                WINS,
                AWAY_WINS,
                DISCIPLINARY,
                COEFFICIENT,
            ),
            reapply_head_to_head=True,
            zones=UEFA_GROUP_ZONES,
        ),
        # Champions League regulations 2024/25, Article 18.01 a) to j); cited in docs/standings.md.
        RuleSet(
            name="uefa-league-phase-2024",
            label="UEFA league phase 2024-25 (one table, no head-to-head)",
            criteria=(
                POINTS,
                GOAL_DIFFERENCE,
                GOALS,
                AWAY_GOALS,
                WINS,
                AWAY_WINS,
                OPPONENTS_POINTS,
                OPPONENTS_GOAL_DIFFERENCE,
                OPPONENTS_GOALS,
                DISCIPLINARY,
                COEFFICIENT,
            ),
            zones=UEFA_LEAGUE_PHASE_ZONES,
        ),
        RuleSet(
            name="league",
            label="League (points, goal difference, goals scored)",
            criteria=(POINTS, GOAL_DIFFERENCE, GOALS),
        ),
    )
}


def get_rule_set(name: str) -> RuleSet:
    try:
        return RULE_SETS[name]
    except KeyError:
        known = ", ".join(sorted(RULE_SETS))
        raise ValueError(f"unknown rule set {name!r}; known rule sets: {known}") from None


@dataclass(slots=True)
class Record:
    """A team's totals over some set of matches (all of them, or a head-to-head mini-league)."""

    played: int = 0
    won: int = 0
    drawn: int = 0
    lost: int = 0
    goals_for: int = 0
    goals_against: int = 0
    points: int = 0
    away_goals: int = 0
    away_wins: int = 0

    @property
    def goal_difference(self) -> int:
        return self.goals_for - self.goals_against

    def add(self, scored: int, conceded: int, *, away: bool, rules: RuleSet) -> None:
        self.played += 1
        self.goals_for += scored
        self.goals_against += conceded
        if away:
            self.away_goals += scored
        if scored > conceded:
            self.won += 1
            self.points += rules.points_for_win
            self.away_wins += int(away)
        elif scored == conceded:
            self.drawn += 1
            self.points += rules.points_for_draw
        else:
            self.lost += 1


def tally(teams: Iterable[TeamKey], results: Iterable[Result], rules: RuleSet) -> dict[TeamKey, Record]:
    """Records of ``teams`` only (sides of other teams are skipped), so that a subset can be
    ranked, or a mini-league tallied, without tallying everybody else."""
    records = {team: Record() for team in teams}
    for result in results:
        if result.home in records:
            records[result.home].add(result.home_goals, result.away_goals, away=False, rules=rules)
        if result.away in records:
            records[result.away].add(result.away_goals, result.home_goals, away=True, rules=rules)
    return records


@dataclass(frozen=True, slots=True)
class Row:
    position: int
    team: TeamKey
    played: int
    won: int
    drawn: int
    lost: int
    goals_for: int
    goals_against: int
    goal_difference: int
    points: int
    away_goals: int
    away_wins: int
    # Why this row is above the next one; None on the last row and on undecided rows.
    decided_by: str | None
    # Level with the next row on everything the data can decide: the order shown is not a ranking.
    undecided: bool
    # On an undecided row, the criterion that would have separated it but lacked data (disciplinary
    # points, coefficient); None when it is level on every criterion of the rule set.
    undecided_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "team": self.team,
            "played": self.played,
            "won": self.won,
            "drawn": self.drawn,
            "lost": self.lost,
            "goals_for": self.goals_for,
            "goals_against": self.goals_against,
            "goal_difference": self.goal_difference,
            "points": self.points,
            "decided_by": self.decided_by,
            "undecided": self.undecided,
            "undecided_at": self.undecided_at,
        }


@dataclass(frozen=True, slots=True)
class Table:
    rows: list[Row]
    provisional: bool
    rule_set: RuleSet

    def row(self, team: TeamKey) -> Row:
        for row in self.rows:
            if row.team == team:
                return row
        raise KeyError(team)

    def positions(self, team: TeamKey) -> range:
        """Positions the team may end up in once undecided neighbours are separated."""
        index = next(i for i, row in enumerate(self.rows) if row.team == team)
        first = index
        while first > 0 and self.rows[first - 1].undecided:
            first -= 1
        last = index
        while self.rows[last].undecided:
            last += 1
        return range(first + 1, last + 2)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_set": self.rule_set.name,
            "rule_set_label": self.rule_set.label,
            "provisional": self.provisional,
            "zones": [
                {"key": zone.key, "label": zone.label, "first": zone.first, "last": zone.last}
                for zone in self.rule_set.zones
            ],
            "rows": [row.to_dict() for row in self.rows],
        }


# An ordering plus, between each pair of neighbours, the label that separated them (None: nothing did).
Ranking = tuple[list[TeamKey], list[str | None]]


@dataclass(frozen=True, slots=True)
class Consulted:
    """A value the ranking actually compared (reported through ``rank_teams(trace=...)``).

    Scenario search uses this to learn which goals can change an order: a fixture whose
    scoreline feeds none of the consulted values cannot change it. For a ``Scope.OPPONENTS``
    criterion that includes every fixture of any of the team's opponents, not only its own.
    """

    criterion: Criterion
    team: TeamKey
    among: frozenset | None  # the teams of the head-to-head mini-league; None for overall/external
    value: float


class _Ranker:
    def __init__(
        self,
        rules: RuleSet,
        results: Sequence[Result],
        overall: Mapping[TeamKey, Record],
        external: Mapping[str, Mapping[TeamKey, float] | None],
        trace: list[Consulted] | None,
    ) -> None:
        self.rules = rules
        self.criteria = rules.criteria
        self.results = results
        self.overall = overall
        self.external = external
        self.trace = trace
        # Filled while ranking: team -> label of the criterion whose missing data left its level open.
        self.undecided_at: dict[TeamKey, str] = {}
        self._opponent_totals: dict[str, dict[TeamKey, int]] = {}
        self._opponents: dict[TeamKey, set[TeamKey]] = {}
        self._everyone: dict[TeamKey, Record] = {}

    def rank(self, teams: list[TeamKey], start: int = 0) -> Ranking:
        """Order teams that are level on every criterion before ``criteria[start]``."""
        if len(teams) < 2:
            return teams, []
        if start == len(self.criteria):
            return teams, [None] * (len(teams) - 1)
        criterion = self.criteria[start]
        if criterion.scope is Scope.HEAD_TO_HEAD:
            end = start
            while end < len(self.criteria) and self.criteria[end].scope is Scope.HEAD_TO_HEAD:
                end += 1
            return self._rank_head_to_head(teams, start, end, reapplied=False)
        values = self._values(criterion, teams)
        if values is None:
            # Skipping a criterion we cannot evaluate would rank by a later one the rules do
            # not reach yet, so the order stays open.
            self.undecided_at.update(dict.fromkeys(teams, criterion.label))
            return teams, [None] * (len(teams) - 1)
        keys = {team: (values[team],) for team in teams}
        self._record(keys, (criterion,), None)
        split = self._split(teams, keys, (criterion.label,), lambda level: self.rank(level, start + 1))
        return split or self.rank(teams, start + 1)

    def _rank_head_to_head(self, teams: list[TeamKey], start: int, end: int, *, reapplied: bool) -> Ranking:
        block = self.criteria[start:end]
        tied = set(teams)
        mini_league = tally(teams, (r for r in self.results if r.home in tied and r.away in tied), self.rules)
        keys = {team: tuple(_oriented(c, getattr(mini_league[team], c.stat)) for c in block) for team in teams}
        labels = tuple(c.label + (" (re-applied)" if reapplied else "") for c in block)
        self._record(keys, block, frozenset(teams))

        def rank_level(level: list[TeamKey]) -> Ranking:
            if self.rules.reapply_head_to_head:
                return self._rank_head_to_head(level, start, end, reapplied=True)
            return self.rank(level, end)

        return self._split(teams, keys, labels, rank_level) or self.rank(teams, end)

    def _values(self, criterion: Criterion, teams: list[TeamKey]) -> dict[TeamKey, float] | None:
        if criterion.scope is Scope.EXTERNAL:
            supplied = self.external.get(criterion.stat) or {}
            if any(supplied.get(team) is None for team in teams):
                return None
            return {team: _oriented(criterion, supplied[team]) for team in teams}
        if criterion.scope is Scope.OPPONENTS:
            totals = self._opponents_total(criterion.stat)
            return {team: _oriented(criterion, totals[team]) for team in teams}
        return {team: _oriented(criterion, getattr(self.overall[team], criterion.stat)) for team in teams}

    def _opponents_total(self, stat: str) -> dict[TeamKey, int]:
        """Per ranked team, ``stat`` summed over its distinct opponents, each over all its matches.

        An opponent met twice counts once: the rule compares what the opponents obtained
        collectively, not a per-match schedule weight. Computed once per ranking, only when
        some level gets this far (a goal recomputing a 36-team table rarely needs it).
        """
        if stat not in self._opponent_totals:
            if not self._opponents:
                self._opponents = {team: set() for team in self.overall}
                for result in self.results:
                    if result.home in self._opponents:
                        self._opponents[result.home].add(result.away)
                    if result.away in self._opponents:
                        self._opponents[result.away].add(result.home)
                everyone = {team for result in self.results for team in (result.home, result.away)}
                self._everyone = tally(everyone, self.results, self.rules)
            self._opponent_totals[stat] = {
                team: sum(getattr(self._everyone[opponent], stat) for opponent in opponents)
                for team, opponents in self._opponents.items()
            }
        return self._opponent_totals[stat]

    def _record(self, keys: Mapping[TeamKey, tuple], block: Sequence[Criterion], among: frozenset | None) -> None:
        """Trace component i of a team's key only if another team shares its first i components:
        otherwise an earlier component already separated it and component i was never looked at."""
        if self.trace is None:
            return
        for i, criterion in enumerate(block):
            prefixes = Counter(key[:i] for key in keys.values())
            for team, key in keys.items():
                if prefixes[key[:i]] > 1:
                    self.trace.append(Consulted(criterion, team, among, _oriented(criterion, key[i])))

    @staticmethod
    def _split(teams, keys, labels, rank_level) -> Ranking | None:
        """Partition by key (best first), rank each level, label each boundary; None if no split."""
        distinct = sorted(set(keys.values()), reverse=True)
        if len(distinct) == 1:
            return None
        order: list[TeamKey] = []
        separators: list[str | None] = []
        previous: tuple | None = None
        for key in distinct:
            if previous is not None:
                first_difference = next(i for i, (a, b) in enumerate(zip(previous, key, strict=True)) if a != b)
                separators.append(labels[first_difference])
            level_order, level_separators = rank_level([team for team in teams if keys[team] == key])
            order += level_order
            separators += level_separators
            previous = key
        return order, separators


def _oriented(criterion: Criterion, value: float) -> float:
    return value if criterion.higher_is_better else -value


def rank_teams(
    teams: Iterable[TeamKey],
    results: Iterable[Result],
    rules: RuleSet,
    *,
    disciplinary_points: Mapping[TeamKey, int] | None = None,
    coefficients: Mapping[TeamKey, float] | None = None,
    trace: list[Consulted] | None = None,
) -> Ranking:
    """Order ``teams`` (possibly a subset of the competition) without building rows.

    Every criterion is evaluated only between the given teams, which is how the
    rules treat teams level on points; results against other teams still count
    towards the overall criteria.
    """
    team_list = list(dict.fromkeys(teams))
    result_list = list(results)
    overall = tally(team_list, result_list, rules)
    external = _external(disciplinary_points, coefficients)
    return _Ranker(rules, result_list, overall, external, trace).rank(team_list)


def _external(disciplinary_points, coefficients) -> dict[str, Mapping[TeamKey, float] | None]:
    return {DISCIPLINARY.stat: disciplinary_points, COEFFICIENT.stat: coefficients}


def compute_table(
    teams: Iterable[TeamKey],
    results: Iterable[Result],
    rules: RuleSet | str,
    *,
    disciplinary_points: Mapping[TeamKey, int] | None = None,
    coefficients: Mapping[TeamKey, float] | None = None,
) -> Table:
    """The ranked table. Disciplinary points (lower is better) and coefficients are only
    needed when teams are level on everything before them; without them such rows come
    back ``undecided`` instead of ordered by a guess."""
    rule_set = get_rule_set(rules) if isinstance(rules, str) else rules
    team_list = list(dict.fromkeys(teams))
    result_list = list(results)
    known = set(team_list)
    for result in result_list:
        if result.home not in known or result.away not in known:
            raise ValueError(f"result {result} involves a team that is not in the table")
        if result.home == result.away or result.home_goals < 0 or result.away_goals < 0:
            raise ValueError(f"invalid result {result}")
    overall = tally(team_list, result_list, rule_set)
    ranker = _Ranker(rule_set, result_list, overall, _external(disciplinary_points, coefficients), None)
    order, separators = ranker.rank(team_list)
    separators.append(None)
    rows = []
    for position, (team, separator) in enumerate(zip(order, separators, strict=True), start=1):
        record = overall[team]
        undecided = separator is None and position < len(order)
        rows.append(
            Row(
                position=position,
                team=team,
                played=record.played,
                won=record.won,
                drawn=record.drawn,
                lost=record.lost,
                goals_for=record.goals_for,
                goals_against=record.goals_against,
                goal_difference=record.goal_difference,
                points=record.points,
                away_goals=record.away_goals,
                away_wins=record.away_wins,
                decided_by=separator,
                undecided=undecided,
                undecided_at=ranker.undecided_at.get(team) if undecided else None,
            )
        )
    return Table(rows=rows, provisional=any(not r.finished for r in result_list), rule_set=rule_set)
