"""Daphne, Twisted and autobahn as this project runs them: the one module that reaches into their internals.

- `Server`: Daphne's server, with its checks over every connection done a slice at a time, and
  websockets whose message size limit bounds only what clients send (`FanSocketProtocol`).
- What an idle fan keeps: `FanSocketProtocol` reads autobahn's options from the factory instead of
  copying them into every socket, and forgets its handshake once the socket is open; each connection's
  application receives through an `Inbox` (live/inbox.py) instead of an asyncio.Queue.
- Permessage-deflate for clients that offer it, each message compressed once for every fan
  (live/deflate.py): `accept_deflate` negotiates it, `write_frame` and `FanSocketProtocol.sendMessage`
  write the shared compressed frame.
- `write_frame`: a change's frame, built once, written straight to a fan's socket (`frame_writer`
  offers it to consumers under Daphne).
- A websocket handshake goes from the first bytes straight to the websocket protocol (`UpgradeSniffer`),
  without Twisted's HTTP parser and Daphne's request object before it; anything else, or anything unusual,
  takes Daphne's own path.
- autobahn's debug lines' arguments (each socket's options, coloured method and peer names) are
  formatted only if a line is ever logged (`DeferredText`).
- `missing_internals()`: every private attribute and habit of theirs used here, checked when the
  server starts and by tests/unit/test_third_party.py. If one is missing, frames go through the
  ASGI send: an upgrade may cost speed, never delivery.

Run the server as Daphne is run, with the same options: `python -m live.server`. Why each piece
exists, with its measurements: docs/performance.md. Importing this module imports daphne.server,
which installs Twisted's asyncio reactor, as Daphne itself does first.
"""

from __future__ import annotations

import ast
import asyncio
import dataclasses
import functools
import inspect
import logging
import pprint
import re
import socket
import textwrap
import time
from collections.abc import Callable
from concurrent.futures import CancelledError
from typing import NamedTuple

# Imported first: daphne.server installs the asyncio reactor that the rest of Twisted must use.
import daphne.http_protocol
import daphne.server
from autobahn import util as autobahn_util
from autobahn.twisted import websocket as autobahn_twisted_websocket
from autobahn.websocket import protocol as autobahn_protocol
from autobahn.websocket.compress import PerMessageDeflateOffer, PerMessageDeflateOfferAccept
from autobahn.websocket.protocol import WebSocketProtocol as AutobahnProtocol
from daphne.cli import CommandLineInterface as DaphneCommandLine
from daphne.utils import HEADER_NAME_RE
from daphne.ws_protocol import WebSocketFactory, WebSocketProtocol
from django.conf import settings
from twisted.internet import tcp
from twisted.internet.protocol import Protocol
from twisted.protocols.policies import ProtocolWrapper
from twisted.web.http import HTTPChannel

from . import announcer
from .deflate import WINDOW_BITS, SharedFrames
from .heap import long_lived_heap
from .inbox import Inbox

logger = logging.getLogger(__name__)

# How long one slice of housekeeping may hold the event loop, and the pause between slices. Nothing
# in it is urgent (the intervals are seconds, the ping timeout 30 s), so it takes a fifth of the
# loop's time at most: a pass over 10,000 fans takes about 300 ms instead of blocking for 60.
HOUSEKEEPING_SLICE_SECONDS = 0.001
HOUSEKEEPING_PAUSE_SECONDS = 0.004
# Daphne's own intervals between passes.
APPLICATION_CHECK_SECONDS = 1.0
TIMEOUT_CHECK_SECONDS = 2.0


# --- frames straight to the socket ---------------------------------------------------------------


class FastPathUnavailable(RuntimeError):
    """Twisted or autobahn are not as write_frame expects; nothing was written."""


@dataclasses.dataclass
class FrameWrites:
    """How this process's frames went out: proof, for tests and the health check, of which path is used."""

    direct: int = 0  # written to the socket at once
    buffered: int = 0  # behind bytes Twisted or autobahn still held
    refused: int = 0  # the fast path failed; the fan-out sent them through the ASGI send
    disabled_because: str = ""

    as_dict = dataclasses.asdict


