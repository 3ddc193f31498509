"""The notifications socket (/ws/notifications/?teams=…): any page of a fan who follows teams gets their matches'
notifications through the process's fan-out; bad input is closed with a code that says so."""

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from events import services
from live import protocol
from matchcentre.asgi import application
from tests.factories import make_match, make_team, player

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

ORIGIN = [(b"origin", b"http://testserver")]


def connect(query: str) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"/ws/notifications/?{query}", headers=ORIGIN)


@database_sync_to_async
def kicked_off_match():
    return make_match(kicked_off=True)


@database_sync_to_async
def other_team():
    return make_team()


@database_sync_to_async
def score(match, team):
    return services.record_event(match_id=match.id, kind="goal", minute=12, team_id=team.id,
                                 player_id=player(team, 9).id)


async def test_a_followed_teams_goal_reaches_the_socket_once_and_other_teams_goals_do_not():
    match, elsewhere = await kicked_off_match(), await kicked_off_match()
    fan = connect(f"teams={match.home_id},{match.away_id}&v={protocol.PROTOCOL_VERSION}")
    connected, _ = await fan.connect()
    assert connected

    await score(elsewhere, elsewhere.home)
    scored = await score(match, match.away)

    # Following both teams, the page hears it from each team's feed, and shows it once (by its id and tag).
    first = json.loads(await fan.receive_from(timeout=2))
    second = json.loads(await fan.receive_from(timeout=2))
    assert first == second
    assert (first["type"], first["kind"], first["tag"]) == ("notification", "goal", f"event-{scored.event.id}")
    assert first["url"] == f"/matches/{match.id}/"
    assert await fan.receive_nothing(timeout=0.3)
    await fan.disconnect()


@pytest.mark.parametrize("query", [
    "v=2", "teams=&v=2", "teams=abc&v=2", "teams=01&v=2", "teams=1,1&v=2", "teams=-1&v=2",
    "teams=" + ",".join(str(n) for n in range(1, 52)) + "&v=2",
])
async def test_bad_team_lists_are_closed_with_4400(query):
    fan = connect(query)
    connected, _ = await fan.connect()
    assert connected  # accepted, then closed with our code, so that the page can tell why
    closed = await fan.receive_output(timeout=2)
    assert closed == {"type": "websocket.close", "code": protocol.CLOSE_BAD_REQUEST, "reason": closed.get("reason")}
    await fan.disconnect()


async def test_another_protocol_version_is_told_to_reload():
    team = await other_team()
    fan = connect(f"teams={team.id}")
    await fan.connect()
    error = json.loads(await fan.receive_from(timeout=2))
    assert (error["type"], error["code"]) == ("error", "protocol_version")
    assert (await fan.receive_output(timeout=2))["code"] == protocol.CLOSE_OLD_PROTOCOL
    await fan.disconnect()


async def test_a_page_in_another_language_gets_its_languages_feed():
    match = await kicked_off_match()
    fan = connect(f"teams={match.home_id}&v={protocol.PROTOCOL_VERSION}&lang=de")
    await fan.connect()
    scored = await score(match, match.home)
    message = json.loads(await fan.receive_from(timeout=2))
    assert (message["kind"], message["tag"]) == ("goal", f"event-{scored.event.id}")
    assert await fan.receive_nothing(timeout=0.3)  # from the German feed alone
    await fan.disconnect()
