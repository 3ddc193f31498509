"""A shootout through the API and the websocket: each kick a change with the shootout score apart."""

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from events import services
from events.models import Match, MatchEvent
from matchcentre.asgi import application
from tests.db.services.test_knockout_ties import to_penalties
from tests.factories import make_user, player

ORIGIN = [(b"origin", b"http://testserver")]


def post(client, path, token, body):
    return client.post(path, data=json.dumps(body), content_type="application/json",
                       headers={"Authorization": f"Bearer {token}"})


def kick_body(team, number, outcome, key=""):
    return {"kind": "shootout_kick", "team": team.id, "player": player(team, number).id, "kick_outcome": outcome,
            "idempotency_key": key}


@pytest.mark.django_db
def test_kicks_and_a_retake_through_the_api(client):
    match, team_a, team_b = to_penalties()
    token = services.create_api_token(user=make_user(role="Editors"))
    first = post(client, f"/api/matches/{match.id}/events", token, kick_body(team_b, 2, "scored", "k1"))
    assert first.status_code == 201
    again = post(client, f"/api/matches/{match.id}/events", token, kick_body(team_b, 2, "scored", "k1"))
    assert again.status_code == 200 and again.json()["event"]["id"] == first.json()["event"]["id"]
    saved = post(client, f"/api/matches/{match.id}/events", token, kick_body(team_a, 2, "saved"))
    assert saved.status_code == 201
    out_of_turn = post(client, f"/api/matches/{match.id}/events", token, kick_body(team_a, 3, "scored"))
    assert out_of_turn.status_code == 409
    assert out_of_turn.json()["field"] == "team" and "kick" in out_of_turn.json()["detail"]
    bad = post(client, f"/api/matches/{match.id}/events", token, kick_body(team_a, 3, "hit the post"))
    assert bad.status_code == 400 and bad.json()["field"] == "kick_outcome"
    retake = post(client, f"/api/events/{saved.json()['event']['id']}/retake", token,
                  {"reason": "Goalkeeper off his line"})
    assert retake.status_code == 200 and retake.json()["event"]["state"] == "retaken"
    no_reason = post(client, f"/api/events/{first.json()['event']['id']}/retake", token, {})
    assert no_reason.status_code == 422
    assert post(client, f"/api/matches/{match.id}/events", token, kick_body(team_a, 2, "scored")).status_code == 201
    match.refresh_from_db()
    assert (match.home_penalties, match.away_penalties) == (1, 1)
    assert MatchEvent.objects.filter(match=match, kind="shootout_kick").count() == 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_each_kick_reaches_fans_as_a_change_with_the_shootout_apart_from_the_score():
    match, _team_a, team_b = await database_sync_to_async(to_penalties)()
    fan = WebsocketCommunicator(application, f"/ws/matches/{match.id}/?v=2", headers=ORIGIN)
    await fan.connect()
    snapshot = json.loads(await fan.receive_from(timeout=2))
    assert snapshot["match"]["period"] == "penalties" and snapshot["match"]["penalties"] is None
    await database_sync_to_async(services.record_event)(
        match_id=match.id, kind="shootout_kick", team_id=team_b.id, player_id=(await database_sync_to_async(
            player)(team_b, 2)).id, kick_outcome="scored")
    change = json.loads(await fan.receive_from(timeout=2))
    assert change["type"] == "change" and change["event"]["kind"] == "shootout_kick"
    # A fan's change carries what of the match changed: the shootout, not the score (still 1-0 after extra time).
    assert change["match"]["penalties"] == {"home": 1, "away": 0}
    assert not {"home_score", "away_score", "extra_time"} & set(change["match"])
    assert "penalties 1–0" in change["html"]["knockout"]
    await fan.disconnect()
    assert await database_sync_to_async(Match.objects.filter(pk=match.pk, home_penalties=1).exists)()


@pytest.mark.django_db
def test_a_shootout_known_by_its_result_only_is_posted_once_and_ends_the_match(client):
    match, _team_a, _team_b = to_penalties()
    token = services.create_api_token(user=make_user(role="Editors"))
    url = f"/api/matches/{match.id}/shootout"
    impossible = post(client, url, token, {"home": 7, "away": 2})
    assert impossible.status_code == 400 and impossible.json()["field"] == "penalties"
    malformed = post(client, url, token, {"home": "4", "away": 2})
    assert malformed.status_code == 422
    done = post(client, url, token, {"home": 4, "away": 2})
    assert done.status_code == 200, done.json()
    shown = done.json()["match"]
    assert shown["status"] == "finished"
    stored = Match.objects.get(pk=match.pk)
    assert (stored.home_penalties, stored.away_penalties) == (4, 2)
    assert not MatchEvent.objects.filter(match=match, kind="shootout_kick").exists()  # no kick made up
    seq = stored.seq
    # A retry of the same post (a lost answer) changes nothing; another result is refused.
    assert post(client, url, token, {"home": 4, "away": 2}).json()["seq"] == seq
    other = post(client, url, token, {"home": 5, "away": 4})
    assert other.status_code == 409 and Match.objects.get(pk=match.pk).home_penalties == 4


@pytest.mark.django_db
def test_a_shootout_result_is_refused_before_the_shootout_and_once_kicks_are_recorded(client):
    match, _team_a, team_b = to_penalties()
    token = services.create_api_token(user=make_user(role="Editors"))
    assert post(client, f"/api/matches/{match.id}/events", token, kick_body(team_b, 2, "scored")).status_code == 201
    with_kicks = post(client, f"/api/matches/{match.id}/shootout", token, {"home": 4, "away": 2})
    assert with_kicks.status_code == 409 and with_kicks.json()["code"] == "has_kicks"
    assert post(client, "/api/matches/999999/shootout", token, {"home": 4, "away": 2}).status_code == 404
    fan = services.create_api_token(user=make_user(role=None))
    assert post(client, f"/api/matches/{match.id}/shootout", fan, {"home": 4, "away": 2}).status_code == 403
    assert client.post(f"/api/matches/{match.id}/shootout", data="{}", content_type="application/json") \
        .status_code == 401
