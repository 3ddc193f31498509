"""FIFA fair play points from the cards editors record, through the API: a group of 2018's rules where two
teams are level on everything else (as Japan and Senegal were in Group H), ranked by their cards."""

import json

import pytest

from events import services
from events.models import Group
from tests.factories import make_competition, make_match, make_team, make_user, player

pytestmark = pytest.mark.django_db

# 2018 Group H's results (FIFA's match reports): the second and third teams end level on points, goal
# difference, goals scored and their head-to-head draw.
RESULTS = [
    ("Colombia", "Japan", 1, 2),
    ("Poland", "Senegal", 1, 2),
    ("Japan", "Senegal", 2, 2),
    ("Poland", "Colombia", 0, 3),
    ("Japan", "Poland", 0, 1),
    ("Senegal", "Colombia", 0, 1),
]


@pytest.fixture
def token():
    return services.create_api_token(user=make_user(role="Editors"))


def post(client, token, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json",
                       headers={"Authorization": f"Bearer {token}"})


def record(client, token, match, **body):
    response = post(client, token, f"/api/matches/{match.id}/events", body)
    assert response.status_code in (200, 201), response.json()


def play_group(client, token, cards=None, score_only=None):
    """The six matches through the API: goals by shirt 9, then the cards `cards` gives per match index; the
    match at index `score_only` followed by its score alone, without lineups or events."""
    cards = cards or {}
    competition = make_competition(season="2018", rule_set="fifa-2018")
    group = Group.objects.create(competition=competition, name="Group H")
    teams = {name: make_team(name) for name in ("Colombia", "Japan", "Poland", "Senegal")}
    for index, (home, away, home_goals, away_goals) in enumerate(RESULTS):
        match = make_match(home=teams[home], away=teams[away], group=group, matchday=index // 2 + 1,
                           with_lineups=index != score_only)
        if index == score_only:
            response = post(client, token, f"/api/matches/{match.id}/score",
                            {"home_goals": home_goals, "away_goals": away_goals, "period": "full_time"})
            assert response.status_code == 200, response.json()
            continue
        record(client, token, match, kind="period_start")
        for team, goals in ((match.home, home_goals), (match.away, away_goals)):
            for goal in range(goals):
                record(client, token, match, kind="goal", minute=10 + goal, team=team.id,
                       player=player(team, 9).id)
        for name, number, kind, minute in cards.get(index, []):
            team = teams[name]
            record(client, token, match, kind=kind, minute=minute, team=team.id, player=player(team, number).id)
        for kind in ("period_end", "period_start", "period_end"):
            record(client, token, match, kind=kind)
    return group, teams


def table(client, group):
    response = client.get(f"/api/groups/{group.id}/table")
    assert response.status_code == 200
    return response.json()


def test_cards_recorded_through_the_api_decide_two_teams_level_on_everything_else(client, token):
    group, _teams = play_group(client, token, cards={
        # Japan: two cautions (-2). Senegal: a caution (-1) and a player sent off for a second one (-3).
        2: [("Japan", 4, "yellow_card", 30), ("Senegal", 5, "yellow_card", 31),
            ("Senegal", 6, "yellow_card", 40), ("Senegal", 6, "second_yellow", 44)],
        4: [("Japan", 7, "yellow_card", 20)],
    })
    rows = table(client, group)["rows"]
    assert [row["team"]["name"] for row in rows] == ["Colombia", "Japan", "Senegal", "Poland"]
    japan, senegal = rows[1], rows[2]
    assert (japan["points"], japan["goal_difference"], japan["goals_for"]) == (4, 0, 4)
    assert (senegal["points"], senegal["goal_difference"], senegal["goals_for"]) == (4, 0, 4)
    assert (japan["fair_play_points"], senegal["fair_play_points"]) == (-2, -4)
    assert japan["decided_by"] == "fair play points" and japan["undecided"] is False
    assert {row["team"]["name"]: row["fair_play_points"] for row in rows}["Colombia"] == 0


def test_a_card_disallowed_by_the_referee_review_no_longer_counts(client, token):
    group, teams = play_group(client, token, cards={2: [("Japan", 4, "red_card", 30)]})
    rows = table(client, group)["rows"]
    assert [row["team"]["name"] for row in rows][1:3] == ["Senegal", "Japan"]
    assert rows[2]["fair_play_points"] == -4
    # The admin's correction: the red card was shown to the wrong player and is removed.
    [card] = [e for e in client.get(f"/api/matches/{group.matches.get(matchday=2, home=teams['Japan']).id}")
              .json()["events"] if e["kind"] == "red_card"]
    admin = services.create_api_token(user=make_user(role="Admins"))
    response = client.delete(f"/api/events/{card['id']}?reason=mistaken+identity",
                             headers={"Authorization": f"Bearer {admin}"})
    assert response.status_code in (200, 204), response.content
    rows = table(client, group)["rows"]
    assert all(row["fair_play_points"] == 0 for row in rows)
    # Level on everything the rules name before the drawing of lots: the order is not the centre's to give.
    assert rows[1]["undecided"] is True and rows[1]["undecided_at"] == "drawing of lots"


def test_without_the_cards_of_a_played_match_fair_play_is_unknown_never_zero(client, token):
    group, _teams = play_group(client, token, cards={2: [("Japan", 4, "yellow_card", 30)]}, score_only=5)
    rows = table(client, group)["rows"]
    assert all(row["fair_play_points"] is None for row in rows)
    japan, senegal = rows[1], rows[2]
    assert {japan["team"]["name"], senegal["team"]["name"]} == {"Japan", "Senegal"}
    assert japan["undecided"] is True and japan["undecided_at"] == "fair play points"
