"""The FIFA World Cup 26 knockout bracket: Annex C, the fixed path by match number, the bracket as the
group tables stand, and what each contender in the race of the third-placed teams needs.

Pure Python, no Django. The regulations' tables are data (data/fifa/, sources in its README and in
docs/knockouts.md):

- ``world-cup-2026-bracket.csv``: matches 73-104, each side named by where it comes from: a group
  winner (``1E``), a runner-up (``2A``), the third of one of a set of groups (``3ABCDF``), the winner
  (``W74``) or loser (``L101``) of an earlier match.
- ``world-cup-2026-annex-c.csv``: Annex C, for each of the 495 sets of eight groups whose thirds
  qualify, which third meets which group winner.

``project()`` fills the bracket from the group tables and the ranking of thirds
(``standings.rank_third_placed``): every side says where it comes from and, where the tables allow,
the team: ``confirmed`` once nothing left to play or to decide can change it, otherwise the team
``as_it_stands`` (``open`` when no team can be named yet, such as the winner of a match not played).

``third_place_race()`` answers, before the last group matchday, whether each team that can still
finish third reaches the round of 32 (top two, or one of the best thirds): ``certain``, ``out``,
``depends`` (and on what), or ``undecided`` ("not decided yet"). A ``certain`` or ``out`` is a proof
over every score; a ``depends`` rests on two concrete sets of scores, ranked by the table engine, one
that puts the team through and one that does not. Anything else is ``undecided``, never a guess. How
it is bounded: docs/knockouts.md.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from events.scenarios import OUTCOMES, Fixture
from events.standings import (
    OUT as THIRD_OUT,
)
from events.standings import (
    QUALIFIED,
    Result,
    RuleSet,
    Scope,
    Table,
    ThirdPlacedTable,
    compute_table,
    get_rule_set,
    rank_third_placed,
)
from events.wording import gettext

TeamKey = Hashable
DATA = Path(__file__).resolve().parent.parent / "data" / "fifa"
ANNEX_C_FILE = DATA / "world-cup-2026-annex-c.csv"
BRACKET_FILE = DATA / "world-cup-2026-bracket.csv"
GROUP_LETTERS = tuple("ABCDEFGHIJKL")

WINNER, RUNNER_UP, THIRD, MATCH_WINNER, MATCH_LOSER = "winner", "runner-up", "third", "match-winner", "match-loser"
CONFIRMED, AS_IT_STANDS, OPEN = "confirmed", "as_it_stands", "open"


# --- the data ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Source:
    """Where one side of a bracket match comes from, as the schedule writes it (``1E``, ``3ABCDF``, ``W74``)."""

    code: str
    kind: str
    groups: tuple[str, ...] = ()  # the group (winner, runner-up) or the set of groups (third)
    match: int | None = None  # the earlier match (winner, loser)

    @classmethod
    def parse(cls, code: str) -> Source:
        if found := re.fullmatch(r"([12])([A-L])", code):
            return cls(code, WINNER if found[1] == "1" else RUNNER_UP, (found[2],))
        if found := re.fullmatch(r"3([A-L]{2,12})", code):
            groups = tuple(found[1])
            if len(set(groups)) != len(groups) or list(groups) != sorted(groups):
                raise ValueError(f"{code!r}: the groups of a third's slot are distinct and in order")
            return cls(code, THIRD, groups)
        if found := re.fullmatch(r"([WL])([1-9][0-9]{0,2})", code):
            return cls(code, MATCH_WINNER if found[1] == "W" else MATCH_LOSER, match=int(found[2]))
        raise ValueError(f"{code!r} is not a bracket source (1E, 2A, 3ABCDF, W74 or L101)")

    @property
    def label(self) -> str:
        """Where the side comes from, in the reader's words ("Winner Group E"); `code` stays the machine's key."""
        if self.kind == WINNER:
            return gettext("Winner Group %(group)s") % {"group": self.groups[0]}
        if self.kind == RUNNER_UP:
            return gettext("Runner-up Group %(group)s") % {"group": self.groups[0]}
        if self.kind == THIRD:
            return gettext("3rd Group %(groups)s") % {"groups": "/".join(self.groups)}
        if self.kind == MATCH_WINNER:
            return gettext("Winner match %(number)s") % {"number": self.match}
        return gettext("Loser match %(number)s") % {"number": self.match}


@dataclass(frozen=True, slots=True)
class BracketMatch:
    number: int
    round: str
    home: Source
    away: Source


@dataclass(frozen=True, slots=True)
class AnnexRow:
    """One row of Annex C: the groups whose thirds qualify, and the group of the third each winner meets."""

    option: int
    qualifying: frozenset[str]
    opponents: Mapping[str, str]  # the winner's group -> the group of the third-placed team it meets


@dataclass(frozen=True)
class KnockoutPath:
    name: str
    groups: tuple[str, ...]
    matches: tuple[BracketMatch, ...]
    annex: Mapping[frozenset[str], AnnexRow]
    qualifying_thirds: int

    def match(self, number: int) -> BracketMatch:
        return next(match for match in self.matches if match.number == number)

    def annex_row(self, qualifying: Iterable[str]) -> AnnexRow:
        groups = frozenset(qualifying)
        try:
            return self.annex[groups]
        except KeyError:
            raise ValueError(f"no Annex C row for the thirds of groups {''.join(sorted(groups))}") from None


def _rows(path: Path, columns: Sequence[str]) -> Iterable[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != list(columns):
            raise ValueError(f"{path.name} line 1: expected the columns {','.join(columns)}")
        for row in reader:
            yield reader.line_num, row


def load_bracket(path: Path = BRACKET_FILE) -> tuple[BracketMatch, ...]:
    """The matches of the knockout path, checked as they are read: every earlier match a side names exists
    and comes before it, and each is fed into later rounds once as winner (and at most once as loser)."""
    matches: list[BracketMatch] = []
    fed: dict[tuple[str, int], int] = {}
    for line, row in _rows(path, ("match", "round", "home", "away")):
        try:
            number = int(row["match"])
            home, away = Source.parse(row["home"]), Source.parse(row["away"])
        except ValueError as error:
            raise ValueError(f"{path.name} line {line}: {error}") from None
        if any(number <= match.number for match in matches):
            raise ValueError(f"{path.name} line {line}: match {number} is not after match {matches[-1].number}")
        for side in (home, away):
            if side.match is None:
                continue
            if side.match not in {match.number for match in matches}:
                raise ValueError(f"{path.name} line {line}: {side.code} names no earlier match")
            if (side.kind, side.match) in fed:
                earlier = fed[side.kind, side.match]
                raise ValueError(f"{path.name} line {line}: {side.code} already plays match {earlier}")
            fed[side.kind, side.match] = number
        matches.append(BracketMatch(number, row["round"].strip(), home, away))
    if not matches:
        raise ValueError(f"{path.name}: no matches")
    return tuple(matches)


def load_annex_c(path: Path = ANNEX_C_FILE, winners: Sequence[str] = ("A", "B", "D", "E", "G", "I", "K", "L")
                 ) -> list[AnnexRow]:
    """Annex C's rows as the file has them (their checks against the bracket: tests/unit/test_world_cup.py)."""
    rows = []
    columns = ("option", "qualifying", *(f"1{group}" for group in winners))
    for line, row in _rows(path, columns):
        qualifying = row["qualifying"]
        opponents = {group: row[f"1{group}"] for group in winners}
        if not re.fullmatch(r"[A-L]+", qualifying) or any(not re.fullmatch(r"[A-L]", g) for g in opponents.values()):
            raise ValueError(f"{path.name} line {line}: groups are letters A to L")
        try:
            option = int(row["option"])
        except ValueError:
            raise ValueError(f"{path.name} line {line}: option {row['option']!r} is not a number") from None
        rows.append(AnnexRow(option, frozenset(qualifying), opponents))
    return rows


