"""ASGI entry point: HTTP through Django, websockets through Channels."""

import functools
import gc
import logging
import os
from importlib import import_module

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matchcentre.settings")
# Set up Django before importing anything that touches models.
django_asgi_app = get_asgi_application()

from channels.auth import get_user  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.http.cookie import parse_cookie  # noqa: E402

from events.routing import websocket_urlpatterns  # noqa: E402

logger = logging.getLogger("matchcentre.asgi")

# The scope extension through which a consumer may write a websocket frame straight to the socket.
FRAME_WRITER = "matchcentre.write_frame"


def unsent_bytes(transport) -> int:
    """What Twisted holds for a socket that the kernel would not take yet."""
    return len(getattr(transport, "dataBuffer", b"")) - getattr(transport, "offset", 0) + getattr(
        transport, "_tempDataLen", 0
    )


def drop_stalled(protocol) -> None:
    """Abort a connection that has taken nothing for so long that its backlog reached the limit.

    A phone gone into a tunnel, or a client that stopped reading, would otherwise have every change
    kept for it until its TCP connection times out, minutes later: memory without bound. Aborted,
    it loses nothing: if it is still there, it reconnects with `?since=N` and catches up.
    """
    waiting = unsent_bytes(protocol.transport)
    logger.warning("Dropped a fan whose connection takes nothing more (%d bytes waiting for it)", waiting)
    protocol.dropConnection(abort=True)


def write_frame(protocol, frame: bytes) -> None:
    """Write a ready-made websocket frame to a Daphne connection (nothing once it is closing).

    A change goes to thousands of fans at once. Through the ASGI send each copy is framed again by
    autobahn and handed to Twisted, which only buffers it and registers the socket for writing: one
    more trip round the event loop and two changes to the poller's registrations per fan, most of
    a fan-out's cost. Here the frame, built once, goes to the socket at once when nothing is waiting
    before it, as asyncio's own transports do; anything left over joins Twisted's buffer, in order.
    """
    if protocol.state != protocol.STATE_OPEN:
        return  # closing: Daphne would drop it too
    transport = protocol.transport
    if (
        protocol.send_queue  # autobahn has writes queued: after them
        or getattr(transport, "TLS", True)  # Daphne serving TLS itself, or an unknown transport
        or not getattr(transport, "connected", False)
        or transport.disconnecting
        or transport._tempDataLen
        or len(transport.dataBuffer) != transport.offset  # Twisted holds unsent bytes: behind them
    ):
        if unsent_bytes(transport) + len(frame) > settings.WEBSOCKET_MAX_UNSENT_BYTES:
            drop_stalled(protocol)
            return
        protocol.sendData(frame)
        return
    try:
        sent = transport.socket.send(frame)
    except OSError:
        sent = 0  # full (or failing: Twisted's own write then sees the error and closes as usual)
    if sent < len(frame):
        transport.write(frame[sent:])


def daphne_protocol(send):
    """The Daphne websocket protocol behind an ASGI `send`, or None under any other server."""
    if not isinstance(send, functools.partial) or len(send.args) != 1:
        return None
    server = getattr(send.func, "__self__", None)
    protocol = send.args[0]
    # Daphne's server or a subclass (matchcentre.server), checked by name: importing daphne.server
    # here would install its reactor in processes that are not Daphne.
    if not any(f"{cls.__module__}.{cls.__qualname__}" == "daphne.server.Server" for cls in type(server).__mro__):
        return None
    if not all(hasattr(protocol, name) for name in ("state", "STATE_OPEN", "send_queue", "transport", "sendData")):
        return None
    return protocol


class LongLivedHeap:
    """Keep Python's full garbage collections short in a process holding thousands of fans.

    Each fan brings about a hundred objects that live as long as its socket: at 10,000 fans a full
    collection walks over a million of them and stops the process for about a second, in the middle
    of a fan-out or an editor's request. Full collections come whenever the long-lived objects have
    grown by a quarter, that is after every burst of connections (and then the first editor's request
    after a burst pays for it). So what survives a full collection is frozen (`gc.freeze()`), and so
    is everything every FREEZE_AFTER_OPENED new connections: full collections look only at what came
    after.

    A frozen object that becomes garbage in a reference cycle is not freed (about 25 objects per
    closed connection). Once more fans have left than are connected, everything is unfrozen, so the
    next full collection frees those and the survivors are frozen again.
    """

    def __init__(self) -> None:
        self.installed = False
        self.open = 0
        self.opened_since_freeze = 0
        self.closed_since_unfreeze = 0

    def install(self) -> None:
        if not self.installed:
            self.installed = True
            gc.collect()
            gc.freeze()
            gc.callbacks.append(self.after_collection)

    def after_collection(self, phase: str, info: dict) -> None:
        if phase == "stop" and info["generation"] == 2:
            gc.freeze()

    def opened(self) -> None:
        self.open += 1
        self.opened_since_freeze += 1
        if self.opened_since_freeze >= FREEZE_AFTER_OPENED:
            self.opened_since_freeze = 0
            gc.freeze()

    def closed(self) -> None:
        self.open -= 1
        self.closed_since_unfreeze += 1
        if self.closed_since_unfreeze > max(UNFREEZE_AFTER_CLOSED, self.open):
            self.closed_since_unfreeze = 0
            gc.unfreeze()


FREEZE_AFTER_OPENED = 1000
UNFREEZE_AFTER_CLOSED = 1000
long_lived_heap = LongLivedHeap()


class WebsocketSessionAuth:
    """What Channels' AuthMiddlewareStack gives a websocket (cookies, session, user), in one step.

    The same scope: `cookies` parsed from the Cookie header, `session` from the session cookie,
    `user` from Channels' own get_user. What it leaves out costs every fan for as long as its socket
    is open: Channels' stack keeps three more copies of the scope and a wrapper round `send` that
    saves the session on an HTTP response (a websocket never sends one), and it asks the database
    thread for the user even when there is no session at all (then the user is anonymous anyway).

    Under Daphne it also offers consumers FRAME_WRITER in scope["extensions"], and counts the
    sockets for LongLivedHeap.
    """

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        cookies = {}
        for name, value in scope.get("headers", ()):
            if name == b"cookie":
                cookies = parse_cookie(value.decode("latin1"))
                break
        session = import_module(settings.SESSION_ENGINE).SessionStore(cookies.get(settings.SESSION_COOKIE_NAME))
        scope = dict(scope, cookies=cookies, session=session)
        scope["user"] = AnonymousUser() if session.session_key is None else await get_user(scope)
        protocol = daphne_protocol(send)
        if protocol is None:
            return await self.inner(scope, receive, send)
        writer = functools.partial(write_frame, protocol)
        scope["extensions"] = {**(scope.get("extensions") or {}), FRAME_WRITER: writer}
        long_lived_heap.install()  # a Daphne process serving fans: see LongLivedHeap
        long_lived_heap.opened()
        try:
            return await self.inner(scope, receive, send)
        finally:
            long_lived_heap.closed()


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(WebsocketSessionAuth(URLRouter(websocket_urlpatterns))),
    }
)
