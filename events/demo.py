"""The demo: UEFA Champions League 2019-20 Group E, and Liverpool 1-1 Napoli (27 November 2019).

Results come from the openfootball file; the matches we follow live are played
through the services event by event, so the demo takes the same path as an editor
in the press box. The facts themselves are in events/demo_data.py.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group as Role
from django.db import transaction

from . import services
from .demo_data import COMPETITION, DEMO_USERS, FEATURED, GROUP_NAME, LINEUPS, MATCHDAY_6, SCRIPTS, SQUADS, TEAMS
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
    return replace(data, fixtures=fixtures)


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


def play_matches(
    matches: list[Match],
    *,
    submit: Submit | None = None,
    decide: Decide | None = None,
    speed: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Play the matches' scripts side by side, through the services unless `submit`/`decide` say otherwise.

    `speed` is match minutes per real minute: 30 plays 94 minutes in about three.
    Matches played together (a matchday) interleave their events by minute.
    """
    submit = submit or _record_directly
    decide = decide or (lambda check_id, decision: services.decide_var_check(check_id=check_id, **decision))
    if speed:
        for match in matches:
            services.set_clock_speed(match_id=match.id, speed=speed)
    steps = heapq.merge(
        *[
            [(step.at, order, match, step, payload) for step, payload in script_payloads(match)]
            for order, match in enumerate(matches)
        ],
        key=lambda item: (item[0], item[1]),
    )
    keyed: dict[tuple[int, str], int] = {}
    started = time.monotonic()
    for at, _order, match, step, payload in steps:
        if speed:
            sleep(max(0.0, at * 60 / speed - (time.monotonic() - started)))
        if step.reviews:
            payload["reviewed_event"] = keyed[(match.id, step.reviews)]
        event_id = submit(match, payload)
        if step.key:
            keyed[(match.id, step.key)] = event_id
        if step.decision:
            if speed:
                sleep(45 / speed)  # A check takes the best part of a minute.
            decide(event_id, {"decision": step.decision})


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
