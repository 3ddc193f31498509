"""The World Cup demos, from the openfootball files with their scorers and minutes.

`worldcup2026`: the 2026 group stage as it stood before the last round of group matches (each group's
third matchday), then those 24 matches live, the two of each group kicked off together as FIFA scheduled
them, group after group in the order they were played. Every goal arrives at the minute the file gives,
by the scorer it names; the group tables, the ranking of third-placed teams and the round of 32 move as
they go in. Only the group stage is loaded: at that point the knockout draw was what FIFA's fixed path
and Annex C make of the tables, which the bracket shows as it stands.

`worldcup2022-final`: the 2022 tournament up to its final, then Argentina v France from kick-off:
the goals at their minutes, extra time, and the shoot-out. The file holds the shoot-out's result, not
its kicks, so the shoot-out arrives as that result (4-2), no kick made up.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from django.conf import settings

from . import demo, replay, services
from .importer import CompetitionData, FixtureData, Problem, StageKind
from .importer_worldcup import parse_world_cup_json
from .models import Competition, Match
from .reads import thirds

DATA_DIR = Path(settings.BASE_DIR) / "data" / "openfootball-worldcup"
LAST_GROUP_MATCHDAY = 3
# Real seconds between one group's full time and the next group's kick-off.
SLOT_GAP_SECONDS = 5.0


@dataclass(frozen=True)
class Edition:
    year: int
    # Which fixtures the demo plays live; every other fixture before them is loaded as played.
    live: Callable[[FixtureData], bool]
    # Whether a fixture not played live is loaded at all (2026: the knockout rounds are not).
    loaded: Callable[[FixtureData], bool]

    @property
    def data_file(self) -> Path:
        return DATA_DIR / f"{self.year}-worldcup.json"


EDITIONS = {
    "worldcup2026": Edition(
        2026,
        live=lambda f: f.stage_kind == StageKind.GROUPS and f.matchday == LAST_GROUP_MATCHDAY,
        loaded=lambda f: f.stage_kind == StageKind.GROUPS,
    ),
    "worldcup2022-final": Edition(2022, live=lambda f: f.round_name == "Final", loaded=lambda f: True),
}


def parsed(edition: Edition) -> CompetitionData:
    return parse_world_cup_json(edition.data_file.read_text(encoding="utf-8"))


def competition_data(edition: Edition, data: CompetitionData | None = None) -> CompetitionData:
    """The tournament as it stood before the live matches: what it loads, the live matches not played."""
    data = data or parsed(edition)
    fixtures = []
    for fixture in data.fixtures:
        if edition.live(fixture):
            fixture = replace(fixture, home_goals=None, away_goals=None, home_extra_time_goals=None,
                              away_extra_time_goals=None, home_penalties=None, away_penalties=None, goals=None)
        elif not edition.loaded(fixture):
            continue
        fixtures.append(fixture)
    kinds = {fixture.stage_kind for fixture in fixtures}
    stages = [stage for stage in data.stages if stage.kind in kinds]
    ties = data.ties if StageKind.KNOCKOUT in kinds else []
    return replace(data, fixtures=fixtures, stages=stages, ties=ties)


@dataclass(frozen=True)
class Loaded:
    competition: Competition
    played: int
    to_play: list[Match]
    # What the importer reported of the fixtures the demo loads.
    problems: tuple[Problem, ...]


def load(name: str) -> Loaded:
    """The tournament before its live matches; running it again changes nothing. The live matches are taken
    back to not played (through the services), whatever an earlier replay left."""
    edition = EDITIONS[name]
    data = competition_data(edition)
    summary = services.import_competition(data=data)
    live = live_matches(name, summary.competition)
    for match, _fixture in live:
        if not at_kick_off(match):
            services.reset_match(match_id=match.id)
    demo.ensure_demo_users()
    played = Match.objects.filter(competition=summary.competition, status=Match.Status.FINISHED).count()
    # The file's problems in what the demo loads (others concern matches it leaves out).
    lines = {fixture.line for fixture in data.fixtures}
    problems = tuple(problem for problem in summary.problems if problem.line in lines)
    return Loaded(summary.competition, played, [match for match, _ in live], problems)


def at_kick_off(match: Match) -> bool:
    return match.status == Match.Status.SCHEDULED and not match.result_only and not match.events.exists()


def competition(name: str) -> Competition:
    data = parsed(EDITIONS[name])
    return Competition.objects.get(name=data.name, season=data.season)


def live_matches(name: str, tournament: Competition | None = None) -> list[tuple[Match, FixtureData]]:
    """The live matches in kick-off order, each beside the file's record of it."""
    edition = EDITIONS[name]
    tournament = tournament or competition(name)
    stored = {
        (match.home.name, match.away.name, match.kickoff): match
        for match in Match.objects.filter(competition=tournament).select_related("home", "away", "group")
    }
    pairs = [
        (stored[(fixture.home, fixture.away, fixture.kickoff)], fixture)
        for fixture in parsed(edition).fixtures
        if edition.live(fixture) and (fixture.home, fixture.away, fixture.kickoff) in stored
    ]
    return sorted(pairs, key=lambda pair: (pair[0].kickoff, pair[0].id))


