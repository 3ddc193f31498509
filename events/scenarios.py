"""Qualification scenarios and what-if tables, on top of ``events.standings``.

``scenarios()`` answers, for every team and every qualifying line (group winner,
top two, third...), whether the line is clinched, impossible, or what it depends
on, in plain English and as structured conditions. It is exact under the rule
set: it searches outcome classes (home win, draw, away win per remaining fixture),
and scores only where a tie-breaker compares them, only as far as a gap between
tied teams can be overturned. A search cut short by its ``budget`` says
``exhaustive=False`` rather than claim a proof. How the search is bounded, and
what it costs: docs/standings.md.

A live fixture is passed both as a ``finished=False`` result (its current score)
and as a remaining ``Fixture``: the search then only considers final scores at
or above the current one.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from events.standings import (
    Consulted,
    Result,
    RuleSet,
    Table,
    TeamKey,
    compute_table,
    get_rule_set,
    rank_teams,
    tally,
)

from .wording import gettext, gettext_lazy, ngettext

OUTCOMES = ("home", "draw", "away")
CLINCHED, IMPOSSIBLE, DEPENDS = "clinched", "impossible", "depends"
DEFAULT_MAX_GOALS = 12
DEFAULT_BUDGET = 3000
DEFAULT_MAX_FIXTURES = 8
BOUND_SLACK = 2  # margin <= g+1 and goals <= g+1 give the 2*g+2 of the module docstring

Score = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Fixture:
    match_id: Hashable
    home: TeamKey
    away: TeamKey


@dataclass(frozen=True, slots=True)
class Line:
    """A band of final positions that means something (qualification, a prize, relegation...)."""

    key: str
    label: str
    best: int
    worst: int
    where: str  # completes "finish ...": "first", "in the top two"
    short: str = ""  # starts a sentence of a team's short summary ("Through if they win"); the label when blank

    def side(self, positions: range) -> bool | None:
        """True: inside whatever the order of undecided neighbours; False: outside; None: cannot tell."""
        if self.best <= positions.start and positions.stop - 1 <= self.worst:
            return True
        if positions.stop - 1 < self.best or positions.start > self.worst:
            return False
        return None


# The words are read in the active language where a sentence is written (the reader's: a page, an API read).
UEFA_GROUP_LINES = (
    Line("group-winner", gettext_lazy("group winner"), 1, 1, gettext_lazy("first"), gettext_lazy("top of the group")),
    Line("round-of-16", gettext_lazy("round of 16"), 1, 2, gettext_lazy("in the top two"), gettext_lazy("through")),
    Line("europa-league", gettext_lazy("Europa League"), 3, 3, gettext_lazy("third"), gettext_lazy("Europa League")),
)
LEAGUE_LINES = (Line("first", gettext_lazy("first place"), 1, 1, gettext_lazy("first")),)


def default_lines(rules: RuleSet) -> tuple[Line, ...]:
    return UEFA_GROUP_LINES if rules.name.startswith("uefa") else LEAGUE_LINES


@dataclass(frozen=True, slots=True)
class Requirement:
    fixture: Fixture
    outcomes: tuple[str, ...]  # a proper subset of OUTCOMES
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "match_id": self.fixture.match_id,
            "home": self.fixture.home,
            "away": self.fixture.away,
            "outcomes": list(self.outcomes),
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class Condition:
    """A set of results (all requirements together) under which the team makes the line;
    when ``goal_dependent`` or ``undecidable`` it only might, and ``examples`` show scores both ways."""

    requirements: tuple[Requirement, ...]
    goal_dependent: bool
    undecidable: bool  # teams can end level on everything the data decides (cards, coefficient, lots)
    text: str
    examples: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "requirements": [r.to_dict() for r in self.requirements],
            "goal_dependent": self.goal_dependent,
            "undecidable": self.undecidable,
            "text": self.text,
            "examples": list(self.examples),
        }


@dataclass(frozen=True, slots=True)
class TeamScenario:
    team: TeamKey
    line: Line
    status: str  # CLINCHED, IMPOSSIBLE or DEPENDS
    summary: str
    conditions: tuple[Condition, ...]
    exhaustive: bool = True  # False: a tie was too large to search completely within the budget

    def to_dict(self) -> dict[str, Any]:
        return {
            "team": self.team,
            "line": self.line.key,
            "line_label": str(self.line.label),
            "status": self.status,
            "summary": self.summary,
            "conditions": [c.to_dict() for c in self.conditions],
            "exhaustive": self.exhaustive,
        }


def what_if(
    teams: Iterable[TeamKey],
    results: Iterable[Result],
    hypothetical: Iterable[Result],
    rules: RuleSet | str,
    **table_options: Any,
) -> Table:
    """The table with ``hypothetical`` results replacing any result of the same fixture (home, away)."""
    hypothetical = list(hypothetical)
    replaced = {(r.home, r.away) for r in hypothetical}
    kept = [r for r in results if (r.home, r.away) not in replaced]
    return compute_table(teams, kept + hypothetical, rules, **table_options)


def scenarios(
    teams: Iterable[TeamKey],
    results: Iterable[Result],
    remaining: Sequence[Fixture],
    rules: RuleSet | str,
    *,
    lines: Sequence[Line] | None = None,
    names: Mapping[TeamKey, str] | None = None,
    disciplinary_points: Mapping[TeamKey, int] | None = None,
    coefficients: Mapping[TeamKey, float] | None = None,
    max_goals: int = DEFAULT_MAX_GOALS,
    budget: int = DEFAULT_BUDGET,
    max_fixtures: int = DEFAULT_MAX_FIXTURES,
) -> list[TeamScenario]:
    """One ``TeamScenario`` per team (in current table order) and line (in ``lines`` order)."""
    rule_set = get_rule_set(rules) if isinstance(rules, str) else rules
    if rule_set.criteria[0].stat != "points":
        raise ValueError(
            gettext("rule set %(rules)s must rank on points first for the scenario search")
            % {"rules": repr(rule_set.name)}
        )
    remaining = list(remaining)
    if len(remaining) > max_fixtures:
        raise ValueError(
            gettext(
                "%(count)s fixtures remaining: 3**%(count)s outcome classes is more than max_fixtures=%(most)s allows"
            )
            % {"count": len(remaining), "most": max_fixtures}
        )
    team_list = list(dict.fromkeys(teams))
    results = list(results)
    lines = tuple(lines) if lines is not None else default_lines(rule_set)
    external = {"disciplinary_points": disciplinary_points, "coefficients": coefficients}
    search = _Search(team_list, results, remaining, rule_set, lines, external, max_goals, budget)
    combos = list(itertools.product(OUTCOMES, repeat=len(remaining)))
    by_combo = {combo: search.outcomes(combo) for combo in combos}
    writer = _Writer(remaining, names or {})
    current = compute_table(team_list, results, rule_set, **external)
    return [
        _team_scenario(team, line, by_combo, writer) for team in (row.team for row in current.rows) for line in lines
    ]


# --- search -------------------------------------------------------------------------------------

MARGIN, GOALS = "margin", "goals"  # a decided fixture's two free numbers; a draw only has goals


def _moved_by(outcome: str, *, away: bool, winner: bool, stat: str) -> tuple[str, ...]:
    """Which free numbers of a fixture move ``stat`` for one of its two teams."""
    if stat == "goal_difference":
        return () if outcome == "draw" else (MARGIN,)
    if stat == "goals_for" or (stat == "away_goals" and away):
        return (MARGIN, GOALS) if outcome != "draw" and winner else (GOALS,)
    return ()


_GOAL_STATS = ("goal_difference", "goals_for", "away_goals")


@dataclass(frozen=True, slots=True)
class _Leaf:
    positions: dict[TeamKey, range]
    scores: dict[int, Score] = field(default_factory=dict)  # only fixtures whose score mattered


@dataclass(frozen=True, slots=True)
class _Level:
    leaves: list[_Leaf]
    complete: bool


class _Search:
    def __init__(self, teams, results, remaining, rules, lines, external, max_goals, budget):
        self.teams = teams
        self.fixtures = remaining
        self.rules = rules
        self.lines = lines
        self.external = external
        self.max_goals = max_goals
        self.budget = budget
        index = {(f.home, f.away): i for i, f in enumerate(remaining)}
        if len(index) < len(remaining):
            raise ValueError("the same fixture (home, away) is listed twice as remaining")
        self.floor: list[Score] = [(0, 0)] * len(remaining)
        self.fixed: list[Result] = []
        for result in results:
            i = index.get((result.home, result.away))
            if i is None:
                self.fixed.append(result)
            elif result.finished:
                raise ValueError(f"{remaining[i]} is listed as remaining but has a final result")
            else:
                self.floor[i] = (result.home_goals, result.away_goals)

    def outcomes(self, combo: Sequence[str]) -> dict[TeamKey, _Level]:
        """For one outcome class: each team's level of teams tied on points, with its possible orders."""
        base = [self._score(i, outcome, {}) for i, outcome in enumerate(combo)]
        table = compute_table(self.teams, self._results(base), self.rules, **self.external)
        by_team = {}
        for _, rows in itertools.groupby(table.rows, key=lambda row: row.points):
            level = [row.team for row in rows]
            first = table.row(level[0]).position
            span = range(first, first + len(level))
            if len(level) > 1 and any(line.side(span) is None for line in self.lines):
                found = self._search_level(level, combo, span)
            else:
                # Nothing inside the level crosses a line, so its internal order does not matter.
                found = _Level([_Leaf({team: span for team in level})], complete=True)
            by_team.update(dict.fromkeys(level, found))
        return by_team

    def _results(self, scores: Sequence[Score]) -> list[Result]:
        return self.fixed + [Result(f.home, f.away, *score) for f, score in zip(self.fixtures, scores, strict=True)]

    def _lowest(self, i: int, outcome: str, var: str, other: int | None) -> int:
        """Smallest value of ``var`` compatible with the live score and the fixture's other number."""
        home, away = self.floor[i]
        if outcome == "draw":
            return max(home, away)
        winner_floor, loser_floor = (home, away) if outcome == "home" else (away, home)
        if var == MARGIN:
            return max(1, winner_floor - (loser_floor if other is None else other))
        # Without a chosen margin the margin adapts, so the loser's current goals are always reachable.
        return max(loser_floor, winner_floor - other) if other is not None else loser_floor

    def _score(self, i: int, outcome: str, chosen: Mapping[str, int]) -> Score:
        if outcome == "draw":
            goals = chosen.get(GOALS, self._lowest(i, outcome, GOALS, None))
            return goals, goals
        margin = chosen.get(MARGIN)
        goals = chosen.get(GOALS, self._lowest(i, outcome, GOALS, margin))
        if margin is None:
            margin = self._lowest(i, outcome, MARGIN, goals)
        return (goals + margin, goals) if outcome == "home" else (goals, goals + margin)

    def _search_level(self, level: list[TeamKey], combo: Sequence[str], span: range) -> _Level:
        straddled = [line for line in self.lines if line.side(span) is None]
        unseen = {(team, line.key, side) for team in level for line in straddled for side in (True, False)}
        leaves: dict[tuple, _Leaf] = {}
        budget = [self.budget]  # shared by the recursion
        spreads = self._spreads(level, combo)
        cap = 1
        while True:
            for leaf in self._expand(level, combo, {}, span.start - 1, cap, budget, spreads):
                leaves.setdefault(tuple(leaf.scores.items()), leaf)
                for team, positions in leaf.positions.items():
                    for line in straddled:
                        unseen.discard((team, line.key, line.side(positions)))
                if not unseen:
                    return _Level(list(leaves.values()), complete=True)
            if budget[0] <= 0:
                return _Level(list(leaves.values()), complete=False)
            if cap >= self.max_goals:
                return _Level(list(leaves.values()), complete=True)
            cap = min(self.max_goals, 2 * cap + 1)

    def _spreads(self, level: list[TeamKey], combo: Sequence[str]) -> dict[str, int]:
        """Widest gap per goal statistic among the level, overall and head-to-head.

        The trace only shows values compared so far; a number expanded now may have to
        overturn a gap in a criterion that is only compared once an earlier one ties
        (loser goals: head-to-head goals first, away goals after), so its bound covers these too.
        """
        results = self._results([self._score(i, outcome, {}) for i, outcome in enumerate(combo)])
        members = set(level)
        mini_league = [r for r in results if r.home in members and r.away in members]
        spreads = dict.fromkeys(_GOAL_STATS, 0)
        for records in (tally(level, results, self.rules), tally(level, mini_league, self.rules)):
            for stat in _GOAL_STATS:
                values = [getattr(record, stat) for record in records.values()]
                spreads[stat] = max(spreads[stat], max(values) - min(values))
        return spreads

    def _expand(
        self, level, combo, chosen: dict[tuple[int, str], int], offset, cap, budget, spreads
    ) -> Iterator[_Leaf]:
        if budget[0] <= 0:
            return
        budget[0] -= 1
        scores = [
            self._score(i, outcome, {var: n for (j, var), n in chosen.items() if j == i})
            for i, outcome in enumerate(combo)
        ]
        trace: list[Consulted] = []
        order, separators = rank_teams(level, self._results(scores), self.rules, trace=trace, **self.external)
        compared: dict[tuple, list[float]] = {}
        for item in trace:
            compared.setdefault((item.criterion, item.among), []).append(item.value)
        gaps = {key: max(values) - min(values) for key, values in compared.items()}
        pending = next(
            (
                (i, var, gap)
                for i in self._fixtures_of(level)
                for var, gap in self._moving(i, combo[i], trace, gaps, spreads)
                if (i, var) not in chosen
            ),
            None,
        )
        if pending is None:
            touched = sorted({i for i, _ in chosen})
            yield _Leaf(_positions(order, separators, offset), {i: scores[i] for i in touched})
            return
        i, var, gap = pending
        lowest = self._lowest(i, combo[i], var, chosen.get((i, GOALS if var == MARGIN else MARGIN)))
        for value in range(lowest, lowest + min(cap, 2 * gap + BOUND_SLACK) + 1):
            yield from self._expand(level, combo, {**chosen, (i, var): value}, offset, cap, budget, spreads)

    def _moved(self, i: int, outcome: str, team: TeamKey, stat: str) -> tuple[str, ...]:
        """Which free numbers of fixture ``i`` move ``stat`` of ``team``."""
        fixture = self.fixtures[i]
        if team not in (fixture.home, fixture.away):
            return ()
        winner = {"home": fixture.home, "away": fixture.away}.get(outcome)
        return _moved_by(outcome, away=team == fixture.away, winner=team == winner, stat=stat)

    def _fixtures_of(self, level: list[TeamKey]) -> list[int]:
        """Fixtures touching the level, those among its teams first: head-to-head is compared first."""
        members = set(level)
        touching = [i for i, f in enumerate(self.fixtures) if f.home in members or f.away in members]
        return sorted(touching, key=lambda i: not {self.fixtures[i].home, self.fixtures[i].away} <= members)

    def _moving(
        self, i: int, outcome: str, trace: list[Consulted], gaps: Mapping[tuple, float], spreads: Mapping[str, int]
    ) -> list[tuple[str, int]]:
        """The fixture's free numbers that move a compared value, each with the widest gap among the
        values it moves or may move later (which bounds how far it is worth enumerating).
        ``gaps``: spread of the compared values per (criterion, mini-league)."""
        fixture = self.fixtures[i]
        moving: dict[str, int] = {}
        for item in trace:
            if item.team not in (fixture.home, fixture.away):
                continue
            if item.among is not None and not {fixture.home, fixture.away} <= item.among:
                continue
            for var in self._moved(i, outcome, item.team, item.criterion.stat):
                moving[var] = max(moving.get(var, 0), int(gaps[item.criterion, item.among]))
        for var in moving:
            for stat in _GOAL_STATS:
                if any(var in self._moved(i, outcome, team, stat) for team in (fixture.home, fixture.away)):
                    moving[var] = max(moving[var], spreads[stat])
        return [(var, moving[var]) for var in (MARGIN, GOALS) if var in moving]


