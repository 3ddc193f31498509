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
The same holds for FIFA's drawing of lots, which the engine never performs.

FIFA World Cup rule sets (``fifa-1962`` to ``fifa-2026``) are data like the others;
``fair_play_points`` turns recorded cards into FIFA's fair play points, and
``rank_third_placed`` ranks the third-placed teams of several groups (1986-1994: four of
six qualify, 2026: eight of twelve) with the cut line.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from fractions import Fraction
from typing import Any

# Marks the zones', criteria's and rule sets' labels for the catalogs: data stays in English (cached, pushed
# compact, compared as keys), and what shows a label translates it (`{% translate zone.label %}`,
# events/reads/tables.py's notes).
from .wording import gettext_noop

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
    # Decided outside the data by the organiser (FIFA's drawing of lots): never by the engine,
    # so teams still level here are always undecided.
    LOTS = "lots"


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
class ThirdPlaceRanking:
    """How a format compares the third-placed teams of its groups, and how many go through."""

    qualifiers: int
    criteria: tuple[Criterion, ...]


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
    # Formats where the best third-placed teams of several groups also go through.
    third_placed: ThirdPlaceRanking | None = None

    def zone(self, position: int) -> Zone | None:
        return next((zone for zone in self.zones if position in zone), None)

    @property
    def uses_head_to_head(self) -> bool:
        return any(c.scope is Scope.HEAD_TO_HEAD for c in self.criteria)

    @property
    def uses_fair_play(self) -> bool:
        return any(c.stat == FAIR_PLAY.stat for c in self.criteria)

    @property
    def uses_disciplinary_points(self) -> bool:
        return any(c.stat == DISCIPLINARY.stat for c in self.criteria)


def _overall(stat: str, label: str, higher_is_better: bool = True) -> Criterion:
    return Criterion(stat, Scope.OVERALL, label, higher_is_better)


def _head_to_head(stat: str, label: str) -> Criterion:
    return Criterion(stat, Scope.HEAD_TO_HEAD, label)


POINTS = _overall("points", gettext_noop("points"))
H2H_POINTS = _head_to_head("points", gettext_noop("head-to-head points"))
H2H_GOAL_DIFFERENCE = _head_to_head("goal_difference", gettext_noop("head-to-head goal difference"))
H2H_GOALS = _head_to_head("goals_for", gettext_noop("head-to-head goals scored"))
H2H_AWAY_GOALS = _head_to_head("away_goals", gettext_noop("head-to-head away goals"))
GOAL_DIFFERENCE = _overall("goal_difference", gettext_noop("overall goal difference"))
GOALS = _overall("goals_for", gettext_noop("overall goals scored"))
AWAY_GOALS = _overall("away_goals", gettext_noop("overall away goals"))
WINS = _overall("won", gettext_noop("wins"))
AWAY_WINS = _overall("away_wins", gettext_noop("away wins"))
DISCIPLINARY = Criterion(
    "disciplinary_points", Scope.EXTERNAL, gettext_noop("disciplinary points"), higher_is_better=False
)
COEFFICIENT = Criterion("coefficients", Scope.EXTERNAL, gettext_noop("club coefficient"))
OPPONENTS_POINTS = Criterion("points", Scope.OPPONENTS, gettext_noop("opponents' collective points"))
OPPONENTS_GOAL_DIFFERENCE = Criterion(
    "goal_difference", Scope.OPPONENTS, gettext_noop("opponents' collective goal difference")
)
OPPONENTS_GOALS = Criterion("goals_for", Scope.OPPONENTS, gettext_noop("opponents' collective goals scored"))
# FIFA: goals scored divided by goals conceded (to 1966), see Record.goal_average.
GOAL_AVERAGE = _overall("goal_average", gettext_noop("goal average"))
# FIFA's fair play points (negative, higher is better), computed by fair_play_points() from cards.
FAIR_PLAY = Criterion("fair_play_points", Scope.EXTERNAL, gettext_noop("fair play points"))
# The same number under the name the FIFA World Cup 26 Regulations give it.
TEAM_CONDUCT = Criterion("fair_play_points", Scope.EXTERNAL, gettext_noop("team conduct score"))
# Position in the FIFA/Coca-Cola Men's World Ranking (1 is best).
WORLD_RANKING = Criterion("world_ranking", Scope.EXTERNAL, gettext_noop("FIFA world ranking"), higher_is_better=False)
DRAWING_OF_LOTS = Criterion("drawing_of_lots", Scope.LOTS, gettext_noop("drawing of lots"))

