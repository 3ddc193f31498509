"""live.daphne: Daphne's per-connection housekeeping, done a slice at a time.

A twisted Clock stands in for the reactor, so each slice and pause can be stepped through.
"""

from __future__ import annotations

import asyncio
import functools
import time

import pytest
from twisted.internet.protocol import Protocol
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransportWithDisconnection
from twisted.web.http import _GenericHTTPChannelProtocol

from live import daphne as server_module
from live.daphne import APPLICATION_CHECK_SECONDS, TIMEOUT_CHECK_SECONDS, Server, frame_writer, write_frame


class FakeProtocol:
    """What the checks touch of a Daphne protocol."""

    def __init__(self):
        self.timeout_checks = 0
        self.exceptions = []

    def check_timeouts(self):
        self.timeout_checks += 1

    def handle_exception(self, exception):
        self.exceptions.append(exception)


@pytest.fixture
def loop():
    """A loop that the applications' futures belong to; the checks only look at them, never run it."""
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def finished(loop, result=None, exception=None) -> asyncio.Future:
    future = loop.create_future()
    if exception is not None:
        future.set_exception(exception)
    else:
        future.set_result(result)
    return future


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def server(clock, monkeypatch):
    instance = Server(application=None, endpoints=["tcp:port=0:interface=127.0.0.1"], application_close_timeout=10)
    instance.clock = clock
    instance.connections = {}
    # One connection per slice, so that every pause shows.
    monkeypatch.setattr(server_module, "HOUSEKEEPING_SLICE_SECONDS", -1)
    return instance


def run_pass(clock: Clock, interval: float) -> int:
    """Step through the pauses of a pass in progress; the number of slices it took."""
    slices = 1
    while clock.getDelayedCalls() and clock.getDelayedCalls()[0].getTime() - clock.seconds() < interval:
        clock.advance(server_module.HOUSEKEEPING_PAUSE_SECONDS)
        slices += 1
    return slices


def test_the_timeout_check_visits_every_connection_in_slices_then_waits_for_the_next_pass(server, clock):
    protocols = [FakeProtocol() for _ in range(5)]
    server.connections = {protocol: {"connected": time.time()} for protocol in protocols}

    server.timeout_checker()
    assert [p.timeout_checks for p in protocols] == [1, 0, 0, 0, 0]  # one slice, then a pause
    assert run_pass(clock, TIMEOUT_CHECK_SECONDS) == 5
    assert [p.timeout_checks for p in protocols] == [1] * 5

    [next_pass] = clock.getDelayedCalls()
    assert next_pass.getTime() - clock.seconds() == pytest.approx(TIMEOUT_CHECK_SECONDS)
    clock.advance(TIMEOUT_CHECK_SECONDS)
    run_pass(clock, TIMEOUT_CHECK_SECONDS)
    assert [p.timeout_checks for p in protocols] == [2] * 5


def test_a_connection_gone_during_a_pass_is_skipped(server, clock):
    first, gone = FakeProtocol(), FakeProtocol()
    server.connections = {first: {}, gone: {}}
    server.timeout_checker()
    del server.connections[gone]
    run_pass(clock, TIMEOUT_CHECK_SECONDS)
    assert (first.timeout_checks, gone.timeout_checks) == (1, 0)


def test_one_failing_connection_does_not_stop_the_checks(server, clock):
    class Broken(FakeProtocol):
        def check_timeouts(self):
            raise RuntimeError("broken")

    after = FakeProtocol()
    server.connections = {Broken(): {}, after: {}}
    server.timeout_checker()
    run_pass(clock, TIMEOUT_CHECK_SECONDS)
    assert after.timeout_checks == 1
    assert len(clock.getDelayedCalls()) == 1  # the next pass is still due


def test_the_application_check_reaps_as_daphne_does(server, clock, loop):
    now = time.time()
    running = FakeProtocol()
    done_open = FakeProtocol()
    done_closed = FakeProtocol()
    failed_open = FakeProtocol()
    hung_closed = FakeProtocol()
    hung_app = loop.create_future()
    error = ValueError("inside the application")
    server.connections = {
        running: {"application_instance": loop.create_future()},
        done_open: {"application_instance": finished(loop)},
        done_closed: {"application_instance": finished(loop), "disconnected": now},
        failed_open: {"application_instance": finished(loop, exception=error)},
        hung_closed: {"application_instance": hung_app, "disconnected": now - 60},
    }

    server.application_checker()
    assert run_pass(clock, APPLICATION_CHECK_SECONDS) == 5

    assert "application_instance" in server.connections[running]
    assert "application_instance" not in server.connections[done_open]  # reaped; the socket stays
    assert done_closed not in server.connections  # reaped and gone
    assert "application_instance" not in server.connections[failed_open]
    assert failed_open.exceptions == [error]  # Daphne answers the client with the error
    assert hung_app.cancelled()  # past application_close_timeout after the disconnect
    [next_pass] = clock.getDelayedCalls()
    assert next_pass.getTime() - clock.seconds() == pytest.approx(APPLICATION_CHECK_SECONDS)