@cache
def world_cup_2026() -> KnockoutPath:
    """The 2026 bracket and Annex C, read once per process."""
    matches = load_bracket()
    winners = sorted(
        match.home.groups[0] if match.away.kind == THIRD else match.away.groups[0]
        for match in matches
        if THIRD in (match.home.kind, match.away.kind)
    )
    rows = load_annex_c(winners=winners)
    annex = {row.qualifying: row for row in rows}
    if len(annex) != len(rows):
        raise ValueError(f"{ANNEX_C_FILE.name}: a set of qualifying groups has two rows")
    return KnockoutPath("fifa-2026", GROUP_LETTERS, matches, annex, qualifying_thirds=len(winners))


# The knockout path of each group-stage rule set that has one.
PATHS = {"fifa-2026": world_cup_2026}


def knockout_path(rule_set: str) -> KnockoutPath | None:
    loader = PATHS.get(rule_set)
    return loader() if loader else None


# --- the bracket as the tables stand ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlayedMatch:
    """A knockout match known to have been played between two teams, and who went through (None: not yet)."""

    teams: frozenset
    winner: TeamKey | None


def group_complete(table: Table) -> bool:
    """Every team has played every other once and no match is in progress: the table is final."""
    return not table.provisional and all(row.played == len(table.rows) - 1 for row in table.rows)