# UEFA Champions League groups of four: the top two to the round of 16, the third to the Europa League.
UEFA_GROUP_ZONES = (
    Zone("round-of-16", gettext_noop("Round of 16"), 1, 2),
    Zone("europa-league", gettext_noop("Europa League"), 3, 3),
    Zone("out", gettext_noop("Out"), 4, 4),
)

# The single 36-team league phase from 2024-25 (UEFA's wording for what each band leads to).
UEFA_LEAGUE_PHASE_ZONES = (
    Zone("round-of-16", gettext_noop("Round of 16"), 1, 8),
    Zone("knockout-play-offs", gettext_noop("Knockout phase play-offs"), 9, 24),
    Zone("eliminated", gettext_noop("Eliminated"), 25, 36),
)

RULE_SETS: dict[str, RuleSet] = {
    rules.name: rules
    for rules in (
        RuleSet(
            name="uefa-2019",
            label=gettext_noop("UEFA group stage 2019-20 (away goals)"),
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
            label=gettext_noop("UEFA group stage 2021-22 (no away goals)"),
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
            label=gettext_noop("UEFA league phase 2024-25 (one table, no head-to-head)"),
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
            label=gettext_noop("League (points, goal difference, goals scored)"),
            criteria=(POINTS, GOAL_DIFFERENCE, GOALS),
        ),
    )
}


# FIFA World Cup group stages, by era of the regulations (sources in docs/standings.md). The
# zones are those of the first group stage. 1930-1958 are not here: ties on points there went to
# play-off matches, which are matches of their own, not a table criterion.
_QUARTER_FINALS = (Zone("quarter-finals", gettext_noop("Quarter-finals"), 1, 2), Zone("out", gettext_noop("Out"), 3, 4))
_SECOND_ROUND = (Zone("second-round", gettext_noop("Second round"), 1, 2), Zone("out", gettext_noop("Out"), 3, 4))
_ROUND_OF_16 = (Zone("round-of-16", gettext_noop("Round of 16"), 1, 2), Zone("out", gettext_noop("Out"), 3, 4))
_ROUND_OF_16_WITH_THIRDS = (
    Zone("round-of-16", gettext_noop("Round of 16"), 1, 2),
    Zone("best-thirds", gettext_noop("Ranked with the other third-placed teams"), 3, 3),
    Zone("out", gettext_noop("Out"), 4, 4),
)
_ROUND_OF_32_WITH_THIRDS = (
    Zone("round-of-32", gettext_noop("Round of 32"), 1, 2),
    Zone("best-thirds", gettext_noop("Ranked with the other third-placed teams"), 3, 3),
    Zone("out", gettext_noop("Out"), 4, 4),
)
# The four best of six third-placed teams, 1986-1994: points, goal difference, goals scored.
_FOUR_BEST_THIRDS = ThirdPlaceRanking(4, (POINTS, GOAL_DIFFERENCE, GOALS, DRAWING_OF_LOTS))
_FIFA_OVERALL_THEN_HEAD_TO_HEAD = (
    POINTS,
    GOAL_DIFFERENCE,
    GOALS,
    H2H_POINTS,
    H2H_GOAL_DIFFERENCE,
    H2H_GOALS,
)

