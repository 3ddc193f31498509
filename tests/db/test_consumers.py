import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from events import services
from live import consumers, protocol, publish, session
from matchcentre.asgi import application
from tests.factories import make_match, make_user, player

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

ORIGIN = [(b"origin", b"http://testserver")]


def connect(path: str, origin=ORIGIN, version: int | None = protocol.PROTOCOL_VERSION) -> WebsocketCommunicator:
    """A socket to `path`, speaking protocol `version` as the site's pages do (None: saying none)."""
    if version is not None:
        path += ("&" if "?" in path else "?") + f"v={version}"
    return WebsocketCommunicator(application, path, headers=origin)


async def receive(communicator) -> dict:
    return json.loads(await communicator.receive_from(timeout=2))


async def receive_opening(communicator) -> dict:
    """A match socket's opening: its snapshot, then its group's table (whole); the snapshot."""
    snapshot = await receive(communicator)
    table = await receive(communicator)
    assert table["type"] == "table" and 'class="standings' in table["html"]
    return snapshot


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
    # The table follows as a message of its own, stamped with its version (the sum of the group's seqs).
    table = await receive(fan)
    assert (table["type"], table["group_id"], table["version"]) == ("table", match.group_id, 2)
    assert 'data-version="2"' in table["html"] and "table" not in snapshot and "table" not in snapshot["html"]
    await fan.disconnect()


async def test_a_change_reaches_the_fan_after_the_snapshot():
    match = await kicked_off_match()
    fan = connect(f"/ws/matches/{match.id}/")
    await fan.connect()
    await receive_opening(fan)
    result = await score_goal(match)
    change = await receive(fan)
    assert change["type"] == "change" and change["seq"] == 2 and change["op"] == "add"
    assert change["event"]["id"] == result.event.id and change["match"] == {"home_score": 1}
    assert f'id="event-{result.event.id}"' in change["html"]["event"] and "table" not in change
    table = await receive(fan)
    assert (table["type"], table["version"]) == ("table", 2)
    assert (table["rows"][0]["team"], table["rows"][0]["position"], table["rows"][0]["cells"][-1]) == (
        match.home_id, 1, 3
    )
    await fan.disconnect()


async def test_a_fan_leaving_takes_no_trip_to_the_database_thread(monkeypatch):
    """A crowd leaving at once (full time, a restart) queued a hop per fan on the one database thread."""
    match = await kicked_off_match()
    fan = connect(f"/ws/matches/{match.id}/")
    await fan.connect()
    await receive_opening(fan)
    hops = []

    async def close_old_connections():
        hops.append(1)

    monkeypatch.setattr("channels.generic.websocket.aclose_old_connections", close_old_connections)
    await fan.disconnect()
    assert hops == []
    assert consumers.sockets_in_process == 0


async def test_since_n_sends_only_the_missed_changes_in_order():
    match = await kicked_off_match()
    for minute in (10, 20, 30):
        await score_goal(match, minute=minute)
    fan = connect(f"/ws/matches/{match.id}/?since=2")
    await fan.connect()
    first, second, table = await receive(fan), await receive(fan), await receive(fan)
    assert [first["seq"], second["seq"]] == [3, 4]
    assert [first["type"], second["type"]] == ["change", "change"]
    assert (first["match"], second["match"]) == ({"home_score": 2}, {"home_score": 3})
    assert second["running_scores"] == [[event_id, home, 0] for event_id, home, _away in second["running_scores"]]
    # It did not say which table it shows: the table follows, whole.
    assert table["type"] == "table" and table["version"] == 4 and "<table" in table["html"]
    assert await fan.receive_nothing(timeout=0.2)
    await fan.disconnect()