def _positions(order: list[TeamKey], separators: list[str | None], offset: int) -> dict[TeamKey, range]:
    """Each team's possible positions: a run of undecided neighbours shares the run's range."""
    positions = {}
    start = 0
    for index in range(len(order)):
        if index == len(order) - 1 or separators[index] is not None:
            for team in order[start : index + 1]:
                positions[team] = range(offset + start + 1, offset + index + 2)
            start = index + 1
    return positions


# --- verdicts and words ---------------------------------------------------------------------------

Combo = tuple[str, ...]
Cube = tuple[frozenset[str], ...]  # allowed outcomes per fixture


@dataclass(frozen=True, slots=True)
class _Verdict:
    sides: frozenset  # subset of {True, False, None} over the class's scores
    complete: bool
    leaves: tuple[_Leaf, ...]

    @property
    def always(self) -> bool:
        return self.sides == {True}

    @property
    def never(self) -> bool:
        return self.sides == {False}


def _team_scenario(
    team: TeamKey, line: Line, by_combo: Mapping[Combo, Mapping[TeamKey, _Level]], writer: _Writer
) -> TeamScenario:
    verdicts = {}
    for combo, levels in by_combo.items():
        level = levels[team]
        sides = frozenset(line.side(leaf.positions[team]) for leaf in level.leaves)
        verdicts[combo] = _Verdict(sides, level.complete, tuple(level.leaves))
    # A one-sided verdict from a cut-short search is the only kind that might be wrong.
    exhaustive = all(v.complete or len(v.sides) > 1 for v in verdicts.values())
    name = writer.name(team)
    if all(v.always for v in verdicts.values()):
        text = gettext("%(team)s are sure to finish %(where)s.") % {"team": name, "where": line.where}
        return TeamScenario(team, line, CLINCHED, text, (), exhaustive)
    if all(v.never for v in verdicts.values()):
        text = gettext("%(team)s can no longer finish %(where)s.") % {"team": name, "where": line.where}
        return TeamScenario(team, line, IMPOSSIBLE, text, (), exhaustive)
    sure = {combo for combo, v in verdicts.items() if v.always}
    maybe = {combo for combo, v in verdicts.items() if not v.always and not v.never}
    conditions = [writer.condition(team, cube, line, None) for cube in _cover(sure, team, writer.fixtures)]
    conditions += [writer.condition(team, cube, line, verdicts) for cube in _cover(maybe, team, writer.fixtures)]
    return TeamScenario(team, line, DEPENDS, writer.summary(name, line, conditions), tuple(conditions), exhaustive)


