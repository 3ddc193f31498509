"""The access log: one line per HTTP request, naming the client that matchcentre/proxies.py decided.

On with ACCESS_LOG=1 (the settings then put `access_log` first in MIDDLEWARE; off, it costs nothing), on
the `matchcentre.access` logger, so it goes where every other line goes, as text or JSON:

    127.0.0.1 "GET /api/matches/9?since=12" 200 5120 3.4ms

The client is REMOTE_ADDR, which Django takes from the ASGI scope that matchcentre.proxies.TrustedProxies
rewrote: behind our nginx the fan, never an address a client wrote in X-Forwarded-For. Daphne's own access
log names the connection's peer (nginx) and is off under `python -m live.server`. The duration runs to the
response leaving the middleware, not to its last byte; `bytes` is the body's length ("-" for a streamed
body of unknown length).

`WebsocketAccessLog` does the same for sockets as ASGI middleware, one line when a socket asks to connect
and one when it closes (with the close code and how long it lasted): two lines per fan, nothing per
message, and it never wraps `send` (live/daphne.py's frame writer unwraps it). Its place is inside
TrustedProxies, around the websocket application in matchcentre/asgi.py.
"""

from __future__ import annotations

import logging
import time

from asgiref.sync import iscoroutinefunction
from django.utils.decorators import sync_and_async_middleware

logger = logging.getLogger("matchcentre.access")


def body_size(response) -> int | None:
    if not response.streaming:
        return len(response.content)
    length = response.headers.get("Content-Length")
    return int(length) if length and length.isdigit() else None


def log_request(request, response, started: float) -> None:
    client = request.META.get("REMOTE_ADDR") or "-"
    method, path, status, size = request.method, request.get_full_path(), response.status_code, body_size(response)
    duration_ms = (time.perf_counter() - started) * 1000
    logger.info(
        '%s "%s %s" %s %s %.1fms',
        client,
        method,
        path,
        status,
        "-" if size is None else size,
        duration_ms,
        extra={
            "client": client,
            "method": method,
            "path": path,
            "status": status,
            "bytes": size,
            "duration_ms": round(duration_ms, 1),
        },
    )


@sync_and_async_middleware
def access_log(get_response):
    """Django middleware: the access line for each request, after everything else has answered it
    (an exception further in is already a 500 response here)."""
    if iscoroutinefunction(get_response):

        async def middleware(request):
            started = time.perf_counter()
            response = await get_response(request)
            log_request(request, response, started)
            return response

    else:

        def middleware(request):
            started = time.perf_counter()
            response = get_response(request)
            log_request(request, response, started)
            return response

    return middleware


class WebsocketAccessLog:
    """ASGI middleware: a line when a socket asks to connect and one when it closes; HTTP passes by."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket" or not logger.isEnabledFor(logging.INFO):
            return await self.app(scope, receive, send)
        client = (scope.get("client") or ["-"])[0]
        path = scope.get("path", "")
        if scope.get("query_string"):
            path = f"{path}?{scope['query_string'].decode('latin-1')}"
        opened = time.monotonic()

        async def logged_receive():
            message = await receive()
            if message["type"] == "websocket.connect":
                logger.info('%s "WSCONNECT %s"', client, path, extra={"client": client, "path": path})
            elif message["type"] == "websocket.disconnect":
                seconds = time.monotonic() - opened
                code = message.get("code")
                logger.info(
                    '%s "WSDISCONNECT %s" %s %.0fs',
                    client,
                    path,
                    code,
                    seconds,
                    extra={"client": client, "path": path, "close_code": code, "duration_s": round(seconds, 1)},
                )
            return message

        return await self.app(scope, logged_receive, send)
