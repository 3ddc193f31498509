"""Reading openfootball's World Cup files (worldcup.json, 1930 onwards) into the importer's plain data.

Pure parsing: no Django. `events.services.import_competition` stores what this returns, as it does for
the club files (`events.importer`), whose `Problem`, `FixtureData` and tie checks are reused here.

The World Cup files differ from the club files: the group is a field of its own and rounds are named by
tournament day ("Matchday 7"); some editions had second group rounds (1974-1982), group play-offs (1954,
1958), a final group without a `group` field (1950) and replays of drawn matches (1934, 1938); kick-off
times carry their UTC offset ("13:00 UTC-6") or are the host's local time; goals come with scorer, minute
("90+2" or an `offset`), `penalty` and `owngoal`. As for the club files, anything wrong in one match is a
problem naming its line, field and what was kept; nothing is guessed. A match whose goals disagree with
its score keeps its score and loses its goals.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from .importer import (
    DEFAULT_TIME,
    CompetitionData,
    FixtureData,
    GoalData,
    ImportFormatError,
    Problem,
    StageKind,
    _with_score,
    build_stages,
    build_ties,
    match_lines,
    split_team,
)
from .knockouts import final_shootout_score_possible, get_knockout_rules
from .standings import WORLD_CUP_RULE_SETS

COMPETITION_NAME = "FIFA World Cup"
WORLD_CUP_NAME = re.compile(r"^\s*(FIFA\s+)?World\s+Cup\s+(?P<year>(19|20)\d{2})\s*$", re.IGNORECASE)
TIME = re.compile(r"^(?P<clock>\d{1,2}:\d{2})(\s*UTC\s*(?P<hours>[+-]\d{1,2})(:?(?P<minutes>\d{2}))?)?$")
MINUTE = re.compile(r"^\s*(?P<minute>\d{1,3})\s*(\+\s*(?P<added>\d{1,2}))?\s*$")
GROUP_FIELD = re.compile(r"^Group\s+(?P<name>\w+)$", re.IGNORECASE)
PLAY_OFF_ROUND = re.compile(r"^Group\s+\w+\s+Play-?offs?$", re.IGNORECASE)
REPLAY_ROUND = re.compile(r"^(?P<round>.+?),\s*Replays?$", re.IGNORECASE)

GROUP_PLAY_OFFS = "Group play-offs"
# Knockout rounds as FIFA names them, whatever spelling the file uses.
KNOCKOUT_ROUNDS = {
    "round of 32": "Round of 32",
    "round of 16": "Round of 16",
    "quarter-final": "Quarter-finals",
    "quarter-finals": "Quarter-finals",
    "quarterfinals": "Quarter-finals",
    "semi-final": "Semi-finals",
    "semi-finals": "Semi-finals",
    "semifinals": "Semi-finals",
    "third place match": "Third-place match",
    "third-place match": "Third-place match",
    "match for third place": "Third-place match",
    "third place play-off": "Third-place match",
    "third-place play-off": "Third-place match",
    "final": "Final",
    "first round": "First round",
    "preliminary round": "First round",
}
# The names of the group rounds when an edition had more than one (FIFA's own: 1950, 1974-1982).
GROUP_ROUND_NAMES = {1: "First round", 2: "Second round", 3: "Third round"}
ONE_GROUP_ROUND = "Group stage"
# Editions before the first rule set of events.standings (1962): their tables are ranked like 1962's
# (2 points a win, then goal average); the ties that mattered went to play-offs, imported as matches.
EARLIEST_RULE_SET = "fifa-1962"
# The host's time zone, for kick-off times given without a UTC offset (and for dates without a time).
# Hosts spanning several zones give the capital's; their files give offsets or no times at all.
HOST_ZONES = {
    1930: "America/Montevideo",
    1934: "Europe/Rome",
    1938: "Europe/Paris",
    1950: "America/Sao_Paulo",
    1954: "Europe/Zurich",
    1958: "Europe/Stockholm",
    1962: "America/Santiago",
    1966: "Europe/London",
    1970: "America/Mexico_City",
    1974: "Europe/Berlin",
    1978: "America/Argentina/Buenos_Aires",
    1982: "Europe/Madrid",
    1986: "America/Mexico_City",
    1990: "Europe/Rome",
    1994: "America/New_York",
    1998: "Europe/Paris",
    2002: "Asia/Seoul",
    2006: "Europe/Berlin",
    2010: "Africa/Johannesburg",
    2014: "America/Sao_Paulo",
    2018: "Europe/Moscow",
    2022: "Asia/Qatar",
    2026: "America/New_York",
}
NO_GOALS = "the result, without goal events"


def world_cup_year(text: str) -> int | None:
    """The edition's year when the file is a World Cup file ("World Cup 2018"), else None."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None
    name = data.get("name") if isinstance(data, dict) else None
    found = WORLD_CUP_NAME.match(name) if isinstance(name, str) else None
    return int(found["year"]) if found else None