def _cover(combos: set[Combo], team: TeamKey, fixtures: Sequence[Fixture]) -> list[Cube]:
    """Few, readable cubes whose union is ``combos``.

    Greedy: from each uncovered class widen one fixture at a time (the team's own fixtures
    last, so that conditions read "with a draw at X" rather than listing other results),
    keep the cube covering most uncovered classes, then shrink it to those classes so each
    condition only states what the earlier ones left open.
    """
    own = [team in (f.home, f.away) for f in fixtures]
    widening_order = sorted(range(len(fixtures)), key=lambda i: own[i])
    subsets = [frozenset(s) for n in (3, 2) for s in itertools.combinations(OUTCOMES, n)]
    uncovered = set(combos)
    cubes = []
    while uncovered:
        best: Cube | None = None
        best_gain = -1
        for seed in sorted(uncovered):
            cube = [frozenset([outcome]) for outcome in seed]
            for i in widening_order:
                for wider in subsets:
                    if cube[i] < wider and _inside([*cube[:i], wider, *cube[i + 1 :]], combos):
                        cube[i] = wider
                        break
            gain = len(uncovered.intersection(itertools.product(*cube)))
            if gain > best_gain:
                best, best_gain = tuple(cube), gain
        assert best is not None
        covered = uncovered.intersection(itertools.product(*best))
        tight = tuple(frozenset(c[i] for c in covered) for i in range(len(fixtures)))
        cubes.append(tight if _inside(tight, combos) else best)
        uncovered -= covered
    return cubes


