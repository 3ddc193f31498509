"""Permessage-deflate against a real server (`python -m live.server`): a client that offers it (the `websockets`
library, as a browser does) gets each change compressed, one that does not gets it plain, and every fan that
negotiated it gets the very same compressed bytes for a change.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os

import pytest

from harness.cluster import LiveCluster, api_request, live_cluster
from live.deflate import COMPRESSED_TEXT, TEXT, inflate_message
from live.protocol import PROTOCOL_VERSION
from tests.live.support import reporting_logs, require_running

pytestmark = [pytest.mark.live_server, pytest.mark.redis]

TIMEOUT = 10.0
BROWSER_OFFER = "permessage-deflate; client_max_window_bits"


@pytest.fixture(scope="module")
def cluster(request, tmp_path_factory):
    with reporting_logs(request, live_cluster(tmp_path_factory.mktemp("deflate"), processes=1)) as running:
        yield running


@pytest.fixture(autouse=True)
def servers_running(cluster):
    require_running(cluster)


class RawFan:
    """A bare client that keeps each frame as it came off the wire: (first byte, payload)."""

    def __init__(self, offer: str):
        self.offer = offer
        self.head = ""
        self.frames: list[tuple[int, bytes]] = []
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def connect(self, cluster: LiveCluster, path: str) -> RawFan:
        server = cluster.servers[0]
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", server.port)
        key = base64.b64encode(os.urandom(16)).decode()
        self.writer.write(
            (
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                f"Origin: {server.origin}\r\n"
                + (f"Sec-WebSocket-Extensions: {self.offer}\r\n" if self.offer else "")
                + "\r\n"
            ).encode()
        )
        self.head = (await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), TIMEOUT)).decode()
        assert self.head.startswith("HTTP/1.1 101"), self.head
        return self

    async def next_frame(self) -> tuple[int, bytes]:
        first, second = await asyncio.wait_for(self.reader.readexactly(2), TIMEOUT)
        length = second & 0x7F
        if length == 126:
            length = int.from_bytes(await self.reader.readexactly(2), "big")
        elif length == 127:
            length = int.from_bytes(await self.reader.readexactly(8), "big")
        frame = (first, await self.reader.readexactly(length))
        self.frames.append(frame)
        return frame

    async def change(self, seq: int) -> tuple[int, bytes, dict]:
        """The frame of the change with `seq`: (first byte, payload as sent, the message)."""
        while True:
            first, payload = await self.next_frame()
            if first & 0x0F != 1:
                continue  # a ping, say
            text = inflate_message(payload) if first == COMPRESSED_TEXT else payload
            message = json.loads(text)
            if message.get("type") == "change" and message.get("seq") == seq:
                return first, payload, message

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def post(cluster: LiveCluster, match_id: int, payload: dict) -> dict:
    status, body = api_request(cluster.servers[0], "POST", f"/api/matches/{match_id}/events", payload, cluster.token)
    assert status == 201, body
    return body


def test_clients_that_offer_deflate_get_one_compressed_frame_per_change_and_others_get_it_plain(cluster):
    from websockets.asyncio.client import connect

    snapshot = cluster.reset_demo_match()
    match_id, seq = cluster.demo_match_id, snapshot["seq"]
    path = f"/ws/matches/{match_id}/?v={PROTOCOL_VERSION}"
    url = cluster.servers[0].ws_url(path)
    origin = cluster.servers[0].origin

    async def scenario():
        raw = [await RawFan(BROWSER_OFFER).connect(cluster, path) for _ in range(2)]
        raw_plain = await RawFan("").connect(cluster, path)
        async with (
            connect(url, origin=origin, proxy=None, max_size=None) as deflating,
            connect(url, origin=origin, proxy=None, max_size=None, compression=None) as plain,
        ):
            # The websockets client offers deflate by default and accepts a server without context takeover.
            [extension] = deflating.protocol.extensions
            assert extension.name == "permessage-deflate" and extension.remote_no_context_takeover
            assert plain.protocol.extensions == []
            assert "permessage-deflate; server_no_context_takeover; client_no_context_takeover" in raw[0].head
            assert "Sec-WebSocket-Extensions" not in raw_plain.head

            opening = [json.loads(await deflating.recv()), json.loads(await plain.recv())]
            assert opening[0] == opening[1] and opening[0]["type"] == "snapshot"

            body = await asyncio.to_thread(post, cluster, match_id, {"kind": "period_start", "commentary": "Off."})
            assert body["seq"] == seq + 1

            async def change(socket) -> dict:
                while True:
                    message = json.loads(await asyncio.wait_for(socket.recv(), TIMEOUT))
                    if message.get("type") == "change":
                        return message

            received = [await change(deflating), await change(plain)]
            assert received[0] == received[1] and received[0]["seq"] == seq + 1

            frames = [await fan.change(seq + 1) for fan in (*raw, raw_plain)]
            (first_a, payload_a, message_a), (first_b, payload_b, message_b), (first_p, payload_p, message_p) = frames
            assert first_a == first_b == COMPRESSED_TEXT
            assert payload_a == payload_b  # the same bytes to every fan that negotiated it
            assert first_p == TEXT
            assert inflate_message(payload_a) == payload_p
            assert len(payload_a) < len(payload_p)
            assert message_a == message_b == message_p == received[0]

            # A compressed ping from a client is read and answered.
            await deflating.send(json.dumps({"type": "ping"}))
            while json.loads(await asyncio.wait_for(deflating.recv(), TIMEOUT))["type"] != "pong":
                pass
        for fan in (*raw, raw_plain):
            await fan.close()

    asyncio.run(scenario())