def world_cup_rule_set(year: int) -> str:
    return WORLD_CUP_RULE_SETS.get(year) or EARLIEST_RULE_SET


def parse_world_cup_json(text: str, *, rule_set: str | None = None, now: datetime | None = None) -> CompetitionData:
    """A World Cup file as the importer's data. `now`: a match dated before it should have a score."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFormatError(f"line {error.lineno}, column {error.colno}: not valid JSON ({error.msg})") from None
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        raise ImportFormatError("line 1: the file needs a top-level object with a 'name'")
    found = WORLD_CUP_NAME.match(data["name"])
    if not found:
        raise ImportFormatError(f"line 1, field 'name': {data['name']!r} is not 'World Cup YYYY'")
    if not isinstance(data.get("matches"), list):
        raise ImportFormatError("line 1: the file needs a 'matches' list")
    year = int(found["year"])
    rule_set = rule_set or world_cup_rule_set(year)
    lines = match_lines(text)
    problems: list[Problem] = []
    final_groups = _final_group_rounds(data["matches"])
    fixtures = []
    for index, match in enumerate(data["matches"]):
        line = lines[index] if index < len(lines) else 0
        fixture = _parse_match(match, index, line, year, final_groups, problems)
        if fixture is None:
            continue
        reported = any(problem.index == index for problem in problems)
        if not fixture.played and now is not None and fixture.kickoff < now and not reported:
            problems.append(Problem(line, index, "score", "no score, though the match is dated in the past",
                                    "the fixture, as not played"))
        fixtures.append(fixture)
    fixtures = _name_group_rounds(fixtures)
    fixtures = _number_group_matchdays(fixtures)
    ties = build_ties(fixtures, problems)
    problems = _without_replayed_draws(fixtures, problems)
    # Every edition's rule set has its knockout rules (events.knockouts): one-leg ties, no away goals.
    knockout_rule_set = get_knockout_rules(rule_set).name
    stages = [
        replace(stage, rule_set=knockout_rule_set) if stage.kind == StageKind.KNOCKOUT else stage
        for stage in build_stages(fixtures, ties)
    ]
    return CompetitionData(
        name=COMPETITION_NAME,
        season=str(year),
        rule_set=rule_set,
        fixtures=fixtures,
        stages=stages,
        ties=ties,
        problems=sorted(problems, key=lambda problem: (problem.line, problem.field)),
    )


def _final_group_rounds(matches: list) -> set[str]:
    """Rounds without a `group` field whose matches are a round robin of three or more teams (1950's
    final round): a group of their own, not knockout matches."""
    pairs: dict[str, list[frozenset]] = defaultdict(list)
    for match in matches:
        if isinstance(match, dict) and not match.get("group") and isinstance(match.get("round"), str):
            teams = frozenset(str(match.get(side, "")).strip() for side in ("team1", "team2"))
            pairs[match["round"].strip()].append(teams)
    groups = set()
    for round_name, played in pairs.items():
        teams = set().union(*played)
        expected = len(teams) * (len(teams) - 1) // 2
        if len(teams) >= 3 and len(played) == expected and len(set(played)) == expected:
            groups.add(round_name)
    return groups


def _parse_match(match, index: int, line: int, year: int, final_groups: set[str], problems: list[Problem]):
    def skip(field_name: str, message: str) -> None:
        problems.append(Problem(line, index, field_name, message, "nothing of this match"))

    if not isinstance(match, dict):
        skip("", "expected an object")
        return None
    for field_name in ("round", "date", "team1", "team2"):
        if not isinstance(match.get(field_name), str) or not match[field_name].strip():
            skip(field_name, "missing or not text")
            return None
    if match.get("status") and not match.get("score"):
        skip("status", f"the match was {match['status']} (never played)")
        return None
    round_name = match["round"].strip()
    classified = _classify(round_name, match.get("group"), final_groups)
    if classified is None:
        skip("group", f"not a group name: {match.get('group')!r}")
        return None
    stage_name, stage_kind, group_name = classified
    home, home_country = split_team(match["team1"])
    away, away_country = split_team(match["team2"])
    if home == away:
        skip("team2", "a team cannot play itself")
        return None
    kickoff = _kickoff(match, year, line, index, problems)
    if kickoff is None:
        return None
    number = match.get("num")
    fixture = FixtureData(
        round_name=round_name,
        group_name=group_name,
        matchday=None,
        home=home,
        home_country=home_country,
        away=away,
        away_country=away_country,
        kickoff=kickoff,
        home_goals=None,
        away_goals=None,
        line=line,
        stage_name=stage_name,
        stage_kind=stage_kind,
        index=index,
        venue=match["ground"].strip()[:120] if isinstance(match.get("ground"), str) else "",
        number=number if isinstance(number, int) and not isinstance(number, bool) and number > 0 else None,
    )
    fixture = _with_score(fixture, match.get("score"), problems, extra_time_in_tables=True)
    fixture = _with_possible_shootout(fixture, problems)
    if not fixture.played:
        return fixture
    goals = _goals(match, fixture, problems)
    return replace(fixture, goals=goals)


def _classify(round_name: str, group, final_groups: set[str]) -> tuple[str, str, str | None] | None:
    """(stage name, kind, group name); group rounds get their stage's name once all groups are known."""
    if group:
        found = GROUP_FIELD.match(group.strip()) if isinstance(group, str) else None
        if not found:
            return None
        return "", StageKind.GROUPS, f"Group {found['name'].upper()}"
    if round_name in final_groups:
        name = round_name[:1].upper() + round_name[1:].lower()
        return name, StageKind.GROUPS, name
    if PLAY_OFF_ROUND.match(round_name):
        return GROUP_PLAY_OFFS, StageKind.KNOCKOUT, None
    if found := REPLAY_ROUND.match(round_name):
        base = KNOCKOUT_ROUNDS.get(found["round"].strip().lower(), found["round"].strip())
        return f"{base} replays", StageKind.KNOCKOUT, None
    return KNOCKOUT_ROUNDS.get(round_name.lower(), round_name), StageKind.KNOCKOUT, None


