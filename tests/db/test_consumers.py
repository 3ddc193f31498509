import json

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from events import services
from live import consumers, protocol
from matchcentre.asgi import application
from tests.factories import make_match, make_user, player

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

ORIGIN = [(b"origin", b"http://testserver")]


def connect(path: str, origin=ORIGIN) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, path, headers=origin)


async def receive(communicator) -> dict:
    return json.loads(await communicator.receive_from(timeout=2))


@database_sync_to_async
def kicked_off_match():
    return make_match(kicked_off=True)


@database_sync_to_async
def score_goal(match, number=9, minute=10):
    return services.record_event(
        match_id=match.id, kind="goal", minute=minute, team_id=match.home_id, player_id=player(match.home, number).id
    )


async def test_first_message_is_a_snapshot_stamped_with_the_current_seq():
    match = await kicked_off_match()
    await score_goal(match)
    fan = connect(f"/ws/matches/{match.id}/")
    connected, _ = await fan.connect()
    assert connected
    snapshot = await receive(fan)
    assert snapshot["type"] == "snapshot" and snapshot["seq"] == 2
    assert snapshot["match"]["home_score"] == 1
    assert [event["kind"] for event in snapshot["events"]] == ["period_start", "goal"]
    assert 'id="timeline"' in snapshot["html"]["timeline"]
    await fan.disconnect()


async def test_a_change_reaches_the_fan_after_the_snapshot():
    match = await kicked_off_match()
    fan = connect(f"/ws/matches/{match.id}/")
    await fan.connect()
    await receive(fan)
    result = await score_goal(match)
    change = await receive(fan)
    assert change["type"] == "change" and change["seq"] == 2 and change["op"] == "add"
    assert change["event"]["id"] == result.event.id and change["match"]["home_score"] == 1
    assert change["table"]["rows"][0]["team"]["id"] == match.home_id
    await fan.disconnect()


async def test_since_n_sends_only_the_missed_changes_in_order():
    match = await kicked_off_match()
    for minute in (10, 20, 30):
        await score_goal(match, minute=minute)
    fan = connect(f"/ws/matches/{match.id}/?since=2")
    await fan.connect()
    first, second = await receive(fan), await receive(fan)
    assert [first["seq"], second["seq"]] == [3, 4]
    assert [first["type"], second["type"]] == ["change", "change"]
    assert first["table"] is None and second["table"]["rows"][0]["goals_for"] == 3
    assert await fan.receive_nothing(timeout=0.2)
    await fan.disconnect()


async def test_since_the_current_seq_sends_nothing_until_the_next_change():
    match = await kicked_off_match()
    fan = connect(f"/ws/matches/{match.id}/?since=1")
    await fan.connect()
    assert await fan.receive_nothing(timeout=0.2)
    await score_goal(match)
    assert (await receive(fan))["seq"] == 2
    await fan.disconnect()


@pytest.mark.parametrize("since", ["99", "-5", "abc"])
async def test_an_unknown_since_gets_a_fresh_snapshot(since):
    match = await kicked_off_match()
    fan = connect(f"/ws/matches/{match.id}/?since={since}")
    await fan.connect()
    snapshot = await receive(fan)
    assert snapshot["type"] == "snapshot" and snapshot["seq"] == 1
    await fan.disconnect()


async def test_a_client_that_missed_a_change_sees_the_gap_and_recovers_it():
    """The layer may drop a message; the next one's seq shows the gap and since=N fills it."""
    match = await kicked_off_match()
    await score_goal(match, minute=10)  # seq 2: "dropped" for this fan, who last saw seq 1
    fan = connect(f"/ws/matches/{match.id}/?since=1")
    await fan.connect()
    recovered = await receive(fan)
    assert recovered["seq"] == 2 and recovered["event"]["minute"] == 10
    await fan.disconnect()


async def test_unknown_match_or_group_is_closed_with_4404():
    for path in ("/ws/matches/999999/", "/ws/groups/999999/"):
        fan = connect(path)
        connected, _ = await fan.connect()
        assert connected
        closed = await fan.receive_output(timeout=1)
        assert (closed["type"], closed["code"]) == ("websocket.close", 4404)


