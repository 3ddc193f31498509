"""Reading openfootball's football.json files into plain fixtures, stages and ties.

Pure parsing: no Django. `events.services.import_competition` stores what this returns.

Real files have errors. A file that is not football.json at all (not JSON, no `matches`
list) is refused with the line named. Anything wrong inside one match is a *problem*: the
match is imported as far as it is sound, and the problem names its line, its field and what
was kept. Nothing is guessed: a shootout recorded level, a second leg whose extra time could
not have been played, a past match without a score are kept without the part that is wrong,
for an admin to correct through the services.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

# openfootball gives kick-off times in the local time of the competition; European
# club competitions and the Premier League files both use Central European Time here.
DEFAULT_ZONE = ZoneInfo("Europe/Berlin")
DEFAULT_TIME = "20:00"

GROUP_ROUND = re.compile(r"^Group\s+(?P<name>\w+)$", re.IGNORECASE)
LEAGUE_ROUND = re.compile(r"^Matchday\s+(?P<number>\d+)$", re.IGNORECASE)
# Since 2024-25: "League, Matchday 1", "Playoffs, Matchday 2", "Finals, Round of 16".
PHASE_ROUND = re.compile(r"^(?P<phase>League|Playoffs?|Finals),\s*(?P<rest>.+)$", re.IGNORECASE)
TEAM_WITH_COUNTRY = re.compile(r"^(?P<name>.+?)\s*\((?P<country>[A-Z]{3})\)$")
SEASON = re.compile(r"(?P<start>(19|20)\d{2})\s*[/-]\s*(?P<end>\d{2,4})")

GROUP_STAGE = "Group stage"
LEAGUE_PHASE = "League phase"
PLAY_OFFS = "Knockout phase play-offs"
# Knockout round names as UEFA writes them.
KNOCKOUT_NAMES = {
    "round of 32": "Round of 32",
    "round of 16": "Round of 16",
    "quarterfinals": "Quarter-finals",
    "quarter-finals": "Quarter-finals",
    "semifinals": "Semi-finals",
    "semi-finals": "Semi-finals",
    "final": "Final",
}
# The rule set of a league phase (events.standings.RULE_SETS).
LEAGUE_PHASE_RULE_SET = "uefa-league-phase-2024"


class ImportFormatError(ValueError):
    """The file is not football.json as we read it; the message names the line and field."""


class StageKind:
    GROUPS = "groups"
    LEAGUE = "league"
    KNOCKOUT = "knockout"


@dataclass(frozen=True)
class Problem:
    """Something wrong in one match of the file, and what the import kept of it."""

    line: int
    index: int
    field: str
    message: str
    kept: str

    def __str__(self) -> str:
        return f"line {self.line}, matches[{self.index}], field '{self.field}': {self.message}; kept: {self.kept}"


@dataclass(frozen=True)
class FixtureData:
    round_name: str
    group_name: str | None  # "Group E", the league's single table, "League phase"; None for knockout rounds
    matchday: int | None
    home: str
    home_country: str
    away: str
    away_country: str
    kickoff: datetime
    # The final result (after extra time when there was extra time); None when not played or not sound.
    home_goals: int | None
    away_goals: int | None
    line: int
    stage_name: str = ""
    stage_kind: str = StageKind.KNOCKOUT
    index: int = 0
    # Of the final result, the goals scored in extra time; None when there was no extra time.
    home_extra_time_goals: int | None = None
    away_extra_time_goals: int | None = None
    home_penalties: int | None = None
    away_penalties: int | None = None
    venue: str = ""
    # The goals as the file lists them, in the order scored; None when the file gives no goal list
    # (the result is then all we know) or when the list could not be trusted (a problem says why).
    goals: tuple[GoalData, ...] | None = None
    # The organiser's match number ("num"), where the file gives it.
    number: int | None = None

    @property
    def played(self) -> bool:
        return self.home_goals is not None

    @property
    def extra_time_played(self) -> bool:
        return self.home_extra_time_goals is not None


@dataclass(frozen=True)
class GoalData:
    """One goal of a match's record. `home`: the goal counts for the home side. `scorer` plays for the home
    side unless it is an own goal. `kind` is an EventKind value: goal, penalty_goal or own_goal."""

    home: bool
    scorer: str
    minute: int
    added_minute: int | None
    kind: str

    @property
    def scorer_is_home(self) -> bool:
        return self.home != (self.kind == "own_goal")


# A match as the file names it: (round, home team, away team).
LegKey = tuple[str, str, str]


@dataclass(frozen=True)
class TieData:
    """The legs of one knockout tie, in the order they were played."""

    stage_name: str
    legs: tuple[LegKey, ...]


@dataclass(frozen=True)
class StageData:
    name: str
    kind: str
    order: int
    legs: int  # legs per tie; 1 for groups and leagues
    rule_set: str = ""  # blank: the competition's


@dataclass(frozen=True)
class CompetitionData:
    name: str
    season: str
    rule_set: str
    fixtures: list[FixtureData]
    stages: list[StageData] = field(default_factory=list)
    ties: list[TieData] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def parse_football_json(
    text: str,
    *,
    rule_set: str | None = None,
    league_table_name: str = "League",
    now: datetime | None = None,
) -> CompetitionData:
    """`now`: matches dated before it should have a score; one without is reported (default: never)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFormatError(f"line {error.lineno}, column {error.colno}: not valid JSON ({error.msg})") from None
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        raise ImportFormatError("line 1: the file needs a top-level object with a 'name'")
    if not isinstance(data.get("matches"), list):
        raise ImportFormatError("line 1: the file needs a 'matches' list")
    name, season = split_name_and_season(data["name"])
    lines = match_lines(text)
    problems: list[Problem] = []
    fixtures = []
    for index, match in enumerate(data["matches"]):
        line = lines[index] if index < len(lines) else 0
        fixture = parse_match(match, index, line, league_table_name, problems)
        if fixture is None:
            continue
        reported = any(problem.index == index for problem in problems)
        if fixture.played is False and now is not None and fixture.kickoff < now and not reported:
            problems.append(
                Problem(line, index, "score", "no score, though the match is dated in the past",
                        "the fixture, as not played")
            )
        fixtures.append(fixture)
    ties = build_ties(fixtures, problems)
    stages = build_stages(fixtures, ties)
    return CompetitionData(
        name=name,
        season=season,
        rule_set=rule_set or default_rule_set(name, season),
        fixtures=fixtures,
        stages=stages,
        ties=ties,
        problems=sorted(problems, key=lambda problem: (problem.line, problem.field)),
    )