FIFA_RULE_SETS: tuple[RuleSet, ...] = (
    RuleSet(
        name="fifa-1962",
        label=gettext_noop("FIFA World Cup 1962-1966 (goal average)"),
        criteria=(POINTS, GOAL_AVERAGE, DRAWING_OF_LOTS),
        points_for_win=2,
        zones=_QUARTER_FINALS,
    ),
    RuleSet(
        name="fifa-1970",
        label=gettext_noop("FIFA World Cup 1970 (goal difference)"),
        criteria=(POINTS, GOAL_DIFFERENCE, DRAWING_OF_LOTS),
        points_for_win=2,
        zones=_QUARTER_FINALS,
    ),
    RuleSet(
        name="fifa-1974",
        label=gettext_noop("FIFA World Cup 1974-1982 (goal difference, goals scored)"),
        criteria=(POINTS, GOAL_DIFFERENCE, GOALS, DRAWING_OF_LOTS),
        points_for_win=2,
        zones=_SECOND_ROUND,
    ),
    RuleSet(
        name="fifa-1986",
        label=gettext_noop("FIFA World Cup 1986-1990 (24 teams, best thirds)"),
        criteria=(POINTS, GOAL_DIFFERENCE, GOALS, DRAWING_OF_LOTS),
        points_for_win=2,
        zones=_ROUND_OF_16_WITH_THIRDS,
        third_placed=_FOUR_BEST_THIRDS,
    ),
    RuleSet(
        name="fifa-1994",
        label=gettext_noop("FIFA World Cup 1994 (3 points for a win, best thirds)"),
        criteria=(*_FIFA_OVERALL_THEN_HEAD_TO_HEAD, DRAWING_OF_LOTS),
        zones=_ROUND_OF_16_WITH_THIRDS,
        third_placed=_FOUR_BEST_THIRDS,
    ),
    RuleSet(
        name="fifa-1998",
        label=gettext_noop("FIFA World Cup 1998-2014 (32 teams)"),
        criteria=(*_FIFA_OVERALL_THEN_HEAD_TO_HEAD, DRAWING_OF_LOTS),
        zones=_ROUND_OF_16,
    ),
    RuleSet(
        name="fifa-2018",
        label=gettext_noop("FIFA World Cup 2018-2022 (fair play points)"),
        criteria=(*_FIFA_OVERALL_THEN_HEAD_TO_HEAD, FAIR_PLAY, DRAWING_OF_LOTS),
        zones=_ROUND_OF_16,
    ),
    # Regulations for the FIFA World Cup 26, group-stage standings: head-to-head first (re-applied to
    # a subset still level), then the overall figures, the team conduct score and the world ranking;
    # no lots.
    RuleSet(
        name="fifa-2026",
        label=gettext_noop("FIFA World Cup 2026 (48 teams, head-to-head first)"),
        criteria=(
            POINTS,
            H2H_POINTS,
            H2H_GOAL_DIFFERENCE,
            H2H_GOALS,
            GOAL_DIFFERENCE,
            GOALS,
            TEAM_CONDUCT,
            WORLD_RANKING,
        ),
        reapply_head_to_head=True,
        zones=_ROUND_OF_32_WITH_THIRDS,
        third_placed=ThirdPlaceRanking(8, (POINTS, GOAL_DIFFERENCE, GOALS, TEAM_CONDUCT, WORLD_RANKING)),
    ),
)
RULE_SETS.update((rules.name, rules) for rules in FIFA_RULE_SETS)

