"""Knockout engine: a tie of one or two legs, extra time, the shootout kick by kick, the winner.

Pure Python on purpose (no Django), like ``standings``: the services, the bracket, the importer
and the tests feed it plain data and get plain answers. Rules and sources: docs/knockouts.md.

The API, all immutable values that refuse bad input with a ``ValueError`` naming what is wrong:

``Leg(home, away, home_goals, away_goals, home_extra_time_goals=None, away_extra_time_goals=None,
finished=True)``
    One match. ``home_goals``/``away_goals`` are the goals of the 90 minutes (stoppage time
    included; while live, the goals so far). Extra-time goals are kept apart, ``None`` for both
    while no extra time has been played.
``Kick(team, taker, outcome, retaken=False)`` and ``KickOutcome`` (scored, saved, missed)
    One shootout kick. ``retaken``: the referee ordered it taken again (the goalkeeper off the line,
    say); it then counts for nothing and the same team kicks again, the retake standing in its place.
    A kick disallowed for the kicker's own offence is not retaken: it is ``missed``.
``Shootout(first, second, kicks=())``
    Kicks in the order taken, ``first`` kicking first (ABAB, then sudden death pair by pair).
    ``score``, ``score_of(team)``, ``row(team)`` (the kicks that count, for display), ``voided``,
    ``next_team``, ``over``, ``winner``, ``sudden_death``, ``with_kick(kick)`` (a new shootout; a
    kick out of turn or after the end is refused), ``to_dict()``.
``Tie(home, away, rule_set, two_legged=True, legs=(), shootout=None, recorded_penalties=None)``
    ``home`` is at home in the first leg; the second leg is the reverse fixture. ``rule_set`` names
    a ``KNOCKOUT_RULE_SETS`` entry (the names of ``standings.RULE_SETS``). ``recorded_penalties``
    is a shootout known only by its result (imports), ``(home's, away's)``.
``tie_state(tie) -> TieState``
    ``aggregate``, ``away_goals`` (``None`` where they do not count), ``leader`` and ``leading_on``
    (who would go through if the scores stood), ``extra_time_due``, ``penalties_due``,
    ``penalties``, ``winner`` and ``decided_by``, ``sentence(names)``, ``to_dict(names)``.
    Pairs are in the tie's order: ``(home's, away's)``.

How a tie is decided (``DecidedBy``), in the order the rules apply them:

* ``aggregate``: more goals over the legs once the last leg's 90 minutes are over (for one leg,
  the match won in 90 minutes).
* ``away_goals``: level on aggregate, more away goals (``uefa-2019`` only, never for one leg),
  whether at the end of the 90 minutes or of extra time, where the visitors' extra-time goals are
  away goals too.
* ``extra_time``: level after the 90 minutes (on away goals too where they count), more goals
  on aggregate after extra time.
* ``penalties``: still level after extra time; the shootout decides. Its score is never added to
  the match score.

``extra_time_due`` and ``penalties_due`` answer for the scores as they stand: during the last leg
they say what happens if nothing changes; afterwards, what was due. A winner is given once nothing
can change it: the last leg finished, or the shootout over.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import Any

from .wording import gettext

TeamKey = Hashable

# Kicks each team takes before sudden death (IFAB Laws of the Game, Law 10.3).
KICKS_EACH = 5


class KickOutcome(StrEnum):
    SCORED = "scored"
    SAVED = "saved"
    MISSED = "missed"


class DecidedBy(StrEnum):
    AGGREGATE = "aggregate"
    AWAY_GOALS = "away_goals"
    EXTRA_TIME = "extra_time"
    PENALTIES = "penalties"


@dataclass(frozen=True, slots=True)
class KnockoutRules:
    name: str
    label: str
    # Level on aggregate, the team with more away goals goes through (never in a one-leg tie).
    away_goals: bool
    # The visitors' goals in extra time of the second leg are away goals too.
    away_goals_in_extra_time: bool


KNOCKOUT_RULE_SETS: dict[str, KnockoutRules] = {
    rules.name: rules
    for rules in (
        KnockoutRules(
            name="uefa-2019",
            label="UEFA knockout ties to 2020-21 (away goals, in extra time too)",
            away_goals=True,
            away_goals_in_extra_time=True,
        ),
        KnockoutRules(
            name="uefa-2021",
            label="UEFA knockout ties from 2021-22 (no away goals)",
            away_goals=False,
            away_goals_in_extra_time=False,
        ),
        KnockoutRules(
            name="uefa-league-phase-2024",
            label="UEFA knockout phase from 2024-25 (no away goals)",
            away_goals=False,
            away_goals_in_extra_time=False,
        ),
        # World Cup knockout matches are played once: away goals never apply (one-leg ties ignore them anyway).
        *(
            KnockoutRules(name=name, label=f"FIFA World Cup knockout matches ({name})", away_goals=False,
                          away_goals_in_extra_time=False)
            for name in ("fifa-1962", "fifa-1970", "fifa-1974", "fifa-1986", "fifa-1994", "fifa-1998", "fifa-2018",
                         "fifa-2026")
        ),
    )
}


def get_knockout_rules(name: str) -> KnockoutRules:
    try:
        return KNOCKOUT_RULE_SETS[name]
    except KeyError:
        known = ", ".join(sorted(KNOCKOUT_RULE_SETS))
        raise ValueError(f"unknown knockout rule set {name!r}; known rule sets: {known}") from None


def _check_goals(value: Any, what: str) -> None:
    # bool is an int in Python; True goals is a caller's mistake, not one goal.
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{what} must be a whole number of 0 or more, got {value!r}")


def _pair(first: int, second: int) -> str:
    return f"{first}-{second}"


@dataclass(frozen=True, slots=True)
class Leg:
    home: TeamKey
    away: TeamKey
    home_goals: int
    away_goals: int
    home_extra_time_goals: int | None = None
    away_extra_time_goals: int | None = None
    finished: bool = True

    def __post_init__(self) -> None:
        where = f"{self.home} v {self.away}"
        if self.home == self.away:
            raise ValueError(f"{where}: {self.home} cannot play itself")
        _check_goals(self.home_goals, f"{where}: home_goals")
        _check_goals(self.away_goals, f"{where}: away_goals")
        if (self.home_extra_time_goals is None) != (self.away_extra_time_goals is None):
            raise ValueError(f"{where}: give the extra-time goals of both teams, or of neither")
        if self.extra_time_played:
            _check_goals(self.home_extra_time_goals, f"{where}: home_extra_time_goals")
            _check_goals(self.away_extra_time_goals, f"{where}: away_extra_time_goals")
        if not isinstance(self.finished, bool):
            raise ValueError(f"{where}: finished must be True or False, got {self.finished!r}")

    @property
    def extra_time_played(self) -> bool:
        return self.home_extra_time_goals is not None


@dataclass(frozen=True, slots=True)
class Kick:
    team: TeamKey
    taker: str
    outcome: KickOutcome
    retaken: bool = False

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "outcome", KickOutcome(self.outcome))
        except ValueError:
            known = ", ".join(KickOutcome)
            raise ValueError(f"kick by {self.team}: outcome must be one of {known}, got {self.outcome!r}") from None
        if not isinstance(self.taker, str) or not self.taker.strip():
            raise ValueError(f"kick by {self.team}: taker must be the kicker's name, got {self.taker!r}")
        if not isinstance(self.retaken, bool):
            raise ValueError(f"kick by {self.team}: retaken must be True or False, got {self.retaken!r}")

    def to_dict(self) -> dict[str, Any]:
        return {"taker": self.taker, "outcome": str(self.outcome), "retaken": self.retaken}


def _shootout_winner(first_goals: int, first_kicks: int, second_goals: int, second_kicks: int) -> int | None:
    """0 or 1 for the team that has won, None while the other can still draw level.

    Both teams are due the same number of kicks: five, or in sudden death the current pair.
    Whoever has more goals than the other can reach with the kicks it is still due has won.
    """
    due = max(KICKS_EACH, first_kicks, second_kicks)
    if first_goals > second_goals + due - second_kicks:
        return 0
    if second_goals > first_goals + due - first_kicks:
        return 1
    return None


@dataclass(frozen=True)
class Shootout:
    first: TeamKey
    second: TeamKey
    kicks: tuple[Kick, ...] = ()
    # What the kicks add up to, worked out once on construction.
    _rows: tuple[tuple[Kick, ...], tuple[Kick, ...]] = field(init=False, repr=False, compare=False)
    _voided: tuple[Kick, ...] = field(init=False, repr=False, compare=False)
    _retake_due: int | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.first == self.second:
            raise ValueError("a shootout needs two different teams, first and second")
        object.__setattr__(self, "kicks", tuple(self.kicks))
        rows: tuple[list[Kick], list[Kick]] = ([], [])
        voided: list[Kick] = []
        retake_due: int | None = None  # which side must kick again after a kick ordered retaken
        for number, kick in enumerate(self.kicks, start=1):
            if not isinstance(kick, Kick):
                raise ValueError(f"kick {number}: expected a Kick, got {kick!r}")
            try:
                side = self._side(kick.team)
            except ValueError as error:
                raise ValueError(f"kick {number}: {error}") from None
            due = self._due(rows, retake_due)
            if due is None:
                score = _pair(
                    *sorted((sum(k.outcome is KickOutcome.SCORED for k in row) for row in rows), reverse=True)
                )
                winner = self._team(self._decided(rows))
                raise ValueError(f"kick {number}: the shootout is over, {winner} won {score}")
            if side != due:
                raise ValueError(f"kick {number}: it is {self._team(due)}'s turn to kick, not {kick.team}'s")
            if kick.retaken:
                voided.append(kick)
                retake_due = side
            else:
                rows[side].append(kick)
                retake_due = None
        object.__setattr__(self, "_rows", (tuple(rows[0]), tuple(rows[1])))
        object.__setattr__(self, "_voided", tuple(voided))
        object.__setattr__(self, "_retake_due", retake_due)

    def _side(self, team: TeamKey) -> int:
        if team == self.first:
            return 0
        if team == self.second:
            return 1
        raise ValueError(f"{team} is not in this shootout ({self.first} v {self.second})")

    def _team(self, side: int) -> TeamKey:
        return self.first if side == 0 else self.second

    @staticmethod
    def _decided(rows: Sequence[Sequence[Kick]]) -> int | None:
        goals = [sum(kick.outcome is KickOutcome.SCORED for kick in row) for row in rows]
        return _shootout_winner(goals[0], len(rows[0]), goals[1], len(rows[1]))

    def _due(self, rows: Sequence[Sequence[Kick]], retake_due: int | None) -> int | None:
        """The side to kick next, None once the shootout is won.

        A retake is due even after a kick that ended the shootout: the kick it replaces no longer counts.
        """
        if retake_due is not None:
            return retake_due
        if self._decided(rows) is not None:
            return None
        return 0 if len(rows[0]) == len(rows[1]) else 1

    def with_kick(self, kick: Kick) -> Shootout:
        """This shootout with one more kick; refused if out of turn, by another team, or after the end."""
        return Shootout(first=self.first, second=self.second, kicks=(*self.kicks, kick))

    def row(self, team: TeamKey) -> tuple[Kick, ...]:
        """The team's kicks that count, in order (a retake stands where the kick it replaced was)."""
        return self._rows[self._side(team)]

    def score_of(self, team: TeamKey) -> int:
        return sum(kick.outcome is KickOutcome.SCORED for kick in self.row(team))

    @property
    def score(self) -> tuple[int, int]:
        """(first's goals, second's goals)."""
        return self.score_of(self.first), self.score_of(self.second)

    @property
    def voided(self) -> tuple[Kick, ...]:
        """The kicks the referee ordered retaken, in order."""
        return self._voided

    @property
    def next_team(self) -> TeamKey | None:
        side = self._due(self._rows, self._retake_due)
        return None if side is None else self._team(side)

    @property
    def over(self) -> bool:
        return self.next_team is None

    @property
    def winner(self) -> TeamKey | None:
        if not self.over:
            return None
        return self._team(self._decided(self._rows))

    @property
    def sudden_death(self) -> bool:
        """Both teams have taken their five kicks: from now on the shootout goes pair by pair."""
        return min(len(row) for row in self._rows) >= KICKS_EACH

    def to_dict(self) -> dict[str, Any]:
        return {
            "first": self.first,
            "second": self.second,
            "score": list(self.score),
            "rows": [
                {"team": team, "kicks": [kick.to_dict() for kick in self.row(team)]}
                for team in (self.first, self.second)
            ],
            "voided": [{"team": kick.team, **kick.to_dict()} for kick in self.voided],
            "next": self.next_team,
            "over": self.over,
            "winner": self.winner,
            "sudden_death": self.sudden_death,
        }


