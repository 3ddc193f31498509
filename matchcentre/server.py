"""Daphne, with its housekeeping over every connection done a slice at a time.

Run it as Daphne is run, with the same options:

    python -m matchcentre.server -b 127.0.0.1 -p 8000 matchcentre.asgi:application

Its websockets bound only what clients send by `--websocket-max-message-size`: Daphne's protocol
applies that limit to what the server sends too, and a match snapshot past it was never delivered.

Daphne walks over all its connections once a second (to reap finished applications) and once every
two seconds (timeouts and keep-alive pings), each time in one go. With 10,000 fans connected the
walks took 15-30 ms and 40-80 ms of the event loop's thread: every goal posted while one ran waited
for it, and so did the fan-out of the change before. About one editor's request in ten took two to
four times as long as the rest. Here the same checks run in slices of a millisecond, with the event
loop free to serve requests and fans in between.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import CancelledError

# Imported first: daphne.server installs the asyncio reactor that the rest of Twisted must use.
import daphne.server
from daphne.cli import CommandLineInterface as DaphneCommandLine
from daphne.ws_protocol import WebSocketProtocol

logger = logging.getLogger(__name__)

# How long one slice of housekeeping may hold the event loop, and the pause between slices. Nothing
# in it is urgent (the intervals are seconds, the ping timeout 30 s), so it takes a fifth of the
# loop's time at most: a pass over 10,000 fans takes about 300 ms instead of blocking for 60.
HOUSEKEEPING_SLICE_SECONDS = 0.001
HOUSEKEEPING_PAUSE_SECONDS = 0.004
# Daphne's own intervals between passes.
APPLICATION_CHECK_SECONDS = 1.0
TIMEOUT_CHECK_SECONDS = 2.0


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


class CommandLineInterface(DaphneCommandLine):
    server_class = Server


if __name__ == "__main__":
    CommandLineInterface.entrypoint()