frame_writes = FrameWrites()
# The compressed frames of this process's recent messages, shared by every socket that negotiated deflate.
shared_frames = SharedFrames()


def disable_frame_writer(reason: str) -> None:
    """From now on, new fans get their changes through the ASGI send; said once, loudly."""
    if not frame_writes.disabled_because:
        frame_writes.disabled_because = reason
        logger.error("Writing frames straight to sockets is off (%s); frames go through the ASGI send", reason)


def unsent_bytes(transport) -> int:
    """What Twisted holds for a socket that the kernel would not take yet."""
    return len(transport.dataBuffer) - transport.offset + transport._tempDataLen


def drop_stalled(protocol, waiting: int) -> None:
    """Abort a connection that has taken nothing for so long that its backlog reached the limit.

    A phone gone into a tunnel, or a client that stopped reading, would otherwise have every change
    kept for it until its TCP connection times out, minutes later: memory without bound. Aborted,
    it loses nothing: if it is still there, it reconnects with `?since=N` and catches up.
    """
    logger.warning("Dropped a fan whose connection takes nothing more (%d bytes waiting for it)", waiting)
    protocol.dropConnection(abort=True)


def write_frame(protocol, frame: bytes) -> None:
    """Write a ready-made websocket frame to a Daphne connection (nothing once it is closing).

    Through the ASGI send each copy of a change is framed again by autobahn and handed to Twisted,
    which only buffers it and registers the socket for writing: one more trip round the event loop
    and two changes to the poller's registrations per fan. Here the frame goes to the socket at once
    when nothing is waiting before it, as asyncio's own transports do; anything left over joins
    Twisted's buffer, in order.

    Raises FastPathUnavailable, having written nothing, when the objects are not what they were.
    """
    try:
        if protocol.state != protocol.STATE_OPEN:
            return  # closing: Daphne would drop it too
        if getattr(protocol, "_perMessageCompress", None) is not None:
            frame = shared_frames.for_frame(frame)  # compressed once for every fan that negotiated it
        transport = protocol.transport
        behind = bool(
            protocol.send_queue  # autobahn has writes queued: after them
            or transport.TLS  # Daphne serving TLS itself
            or not transport.connected
            or transport.disconnecting
            or transport._tempDataLen
            or len(transport.dataBuffer) != transport.offset  # Twisted holds unsent bytes: behind them
        )
        waiting = unsent_bytes(transport) if behind else 0
        sock = transport.socket
    except Exception as error:
        frame_writes.refused += 1
        disable_frame_writer(f"{type(error).__name__}: {error}")
        raise FastPathUnavailable(str(error)) from error
    if behind:
        if waiting + len(frame) > settings.WEBSOCKET_MAX_UNSENT_BYTES:
            drop_stalled(protocol, waiting)
            return
        frame_writes.buffered += 1
        protocol.sendData(frame)
        return
    frame_writes.direct += 1
    try:
        sent = sock.send(frame)
    except OSError:
        sent = 0  # full (or failing: Twisted's own write then sees the error and closes as usual)
    if sent < len(frame):
        transport.write(frame[sent:])


def frame_writer(send) -> Callable[[bytes], None] | None:
    """A way to write prepared frames to the websocket behind an ASGI `send`, or None.

    None under any other server than this one, or once the fast path is off.
    """
    if frame_writes.disabled_because:
        return None
    if not isinstance(send, functools.partial) or len(send.args) != 1:
        return None
    if not isinstance(getattr(send.func, "__self__", None), daphne.server.Server):
        return None
    return functools.partial(write_frame, send.args[0])


# --- what this module relies on ------------------------------------------------------------------