@cache
def _final_scores_within_five() -> frozenset[tuple[int, int]]:
    """Every score at which a shootout can end within the first five kicks each (from 2**10 sequences)."""
    finals = set()
    for outcomes in itertools.product((True, False), repeat=2 * KICKS_EACH):
        goals, kicks = [0, 0], [0, 0]
        for number, scored in enumerate(outcomes):
            side = number % 2
            kicks[side] += 1
            goals[side] += scored
            if _shootout_winner(goals[0], kicks[0], goals[1], kicks[1]) is not None:
                finals.add((goals[0], goals[1]))
                break
    return frozenset(finals)


def final_shootout_score_possible(first: int, second: int) -> bool:
    """Whether a shootout can end at this score (either side ahead).

    It ends as soon as it is decided, so 4-0 cannot happen (3-0 after three each already ended it),
    and sudden death is always won by one goal.
    """
    if any(isinstance(goals, bool) or not isinstance(goals, int) or goals < 0 for goals in (first, second)):
        return False
    return (first, second) in _final_scores_within_five() or abs(first - second) == 1


@dataclass(frozen=True, kw_only=True)
class Tie:
    home: TeamKey
    away: TeamKey
    rule_set: str
    two_legged: bool = True
    legs: tuple[Leg, ...] = ()
    shootout: Shootout | None = None
    recorded_penalties: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "legs", tuple(self.legs))
        if self.recorded_penalties is not None:
            object.__setattr__(self, "recorded_penalties", tuple(self.recorded_penalties))
        _validate(self)

    @property
    def rules(self) -> KnockoutRules:
        return get_knockout_rules(self.rule_set)

    @property
    def deciding_leg(self) -> Leg | None:
        """The leg that can go to extra time: the second of two, or the only one; None until it exists."""
        wanted = 2 if self.two_legged else 1
        return self.legs[wanted - 1] if len(self.legs) == wanted else None

    @property
    def uses_away_goals(self) -> bool:
        return self.two_legged and self.rules.away_goals