async def test_since_the_current_seq_sends_nothing_until_the_next_change():
    match = await kicked_off_match()
    fan = connect(f"/ws/matches/{match.id}/?since=1&table=1")
    await fan.connect()
    assert await fan.receive_nothing(timeout=0.2)
    await score_goal(match)
    assert (await receive(fan))["seq"] == 2
    assert (await receive(fan))["type"] == "table"
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
    assert recovered["seq"] == 2 and recovered["event"]["minute_label"] == "10'"
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
    await receive_opening(fan)
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
    assert snapshot["matches"][0]["seq"] == 1 and snapshot["table"]["version"] == 1
    table = await receive(fan)  # it did not say which table it shows: the table, whole
    assert (table["type"], table["version"]) == ("table", 1) and "<table" in table["html"]
    await score_goal(match)
    change = await receive(fan)
    assert change["match_id"] == match.id and change["seq"] == 2 and change["match"] == {"home_score": 1}
    moved = await receive(fan)
    assert (moved["type"], moved["base"], moved["version"], moved["provisional"]) == ("table", 1, 2, True)
    assert [row["team"] for row in moved["rows"]] == [match.home_id, match.away_id]
    await fan.disconnect()


async def test_a_group_socket_that_shows_the_current_table_is_not_sent_it_again():
    match = await kicked_off_match()
    fan = connect(f"/ws/groups/{match.group_id}/?table=1")
    await fan.connect()
    assert (await receive(fan))["type"] == "group_snapshot"
    assert await fan.receive_nothing(timeout=0.2)
    await fan.disconnect()


@pytest.mark.parametrize("path", ["/ws/matches/{match}/", "/ws/matches/{match}/?since=1", "/ws/groups/{group}/",
                                  "/ws/editor/matches/{match}/"])
@pytest.mark.parametrize("version", [None, 1, 3])
async def test_a_client_of_another_protocol_version_is_told_to_reload_and_sent_nothing_else(path, version):
    """Version 1 pages said no version; they would misread version 2's changes (no table in them)."""
    match = await kicked_off_match()
    fan = connect(path.format(match=match.id, group=match.group_id), version=version)
    connected, _ = await fan.connect()
    assert connected
    refusal = await receive(fan)
    assert (refusal["type"], refusal["code"], refusal["version"]) == ("error", "protocol_version", 2)
    assert "reload" in refusal["detail"]
    closed = await fan.receive_output(timeout=1)
    assert (closed["type"], closed["code"]) == ("websocket.close", protocol.CLOSE_OLD_PROTOCOL)
    assert "reload" in closed["reason"]
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
    await receive_opening(fan)
    await fan.send_to(text_data=json.dumps({"type": "ping", "pad": "y" * (protocol.MAX_MESSAGE_BYTES - 40)}))
    assert (await receive(fan))["type"] == "pong"
    await fan.disconnect()


async def test_a_fan_sending_faster_than_the_limit_is_closed_with_4429():
    match = await kicked_off_match()
    fan = connect(f"/ws/matches/{match.id}/")
    await fan.connect()
    await receive_opening(fan)
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
    for socket in (*tabs, colleague):
        await socket.connect()
        assert (await receive(socket))["type"] == "snapshot"
    await fan.connect()
    await receive_opening(fan)
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
    await receive_opening(fan)

    def record(key: str):
        return services.record_event(match_id=match.id, kind="goal", minute=5, team_id=match.home_id,
                                     player_id=player(match.home, 9).id, idempotency_key=key)

    with monkeypatch.context() as unheard:
        unheard.setattr("live.publish.send_all", lambda sends: None)
        first = await database_sync_to_async(record)("unheard")
    assert await fan.receive_nothing(timeout=0.3)
    retried = await database_sync_to_async(record)("unheard")
    assert (retried.created, retried.event.id, retried.seq) == (False, first.event.id, 2)
    change = await receive(fan)
    assert (change["seq"], change["event"]["id"]) == (2, first.event.id)
    assert (await receive(fan))["version"] == 2  # the table it moved, announced again with it

    heard = await database_sync_to_async(record)("heard")
    assert (await receive(fan))["seq"] == heard.seq == 3
    assert (await receive(fan))["version"] == 3
    await database_sync_to_async(record)("heard")
    assert await fan.receive_nothing(timeout=0.3)
    await fan.disconnect()


# --- the day socket: every match kicking off on the days it names, compact ----------------------------