@pytest.mark.parametrize("path", ["/ws/nowhere/", "/ws/matches/abc/", "/ws/matches/+1/", "/ws/matches/1",
                                  "/ws/editor/", "/", "/ws/groups/1/extra/", "/ws/matches/99999999999999999999/"])
async def test_an_unknown_path_is_closed_with_4404_without_an_error_logged(path, caplog):
    """The router raised for a path it has no route for: Daphne answered 500 and logged a traceback,
    for anyone who asked."""
    fan = connect(path)
    connected, _ = await fan.connect()
    assert connected
    assert await closed_with(fan) == protocol.CLOSE_NOT_FOUND
    await fan.disconnect()
    assert not [record for record in caplog.records if record.levelname in ("ERROR", "CRITICAL")]


async def test_fans_are_read_only():
    match = await kicked_off_match()
    fan = connect(f"/ws/matches/{match.id}/")
    await fan.connect()
    await receive(fan)
    await fan.send_to(text_data=json.dumps({"type": "record_event", "kind": "goal"}))
    assert (await receive(fan))["code"] == "read_only"
    await fan.send_to(text_data=json.dumps({"type": "ping"}))
    assert (await receive(fan))["type"] == "pong"
    await fan.disconnect()


async def test_a_foreign_origin_is_refused():
    match = await kicked_off_match()
    fan = connect(f"/ws/matches/{match.id}/", origin=[(b"origin", b"https://evil.example")])
    connected, _ = await fan.connect()
    assert not connected


async def test_group_socket_sends_a_group_snapshot_then_every_match_change():
    match = await kicked_off_match()
    fan = connect(f"/ws/groups/{match.group_id}/")
    await fan.connect()
    snapshot = await receive(fan)
    assert snapshot["type"] == "group_snapshot" and [m["id"] for m in snapshot["matches"]] == [match.id]
    assert snapshot["matches"][0]["seq"] == 1
    await score_goal(match)
    change = await receive(fan)
    assert change["match_id"] == match.id and change["seq"] == 2
    assert change["table"]["provisional"] is True and change["html"]["table"]
    await fan.disconnect()


async def closed_with(communicator) -> int:
    """The close code the server sent, skipping whatever it sent before it."""
    while True:
        output = await communicator.receive_output(timeout=2)
        if output["type"] == "websocket.close":
            return output["code"]


async def test_a_message_over_the_size_limit_closes_the_socket_with_4413():
    match = await kicked_off_match()
    for frame in ({"text_data": "x" * (protocol.MAX_MESSAGE_BYTES + 1)}, {"bytes_data": b"\0" * 2_000_000}):
        fan = connect(f"/ws/matches/{match.id}/")
        await fan.connect()
        await receive(fan)
        await fan.send_to(**frame)
        assert await closed_with(fan) == 4413
        await fan.disconnect()
    # A ping at the limit is still a ping.
    fan = connect(f"/ws/matches/{match.id}/")
    await fan.connect()
    await receive(fan)
    await fan.send_to(text_data=json.dumps({"type": "ping", "pad": "y" * (protocol.MAX_MESSAGE_BYTES - 40)}))
    assert (await receive(fan))["type"] == "pong"
    await fan.disconnect()


async def test_a_fan_sending_faster_than_the_limit_is_closed_with_4429():
    match = await kicked_off_match()
    fan = connect(f"/ws/matches/{match.id}/")
    await fan.connect()
    await receive(fan)
    for _ in range(protocol.MESSAGE_BURST):
        await fan.send_to(text_data=json.dumps({"type": "ping"}))
        assert (await receive(fan))["type"] == "pong"
    await fan.send_to(text_data=json.dumps({"type": "ping"}))
    assert await closed_with(fan) == 4429
    await fan.disconnect()


