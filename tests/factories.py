"""Plain builders for test data: a competition, a group, two squads with lineups, a match."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group as Role

from events import services
from events.models import Competition, Group, Match, Player, Team

_counter = itertools.count(1)
POSITIONS = ["GK", "DF", "DF", "DF", "DF", "MF", "MF", "MF", "FW", "FW", "FW", "GK", "DF", "MF", "MF", "FW", "FW"]


def make_competition(**overrides) -> Competition:
    defaults = {"name": f"Cup {next(_counter)}", "season": "2019-20", "rule_set": "uefa-2019", "max_substitutions": 3}
    return Competition.objects.create(**{**defaults, **overrides})


def make_team(name: str | None = None, code: str | None = None, squad_size: int = 17) -> Team:
    number = next(_counter)
    name = name or f"Team {number}"
    team = Team.objects.create(name=name, short_name=name.split()[0], code=code or f"T{number % 100:02d}")
    for index in range(squad_size):
        Player.objects.create(
            team=team,
            name=f"{name} Player {index + 1}",
            short_name=f"P{index + 1}",
            number=index + 1,
            position=POSITIONS[index % len(POSITIONS)],
        )
    return team


def make_match(
    *,
    home: Team | None = None,
    away: Team | None = None,
    competition: Competition | None = None,
    group: Group | None = None,
    with_lineups: bool = True,
    kicked_off: bool = False,
    **overrides,
) -> Match:
    home = home or make_team()
    away = away or make_team()
    if group is None and competition is None:
        competition = make_competition()
        group = Group.objects.create(competition=competition, name="Group A")
    competition = competition or group.competition
    match = Match.objects.create(
        competition=competition,
        group=group,
        home=home,
        away=away,
        matchday=overrides.pop("matchday", 1),
        kickoff=overrides.pop("kickoff", datetime(2019, 11, 27, 20, 0, tzinfo=UTC)),
        **overrides,
    )
    if with_lineups:
        for team in (home, away):
            ids = list(team.players.order_by("number").values_list("id", flat=True))
            services.set_lineup(match_id=match.id, team_id=team.id, starting=ids[:11], bench=ids[11:])
    if kicked_off:
        services.record_event(match_id=match.id, kind="period_start")
    return match


def player(team: Team, number: int) -> Player:
    return team.players.get(number=number)


def make_user(username: str | None = None, role: str | None = "Editors", **fields):
    user = get_user_model().objects.create_user(
        username=username or f"user{next(_counter)}", password="correct-horse-battery", **fields
    )
    if role:
        user.groups.add(Role.objects.get(name=role))
    return user
