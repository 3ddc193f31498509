"""Qualification verdicts for a long league table (UEFA's 36-team league phase), with bounds.

``events.scenarios`` is exact for a four-team group by enumerating every outcome class, which
stops being possible at 18 simultaneous fixtures (3**18 classes). Here each team and each line
(top 8, top 24...) gets ``certain``, ``impossible``, ``depends`` or ``undecided`` ("not decided
yet"), and every ``certain``/``impossible`` is a proof over all scores, goals unbounded:

- For team T and each outcome of T's own fixtures (T's points are then fixed at P), the other
  fixtures split into components that share no team; each component is enumerated on its own,
  so the worst and best case of the whole table is a sum of per-component maxima and minima.
- A team on more than P points is above T; on fewer, below. A team level on P is compared on
  the overall criteria after points (goal difference, goals, away goals, wins, away wins), with
  the scores of its and T's fixtures as free numbers: it counts as possibly above T unless it is
  below for every score, and as surely above only if it is above for every score. Criteria
  past that prefix (opponents, head-to-head, disciplinary points, coefficient) are never used
  to claim anything: a tie reaching them counts against T both ways (conservative).
- ``depends`` needs a witness on each side: a concrete set of scores, checked with
  ``standings.compute_table``, that puts T inside the line, and one that puts it outside.
  Without both, the verdict is ``undecided``, never a guess.

How it is bounded and what is conservative: docs/standings.md, "Scenarios for a league phase".
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from events.scenarios import OUTCOMES, Fixture, Line
from events.standings import Result, RuleSet, Scope, TeamKey, compute_table, get_rule_set, tally

from .wording import gettext, gettext_lazy

CERTAIN, IMPOSSIBLE, DEPENDS, UNDECIDED = "certain", "impossible", "depends", "undecided"
# Outcome classes enumerated per component of fixtures that share teams; past it, plain point bounds.
DEFAULT_BUDGET = 3**10
# Goal margins tried, in turn, when building a concrete witness for "depends".
WITNESS_MARGINS = (2, 8, 40)

# The free numbers of a remaining fixture: a decided one has a margin (>= 1) and the loser's goals
# (>= 0), a draw the goals of each side (>= 0). Every Record statistic is linear in them.
MARGIN, LOSER_GOALS, DRAW_GOALS = "m", "l", "d"
LOWEST = {MARGIN: 1, LOSER_GOALS: 0, DRAW_GOALS: 0}

# A result of the team's own fixture, keyed by its English words (the code compares those) and said in the active
# language where a sentence is written.
RESULT_WORDS = {"a win": gettext_lazy("a win"), "a draw": gettext_lazy("a draw"), "a defeat": gettext_lazy("a defeat")}

Var = tuple[int, str]  # (fixture index, free number)
Linear = tuple[int, dict[Var, int]]  # constant + sum of coefficient * variable
Outcomes = Mapping[int, str]  # fixture index -> "home" / "draw" / "away"


def league_lines(rules: RuleSet) -> tuple[Line, ...]:
    """A "top N" line per zone boundary of the rule set: top 8 and top 24 for the league phase."""
    return tuple(
        Line(zone.key, gettext("top %(number)s (%(zone)s)") % {"number": zone.last, "zone": gettext(zone.label)}, 1,
             zone.last, gettext("in the top %(number)s") % {"number": zone.last})
        for zone in rules.zones[:-1]
    )


@dataclass(frozen=True, slots=True)
class OwnOutcomeVerdict:
    """The verdict once the team's own fixtures have these outcomes (its points are then known)."""

    outcomes: tuple[str, ...]  # per own fixture, in the order of ``remaining``
    text: str  # "a win at Arsenal"
    points: int
    status: str
    best_position: int  # bounds over every result elsewhere: the team finishes within them
    worst_position: int
    # Sufficient conditions, each exact: (at most / at least count, of these teams, points).
    sure_if: tuple[int, tuple[TeamKey, ...], int] | None
    out_if: tuple[int, tuple[TeamKey, ...], int] | None
    examples: tuple[dict[str, Any], ...]  # checked scores: {"inside": bool, "results": [...]}

    def to_dict(self) -> dict[str, Any]:
        def condition(found):
            return None if found is None else {"count": found[0], "teams": list(found[1]), "points": found[2]}

        return {
            "outcomes": list(self.outcomes),
            "text": self.text,
            "points": self.points,
            "status": self.status,
            "best_position": self.best_position,
            "worst_position": self.worst_position,
            "sure_if": condition(self.sure_if),
            "out_if": condition(self.out_if),
            "examples": list(self.examples),
        }