def _contains(cube: Sequence[frozenset[str]], combo: Combo) -> bool:
    return all(outcome in allowed for outcome, allowed in zip(combo, cube, strict=True))


def _inside(cube: Sequence[frozenset[str]], combos: set[Combo]) -> bool:
    return all(combo in combos for combo in itertools.product(*cube))


_PERSPECTIVE = {("home", True): "win", ("away", False): "win", ("draw", True): "draw", ("draw", False): "draw"}
_OWN_WORDS = {"win": gettext_lazy("a win"), "draw": gettext_lazy("a draw"), "defeat": gettext_lazy("a defeat")}


def _or(words: Iterable[str]) -> str:
    return gettext(" or ").join(str(word) for word in words)


class _Writer:
    def __init__(self, fixtures: Sequence[Fixture], names: Mapping[TeamKey, str]):
        self.fixtures = fixtures
        self.names = names

    def name(self, team: TeamKey) -> str:
        return self.names.get(team, str(team))

    def requirement(self, team: TeamKey, fixture: Fixture, allowed: frozenset[str]) -> Requirement:
        home, away = self.name(fixture.home), self.name(fixture.away)
        if team in (fixture.home, fixture.away):
            at_home = team == fixture.home
            results = {_PERSPECTIVE.get((outcome, at_home), "defeat") for outcome in allowed}
            own = _or(words for r, words in _OWN_WORDS.items() if r in results)
            if at_home:
                text = gettext("with %(results)s at home to %(away)s") % {"results": own, "away": away}
            else:
                text = gettext("with %(results)s at %(home)s") % {"results": own, "home": home}
        else:
            text = {
                frozenset({"home"}): gettext("%(home)s beat %(away)s"),
                frozenset({"draw"}): gettext("%(home)s and %(away)s draw"),
                frozenset({"away"}): gettext("%(away)s win at %(home)s"),
                frozenset({"home", "draw"}): gettext("%(away)s do not win at %(home)s"),
                frozenset({"draw", "away"}): gettext("%(home)s do not beat %(away)s"),
                frozenset({"home", "away"}): gettext("%(home)s and %(away)s do not draw"),
            }[allowed] % {"home": home, "away": away}
        return Requirement(fixture, tuple(o for o in OUTCOMES if o in allowed), text)

    def condition(self, team, cube: Cube, line: Line, verdicts: Mapping[Combo, _Verdict] | None) -> Condition:
        requirements = tuple(
            self.requirement(team, fixture, allowed)
            for fixture, allowed in zip(self.fixtures, cube, strict=True)
            if len(allowed) < len(OUTCOMES)
        )
        own = [r.text for r in requirements if team in (r.fixture.home, r.fixture.away)]
        others = [r.text for r in requirements if team not in (r.fixture.home, r.fixture.away)]
        text = gettext(" and ").join(own)
        if others:
            others_text = gettext(" and ").join(others)
            text = (gettext("%(own)s if %(others)s") % {"own": text, "others": others_text} if text
                    else gettext("if %(others)s") % {"others": others_text})
        if verdicts is None:
            return Condition(requirements, False, False, text or gettext("whatever the results"))
        inside = [v for combo, v in verdicts.items() if _contains(cube, combo)]
        goal_dependent = any({True, False} <= v.sides for v in inside)
        undecidable = any(None in v.sides for v in inside)
        examples = self._examples(team, line, inside)
        reasons = []
        if goal_dependent:
            reasons.append(gettext("the scores"))
        if undecidable:
            reasons.append(gettext("tie-breakers the results cannot settle (disciplinary points, coefficient)"))
        text = gettext("%(condition)s, depending on %(reasons)s") % {
            "condition": text or gettext("whatever the results"), "reasons": gettext(" and on ").join(reasons)}
        shown = [
            (gettext("yes after %(scores)s") if e["qualifies"] else gettext("no after %(scores)s"))
            % {"scores": e["text"]}
            for e in examples
        ]
        if shown:
            text += f" ({', '.join(shown)})"
        return Condition(requirements, goal_dependent, undecidable, text, tuple(examples))

    def _examples(self, team: TeamKey, line: Line, verdicts: Iterable[_Verdict]) -> list[dict[str, Any]]:
        """The lowest-scoring class-defining scores that put the team in, and out of, the line."""
        found: dict[bool, tuple[int, _Leaf]] = {}
        for verdict in verdicts:
            for leaf in verdict.leaves:
                side = line.side(leaf.positions[team])
                total = sum(sum(score) for score in leaf.scores.values())
                if side is not None and leaf.scores and (side not in found or total < found[side][0]):
                    found[side] = (total, leaf)
        examples = []
        for side in (True, False):
            if side in found:
                scores = found[side][1].scores
                fixtures = [(self.fixtures[i], score) for i, score in scores.items()]
                examples.append(
                    {
                        "qualifies": side,
                        "scores": [
                            {"match_id": f.match_id, "home_goals": h, "away_goals": a} for f, (h, a) in fixtures
                        ],
                        "text": ", ".join(f"{self.name(f.home)} {h}-{a} {self.name(f.away)}" for f, (h, a) in fixtures),
                    }
                )
        return examples

    @staticmethod
    def summary(name: str, line: Line, conditions: Sequence[Condition]) -> str:
        sure = [c.text for c in conditions if not (c.goal_dependent or c.undecidable)]
        maybe = [c.text for c in conditions if c.goal_dependent or c.undecidable]
        parts = []
        if sure:
            parts.append(gettext("%(team)s finish %(where)s %(conditions)s.") % {
                "team": name, "where": line.where, "conditions": gettext(", or ").join(sure)})
        if maybe:
            values = {"team": name, "where": line.where, "conditions": gettext("; or ").join(maybe)}
            if sure:
                parts.append(gettext("They can also finish %(where)s %(conditions)s.") % values)
            else:
                parts.append(gettext("%(team)s can finish %(where)s %(conditions)s.") % values)
        return " ".join(parts)