@database_sync_to_async
def matches_on(*kickoffs):
    return [make_match(kickoff=kickoff) for kickoff in kickoffs]


@database_sync_to_async
def kick_off(match):
    return services.record_event(match_id=match.id, kind="period_start")


EVENING = datetime(2019, 11, 27, 20, 0, tzinfo=UTC)
NEXT_EVENING = datetime(2019, 11, 28, 20, 0, tzinfo=UTC)


async def test_day_socket_starts_with_a_snapshot_of_that_days_matches_each_with_its_seq():
    first, second, _next_day = await matches_on(EVENING, EVENING - timedelta(hours=2), NEXT_EVENING)
    await kick_off(first)
    fan = connect("/ws/days/2019-11-27/")
    connected, _ = await fan.connect()
    assert connected
    snapshot = await receive(fan)
    assert snapshot["type"] == "snapshot" and snapshot["day"] == "2019-11-27"
    by_id = {m["id"]: m for m in snapshot["matches"]}
    assert set(by_id) == {first.id, second.id}
    assert (by_id[first.id]["seq"], by_id[first.id]["status"]) == (1, "live")
    assert by_id[second.id]["kickoff"] == (EVENING - timedelta(hours=2)).isoformat()
    assert "events" not in snapshot and "html" not in snapshot
    await fan.disconnect()


async def test_a_change_reaches_the_day_socket_as_score_status_and_clock_without_markup():
    match, other_day = await matches_on(EVENING, NEXT_EVENING)
    await kick_off(match)
    fan = connect("/ws/days/2019-11-27/")
    await fan.connect()
    await receive(fan)
    await score_goal(match)
    change = await receive(fan)
    assert (change["type"], change["match_id"], change["seq"], change["op"]) == ("change", match.id, 2, "add")
    assert (change["match"]["home_score"], change["match"]["status"]) == (1, "live")
    assert change["match"]["clock"]["running"] is True and change["match"]["kickoff"] == EVENING.isoformat()
    assert not {"event", "html", "table", "related"} & set(change) and "pitch" not in change["match"]
    await kick_off(other_day)  # another day's match: not on this socket
    assert await fan.receive_nothing(timeout=0.3)
    await fan.disconnect()


async def test_a_day_socket_follows_every_date_its_path_names():
    late, next_day = await matches_on(EVENING, NEXT_EVENING)
    fan = connect("/ws/days/2019-11-27,2019-11-28/")
    await fan.connect()
    snapshots = [await receive(fan), await receive(fan)]
    assert [(s["day"], [m["id"] for m in s["matches"]]) for s in snapshots] == [
        ("2019-11-27", [late.id]), ("2019-11-28", [next_day.id])
    ]
    await kick_off(next_day)
    await kick_off(late)
    assert {(await receive(fan))["match_id"], (await receive(fan))["match_id"]} == {late.id, next_day.id}
    await fan.disconnect()


async def test_day_since_replays_each_matchs_missed_changes_in_order():
    match, quiet = await matches_on(EVENING, EVENING)
    await kick_off(match)
    for minute in (10, 20):
        await score_goal(match, minute=minute)
    fan = connect(f"/ws/days/2019-11-27/?since={match.id}:1,{quiet.id}:0")
    await fan.connect()
    replayed = [await receive(fan), await receive(fan)]
    assert [(c["type"], c["match_id"], c["seq"], c["match"]["home_score"]) for c in replayed] == [
        ("change", match.id, 2, 1), ("change", match.id, 3, 2)
    ]
    assert await fan.receive_nothing(timeout=0.2)
    await fan.disconnect()


@pytest.mark.parametrize("since", ["{match}:1", "{match}:9", "{match}:1,{quiet}:x", "7"])
async def test_day_since_that_cannot_be_replayed_gets_a_fresh_snapshot(since):
    """A match it does not name (it joined the day), a seq from the future, or nothing readable."""
    match, quiet = await matches_on(EVENING, EVENING)
    await kick_off(match)
    await score_goal(match)
    fan = connect("/ws/days/2019-11-27/?since=" + since.format(match=match.id, quiet=quiet.id))
    await fan.connect()
    snapshot = await receive(fan)
    assert snapshot["type"] == "snapshot" and {m["id"] for m in snapshot["matches"]} == {match.id, quiet.id}
    await fan.disconnect()