def project(
    path: KnockoutPath,
    tables: Mapping[str, Table],
    thirds: ThirdPlacedTable | None = None,
    played: Iterable[PlayedMatch] = (),
) -> dict[str, Any]:
    """The bracket from the group tables (group letter -> Table) and the ranking of thirds (computed
    from the tables when not given), then, match by match, the winners of ``played`` matches.

    A side's team is ``confirmed`` when its group is complete and the table does not leave its
    position level with a neighbour; a third's when every group is complete and the line between
    the qualifying thirds and the others is decided (so Annex C's row is known) and its own group's
    third place is settled. Otherwise the team is the one the tables put there now (``as_it_stands``).
    A later match's side is a team only once the earlier match is decided between confirmed teams.
    """
    missing = [group for group in path.groups if group not in tables]
    if missing:
        raise ValueError(f"no table for group {', '.join(missing)}")
    thirds = thirds or rank_third_placed({group: tables[group] for group in path.groups})
    qualifying = [row.group for row in thirds.rows[: path.qualifying_thirds]]
    annex = path.annex_row(qualifying)
    complete = all(group_complete(tables[group]) for group in path.groups)
    thirds_decided = complete and all(row.status in (QUALIFIED, THIRD_OUT) for row in thirds.rows)
    results = {frozenset(match.teams): match.winner for match in played if match.winner is not None}
    decided: dict[tuple[str, int], TeamKey] = {}
    rounds: dict[str, list[dict]] = {}

    def side(source: Source, opponent: Source) -> dict[str, Any]:
        shaped = {"source": source.code, "from": source.label, "team": None, "status": OPEN, "group": None}
        if source.kind in (WINNER, RUNNER_UP):
            group = source.groups[0]
            table = tables[group]
            position = 1 if source.kind == WINNER else 2
            team = table.rows[position - 1].team
            settled = group_complete(table) and table.positions(team) == range(position, position + 1)
            shaped.update(team=team, status=CONFIRMED if settled else AS_IT_STANDS, group=group)
        elif source.kind == THIRD:
            if opponent.kind != WINNER:
                raise ValueError(f"{source.code} must meet a group winner to be placed by Annex C")
            group = annex.opponents[opponent.groups[0]]
            if group not in source.groups:
                raise ValueError(f"Annex C option {annex.option} puts the third of {group} in {source.code}")
            row = thirds.row(group)
            settled = thirds_decided and not row.level_in_group
            shaped.update(team=row.team, status=CONFIRMED if settled else AS_IT_STANDS, group=group)
        else:
            key = (source.kind, source.match)
            if key in decided:
                shaped.update(team=decided[key], status=CONFIRMED)
        return shaped

    for match in path.matches:
        home, away = side(match.home, match.away), side(match.away, match.home)
        if home["status"] == away["status"] == CONFIRMED:
            winner = results.get(frozenset((home["team"], away["team"])))
            if winner is not None:
                loser = away["team"] if winner == home["team"] else home["team"]
                decided[MATCH_WINNER, match.number] = winner
                decided[MATCH_LOSER, match.number] = loser
        rounds.setdefault(match.round, []).append({"number": match.number, "home": home, "away": away})
    return {
        "complete": complete,
        "provisional": any(tables[group].provisional for group in path.groups),
        "thirds": {
            "qualifying": sorted(qualifying),
            "option": annex.option,
            "confirmed": thirds_decided,
        },
        "rounds": [{"name": name, "matches": matches} for name, matches in rounds.items()],
    }