# --- what each team needs, in short -----------------------------------------------------------------

OWN_RESULTS = ("win", "draw", "defeat")
SURE, NEVER = "sure", "never"  # with DEPENDS: a verdict for one set of the team's own results
_OWN_RESULT_WORDS = {"win": gettext_lazy("win"), "draw": gettext_lazy("draw"), "defeat": gettext_lazy("lose")}
_NUMBER_WORDS = dict(enumerate((
    gettext_lazy("none"), gettext_lazy("one"), gettext_lazy("two"), gettext_lazy("three"), gettext_lazy("four"),
    gettext_lazy("five"), gettext_lazy("six"), gettext_lazy("seven"), gettext_lazy("eight"), gettext_lazy("nine"),
    gettext_lazy("ten"), gettext_lazy("eleven"), gettext_lazy("twelve"),
)))


@dataclass(frozen=True, slots=True)
class Outlook:
    """One team's line, seen from its own results: for each way its own remaining fixtures can go
    (one of OUTCOMES' counterparts in OWN_RESULTS per fixture, in ``own`` order), SURE, NEVER or
    DEPENDS on other results (``on_others``), the scores (``on_scores``) or tie-breakers the data
    cannot settle (``undecidable``)."""

    scenario: TeamScenario
    own: tuple[Fixture, ...]  # the team's fixtures that matter for this line
    verdicts: dict[tuple[str, ...], str]
    on_others: frozenset[tuple[str, ...]]
    on_scores: frozenset[tuple[str, ...]]
    undecidable: frozenset[tuple[str, ...]]