@dataclass(frozen=True, slots=True)
class LeagueScenario:
    team: TeamKey
    line: Line
    status: str  # CERTAIN, IMPOSSIBLE, DEPENDS or UNDECIDED
    summary: str
    best_position: int
    worst_position: int
    by_outcome: tuple[OwnOutcomeVerdict, ...]
    exhaustive: bool  # False: a component was too large to enumerate, plain point bounds were used

    def to_dict(self) -> dict[str, Any]:
        return {
            "team": self.team,
            "line": self.line.key,
            "line_label": self.line.label,
            "status": self.status,
            "summary": self.summary,
            "best_position": self.best_position,
            "worst_position": self.worst_position,
            "by_outcome": [verdict.to_dict() for verdict in self.by_outcome],
            "exhaustive": self.exhaustive,
        }


def league_scenarios(
    teams: Iterable[TeamKey],
    results: Iterable[Result],
    remaining: Sequence[Fixture],
    rules: RuleSet | str,
    *,
    lines: Sequence[Line] | None = None,
    names: Mapping[TeamKey, str] | None = None,
    budget: int = DEFAULT_BUDGET,
) -> list[LeagueScenario]:
    """One ``LeagueScenario`` per team (in current table order) and line (in ``lines`` order).

    ``results`` are the finished matches; a match in progress is passed only as a remaining
    fixture (its current score is not used as a floor).
    """
    rule_set = get_rule_set(rules) if isinstance(rules, str) else rules
    if rule_set.criteria[0].stat != "points" or rule_set.criteria[0].scope is not Scope.OVERALL:
        raise ValueError(f"rule set {rule_set.name!r} must rank on points first for league scenarios")
    lines = tuple(lines) if lines is not None else league_lines(rule_set)
    for line in lines:
        if line.best != 1:
            raise ValueError(f"line {line.key!r} must start at position 1 (a top-N line)")
    league = _League(list(dict.fromkeys(teams)), list(results), list(remaining), rule_set, budget)
    writer = _Writer(league, names or {})
    current = compute_table(league.teams, league.results, rule_set)
    found = []
    for row in current.rows:
        bounds = league.bounds(row.team)
        for line in lines:
            found.append(writer.scenario(row.team, line, bounds))
    return found


# --- bounds ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Extreme:
    """A sum over components and the outcome class that reaches it."""

    value: int
    outcomes: dict[int, str]


@dataclass(slots=True)
class _OwnBounds:
    own: tuple[str, ...]
    points: int
    # "Up": teams on more points, or level and not surely below (worst position - 1).
    # "Down": teams on more points, or level and surely above (best position - 1).
    most_up: _Extreme
    least_up: _Extreme
    least_down: _Extreme
    most_down: _Extreme
    exhaustive: bool
    points_range: dict[TeamKey, tuple[int, int]]  # every other team's fewest and most points


