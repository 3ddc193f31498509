"""The demo: UEFA Champions League 2019-20 Group E, and Liverpool 1-1 Napoli (27 November 2019).

Results come from the openfootball file; the matches we follow live are played
through the services event by event, so the demo takes the same path as an editor
in the press box. The facts themselves are in events/demo_data.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group as Role
from django.db import transaction

from . import services
from .demo_data import (
    COMPETITION,
    DEMO_USERS,
    FEATURED,
    GROUP_NAME,
    LINEUPS,
    MATCHDAY_6,
    SCRIPTS,
    SQUADS,
    TEAMS,
    ScriptedEvent,
)
from .importer import CompetitionData, parse_football_json
from .models import LineupEntry, Match, Player, Team

OPENFOOTBALL_FILE = Path(settings.BASE_DIR) / "data" / "openfootball" / "2019-20-uefa.cl.json"
# A match key: (home code, away code, date).
MatchKey = tuple[str, str, str]

# Submits an API-shaped event payload for a match and returns the event's id.
Submit = Callable[[Match, dict], int]
# Decides a VAR check: (check id, {"decision": ...}).
Decide = Callable[[int, dict], None]


def demo_competition_data() -> CompetitionData:
    """Group E from the openfootball file, as it stood before Liverpool-Napoli kicked off."""
    data = parse_football_json(OPENFOOTBALL_FILE.read_text(encoding="utf-8"))
    names = {TEAMS[code][0]: code for code in TEAMS}
    unplayed = {FEATURED, *MATCHDAY_6}
    fixtures = []
    for fixture in data.fixtures:
        if fixture.group_name != GROUP_NAME:
            continue
        key = (names.get(fixture.home), names.get(fixture.away), fixture.kickoff.date().isoformat())
        if key in unplayed:
            fixture = replace(fixture, home_goals=None, away_goals=None)
        fixtures.append(fixture)
    # Group E alone: no knockout ties (their legs are not among these fixtures).
    return replace(data, fixtures=fixtures, ties=[])


@transaction.atomic
def ensure_teams_and_squads() -> None:
    for code, (name, short, country, primary, secondary, _venue) in TEAMS.items():
        team, _ = Team.objects.get_or_create(
            name=name,
            defaults={
                "short_name": short,
                "code": code,
                "country": country,
                "primary_colour": primary,
                "secondary_colour": secondary,
            },
        )
        for number, player_name, player_short, position in SQUADS[code]:
            Player.objects.get_or_create(
                team=team,
                name=player_name,
                defaults={"short_name": player_short, "number": number, "position": position},
            )


def load_demo() -> Match:
    """Load Group E as it stood after matchday 5, Liverpool-Napoli played from its report.

    Running it again changes nothing. Matchday 6 is left to play, its lineups named.
    """
    ensure_teams_and_squads()
    summary = services.import_competition(data=demo_competition_data())
    venues = {name: venue for name, *_rest, venue in TEAMS.values()}
    for match in Match.objects.filter(group__competition=summary.competition, group__name=GROUP_NAME, venue=""):
        services.set_venue(match_id=match.id, venue=venues[match.home.name])
    for key in (FEATURED, *MATCHDAY_6):
        ensure_lineups(demo_match(key), key)
    featured = featured_match()
    if featured.seq == 0:
        play_matches([featured])
    ensure_demo_users()
    featured.refresh_from_db()
    return featured


def demo_match(key: MatchKey) -> Match:
    home, away, date = key
    return Match.objects.select_related("home", "away", "group").get(
        home__name=TEAMS[home][0],
        away__name=TEAMS[away][0],
        kickoff__date=date,
        competition__name=COMPETITION["name"],
        competition__season=COMPETITION["season"],
    )


def featured_match() -> Match:
    return demo_match(FEATURED)


def matchday_6_matches() -> list[Match]:
    return [demo_match(key) for key in MATCHDAY_6]


def key_of(match: Match) -> MatchKey:
    return (match.home.code, match.away.code, match.kickoff.date().isoformat())


def ensure_lineups(match: Match, key: MatchKey) -> None:
    if LineupEntry.objects.filter(match=match).exists():
        return
    for team in (match.home, match.away):
        starting, bench = LINEUPS[key][team.code]
        ids = {p.short_name: p.id for p in Player.objects.filter(team=team)}
        services.set_lineup(
            match_id=match.id,
            team_id=team.id,
            starting=[ids[name] for name in starting],
            bench=[ids[name] for name in bench],
        )


def ensure_demo_users() -> None:
    if not settings.DEMO_MODE:
        return
    users = get_user_model()
    for username, (password, role, is_superuser) in DEMO_USERS.items():
        user, created = users.objects.get_or_create(
            username=username, defaults={"is_staff": is_superuser, "is_superuser": is_superuser}
        )
        if created:
            user.set_password(password)
            user.save()
        user.groups.add(Role.objects.get(name=role))


def script_payloads(match: Match):
    """A match's script as API-shaped event payloads, in order."""
    key = key_of(match)
    players = {
        (p.team.code, p.short_name): p.id
        for p in Player.objects.filter(team__in=[match.home, match.away]).select_related("team")
    }
    teams = {match.home.code: match.home_id, match.away.code: match.away_id}
    for index, step in enumerate(SCRIPTS[key]):
        payload = {
            "kind": step.kind,
            "minute": step.minute,
            "added_minute": step.added_minute,
            "team": teams.get(step.team),
            "player": players.get((step.team, step.player)),
            "second_player": players.get((step.team, step.second_player)),
            "goal_type": step.goal_type,
            "injury": step.injury,
            "commentary": step.commentary,
            "var_reason": step.var_reason,
            "var_category": "goal" if step.kind == "var_check" else "",
            "idempotency_key": f"demo-{match.id}-{match.seq}-{index}",
        }
        yield step, payload