def split_name_and_season(full_name: str) -> tuple[str, str]:
    """'UEFA Champions League 2019/20' → ('UEFA Champions League', '2019-20')."""
    found = SEASON.search(full_name)
    if not found:
        raise ImportFormatError(f"line 1, field 'name': no season in {full_name!r} (expected e.g. '2019/20')")
    start, end = found["start"], found["end"]
    name = (full_name[: found.start()] + full_name[found.end() :]).strip()
    return name, f"{start}-{end[-2:]}"


def default_rule_set(name: str, season: str) -> str:
    """UEFA club competitions by season (away goals went in 2021-22); any other competition is a league."""
    if re.search(r"\b(UEFA|Champions League|Europa League|Conference League)\b", name, re.IGNORECASE):
        return "uefa-2021" if int(season[:4]) >= 2021 else "uefa-2019"
    return "league"


def classify_round(round_name: str, league_table_name: str) -> tuple[str, str, str | None, int | None]:
    """(stage name, stage kind, group name, matchday) of a round as the files name it."""
    if found := GROUP_ROUND.match(round_name):
        return GROUP_STAGE, StageKind.GROUPS, f"Group {found['name'].upper()}", None
    if found := LEAGUE_ROUND.match(round_name):
        return league_table_name, StageKind.LEAGUE, league_table_name, int(found["number"])
    if found := PHASE_ROUND.match(round_name):
        phase, rest = found["phase"].lower(), found["rest"].strip()
        matchday = LEAGUE_ROUND.match(rest)
        if phase == "league":
            return LEAGUE_PHASE, StageKind.LEAGUE, LEAGUE_PHASE, int(matchday["number"]) if matchday else None
        if phase.startswith("playoff"):
            return PLAY_OFFS, StageKind.KNOCKOUT, None, None
        round_name = rest
    return KNOCKOUT_NAMES.get(round_name.lower(), round_name), StageKind.KNOCKOUT, None, None


def parse_match(match, index: int, line: int, league_table_name: str, problems: list[Problem]) -> FixtureData | None:
    """One match, or None (with a problem) when it cannot be placed at all."""

    def skip(field_name: str, message: str) -> None:
        problems.append(Problem(line, index, field_name, message, "nothing of this match"))

    if not isinstance(match, dict):
        skip("", "expected an object")
        return None
    for field_name in ("round", "date", "team1", "team2"):
        if not isinstance(match.get(field_name), str) or not match[field_name].strip():
            skip(field_name, "missing or not text")
            return None
    round_name = match["round"].strip()
    stage_name, stage_kind, group, matchday = classify_round(round_name, league_table_name)
    home, home_country = split_team(match["team1"])
    away, away_country = split_team(match["team2"])
    if home == away:
        skip("team2", "a team cannot play itself")
        return None
    try:
        kickoff = datetime.fromisoformat(f"{match['date']}T{match.get('time') or DEFAULT_TIME}")
    except (ValueError, TypeError):
        skip("date", f"not a date and time: {match['date']!r} {match.get('time')!r}")
        return None
    fixture = FixtureData(
        round_name=round_name,
        group_name=group,
        matchday=matchday,
        home=home,
        home_country=home_country,
        away=away,
        away_country=away_country,
        kickoff=kickoff.replace(tzinfo=DEFAULT_ZONE),
        home_goals=None,
        away_goals=None,
        line=line,
        stage_name=stage_name,
        stage_kind=stage_kind,
        index=index,
    )
    return _with_score(fixture, match.get("score"), problems)