def slots(pairs: list[tuple[Match, FixtureData]]) -> list[list[tuple[Match, FixtureData]]]:
    """The live matches grouped by kick-off instant: the matches of one slot kick off together."""
    grouped: dict[datetime, list] = {}
    for match, fixture in pairs:
        grouped.setdefault(match.kickoff, []).append((match, fixture))
    return [grouped[kickoff] for kickoff in sorted(grouped)]


@dataclass(frozen=True)
class Cue:
    seconds: float
    match: Match
    step: replay.Step


def timeline(pairs: list[tuple[Match, FixtureData]], *, speed: float) -> list[Cue]:
    """Every step of every live match in real time at `speed`: the matches of a slot together (each paced
    like a replay, events/replay.py), each slot after the one before has ended."""
    cues: list[Cue] = []
    start = 0.0
    for slot in slots(pairs):
        end = start
        for match, fixture in slot:
            script = replay.script_from_record(match, fixture)
            for cue in demo.timeline([step.scripted() for step in script], speed=speed):
                cues.append(Cue(start + cue.seconds, match, script[cue.step]))
                end = max(end, start + cue.seconds)
        start = end + SLOT_GAP_SECONDS
    # Stable: steps of one match keep their order; at one instant, slots' matches in kick-off order.
    return sorted(cues, key=lambda cue: cue.seconds)


Submit = Callable[[Match, dict], int]
SubmitShootout = Callable[[Match, tuple[int, int]], None]


def play(
    pairs: list[tuple[Match, FixtureData]],
    *,
    submit: Submit | None = None,
    submit_shootout: SubmitShootout | None = None,
    speed: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    played: Callable[[Cue], None] | None = None,
) -> None:
    """Play the live matches through `submit` (the API) or the services; speed None or 0: all at once, in order."""
    if speed:
        for match, _fixture in pairs:
            services.set_clock_speed(match_id=match.id, speed=speed)
    started = clock()
    for cue in timeline(pairs, speed=speed or demo.ORDERING_SPEED):
        if speed:
            sleep(max(0.0, cue.seconds - (clock() - started)))
        replay.play_step(cue.match, cue.step, submit=submit, submit_shootout=submit_shootout)
        if played:
            played(cue)


# --- what the console says -------------------------------------------------------------------------------


def thirds_line(tournament: Competition) -> str:
    """The ranking of third-placed teams in one line, with the cut line ("" for a format without one)."""
    ranking = thirds.third_placed_table(tournament)
    if ranking is None:
        return ""
    mark = "as it stands" if ranking["provisional"] or not ranking["complete"] else "final"
    cells = [f"{row['group']['key']} {row['team']['short_name']} {row['points']}" for row in ranking["rows"]]
    cut = ranking["qualifiers"]
    return f"Thirds ({mark}): {', '.join(cells[:cut])} | out: {', '.join(cells[cut:])}."


def qualified_thirds(tournament: Competition) -> dict[int, str]:
    """The third-placed teams above the cut line as it stands (team id -> short name)."""
    ranking = thirds.third_placed_table(tournament)
    if ranking is None:
        return {}
    return {row["team"]["id"]: row["team"]["short_name"] for row in ranking["rows"] if row["above_cut"]}


def thirds_moved(before: dict[int, str], after: dict[int, str]) -> str:
    """What a goal changed among the thirds going through: "Thirds as it stands: Sweden in, Iran out"."""
    moved = [f"{after[team]} in" for team in after if team not in before]
    moved += [f"{before[team]} out" for team in before if team not in after]
    return f"Thirds as it stands: {', '.join(moved)}."


def banner(name: str, *, base_url: str, speed: float, server_log: str, kickoff_wait: float,
           others: list[str]) -> str:
    """What `make run` prints once its server answers for a World Cup demo."""
    base = base_url.rstrip("/")
    tournament = competition(name)
    pairs = live_matches(name, tournament)
    first = pairs[0][0]
    lines = ["", f"  Matchcentre is running at {base}/"]
    if name == "worldcup2026":
        lines += [
            f"    Replaying:    World Cup 2026, the last round of group matches ({len(pairs)} matches, "
            f"{len(slots(pairs))} kick-offs of two at once), goals at the file's minutes, at {speed:g}x",
            f"    Watch it:     {base}/competitions/{tournament.id}/   (the groups, the third-placed teams' "
            "table and the round of 32 as it stands)",
            f"    Bracket:      {base}/competitions/{tournament.id}/bracket/",
            f"    First match:  {base}/matches/{first.id}/   ({first.home.short_name} v {first.away.short_name},"
            f" {first.group.name})",
            f"    Thirds (API): {base}/api/competitions/{tournament.id}/thirds",
        ]
    else:
        lines += [
            f"    Replaying:    World Cup 2022 final, {first.home.short_name} v {first.away.short_name}: goals at "
            f"their minutes, extra time, the shoot-out's result, at {speed:g}x",
            f"    Watch it:     {base}/matches/{first.id}/",
            f"    Bracket:      {base}/competitions/{tournament.id}/bracket/",
        ]
    lines += [
        *demo.service_lines(base, server_log),
        "",
        f"  Kick-off as soon as a fan page is open (at the latest in {kickoff_wait:g} s); the narration follows.",
        "  Ctrl-C stops the server.",
        *others,
        "  Demo accounts exist only in demo mode (DEBUG on).",
        "",
    ]
    return "\n".join(lines)