# --- the race of the third-placed teams ------------------------------------------------------------

CERTAIN, OUT, DEPENDS, UNDECIDED = "certain", "out", "depends", "undecided"
IN, NOT_IN, MAYBE = "in", "not-in", "maybe"  # one outcome class's verdict
# The concrete scores a witness is built from, per outcome of a remaining fixture (home's goals first).
DEFAULT_SCORELINES: Mapping[str, tuple[tuple[int, int], ...]] = {
    "home": ((1, 0), (4, 0), (3, 2), (8, 0)),
    "draw": ((0, 0), (3, 3)),
    "away": ((0, 1), (0, 4), (2, 3), (0, 8)),
}
DEFAULT_MAX_REMAINING = 2  # the last matchday of a group of four
_OWN_WORDS = {"win": "win", "draw": "draw", "defeat": "lose"}


@dataclass(frozen=True, slots=True)
class GroupState:
    teams: tuple[TeamKey, ...]
    results: tuple[Result, ...]  # finished matches only
    remaining: tuple[Fixture, ...]


@dataclass(frozen=True, slots=True)
class OwnResultVerdict:
    """The verdict once the team's own remaining matches end this way."""

    results: tuple[str, ...]  # "win" / "draw" / "defeat", per own fixture
    text: str
    status: str  # CERTAIN, OUT, DEPENDS or UNDECIDED
    depends_on: tuple[str, ...]  # for DEPENDS and UNDECIDED: what can still move it

    def to_dict(self) -> dict[str, Any]:
        return {"results": list(self.results), "text": self.text, "status": self.status,
                "depends_on": list(self.depends_on)}


@dataclass(frozen=True, slots=True)
class RaceVerdict:
    team: TeamKey
    group: str
    status: str
    summary: str
    by_result: tuple[OwnResultVerdict, ...]
    # Checked scores (match id -> score) for each side, when the verdict is DEPENDS.
    examples: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"team": self.team, "group": self.group, "status": self.status, "summary": self.summary,
                "by_result": [verdict.to_dict() for verdict in self.by_result], "examples": list(self.examples)}


@dataclass(slots=True)
class _Candidate:
    outcomes: tuple[str, ...]
    scores: tuple[tuple[int, int], ...]
    table: Table


@dataclass(slots=True)
class _Group:
    name: str
    state: GroupState
    # Per outcome class (one outcome per remaining fixture): each team's points, and what orders the teams
    # whatever the scores (points, then head-to-head points where the rule set compares them next).
    points: dict[tuple[str, ...], dict[TeamKey, int]] = field(default_factory=dict)
    keys: dict[tuple[str, ...], dict[TeamKey, tuple[int, ...]]] = field(default_factory=dict)
    candidates: list[_Candidate] = field(default_factory=list)

    def positions(self, outcomes: tuple[str, ...], team: TeamKey) -> range:
        """The positions the team can finish in with this outcome class, whatever the scores."""
        keys = self.keys[outcomes]
        mine = keys[team]
        above = sum(key > mine for key in keys.values())
        level = sum(key == mine for key in keys.values())
        return range(above + 1, above + level + 1)

    def third_points(self) -> tuple[int, int]:
        """The fewest and most points a team in third place can have, over every outcome class."""
        found = [
            points[team]
            for outcomes, points in self.points.items()
            for team in points
            if 3 in self.positions(outcomes, team)
        ]
        return min(found), max(found)


