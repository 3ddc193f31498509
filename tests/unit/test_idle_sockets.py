"""What an open, idle fan's socket keeps (live/daphne.py, live/inbox.py, live/consumers.py).

A socket goes through Daphne's own HTTP protocol and upgrade, on a Twisted StringTransport, to a plain ASGI
application on the running event loop: the same objects a fan's connection is made of in production.
"""

from __future__ import annotations

import asyncio
import base64
import os

import pytest
from channels.testing import WebsocketCommunicator
from daphne.http_protocol import HTTPFactory
from daphne.ws_protocol import WebSocketProtocol
from twisted.internet.address import IPv4Address
from twisted.internet.error import ConnectionDone
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure

from live import daphne as integration
from live.consumers import ReadOnlyLiveConsumer
from live.inbox import Inbox

pytestmark = pytest.mark.asyncio

CLIENT_LIMIT = 65536
BROWSER_OFFER = "permessage-deflate; client_max_window_bits"


@pytest.fixture(autouse=True)
def lean_connections(monkeypatch):
    """Each test starts with the memory measures and the fast path on, as a server whose internals are all there."""
    state = integration.LeanConnections()
    monkeypatch.setattr(integration, "lean_connections", state)
    monkeypatch.setattr(integration, "frame_writes", integration.FrameWrites())
    return state