@pytest.mark.parametrize("days", ["2019-11-27,2019-11-29", "2019-11-28,2019-11-27", "20191127", "2019-02-30",
                                  "2019-11-26,2019-11-27,2019-11-28,2019-11-29", "today"])
async def test_a_day_socket_for_dates_it_cannot_serve_is_closed_with_4400(days):
    fan = connect(f"/ws/days/{days}/")
    await fan.connect()
    assert await closed_with(fan) == 4400
    await fan.disconnect()


async def test_a_match_moved_to_another_day_tells_both_days_to_start_again():
    (match,) = await matches_on(EVENING)
    old_day, new_day = connect("/ws/days/2019-11-27/"), connect("/ws/days/2019-12-04/")
    for fan in (old_day, new_day):
        await fan.connect()
        await receive(fan)
    await database_sync_to_async(services_reschedule)(match, EVENING + timedelta(days=7))
    for fan in (old_day, new_day):
        assert await receive(fan) == {"type": "resync", "match_id": match.id}
        await fan.disconnect()
    again = connect("/ws/days/2019-12-04/")
    await again.connect()
    assert [m["id"] for m in (await receive(again))["matches"]] == [match.id]
    await again.disconnect()


def services_reschedule(match, kickoff):
    """Moving a kick-off as a rescheduling would: the row changes, then both days hear of it after commit."""
    from django.db import transaction

    from events.models import Match
    from live import publish

    with transaction.atomic():
        previous = match.kickoff
        Match.objects.filter(pk=match.pk).update(kickoff=kickoff)
        transaction.on_commit(lambda: publish.publish_rescheduled(match.id, previous, kickoff))


async def test_each_change_is_published_to_its_day_once_compact_and_a_retry_is_forwarded_to_no_fan_twice(
    monkeypatch,
):
    (match,) = await matches_on(EVENING)
    await kick_off(match)
    sent = []
    real_send_all = publish.send_all

    def recording_send_all(sends):
        sent.extend(sends)
        real_send_all(sends)

    monkeypatch.setattr(publish, "send_all", recording_send_all)
    fan = connect("/ws/days/2019-11-27/")
    await fan.connect()
    await receive(fan)

    def record():
        return services.record_event(match_id=match.id, kind="goal", minute=5, team_id=match.home_id,
                                     player_id=player(match.home, 9).id, idempotency_key="once")

    first = await database_sync_to_async(record)()
    to_day = [message for feed, message in sent if feed == "day.2019-11-27"]
    assert len(to_day) == 1 and len(to_day[0]["text"]) < 600
    assert (to_day[0]["match_id"], to_day[0]["seq"]) == (match.id, first.seq)
    assert (await receive(fan))["seq"] == first.seq
    await database_sync_to_async(record)()  # the retry announces the change again: no fan gets it twice
    assert len([feed for feed, _ in sent if feed == "day.2019-11-27"]) == 2
    assert await fan.receive_nothing(timeout=0.3)
    await fan.disconnect()


# --- the bracket socket: a competition's knockout ties and where its league phase leads ----------------


@database_sync_to_async
def two_legged_tie():
    from tests.db.test_bracket_page import make_two_legged_tie

    return make_two_legged_tie()


async def test_the_bracket_socket_starts_with_a_snapshot_of_every_tie_with_each_legs_seq():
    tie, first, second = await two_legged_tie()
    fan = connect(f"/ws/competitions/{tie.stage.competition_id}/bracket/")
    connected, _ = await fan.connect()
    assert connected
    snapshot = await receive(fan)
    assert snapshot["type"] == "snapshot" and snapshot["seq"] is None
    [round_] = snapshot["bracket"]["rounds"]
    assert round_["ties"][0]["state"]["sentence"] == "Liverpool lead 2-1 on aggregate"
    assert snapshot["seqs"] == {str(first.id): 1, str(second.id): 0}
    assert snapshot["versions"] == {f"tie-{tie.id}": 1} and f'id="tie-{tie.id}"' in snapshot["html"]
    await fan.disconnect()