@dataclass(frozen=True, slots=True)
class _Count:
    """Both teams' goals at one moment of the tie, in the tie's order."""

    aggregate: tuple[int, int]
    away_goals: tuple[int, int] | None

    @property
    def leader(self) -> tuple[int | None, DecidedBy | None]:
        """Which side (0 home, 1 away) would go through if the scores stood, and on what."""
        home, away = self.aggregate
        if home != away:
            return (0 if home > away else 1), DecidedBy.AGGREGATE
        if self.away_goals is not None and self.away_goals[0] != self.away_goals[1]:
            return (0 if self.away_goals[0] > self.away_goals[1] else 1), DecidedBy.AWAY_GOALS
        return None, None


def _count(tie: Tie, *, with_extra_time: bool) -> _Count:
    home_goals = away_goals = 0
    home_away_goals = away_away_goals = 0
    for number, leg in enumerate(tie.legs, start=1):
        extra = with_extra_time and leg.extra_time_played
        leg_home = leg.home_goals + (leg.home_extra_time_goals if extra else 0)
        leg_away = leg.away_goals + (leg.away_extra_time_goals if extra else 0)
        # Goals scored by the visitors of a leg; in extra time they count only where the rules say so.
        visitors = leg.away_goals + (leg.away_extra_time_goals if extra and tie.rules.away_goals_in_extra_time else 0)
        if number == 1:
            home_goals, away_goals = home_goals + leg_home, away_goals + leg_away
            away_away_goals += visitors
        else:
            home_goals, away_goals = home_goals + leg_away, away_goals + leg_home
            home_away_goals += visitors
    away = (home_away_goals, away_away_goals) if tie.uses_away_goals else None
    return _Count((home_goals, away_goals), away)


