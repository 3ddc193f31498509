"""Permessage-deflate for fans (live/deflate.py, live/daphne.py): negotiated with clients that offer it, each
message compressed once, the same compressed bytes written to every socket that negotiated it.

Sockets go through Daphne's own HTTP protocol and upgrade on Twisted StringTransports, as in
test_idle_sockets.py; a real client (the `websockets` library) against a real server: tests/live.
"""

from __future__ import annotations

import asyncio
import json
import os

import pytest

from live import daphne as integration
from live.deflate import COMPRESSED_TEXT, SMALLEST_COMPRESSED, TEXT, SharedFrames, deflate_message, inflate_message
from live.protocol import text_frame
from tests.unit.test_idle_sockets import BROWSER_OFFER, daphne_server, open_socket

pytestmark = pytest.mark.asyncio

# What a match socket sends first: the same text object for every fan at a given seq, as the fan-out shares it.
OPENING = json.dumps({"type": "snapshot", "seq": 7, "events": [{"minute": m, "kind": "goal"} for m in range(40)]})


@pytest.fixture(autouse=True)
def fresh_state(monkeypatch):
    monkeypatch.setattr(integration, "lean_connections", integration.LeanConnections())
    monkeypatch.setattr(integration, "frame_writes", integration.FrameWrites())
    frames = SharedFrames()
    monkeypatch.setattr(integration, "shared_frames", frames)
    return frames


class OpeningApplication:
    """Accepts, sends OPENING (and `extra` texts), then records what the client sends."""

    def __init__(self, *extra: str):
        self.texts = (OPENING, *extra)
        self.received: list[dict] = []

    async def __call__(self, scope, receive, send):
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        for text in self.texts:
            await send({"type": "websocket.send", "text": text})
        while (message := await receive())["type"] != "websocket.disconnect":
            self.received.append(message)


def split_response(data: bytes) -> tuple[str, bytes]:
    head, _, rest = data.partition(b"\r\n\r\n")
    return head.decode(), rest


def frames_in(data: bytes) -> list[tuple[int, bytes]]:
    """(first byte, payload) of each unmasked frame in `data`."""
    frames = []
    while data:
        length, start = data[1] & 0x7F, 2
        if length == 126:
            length, start = int.from_bytes(data[2:4], "big"), 4
        elif length == 127:
            length, start = int.from_bytes(data[2:10], "big"), 10
        frames.append((data[0], data[start : start + length]))
        data = data[start + length :]
    return frames


async def settled(transport, frames: int) -> list[tuple[int, bytes]]:
    for _ in range(100):
        _head, body = split_response(transport.value())
        if len(frames_in(body)) >= frames:
            return frames_in(body)
        await asyncio.sleep(0)
    raise AssertionError(f"fewer than {frames} frames: {transport.value()!r}")


async def test_a_client_offering_deflate_gets_it_with_no_context_takeover_either_way():
    transport = await open_socket(daphne_server(OpeningApplication()), BROWSER_OFFER)
    head, _body = split_response(transport.value())
    assert (
        "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover"
        in head.splitlines()
    )


async def test_a_client_offering_nothing_gets_plain_frames():
    transport = await open_socket(daphne_server(OpeningApplication()))
    head, _body = split_response(transport.value())
    assert "Sec-WebSocket-Extensions" not in head
    [(first_byte, payload)] = await settled(transport, 1)
    assert (first_byte, payload) == (TEXT, OPENING.encode())


async def test_every_deflate_socket_gets_the_same_compressed_bytes_compressed_once(fresh_state):
    server = daphne_server(OpeningApplication())
    deflating = [await open_socket(server, BROWSER_OFFER) for _ in range(3)]
    plain = await open_socket(server)

    received = [await settled(transport, 1) for transport in deflating]
    assert received[0] == received[1] == received[2]
    [(first_byte, payload)] = received[0]
    assert first_byte == COMPRESSED_TEXT  # FIN, RSV1 (compressed), text
    assert inflate_message(payload) == OPENING.encode()
    assert len(payload) < len(OPENING) / 3
    assert fresh_state.compressed == 1 and fresh_state.reused == 2
    assert await settled(plain, 1) == [(TEXT, OPENING.encode())]
    assert all(t.protocol._perMessageCompress._compressor is None for t in deflating)  # none kept per socket