def _with_score(
    fixture: FixtureData, score, problems: list[Problem], *, extra_time_in_tables: bool = False
) -> FixtureData:
    """The fixture with as much of its score as is sound; each unsound part reported.

    `extra_time_in_tables`: group matches level after 90 minutes went to extra time (World Cup 1954).
    """

    def report(field_name: str, message: str, kept: str) -> None:
        problems.append(Problem(fixture.line, fixture.index, field_name, message, kept))

    if score is None or score == {}:
        return fixture
    if not isinstance(score, dict):
        report("score", "expected an object", "the fixture, without a result")
        return fixture
    pairs: dict[str, tuple[int, int]] = {}
    for key in ("ft", "et", "p"):
        if key not in score:
            continue
        value = score[key]
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not all(isinstance(goals, int) and not isinstance(goals, bool) and goals >= 0 for goals in value)
        ):
            kept = "the result without the shootout" if key == "p" else "the fixture, without a result"
            report(f"score.{key}", f"expected two whole numbers, got {value!r}", kept)
            if key != "p":
                return fixture
            continue
        pairs[key] = (value[0], value[1])
    if "ft" not in pairs:
        report("score", "no 'ft' result", "the fixture, without a result")
        return fixture
    ft = pairs["ft"]
    et = pairs.get("et")
    knockout = fixture.stage_kind == StageKind.KNOCKOUT
    if et is not None and not knockout and not (extra_time_in_tables and ft[0] == ft[1]):
        report("score.et", "extra time in a match of a table, which never goes to extra time",
               "the fixture, without a result")
        return fixture
    if et is not None and (et[0] < ft[0] or et[1] < ft[1]):
        report("score.et", f"the score after extra time {et[0]}-{et[1]} is below the score after 90 minutes "
               f"{ft[0]}-{ft[1]}", "the fixture, without a result")
        return fixture
    final = et or ft
    fixture = replace(fixture, home_goals=final[0], away_goals=final[1])
    if et is not None:
        fixture = replace(fixture, home_extra_time_goals=et[0] - ft[0], away_extra_time_goals=et[1] - ft[1])
    penalties = pairs.get("p")
    if penalties is None:
        return fixture
    if not knockout:
        report("score.p", "a shootout in a match of a table", "the result without the shootout")
    elif penalties[0] == penalties[1]:
        report("score.p", f"a shootout cannot end level ({penalties[0]}-{penalties[1]})",
               "the result without the shootout; the tie's winner is left for an admin to settle")
    else:
        fixture = replace(fixture, home_penalties=penalties[0], away_penalties=penalties[1])
    return fixture


def build_ties(fixtures: list[FixtureData], problems: list[Problem]) -> list[TieData]:
    """Knockout matches of one stage between the same two teams are the legs of one tie.

    Checks each tie's legs against each other: extra time and a shootout are only played when
    the tie is level after 90 minutes of its last leg (away goals aside, which the rule set
    decides later); a leg that says otherwise is reported and loses that part.
    """
    by_pair: dict[tuple[str, frozenset[str]], list[int]] = defaultdict(list)
    for position, fixture in enumerate(fixtures):
        if fixture.stage_kind == StageKind.KNOCKOUT:
            by_pair[(fixture.stage_name, frozenset((fixture.home, fixture.away)))].append(position)
    ties = []
    for (stage_name, _pair), positions in by_pair.items():
        positions.sort(key=lambda position: (fixtures[position].kickoff, fixtures[position].index))
        if len(positions) > 2:
            for extra in positions[2:]:
                fixture = fixtures[extra]
                problems.append(Problem(fixture.line, fixture.index, "round",
                                        f"a third match of the same two teams in the {stage_name}",
                                        "the match, outside any tie"))
            positions = positions[:2]
        if len(positions) == 2 and fixtures[positions[0]].home == fixtures[positions[1]].home:
            fixture = fixtures[positions[1]]
            problems.append(Problem(fixture.line, fixture.index, "team1",
                                    "both legs at the same team's home", "the match, outside any tie"))
            positions = positions[:1]
        _check_legs(fixtures, positions, problems)
        legs = tuple((fixtures[p].round_name, fixtures[p].home, fixtures[p].away) for p in positions)
        ties.append(TieData(stage_name=stage_name, legs=legs))
    return ties