def third_place_race(
    groups: Mapping[str, GroupState],
    rules: RuleSet | str,
    *,
    fair_play_points: Mapping[TeamKey, int] | None = None,
    world_ranking: Mapping[TeamKey, int | tuple[int, ...]] | None = None,
    names: Mapping[TeamKey, str] | None = None,
    scorelines: Mapping[str, Sequence[tuple[int, int]]] = DEFAULT_SCORELINES,
    max_remaining: int = DEFAULT_MAX_REMAINING,
) -> list[RaceVerdict]:
    """For every team that can still finish third in its group: does it reach the next round?

    Team keys are unique across groups. A match in progress is a remaining fixture (its current score
    is not a floor). Bounds use points only (exact whatever the goals); witnesses use ``scorelines``.
    """
    rule_set = get_rule_set(rules) if isinstance(rules, str) else rules
    if rule_set.third_placed is None:
        raise ValueError(f"rule set {rule_set.name!r} does not rank third-placed teams")
    for name, state in groups.items():
        if len(state.remaining) > max_remaining:
            raise ValueError(
                f"{name} has {len(state.remaining)} matches to play: the race of the thirds is worked out from "
                f"the last matchday ({max_remaining} matches a group) on"
            )
        if len(state.teams) < 4:
            raise ValueError(f"{name} has no fourth place: {len(state.teams)} teams")
    external = {"fair_play_points": fair_play_points, "world_ranking": world_ranking}
    built = {name: _build(name, state, rule_set, external, scorelines) for name, state in groups.items()}
    race = _Race(built, rule_set, external, names or {})
    verdicts = []
    for name, group in built.items():
        contenders = [
            team for team in group.state.teams
            if any(3 in group.positions(outcomes, team) for outcomes in group.points)
        ]
        verdicts += [race.verdict(name, team) for team in contenders]
    return verdicts


def _build(name, state: GroupState, rules: RuleSet, external, scorelines) -> _Group:
    group = _Group(name, state)
    base = {team: 0 for team in state.teams}
    for result in state.results:
        if not result.finished:
            raise ValueError(f"{result} is not finished: pass a match in progress as a remaining fixture")
        for team, scored, conceded in ((result.home, result.home_goals, result.away_goals),
                                       (result.away, result.away_goals, result.home_goals)):
            base[team] += _points(scored, conceded, rules)
    for outcomes in itertools.product(OUTCOMES, repeat=len(state.remaining)):
        points = dict(base)
        for fixture, outcome in zip(state.remaining, outcomes, strict=True):
            home_goals, away_goals = scorelines[outcome][0]
            points[fixture.home] += _points(home_goals, away_goals, rules)
            points[fixture.away] += _points(away_goals, home_goals, rules)
        group.points[outcomes] = points
        group.keys[outcomes] = _order_keys(state, outcomes, points, rules)
        for scores in itertools.product(*(scorelines[outcome] for outcome in outcomes)):
            results = list(state.results) + [
                Result(f.home, f.away, *score) for f, score in zip(state.remaining, scores, strict=True)
            ]
            table = compute_table(state.teams, results, rules, **external)
            group.candidates.append(_Candidate(outcomes, tuple(scores), table))
    return group


def _order_keys(state: GroupState, outcomes, points: Mapping[TeamKey, int], rules: RuleSet) -> dict:
    """Per team, what orders it whatever the goals: its points and, where the rule set compares teams
    level on points by their head-to-head points next (2026), its points in the matches among them,
    which the outcome class fixes. What comes after depends on the scores, so it is left level."""
    second = rules.criteria[1] if len(rules.criteria) > 1 else None
    if second is None or second.scope is not Scope.HEAD_TO_HEAD or second.stat != "points":
        return {team: (points[team],) for team in state.teams}
    played = [(r.home, r.away, _outcome(r.home_goals, r.away_goals)) for r in state.results]
    played += [(f.home, f.away, outcome) for f, outcome in zip(state.remaining, outcomes, strict=True)]
    among = dict.fromkeys(state.teams, 0)
    for home, away, outcome in played:
        if points[home] != points[away]:
            continue
        home_goals, away_goals = DEFAULT_SCORELINES[outcome][0]
        among[home] += _points(home_goals, away_goals, rules)
        among[away] += _points(away_goals, home_goals, rules)
    return {team: (points[team], among[team]) for team in state.teams}


def _outcome(home_goals: int, away_goals: int) -> str:
    return "home" if home_goals > away_goals else "draw" if home_goals == away_goals else "away"