def test_the_frame_writer_recognises_this_server_as_daphne(server):
    """frame_writer finds the protocol behind Daphne's `send`, for this server as for Daphne's."""

    class Protocol:
        state = STATE_OPEN = 3
        send_queue = ()
        transport = None

        def sendData(self, data):
            pass

    protocol = Protocol()
    writer = frame_writer(functools.partial(server.handle_reply, protocol))
    assert (writer.func, writer.args) == (write_frame, (protocol,))

    class OtherServer:
        def handle_reply(self, protocol, message):
            pass

    assert frame_writer(functools.partial(OtherServer().handle_reply, protocol)) is None


def test_the_server_listens_with_a_backlog_that_holds_a_crowd():
    """Twisted's default backlog of 50 dropped handshakes when thousands of fans arrived at once."""
    server = Server(
        application=None,
        endpoints=["tcp:port=8000:interface=127.0.0.1", "unix:/run/mc.sock", "tcp:port=8001:backlog=64", "fd:fileno=3"],
    )
    assert server.endpoints == [
        f"tcp:port=8000:interface=127.0.0.1:backlog={server_module.LISTEN_BACKLOG}",
        f"unix:/run/mc.sock:backlog={server_module.LISTEN_BACKLOG}",
        "tcp:port=8001:backlog=64",
        "fd:fileno=3",
    ]


def test_the_server_freezes_what_start_up_loaded_before_any_fan_connects(monkeypatch, start_server):
    """A process with no fans (the newsroom's, which takes editors' writes) paid full collections of
    Django's whole heap, 90-115 ms, inside editors' requests: the policy is installed as the server starts."""
    installed = []
    heap = type("Heap", (), {"install": lambda self: installed.append(1)})()
    monkeypatch.setattr(server_module, "long_lived_heap", heap)
    monkeypatch.setattr(server_module.daphne.server.Server, "run", lambda self: installed.append("serving"))
    start_server()
    assert installed == [1, "serving"]


# --- handshakes straight to the websocket protocol -------------------------------------------------

HANDSHAKE = (
    b"GET /ws/matches/9/?v=2&since=14 HTTP/1.1\r\nHost: matchcentre.example\r\nUpgrade: websocket\r\n"
    b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    b"Origin: https://matchcentre.example\r\nX-Forwarded-For: 203.0.113.9\r\nCookie: tz=Europe/Rome\r\n\r\n"
)


def test_a_plain_handshake_is_recognised_with_its_query_string():
    assert server_module.plain_upgrade_query(HANDSHAKE) == b"v=2&since=14"
    assert server_module.plain_upgrade_query(HANDSHAKE.replace(b"?v=2&since=14", b"")) == b""
    assert server_module.plain_upgrade_query(HANDSHAKE.replace(b"Upgrade: websocket", b"upgrade:  WebSocket ")) == (
        b"v=2&since=14"
    )


