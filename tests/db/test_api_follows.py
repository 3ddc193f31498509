"""Following teams: a signed-in user's followed teams kept on the server (GET/PUT /api/me/followed-teams),
and the teams a browser follows read back with their current and last matches (GET /api/teams?ids=)."""

import datetime
from datetime import UTC

import pytest

from events import services
from events.models import FollowedTeam
from tests.factories import make_match, make_team, make_user

pytestmark = pytest.mark.django_db
URL = "/api/me/followed-teams"


def put(client, teams):
    return client.put(URL, {"teams": teams}, content_type="application/json")


def test_a_signed_in_user_keeps_the_teams_they_follow_in_order(client):
    one, two, three = make_team(), make_team(), make_team()
    user = make_user(role=None)
    client.force_login(user)
    assert client.get(URL).json() == {"teams": []}
    assert put(client, [two.id, one.id, two.id]).json() == {"teams": [two.id, one.id]}
    assert put(client, [one.id, three.id]).json() == {"teams": [one.id, three.id]}
    assert client.get(URL).json() == {"teams": [one.id, three.id]}
    # Another user's choice is their own.
    client.force_login(make_user(role=None))
    assert client.get(URL).json() == {"teams": []}


def test_bad_input_is_refused_naming_the_field_and_keeps_what_was_stored(client):
    team = make_team()
    user = make_user(role=None)
    client.force_login(user)
    put(client, [team.id])
    for body, status in (
        ({"teams": [999999]}, 400),
        ({"teams": ["1"]}, 422),
        ({"teams": [0]}, 422),
        ({"teams": list(range(1, 52))}, 422),
        ({"teams": [team.id], "extra": 1}, 422),
        ({}, 422),
    ):
        response = client.put(URL, body, content_type="application/json")
        assert response.status_code == status, (body, response.content)
        body_json = response.json()
        assert body_json.get("field") in ("teams", "extra") or any(
            error["field"] in ("teams", "extra") or error["field"].startswith("teams.")
            for error in body_json.get("errors", [])
        ), body_json
    assert list(FollowedTeam.objects.filter(user=user).values_list("team_id", flat=True)) == [team.id]


def test_following_needs_a_signed_in_user(client):
    assert client.get(URL).status_code == 401
    assert put(client, []).status_code == 401


def test_teams_by_id_come_with_their_next_match_and_last_result(client):
    team = make_team("Liverpool FC")
    played = make_match(home=team, kickoff=datetime.datetime(2019, 11, 27, 20, tzinfo=UTC), with_lineups=False)
    services.record_result(match_id=played.id, home_goals=1, away_goals=1)
    upcoming = make_match(away=team, kickoff=datetime.datetime(2019, 12, 10, 20, tzinfo=UTC), with_lineups=False)
    idle = make_team()

    response = client.get(f"/api/teams?ids={idle.id},999999,{team.id}")

    assert response.status_code == 200
    shown = response.json()
    assert [entry["team"]["id"] for entry in shown] == [idle.id, team.id]
    assert shown[0]["current"] is None and shown[0]["last"] is None
    assert shown[1]["current"]["id"] == upcoming.id
    assert (shown[1]["last"]["id"], shown[1]["last"]["home_score"]) == (played.id, 1)


@pytest.mark.parametrize("ids", ["1,,2", "01", "a", "-1", ",".join(["1"] * 51)])
def test_a_malformed_id_list_is_422_naming_ids(client, ids):
    response = client.get(f"/api/teams?ids={ids}")
    assert response.status_code == 422, response.content
    assert "ids" in response.content.decode()