async def test_a_short_message_goes_uncompressed_on_a_deflate_socket():
    short = '{"type":"pong"}'
    assert len(short) < SMALLEST_COMPRESSED
    transport = await open_socket(daphne_server(OpeningApplication(short)), BROWSER_OFFER)
    opening, pong = await settled(transport, 2)
    assert opening[0] == COMPRESSED_TEXT
    assert pong == (TEXT, short.encode())


async def test_a_client_asking_for_a_smaller_server_window_is_served_plain():
    """One compressed frame serves every fan only if every fan can read it: such a client gets none."""
    transport = await open_socket(daphne_server(OpeningApplication()), "permessage-deflate; server_max_window_bits=10")
    head, _body = split_response(transport.value())
    assert "Sec-WebSocket-Extensions" not in head
    assert await settled(transport, 1) == [(TEXT, OPENING.encode())]


async def test_a_compressed_message_from_the_client_is_read_and_its_decompressor_not_kept():
    application = OpeningApplication()
    transport = await open_socket(daphne_server(application), BROWSER_OFFER)
    protocol = transport.protocol
    ping = b'{"type":"ping","n":1}'
    payload, mask = deflate_message(ping), os.urandom(4)
    masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
    protocol.dataReceived(bytes((COMPRESSED_TEXT, 0x80 | len(payload))) + mask + masked)
    for _ in range(50):
        if application.received:
            break
        await asyncio.sleep(0)
    assert application.received == [{"type": "websocket.receive", "text": ping.decode()}]
    assert protocol._perMessageCompress._decompressor is None  # about 40 KB per fan that pinged, otherwise


async def test_with_deflate_turned_off_no_client_gets_it(settings):
    settings.WEBSOCKET_DEFLATE = False
    transport = await open_socket(daphne_server(OpeningApplication()), BROWSER_OFFER)
    head, _body = split_response(transport.value())
    assert "Sec-WebSocket-Extensions" not in head


class Transport:
    """A Twisted TCP transport as write_frame reads it, with nothing buffered."""

    TLS = False
    connected = True
    disconnecting = False
    dataBuffer = b""
    offset = 0
    _tempDataLen = 0

    def __init__(self):
        self.socket = self
        self.sent: list[bytes] = []

    def send(self, data: bytes) -> int:
        self.sent.append(data)
        return len(data)


class Protocol:
    state = STATE_OPEN = 3
    send_queue = ()

    def __init__(self, deflate: bool):
        self.transport = Transport()
        self._perMessageCompress = object() if deflate else None


async def test_the_fan_out_writes_one_compressed_frame_to_every_deflate_fan_and_the_plain_one_to_others(
    fresh_state,
):
    change = text_frame(json.dumps({"type": "change", "seq": 8, "event": {"kind": "goal", "text": "x" * 300}}))
    fans = [Protocol(deflate=True), Protocol(deflate=True), Protocol(deflate=False)]
    for fan in fans:
        integration.write_frame(fan, change)

    first, second, plain = (fan.transport.sent for fan in fans)
    assert first == second and first[0] is second[0]  # the very same bytes object
    assert plain == [change]
    [(first_byte, payload)] = frames_in(first[0])
    assert first_byte == COMPRESSED_TEXT
    assert text_frame(inflate_message(payload).decode()) == change
    assert (fresh_state.compressed, fresh_state.reused) == (1, 1)


async def test_a_change_and_its_tables_update_written_together_are_compressed_as_two_messages(fresh_state):
    change = json.dumps({"type": "change", "seq": 8, "event": {"kind": "goal", "text": "x" * 300}})
    table = json.dumps({"type": "table", "version": 41, "rows": [{"team": 3, "points": 10}] * 200})
    short = json.dumps({"type": "table", "version": 42})
    for second in (table, short):  # a table's update long enough to compress, and one sent plain
        fan = Protocol(deflate=True)
        integration.write_frame(fan, text_frame(change) + text_frame(second))
        [written] = fan.transport.sent
        messages = [
            inflate_message(payload).decode() if first_byte == COMPRESSED_TEXT else payload.decode()
            for first_byte, payload in frames_in(written)
        ]
        assert messages == [change, second]


async def test_only_recent_messages_keep_their_compressed_frames():
    frames = SharedFrames(kept=2)
    first, second, third = (text_frame(f"{'x' * 100} {number}") for number in range(3))
    for frame in (first, second, third, third):
        frames.for_frame(frame)
    assert list(frames.by_frame) == [second, third]
    assert (frames.compressed, frames.reused) == (3, 1)