def _points(scored: int, conceded: int, rules: RuleSet) -> int:
    if scored > conceded:
        return rules.points_for_win
    return rules.points_for_draw if scored == conceded else 0


class _Race:
    def __init__(self, groups: dict[str, _Group], rules: RuleSet, external, names):
        self.groups = groups
        self.rules = rules
        self.external = external
        self.names = names
        self.qualifiers = rules.third_placed.qualifiers
        self.third_points = {name: group.third_points() for name, group in groups.items()}
        # The strongest and the weakest third each group can give (figures of the thirds' criteria).
        # Scores that leave a group's third place level on everything are passed over where others exist:
        # the ranking of thirds could not place that group either way.
        self.strongest = {name: max(g.candidates, key=lambda c: (_third_settled(c), _strength(c)))
                          for name, g in groups.items()}
        self.weakest = {name: max(g.candidates, key=lambda c: (_third_settled(c), _negated(_strength(c))))
                        for name, g in groups.items()}

    def name(self, team: TeamKey) -> str:
        return self.names.get(team, str(team))

    def class_verdict(self, group_name: str, outcomes: tuple[str, ...], team: TeamKey) -> tuple[str, set[str]]:
        """IN, NOT_IN or MAYBE for one outcome class of the team's group, over every score and every
        result elsewhere, and what leaves it open ("the scores", "other groups")."""
        group = self.groups[group_name]
        positions = group.positions(outcomes, team)
        points = group.points[outcomes][team]
        sides, reasons = set(), set()
        for position in positions:
            if position <= 2:
                sides.add(IN)
            elif position >= 4:
                sides.add(NOT_IN)
            else:
                others = [name for name in self.groups if name != group_name]
                could_be_above = sum(self.third_points[name][1] >= points for name in others)
                surely_above = sum(self.third_points[name][0] > points for name in others)
                if could_be_above < self.qualifiers:
                    sides.add(IN)
                elif surely_above >= self.qualifiers:
                    sides.add(NOT_IN)
                else:
                    sides.add(MAYBE)
                    reasons.add("results in other groups")
        if len(positions) > 1 and len(sides) > 1:
            reasons.add("the scores in the group")
        return (sides.pop() if len(sides) == 1 else MAYBE), reasons

    def verdict(self, group_name: str, team: TeamKey) -> RaceVerdict:
        group = self.groups[group_name]
        fixtures = group.state.remaining
        own = [i for i, f in enumerate(fixtures) if team in (f.home, f.away)]
        by_result = []
        # Which ends are known to happen for some scores (True: through), and checked examples of them.
        reachable: set[bool] = set()
        examples: dict[bool, dict] = {}
        for own_outcomes in itertools.product(OUTCOMES, repeat=len(own)):
            classes = [
                outcomes for outcomes in group.points
                if all(outcomes[i] == o for i, o in zip(own, own_outcomes, strict=True))
            ]
            verdicts = [self.class_verdict(group_name, outcomes, team) for outcomes in classes]
            sides = {side for side, _ in verdicts}
            reasons = set().union(*(r for _, r in verdicts))
            if {IN, NOT_IN} <= sides:
                reasons.add("the other match in the group")
            # A class that is IN (NOT_IN) for every score proves that end happens.
            known = {side == IN for side in sides if side != MAYBE}
            if MAYBE in sides or len(known) < 2:
                for through, example in self._witnesses(group_name, team, set(classes), known).items():
                    known.add(through)
                    examples.setdefault(through, example)
            reachable |= known
            words = tuple(_own_result(team, fixtures[i], o) for i, o in zip(own, own_outcomes, strict=True))
            if sides == {IN}:
                status = CERTAIN
            elif sides == {NOT_IN}:
                status = OUT
            else:
                status = DEPENDS if known == {True, False} else UNDECIDED
            by_result.append(OwnResultVerdict(words, self._text(team, own, fixtures, words), status,
                                              tuple(sorted(reasons)) if status in (DEPENDS, UNDECIDED) else ()))
        statuses = {verdict.status for verdict in by_result}
        if statuses == {CERTAIN}:
            status = CERTAIN
        elif statuses == {OUT}:
            status = OUT
        else:
            status = DEPENDS if reachable == {True, False} else UNDECIDED
        shown = tuple(examples[side] for side in (True, False) if side in examples) if status == DEPENDS else ()
        return RaceVerdict(team, group_name, status, self._summary(team, status, by_result), tuple(by_result), shown)

    def _witnesses(
        self, group_name: str, team: TeamKey, classes: set[tuple[str, ...]], known: set[bool]
    ) -> dict[bool, dict]:
        """Concrete scores everywhere, ranked exactly, that put the team through (True) or not (False),
        for the ends not ``known`` yet: the other groups give their weakest thirds, or their strongest."""
        found: dict[bool, dict] = {}
        wanted = {True, False} - known
        for candidate in self.groups[group_name].candidates:
            if candidate.outcomes not in classes:
                continue
            for through, others in ((True, self.weakest), (False, self.strongest)):
                if through in found or through not in wanted:
                    continue
                chosen = {name: others[name] for name in self.groups if name != group_name}
                chosen[group_name] = candidate
                if self._through(group_name, team, chosen) is through:
                    found[through] = self._example(through, chosen)
            if set(found) == wanted:
                break
        return found

    def _through(self, group_name: str, team: TeamKey, chosen: Mapping[str, _Candidate]) -> bool | None:
        """Whether the team goes through with these scores, or None when the data cannot tell."""
        table = chosen[group_name].table
        positions = table.positions(team)
        if positions.stop - 1 <= 2:
            return True
        if positions.start >= 4:
            return False
        if positions != range(3, 4):
            return None
        thirds = rank_third_placed({name: c.table for name, c in chosen.items()}, self.rules, **self.external)
        status = thirds.row(group_name).status
        return True if status == QUALIFIED else False if status == THIRD_OUT else None

    def _example(self, through: bool, chosen: Mapping[str, _Candidate]) -> dict[str, Any]:
        scores = []
        for name, candidate in chosen.items():
            for fixture, (home_goals, away_goals) in zip(self.groups[name].state.remaining, candidate.scores,
                                                         strict=True):
                scores.append({"match_id": fixture.match_id, "home_goals": home_goals, "away_goals": away_goals})
        return {"through": through, "scores": scores}

    def _text(self, team, own: list[int], fixtures: Sequence[Fixture], words: tuple[str, ...]) -> str:
        parts = []
        for i, word in zip(own, words, strict=True):
            fixture = fixtures[i]
            opponent = self.name(fixture.away if fixture.home == team else fixture.home)
            parts.append(f"{_OWN_WORDS[word]} against {opponent}")
        return " and ".join(parts) or "whatever happens"

    def _summary(self, team, status: str, by_result: Sequence[OwnResultVerdict]) -> str:
        name = self.name(team)
        if status == CERTAIN:
            return f"{name} are sure to reach the round of 32."
        if status == OUT:
            return f"{name} can no longer reach the round of 32."
        sentences = []
        for verdict in by_result:
            if verdict.status == CERTAIN:
                sentences.append(f"through if they {verdict.text}")
            elif verdict.status == OUT:
                sentences.append(f"out if they {verdict.text}")
            elif verdict.status == DEPENDS:
                sentences.append(f"if they {verdict.text}, it depends on {_and(verdict.depends_on)}")
            else:
                sentences.append(f"if they {verdict.text}, not decided yet")
        text = "; ".join(sentences)
        return f"{name}: {text}."


def _strength(candidate: _Candidate) -> tuple[int, int, int]:
    row = candidate.table.rows[2]
    return row.points, row.goal_difference, row.goals_for


def _negated(values: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(-value for value in values)


def _third_settled(candidate: _Candidate) -> bool:
    return candidate.table.positions(candidate.table.rows[2].team) == range(3, 4)


def _own_result(team: TeamKey, fixture: Fixture, outcome: str) -> str:
    if outcome == "draw":
        return "draw"
    return "win" if (outcome == "home") == (team == fixture.home) else "defeat"


def _and(words: Sequence[str]) -> str:
    words = list(words) or ["other results"]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