# Attributes of live objects that write_frame, FanSocketProtocol and Server use.
TRANSPORT_ATTRIBUTES = ("dataBuffer", "offset", "_tempDataLen", "TLS", "connected", "disconnecting", "socket", "write")
PROTOCOL_ATTRIBUTES = (
    "state",
    "STATE_OPEN",
    "send_queue",
    "sendData",
    "sendMessage",
    "dropConnection",
    "maxMessagePayloadSize",
    "check_timeouts",
    "handle_exception",
)
SERVER_ATTRIBUTES = ("application_checker", "timeout_checker", "handle_reply", "create_application", "run")
# Habits of Daphne's code that this module builds on, as written in its source.
SERVER_SOURCE_FACTS = (
    ("create_application", "partial(self.handle_reply, protocol)"),  # the ASGI send frame_writer unwraps
    ("run", "self.ws_factory = WebSocketFactory("),  # where Server swaps in FanSocketProtocol
    ("run", "self.connections = {}"),  # what the sliced checks walk over
    ("application_checker", "self.connections"),
    ("timeout_checker", "check_timeouts()"),
)


# What the handshake leaves on a socket (autobahn's parse of the request and its response, Daphne's copy
# of the headers and its deferred), forgotten once the socket is open.
HANDSHAKE_ATTRIBUTES = (
    "http_headers",
    "http_request_data",
    "http_response_data",
    "http_status_line",
    "http_request_uri",
    "http_request_path",
    "http_request_params",
    "http_request_host",
    "websocket_extensions",
    "websocket_origin",
    "websocket_protocols",
    "_wskey",
    "clean_headers",
    "application_deferred",
)
# The methods that read them: the handshake itself, and Daphne's start of the application.
HANDSHAKE_METHODS = frozenset(
    {"processHandshake", "succeedHandshake", "onConnect", "applicationCreateWorked", "applicationCreateFailed"}
)


def unexpected_reads() -> list[str]:
    """What Daphne's and autobahn's websocket protocols read that the memory measures do not keep: an
    attribute forgotten once the socket is open (outside the handshake's methods), a part of the request
    other than its path, or anything of the application's inbox that an Inbox has not. An upgrade may add
    one; then the server keeps handshakes and asyncio queues as Daphne does (see Server.run)."""
    found = []
    inbox_names = set(dir(Inbox))
    for cls in WebSocketProtocol.__mro__:
        if not cls.__module__.startswith(("daphne.", "autobahn.")):
            continue
        for method, function in vars(cls).items():
            if not inspect.isfunction(function):
                continue
            during_handshake = method in HANDSHAKE_METHODS
            for path in attribute_paths(function):
                where = f"{cls.__module__}.{cls.__name__}.{method}"
                if path[0] in HANDSHAKE_ATTRIBUTES and not during_handshake:
                    found.append(f"{where} reads self.{path[0]} once open")
                elif path[0] == "request" and len(path) > 1 and not during_handshake:
                    if path[1] not in OpenedRequest._fields:
                        found.append(f"{where} reads self.request.{path[1]} once open")
                elif path[0] == "application_queue" and len(path) > 1 and path[1] not in inbox_names:
                    found.append(f"{where} uses self.application_queue.{path[1]}")
    return found


def attribute_paths(function) -> list[tuple[str, ...]]:
    """Every `self.a` and `self.a.b` in a function's source, as ("a",) and ("a", "b")."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return []
    paths = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
            paths.append((node.attr,))
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Attribute)
            and isinstance(node.value.value, ast.Name)
            and node.value.value.id == "self"
        ):
            paths.append((node.value.attr, node.attr))
    return paths


def missing_internals() -> list[str]:
    """What this module relies on and the installed Daphne, autobahn or Twisted no longer have."""
    missing = []
    with socket.socket() as sock:
        transport = tcp.Connection(sock, None)
        missing += [f"twisted tcp.Connection.{name}" for name in TRANSPORT_ATTRIBUTES if not hasattr(transport, name)]
    protocol = WebSocketFactory(None, server="check").buildProtocol(("127.0.0.1", 0))
    try:
        AutobahnProtocol._connectionMade(protocol)
    except Exception as error:
        missing.append(f"autobahn WebSocketProtocol._connectionMade ({error!r})")
    missing += [f"daphne WebSocketProtocol.{name}" for name in PROTOCOL_ATTRIBUTES if not hasattr(protocol, name)]
    missing += [f"daphne Server.{name}" for name in SERVER_ATTRIBUTES if not hasattr(daphne.server.Server, name)]
    for method, fact in SERVER_SOURCE_FACTS:
        if not source_has(getattr(daphne.server.Server, method, None), fact):
            missing.append(f"daphne Server.{method} doing `{fact}`")
    return missing


def source_has(function, fact: str) -> bool:
    """Whether `function`'s source (None: there is no such function) has `fact` in it, as written."""
    try:
        return function is not None and fact in inspect.getsource(function)
    except (OSError, TypeError):
        return False


