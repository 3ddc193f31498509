"""The websocket's scope: cookies, session and user, in one step."""

from __future__ import annotations

import sys
from importlib import import_module

from channels.auth import get_user
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http.cookie import parse_cookie

from .fanout import FRAME_WRITER
from .heap import long_lived_heap


def server_frame_writer(send):
    """Under Daphne, a way to write prepared frames to this socket (live/daphne.py); elsewhere None."""
    if "daphne.server" not in sys.modules:
        return None  # not Daphne, which imports it first: live.daphne would install Twisted's reactor for nothing
    from .daphne import frame_writer

    return frame_writer(send)


class WebsocketSessionAuth:
    """What Channels' AuthMiddlewareStack gives a websocket (cookies, session, user), in one step.

    The same scope: `cookies` parsed from the Cookie header, `session` from the session cookie,
    `user` from Channels' own get_user. What it leaves out costs every fan for as long as its socket
    is open: Channels' stack keeps three more copies of the scope and a wrapper round `send` that
    saves the session on an HTTP response (a websocket never sends one), and it asks the database
    thread for the user even when there is no session at all (then the user is anonymous anyway).

    Under Daphne it also offers consumers a frame writer in scope["extensions"] (live/daphne.py), and
    counts the sockets for the garbage collector's policy (live/heap.py).
    """

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        # This frame lives as long as the socket: the cookies are read in a function of their own, so that
        # it holds no header (live/daphne.py empties the scope's headers once the socket is open).
        scope = await with_session(scope)
        writer = server_frame_writer(send)
        if writer is None:
            return await self.inner(scope, receive, send)
        scope["extensions"] = {**(scope.get("extensions") or {}), FRAME_WRITER: writer}
        long_lived_heap.install()  # a Daphne process serving fans: see LongLivedHeap
        long_lived_heap.opened()
        try:
            return await self.inner(scope, receive, send)
        finally:
            long_lived_heap.closed()


def request_cookies(scope) -> dict[str, str]:
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            return parse_cookie(value.decode("latin1"))
    return {}


async def with_session(scope) -> dict:
    """A copy of the scope with `cookies`, `session` and `user`."""
    cookies = request_cookies(scope)
    session = import_module(settings.SESSION_ENGINE).SessionStore(cookies.get(settings.SESSION_COOKIE_NAME))
    scope = dict(scope, cookies=cookies, session=session)
    scope["user"] = AnonymousUser() if session.session_key is None else await get_user(scope)
    return scope