def _describe(tie: Tie, count: _Count, names: Mapping[TeamKey, str] | None) -> str:
    """ "Liverpool lead 2-1 on aggregate", "Level 3-3 on aggregate, Tottenham lead on away goals"."""
    side, on = count.leader
    home, away = count.aggregate
    if on is DecidedBy.AGGREGATE:
        text = gettext("%(team)s lead %(score)s on aggregate") if tie.two_legged else gettext("%(team)s lead %(score)s")
        return text % {"team": _name(tie, side, names), "score": _pair(max(home, away), min(home, away))}
    level = _level(_pair(home, away), on_aggregate=tie.two_legged, after_extra_time=False)
    if on is DecidedBy.AWAY_GOALS:
        return gettext("%(level)s, %(team)s lead on away goals") % {"level": level, "team": _name(tie, side, names)}
    return level


def _level(score: str, *, on_aggregate: bool, after_extra_time: bool) -> str:
    if on_aggregate and after_extra_time:
        return gettext("Level %(score)s on aggregate after extra time") % {"score": score}
    if on_aggregate:
        return gettext("Level %(score)s on aggregate") % {"score": score}
    if after_extra_time:
        return gettext("Level %(score)s after extra time") % {"score": score}
    return gettext("Level %(score)s") % {"score": score}


