"""What a change weighs for fans (protocol version 2): a goal's change is at most 1.5 KB in a group stage and
2 KB in the 36-team league phase, the same text for every fan, and what it moves of the table does not grow
with the number of teams. These are the budgets docs/protocol.md states; bench/league_night.py measures the
same on real processes."""

import json

import pytest
from django.apps import apps
from django.db import connection

from events import demo, services
from events.models import Group, LineupEntry, Match, Stage
from live.protocol import group_feed, table_feed
from tests.conftest import LayerListener
from tests.factories import make_competition, make_match, make_team, player

pytestmark = pytest.mark.django_db

GROUP_STAGE_GOAL_BYTES = 1500
LEAGUE_PHASE_GOAL_BYTES = 2000
# The table's update for a goal: the two teams' rows, the rows whose separating criterion changed with them,
# and the runs of rows that only moved (one run for every row a climbing team passed).
TABLE_UPDATE_BYTES = 1024
# A group stage's (four teams): the two teams' rows.
GROUP_TABLE_UPDATE_BYTES = 256
COMMENTARY = "A goal of the league-phase night."


def weigh(listener) -> list[tuple[str, int, str]]:
    """(type, bytes on the wire, text) of each message a listener got, serialized as the fan-out sends it."""
    return [(message["type"], len(json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode()),
             json.dumps(message, ensure_ascii=False)) for message in listener.messages()]


def scorer(match: Match, team) -> int:
    return player(team, 9).id


# Ids as a production database has them after some seasons: a change names about a dozen (its match, event,
# teams, scorer, group), and each digit of each counts.
PRODUCTION_IDS = 100_000


def start_ids_at(first: int) -> None:
    """Every table of the app hands out ids from `first` on, as after years of use."""
    with connection.cursor() as cursor:
        for model in apps.get_app_config("events").get_models():
            table = model._meta.db_table
            if connection.vendor == "postgresql":
                cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)", [table, first])
            else:  # SQLite's AUTOINCREMENT keeps each table's last id in sqlite_sequence
                cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
                cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, first - 1])


@pytest.mark.parametrize("first_id", [1, PRODUCTION_IDS], ids=["fresh-ids", "six-digit-ids"])
def test_a_group_stage_goal_is_at_most_1_5_kb_for_fans_and_the_same_on_every_feed(
    settings, listen_to_fans, listen_to_group, listen_to_table, django_capture_on_commit_callbacks, first_id
):
    settings.DEMO_MODE = True
    start_ids_at(first_id)
    match = demo.load_demo()
    assert match.id >= first_id
    services.reset_match(match_id=match.id)
    with django_capture_on_commit_callbacks(execute=True):
        services.record_event(match_id=match.id, kind="period_start")
    fans, table_fans = listen_to_fans(match), listen_to_table(match.group)
    group_page = LayerListener(group_feed(match.group_id))
    starter = LineupEntry.objects.filter(match=match, team=match.home, starter=True).exclude(
        player__position="GK").values_list("player_id", flat=True).first()
    with django_capture_on_commit_callbacks(execute=True):
        services.record_event(match_id=match.id, kind="goal", minute=5, team_id=match.home_id, player_id=starter,
                              commentary=COMMENTARY)
    [change] = fans.messages()
    [table] = table_fans.messages()
    change_bytes = len(json.dumps(change, separators=(",", ":"), ensure_ascii=False).encode())
    table_bytes = len(json.dumps(table, separators=(",", ":"), ensure_ascii=False).encode())
    assert change["type"] == "change" and change["match"] == {"home_score": 1}
    # The scorer's line alone (the goal comes after every other), not the whole list of scorers.
    assert change["html"]["scorer"].startswith('<li class="scorer" data-side="home"')
    assert "scorers" not in change["html"]
    assert change_bytes <= GROUP_STAGE_GOAL_BYTES, change
    # A match page gets both: the goal, and the table it moved, together within the goal's budget too. A
    # decided row and a table where no row only moved say nothing of either.
    assert table["type"] == "table" and "html" not in table and table_bytes <= GROUP_TABLE_UPDATE_BYTES, table
    assert change_bytes + table_bytes <= GROUP_STAGE_GOAL_BYTES, (change_bytes, table_bytes)
    assert all("undecided" not in row for row in table["rows"]) and "moved" not in table
    # Built once: the group's pages get the very same two messages.
    assert group_page.messages() == [change, table]


def league_phase(teams: int) -> tuple[Group, list[Match]]:
    """A 2024-format league phase of `teams` clubs after a first round of results, its next round all live."""
    competition = make_competition(season="2024-25", rule_set="uefa-2021")
    stage = Stage.objects.create(competition=competition, name="League phase", kind=Stage.Kind.LEAGUE,
                                 rule_set="uefa-league-phase-2024")
    group = Group.objects.create(competition=competition, stage=stage, name="League phase")
    clubs = [make_team(f"Club {index} FC") for index in range(teams)]
    for index in range(0, teams, 2):  # a played round, so the table has an order to move
        played = make_match(home=clubs[index], away=clubs[index + 1], group=group, with_lineups=False, matchday=1)
        services.record_result(match_id=played.id, home_goals=index % 3, away_goals=(index // 2) % 2)
    live = []
    for index in range(0, teams, 2):
        match = make_match(home=clubs[index], away=clubs[(index + 3) % teams], group=group, matchday=2)
        services.record_event(match_id=match.id, kind="period_start")
        live.append(match)
    return group, live


@pytest.mark.parametrize("teams", [4, 36])
def test_a_league_phase_goal_is_at_most_2_kb_for_fans_whatever_the_number_of_teams(
    teams, listen_to_fans, listen_to_table, django_capture_on_commit_callbacks
):
    group, live = league_phase(teams)
    match = live[len(live) // 2]
    fans, table_fans = listen_to_fans(match), listen_to_table(group)
    with django_capture_on_commit_callbacks(execute=True):
        services.record_event(match_id=match.id, kind="goal", minute=30, team_id=match.away_id,
                              player_id=scorer(match, match.away), commentary=COMMENTARY)
    [(kind, change_bytes, text)] = weigh(fans)
    assert kind == "change" and change_bytes <= LEAGUE_PHASE_GOAL_BYTES, text
    [(kind, table_bytes, text)] = weigh(table_fans)
    table = json.loads(text)
    assert kind == "table" and "html" not in table, text
    # The scoring side's row and the conceding side's, whatever else moved (runs of rows moved alike).
    assert {row["team"] for row in table["rows"]} >= {match.home_id, match.away_id}
    assert all(len(run) == 3 for run in table.get("moved", []))
    assert table_bytes <= TABLE_UPDATE_BYTES, text




@pytest.mark.parametrize("language", ["it", "de", "nl", "es"])
def test_a_league_phase_goals_table_update_keeps_its_budget_in_every_language(
    language, django_capture_on_commit_callbacks
):
    group, live = league_phase(36)
    match = live[len(live) // 2]
    site, translated = LayerListener(table_feed(group.id)), LayerListener(table_feed(group.id, language))
    with django_capture_on_commit_callbacks(execute=True):
        services.record_event(match_id=match.id, kind="goal", minute=30, team_id=match.away_id,
                              player_id=scorer(match, match.away), commentary=COMMENTARY)
    [(_kind, _bytes, english)], [(kind, table_bytes, text)] = weigh(site), weigh(translated)
    assert kind == "table" and table_bytes <= TABLE_UPDATE_BYTES, text
    assert [row["team"] for row in json.loads(text)["rows"]] == [row["team"] for row in json.loads(english)["rows"]]