def outlook(scenario: TeamScenario) -> Outlook:
    """The verdicts of ``scenario`` by the team's own results, read back from its conditions.

    The conditions cover the outcome classes exactly (clinched ones first, then those that depend
    on the scores), so a class no condition covers is one where the team misses the line.
    Fixtures no condition mentions cannot change the verdict and are left out.
    """
    team = scenario.team
    fixtures = list({r.fixture: None for c in scenario.conditions for r in c.requirements})
    own = tuple(f for f in fixtures if team in (f.home, f.away))
    others = [f for f in fixtures if f not in own]
    verdicts, on_others, on_scores, undecidable = {}, set(), set(), set()
    for own_outcomes in itertools.product(OUTCOMES, repeat=len(own)):
        key = tuple(_own_result(team, f, o) for f, o in zip(own, own_outcomes, strict=True))
        classes = set()
        for other_outcomes in itertools.product(OUTCOMES, repeat=len(others)):
            combo = dict(zip(own, own_outcomes, strict=True)) | dict(zip(others, other_outcomes, strict=True))
            covering = next(
                (c for c in scenario.conditions if all(combo[r.fixture] in r.outcomes for r in c.requirements)), None
            )
            if covering is None:
                classes.add(NEVER)
            elif covering.goal_dependent or covering.undecidable:
                classes.add(DEPENDS)
                if covering.goal_dependent:
                    on_scores.add(key)
                if covering.undecidable:
                    undecidable.add(key)
            else:
                classes.add(SURE)
        verdicts[key] = classes.pop() if len(classes) == 1 else DEPENDS
        if len(classes) > 1:
            on_others.add(key)
    return Outlook(scenario, own, verdicts, frozenset(on_others), frozenset(on_scores), frozenset(undecidable))