def _check_legs(fixtures: list[FixtureData], positions: list[int], problems: list[Problem]) -> None:
    for earlier in positions[:-1]:
        fixture = fixtures[earlier]
        if fixture.extra_time_played or fixture.home_penalties is not None:
            problems.append(Problem(fixture.line, fixture.index, "score.et",
                                    "extra time or a shootout in a first leg",
                                    "the fixture, without a result"))
            fixtures[earlier] = _without_result(fixture)
    last_position = positions[-1]
    last = fixtures[last_position]
    if not last.played or not all(fixtures[p].played for p in positions):
        return
    team_a = last.home
    regular = {team: 0 for team in (last.home, last.away)}
    for position in positions:
        leg = fixtures[position]
        regular[leg.home] += leg.home_goals - (leg.home_extra_time_goals or 0)
        regular[leg.away] += leg.away_goals - (leg.away_extra_time_goals or 0)
    other = last.away
    level_after_90 = regular[team_a] == regular[other]
    if last.extra_time_played and not level_after_90:
        problems.append(Problem(
            last.line, last.index, "score.et",
            f"extra time recorded though the tie was not level after 90 minutes "
            f"({team_a} {regular[team_a]}-{regular[other]} {other} on aggregate): 'ft' may already include "
            "extra time",
            "the final score; how many of its goals came in extra time is unknown",
        ))
        fixtures[last_position] = replace(last, home_extra_time_goals=0, away_extra_time_goals=0)
        return
    final = {team: 0 for team in (team_a, other)}
    for position in positions:
        leg = fixtures[position]
        final[leg.home] += leg.home_goals
        final[leg.away] += leg.away_goals
    already_reported = any(p.index == last.index and p.field == "score.p" for p in problems)
    level_after_extra_time = final[team_a] == final[other] and last.extra_time_played
    if last.home_penalties is None and level_after_extra_time and not already_reported:
        problems.append(Problem(
            last.line, last.index, "score.p",
            f"the tie is level after extra time ({team_a} {final[team_a]}-{final[other]} {other} on aggregate) "
            "but no shootout is recorded",
            "the result; the tie's winner is left for an admin to settle",
        ))
    if last.home_penalties is not None and final[team_a] != final[other]:
        problems.append(Problem(
            last.line, last.index, "score.p",
            f"a shootout recorded though the tie was not level ({team_a} {final[team_a]}-{final[other]} {other} "
            "on aggregate)",
            "the result without the shootout",
        ))
        fixtures[last_position] = replace(last, home_penalties=None, away_penalties=None)


def _without_result(fixture: FixtureData) -> FixtureData:
    return replace(fixture, home_goals=None, away_goals=None, home_extra_time_goals=None,
                   away_extra_time_goals=None, home_penalties=None, away_penalties=None)


def build_stages(fixtures: list[FixtureData], ties: list[TieData]) -> list[StageData]:
    """The stages in the order they were played (by their first match)."""
    first: dict[str, tuple[datetime, str]] = {}
    for fixture in fixtures:
        if fixture.stage_name not in first or fixture.kickoff < first[fixture.stage_name][0]:
            first[fixture.stage_name] = (fixture.kickoff, fixture.stage_kind)
    legs: dict[str, int] = defaultdict(lambda: 1)
    for tie in ties:
        legs[tie.stage_name] = max(legs[tie.stage_name], len(tie.legs))
    ordered = sorted(first.items(), key=lambda item: item[1][0])
    return [
        StageData(
            name=name,
            kind=kind,
            order=order,
            legs=legs[name] if kind == StageKind.KNOCKOUT else 1,
            rule_set=LEAGUE_PHASE_RULE_SET if name == LEAGUE_PHASE else "",
        )
        for order, (name, (_kickoff, kind)) in enumerate(ordered, start=1)
    ]


def split_team(text: str) -> tuple[str, str]:
    found = TEAM_WITH_COUNTRY.match(text.strip())
    return (found["name"], found["country"]) if found else (text.strip(), "")


def match_lines(text: str) -> list[int]:
    """The line on which each object of the 'matches' list starts, for error messages."""
    decoder = json.JSONDecoder()
    start = text.find('"matches"')
    if start < 0:
        return []
    position = text.find("[", start) + 1
    lines = []
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if position >= len(text) or text[position] == "]":
            return lines
        lines.append(text.count("\n", 0, position) + 1)
        try:
            _, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError:
            return lines
