"""live/daphne.py against the installed Daphne, Twisted and autobahn: what it relies on is there, and when
it is not, frames still reach fans through the ASGI send.

Run after every upgrade of those packages (the README's "Dependencies").
"""

from __future__ import annotations

import ast
import functools
import inspect
import pprint

import daphne.server
import pytest
from autobahn import util as autobahn_util
from autobahn.twisted import websocket as autobahn_twisted_websocket
from autobahn.websocket import protocol as autobahn_protocol
from autobahn.websocket.protocol import WebSocketProtocol as AutobahnProtocol
from daphne.ws_protocol import WebSocketFactory
from twisted.internet import abstract

from live import daphne as integration


@pytest.fixture(autouse=True)
def fresh_frame_writes(monkeypatch):
    """Each test starts with the fast path on and nothing counted."""
    monkeypatch.setattr(integration, "frame_writes", integration.FrameWrites())


def test_every_internal_the_fast_paths_rely_on_is_there_in_the_installed_versions():
    assert integration.missing_internals() == []


@pytest.mark.parametrize(
    ("owner", "name", "reported"),
    [
        (abstract.FileDescriptor, "dataBuffer", "twisted tcp.Connection.dataBuffer"),
        (AutobahnProtocol, "sendData", "daphne WebSocketProtocol.sendData"),
        (daphne.server.Server, "timeout_checker", "daphne Server.timeout_checker"),
        (daphne.server.Server, "handle_reply", "daphne Server.handle_reply"),
    ],
)
def test_a_removed_internal_is_reported(monkeypatch, owner, name, reported):
    monkeypatch.delattr(owner, name)
    assert reported in integration.missing_internals()


def test_an_attribute_renamed_on_the_live_protocol_is_reported(monkeypatch):
    connection_made = AutobahnProtocol._connectionMade

    def renamed(protocol):
        connection_made(protocol)
        protocol.outgoing = protocol.__dict__.pop("send_queue")

    monkeypatch.setattr(AutobahnProtocol, "_connectionMade", renamed)
    assert integration.missing_internals() == ["daphne WebSocketProtocol.send_queue"]


def test_a_change_in_how_daphne_wraps_send_is_reported(monkeypatch):
    monkeypatch.setattr(daphne.server.Server, "create_application", lambda self, protocol, scope: None)
    assert any("partial(self.handle_reply, protocol)" in item for item in integration.missing_internals())


class RecordingSocket:
    def __init__(self):
        self.sent = []

    def send(self, data: bytes) -> int:
        self.sent.append(data)
        return len(data)


class RenamedTransport:
    """A Twisted TCP transport whose `_tempDataLen` went (a release renamed it)."""

    TLS = False
    connected = True
    disconnecting = False
    dataBuffer = b""
    offset = 0

    def __init__(self):
        self.socket = RecordingSocket()


class Transport(RenamedTransport):
    """A Twisted TCP transport as write_frame reads it, with nothing buffered."""

    _tempDataLen = 0


class Protocol:
    state = STATE_OPEN = 3
    send_queue = ()

    def __init__(self, transport):
        self.transport = transport


def test_a_frame_goes_straight_to_the_socket_and_is_counted():
    protocol = Protocol(Transport())
    integration.write_frame(protocol, b"frame")
    assert protocol.transport.socket.sent == [b"frame"]
    assert integration.frame_writes.direct == 1


def test_an_unexpected_transport_writes_nothing_and_turns_the_fast_path_off():
    """A renamed attribute used to make every write raise, swallowed per fan: pages looked connected and
    received nothing. Now nothing is written, the fan-out sends through the ASGI send, and new fans are not
    offered the fast path."""
    transport = RenamedTransport()
    protocol = Protocol(transport)
    with pytest.raises(integration.FastPathUnavailable):
        integration.write_frame(protocol, b"frame")
    assert transport.socket.sent == []
    assert integration.frame_writes.refused == 1
    assert "_tempDataLen" in integration.frame_writes.disabled_because
    server = integration.Server(application=None, endpoints=["tcp:port=0:interface=127.0.0.1"])
    assert integration.frame_writer(functools.partial(server.handle_reply, protocol)) is None


def test_the_server_turns_the_fast_path_off_at_start_when_an_internal_is_missing(monkeypatch, start_server):
    monkeypatch.delattr(AutobahnProtocol, "sendData")
    start_server()
    assert "daphne WebSocketProtocol.sendData" in integration.frame_writes.disabled_because


def test_a_socket_connecting_formats_no_debug_line_that_nobody_logs(monkeypatch):
    """autobahn pretty-printed every socket's options for a dropped debug line: an eighth of a process's CPU
    while a crowd connected."""
    formatted = []
    real_pformat = pprint.PrettyPrinter.pformat
    monkeypatch.setattr(pprint.PrettyPrinter, "pformat", lambda self, value: formatted.append(value) or "")
    protocol = WebSocketFactory(None, server="check").buildProtocol(("127.0.0.1", 0))
    AutobahnProtocol._connectionMade(protocol)
    assert formatted == []
    monkeypatch.setattr(pprint.PrettyPrinter, "pformat", real_pformat)
    assert "'openHandshakeTimeout'" in f"{autobahn_protocol.pformat([('openHandshakeTimeout', 5)])}"
    assert str(autobahn_protocol.Timings()) == "{}"


def test_a_socket_sending_colours_no_name_for_a_debug_line_that_nobody_logs(monkeypatch):
    """autobahn coloured the method's and the peer's names for every handshake, send and close, for debug
    lines that are dropped: about a twentieth of a process's CPU while a crowd connected."""
    coloured = []
    real_hl = autobahn_util.hl
    monkeypatch.setattr(autobahn_util, "hl", lambda text, **style: coloured.append(text) or real_hl(text, **style))
    protocol = WebSocketFactory(None, server="check").buildProtocol(("127.0.0.1", 0))
    AutobahnProtocol._connectionMade(protocol)  # its own debug line names the method too
    protocol.transport = type("Transport", (), {"write": lambda self, data: None})()
    protocol.peer = "tcp:127.0.0.1:5000"
    protocol.sendData(b"frame")
    assert coloured == []
    # Written, a line says what it always said.
    assert "sendData" in f"{autobahn_protocol.hltype(protocol.sendData)}"
    assert str(autobahn_twisted_websocket.hlval(5)) == real_hl("5", color="white", bold=True)


@pytest.mark.parametrize("module", [autobahn_protocol, autobahn_twisted_websocket])
def test_autobahn_uses_the_deferred_names_only_as_log_arguments(module):
    """A deferred text only works formatted: a name used otherwise (added to a string, say) would break. The
    one other use, the text of a socket's timings (Timings.__str__), is replaced by live/daphne.py."""
    tree = ast.parse(inspect.getsource(module))
    allowed = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(
            node.func.value, ast.Attribute
        ) and node.func.value.attr == "log":
            allowed.update(id(keyword.value) for keyword in node.keywords)
        if isinstance(node, ast.ClassDef) and node.name == "Timings":
            allowed.update(id(inner) for inner in ast.walk(node))
    misused = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        and node.func.id in {"hltype", "hlval", "pformat"} and id(node) not in allowed
    ]
    assert misused == []