def _name(tie: Tie, side: int, names: Mapping[TeamKey, str] | None) -> str:
    team = tie.home if side == 0 else tie.away
    return str(names.get(team, team)) if names else str(team)


def _validate(tie: Tie) -> None:
    get_knockout_rules(tie.rule_set)  # refuses an unknown name
    if tie.home == tie.away:
        raise ValueError(f"a tie needs two different teams, got {tie.home} twice")
    allowed = 2 if tie.two_legged else 1
    if len(tie.legs) > allowed:
        kind = "a two-leg tie has 2 legs" if tie.two_legged else "a one-leg tie has 1 leg"
        raise ValueError(f"{kind}, got {len(tie.legs)}")
    for number, leg in enumerate(tie.legs, start=1):
        if not isinstance(leg, Leg):
            raise ValueError(f"leg {number}: expected a Leg, got {leg!r}")
        expected = (tie.home, tie.away) if number == 1 else (tie.away, tie.home)
        if {leg.home, leg.away} != {tie.home, tie.away}:
            raise ValueError(f"leg {number}: {leg.home} v {leg.away} is not a leg of {tie.home} v {tie.away}")
        if (leg.home, leg.away) != expected:
            raise ValueError(f"leg {number}: {leg.home} v {leg.away} should be {expected[0]} at home to {expected[1]}")
        if number == 2 and not tie.legs[0].finished:
            raise ValueError(gettext("leg 2 cannot start before leg 1 is finished"))
        if leg.extra_time_played and number != allowed:
            raise ValueError(
                gettext("leg %(number)s: extra time is played only at the end of the second leg") % {"number": number}
            )
    deciding = tie.deciding_leg
    number = len(tie.legs)
    after_90 = _count(tie, with_extra_time=False)
    if deciding is not None and after_90.leader[1] is not None and deciding.extra_time_played:
        phrase = _describe(tie, after_90, None)
        phrase = phrase[0].lower() + phrase[1:] if phrase.startswith("Level") else phrase
        raise ValueError(
            gettext("leg %(number)s: extra time, but %(score)s after 90 minutes") % {"number": number, "score": phrase}
        )
    if deciding is not None and deciding.finished and after_90.leader[1] is None and not deciding.extra_time_played:
        raise ValueError(
            gettext("leg %(number)s is finished level after 90 minutes but has no extra time") % {"number": number}
        )
    shootout_given = tie.shootout is not None or tie.recorded_penalties is not None
    if not shootout_given:
        return
    if tie.shootout is not None and tie.recorded_penalties is not None:
        raise ValueError("give the shootout kick by kick or its recorded result (recorded_penalties), not both")
    if deciding is None:
        raise ValueError(gettext("penalties before the deciding leg"))
    if _count(tie, with_extra_time=True).leader[1] is not None:
        raise ValueError(gettext("penalties while the tie is not level"))
    if not deciding.extra_time_played:
        raise ValueError(gettext("penalties before extra time: a shootout follows extra time of the deciding leg"))
    if tie.shootout is not None and {tie.shootout.first, tie.shootout.second} != {tie.home, tie.away}:
        raise ValueError(
            f"the shootout is between {tie.shootout.first} and {tie.shootout.second}, "
            f"the tie between {tie.home} and {tie.away}"
        )
    if tie.recorded_penalties is not None:
        if len(tie.recorded_penalties) != 2:
            raise ValueError(f"recorded_penalties must be (home's, away's), got {tie.recorded_penalties!r}")
        for goals in tie.recorded_penalties:
            _check_goals(goals, "recorded_penalties")
        if not final_shootout_score_possible(*tie.recorded_penalties):
            raise ValueError(
                gettext("recorded_penalties %(score)s cannot end a shootout")
                % {"score": _pair(*tie.recorded_penalties)}
            )


