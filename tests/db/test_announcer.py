"""In a server process a change is built and sent after the request that made it (live/announcer.py): the
editor's answer does not wait for the markup in every language, and fans still get every change once, in
seq order."""

import asyncio
import contextlib
import json
import threading
import time

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from events import services
from live import announcer, messages, protocol, publish
from matchcentre.asgi import application
from tests.factories import make_match, player

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

ORIGIN = [(b"origin", b"http://testserver")]


@contextlib.asynccontextmanager
async def serving():
    """This test's loop as the server's, as live/daphne.py's Server makes its own; at once again after."""
    announcer.serve_on(asyncio.get_running_loop())
    try:
        yield
        await asyncio.wait_for(announcer.sent(), timeout=10)
    finally:
        announcer.serve_on(None)


async def fan_of(match) -> WebsocketCommunicator:
    fan = WebsocketCommunicator(application, f"/ws/matches/{match.id}/?v={protocol.PROTOCOL_VERSION}",
                                headers=ORIGIN)
    assert (await fan.connect())[0]
    assert json.loads(await fan.receive_from(timeout=2))["type"] == "snapshot"
    assert json.loads(await fan.receive_from(timeout=2))["type"] == "table"
    return fan


async def changes(fan, count: int) -> list[dict]:
    """The next `count` changes the fan gets (table updates skipped)."""
    got = []
    while len(got) < count:
        message = json.loads(await fan.receive_from(timeout=5))
        if message["type"] == "change":
            got.append(message)
    return got


async def the_rest(fan) -> list[dict]:
    """What else the fan gets until it has been quiet for a moment."""
    rest = []
    while not await fan.receive_nothing(timeout=0.3):
        rest.append(json.loads(await fan.receive_from()))
    return rest


@database_sync_to_async
def kicked_off_match():
    return make_match(kicked_off=True)


@database_sync_to_async
def score(match, minute: int):
    return services.record_event(match_id=match.id, kind="goal", minute=minute, team_id=match.home_id,
                                 player_id=player(match.home, 9).id)


async def test_the_editor_has_the_answer_before_the_change_is_built_and_the_fans_get_it_after(monkeypatch):
    match = await kicked_off_match()
    fan = await fan_of(match)
    building, release = threading.Event(), threading.Event()
    build = messages.fan_change_texts

    def slow_build(*args):
        building.set()
        assert release.wait(10)
        return build(*args)

    monkeypatch.setattr(messages, "fan_change_texts", slow_build)
    async with serving():
        try:
            result = await score(match, 10)  # answered while the build is held
            assert result.created and result.seq == 2
            assert await asyncio.to_thread(building.wait, 5)
            assert await fan.receive_nothing(timeout=0.2)
        finally:
            release.set()
        [change] = await changes(fan, 1)
    assert (change["seq"], change["event"]["id"], change["match"]) == (2, result.event.id, {"home_score": 1})
    await fan.disconnect()


async def test_changes_queued_behind_a_slow_one_reach_fans_once_each_in_seq_order(monkeypatch):
    match = await kicked_off_match()
    fan = await fan_of(match)
    release = threading.Event()
    build = messages.fan_change_texts

    def first_slow(change, previous):
        if change.seq == 2:
            assert release.wait(10)
        return build(change, previous)

    monkeypatch.setattr(messages, "fan_change_texts", first_slow)
    async with serving():
        try:
            seqs = [(await score(match, minute)).seq for minute in (10, 20, 30, 40)]
            assert announcer.waiting() >= 2  # the later ones wait their turn behind the first
        finally:
            release.set()
        got = await changes(fan, 4)
        later = await the_rest(fan)
    assert not [message for message in later if message["type"] == "change"]  # once each
    assert [change["seq"] for change in got] == seqs == [2, 3, 4, 5]
    assert [change["match"]["home_score"] for change in got] == [1, 2, 3, 4]
    await fan.disconnect()


async def test_a_build_that_fails_loses_its_change_only_and_the_next_tells_fans_of_the_gap(monkeypatch, caplog):
    match = await kicked_off_match()
    fan = await fan_of(match)
    build = messages.fan_change_texts

    def failing_once(change, previous):
        if change.seq == 2:
            raise RuntimeError("markup failed")
        return build(change, previous)

    monkeypatch.setattr(messages, "fan_change_texts", failing_once)
    async with serving():
        await score(match, 10)
        await score(match, 20)
        [change] = await changes(fan, 1)
    # Seq 3 after seq 1: the page asks for what it missed (live.js), the database has both goals.
    assert change["seq"] == 3 and change["match"]["home_score"] == 2
    assert "were not built" in caplog.text
    await fan.disconnect()


async def test_outside_a_server_a_change_is_built_and_sent_at_once(monkeypatch):
    sent = []
    monkeypatch.setattr(publish, "send_all", sent.append)
    announcer.announce(lambda: [("feed", {"type": "forward"})])
    assert sent == [[("feed", {"type": "forward"})]]


async def test_a_build_waits_for_the_answers_in_flight_and_not_longer_than_its_limit(monkeypatch):
    in_flight = [1]
    monkeypatch.setattr(announcer, "requests_in_flight", lambda: in_flight[0])
    built_at = []

    def build():
        built_at.append(time.monotonic())
        return []

    async with serving():
        await asyncio.to_thread(announcer.announce, build)
        await asyncio.sleep(announcer.GIVE_WAY_SECONDS / 2)
        assert not built_at  # the editor's answer (a request in flight) goes first
        in_flight[0] = 0
        await asyncio.wait_for(announcer.sent(), timeout=5)
        assert len(built_at) == 1
        # Requests that never stop coming hold a change back no longer than the limit.
        in_flight[0] = 1
        queued = time.monotonic()
        await asyncio.to_thread(announcer.announce, build)
        await asyncio.wait_for(announcer.sent(), timeout=5)
    assert len(built_at) == 2 and built_at[1] - queued < announcer.GIVE_WAY_SECONDS + 0.5
