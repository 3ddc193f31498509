"""What a process takes of fans' sockets: the per-address cap counts open sockets only and holds for
handshakes arriving at once; a process that cannot take another socket says so, with when to come back."""

import asyncio
import json

import pytest
from channels.testing import WebsocketCommunicator

from live import consumers
from matchcentre.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

ORIGIN = [(b"origin", b"http://testserver")]
ADDRESS = "203.0.113.7"
SLOW_DAY, OTHER_DAY = "2019-11-27", "2019-11-28"


def day_socket(day: str, address: str = ADDRESS) -> WebsocketCommunicator:
    socket = WebsocketCommunicator(application, f"/ws/days/{day}/", headers=ORIGIN)
    socket.scope["client"] = [address, 50000]
    return socket


async def first_message(socket) -> dict:
    return json.loads(await socket.receive_from(timeout=3))


async def close_of(socket) -> dict:
    while True:
        output = await socket.receive_output(timeout=3)
        if output["type"] == "websocket.close":
            return output


@pytest.fixture
def slow_openings(monkeypatch):
    """The openings of SLOW_DAY wait until the test releases them (a database thread busy elsewhere)."""
    released = asyncio.Event()
    read = consumers.in_thread

    async def held_back(opening, *args):
        if str(args[0]) == SLOW_DAY:
            await released.wait()
        return await read(opening, *args)

    monkeypatch.setattr(consumers, "in_thread", held_back)
    return released


async def test_a_socket_waiting_for_its_opening_does_not_count_against_its_address(settings, slow_openings):
    settings.WEBSOCKET_MAX_CONNECTIONS_PER_ADDRESS = 1
    waiting = day_socket(SLOW_DAY)
    waiting_connect = asyncio.ensure_future(waiting.connect(timeout=5))
    await asyncio.sleep(0.2)
    assert consumers.sockets_by_address[ADDRESS] == 0
    served = day_socket(OTHER_DAY)
    assert (await served.connect())[0]
    assert (await first_message(served))["type"] == "snapshot"
    assert consumers.sockets_by_address[ADDRESS] == 1
    # Once its opening is ready, the waiting socket meets the cap like any other: one is open.
    slow_openings.set()
    await waiting_connect
    assert (await close_of(waiting))["code"] == 4429
    await served.disconnect()
    assert consumers.sockets_by_address[ADDRESS] == 0


async def test_the_cap_holds_for_handshakes_from_one_address_arriving_at_once(settings, slow_openings):
    settings.WEBSOCKET_MAX_CONNECTIONS_PER_ADDRESS = 2
    crowd = [day_socket(SLOW_DAY) for _ in range(6)]
    connecting = [asyncio.ensure_future(socket.connect(timeout=5)) for socket in crowd]
    await asyncio.sleep(0.2)
    slow_openings.set()
    await asyncio.gather(*connecting)
    outcomes = []
    for socket in crowd:
        output = await socket.receive_output(timeout=3)
        outcomes.append("served" if output["type"] == "websocket.send" else output.get("code"))
    assert sorted(outcomes, key=str) == [4429] * 4 + ["served"] * 2
    assert consumers.sockets_by_address[ADDRESS] == 2
    for socket in crowd:
        await socket.disconnect()
    assert consumers.sockets_by_address[ADDRESS] == 0


async def test_a_process_that_cannot_take_another_socket_says_when_to_come_back(monkeypatch):
    monkeypatch.setattr(consumers, "socket_capacity", lambda: 2)
    held = [day_socket(OTHER_DAY, address=f"198.51.100.{n}") for n in (1, 2)]
    for socket in held:
        await socket.connect()
        assert (await first_message(socket))["type"] == "snapshot"
    refused = day_socket(OTHER_DAY, address="198.51.100.3")
    await refused.connect()
    close = await close_of(refused)
    assert close["code"] == 4503
    assert f"retry-after={consumers.FULL_RETRY_AFTER_SECONDS}" in close["reason"]
    await refused.disconnect()
    await held[0].disconnect()
    again = day_socket(OTHER_DAY, address="198.51.100.3")
    await again.connect()
    assert (await first_message(again))["type"] == "snapshot"
    for socket in (held[1], again):
        await socket.disconnect()


async def test_the_default_cap_is_well_above_what_fans_behind_one_address_bring(settings):
    # docs/protocol.md: "Sockets per address" says why.
    assert settings.WEBSOCKET_MAX_CONNECTIONS_PER_ADDRESS == 2000