# The rule set of each World Cup from 1962, by year.
WORLD_CUP_RULE_SETS: dict[int, str] = {
    **dict.fromkeys((1962, 1966), "fifa-1962"),
    1970: "fifa-1970",
    **dict.fromkeys((1974, 1978, 1982), "fifa-1974"),
    **dict.fromkeys((1986, 1990), "fifa-1986"),
    1994: "fifa-1994",
    **dict.fromkeys((1998, 2002, 2006, 2010, 2014), "fifa-1998"),
    **dict.fromkeys((2018, 2022), "fifa-2018"),
    2026: "fifa-2026",
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

    @property
    def goal_average(self) -> Fraction | float | None:
        """Goals scored divided by goals conceded, exactly (a Fraction, so 3/2 equals 6/4).

        Conceding none makes it infinite: better than any finite average and level with every
        other team that conceded none. With nothing scored and nothing conceded it is undefined
        (None), and the ranking leaves teams compared on it undecided rather than invent a value.
        """
        if self.goals_against:
            return Fraction(self.goals_for, self.goals_against)
        return math.inf if self.goals_for else None

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
        if criterion.scope is Scope.LOTS:
            return None
        if criterion.scope is Scope.EXTERNAL:
            supplied = self.external.get(criterion.stat) or {}
            if any(supplied.get(team) is None for team in teams):
                return None
            return {team: _oriented(criterion, supplied[team]) for team in teams}
        if criterion.scope is Scope.OPPONENTS:
            totals = self._opponents_total(criterion.stat)
            return {team: _oriented(criterion, totals[team]) for team in teams}
        values = {team: getattr(self.overall[team], criterion.stat) for team in teams}
        if any(value is None for value in values.values()):
            return None  # undefined for some team (a goal average of 0/0)
        return {team: _oriented(criterion, value) for team, value in values.items()}

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


def _oriented(criterion: Criterion, value: Any) -> Any:
    if criterion.higher_is_better:
        return value
    if isinstance(value, tuple):  # positions in successive rankings, most recent first
        return tuple(-item for item in value)
    return -value


def rank_teams(
    teams: Iterable[TeamKey],
    results: Iterable[Result],
    rules: RuleSet,
    *,
    disciplinary_points: Mapping[TeamKey, int] | None = None,
    coefficients: Mapping[TeamKey, float] | None = None,
    fair_play_points: Mapping[TeamKey, int] | None = None,
    world_ranking: Mapping[TeamKey, int | tuple[int, ...]] | None = None,
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
    external = _external(disciplinary_points, coefficients, fair_play_points, world_ranking)
    return _Ranker(rules, result_list, overall, external, trace).rank(team_list)


def _external(
    disciplinary_points, coefficients, fair_play_points=None, world_ranking=None
) -> dict[str, Mapping[TeamKey, Any] | None]:
    return {
        DISCIPLINARY.stat: disciplinary_points,
        COEFFICIENT.stat: coefficients,
        FAIR_PLAY.stat: fair_play_points,
        WORLD_RANKING.stat: world_ranking,
    }


def compute_table(
    teams: Iterable[TeamKey],
    results: Iterable[Result],
    rules: RuleSet | str,
    *,
    disciplinary_points: Mapping[TeamKey, int] | None = None,
    coefficients: Mapping[TeamKey, float] | None = None,
    fair_play_points: Mapping[TeamKey, int] | None = None,
    world_ranking: Mapping[TeamKey, int | tuple[int, ...]] | None = None,
) -> Table:
    """The ranked table. Disciplinary points (lower is better), coefficients, FIFA fair play
    points (higher is better, see ``fair_play_points()``) and world-ranking positions (lower
    is better; a tuple of positions in successive rankings, most recent first, where older
    rankings break ties) are only needed when teams are level on everything before them;
    without them such rows come back ``undecided`` instead of ordered by a guess."""
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
    external = _external(disciplinary_points, coefficients, fair_play_points, world_ranking)
    ranker = _Ranker(rule_set, result_list, overall, external, None)
    order, separators = ranker.rank(team_list)
    if order:
        separators.append(None)  # the last row is above nobody
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


# --- FIFA fair play points ----------------------------------------------------------------------


class CardKind(StrEnum):
    """A card as the match centre records it (the values of events.models.EventKind)."""

    YELLOW = "yellow_card"
    # The red card for a second caution in the same match (FIFA: "indirect red card").
    SECOND_YELLOW = "second_yellow"
    RED = "red_card"  # a direct red card


@dataclass(frozen=True, slots=True)
class Card:
    team: TeamKey
    match: Hashable
    person: Hashable  # a player or a team official
    kind: CardKind


# FIFA's deductions; only the heaviest that applies counts for one person in one match.
FAIR_PLAY_YELLOW = -1
FAIR_PLAY_INDIRECT_RED = -3
FAIR_PLAY_DIRECT_RED = -4
FAIR_PLAY_YELLOW_AND_DIRECT_RED = -5


def fair_play_points(cards: Iterable[Card], teams: Iterable[TeamKey] = ()) -> dict[TeamKey, int]:
    """FIFA fair play points per team (0 or less; higher is better) from its recorded cards.

    Per person per match, one deduction: a yellow card -1; sent off for a second yellow -3 (not
    -1 -3; two yellows count as that sending-off even where the red itself was not recorded);
    a direct red -4; a yellow then a direct red -5. Cards in different matches count apart.
    ``teams`` lists teams that must appear with 0 when they had no card.
    """
    per_person: dict[tuple[TeamKey, Hashable, Hashable], Counter] = defaultdict(Counter)
    for card in cards:
        per_person[card.team, card.match, card.person][CardKind(card.kind)] += 1
    points = dict.fromkeys(teams, 0)
    for (team, _match, _person), kinds in per_person.items():
        points[team] = points.get(team, 0) + _deduction(kinds)
    return points


def _deduction(kinds: Counter) -> int:
    cautioned = kinds[CardKind.YELLOW] > 0
    if kinds[CardKind.RED]:
        return FAIR_PLAY_YELLOW_AND_DIRECT_RED if cautioned else FAIR_PLAY_DIRECT_RED
    if kinds[CardKind.SECOND_YELLOW] or kinds[CardKind.YELLOW] >= 2:
        return FAIR_PLAY_INDIRECT_RED
    return FAIR_PLAY_YELLOW if cautioned else 0


# --- the ranking of third-placed teams ----------------------------------------------------------

QUALIFIED, OUT, UNDECIDED = "qualified", "out", "undecided"


@dataclass(frozen=True, slots=True)
class ThirdPlacedRow:
    position: int
    group: Hashable
    team: TeamKey
    played: int
    won: int
    drawn: int
    lost: int
    goals_for: int
    goals_against: int
    goal_difference: int
    points: int
    decided_by: str | None
    undecided: bool
    undecided_at: str | None
    # QUALIFIED or OUT when every order still open keeps it on that side of the cut line.
    status: str
    # The other teams its group table leaves level with it for third place: which of them is
    # third is not decided yet (the row stands for "3rd of the group" until it is).
    level_in_group: tuple[TeamKey, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "group": self.group,
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
            "status": self.status,
            "level_in_group": list(self.level_in_group),
        }


@dataclass(frozen=True, slots=True)
class ThirdPlacedTable:
    rows: list[ThirdPlacedRow]
    qualifiers: int  # the cut line is below this position
    provisional: bool
    rule_set: RuleSet

    def row(self, group: Hashable) -> ThirdPlacedRow:
        for row in self.rows:
            if row.group == group:
                return row
        raise KeyError(group)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_set": self.rule_set.name,
            "rule_set_label": self.rule_set.label,
            "qualifiers": self.qualifiers,
            "provisional": self.provisional,
            "rows": [row.to_dict() for row in self.rows],
        }


def rank_third_placed(
    tables: Mapping[Hashable, Table],
    rules: RuleSet | str | None = None,
    *,
    fair_play_points: Mapping[TeamKey, int] | None = None,
    world_ranking: Mapping[TeamKey, int | tuple[int, ...]] | None = None,
) -> ThirdPlacedTable:
    """Rank the teams third in each group's table (``tables``: group -> Table) on the criteria
    the rule set gives for comparing thirds, and mark each side of the cut line.

    A row is ``qualified`` or ``out`` only when no order left open can move it across the line:
    neither the thirds' own undecided levels nor the group's (a third place its group table
    leaves level with another team whose figures on these criteria differ). ``rules`` defaults to
    the tables' own rule set; live tables make the ranking provisional ("as it stands").
    """
    if not tables:
        raise ValueError("no group tables to rank third-placed teams from")
    rule_set = _third_placed_rule_set(tables, rules)
    ranking = rule_set.third_placed
    assert ranking is not None
    external = _external(None, None, fair_play_points, world_ranking)
    thirds: dict[Hashable, Row] = {}
    level_in_group: dict[Hashable, tuple[TeamKey, ...]] = {}
    for group, table in tables.items():
        if len(table.rows) < 3:
            raise ValueError(f"group {group!r} has no third place: {len(table.rows)} teams")
        third = table.rows[2]
        thirds[group] = third
        level_in_group[group] = tuple(table.rows[p - 1].team for p in table.positions(third.team) if p != 3)
    # Ranked by group rather than by team, so that team keys need not be unique across groups.
    records = {group: _record_of(row) for group, row in thirds.items()}
    by_group = {stat: None if values is None else _by_group(values, thirds) for stat, values in external.items()}
    criteria_rules = RuleSet(name=f"{rule_set.name}-thirds", label=rule_set.label, criteria=ranking.criteria)
    ranker = _Ranker(criteria_rules, [], records, by_group, None)
    order, separators = ranker.rank(list(thirds))
    separators.append(None)
    # A group whose third place is open only matters if the candidates differ on these criteria.
    open_groups = {
        group
        for group, others in level_in_group.items()
        if others and _differ_on(ranking.criteria, [thirds[group].team, *others], tables[group], external)
    }
    rows = []
    for position, (group, separator) in enumerate(zip(order, separators, strict=True), start=1):
        row = thirds[group]
        undecided = separator is None and position < len(order)
        rows.append(
            ThirdPlacedRow(
                position=position,
                group=group,
                team=row.team,
                played=row.played,
                won=row.won,
                drawn=row.drawn,
                lost=row.lost,
                goals_for=row.goals_for,
                goals_against=row.goals_against,
                goal_difference=row.goal_difference,
                points=row.points,
                decided_by=separator,
                undecided=undecided,
                undecided_at=ranker.undecided_at.get(group) if undecided else None,
                status=QUALIFIED,  # set below, once every row's neighbours are known
                level_in_group=level_in_group[group],
            )
        )
    statuses = _cut_statuses(rows, ranking.qualifiers, open_groups)
    rows = [replace(row, status=status) for row, status in zip(rows, statuses, strict=True)]
    return ThirdPlacedTable(
        rows=rows,
        qualifiers=ranking.qualifiers,
        provisional=any(table.provisional for table in tables.values()),
        rule_set=rule_set,
    )


def _third_placed_rule_set(tables: Mapping[Hashable, Table], rules: RuleSet | str | None) -> RuleSet:
    if rules is None:
        names = {table.rule_set.name for table in tables.values()}
        if len(names) != 1:
            raise ValueError(f"group tables use different rule sets: {', '.join(sorted(names))}")
        rule_set = next(iter(tables.values())).rule_set
    else:
        rule_set = get_rule_set(rules) if isinstance(rules, str) else rules
    if rule_set.third_placed is None:
        raise ValueError(f"rule set {rule_set.name!r} does not rank third-placed teams")
    if any(c.scope in (Scope.HEAD_TO_HEAD, Scope.OPPONENTS) for c in rule_set.third_placed.criteria):
        raise ValueError("third-placed teams from different groups have no common matches to compare")
    return rule_set


def _record_of(row: Row) -> Record:
    return Record(
        played=row.played,
        won=row.won,
        drawn=row.drawn,
        lost=row.lost,
        goals_for=row.goals_for,
        goals_against=row.goals_against,
        points=row.points,
        away_goals=row.away_goals,
        away_wins=row.away_wins,
    )


def _by_group(values: Mapping[TeamKey, Any], thirds: Mapping[Hashable, Row]) -> dict[Hashable, Any]:
    return {group: values[row.team] for group, row in thirds.items() if row.team in values}


def _differ_on(criteria, teams: list[TeamKey], table: Table, external) -> bool:
    """Whether these teams (level in their group) could rank differently among the thirds."""
    keys = set()
    for team in teams:
        row = table.row(team)
        key = []
        for criterion in criteria:
            if criterion.scope is Scope.OVERALL:
                key.append(getattr(_record_of(row), criterion.stat))
            elif criterion.scope is Scope.EXTERNAL:
                key.append((external.get(criterion.stat) or {}).get(team))
        keys.add(tuple(key))
    return len(keys) > 1


def _cut_statuses(rows: list[ThirdPlacedRow], qualifiers: int, open_groups: set) -> list[str]:
    statuses = []
    for index, row in enumerate(rows):
        first = index
        while first > 0 and rows[first - 1].undecided:
            first -= 1
        last = index
        while rows[last].undecided:
            last += 1
        if row.group in open_groups:
            statuses.append(UNDECIDED)
        elif last < qualifiers:
            statuses.append(QUALIFIED)
        elif first >= qualifiers:
            statuses.append(OUT)
        else:
            statuses.append(UNDECIDED)
    return statuses