# --- handshakes straight to the websocket protocol ------------------------------------------------

# A handshake is a few hundred bytes (nginx's, a browser's with cookies: under 2 KB). Beyond this, or not all
# in the first read, a request is Daphne's to parse: the direct path never waits for more bytes.
DIRECT_HANDSHAKE_LIMIT = 8192
HANDSHAKE_REQUEST_LINE = re.compile(rb"GET (/[!-~]*) HTTP/1\.1")
# Printable ASCII and tabs only: no control byte, nothing Twisted and autobahn might read differently.
HANDSHAKE_VALUE = re.compile(rb"[\t\x20-\x7e]*")
# Headers whose meaning Daphne's path decides: a body, or its root path.
HANDSHAKE_REFUSED_HEADERS = frozenset({b"content-length", b"transfer-encoding", b"daphne-root-path"})
# What the direct path does in Daphne's stead, as Daphne's source does it.
UPGRADE_SOURCE_FACTS = (
    (daphne.server.Server.run, "self.http_factory = HTTPFactory(self)"),  # where Server swaps in the sniffer
    (daphne.http_protocol.WebRequest.process, "protocol._raw_query_string = self.query_string"),
    (daphne.http_protocol.WebRequest.process, "transport.protocol = protocol"),
    (daphne.http_protocol.WebRequest.process, "protocol.dataReceived(data)"),
    (WebSocketProtocol.onConnect, '"query_string": self._raw_query_string'),
)


@dataclasses.dataclass
class Handshakes:
    """How this process's connections were parsed: proof, for tests and the health check, of the path used."""

    direct: int = 0  # a websocket handshake handed straight to the websocket protocol
    through_daphne: int = 0  # everything else: HTTP requests, and handshakes the direct path left alone
    disabled_because: str = ""

    as_dict = dataclasses.asdict


handshakes = Handshakes()


def upgrade_internals_missing() -> list[str]:
    """What the direct handshake relies on in Daphne's source and no longer finds there."""
    return [f"{function.__qualname__} doing `{fact}`" for function, fact in UPGRADE_SOURCE_FACTS
            if not source_has(function, fact)]


def plain_upgrade_query(data: bytes) -> bytes | None:
    """The query string, when `data` is exactly one whole websocket handshake that is plain in every way
    (HTTP/1.1 GET, an ASCII path, token header names, printable values, no header twice, no body); else None.

    Plain requests are all it must recognise: what it refuses is parsed by Daphne as before, and what it
    accepts autobahn parses again, strictly, as every handshake always was."""
    if len(data) > DIRECT_HANDSHAKE_LIMIT or not data.endswith(b"\r\n\r\n"):
        return None
    lines = data[:-4].split(b"\r\n")
    request = HANDSHAKE_REQUEST_LINE.fullmatch(lines[0])
    if request is None:
        return None
    names = set()
    upgrade = False
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if not colon or not HEADER_NAME_RE.fullmatch(name) or not HANDSHAKE_VALUE.fullmatch(value):
            return None
        name = name.lower()
        if name in names or name in HANDSHAKE_REFUSED_HEADERS:
            return None
        names.add(name)
        upgrade = upgrade or (name == b"upgrade" and value.strip().lower() == b"websocket")
    if not upgrade:
        return None
    _path, _mark, query = request.group(1).partition(b"?")
    return query


