"""The 2024-25 demo: the Champions League league phase after matchday 7, and matchday 8's 18 matches live at once.

On 29 January 2025 the 18 matches of the last league-phase matchday kicked off together at 21:00 CET.
The openfootball file gives each match its half-time and full-time score and nothing more: no goal
minutes, no scorers. So the replay posts only those facts, as a newsroom with the score only would
(services.record_score): all 18 kick off together, each half-time score arrives at half-time, the
second halves start together after the break, each final score arrives at full time; the whistles of
one moment are staggered over a few seconds. No goal is invented, and no minute.

What is loaded: the league phase only, matchdays 1-7 with their results and matchday 8 not played.
The knockout rounds are left out: at that point their draw was still to come, and the bracket shows
where each league-phase position leads.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from django.conf import settings
from django.db import transaction

from . import demo, services
from .importer import CompetitionData, Problem, StageKind, classify_round, parse_football_json, split_team
from .models import Group, Match, Period
from .reads import tables

DATA_FILE = Path(settings.BASE_DIR) / "data" / "openfootball" / "2024-25-uefa.cl.json"
COMPETITION = ("UEFA Champions League", "2024-25")
LIVE_MATCHDAY = 8
# The whistles of one moment (half-time, full time) in 18 grounds, spread over a few seconds.
STAGGER_SECONDS = 4.0
# When a replay at this speed is asked to play everything at once (speed 0), it keeps this one's order.
ORDERING_SPEED = demo.ORDERING_SPEED
# A half lasts 45 match minutes; the data has no added time, so the replay adds none.
HALF_MINUTES = 45


@dataclass(frozen=True)
class NightMatch:
    """A match of the live matchday as the file has it: the two sides and the scores it holds."""

    home: str
    away: str
    half_time: tuple[int, int] | None
    full_time: tuple[int, int] | None


@dataclass(frozen=True)
class ScoreCue:
    """When, in real seconds from kick-off, a match's score is posted for a period.

    `index`/`of`: its place among the cues of the same moment (the 18 kick-offs, the half-time whistles...).
    """

    seconds: float
    match: int
    period: str
    home_goals: int
    away_goals: int
    index: int
    of: int

    @property
    def last_of_moment(self) -> bool:
        return self.index == self.of - 1


def season_text() -> str:
    return DATA_FILE.read_text(encoding="utf-8")


def competition_data(text: str | None = None) -> CompetitionData:
    """The league phase as it stood before matchday 8: its stage and matches, matchday 8 without a score."""
    data = parse_football_json(season_text() if text is None else text)
    fixtures = []
    for fixture in data.fixtures:
        if fixture.stage_kind != StageKind.LEAGUE or fixture.matchday is None or fixture.matchday > LIVE_MATCHDAY:
            continue
        if fixture.matchday == LIVE_MATCHDAY:
            fixture = replace(fixture, home_goals=None, away_goals=None)
        fixtures.append(fixture)
    stages = [stage for stage in data.stages if stage.kind == StageKind.LEAGUE]
    return replace(data, fixtures=fixtures, stages=stages, ties=[])


def night_matches(text: str | None = None) -> list[NightMatch]:
    """Matchday 8 in file order, each with the scores the file holds; a score that is not two whole numbers,
    or a half-time score above the final one, is left out (unknown), never repaired."""
    data = json.loads(season_text() if text is None else text)
    night = []
    for match in data.get("matches", []):
        if not isinstance(match, dict) or not isinstance(match.get("round"), str):
            continue
        _stage, kind, _group, matchday = classify_round(match["round"].strip(), "League")
        if kind != StageKind.LEAGUE or matchday != LIVE_MATCHDAY:
            continue
        score = match.get("score") if isinstance(match.get("score"), dict) else {}
        full_time, half_time = _pair(score.get("ft")), _pair(score.get("ht"))
        if full_time is None or (half_time and (half_time[0] > full_time[0] or half_time[1] > full_time[1])):
            half_time = None
        night.append(NightMatch(split_team(match["team1"])[0], split_team(match["team2"])[0], half_time, full_time))
    return night


def _pair(value) -> tuple[int, int] | None:
    whole = isinstance(value, list) and len(value) == 2
    if whole and all(isinstance(goals, int) and not isinstance(goals, bool) and goals >= 0 for goals in value):
        return value[0], value[1]
    return None


def timeline(night: list[NightMatch], *, speed: float, stagger: float = STAGGER_SECONDS) -> list[ScoreCue]:
    """The night in real time at `speed` (match minutes per real minute), in the order to play it.

    Every match with a final score kicks off at 0 (0-0). 45 match minutes later each posts its half-time
    score, the whistles `stagger` seconds apart in all; after the break (demo.break_seconds, from the last
    whistle) the second halves start together at the half-time scores; 45 minutes later each posts its
    final score, staggered again. A match without a half-time score in the data has neither a half-time
    nor a second-half cue (nothing to post but a guess): it reads as first half until its final score.
    A match without a final score is not played.
    """
    per_minute = 60 / speed
    played = [(number, match) for number, match in enumerate(night) if match.full_time is not None]
    with_half_time = [(number, match) for number, match in played if match.half_time is not None]

    def at_once(seconds: float, entries, period: str, scores) -> list[ScoreCue]:
        return [
            ScoreCue(seconds, number, period, *scores(match), index, len(entries))
            for index, (number, match) in enumerate(entries)
        ]

    def staggered(start: float, entries, period: str, scores) -> list[ScoreCue]:
        gap = stagger / (len(entries) - 1) if len(entries) > 1 else 0.0
        return [
            ScoreCue(start + index * gap, number, period, *scores(match), index, len(entries))
            for index, (number, match) in enumerate(entries)
        ]

    half_time = HALF_MINUTES * per_minute
    cues = at_once(0.0, played, Period.FIRST_HALF, lambda match: (0, 0))
    cues += staggered(half_time, with_half_time, Period.HALF_TIME, lambda match: match.half_time)
    last_whistle = cues[-1].seconds if with_half_time else half_time
    second_half = last_whistle + demo.break_seconds(speed)
    cues += at_once(second_half, with_half_time, Period.SECOND_HALF, lambda match: match.half_time)
    cues += staggered(second_half + half_time, played, Period.FULL_TIME, lambda match: match.full_time)
    return cues


# --- loading -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Loaded:
    group: Group
    played: int
    to_play: list[Match]
    # What the importer reported about the file, and which of it concerns what the demo loads.
    problems: tuple[Problem, ...]
    problems_loaded: tuple[Problem, ...]


def load() -> Loaded:
    """The league phase as it stood on the evening of 29 January 2025; running it again changes nothing.

    Matchday 8 is taken back to not played (through the services), whatever an earlier replay left.
    """
    data = competition_data()
    summary = services.import_competition(data=data)
    group = league_group()
    for match in live_matches():
        if not at_kick_off(match):
            services.reset_match(match_id=match.id)
    demo.ensure_demo_users()
    loaded_lines = {fixture.line for fixture in data.fixtures}
    return Loaded(
        group=group,
        played=group.matches.filter(status=Match.Status.FINISHED).count(),
        to_play=live_matches(),
        problems=summary.problems,
        problems_loaded=tuple(problem for problem in summary.problems if problem.line in loaded_lines),
    )


def at_kick_off(match: Match) -> bool:
    """Not played at all: what a replay starts from."""
    return match.status == Match.Status.SCHEDULED and not match.result_only and not match.events.exists()


def league_group() -> Group:
    name, season = COMPETITION
    return Group.objects.select_related("competition").get(
        competition__name=name, competition__season=season, stage__kind=StageKind.LEAGUE
    )


def live_night() -> tuple[list[Match], list[NightMatch]]:
    """Matchday 8's matches in the file's order, each beside what the file holds of it."""
    group = league_group()
    by_teams = {
        (match.home.name, match.away.name): match
        for match in group.matches.filter(matchday=LIVE_MATCHDAY).select_related("home", "away", "group")
    }
    pairs = [(by_teams[(night.home, night.away)], night) for night in night_matches()
             if (night.home, night.away) in by_teams]
    return [match for match, _night in pairs], [night for _match, night in pairs]


def live_matches() -> list[Match]:
    return live_night()[0]


# --- the replay ------------------------------------------------------------------------------------------

# Posts a score: (match, {"home_goals", "away_goals", "period"}).
SubmitScore = Callable[[Match, dict], None]
Played = Callable[[Match, ScoreCue], None]


def play_night(
    matches: list[Match],
    night: list[NightMatch],
    *,
    submit: SubmitScore | None = None,
    speed: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    played: Played | None = None,
) -> None:
    """Play the night: `matches[i]` is `night[i]`. Through the services unless `submit` says otherwise (the
    server's API, so that its open pages follow). Speed None or 0: every cue at once, in order."""
    submit = submit or _record_directly
    if speed:
        with transaction.atomic():
            for match in matches:
                services.set_clock_speed(match_id=match.id, speed=speed)
    started = clock()
    for cue in timeline(night, speed=speed or ORDERING_SPEED):
        if speed:
            sleep(max(0.0, cue.seconds - (clock() - started)))
        match = matches[cue.match]
        submit(match, {"home_goals": cue.home_goals, "away_goals": cue.away_goals, "period": cue.period})
        if played:
            played(match, cue)


def _record_directly(match: Match, payload: dict) -> None:
    services.record_score(match_id=match.id, **payload)


def narration(match: Match, cue: ScoreCue, *, speed: float | None = None) -> str:
    """A console line for a cue just played ("" for a kick-off or a restart before the last of its moment)."""
    home, away = match.home.short_name, match.away.short_name
    score = f"{home} {cue.home_goals}-{cue.away_goals} {away}"
    if cue.period == Period.FIRST_HALF:
        return f"Kick-off in all {cue.of} matches of matchday {LIVE_MATCHDAY}." if cue.last_of_moment else ""
    if cue.period == Period.SECOND_HALF:
        return f"Second half under way in all {cue.of} matches." if cue.last_of_moment else ""
    if cue.period == Period.HALF_TIME:
        line = f"Half-time: {score}."
        if cue.last_of_moment and speed:
            line += f" The break lasts {demo.break_seconds(speed):.0f} s."
        return line
    return f"Full time: {score}."


def standing(group: Group) -> str:
    """The table in one line: the top 8, and who is 24th and 25th (the last place in and the first out)."""
    table = tables.group_table(group)
    rows = table["rows"]
    mark = "As it stands" if table["provisional"] else "Final table"
    top = ", ".join(f"{row['position']} {row['team']['short_name']}" for row in rows[:8])
    edge = ", ".join(f"{row['position']} {row['team']['short_name']}" for row in rows[23:25])
    return f"{mark}: {top} | {edge}."


def minute_label(cue: ScoreCue) -> str:
    return {Period.FIRST_HALF: "0'", Period.HALF_TIME: "HT", Period.SECOND_HALF: "46'"}.get(cue.period, "FT")


# --- the banner ----------------------------------------------------------------------------------------


def banner(*, base_url: str, speed: float, server_log: str, kickoff_wait: float, others: list[str]) -> str:
    """What `make run` prints once its server answers for DEMO=ucl2024."""
    base = base_url.rstrip("/")
    group = league_group()
    matches, night = live_night()
    halves = f"Half-time lasts {demo.break_seconds(speed):.0f} s." if speed else "Speed 0: the whole night at once."
    kickoff = matches[0].kickoff if matches else None
    when = f" ({kickoff:%-d %B %Y})" if kickoff else ""
    lines = [
        "",
        f"  Matchcentre is running at {base}/",
        f"    Replaying:    Champions League 2024-25, league phase matchday {LIVE_MATCHDAY}{when}: "
        f"{len(matches)} matches at once, from kick-off at {speed:g}x",
        f"    Watch it:     {base}/groups/{group.id}/matchdays/{LIVE_MATCHDAY}/   "
        f"(all {len(matches)} matches, and the {len({*group.matches.values_list('home', flat=True)})}-team "
        "table as it stands)",
        f"    League table: {base}/groups/{group.id}/",
        f"    Bracket:      {base}/competitions/{group.competition_id}/bracket/   "
        "(where each league-phase position leads, as it stands)",
        *demo.service_lines(base, server_log),
        "",
        f"  Kick-off as soon as a fan page is open (at the latest in {kickoff_wait:g} s); the narration follows.",
        "  The data holds each match's half-time and final score, not its goals: the scores arrive at half-time",
        f"  and at full time, the {sum(1 for match in night if match.full_time)} whistles spread over "
        f"{STAGGER_SECONDS:g} s. {halves}",
        "  Ctrl-C stops the server.",
        *others,
        "  Demo accounts exist only in demo mode (DEBUG on).",
        "",
    ]
    return "\n".join(lines)