def _own_result(team: TeamKey, fixture: Fixture, outcome: str) -> str:
    if outcome == "draw":
        return "draw"
    return "win" if (outcome == "home") == (team == fixture.home) else "defeat"


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a team's short summary, and the line it is about ("out": no line is in reach)."""

    line: str
    text: str

    def to_dict(self) -> dict[str, str]:
        return {"line": self.line, "text": self.text}


OUT = "out"


def team_summary(
    found: Iterable[TeamScenario], *, points_for_win: int = 3, points_for_draw: int = 1
) -> list[Sentence]:
    """What one team needs, in a sentence per line: "Through if they win or draw; if they lose, it
    depends on other results." Lines out of reach are left out (all of them: one "Out" sentence),
    and so is a clinched line when a narrower one is clinched too. Broader lines come first.

    ``found``: the team's ``TeamScenario`` for each line, as ``scenarios()`` gives them.
    """
    found = list(found)
    if len({s.team for s in found}) > 1:
        raise ValueError("team_summary takes the scenarios of one team")
    if found and all(s.status == IMPOSSIBLE for s in found):
        return [Sentence(OUT, gettext("Out: cannot finish %(where)s.") % {"where": _where_any(s.line for s in found)})]
    clinched = [s.line for s in found if s.status == CLINCHED]
    sentences = []
    for scenario in sorted(found, key=lambda s: (s.line.best, -s.line.worst)):
        line = scenario.line
        if scenario.status == IMPOSSIBLE:
            continue
        if scenario.status == CLINCHED:
            if not any(other != line and line.best <= other.best and other.worst <= line.worst for other in clinched):
                sentences.append(Sentence(line.key, gettext("%(line)s, whatever happens.") % {"line": _short(line)}))
            continue
        sentences.append(Sentence(line.key, _depends_sentence(outlook(scenario), points_for_win, points_for_draw)))
    return sentences


def _short(line: Line) -> str:
    text = str(line.short or line.label)
    return text[:1].upper() + text[1:]


def _where_any(lines: Iterable[Line]) -> str:
    lines = list(lines)
    positions = {p for line in lines for p in range(line.best, line.worst + 1)}
    if positions == set(range(1, len(positions) + 1)):
        top = len(positions)
        if top == 1:
            return gettext("first")
        return gettext("in the top %(number)s") % {"number": _NUMBER_WORDS.get(top, top)}
    return _or(dict.fromkeys(str(line.where) for line in lines))