class _League:
    def __init__(self, teams, results, remaining, rules: RuleSet, budget: int):
        self.teams = teams
        self.rules = rules
        self.fixtures: list[Fixture] = remaining
        self.budget = budget
        known = set(teams)
        pending = {(f.home, f.away) for f in remaining}
        if len(pending) < len(remaining):
            raise ValueError("the same fixture (home, away) is listed twice as remaining")
        for fixture in remaining:
            if fixture.home not in known or fixture.away not in known or fixture.home == fixture.away:
                raise ValueError(f"remaining fixture {fixture} involves a team that is not in the table")
        for result in results:
            if (result.home, result.away) in pending:
                raise ValueError(f"{result} has a result but is listed as remaining")
            if not result.finished:
                raise ValueError(f"{result} is not finished: pass a match in progress as a remaining fixture")
        self.results = results
        self.records = tally(teams, results, rules)
        self.fixtures_of: dict[TeamKey, list[int]] = {team: [] for team in teams}
        for i, fixture in enumerate(remaining):
            self.fixtures_of[fixture.home].append(i)
            self.fixtures_of[fixture.away].append(i)
        self.prefix = []  # the overall criteria after points, up to the first one the scores cannot settle
        for criterion in rules.criteria[1:]:
            if criterion.scope is not Scope.OVERALL or criterion.stat not in _LINEAR_STATS:
                break
            self.prefix.append(criterion)
        self._keys: dict[tuple, list[Linear]] = {}

    # Points and tie-break keys of one team, given the outcomes of its own fixtures.

    def points(self, team: TeamKey, outcomes: Outcomes) -> int:
        total = self.records[team].points
        for i in self.fixtures_of[team]:
            total += _share(i, self.fixtures[i], outcomes[i], team, "points", self.rules)[0]
        return total

    def key(self, team: TeamKey, outcomes: Outcomes) -> list[Linear]:
        own = tuple(outcomes[i] for i in self.fixtures_of[team])
        cached = self._keys.get((team, own))
        if cached is None:
            cached = []
            for criterion in self.prefix:
                constant = getattr(self.records[team], criterion.stat)
                coefficients: dict[Var, int] = {}
                for i in self.fixtures_of[team]:
                    share, share_coefficients = _share(
                        i, self.fixtures[i], outcomes[i], team, criterion.stat, self.rules
                    )
                    constant += share
                    for var, coefficient in share_coefficients.items():
                        coefficients[var] = coefficients.get(var, 0) + coefficient
                sign = 1 if criterion.higher_is_better else -1
                cached.append((sign * constant, {var: sign * c for var, c in coefficients.items()}))
            self._keys[team, own] = cached
        return cached

    def surely_above(self, upper: TeamKey, lower: TeamKey, outcomes: Outcomes) -> bool:
        """Level on points, ``upper`` ranks above ``lower`` whatever the scores of their fixtures."""
        difference = [
            (a_constant - b_constant, _minus(a_coefficients, b_coefficients))
            for (a_constant, a_coefficients), (b_constant, b_coefficients) in zip(
                self.key(upper, outcomes), self.key(lower, outcomes), strict=True
            )
        ]
        return _always_positive(difference)

    # Bounds for one team.

    def bounds(self, team: TeamKey) -> list[_OwnBounds]:
        own = self.fixtures_of[team]
        others = [i for i in range(len(self.fixtures)) if i not in set(own)]
        components = _components(others, self.fixtures, exclude=team)
        in_components = {self._sides(i) for fixtures in components for i in fixtures}
        in_components = {t for sides in in_components for t in sides}
        alone = [t for t in self.teams if t != team and t not in in_components]
        found = []
        for own_combo in itertools.product(OUTCOMES, repeat=len(own)):
            fixed = dict(zip(own, own_combo, strict=True))
            points = self.points(team, fixed)
            # Teams without a fixture outside the team's own: one class only.
            up = down = 0
            for other in alone:
                above, surely = self._counts(team, other, points, fixed)
                up += above
                down += surely
            extremes = [_Extreme(up, dict(fixed)), _Extreme(up, dict(fixed))]
            extremes += [_Extreme(down, dict(fixed)), _Extreme(down, dict(fixed))]
            exhaustive = True
            for fixtures in components:
                parts = self._component(team, points, fixed, fixtures)
                if parts is None:
                    exhaustive = False
                    parts = self._component_by_points(team, points, fixed, fixtures)
                for extreme, (value, outcomes) in zip(extremes, parts, strict=True):
                    extreme.value += value
                    extreme.outcomes.update(outcomes)
            most_up, least_up, least_down, most_down = extremes
            found.append(
                _OwnBounds(
                    own=own_combo,
                    points=points,
                    most_up=most_up,
                    least_up=least_up,
                    least_down=least_down,
                    most_down=most_down,
                    exhaustive=exhaustive,
                    points_range={other: self._points_range(other, fixed) for other in self.teams if other != team},
                )
            )
        return found

    def _sides(self, i: int) -> tuple[TeamKey, TeamKey]:
        return self.fixtures[i].home, self.fixtures[i].away

    def _counts(self, team: TeamKey, other: TeamKey, points: int, outcomes: Outcomes) -> tuple[int, int]:
        """(possibly above or level with ``team``, surely above it) as 0/1, for one outcome class."""
        other_points = self.points(other, outcomes)
        if other_points != points:
            above = int(other_points > points)
            return above, above
        return int(not self.surely_above(team, other, outcomes)), int(self.surely_above(other, team, outcomes))

    def _component(self, team, points, fixed, fixtures):
        if 3 ** len(fixtures) > self.budget:
            return None
        members = sorted(
            {t for i in fixtures for t in (self.fixtures[i].home, self.fixtures[i].away)} - {team}, key=self.teams.index
        )
        most_up = least_up = least_down = most_down = None
        for combo in itertools.product(OUTCOMES, repeat=len(fixtures)):
            choice = dict(zip(fixtures, combo, strict=True))
            outcomes = {**fixed, **choice}
            up = down = 0
            for other in members:
                above, surely = self._counts(team, other, points, outcomes)
                up += above
                down += surely
            if most_up is None or up > most_up[0]:
                most_up = (up, choice)
            if least_up is None or up < least_up[0]:
                least_up = (up, choice)
            if least_down is None or down < least_down[0]:
                least_down = (down, choice)
            if most_down is None or down > most_down[0]:
                most_down = (down, choice)
        return most_up, least_up, least_down, most_down

    def _component_by_points(self, team, points, fixed, fixtures):
        """Too many classes to enumerate: count on points alone, each team on its own (sound, loose)."""
        members = {t for i in fixtures for t in (self.fixtures[i].home, self.fixtures[i].away)} - {team}
        ranges = [self._points_range(other, fixed) for other in members]
        may_reach = sum(most >= points for _, most in ranges)
        always_over = sum(fewest > points for fewest, _ in ranges)
        # No class is known to reach these sums, so no witness comes from them.
        return (may_reach, {}), (always_over, {}), (always_over, {}), (may_reach, {})

    def _points_range(self, team: TeamKey, fixed: Outcomes) -> tuple[int, int]:
        fewest = most = self.records[team].points
        for i in self.fixtures_of[team]:
            if i in fixed:
                share = _share(i, self.fixtures[i], fixed[i], team, "points", self.rules)[0]
                fewest += share
                most += share
            else:
                most += self.rules.points_for_win
        return fewest, most

    # Concrete scores, checked by the table engine.

    def table_positions(self, team: TeamKey, scores: Mapping[int, tuple[int, int]]) -> range:
        played = [Result(self.fixtures[i].home, self.fixtures[i].away, *score) for i, score in sorted(scores.items())]
        return compute_table(self.teams, self.results + played, self.rules).positions(team)

    def witness_scores(self, team: TeamKey, outcomes: Outcomes, points: int, *, favour: bool, big: int):
        """Scores for one outcome class: big margins where they help ``team`` (favour) or its rivals
        level on points (not favour), the smallest ones where they would hurt."""
        scores = {}
        for i, fixture in enumerate(self.fixtures):
            outcome = outcomes[i]
            if outcome == "draw":
                involved = team in (fixture.home, fixture.away)
                rival = any(self.points(t, outcomes) == points for t in (fixture.home, fixture.away) if t != team)
                goals = big if (involved and favour) or (not involved and rival and not favour) else 0
                scores[i] = (goals, goals)
                continue
            winner, loser = (fixture.home, fixture.away) if outcome == "home" else (fixture.away, fixture.home)
            if team == winner:
                margin = big if favour else 1
            elif team == loser:
                margin = 1 if favour else big
            else:
                winner_level = self.points(winner, outcomes) == points
                loser_level = self.points(loser, outcomes) == points
                helps_winner = not favour
                if winner_level and not loser_level:
                    margin = big if helps_winner else 1
                elif loser_level and not winner_level:
                    margin = 1 if helps_winner else big
                else:
                    margin = 1
            scores[i] = (margin, 0) if outcome == "home" else (0, margin)
        return scores


