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
    assert english_table["type"] == german_table["type"] == "table"
    assert same_figures(english_table, german_table)
    assert notes_of(english_table, match.home_id)[1] == "Ahead of the next team on points"
    assert notes_of(german_table, match.home_id)[1] == "Vor dem nächsten Team durch: Punkte"
    for fan in (english, german):
        assert await fan.receive_nothing(timeout=0.2)
        await fan.disconnect()


def same_figures(english: dict, other: dict) -> bool:
    """Two languages' table updates: the same version, base, rows and moves; only the words differ."""
    strip = lambda message: {  # noqa: E731
        **message, "rows": [{k: v for k, v in row.items() if k not in ("notes", "form")} for row in message["rows"]]}
    return strip(english) == strip(other)


def notes_of(table: dict, team_id: int) -> list:
    return next(row["notes"] for row in table["rows"] if row["team"] == team_id)


async def test_a_german_match_socket_gets_the_german_table_update_with_the_change_once():
    match = await kicked_off_match()
    english, german = connect(match.id, "&table=0"), connect(match.id, "&lang=de&table=0")
    for fan in (english, german):
        assert (await fan.connect())[0]
        await receive(fan)  # the snapshot
        assert (await receive(fan))["type"] == "table"  # the table whole: the page showed another version
    await score_goal(match)
    for fan in (english, german):
        assert (await receive(fan))["type"] == "change"
    english_table, german_table = await receive(english), await receive(german)
    assert english_table["type"] == german_table["type"] == "table" and same_figures(english_table, german_table)
    assert notes_of(german_table, match.home_id)[1] == "Vor dem nächsten Team durch: Punkte"
    assert notes_of(english_table, match.home_id)[1] == "Ahead of the next team on points"
    for fan in (english, german):
        assert await fan.receive_nothing(timeout=0.2)  # the table's feed does not send it again
        await fan.disconnect()


@database_sync_to_async
def two_legged_tie():
    from tests.db.test_bracket_page import make_two_legged_tie

    tie, _first, second = make_two_legged_tie()
    return tie.stage.competition_id, second


async def test_a_german_bracket_socket_gets_its_opening_and_the_bracket_changes_in_german():
    competition_id, second = await two_legged_tie()
    path = f"/ws/competitions/{competition_id}/bracket/?v={protocol.PROTOCOL_VERSION}"
    english = WebsocketCommunicator(application, path, headers=ORIGIN)
    german = WebsocketCommunicator(application, path + "&lang=de", headers=ORIGIN)
    for fan in (english, german):
        assert (await fan.connect())[0]
    english_snapshot, german_snapshot = await receive(english), await receive(german)
    assert english_snapshot["versions"] == german_snapshot["versions"]
    assert "Hinspiel" in german_snapshot["html"] and "First leg" in english_snapshot["html"]
    await database_sync_to_async(services.record_event)(match_id=second.id, kind="period_start")
    await database_sync_to_async(services.record_event)(
        match_id=second.id, kind="goal", minute=10, team_id=second.home_id, player_id=(
            await database_sync_to_async(player)(second.home, 9)).id)
    for fan in (english, german):
        await receive(fan)  # the kick-off
    english_goal, german_goal = await receive(english), await receive(german)
    assert (english_goal["seq"], english_goal["version"]) == (german_goal["seq"], german_goal["version"])
    assert english_goal["tie"]["aggregate"] == german_goal["tie"]["aggregate"] == [2, 2]
    assert english_goal["tie"]["state"]["sentence"] == "Level 2-2 on aggregate"
    assert german_goal["tie"]["state"]["sentence"] == "Gleichstand 2-2 nach Hin- und Rückspiel"
    assert "Gleichstand 2-2 nach Hin- und Rückspiel" in german_goal["html"] and "Hinspiel" in german_goal["html"]
    for fan in (english, german):
        assert await fan.receive_nothing(timeout=0.2)
        await fan.disconnect()


async def test_each_language_has_a_bracket_feed_of_its_own():
    assert protocol.bracket_feed(3) == protocol.bracket_feed(3, "en") == "bracket.3"
    assert protocol.bracket_feed(3, "es") == "bracket.3.es"


async def test_an_editors_console_socket_speaks_its_language_with_the_same_seqs():
    from asgiref.sync import sync_to_async

    from tests.db.test_consumers import signed_in
    from tests.factories import make_user

    match = await kicked_off_match()
    _client, headers = await sync_to_async(signed_in)(await database_sync_to_async(make_user)("editor"))
    consoles = {}
    for language in ("en", "de"):
        path = f"/ws/editor/matches/{match.id}/?v={protocol.PROTOCOL_VERSION}&lang={language}"
        consoles[language] = WebsocketCommunicator(application, path, headers=headers)
        assert (await consoles[language].connect())[0]
    english, german = [await receive(consoles[language]) for language in ("en", "de")]
    assert english["type"] == german["type"] == "snapshot" and english["seq"] == german["seq"]
    assert german["match"]["period_label"] == "Erste Halbzeit"

    await score_goal(match)
    english, german = [await receive(consoles[language]) for language in ("en", "de")]
    assert english["seq"] == german["seq"] and english["event"]["id"] == german["event"]["id"]
    assert (english["event"]["kind_label"], german["event"]["kind_label"]) == ("Goal", "Tor")
    assert ">Goal<" in english["html"]["event"] and ">Tor<" in german["html"]["event"]

    await end_first_half(match)
    english, german = [await receive(consoles[language]) for language in ("en", "de")]
    assert (english["match"]["period_label"], german["match"]["period_label"]) == ("Half-time", "Halbzeit")
    assert (english["event"]["period_label"], german["event"]["period_label"]) == ("First half", "Erste Halbzeit")
    for console in consoles.values():
        assert await console.receive_nothing(timeout=0.2)  # one copy of each change, not one per language
        await console.disconnect()