def _kickoff(match: dict, year: int, line: int, index: int, problems: list[Problem]) -> datetime | None:
    """The kick-off in its own zone: the file's UTC offset, else the host's local time."""
    host = ZoneInfo(HOST_ZONES[year]) if year in HOST_ZONES else None
    raw_time = match.get("time")
    found = TIME.match(raw_time.strip()) if isinstance(raw_time, str) else None
    if raw_time is not None and not found:
        problems.append(Problem(line, index, "time", f"not a time: {raw_time!r}", "nothing of this match"))
        return None
    clock = found["clock"] if found else DEFAULT_TIME
    try:
        local = datetime.fromisoformat(f"{match['date'].strip()}T{clock.zfill(5)}")
    except ValueError:
        problems.append(Problem(line, index, "date", f"not a date and time: {match['date']!r} {raw_time!r}",
                                "nothing of this match"))
        return None
    if found and found["hours"]:
        hours = int(found["hours"])
        minutes = int(found["minutes"] or 0) * (-1 if hours < 0 else 1)
        if not -14 <= hours <= 14:
            problems.append(Problem(line, index, "time", f"no such UTC offset: {raw_time!r}", "nothing of this match"))
            return None
        return local.replace(tzinfo=timezone(timedelta(hours=hours, minutes=minutes)))
    if host is None:
        problems.append(Problem(line, index, "time", f"no UTC offset, and no host time zone known for {year}",
                                "the time, as UTC"))
        return local.replace(tzinfo=UTC)
    return local.replace(tzinfo=host)


