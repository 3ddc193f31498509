"""A fan's socket in the page's language: its opening and every change in it, with the same seqs and figures
as the site's language, one copy per change."""

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from events import services
from live import protocol
from matchcentre.asgi import application
from tests.factories import make_match, player

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

ORIGIN = [(b"origin", b"http://testserver")]


def connect(match_id: int, query: str = "") -> WebsocketCommunicator:
    path = f"/ws/matches/{match_id}/?v={protocol.PROTOCOL_VERSION}{query}"
    return WebsocketCommunicator(application, path, headers=ORIGIN)


async def receive(communicator) -> dict:
    return json.loads(await communicator.receive_from(timeout=2))


@database_sync_to_async
def kicked_off_match():
    return make_match(kicked_off=True)


@database_sync_to_async
def score_goal(match, minute=10):
    return services.record_event(
        match_id=match.id, kind="goal", minute=minute, team_id=match.home_id, player_id=player(match.home, 9).id
    )


@database_sync_to_async
def end_first_half(match):
    return services.record_event(match_id=match.id, kind="period_end", minute=45, period="first_half")


async def test_a_german_socket_gets_its_opening_and_changes_in_german_with_the_same_seqs():
    match = await kicked_off_match()
    english, german = connect(match.id), connect(match.id, "&lang=de-AT")
    for fan in (english, german):
        assert (await fan.connect())[0]
    openings = [await receive(fan) for fan in (english, german)]
    tables = [await receive(fan) for fan in (english, german)]
    assert tables[0]["version"] == tables[1]["version"]
    assert 'title="Points"' in tables[0]["html"] and 'title="Punkte"' in tables[1]["html"]
    assert openings[0]["seq"] == openings[1]["seq"]
    assert openings[0]["match"]["period_label"] == "First half"
    assert openings[1]["match"]["period_label"] == "Erste Halbzeit"
    assert "Anpfiff" in openings[1]["html"]["timeline"]

    await score_goal(match)
    english_goal, german_goal = await receive(english), await receive(german)
    assert english_goal["seq"] == german_goal["seq"] and english_goal["match"] == german_goal["match"]
    assert english_goal["event"] == german_goal["event"]
    assert ">Goal<" in english_goal["html"]["event"] and ">Tor<" in german_goal["html"]["event"]
    for fan in (english, german):
        await receive(fan)  # the table's update
        assert await fan.receive_nothing(timeout=0.2)  # one copy of the change, not one per language

    await end_first_half(match)
    english_ht, german_ht = await receive(english), await receive(german)
    assert english_ht["match"]["period_label"] == "Half-time" and german_ht["match"]["period_label"] == "Halbzeit"
    assert english_ht["match"]["period"] == german_ht["match"]["period"] == "half_time"
    for fan in (english, german):
        await fan.disconnect()


async def test_a_socket_resuming_in_italian_gets_the_missed_changes_in_italian():
    match = await kicked_off_match()
    await score_goal(match)
    fan = connect(match.id, "&lang=it&since=1")
    assert (await fan.connect())[0]
    missed = await receive(fan)
    assert missed["type"] == "change" and missed["seq"] == 2 and ">Gol<" in missed["html"]["event"]
    await fan.disconnect()


async def test_an_unknown_language_is_the_sites():
    match = await kicked_off_match()
    fan = connect(match.id, "&lang=xx")
    assert (await fan.connect())[0]
    assert (await receive(fan))["match"]["period_label"] == "First half"
    await fan.disconnect()


async def test_each_language_has_a_feed_of_its_own_and_the_sites_keeps_its_name():
    assert protocol.match_feed(7) == protocol.match_feed(7, "en") == "match.7"
    assert protocol.match_feed(7, "de") == "match.7.de"
    assert protocol.parse_language(b"v=2&lang=nl-BE") == "nl" and protocol.parse_language(b"v=2") == "en"


async def test_a_group_socket_gets_its_opening_changes_and_table_in_its_language():
    match = await kicked_off_match()
    path = f"/ws/groups/{match.group_id}/?v={protocol.PROTOCOL_VERSION}"
    english = WebsocketCommunicator(application, path, headers=ORIGIN)
    german = WebsocketCommunicator(application, path + "&lang=de", headers=ORIGIN)
    for fan in (english, german):
        assert (await fan.connect())[0]
    snapshots = [await receive(fan) for fan in (english, german)]
    assert snapshots[0]["type"] == snapshots[1]["type"] == "group_snapshot"
    for fan in (english, german):
        await receive(fan)  # the table, whole
    await score_goal(match)
    english_goal, german_goal = await receive(english), await receive(german)
    assert english_goal["seq"] == german_goal["seq"] and english_goal["match"] == german_goal["match"]
    assert ">Goal<" in english_goal["html"]["event"] and ">Tor<" in german_goal["html"]["event"]
    english_table, german_table = await receive(english), await receive(german)
    assert english_table == german_table and english_table["type"] == "table"
    for fan in (english, german):
        assert await fan.receive_nothing(timeout=0.2)
        await fan.disconnect()