# The Record statistics _share can express; a criterion on anything else ends the comparable prefix.
_LINEAR_STATS = frozenset(("points", "played", "won", "drawn", "lost", "away_wins"))
_LINEAR_STATS |= {"goals_for", "goals_against", "goal_difference", "away_goals"}


def _share(i: int, fixture: Fixture, outcome: str, team: TeamKey, stat: str, rules: RuleSet) -> Linear:
    """What fixture ``i`` adds to ``team``'s ``stat``: a constant and coefficients of its free numbers."""
    home = team == fixture.home
    if outcome == "draw":
        goals = {(i, DRAW_GOALS): 1}
        return {
            "points": (rules.points_for_draw, {}),
            "played": (1, {}),
            "drawn": (1, {}),
            "goals_for": (0, goals),
            "goals_against": (0, goals),
            "away_goals": (0, {} if home else goals),
        }.get(stat, (0, {}))
    won = (outcome == "home") == home
    scored = {(i, MARGIN): 1, (i, LOSER_GOALS): 1} if won else {(i, LOSER_GOALS): 1}
    conceded = {(i, LOSER_GOALS): 1} if won else {(i, MARGIN): 1, (i, LOSER_GOALS): 1}
    return {
        "points": (rules.points_for_win if won else 0, {}),
        "played": (1, {}),
        "won": (int(won), {}),
        "lost": (int(not won), {}),
        "away_wins": (int(won and not home), {}),
        "goals_for": (0, scored),
        "goals_against": (0, conceded),
        "goal_difference": (0, {(i, MARGIN): 1 if won else -1}),
        "away_goals": (0, {} if home else scored),
    }.get(stat, (0, {}))