def hand_over(transport, protocol) -> None:
    """Make `protocol` the connection's from now on, as Daphne does for an upgrade (TLS wraps the protocol)."""
    if isinstance(transport, ProtocolWrapper):
        transport.wrappedProtocol = protocol
    else:
        transport.protocol = protocol
    protocol.makeConnection(transport)


class UpgradeSniffer(Protocol):
    """A connection until its first bytes: a plain websocket handshake goes to Daphne's websocket protocol
    directly, anything else to Daphne's HTTP protocol, which then reads it as it always did.

    Daphne parses every handshake with Twisted's HTTP parser into a request object, then writes the request
    out again for autobahn to parse: in a crowd of fans arriving at once, about a sixth of the process's CPU
    went to that first parse. The websocket protocol, its scope and its checks are Daphne's and autobahn's,
    unchanged. Until the first bytes arrive, the connection is closed after Twisted's request timeout, as
    Daphne's HTTP protocol would close it."""

    def __init__(self, factory, address):
        self.factory = factory
        self.address = address
        self.timer = None

    def connectionMade(self):
        self.timer = self.factory.reactor.callLater(self.factory.timeOut, self.transport.loseConnection)

    def dataReceived(self, data: bytes):
        self.stop_timer()
        transport = self.transport
        query = plain_upgrade_query(data)
        if query is not None:
            protocol = self.factory.server.ws_factory.buildProtocol(transport.getPeer())
            if protocol is not None:
                handshakes.direct += 1
                protocol._raw_query_string = query
                hand_over(transport, protocol)
                protocol.dataReceived(data)
                return
        handshakes.through_daphne += 1
        protocol = daphne.http_protocol.HTTPFactory.buildProtocol(self.factory, self.address)
        hand_over(transport, protocol)
        protocol.dataReceived(data)

    def connectionLost(self, reason):
        self.stop_timer()

    def stop_timer(self) -> None:
        if self.timer is not None and self.timer.active():
            self.timer.cancel()
        self.timer = None


class SniffingHTTPFactory(daphne.http_protocol.HTTPFactory):
    """Daphne's HTTP factory, whose connections start as an UpgradeSniffer."""

    def buildProtocol(self, addr):
        return UpgradeSniffer(self, addr)


# --- the server ----------------------------------------------------------------------------------

# Every websocket's scope says the same: one dict for all (Daphne makes one per connection).
ASGI_VERSION = {"version": "3.0"}


class LeanConnections:
    """Whether connections keep only what they need (on unless an upgrade reads what they forget)."""

    def __init__(self) -> None:
        self.on = True
        self.off_because = ""


lean_connections = LeanConnections()


def keep_connections_as_daphne_does(reason: str) -> None:
    """From now on, new sockets keep their handshake and an asyncio.Queue, as Daphne's own do; said once."""
    if lean_connections.on:
        lean_connections.on = False
        lean_connections.off_because = reason
        logger.error("Sockets keep their handshakes and Daphne's queues (%s)", reason)


class SharedFrameAccept(PerMessageDeflateOfferAccept):
    """Permessage-deflate accepted so that one compressed frame serves every fan.

    The response says `server_no_context_takeover` (RFC 7692, 7.1.1.1: a server may, offered or not): each
    message is compressed on its own, so a client needs no window between messages either. It says
    `client_no_context_takeover` too (7.1.1.2): the server needs no decompressor between what the client
    sends (its pings), and drops it after each.
    """

    def __init__(self, offer: PerMessageDeflateOffer):
        super().__init__(offer, request_no_context_takeover=True, no_context_takeover=True)

    def get_extension_string(self) -> str:
        parts = [self.EXTENSION_NAME, "server_no_context_takeover", "client_no_context_takeover"]
        if self.offer.request_max_window_bits:
            parts.append(f"server_max_window_bits={self.offer.request_max_window_bits}")
        return "; ".join(parts)