def _reasons(keys: Iterable[tuple[str, ...]], view: Outlook) -> str:
    keys = set(keys)
    reasons = []
    if keys & view.on_others or not view.own:
        reasons.append(gettext("other results"))
    if keys & view.on_scores:
        reasons.append(gettext("the scores"))
    if keys & view.undecidable:
        reasons.append(gettext("tie-breakers the results cannot settle"))
    return _and(reasons or [gettext("other results")])


def _and(words: Sequence[str]) -> str:
    if len(words) == 1:
        return words[0]
    return gettext("%(list)s and %(last)s") % {"list": ", ".join(words[:-1]), "last": words[-1]}


def _depends_sentence(view: Outlook, points_for_win: int, points_for_draw: int) -> str:
    short = _short(view.scenario.line)
    if not view.own:
        # The team's own result does not matter for this line: only the others' do.
        sure = [c.text for c in view.scenario.conditions if not (c.goal_dependent or c.undecidable)]
        maybe = [c for c in view.scenario.conditions if c.goal_dependent or c.undecidable]
        if not sure:
            return gettext("%(line)s possible, depending on %(reasons)s.") % {
                "line": short, "reasons": _reasons(view.verdicts, view)}
        text = f"{short} {gettext(', or ').join(sure)}"
        if maybe:
            reasons = [gettext("the scores")] * any(c.goal_dependent for c in maybe)
            reasons += [gettext("tie-breakers the results cannot settle")] * any(c.undecidable for c in maybe)
            text = gettext("%(text)s; otherwise it depends on %(reasons)s") % {"text": text, "reasons": _and(reasons)}
        return text + "."
    by_verdict = {verdict: [k for k, v in view.verdicts.items() if v == verdict] for verdict in (SURE, DEPENDS, NEVER)}
    words = _own_words(view, points_for_win, points_for_draw)
    if words is None:
        if view.on_scores:
            return gettext("%(line)s possible, depending on the results and the scores.") % {"line": short}
        return gettext("%(line)s possible, depending on the results.") % {"line": short}
    sure, maybe, never = (words(by_verdict[v]) if by_verdict[v] else None for v in (SURE, DEPENDS, NEVER))
    values = {"line": short, "sure": sure, "maybe": maybe}
    if sure and maybe:
        return gettext("%(line)s if they %(sure)s; if they %(maybe)s, it depends on %(reasons)s.") % {
            **values, "reasons": _reasons(by_verdict[DEPENDS], view)}
    if sure:
        return gettext("%(line)s if they %(sure)s.") % values
    if never:
        return gettext("%(line)s only if they %(maybe)s, and then it depends on %(reasons)s.") % {
            **values, "reasons": _reasons(by_verdict[DEPENDS], view)}
    return gettext("%(line)s possible, depending on %(reasons)s.") % {
        "line": short, "reasons": _reasons(by_verdict[DEPENDS], view)}


def _own_words(view: Outlook, points_for_win: int, points_for_draw: int):
    """How to say a set of the team's own results: by result with one fixture left, by points with more
    (None when the verdicts do not follow the points alone)."""
    if len(view.own) == 1:
        def results(keys):
            chosen = [_OWN_RESULT_WORDS[r] for r in OWN_RESULTS if (r,) in keys]
            return _or(chosen) if len(chosen) < 3 else gettext("win, draw or lose")

        return results
    points = {"win": points_for_win, "draw": points_for_draw, "defeat": 0}

    def total(key):
        return sum(points[r] for r in key)

    verdict_by_total: dict[int, set[str]] = {}
    for key, verdict in view.verdicts.items():
        verdict_by_total.setdefault(total(key), set()).add(verdict)
    if any(len(v) > 1 for v in verdict_by_total.values()):
        return None
    possible = sorted(verdict_by_total)

    def by_points(keys):
        totals = sorted({total(k) for k in keys})
        if totals == [possible[-1]] and len(possible) > 1:
            return gettext("win both") if len(view.own) == 2 else gettext("win all their games")
        if totals == [possible[0]] and len(possible) > 1:
            return gettext("lose both") if len(view.own) == 2 else gettext("lose all their games")
        if totals == [t for t in possible if t >= totals[0]]:
            return gettext("take at least %(points)s") % {"points": _points(totals[0])}
        if totals == [t for t in possible if t <= totals[-1]]:
            return gettext("take at most %(points)s") % {"points": _points(totals[-1])}
        if len(totals) == 1:
            return gettext("take %(points)s") % {"points": _points(totals[0])}
        return gettext("take %(some)s or %(points)s") % {
            "some": ", ".join(str(t) for t in totals[:-1]), "points": _points(totals[-1])}

    return by_points


def _points(number: int) -> str:
    return ngettext("%(count)s point", "%(count)s points", number) % {"count": number}