def _minus(a: Mapping[Var, int], b: Mapping[Var, int]) -> dict[Var, int]:
    difference = dict(a)
    for var, coefficient in b.items():
        difference[var] = difference.get(var, 0) - coefficient
    return {var: c for var, c in difference.items() if c}


def _always_positive(components: Sequence[Linear]) -> bool:
    """Is the vector of linear forms lexicographically positive at every point of the free numbers'
    domain (each at or above its lowest value, unbounded above)?

    Exact: a form with a negative coefficient on a free number goes below zero; otherwise its
    minimum is at the lowest values, and where that minimum is exactly zero the numbers with a
    positive coefficient are pinned at their lowest and the next form decides. Level on every
    form means a later criterion (one this module does not evaluate) decides: not provable.
    """
    pinned: dict[Var, int] = {}
    for constant, coefficients in components:
        lowest = constant
        free = []
        for var, coefficient in coefficients.items():
            if var in pinned:
                lowest += coefficient * pinned[var]
            elif coefficient < 0:
                return False
            else:
                lowest += coefficient * LOWEST[var[1]]
                free.append(var)
        if lowest > 0:
            return True
        if lowest < 0:
            return False
        for var in free:
            pinned[var] = LOWEST[var[1]]
    return False


def _components(fixtures: list[int], all_fixtures: Sequence[Fixture], exclude: TeamKey) -> list[list[int]]:
    """Group fixtures that share a team (other than ``exclude``, whose outcomes are fixed)."""
    parent: dict[TeamKey, TeamKey] = {}

    def root(team):
        while parent.setdefault(team, team) != team:
            parent[team] = parent[parent[team]]
            team = parent[team]
        return team

    for i in fixtures:
        sides = [t for t in (all_fixtures[i].home, all_fixtures[i].away) if t != exclude]
        for side in sides[1:]:
            parent[root(side)] = root(sides[0])
        root(sides[0])
    grouped: dict[TeamKey, list[int]] = {}
    for i in fixtures:
        side = next(t for t in (all_fixtures[i].home, all_fixtures[i].away) if t != exclude)
        grouped.setdefault(root(side), []).append(i)
    return list(grouped.values())


