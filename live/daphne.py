"""Daphne, Twisted and autobahn as this project runs them: the one module that reaches into their internals.

- `Server`: Daphne's server, with its checks over every connection done a slice at a time, and
  websockets whose message size limit bounds only what clients send (`FanSocketProtocol`).
- `write_frame`: a change's frame, built once, written straight to a fan's socket (`frame_writer`
  offers it to consumers under Daphne).
- `missing_internals()`: every private attribute and habit of theirs used here, checked when the
  server starts and by tests/unit/test_third_party.py. If one is missing, frames go through the
  ASGI send: an upgrade may cost speed, never delivery.

Run the server as Daphne is run, with the same options: `python -m live.server`. Why each piece
exists, with its measurements: docs/performance.md. Importing this module imports daphne.server,
which installs Twisted's asyncio reactor, as Daphne itself does first.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import socket
import time
from collections.abc import Callable
from concurrent.futures import CancelledError

# Imported first: daphne.server installs the asyncio reactor that the rest of Twisted must use.
import daphne.server
from autobahn.websocket.protocol import WebSocketProtocol as AutobahnProtocol
from daphne.cli import CommandLineInterface as DaphneCommandLine
from daphne.ws_protocol import WebSocketFactory, WebSocketProtocol
from django.conf import settings
from twisted.internet import tcp

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


class FrameWrites:
    """How this process's frames went out: proof, for tests and the health check, of which path is used."""

    def __init__(self) -> None:
        self.direct = 0  # written to the socket at once
        self.buffered = 0  # behind bytes Twisted or autobahn still held
        self.refused = 0  # the fast path failed; the fan-out sent them through the ASGI send
        self.disabled_because = ""

    def as_dict(self) -> dict:
        return {
            "direct": self.direct,
            "buffered": self.buffered,
            "refused": self.refused,
            "disabled_because": self.disabled_because,
        }


frame_writes = FrameWrites()


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
        code = getattr(daphne.server.Server, method, None)
        if code is None or fact not in inspect.getsource(code):
            missing.append(f"daphne Server.{method} doing `{fact}`")
    return missing


# --- the server ----------------------------------------------------------------------------------

class FanSocketProtocol(WebSocketProtocol):
    """Daphne's websocket protocol, whose message size limit applies only to what the client sends.

    autobahn checks one limit, `maxMessagePayloadSize`, both on the way in and on the way out. On the
    way in it keeps a client from making the server buffer an unbounded message; on the way out it
    refused a match's snapshot once long commentary took it past the limit (close 1011, for every new
    fan, forever). What the server sends is built by the server; its size is the match's.
    """

    def sendMessage(self, payload, *args, **kwargs):
        limit, self.maxMessagePayloadSize = self.maxMessagePayloadSize, 0
        try:
            return super().sendMessage(payload, *args, **kwargs)
        finally:
            self.maxMessagePayloadSize = limit


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
        super().run()

    @property
    def ws_factory(self):
        return self._ws_factory

    @ws_factory.setter
    def ws_factory(self, factory) -> None:
        # Daphne's run() makes the factory; every websocket it builds from then on is ours.
        factory.protocol = FanSocketProtocol
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