@dataclass(frozen=True)
class TieState:
    tie: Tie
    started: bool
    aggregate: tuple[int, int]
    away_goals: tuple[int, int] | None
    leader: TeamKey | None
    leading_on: DecidedBy | None
    extra_time_due: bool
    penalties_due: bool
    penalties: tuple[int, int] | None
    winner: TeamKey | None
    decided_by: DecidedBy | None

    def sentence(self, names: Mapping[TeamKey, str] | None = None) -> str:
        """The state in plain English; ``names`` maps team keys to what to print (default ``str(team)``)."""
        tie = self.tie

        def name(team: TeamKey) -> str:
            return str(names.get(team, team)) if names else str(team)

        if not self.started:
            return gettext("%(home)s v %(away)s, not started") % {"home": name(tie.home), "away": name(tie.away)}
        home, away = self.aggregate
        high, low = _pair(max(home, away), min(home, away)), _pair(home, away)
        extra = tie.deciding_leg is not None and tie.deciding_leg.extra_time_played
        winner = name(self.winner) if self.winner is not None else ""
        # Whole sentences, each its own message: word order differs between languages.
        if self.decided_by is DecidedBy.AGGREGATE or (self.decided_by is DecidedBy.EXTRA_TIME and not extra):
            text = (gettext("%(team)s win %(score)s on aggregate") if tie.two_legged
                    else gettext("%(team)s win %(score)s"))
            return text % {"team": winner, "score": high}
        if self.decided_by is DecidedBy.EXTRA_TIME:
            text = (gettext("%(team)s win %(score)s on aggregate after extra time") if tie.two_legged
                    else gettext("%(team)s win %(score)s after extra time"))
            return text % {"team": winner, "score": high}
        if self.decided_by is DecidedBy.AWAY_GOALS:
            text = (gettext("%(team)s win on away goals after extra time, %(score)s on aggregate") if extra
                    else gettext("%(team)s win on away goals, %(score)s on aggregate"))
            return text % {"team": winner, "score": low}
        if self.decided_by is DecidedBy.PENALTIES:
            text = (gettext("%(team)s win %(penalties)s on penalties, %(score)s on aggregate") if tie.two_legged
                    else gettext("%(team)s win %(penalties)s on penalties after a %(score)s draw"))
            return text % {"team": winner, "penalties": _pair(*sorted(self.penalties, reverse=True)), "score": low}
        # While extra time is being played nobody knows yet that it is over: no talk of penalties.
        if self.penalties_due and (self.penalties is not None or tie.deciding_leg.finished):
            so_far = _level(low, on_aggregate=tie.two_legged, after_extra_time=extra)
            if self.penalties is None:
                return gettext("%(level)s, penalties") % {"level": so_far}
            if self.penalties[0] == self.penalties[1]:
                return gettext("%(level)s, %(penalties)s on penalties") % {
                    "level": so_far, "penalties": _pair(*self.penalties)}
            ahead = tie.home if self.penalties[0] > self.penalties[1] else tie.away
            return gettext("%(level)s, %(team)s lead %(penalties)s on penalties") % {
                "level": so_far, "team": name(ahead), "penalties": _pair(*sorted(self.penalties, reverse=True))}
        return _describe(tie, _Count(self.aggregate, self.away_goals), names)

    def to_dict(self, names: Mapping[TeamKey, str] | None = None) -> dict[str, Any]:
        shootout = self.tie.shootout
        return {
            "rule_set": self.tie.rule_set,
            "aggregate": list(self.aggregate),
            "away_goals": None if self.away_goals is None else list(self.away_goals),
            "leader": self.leader,
            "leading_on": None if self.leading_on is None else str(self.leading_on),
            "extra_time_due": self.extra_time_due,
            "penalties_due": self.penalties_due,
            "penalties": None if self.penalties is None else list(self.penalties),
            "shootout": None if shootout is None else shootout.to_dict(),
            "winner": self.winner,
            "decided_by": None if self.decided_by is None else str(self.decided_by),
            "sentence": self.sentence(names),
        }