# Law 7 of the Laws of the Game: a half-time interval of at most 15 minutes. The replay compresses it like
# the match (30 s at 30x) but never below what a fan can notice.
HALF_TIME_MINUTES = 15
MIN_BREAK_SECONDS = 10.0
# A goal check takes the best part of a minute; compressed, never shorter than a fan can read the banner.
VAR_CHECK_SECONDS = 45.0
MIN_VAR_CHECK_SECONDS = 8.0
# Speed 0 plays everything at once, in the order a replay at this speed would.
ORDERING_SPEED = 30.0
# Ends of periods by the minute they end at.
PERIOD_ENDS = {45: "Half-time", 90: "Full time", 105: "Half-time in extra time", 120: "End of extra time"}


def break_seconds(speed: float) -> float:
    """Real seconds between two periods of a replay at `speed` (match minutes per real minute)."""
    return max(HALF_TIME_MINUTES * 60 / speed, MIN_BREAK_SECONDS)


def var_check_seconds(speed: float) -> float:
    """Real seconds from a VAR check to its decision in a replay at `speed`."""
    return max(VAR_CHECK_SECONDS / speed, MIN_VAR_CHECK_SECONDS)


@dataclass(frozen=True)
class Cue:
    """When, in real seconds from the replay's start, a match's script step (or its VAR decision) is played."""

    seconds: float
    step: int
    decision: bool = False


def timeline(script: list[ScriptedEvent], *, speed: float) -> list[Cue]:
    """A match's script in real time: each step when the match clock (running at `speed` from its
    period's start) reads its minute, a break between periods, and a VAR decision `var_check_seconds`
    after its check. Play waits for a decision and for the break: nothing of the match comes before them.
    """
    per_minute = 60 / speed
    cues: list[Cue] = []
    period_started, period_minute = 0.0, 0
    not_before = 0.0  # the end of a break or of a VAR check
    last_end: float | None = None
    for index, step in enumerate(script):
        if step.kind == "period_start":
            period_started = 0.0 if last_end is None else last_end + break_seconds(speed)
            period_minute = step.minute
            seconds = max(period_started, not_before)
        else:
            seconds = max(period_started + (step.at - period_minute) * per_minute, not_before)
        cues.append(Cue(seconds, index))
        if step.kind == "period_end":
            last_end = seconds
        if step.decision:
            not_before = seconds + var_check_seconds(speed)
            cues.append(Cue(not_before, index, decision=True))
        else:
            not_before = seconds
    return cues


