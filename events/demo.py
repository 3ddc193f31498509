"""The demo: UEFA Champions League 2019-20 Group E, and Liverpool 1-1 Napoli (27 November 2019).

Results come from the openfootball file; Liverpool-Napoli is played through the
services from its match report, event by event, so the demo takes the same path
as an editor in the press box.
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
from .importer import CompetitionData, parse_football_json
from .models import LineupEntry, Match, Player, Team

OPENFOOTBALL_FILE = Path(settings.BASE_DIR) / "data" / "openfootball" / "2019-20-uefa.cl.json"

COMPETITION = {"name": "UEFA Champions League", "season": "2019-20"}
GROUP_NAME = "Group E"
FEATURED_DATE = "2019-11-27"
# Matchday 6 was still to come when the report was written.
UNPLAYED_DATE = "2019-12-10"

TEAMS = {
    # code: (name as in the openfootball file, short name, code, country, primary, secondary, venue)
    "LIV": ("Liverpool FC", "Liverpool", "LIV", "ENG", "#c8102e", "#f6eb61", "Anfield, Liverpool"),
    "NAP": ("SSC Napoli", "Napoli", "NAP", "ITA", "#12a0d7", "#ffffff", "Stadio San Paolo, Naples"),
    "SAL": ("RB Salzburg", "Salzburg", "SAL", "AUT", "#d0103a", "#ffffff", "Red Bull Arena, Salzburg"),
    "GNK": ("KRC Genk", "Genk", "GNK", "BEL", "#0a3d91", "#ffffff", "Luminus Arena, Genk"),
}
FEATURED_TEAMS = ("Liverpool FC", "SSC Napoli")

# (number, name, short name, position); the first eleven started.
LIVERPOOL_SQUAD = [
    (1, "Alisson Becker", "Alisson", "GK"),
    (12, "Joe Gomez", "Gomez", "DF"),
    (6, "Dejan Lovren", "Lovren", "DF"),
    (4, "Virgil van Dijk", "Van Dijk", "DF"),
    (26, "Andrew Robertson", "Robertson", "DF"),
    (3, "Fabinho", "Fabinho", "MF"),
    (14, "Jordan Henderson", "Henderson", "MF"),
    (7, "James Milner", "Milner", "MF"),
    (11, "Mohamed Salah", "Salah", "FW"),
    (9, "Roberto Firmino", "Firmino", "FW"),
    (10, "Sadio Mané", "Mané", "FW"),
    (13, "Adrián", "Adrián", "GK"),
    (66, "Trent Alexander-Arnold", "Alexander-Arnold", "DF"),
    (20, "Adam Lallana", "Lallana", "MF"),
    (15, "Alex Oxlade-Chamberlain", "Oxlade-Chamberlain", "MF"),
    (8, "Naby Keïta", "Keïta", "MF"),
    (23, "Xherdan Shaqiri", "Shaqiri", "FW"),
    (27, "Divock Origi", "Origi", "FW"),
]
NAPOLI_SQUAD = [
    (1, "Alex Meret", "Meret", "GK"),
    (22, "Giovanni Di Lorenzo", "Di Lorenzo", "DF"),
    (19, "Nikola Maksimović", "Maksimović", "DF"),
    (26, "Kalidou Koulibaly", "Koulibaly", "DF"),
    (6, "Mário Rui", "Mário Rui", "DF"),
    (7, "José Callejón", "Callejón", "MF"),
    (5, "Allan", "Allan", "MF"),
    (8, "Fabián Ruiz", "Fabián Ruiz", "MF"),
    (20, "Piotr Zieliński", "Zieliński", "MF"),
    (11, "Hirving Lozano", "Lozano", "FW"),
    (14, "Dries Mertens", "Mertens", "FW"),
    (25, "David Ospina", "Ospina", "GK"),
    (13, "Sebastiano Luperto", "Luperto", "DF"),
    (23, "Elseid Hysaj", "Hysaj", "DF"),
    (31, "Faouzi Ghoulam", "Ghoulam", "DF"),
    (24, "Lorenzo Insigne", "Insigne", "FW"),
    (18, "Fernando Llorente", "Llorente", "FW"),
    (99, "Arkadiusz Milik", "Milik", "FW"),
]


@dataclass(frozen=True)
class ScriptedEvent:
    """One step of the match report. Players are named by short name; `team` by code."""

    kind: str
    minute: int = 0
    added_minute: int | None = None
    team: str | None = None
    player: str | None = None
    second_player: str | None = None
    goal_type: str = ""
    injury: bool = False
    commentary: str = ""
    # For a VAR check: the step it reviews (by its key) and how it ended.
    key: str = ""
    reviews: str = ""
    var_reason: str = ""
    var_outcome_after: str = ""


LIVERPOOL_NAPOLI_SCRIPT = [
    ScriptedEvent("period_start", 0, commentary="Kick-off at Anfield."),
    ScriptedEvent("injury", 19, team="LIV", player="Fabinho", commentary="Fabinho goes down holding his ankle."),
    ScriptedEvent("substitution", 19, team="LIV", player="Fabinho", second_player="Lallana", injury=True),
    ScriptedEvent(
        "goal", 21, team="NAP", player="Mertens", second_player="Di Lorenzo", goal_type="open_play", key="mertens",
        commentary="Di Lorenzo's brilliant ball over the top; Mertens runs free and buries it from a tough angle.",
    ),
    ScriptedEvent(
        "var_check", 22, team="NAP", reviews="mertens", var_reason="possible offside in the build-up",
        var_outcome_after="stands", commentary="VAR checks the goal.",
    ),
    ScriptedEvent("added_time", 45, added_minute=1),
    ScriptedEvent("period_end", 45, added_minute=1),
    ScriptedEvent("period_start", 45),
    ScriptedEvent("substitution", 57, team="LIV", player="Gomez", second_player="Oxlade-Chamberlain"),
    ScriptedEvent(
        "goal", 65, team="LIV", player="Lovren", second_player="Milner", goal_type="header", key="lovren",
        commentary="From Milner's corner, Lovren rises above the Napoli defence and heads in from distance.",
    ),
    ScriptedEvent(
        "var_check", 66, team="LIV", reviews="lovren", var_reason="possible push in the build-up",
        var_outcome_after="stands", commentary="Napoli protest a push; VAR checks the goal.",
    ),
    ScriptedEvent("substitution", 78, team="LIV", player="Milner", second_player="Alexander-Arnold"),
    ScriptedEvent("added_time", 90, added_minute=4),
    ScriptedEvent("period_end", 90, added_minute=4, commentary="Full time: Liverpool 1-1 Napoli."),
]

DEMO_USERS = {
    # username: (password, role, is_superuser)
    "editor": ("editor-demo-pass", "Editors", False),
    "admin": ("admin-demo-pass", "Admins", True),
}


def demo_match_minutes(script=LIVERPOOL_NAPOLI_SCRIPT) -> float:
    last = script[-1]
    return last.minute + (last.added_minute or 0)


def demo_competition_data() -> CompetitionData:
    """Group E from the openfootball file, as it stood before Liverpool-Napoli kicked off."""
    data = parse_football_json(OPENFOOTBALL_FILE.read_text(encoding="utf-8"))
    fixtures = []
    for fixture in data.fixtures:
        if fixture.group_name != GROUP_NAME:
            continue
        date = fixture.kickoff.date().isoformat()
        is_featured = (fixture.home, fixture.away, date) == (*FEATURED_TEAMS, FEATURED_DATE)
        if date == UNPLAYED_DATE or is_featured:
            fixture = replace(fixture, home_goals=None, away_goals=None)
        fixtures.append(fixture)
    return replace(data, fixtures=fixtures)


@transaction.atomic
def ensure_teams_and_squads() -> None:
    for name, short, code, country, primary, secondary, _venue in TEAMS.values():
        Team.objects.get_or_create(
            name=name,
            defaults={"short_name": short, "code": code, "country": country,
                      "primary_colour": primary, "secondary_colour": secondary},
        )
    for team_name, squad in ((FEATURED_TEAMS[0], LIVERPOOL_SQUAD), (FEATURED_TEAMS[1], NAPOLI_SQUAD)):
        team = Team.objects.get(name=team_name)
        for number, name, short, position in squad:
            Player.objects.get_or_create(
                team=team, name=name, defaults={"short_name": short, "number": number, "position": position}
            )


def load_demo() -> Match:
    """Load Group E and Liverpool-Napoli as they stood after matchday 5. Running it again changes nothing."""
    ensure_teams_and_squads()
    summary = services.import_competition(data=demo_competition_data())
    venues = {name: venue for name, *_rest, venue in TEAMS.values()}
    for match in Match.objects.filter(group__competition=summary.competition, group__name=GROUP_NAME, venue=""):
        services.set_venue(match_id=match.id, venue=venues[match.home.name])
    featured = featured_match()
    ensure_lineups(featured)
    if featured.seq == 0:
        play_script(featured)
    ensure_demo_users()
    featured.refresh_from_db()
    return featured


def ensure_lineups(match: Match) -> None:
    if LineupEntry.objects.filter(match=match).exists():
        return
    for team, squad in ((match.home, LIVERPOOL_SQUAD), (match.away, NAPOLI_SQUAD)):
        ids = [Player.objects.get(team=team, name=name).id for _number, name, _short, _pos in squad]
        services.set_lineup(match_id=match.id, team_id=team.id, starting=ids[:11], bench=ids[11:])


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


def featured_match() -> Match:
    return Match.objects.get(
        home__name=FEATURED_TEAMS[0], away__name=FEATURED_TEAMS[1],
        competition__name=COMPETITION["name"], competition__season=COMPETITION["season"], matchday=5,
    )


def script_payloads(match: Match, script=LIVERPOOL_NAPOLI_SCRIPT):
    """The script as API-shaped event payloads, with the VAR outcomes as follow-up amendments."""
    players = {
        (p.team.code, p.short_name): p.id
        for p in Player.objects.filter(team__in=[match.home, match.away]).select_related("team")
    }
    teams = {match.home.code: match.home_id, match.away.code: match.away_id}
    for index, step in enumerate(script):
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


def play_script(
    match: Match,
    *,
    submit: Callable[[dict], int] | None = None,
    decide: Callable[[int, dict], None] | None = None,
    speed: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Play the report through `submit` and `decide` (the services by default), pacing it at `speed` when given.

    `speed` is match minutes per real minute: 30 plays the 94 minutes in about three.
    """
    submit = submit or (lambda payload: _record_directly(match, payload))
    decide = decide or (lambda check_id, decision: services.decide_var_check(check_id=check_id, **decision))
    if speed:
        services.set_clock_speed(match_id=match.id, speed=speed)
    keyed: dict[str, int] = {}
    started = time.monotonic()
    for step, payload in script_payloads(match):
        if speed:
            due = (step.minute + (step.added_minute or 0)) * 60 / speed
            sleep(max(0.0, due - (time.monotonic() - started)))
        if step.reviews:
            payload["reviewed_event"] = keyed[step.reviews]
        event_id = submit(payload)
        if step.key:
            keyed[step.key] = event_id
        if step.var_outcome_after:
            if speed:
                sleep(45 / speed)  # A check takes the best part of a minute.
            decide(event_id, {"decision": step.var_outcome_after})


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