def _with_possible_shootout(fixture: FixtureData, problems: list[Problem]) -> FixtureData:
    if fixture.home_penalties is None:
        return fixture
    home, away = fixture.home_penalties, fixture.away_penalties
    # The file does not say who kicked first: either order will do.
    if final_shootout_score_possible(home, away) or final_shootout_score_possible(away, home):
        return fixture
    problems.append(Problem(
        fixture.line, fixture.index, "score.p",
        f"a shootout cannot end {fixture.home_penalties}-{fixture.away_penalties} (it stops once decided)",
        "the result without the shootout; the tie's winner is left for an admin to settle",
    ))
    return replace(fixture, home_penalties=None, away_penalties=None)


def _goals(match: dict, fixture: FixtureData, problems: list[Problem]) -> tuple[GoalData, ...] | None:
    """The match's goals in the order scored, when the file lists them and they agree with the score."""
    if "goals1" not in match and "goals2" not in match:
        return None

    def report(field_name: str, message: str) -> None:
        problems.append(Problem(fixture.line, fixture.index, field_name, message, NO_GOALS))

    goals: list[GoalData] = []
    for key, home in (("goals1", True), ("goals2", False)):
        listed = match.get(key, [])
        if not isinstance(listed, list):
            report(key, f"expected a list, got {listed!r}")
            return None
        for position, entry in enumerate(listed):
            goal = _goal(entry, home, f"{key}[{position}]", fixture, report)
            if goal is None:
                return None
            goals.append(goal)
    if not _goals_agree(goals, fixture, report):
        return None
    # Goals of the same minute keep the file's order, the home side's first: the file cannot say more.
    return tuple(sorted(goals, key=lambda goal: (goal.minute, goal.added_minute or 0)))


def _goal(entry, home: bool, where: str, fixture: FixtureData, report) -> GoalData | None:
    if not isinstance(entry, dict):
        report(where, "expected an object")
        return None
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        report(f"{where}.name", "no scorer")
        return None
    minute, added = _minute(entry.get("minute"), entry.get("offset"))
    if minute is None:
        report(f"{where}.minute", f"not a minute: {entry.get('minute')!r}"
               + (f" with offset {entry.get('offset')!r}" if "offset" in entry else ""))
        return None
    if not 1 <= minute <= 120:
        report(f"{where}.minute", f"minute {minute} is outside a match (1-120)")
        return None
    if added and minute not in (45, 90, 105, 120):
        report(f"{where}.minute", f"added time is counted from the end of a period (45, 90, 105, 120), not {minute}")
        return None
    if minute > 90 and not fixture.extra_time_played:
        report(f"{where}.minute", f"minute {minute} is in extra time, which the score does not record")
        return None
    penalty, own_goal = entry.get("penalty") is True, entry.get("owngoal") is True
    if penalty and own_goal:
        report(where, "both a penalty and an own goal")
        return None
    kind = "penalty_goal" if penalty else "own_goal" if own_goal else "goal"
    return GoalData(home=home, scorer=" ".join(name.split())[:80], minute=minute, added_minute=added, kind=kind)


def _minute(value, offset) -> tuple[int | None, int | None]:
    """(minute, added minutes) of '90+2', 90 with offset 2, or '67'; (None, None) when not a minute."""
    if isinstance(value, bool) or (offset is not None and (isinstance(offset, bool) or not isinstance(offset, int))):
        return None, None
    if isinstance(value, int):
        minute, added = value, None
    elif isinstance(value, str) and (found := MINUTE.match(value)):
        minute, added = int(found["minute"]), int(found["added"]) if found["added"] else None
    else:
        return None, None
    if offset is not None:
        if (added is not None and added != offset) or offset < 1:
            return None, None
        added = offset
    if added is not None and not 1 <= added <= 30:
        return None, None
    return minute, added