def accept_deflate(offers: list) -> SharedFrameAccept | None:
    """autobahn's perMessageCompressionAccept: the first permessage-deflate offer whose client can read a
    frame compressed with a full window; None (no compression) for every other client."""
    for offer in offers:
        if isinstance(offer, PerMessageDeflateOffer) and offer.request_max_window_bits in (0, WINDOW_BITS):
            return SharedFrameAccept(offer)
    return None


class FactoryOption:
    """One of autobahn's options, read from the socket's factory, which holds it once for every socket.

    autobahn copies its 40-odd options from the factory into each socket as it connects, unless the
    socket already has them: found here, on the class, they are not copied, and an idle fan's attribute
    table stays at half the size. A value set on one socket is that socket's own, as before.
    """

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __get__(self, protocol, owner=None):
        if protocol is None:
            return self
        return getattr(protocol.factory, self.name)


class DeferredText:
    """A log argument's text, made only if a log line is ever written with it.

    autobahn builds its debug lines' arguments before logging drops them: as each socket connects, the
    pretty-printed text of its 40-odd options (an eighth of the process's CPU while a crowd connected),
    and for every handshake, send and close the names of the method and the peer, coloured for a
    terminal (`hltype`, `hlval`: about a twentieth).
    """

    __slots__ = ("make", "value")

    def __init__(self, make: Callable, value):
        self.make = make
        self.value = value

    def __str__(self) -> str:
        return self.make(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def deferring(make: Callable) -> Callable:
    return functools.partial(DeferredText, make)


def defer_debug_text() -> None:
    """autobahn's websocket modules format their log lines' arguments with DeferredText (each name is used
    there only for log arguments); the one other use of `pformat`, the text of a socket's timings, is kept
    a string."""
    autobahn_protocol.pformat = deferring(pprint.pformat)
    autobahn_protocol.Timings.__str__ = lambda timings: pprint.pformat(timings._timings)
    for module in (autobahn_protocol, autobahn_twisted_websocket):
        module.hltype = deferring(autobahn_util.hltype)
        module.hlval = deferring(autobahn_util.hlval)


defer_debug_text()


class SendQueue(list):
    """autobahn's queue of chopped or synced sends, almost always empty: a list (56 bytes), not a deque (760)."""

    __slots__ = ()

    def popleft(self):
        return self.pop(0)


class OpenedRequest(NamedTuple):
    """What Daphne still reads of the handshake's request once the socket is open (for its log lines)."""

    path: str


class FanSocketProtocol(WebSocketProtocol):
    """Daphne's websocket protocol, whose message size limit applies only to what the client sends, and
    which keeps, while open, only what an open socket needs.

    autobahn checks one limit, `maxMessagePayloadSize`, both on the way in and on the way out. On the
    way in it keeps a client from making the server buffer an unbounded message; on the way out it
    refused a match's snapshot once long commentary took it past the limit (close 1011, for every new
    fan, forever). What the server sends is built by the server; its size is the match's.

    An idle fan's socket is mostly what it was given to connect. Once open, it forgets the handshake
    (`forget_handshake`): autobahn's parse of the request and its response, Daphne's copy of the
    headers (the ASGI scope's `headers`, read by the application before it accepts, are emptied with
    it), and Twisted's HTTP request, kept alive by the connection's HTTP channel, which stayed
    registered as the transport's producer (for a socket it upgraded it no longer pauses anything: its
    request never finishes).
    """

    def _connectionMade(self):
        super()._connectionMade()
        self.send_queue = SendQueue()

    def set_valid_events(self, valid_events=None):
        # autobahn's per-socket event list and results, for listeners added with .on(): nothing here
        # listens, and with no listener autobahn neither checks nor records an event.
        pass

    def sendMessage(self, payload, isBinary=False, fragmentSize=None, sync=False, doNotCompress=False):
        """autobahn's sendMessage with no size limit; on a deflate socket, a text goes as the frame compressed
        once for every fan that gets it, and nothing is ever compressed by this socket's own compressor
        (autobahn would keep one for as long as the socket is open)."""
        if (
            getattr(self, "_perMessageCompress", None) is not None
            and not (isBinary or fragmentSize or sync or doNotCompress)
            and self.state == self.STATE_OPEN
        ):
            self.sendData(shared_frames.for_payload(payload))
            return None
        self.maxMessagePayloadSize = 0
        try:
            return super().sendMessage(payload, isBinary, fragmentSize, sync, doNotCompress=True)
        finally:
            del self.maxMessagePayloadSize  # the factory's limit again, for what the client sends

    def onMessage(self, payload, isBinary):
        super().onMessage(payload, isBinary)
        extension = getattr(self, "_perMessageCompress", None)
        if extension is not None and getattr(extension, "client_no_context_takeover", False):
            # Each of the client's messages stands alone (client_no_context_takeover): autobahn would keep
            # the last one's decompressor, about 40 KB, until the next.
            extension._decompressor = None

    def onOpen(self):
        super().onOpen()
        if lean_connections.on:
            self.forget_handshake()

    def forget_handshake(self) -> None:
        attributes = self.__dict__
        headers = attributes.get("clean_headers")
        if headers is not None:
            headers.clear()  # the scope's list too: the application read its headers before accepting
        for name in HANDSHAKE_ATTRIBUTES:
            attributes.pop(name, None)
        request = attributes.get("request")
        if request is not None:
            self.request = OpenedRequest(request.path)
        transport = self.transport
        if isinstance(getattr(transport, "producer", None), HTTPChannel):
            transport.unregisterProducer()
        # A dict does not shrink when keys go: a fresh one is sized for what is left.
        self.__dict__ = dict(attributes)


for _option in WebSocketProtocol.CONFIG_ATTRS:
    setattr(FanSocketProtocol, _option, FactoryOption(_option))
del _option


class Server(daphne.server.Server):
    """Daphne's server: its websockets are FanSocketProtocol, its periodic checks run a slice at a time."""

    clock = daphne.server.reactor  # anything with callLater (tests use twisted's task.Clock)

    running = False  # True in the process this server runs in

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Twisted listens with a backlog of 50: a crowd arriving at once (a goal alert, a restart) had
        # its handshakes dropped before the process saw them. The kernel caps it at net.core.somaxconn.
        self.endpoints = [with_backlog(endpoint) for endpoint in self.endpoints]

    def run(self):
        type(self).running = True
        problems = missing_internals()
        if problems:
            disable_frame_writer(f"missing: {', '.join(problems)}")
        surprises = unexpected_reads()
        if surprises:
            keep_connections_as_daphne_does(f"{', '.join(surprises)}")
        missing = upgrade_internals_missing()
        if missing:
            handshakes.disabled_because = ", ".join(missing)
            logger.error("Handshakes go through Daphne's HTTP parser (missing: %s)", handshakes.disabled_because)
        # Before the first request, with or without fans: a process that holds none (the newsroom's, which
        # takes editors' writes) otherwise pays full collections of Django's whole heap inside requests.
        long_lived_heap.install()
        # Requests' changes are built and sent on this loop, after their answers.
        announcer.serve_on(daphne.server.twisted_loop)
        super().run()

    def create_application(self, protocol, scope):
        """Daphne's create_application; a websocket's application receives through an Inbox."""
        if not lean_connections.on or scope.get("type") != "websocket":
            return super().create_application(protocol, scope)
        assert "application_instance" not in self.connections[protocol]
        inbox = Inbox()
        scope.setdefault("asgi", ASGI_VERSION)
        application_instance = self.application(
            scope=scope, receive=inbox.get, send=functools.partial(self.handle_reply, protocol)
        )
        if protocol not in self.connections:
            application_instance.close()
            return None
        self.connections[protocol]["application_instance"] = asyncio.ensure_future(
            application_instance, loop=asyncio.get_event_loop()
        )
        return inbox

    @property
    def http_factory(self):
        return self._http_factory

    @http_factory.setter
    def http_factory(self, factory) -> None:
        # Daphne's run() makes the factory it listens with; connections then start as UpgradeSniffer.
        if not handshakes.disabled_because and type(factory) is daphne.http_protocol.HTTPFactory:
            factory = SniffingHTTPFactory(factory.server)
        self._http_factory = factory

    @property
    def ws_factory(self):
        return self._ws_factory

    @ws_factory.setter
    def ws_factory(self, factory) -> None:
        # Daphne's run() makes the factory; every websocket it builds from then on is ours.
        factory.protocol = FanSocketProtocol
        if getattr(settings, "WEBSOCKET_DEFLATE", True):
            factory.setProtocolOptions(perMessageCompressionAccept=accept_deflate)
        self._ws_factory = factory

    def application_checker(self) -> None:
        self.walk(
            list(self.connections), 0, self.check_application, APPLICATION_CHECK_SECONDS, self.application_checker
        )

    def timeout_checker(self) -> None:
        self.walk(list(self.connections), 0, self.check_timeouts, TIMEOUT_CHECK_SECONDS, self.timeout_checker)

    def walk(self, protocols: list, start: int, check: Callable, interval: float, next_pass: Callable) -> None:
        """Check each connection from `start` on, pausing between slices; then schedule the next pass."""
        slice_ends = time.perf_counter() + HOUSEKEEPING_SLICE_SECONDS
        for index in range(start, len(protocols)):
            if index > start and time.perf_counter() > slice_ends:
                self.clock.callLater(
                    HOUSEKEEPING_PAUSE_SECONDS, self.walk, protocols, index, check, interval, next_pass
                )
                return
            protocol = protocols[index]
            if protocol in self.connections:  # not gone since the pass began
                try:
                    check(protocol)
                except Exception:
                    # Daphne's own pass would stop for good here, and with it every timeout and ping.
                    logger.exception("Housekeeping failed for a connection")
        self.clock.callLater(interval, next_pass)

    def check_application(self, protocol) -> None:
        """Daphne's application_checker for one connection: kill a hung application, reap a finished one."""
        details = self.connections[protocol]
        disconnected = details.get("disconnected", None)
        application_instance = details.get("application_instance", None)
        closing_too_long = disconnected and time.time() - disconnected > self.application_close_timeout
        if closing_too_long and application_instance and not application_instance.done():
            logger.warning(
                "Application instance %r for connection %s took too long to shut down and was killed.",
                application_instance,
                repr(protocol),
            )
            application_instance.cancel()
        if application_instance and application_instance.done():
            try:
                exception = application_instance.exception()
            except (CancelledError, asyncio.CancelledError):
                pass
            else:
                if isinstance(exception, KeyboardInterrupt):
                    self.stop()  # the application asks the server to exit
                elif exception:
                    logger.error("Exception inside application: %s", exception, exc_info=exception)
                    if not disconnected:
                        protocol.handle_exception(exception)
            del details["application_instance"]
            application_instance = None
        if not application_instance and disconnected:
            del self.connections[protocol]

    def check_timeouts(self, protocol) -> None:
        """Daphne's timeout_checker for one connection: its timeouts, and a keep-alive ping when due."""
        protocol.check_timeouts()


LISTEN_BACKLOG = 4096


def with_backlog(endpoint: str) -> str:
    """A Twisted TCP or UNIX endpoint description with LISTEN_BACKLOG, unless it names one itself."""
    kind = endpoint.split(":", 1)[0]
    if kind not in ("tcp", "tcp6", "unix") or "backlog=" in endpoint:
        return endpoint
    return f"{endpoint}:backlog={LISTEN_BACKLOG}"


class CommandLineInterface(DaphneCommandLine):
    server_class = Server