class EchoApplication:
    """Reads the Origin header on connect, as the origin check does, accepts, then echoes each text."""

    def __init__(self):
        self.scope: dict | None = None
        self.origin: bytes | None = None
        self.received: list[dict] = []
        self.finished = asyncio.Event()

    async def __call__(self, scope, receive, send):
        self.scope = scope
        self.origin = dict(scope["headers"]).get(b"origin")
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        while True:
            message = await receive()
            self.received.append(message)
            if message["type"] == "websocket.disconnect":
                self.finished.set()
                return
            await send({"type": "websocket.send", "text": message["text"] * (CLIENT_LIMIT // len(message["text"]) + 1)})


def daphne_server(application) -> integration.Server:
    """live.daphne's Server with its websocket factory set up as Daphne's run() does, without listening."""
    server = integration.Server(application=application, endpoints=["tcp:port=0:interface=127.0.0.1"])
    server.connections = {}
    server.ws_factory = integration.WebSocketFactory(server, server="test")
    server.ws_factory.setProtocolOptions(
        autoPingTimeout=30,
        allowNullOrigin=True,
        openHandshakeTimeout=5,
        maxMessagePayloadSize=CLIENT_LIMIT,
        maxFramePayloadSize=CLIENT_LIMIT,
    )
    return server


async def open_socket(server: integration.Server, extensions: str = "") -> StringTransport:
    """A client's handshake through Daphne's HTTP protocol, offering `extensions`; returns once the server
    answered 101."""
    peer = IPv4Address("TCP", "127.0.0.1", 50000)
    http = HTTPFactory(server).buildProtocol(peer)
    transport = StringTransport(peerAddress=peer, hostAddress=IPv4Address("TCP", "127.0.0.1", 8000))
    http.makeConnection(transport)
    key = base64.b64encode(os.urandom(16)).decode()
    http.dataReceived(
        (
            "GET /ws/matches/9/?v=2 HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            "Origin: http://127.0.0.1:8000\r\nCookie: sessionid=abc\r\n"
            + (f"Sec-WebSocket-Extensions: {extensions}\r\n" if extensions else "")
            + "User-Agent: Mozilla/5.0 (a browser with a long name)\r\n\r\n"
        ).encode()
    )
    for _ in range(50):
        if transport.value().startswith(b"HTTP/1.1 101"):
            return transport
        await asyncio.sleep(0)
    raise AssertionError(f"no handshake answer: {transport.value()!r}")


def client_text_frame(text: str) -> bytes:
    """A masked text frame, as a client sends it (RFC 6455, 5.3)."""
    payload, mask = text.encode(), os.urandom(4)
    masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
    return bytes((0x81, 0x80 | len(payload))) + mask + masked


async def test_an_open_socket_keeps_no_copy_of_its_handshake():
    application = EchoApplication()
    transport = await open_socket(daphne_server(application), BROWSER_OFFER)
    protocol = transport.protocol

    assert isinstance(protocol, integration.FanSocketProtocol)
    assert protocol.state == protocol.STATE_OPEN
    assert application.origin == b"http://127.0.0.1:8000"  # readable until the application accepted
    assert application.scope["headers"] == []  # Daphne's copy, which is the scope's: emptied once open
    assert not set(integration.HANDSHAKE_ATTRIBUTES) & set(vars(protocol))  # autobahn's parse, Daphne's copy
    assert protocol.request == integration.OpenedRequest(path="/ws/matches/9/")
    assert transport.producer is None  # Twisted's HTTP channel, and its request, let go


async def test_autobahn_options_are_read_from_the_factory_not_copied_into_each_socket():
    transport = await open_socket(daphne_server(EchoApplication()))
    protocol = transport.protocol

    assert not set(WebSocketProtocol.CONFIG_ATTRS) & set(vars(protocol))
    assert protocol.maxMessagePayloadSize == protocol.factory.maxMessagePayloadSize == CLIENT_LIMIT
    assert protocol.autoPingTimeout == 30
    assert len(vars(protocol)) < 64  # was 99: an attribute table of 3.3 KB per fan


async def test_an_open_socket_still_receives_and_sends_past_the_client_limit():
    """The application receives through an Inbox, and what it sends is not bound by the client's limit."""
    application = EchoApplication()
    transport = await open_socket(daphne_server(application))
    protocol = transport.protocol
    transport.clear()

    protocol.dataReceived(client_text_frame("ping"))
    for _ in range(50):
        if transport.value():
            break
        await asyncio.sleep(0)

    assert isinstance(protocol.application_queue, Inbox)
    assert application.received == [{"type": "websocket.receive", "text": "ping"}]
    sent = transport.value()
    assert sent[:2] == bytes((0x81, 127)) and int.from_bytes(sent[2:10], "big") > CLIENT_LIMIT
    assert "maxMessagePayloadSize" not in vars(protocol)  # the factory's limit again, for what comes in
    assert isinstance(protocol.send_queue, integration.SendQueue) and not protocol.send_queue

    protocol.connectionLost(Failure(ConnectionDone()))
    await asyncio.wait_for(application.finished.wait(), 1)
    assert application.received[-1]["type"] == "websocket.disconnect"


async def test_an_upgrade_that_reads_the_handshake_once_open_keeps_sockets_as_daphne_does(
    monkeypatch, lean_connections, start_server
):
    def on_message_reading_headers(self, payload, isBinary):
        return self.clean_headers

    monkeypatch.setattr(WebSocketProtocol, "onMessage", on_message_reading_headers)
    assert integration.unexpected_reads() == [
        "daphne.ws_protocol.WebSocketProtocol.onMessage reads self.clean_headers once open"
    ]
    start_server()
    assert not lean_connections.on
    assert "clean_headers" in lean_connections.off_because

    application = EchoApplication()
    transport = await open_socket(daphne_server(application))
    assert transport.protocol.clean_headers == application.scope["headers"] != []
    assert isinstance(transport.protocol.application_queue, asyncio.Queue)


async def test_nothing_in_the_installed_daphne_or_autobahn_reads_what_open_sockets_forget():
    assert integration.unexpected_reads() == []


class QuietFan(ReadOnlyLiveConsumer):
    async def connect(self):
        await self.accept()


async def test_an_open_socket_runs_in_one_task(monkeypatch):
    """Channels' consumers wait through await_many_dispatch: a second task per socket while it is open."""

    async def no_database():
        pass

    # On disconnect Channels closes the database connections a worker thread holds; after a database test
    # has left one in that thread, pytest-django's guard would refuse the check in this test without a database.
    monkeypatch.setattr("channels.generic.websocket.aclose_old_connections", no_database)
    before = len(asyncio.all_tasks())
    sockets = [WebsocketCommunicator(QuietFan.as_asgi(), "/ws/quiet/") for _ in range(3)]
    try:
        for socket in sockets:
            connected, _ = await socket.connect()
            assert connected
        await asyncio.sleep(0)
        assert len(asyncio.all_tasks()) - before == len(sockets)  # each communicator's one application task
        await sockets[0].send_to(text_data='{"type": "ping"}')
        assert await sockets[0].receive_from() == '{"type": "pong"}'
    finally:
        for socket in sockets:
            await socket.disconnect()
