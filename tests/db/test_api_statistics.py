"""Match statistics over the wire: recorded, corrected and removed through the JSON API, read back in the
snapshot, and pushed to a fan's socket with every change."""

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from events import services
from matchcentre.asgi import application
from tests.factories import make_match, make_user, player

ORIGIN = [(b"origin", b"http://testserver")]


@pytest.fixture
def match():
    return make_match(kicked_off=True)


@pytest.fixture
def token():
    return services.create_api_token(user=make_user(role="Editors"))


def bearer(token) -> dict:
    return {"Authorization": f"Bearer {token}"}


def post_event(client, match, token, **body):
    return client.post(f"/api/matches/{match.id}/events", data=json.dumps(body), content_type="application/json",
                       headers=bearer(token))


def statistics(client, match) -> dict | None:
    return client.get(f"/api/matches/{match.id}").json()["match"]["statistics"]


# --- the API --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_editor_posts_a_corner_and_the_snapshot_counts_it(client, match, token):
    assert statistics(client, match) is None
    response = post_event(client, match, token, kind="corner", minute=14, team=match.home_id, idempotency_key="c-1")
    assert response.status_code == 201, response.json()
    event = response.json()["event"]
    assert (event["kind"], event["kind_label"], event["team"]["id"], event["player"]) == (
        "corner", "Corner", match.home_id, None)
    assert event["is_statistic"] is True
    counted = statistics(client, match)
    assert counted["corners"] == {"home": 1, "away": 0}
    assert counted["shots"] == {"home": 0, "away": 0}


@pytest.mark.django_db
def test_the_match_page_names_the_statistics_in_the_readers_language(client, match):
    services.record_event(match_id=match.id, kind="corner", minute=14, team_id=match.home_id)
    page = client.get(f"/matches/{match.id}/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    names = ('<span class="stat__name">Schüsse aufs Tor</span>', '<span class="stat__name">Ecken</span>',
             '<span class="stat__name">Abseits</span>')
    assert all(name in page for name in names)
    assert '<span class="stat__name">Corners</span>' not in page


@pytest.mark.django_db
def test_a_shot_on_target_with_its_player_counts_as_a_shot_too(client, match, token):
    response = post_event(client, match, token, kind="shot_on_target", minute=33, team=match.away_id,
                          player=player(match.away, 9).id)
    assert response.status_code == 201, response.json()
    assert response.json()["event"]["player"]["id"] == player(match.away, 9).id
    counted = statistics(client, match)
    assert counted["shots"] == {"home": 0, "away": 1} and counted["shots_on_target"] == {"home": 0, "away": 1}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["shot", "shot_on_target", "corner", "foul", "offside"])
def test_a_statistic_without_a_team_is_a_400_naming_the_team(client, match, token, kind):
    response = post_event(client, match, token, kind=kind, minute=14)
    assert response.status_code == 400
    assert response.json()["field"] == "team" and response.json()["code"] == "required"
    assert statistics(client, match) is None


@pytest.mark.django_db
def test_a_statistic_for_a_team_not_in_the_match_is_a_400_naming_the_team(client, match, token):
    stranger = make_match().home_id
    response = post_event(client, match, token, kind="foul", minute=14, team=stranger)
    assert response.status_code == 400 and response.json()["field"] == "team"


@pytest.mark.django_db
def test_a_statistic_needs_an_editor(client, match):
    response = client.post(f"/api/matches/{match.id}/events", data=json.dumps(
        {"kind": "corner", "minute": 14, "team": match.home_id}), content_type="application/json")
    assert response.status_code == 401
    assert statistics(client, match) is None


@pytest.mark.django_db
def test_deleting_a_statistic_lowers_the_count_and_patching_it_moves_it(client, match, token):
    first = post_event(client, match, token, kind="foul", minute=14, team=match.home_id).json()["event"]
    post_event(client, match, token, kind="foul", minute=20, team=match.home_id)
    assert statistics(client, match)["fouls"] == {"home": 2, "away": 0}

    response = client.delete(f"/api/events/{first['id']}?version=1&reason=Advantage%20played", headers=bearer(token))
    assert response.status_code == 200 and response.json()["event"]["state"] == "removed"
    assert statistics(client, match)["fouls"] == {"home": 1, "away": 0}

    shot = post_event(client, match, token, kind="shot", minute=25, team=match.home_id).json()["event"]
    response = client.patch(f"/api/events/{shot['id']}", data=json.dumps({"version": 1, "kind": "shot_on_target"}),
                            content_type="application/json", headers=bearer(token))
    assert response.status_code == 200, response.json()
    counted = statistics(client, match)
    assert counted["shots"] == {"home": 1, "away": 0} and counted["shots_on_target"] == {"home": 1, "away": 0}


# --- the socket -------------------------------------------------------------------------------------------


async def receive(communicator) -> dict:
    return json.loads(await communicator.receive_from(timeout=2))


@database_sync_to_async
def record(match, kind, team_id):
    return services.record_event(match_id=match.id, kind=kind, minute=17, team_id=team_id)


@database_sync_to_async
def remove(event):
    return services.remove_event(event_id=event.id)


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_fan_gets_the_new_counts_with_the_change():
    match = await database_sync_to_async(make_match)(kicked_off=True)
    await record(match, "corner", match.away_id)
    fan = WebsocketCommunicator(application, f"/ws/matches/{match.id}/?v=2", headers=ORIGIN)
    connected, _ = await fan.connect()
    assert connected
    snapshot = await receive(fan)
    assert snapshot["match"]["statistics"]["corners"] == {"home": 0, "away": 1}
    assert (await receive(fan))["type"] == "table"

    corner = await record(match, "corner", match.home_id)
    change = await receive(fan)
    assert change["type"] == "change" and change["event"]["id"] == corner.event.id
    assert change["match"]["statistics"]["corners"] == {"home": 1, "away": 1}

    await remove(corner.event)
    change = await receive(fan)
    assert change["op"] == "remove" and change["match"]["statistics"]["corners"] == {"home": 0, "away": 1}
    await fan.disconnect()