@pytest.mark.parametrize(
    ("why", "request_bytes"),
    [
        ("not a handshake", HANDSHAKE.replace(b"Upgrade: websocket\r\n", b"")),
        ("another upgrade", HANDSHAKE.replace(b"Upgrade: websocket", b"Upgrade: h2c")),
        ("not GET", HANDSHAKE.replace(b"GET ", b"POST ", 1)),
        ("HTTP/1.0", HANDSHAKE.replace(b"HTTP/1.1", b"HTTP/1.0", 1)),
        ("a path that is not ASCII", HANDSHAKE.replace(b"/ws/matches/9/", "/ws/é/".encode())),
        ("a space in the target", HANDSHAKE.replace(b"/ws/matches/9/", b"/ws/ matches/9/")),
        ("a header name that is not a token", HANDSHAKE.replace(b"Cookie:", b"Coo kie:")),
        ("no colon", HANDSHAKE.replace(b"Cookie: tz=Europe/Rome", b"Cookie tz=Europe/Rome")),
        ("a control byte in a value", HANDSHAKE.replace(b"tz=Europe/Rome", b"tz=Europe\x0b/Rome")),
        ("a byte above ASCII in a value", HANDSHAKE.replace(b"tz=Europe/Rome", "tz=Zürich".encode())),
        ("a header twice", HANDSHAKE.replace(b"Cookie:", b"Origin: https://elsewhere.example\r\nCookie:")),
        ("names differing only in case", HANDSHAKE.replace(b"Cookie:", b"ORIGIN: https://x.example\r\nCookie:")),
        ("a body", HANDSHAKE.replace(b"Cookie:", b"Content-Length: 5\r\nCookie:")),
        ("chunked", HANDSHAKE.replace(b"Cookie:", b"Transfer-Encoding: chunked\r\nCookie:")),
        ("Daphne's root path header", HANDSHAKE.replace(b"Cookie:", b"Daphne-Root-Path: /x\r\nCookie:")),
        ("a folded line", HANDSHAKE.replace(b"\r\nCookie:", b"\r\n Cookie:")),
        ("a bare line feed", HANDSHAKE.replace(b"\r\nCookie:", b"\nCookie:")),
        ("not all of it yet", HANDSHAKE[:-2]),
        ("more after it", HANDSHAKE + b"\x81\x00"),
        ("over the size limit", HANDSHAKE.replace(b"tz=Europe/Rome", b"x" * server_module.DIRECT_HANDSHAKE_LIMIT)),
    ],
)
def test_anything_but_a_plain_whole_handshake_is_left_to_daphne(why, request_bytes):
    assert server_module.plain_upgrade_query(request_bytes) is None, why


class ListeningServer:
    """What the sniffer's factory touches of Daphne's server."""

    def __init__(self, ws_protocol):
        self.ws_factory = self
        self.ws_protocol = ws_protocol
        self.built_for = []

    def buildProtocol(self, peer):
        self.built_for.append(peer)
        return self.ws_protocol

    def protocol_connected(self, protocol):
        pass

    def protocol_disconnected(self, protocol):
        pass


class RecordingProtocol(Protocol):
    def __init__(self):
        self.received = []

    def dataReceived(self, data):
        self.received.append(data)


def sniffer(clock, ws_protocol=None):
    factory = server_module.SniffingHTTPFactory(ListeningServer(ws_protocol or RecordingProtocol()))
    factory.reactor = clock
    protocol = factory.buildProtocol(("127.0.0.1", 50000))
    transport = StringTransportWithDisconnection()
    transport.protocol = protocol
    protocol.makeConnection(transport)
    return factory, protocol, transport


def test_a_plain_handshake_is_handed_to_the_websocket_protocol_whole(clock):
    ws_protocol = RecordingProtocol()
    _factory, _sniffer, transport = sniffer(clock, ws_protocol)
    direct = server_module.handshakes.direct

    transport.protocol.dataReceived(HANDSHAKE)

    assert transport.protocol is ws_protocol and ws_protocol.transport is transport
    assert ws_protocol.received == [HANDSHAKE]
    assert ws_protocol._raw_query_string == b"v=2&since=14"
    assert server_module.handshakes.direct == direct + 1
    assert clock.getDelayedCalls() == []  # the sniffer's timer is gone


def test_anything_else_goes_to_daphnes_http_protocol_with_the_same_bytes(clock):
    factory, _sniffer, transport = sniffer(clock)
    through_daphne = server_module.handshakes.through_daphne

    transport.protocol.dataReceived(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0")

    assert isinstance(transport.protocol, _GenericHTTPChannelProtocol)
    assert transport.protocol._channel._path == b"/healthz"  # Twisted's parser has the bytes read so far
    assert factory.server.built_for == []
    assert server_module.handshakes.through_daphne == through_daphne + 1
    transport.protocol.connectionLost(None)


def test_a_connection_that_sends_nothing_is_closed_after_twisteds_request_timeout(clock):
    factory, _sniffer, transport = sniffer(clock)
    clock.advance(factory.timeOut - 1)
    assert transport.connected
    clock.advance(1)
    assert not transport.connected


def test_the_direct_handshake_finds_what_it_relies_on_in_daphne():
    assert server_module.upgrade_internals_missing() == []


def test_a_hand_over_daphne_no_longer_does_turns_off_the_direct_handshake_and_not_the_frames(monkeypatch):
    facts = ((server_module.daphne.server.Server.run, "self.http_factory = SomethingElse(self)"),)
    monkeypatch.setattr(server_module, "UPGRADE_SOURCE_FACTS", facts)
    assert server_module.upgrade_internals_missing() == ["Server.run doing `self.http_factory = SomethingElse(self)`"]
    assert server_module.missing_internals() == []