# --- verdicts and words ---------------------------------------------------------------------------


class _Writer:
    def __init__(self, league: _League, names: Mapping[TeamKey, str]):
        self.league = league
        self.names = names

    def name(self, team: TeamKey) -> str:
        return self.names.get(team, str(team))

    def scenario(self, team: TeamKey, line: Line, bounds: list[_OwnBounds]) -> LeagueScenario:
        verdicts = [self._own_verdict(team, line, own) for own in bounds]
        statuses = {verdict.status for verdict in verdicts}
        can_be_inside = any(v.status in (CERTAIN, DEPENDS) or _shows(v, inside=True) for v in verdicts)
        can_be_outside = any(v.status in (IMPOSSIBLE, DEPENDS) or _shows(v, inside=False) for v in verdicts)
        name = self.name(team)
        if statuses == {CERTAIN}:
            status, summary = CERTAIN, gettext("%(team)s are certain to finish %(where)s.") % {
                "team": name, "where": line.where}
        elif statuses == {IMPOSSIBLE}:
            status, summary = IMPOSSIBLE, gettext("%(team)s can no longer finish %(where)s.") % {
                "team": name, "where": line.where}
        elif can_be_inside and can_be_outside:
            status, summary = DEPENDS, self._summary(name, team, line, verdicts)
        else:
            status, summary = UNDECIDED, gettext("%(team)s: %(where)s or not is not decided yet.") % {
                "team": name, "where": line.where}
        return LeagueScenario(
            team=team,
            line=line,
            status=status,
            summary=summary,
            best_position=min(v.best_position for v in verdicts),
            worst_position=max(v.worst_position for v in verdicts),
            by_outcome=tuple(verdicts),
            exhaustive=all(own.exhaustive for own in bounds),
        )

    def _own_verdict(self, team: TeamKey, line: Line, own: _OwnBounds) -> OwnOutcomeVerdict:
        worst = 1 + own.most_up.value
        best = 1 + own.least_down.value
        examples = []
        if worst <= line.worst:
            status = CERTAIN
        elif best > line.worst:
            status = IMPOSSIBLE
        else:
            inside = self._witness(team, line, own, inside=True)
            outside = self._witness(team, line, own, inside=False)
            examples = [e for e in (inside, outside) if e is not None]
            status = DEPENDS if inside and outside else UNDECIDED
        return OwnOutcomeVerdict(
            outcomes=own.own,
            text=self._own_text(team, own.own),
            points=own.points,
            status=status,
            best_position=best,
            worst_position=worst,
            sure_if=self._sure_if(line, own) if status != CERTAIN else None,
            out_if=self._out_if(line, own) if status != IMPOSSIBLE else None,
            examples=tuple(examples),
        )

    def _witness(self, team: TeamKey, line: Line, own: _OwnBounds, *, inside: bool) -> dict[str, Any] | None:
        """Concrete scores, checked by the table engine, that put the team inside (or outside) the line."""
        classes = (own.least_up, own.least_down) if inside else (own.most_down, own.most_up)
        tried = set()
        for extreme in classes:
            if len(extreme.outcomes) < len(self.league.fixtures):
                continue  # a bound by points alone: no class is known to reach it
            for big in WITNESS_MARGINS:
                scores = self.league.witness_scores(team, extreme.outcomes, own.points, favour=inside, big=big)
                frozen = tuple(sorted(scores.items()))
                if frozen in tried:
                    continue
                tried.add(frozen)
                positions = self.league.table_positions(team, scores)
                side = line.side(positions)
                if side is inside:
                    fixtures = self.league.fixtures
                    return {
                        "inside": inside,
                        "results": [
                            {"match_id": fixtures[i].match_id, "home_goals": h, "away_goals": a}
                            for i, (h, a) in sorted(scores.items())
                        ],
                    }
        return None

    def _sure_if(self, line: Line, own: _OwnBounds):
        """At most N of these teams reaching the team's points (or more) keeps it inside the line."""
        always_above = sum(fewest > own.points for fewest, _ in own.points_range.values())
        contenders = tuple(t for t, (fewest, most) in own.points_range.items() if most >= own.points >= fewest)
        allowed = line.worst - 1 - always_above
        if allowed < 0 or not contenders:
            return None
        return allowed, contenders, own.points

    def _out_if(self, line: Line, own: _OwnBounds):
        """At least N of these teams finishing on more points puts the team outside the line."""
        always_above = sum(fewest > own.points for fewest, _ in own.points_range.values())
        rivals = tuple(t for t, (fewest, most) in own.points_range.items() if most > own.points >= fewest)
        needed = line.worst - always_above
        if needed > len(rivals) or not rivals:
            return None
        return needed, rivals, own.points

    def _own_text(self, team: TeamKey, own: tuple[str, ...]) -> str:
        words = [f"{RESULT_WORDS[result]} {venue}" for result, venue in self._own_words(team, own)]
        return gettext(" and ").join(words) or gettext("as things stand")

    def _own_words(self, team: TeamKey, own: tuple[str, ...]) -> list[tuple[str, str]]:
        """("a win", "at Arsenal") per own fixture."""
        words = []
        for i, outcome in zip(self.league.fixtures_of[team], own, strict=True):
            fixture = self.league.fixtures[i]
            at_home = fixture.home == team
            result = "a draw" if outcome == "draw" else "a win" if (outcome == "home") == at_home else "a defeat"
            venue = (gettext("at home to %(team)s") % {"team": self.name(fixture.away)} if at_home
                     else gettext("at %(team)s") % {"team": self.name(fixture.home)})
            words.append((result, venue))
        return words

    def _either(self, team: TeamKey, verdicts: list[OwnOutcomeVerdict]) -> str:
        """Say "a win or a draw at Girona" for one own fixture; the full texts joined by "or" otherwise."""
        if len(self.league.fixtures_of[team]) != 1:
            return gettext(" or ").join(v.text for v in verdicts)
        words = [self._own_words(team, v.outcomes)[0] for v in verdicts]
        results = sorted({result for result, _ in words}, key=("a win", "a draw", "a defeat").index)
        return f"{gettext(' or ').join(str(RESULT_WORDS[result]) for result in results)} {words[0][1]}"

    def _summary(self, name: str, team: TeamKey, line: Line, verdicts: list[OwnOutcomeVerdict]) -> str:
        parts = []
        certain = [v for v in verdicts if v.status == CERTAIN]
        if certain:
            parts.append(gettext("with %(results)s") % {"results": self._either(team, certain)})
        for verdict in verdicts:
            if verdict.status == DEPENDS:
                parts.append(gettext("with %(results)s %(condition)s") % {
                    "results": verdict.text, "condition": self._condition_words(verdict)})
            elif verdict.status == UNDECIDED:
                parts.append(gettext("with %(results)s not decided yet") % {"results": verdict.text})
        impossible = [v for v in verdicts if v.status == IMPOSSIBLE]
        if impossible:
            parts.append(gettext("not with %(results)s") % {"results": self._either(team, impossible)})
        return gettext("%(team)s: %(where)s %(conditions)s.") % {"team": name, "where": line.where,
                                                                 "conditions": "; ".join(parts)}

    def _condition_words(self, verdict: OwnOutcomeVerdict) -> str:
        if verdict.sure_if is None:
            return gettext("depending on other results")
        allowed, teams, points = verdict.sure_if
        listed = ", ".join(self.name(t) for t in teams)
        if allowed == 0:
            return gettext("if none of %(teams)s reach %(points)s points") % {"teams": listed, "points": points}
        return gettext("if at most %(allowed)s of %(teams)s reach %(points)s points") % {
            "allowed": allowed, "teams": listed, "points": points}


def _shows(verdict: OwnOutcomeVerdict, *, inside: bool) -> bool:
    return any(example["inside"] is inside for example in verdict.examples)