async def test_connections_per_client_address_are_limited(settings):
    settings.WEBSOCKET_MAX_CONNECTIONS_PER_ADDRESS = 2
    match = await kicked_off_match()

    def from_address(address: str) -> WebsocketCommunicator:
        fan = connect(f"/ws/matches/{match.id}/")
        fan.scope["client"] = [address, 50000]
        return fan

    first, second, third = (from_address("203.0.113.7") for _ in range(3))
    for fan in (first, second):
        await fan.connect()
        assert (await receive(fan))["type"] == "snapshot"
    await third.connect()
    assert await closed_with(third) == 4429
    other = from_address("198.51.100.1")
    await other.connect()
    assert (await receive(other))["type"] == "snapshot"
    # A socket that ends frees its place.
    await first.disconnect()
    await third.wait()
    again = from_address("203.0.113.7")
    await again.connect()
    assert (await receive(again))["type"] == "snapshot"
    for fan in (second, other, again):
        await fan.disconnect()
    assert consumers.sockets_by_address["203.0.113.7"] == 0


def signed_in(user) -> tuple[Client, list]:
    client = Client()
    client.force_login(user)
    return client, [*ORIGIN, (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())]


async def test_the_editor_socket_is_for_signed_in_editors_only():
    match = await kicked_off_match()
    path = f"/ws/editor/matches/{match.id}/"
    anonymous = connect(path)
    await anonymous.connect()
    assert await closed_with(anonymous) == 4401
    _client, fan_headers = await sync_to_async(signed_in)(await database_sync_to_async(make_user)("fan", role=None))
    fan = connect(path, origin=fan_headers)
    await fan.connect()
    assert await closed_with(fan) == 4403
    _client, editor_headers = await sync_to_async(signed_in)(await database_sync_to_async(make_user)("editor"))
    editor = connect(path, origin=editor_headers)
    await editor.connect()
    assert (await receive(editor))["type"] == "snapshot"
    await score_goal(match)
    assert (await receive(editor))["seq"] == 2
    await editor.disconnect()


async def test_signing_out_closes_that_editors_sockets_and_no_one_elses():
    match = await kicked_off_match()
    path = f"/ws/editor/matches/{match.id}/"
    client, headers = await sync_to_async(signed_in)(await database_sync_to_async(make_user)("editor"))
    _other, other_headers = await sync_to_async(signed_in)(await database_sync_to_async(make_user)("colleague"))
    tabs = [connect(path, origin=headers), connect(path, origin=headers)]
    colleague = connect(path, origin=other_headers)
    fan = connect(f"/ws/matches/{match.id}/")
    for socket in (*tabs, colleague, fan):
        await socket.connect()
        assert (await receive(socket))["type"] == "snapshot"
    response = await sync_to_async(client.post)("/editor/logout/")
    assert response.status_code in (200, 302)
    for tab in tabs:
        assert await closed_with(tab) == 4401
    await score_goal(match)
    assert (await receive(colleague))["seq"] == 2
    assert (await receive(fan))["seq"] == 2
    for socket in (*tabs, colleague, fan):
        await socket.disconnect()


async def test_a_retried_submission_reaches_fans_that_missed_it_and_no_one_twice(monkeypatch):
    """The first attempt may commit unheard (its connection lost after the COMMIT): its broadcast never
    went out. The retry announces the change again; fans that had it get no copy."""
    match = await kicked_off_match()
    fan = connect(f"/ws/matches/{match.id}/")
    await fan.connect()
    await receive(fan)

    def record(key: str):
        return services.record_event(match_id=match.id, kind="goal", minute=5, team_id=match.home_id,
                                     player_id=player(match.home, 9).id, idempotency_key=key)

    with monkeypatch.context() as unheard:
        unheard.setattr("live.publish.publish", lambda *args, **kwargs: None)
        first = await database_sync_to_async(record)("unheard")
    assert await fan.receive_nothing(timeout=0.3)
    retried = await database_sync_to_async(record)("unheard")
    assert (retried.created, retried.event.id, retried.seq) == (False, first.event.id, 2)
    change = await receive(fan)
    assert (change["seq"], change["event"]["id"]) == (2, first.event.id)

    heard = await database_sync_to_async(record)("heard")
    assert (await receive(fan))["seq"] == heard.seq == 3
    await database_sync_to_async(record)("heard")
    assert await fan.receive_nothing(timeout=0.3)
    await fan.disconnect()