def _goals_agree(goals: list[GoalData], fixture: FixtureData, report) -> bool:
    """The goals make the score: the final one, the extra-time part of it."""
    home = sum(goal.home for goal in goals)
    away = len(goals) - home
    if (home, away) != (fixture.home_goals, fixture.away_goals):
        report("goals1" if home != fixture.home_goals else "goals2",
               f"the goals listed make {home}-{away}, the score is {fixture.home_goals}-{fixture.away_goals}")
        return False
    if fixture.extra_time_played:
        extra = [goal for goal in goals if goal.minute > 90]
        extra_home = sum(goal.home for goal in extra)
        recorded = (fixture.home_extra_time_goals, fixture.away_extra_time_goals)
        if (extra_home, len(extra) - extra_home) != recorded:
            report("score.et", f"the goals listed after the 90th minute make {extra_home}-{len(extra) - extra_home}, "
                   f"extra time made {recorded[0]}-{recorded[1]}")
            return False
    return True


def _name_group_rounds(fixtures: list[FixtureData]) -> list[FixtureData]:
    """Each group belongs to a group round: the first, or the one after the latest earlier group that
    shares a team with it (1974-1982's second groups, 1950's final group)."""
    groups: dict[str, dict] = {}
    for fixture in sorted(fixtures, key=lambda fixture: (fixture.kickoff, fixture.index)):
        if fixture.stage_kind != StageKind.GROUPS:
            continue
        group = groups.setdefault(fixture.group_name, {"teams": set(), "named": fixture.stage_name})
        group["teams"].update((fixture.home, fixture.away))
    rounds: dict[str, int] = {}
    for name, group in groups.items():
        earlier = [rounds[other] for other in rounds if groups[other]["teams"] & group["teams"]]
        rounds[name] = max(earlier, default=0) + 1
    several = len(set(rounds.values())) > 1
    names = {
        name: group["named"] or (GROUP_ROUND_NAMES.get(rounds[name], f"Group round {rounds[name]}")
                                 if several else ONE_GROUP_ROUND)
        for name, group in groups.items()
    }
    return [
        replace(fixture, stage_name=names[fixture.group_name]) if fixture.stage_kind == StageKind.GROUPS else fixture
        for fixture in fixtures
    ]


def _number_group_matchdays(fixtures: list[FixtureData]) -> list[FixtureData]:
    """A group match's matchday is the group round each team is playing (the files number tournament days)."""
    played: dict[tuple[str, str], int] = defaultdict(int)
    matchdays: dict[int, int] = {}
    for fixture in sorted(fixtures, key=lambda fixture: (fixture.kickoff, fixture.index)):
        if fixture.stage_kind != StageKind.GROUPS:
            continue
        home, away = (fixture.group_name, fixture.home), (fixture.group_name, fixture.away)
        matchdays[fixture.index] = max(played[home], played[away]) + 1
        played[home] += 1
        played[away] += 1
    return [
        replace(fixture, matchday=matchdays[fixture.index]) if fixture.index in matchdays else fixture
        for fixture in fixtures
    ]


def _without_replayed_draws(fixtures: list[FixtureData], problems: list[Problem]) -> list[Problem]:
    """A knockout match level after extra time was replayed (1934, 1938): no shootout was due."""
    replayed = {
        frozenset((fixture.home, fixture.away))
        for fixture in fixtures
        if fixture.stage_name.endswith(" replays")
    }
    drawn = {
        fixture.index
        for fixture in fixtures
        if frozenset((fixture.home, fixture.away)) in replayed and not fixture.stage_name.endswith(" replays")
    }
    return [problem for problem in problems if not (problem.index in drawn and problem.field == "score.p")]

