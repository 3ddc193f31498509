"""POST /api/matches/{id}/score: an editor posts the score of a match followed without events."""

import json

import pytest

from events import services
from events.models import Change, Group, Match
from tests.factories import make_competition, make_match, make_user

pytestmark = pytest.mark.django_db


def league_match(**overrides) -> Match:
    competition = make_competition(season="2024-25", rule_set="uefa-2021")
    group = Group.objects.create(competition=competition, name="League")
    return make_match(group=group, **{"with_lineups": False, **overrides})


def post_score(client, match_id, body, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(f"/api/matches/{match_id}/score", data=json.dumps(body), content_type="application/json",
                       headers=headers)


@pytest.fixture
def editor_token():
    return services.create_api_token(user=make_user(role="Editors"))


def test_an_editor_posts_the_score_and_the_match_follows(client, editor_token):
    match = league_match()
    response = post_score(client, match.id, {"home_goals": 0, "away_goals": 1, "period": "first_half"}, editor_token)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["match_id"], body["seq"]) == (match.id, 1)
    assert body["match"]["status"] == "live" and body["match"]["clock"]["running"] is True
    assert (body["match"]["home_score"], body["match"]["away_score"]) == (0, 1)
    done = post_score(client, match.id, {"home_goals": 2, "away_goals": 1, "period": "full_time"}, editor_token)
    assert done.status_code == 200 and done.json()["match"]["status"] == "finished"
    shown = client.get(f"/api/matches/{match.id}").json()["match"]
    assert (shown["home_score"], shown["away_score"], shown["status"]) == (2, 1, "finished")


def test_it_needs_a_signed_in_editor(client):
    match = league_match()
    body = {"home_goals": 1, "away_goals": 0, "period": "first_half"}
    assert post_score(client, match.id, body).status_code == 401
    fan_token = services.create_api_token(user=make_user(role=None))
    assert post_score(client, match.id, body, fan_token).status_code == 403
    assert not Change.objects.filter(match=match).exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"home_goals": -1, "away_goals": 0, "period": "first_half"}, "home_goals"),
        ({"home_goals": 1, "away_goals": "2", "period": "first_half"}, "away_goals"),
        ({"home_goals": 1, "away_goals": 1.0, "period": "first_half"}, "away_goals"),
        ({"home_goals": 1, "away_goals": 100, "period": "first_half"}, "away_goals"),
        ({"home_goals": 1, "away_goals": 0}, "period"),
        ({"home_goals": 1, "away_goals": 0, "period": "first_half", "minute": 12}, "minute"),
        ({"home_goals": 1, "away_goals": 0, "period": "first_half", "reason": "a\x00b"}, "reason"),
    ],
)
def test_a_malformed_body_is_refused_naming_the_field(client, editor_token, body, field):
    match = league_match()
    response = post_score(client, match.id, body, editor_token)
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert not Change.objects.filter(match=match).exists()


def test_each_refusal_of_the_service_is_a_4xx_naming_the_field(client, editor_token):
    match = league_match()
    unknown = post_score(client, match.id, {"home_goals": 0, "away_goals": 0, "period": "penalties"}, editor_token)
    assert (unknown.status_code, unknown.json()["field"], unknown.json()["code"]) == (400, "period", "invalid_period")
    post_score(client, match.id, {"home_goals": 1, "away_goals": 0, "period": "second_half"}, editor_token)
    backwards = post_score(client, match.id, {"home_goals": 1, "away_goals": 0, "period": "half_time"}, editor_token)
    assert (backwards.status_code, backwards.json()["field"], backwards.json()["code"]) == (
        409, "period", "period_backwards")
    post_score(client, match.id, {"home_goals": 1, "away_goals": 0, "period": "full_time"}, editor_token)
    finished = post_score(client, match.id, {"home_goals": 1, "away_goals": 1, "period": "full_time"}, editor_token)
    assert (finished.status_code, finished.json()["code"]) == (403, "match_finished")
    assert Match.objects.get(pk=match.pk).away_score == 0


def test_a_match_with_events_is_a_conflict(client, editor_token):
    match = league_match(with_lineups=True, kicked_off=True)
    response = post_score(client, match.id, {"home_goals": 1, "away_goals": 0, "period": "first_half"}, editor_token)
    assert (response.status_code, response.json()["code"]) == (409, "has_events")


def test_an_unknown_match_is_404(client, editor_token):
    response = post_score(client, 987654, {"home_goals": 1, "away_goals": 0, "period": "first_half"}, editor_token)
    assert response.status_code == 404 and response.json()["field"] == "match"


def test_an_admin_corrects_a_finished_match_with_a_reason(client):
    match = league_match()
    services.record_score(match_id=match.id, home_goals=1, away_goals=0, period="full_time",
                          user=make_user(role="Editors"))
    token = services.create_api_token(user=make_user(role="Admins"))
    body = {"home_goals": 1, "away_goals": 1, "period": "full_time"}
    no_reason = post_score(client, match.id, body, token)
    assert (no_reason.status_code, no_reason.json()["field"]) == (400, "reason")
    fixed = post_score(client, match.id, {**body, "reason": "Equaliser missed in the feed"}, token)
    assert fixed.status_code == 200 and fixed.json()["match"]["away_score"] == 1