def tie_state(tie: Tie) -> TieState:
    """Where the tie stands: aggregate, who leads and on what, what is due next, the winner."""
    deciding = tie.deciding_leg
    after_90 = _count(tie, with_extra_time=False)
    now = _count(tie, with_extra_time=True)
    side, leading_on = now.leader
    extra_time_due = deciding is not None and after_90.leader[1] is None
    penalties_due = extra_time_due and deciding.extra_time_played and leading_on is None
    penalties = _penalties(tie)

    winner_side: int | None = None
    decided_by: DecidedBy | None = None
    if penalties_due:
        if tie.shootout is not None and tie.shootout.over:
            winner_side = 0 if tie.shootout.winner == tie.home else 1
            decided_by = DecidedBy.PENALTIES
        elif tie.recorded_penalties is not None:
            winner_side = 0 if penalties[0] > penalties[1] else 1
            decided_by = DecidedBy.PENALTIES
    elif deciding is not None and deciding.finished:
        winner_side = side
        if leading_on is DecidedBy.AWAY_GOALS:
            decided_by = DecidedBy.AWAY_GOALS
        else:
            decided_by = DecidedBy.EXTRA_TIME if extra_time_due else DecidedBy.AGGREGATE

    def team(index: int | None) -> TeamKey | None:
        return None if index is None else (tie.home, tie.away)[index]

    return TieState(
        tie=tie,
        started=bool(tie.legs),
        aggregate=now.aggregate,
        away_goals=now.away_goals,
        leader=team(side),
        leading_on=leading_on,
        extra_time_due=extra_time_due,
        penalties_due=penalties_due,
        penalties=penalties,
        winner=team(winner_side),
        decided_by=decided_by,
    )


def _penalties(tie: Tie) -> tuple[int, int] | None:
    if tie.recorded_penalties is not None:
        return tie.recorded_penalties
    if tie.shootout is not None:
        return tie.shootout.score_of(tie.home), tie.shootout.score_of(tie.away)
    return None