async def test_a_goal_in_a_second_leg_reaches_the_bracket_socket_with_the_new_aggregate():
    tie, _first, second = await two_legged_tie()
    fan = connect(f"/ws/competitions/{tie.stage.competition_id}/bracket/")
    await fan.connect()
    await receive(fan)
    await kick_off(second)
    kicked_off = await receive(fan)
    assert (kicked_off["match_id"], kicked_off["seq"], kicked_off["version"]) == (second.id, 1, 2)
    await score_goal(second, minute=30)  # Atletico, at home in the second leg
    change = await receive(fan)
    assert (change["type"], change["match_id"], change["seq"], change["version"]) == ("change", second.id, 2, 3)
    assert change["part"] == f"tie-{tie.id}" and change["tie"]["aggregate"] == [2, 2]
    assert change["tie"]["state"]["sentence"] == "Level 2-2 on aggregate"
    assert "Level 2-2 on aggregate" in change["html"]
    await fan.disconnect()


async def test_a_league_phase_goal_reaches_the_bracket_socket_as_the_projection_as_it_stands():
    from tests.db.test_bracket_page import make_league_phase

    competition, _group, matches = await database_sync_to_async(make_league_phase)()
    fan = connect(f"/ws/competitions/{competition.id}/bracket/")
    await fan.connect()
    snapshot = await receive(fan)
    assert snapshot["versions"] == {"league-phase": 0}
    await kick_off(matches[1])
    change = await receive(fan)
    assert change["part"] == "league-phase" and change["league_phase"]["provisional"] is True
    assert (change["match_id"], change["seq"], change["version"]) == (matches[1].id, 1, 1)
    await fan.disconnect()


@pytest.mark.parametrize("path", ["/ws/competitions/999999/bracket/", "/ws/competitions/abc/bracket/",
                                  "/ws/competitions/1/bracket"])
async def test_a_bracket_socket_for_no_competition_is_closed_with_4404(path):
    fan = connect(path)
    connected, _ = await fan.connect()
    assert connected
    assert await closed_with(fan) == protocol.CLOSE_NOT_FOUND


async def test_a_reset_or_an_import_tells_bracket_pages_to_start_again():
    tie, _first, second = await two_legged_tie()
    fan = connect(f"/ws/competitions/{tie.stage.competition_id}/bracket/")
    await fan.connect()
    await receive(fan)
    await database_sync_to_async(publish.publish_resync)([second])
    assert (await receive(fan))["type"] == "resync"
    await fan.disconnect()


def frame_text(frame: bytes) -> str:
    """The text of an unmasked server frame (RFC 6455, 5.2)."""
    assert frame[0] == 0x81
    start = {126: 4, 127: 10}.get(frame[1], 2)
    return frame[start:].decode()


async def test_under_daphne_a_crowd_gets_its_opening_as_frames_made_once(monkeypatch):
    """Each fan's opening goes straight to its socket as the very frames every other fan connecting meanwhile
    gets: not encoded and framed again for each fan."""
    match = await kicked_off_match()
    writers = []

    def server_frame_writer(send):
        frames = []
        writers.append(frames)
        return frames.append

    monkeypatch.setattr(session, "server_frame_writer", server_frame_writer)
    monkeypatch.setattr(session, "long_lived_heap", SimpleNamespace(install=lambda: None, opened=lambda: None,
                                                                     closed=lambda: None))
    fans = [connect(f"/ws/matches/{match.id}/") for _ in range(2)]
    for fan in fans:
        connected, _ = await fan.connect()
        assert connected
        assert await fan.receive_nothing()  # nothing through the ASGI send
    first, second = writers
    assert len(first) == 2 and all(mine is theirs for mine, theirs in zip(first, second, strict=True))
    snapshot, table = (json.loads(frame_text(frame)) for frame in first)
    assert (snapshot["type"], snapshot["match"]["id"], table["type"]) == ("snapshot", match.id, "table")
    for fan in fans:
        await fan.disconnect()