# Called after each step is played: the match, the step, whether it was the step's VAR decision.
Played = Callable[[Match, ScriptedEvent, bool], None]


def play_matches(
    matches: list[Match],
    *,
    submit: Submit | None = None,
    decide: Decide | None = None,
    speed: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    played: Played | None = None,
) -> None:
    """Play the matches' scripts side by side, through the services unless `submit`/`decide` say otherwise.

    `speed` is match minutes per real minute: 30 plays 94 minutes in about three, plus the half-time break
    and the VAR checks (`timeline`). Matches played together (a matchday) interleave their events in time.
    """
    submit = submit or _record_directly
    decide = decide or (lambda check_id, decision: services.decide_var_check(check_id=check_id, **decision))
    if speed:
        for match in matches:
            services.set_clock_speed(match_id=match.id, speed=speed)
    scripts = {match.id: list(script_payloads(match)) for match in matches}
    cues = sorted(
        (cue.seconds, order, cue.step, cue.decision, match)
        for order, match in enumerate(matches)
        for cue in timeline([step for step, _payload in scripts[match.id]], speed=speed or ORDERING_SPEED)
    )
    keyed: dict[tuple[int, str], int] = {}
    checks: dict[tuple[int, int], int] = {}
    started = clock()
    for seconds, _order, index, decision, match in cues:
        if speed:
            sleep(max(0.0, seconds - (clock() - started)))
        step, payload = scripts[match.id][index]
        if decision:
            decide(checks[(match.id, index)], {"decision": step.decision})
        else:
            if step.reviews:
                payload["reviewed_event"] = keyed[(match.id, step.reviews)]
            event_id = submit(match, payload)
            if step.key:
                keyed[(match.id, step.key)] = event_id
            checks[(match.id, index)] = event_id
        if played:
            played(match, step, decision)


def narration(match: Match, step: ScriptedEvent, *, decision: bool = False, speed: float | None = None) -> str:
    """One line for the console about a step just played: `match` as it stands after it."""
    home, away = match.home.short_name, match.away.short_name
    score = f"{home} {match.home_score}-{match.away_score} {away}"
    teams = {match.home.code: home, match.away.code: away}
    team = teams.get(step.team, "")
    if decision:
        verdict = "the goal stands" if step.decision == "stands" else "goal disallowed"
        return f"VAR: {verdict}. {score}."
    if step.kind == "period_start":
        return f"Kick-off: {home} v {away}." if step.minute == 0 else f"Second half under way: {score}."
    if step.kind == "period_end":
        what = PERIOD_ENDS.get(step.minute, "End of the period")
        if what == "Full time" or not speed:
            return f"{what}: {score}."
        return f"{what}: {score}. The break lasts {break_seconds(speed):.0f} s."
    if step.kind in ("goal", "penalty_goal", "own_goal"):
        how = {"penalty_goal": " (penalty)", "own_goal": " (own goal)"}.get(step.kind, "")
        assist = f", assist {step.second_player}" if step.second_player else ""
        return f"GOAL for {team}: {step.player}{how}{assist}. {score}."
    if step.kind == "var_check":
        return f"VAR check on {team}'s goal: {step.var_reason}."
    if step.kind == "substitution":
        injured = " (injured)" if step.injury else ""
        return f"Substitution, {team}: {step.second_player} on for {step.player}{injured}."
    if step.kind == "added_time":
        return f"{step.added_minute} minute{'s' if step.added_minute != 1 else ''} added."
    if step.kind == "injury":
        return f"{step.player} of {team} is down injured."
    what = step.kind.replace("_", " ").capitalize()
    return f"{what}, {team}: {step.player}." if step.player else f"{what}."


def _record_directly(match: Match, payload: dict) -> int:
    result = services.record_event(
        match_id=match.id,
        kind=payload["kind"],
        minute=payload["minute"],
        added_minute=payload["added_minute"],
        team_id=payload["team"],
        player_id=payload["player"],
        second_player_id=payload["second_player"],
        goal_type=payload["goal_type"],
        injury=payload["injury"],
        reviewed_event_id=payload.get("reviewed_event"),
        var_reason=payload["var_reason"],
        var_category=payload["var_category"],
        commentary=payload["commentary"],
        idempotency_key=payload["idempotency_key"],
    )
    return result.event.id


