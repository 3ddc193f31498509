"""Reading openfootball's football.json files into plain fixtures, with errors that name the place.

Pure parsing: no Django. `events.services.import_fixtures` stores what this returns.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

# openfootball gives kick-off times in the local time of the competition; European
# club competitions and the Premier League files both use Central European Time here.
DEFAULT_ZONE = ZoneInfo("Europe/Berlin")
DEFAULT_TIME = "20:00"

GROUP_ROUND = re.compile(r"^Group\s+(?P<name>\w+)$", re.IGNORECASE)
LEAGUE_ROUND = re.compile(r"^Matchday\s+(?P<number>\d+)$", re.IGNORECASE)
TEAM_WITH_COUNTRY = re.compile(r"^(?P<name>.+?)\s*\((?P<country>[A-Z]{3})\)$")
SEASON = re.compile(r"(?P<start>(19|20)\d{2})\s*[/-]\s*(?P<end>\d{2,4})")


class ImportFormatError(ValueError):
    """The file is not football.json as we read it; the message names the line and field."""


@dataclass(frozen=True)
class FixtureData:
    round_name: str
    group_name: str | None  # "Group E" or the league's single table; None for knockout rounds
    matchday: int | None
    home: str
    home_country: str
    away: str
    away_country: str
    kickoff: datetime
    home_goals: int | None
    away_goals: int | None
    line: int

    @property
    def played(self) -> bool:
        return self.home_goals is not None


@dataclass(frozen=True)
class CompetitionData:
    name: str
    season: str
    rule_set: str
    fixtures: list[FixtureData]


def parse_football_json(
    text: str, *, rule_set: str | None = None, league_table_name: str = "League"
) -> CompetitionData:
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
    fixtures = [
        parse_match(match, index, lines[index] if index < len(lines) else 0, league_table_name)
        for index, match in enumerate(data["matches"])
    ]
    return CompetitionData(
        name=name, season=season, rule_set=rule_set or default_rule_set(name, season), fixtures=fixtures
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


def parse_match(match, index: int, line: int, league_table_name: str) -> FixtureData:
    where = f"line {line}, matches[{index}]"
    if not isinstance(match, dict):
        raise ImportFormatError(f"{where}: expected an object")
    for field in ("round", "date", "team1", "team2"):
        if not isinstance(match.get(field), str) or not match[field].strip():
            raise ImportFormatError(f"{where}, field '{field}': missing or not text")
    round_name = match["round"].strip()
    group, matchday = None, None
    if found := GROUP_ROUND.match(round_name):
        group = f"Group {found['name'].upper()}"
    elif found := LEAGUE_ROUND.match(round_name):
        group, matchday = league_table_name, int(found["number"])
    home, home_country = split_team(match["team1"])
    away, away_country = split_team(match["team2"])
    if home == away:
        raise ImportFormatError(f"{where}, field 'team2': a team cannot play itself")
    try:
        kickoff = datetime.fromisoformat(f"{match['date']}T{match.get('time') or DEFAULT_TIME}")
    except ValueError:
        raise ImportFormatError(
            f"{where}, field 'date'/'time': not a date and time: {match['date']!r} {match.get('time')!r}"
        ) from None
    home_goals, away_goals = final_score(match.get("score"), where)
    return FixtureData(
        round_name=round_name,
        group_name=group,
        matchday=matchday,
        home=home,
        home_country=home_country,
        away=away,
        away_country=away_country,
        kickoff=kickoff.replace(tzinfo=DEFAULT_ZONE),
        home_goals=home_goals,
        away_goals=away_goals,
        line=line,
    )


def split_team(text: str) -> tuple[str, str]:
    found = TEAM_WITH_COUNTRY.match(text.strip())
    return (found["name"], found["country"]) if found else (text.strip(), "")


def final_score(score, where: str) -> tuple[int | None, int | None]:
    """The score after extra time when there was extra time (penalties decide ties, not goals)."""
    if score is None or score == {}:
        return None, None
    if not isinstance(score, dict):
        raise ImportFormatError(f"{where}, field 'score': expected an object")
    for key in ("et", "ft"):
        if key in score:
            value = score[key]
            if (
                not isinstance(value, list)
                or len(value) != 2
                or not all(isinstance(goals, int) and not isinstance(goals, bool) and goals >= 0 for goals in value)
            ):
                raise ImportFormatError(f"{where}, field 'score.{key}': expected two whole numbers, got {value!r}")
            return value[0], value[1]
    raise ImportFormatError(f"{where}, field 'score': no 'ft' result")


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