async def drain(communicator) -> list[dict]:
    """Every message the socket has sent until it goes quiet."""
    received = []
    while not await communicator.receive_nothing(timeout=0.3):
        received.append(await receive(communicator))
    return received


def seqs(received: list[dict]) -> list[int]:
    return [message["seq"] for message in received if message.get("type") == "change"]


def seqs_in(received: list[dict], match_id: int) -> list[int]:
    """The seqs of the match that the messages show: a change's, or a snapshot's (of the match, or of a group's
    or a day's matches)."""
    found = []
    for message in received:
        if message.get("type") in ("snapshot", "change") and message.get("seq") is not None:
            found.append(message["seq"])
        found += [match["seq"] for match in message.get("matches", ()) if match["id"] == match_id]
    return found


# The late fan and a fan live before it, on the same feed; a different request each, so that the late fan's
# opening is read for it, after the commit (an opening already built is shared, and older than the change).
@pytest.mark.parametrize("late, live", [
    ("/ws/matches/{match}/", "/ws/matches/{match}/?since=1"),
    ("/ws/matches/{match}/?since=1", "/ws/matches/{match}/"),
    ("/ws/groups/{group}/", "/ws/groups/{group}/?table=1"),
    ("/ws/days/{day}/", "/ws/days/{day}/?since={match}:1"),
])
async def test_a_change_forwarded_after_a_fan_read_it_in_its_opening_is_not_sent_to_that_fan_again(
    monkeypatch, late, live
):
    """A change's sends can reach a process a while after its commit (they go out after the editor's answer):
    a fan whose opening was read in between has the change already, and gets it once."""
    match = await kicked_off_match()
    names = {"match": match.id, "group": match.group_id, "day": match.kickoff.date().isoformat()}
    watcher = connect(live.format(**names))  # its feed is subscribed, its fan-out running
    await watcher.connect()
    await drain(watcher)
    held = []
    monkeypatch.setattr(publish, "send_all", held.extend)
    await score_goal(match)  # committed; its sends held back
    monkeypatch.undo()
    fan = connect(late.format(**names))
    await fan.connect()
    opening = await drain(fan)
    assert 2 in seqs_in(opening, match.id)  # the goal, in its opening
    await publish.group_send_each(held)
    assert seqs(await drain(watcher)) == [2]
    after = await drain(fan)
    assert seqs(after) == []
    # Its table (a day's page has none) reaches version 2 once: in the opening (read for it), or after it
    # (an opening shared, built before the goal).
    versions = [message["version"] for message in opening + after if message["type"] == "table"]
    assert versions == ([] if "days" in late else sorted(set(versions))) and versions[-1:] in ([], [2])
    assert versions or "days" in late
    # Later changes reach it as they come.
    await score_goal(match, minute=20)
    assert seqs(await drain(fan)) == [3]
    assert seqs(await drain(watcher)) == [3]
    await fan.disconnect()
    await watcher.disconnect()


async def test_a_match_fan_is_not_sent_the_table_its_opening_had_again(monkeypatch):
    match = await kicked_off_match()
    watcher = connect(f"/ws/groups/{match.group_id}/")
    await watcher.connect()
    await drain(watcher)
    held = []
    monkeypatch.setattr(publish, "send_all", held.extend)
    await score_goal(match)
    monkeypatch.undo()
    late = connect(f"/ws/matches/{match.id}/?table=2")  # the page shows version 2 already
    await late.connect()
    assert [message["type"] for message in await drain(late)] == ["snapshot"]
    # The goal and its table come on the match's feed, and the table again on the table's: neither reaches it.
    await publish.group_send_each(held)
    assert await late.receive_nothing(timeout=0.3)
    await score_goal(match, minute=20)
    received = await drain(late)
    assert [(message["type"], message.get("seq") or message.get("version")) for message in received] == [
        ("change", 3), ("table", 3)
    ]
    await late.disconnect()
    await watcher.disconnect()