# What `make run` can replay (DEMO=…): the matchday whose matches it plays.
DEMOS = {"liverpool-napoli": 5, "matchday6": 6}
# Every demo `make run` knows, with what it replays (ucl2024: events/demo_ucl2024.py).
DEMO_SUMMARIES = {
    "liverpool-napoli": "Liverpool v Napoli.",
    "matchday6": "Group E's last matchday: two matches at once.",
    "ucl2024": "the 2024-25 league phase's last matchday: 18 matches at once, the 36-team table moving.",
    "worldcup2026": "the 2026 World Cup's last round of group matches: thirds and the round of 32 moving.",
    "worldcup2022-final": "the 2022 World Cup final: extra time and the shoot-out.",
}


def other_demos(demo_name: str) -> list[str]:
    """Banner lines naming the demos other than the one running."""
    others = [f"DEMO={name} make run replays {text}" for name, text in DEMO_SUMMARIES.items() if name != demo_name]
    return [f"  Other demos:  {others[0]}", *[f"                {line}" for line in others[1:]]]


def replayed_matches(demo_name: str) -> list[Match]:
    return matchday_6_matches() if DEMOS[demo_name] == 6 else [featured_match()]


def service_lines(base: str, server_log: str) -> list[str]:
    """The banner's lines every demo shares: the editor's console, the admin, the API, the server's log."""
    return [
        f"    Editor:       {base}/editor/   login editor / editor-demo-pass",
        f"    Admin:        {base}/admin/    login admin / admin-demo-pass",
        f"    API:          {base}/api/docs",
        f"    Server log:   {server_log}   (every request and socket, warnings, errors)",
    ]


def banner(*, demo_name: str, base_url: str, speed: float, server_log: str, kickoff_wait: float) -> str:
    """What `make run` prints once its server answers: what is replayed, where to watch it, the logins."""
    if demo_name == "ucl2024":
        # Imported here: the 2024-25 demo builds on this module's helpers.
        from . import demo_ucl2024

        return demo_ucl2024.banner(
            base_url=base_url, speed=speed, server_log=server_log, kickoff_wait=kickoff_wait,
            others=other_demos(demo_name),
        )
    if demo_name.startswith("worldcup"):
        from . import demo_worldcup

        return demo_worldcup.banner(
            demo_name, base_url=base_url, speed=speed, server_log=server_log, kickoff_wait=kickoff_wait,
            others=other_demos(demo_name),
        )
    base = base_url.rstrip("/")
    matches = replayed_matches(demo_name)
    group_id = matches[0].group_id
    width = max(len(f"{base}/matches/{m.id}/") for m in matches)
    watch = [f"{base}/matches/{m.id}/".ljust(width) + f"   {m.home.short_name} v {m.away.short_name}" for m in matches]
    if len(matches) > 1:
        together = " and ".join(f"{m.home.short_name} v {m.away.short_name}" for m in matches)
        replaying = f"Group E, matchday 6: {together}, at the same time"
        watch.insert(0, f"{base}/groups/{group_id}/matchdays/6/   (both matches, and the table as it stands)")
    else:
        [match] = matches
        replaying = f"{match.home.short_name} v {match.away.short_name} ({match.kickoff:%-d %B %Y})"
    lines = [
        "",
        f"  Matchcentre is running at {base}/",
        f"    Replaying:    {replaying}, from kick-off at {speed:g}x",
        f"    Watch it:     {watch[0]}",
        *[f"                  {line}" for line in watch[1:]],
        f"    Group table:  {base}/groups/{group_id}/",
        *service_lines(base, server_log),
        "",
        f"  Kick-off as soon as a fan page is open (at the latest in {kickoff_wait:g} s); the narration follows.",
        f"  Half-time lasts {break_seconds(speed):.0f} s, a VAR check {var_check_seconds(speed):.0f} s."
        if speed
        else "  Speed 0: the whole match at once.",
        "  Ctrl-C stops the server.",
        *other_demos(demo_name),
        "  Demo accounts exist only in demo mode (DEBUG on).",
        "",
    ]
    return "\n".join(lines)
