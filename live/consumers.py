"""Websocket endpoints: fans of a match or of a football group's table, and the editor console's socket.

Consumers hold no logic of their own: live/messages.py builds what is sent on connect, and live
changes reach the fans through the process's fan-out (live/fanout.py), already serialized.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import resource
import time
from collections import Counter
from collections.abc import Callable

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import DatabaseError
from django.utils import translation

from . import messages
from .fanout import FRAME_WRITER, LocalFanOut, local_fan_out
from .protocol import (
    CLOSE_BAD_REQUEST,
    CLOSE_FORBIDDEN,
    CLOSE_NOT_FOUND,
    CLOSE_OLD_PROTOCOL,
    CLOSE_SIGNED_OUT,
    CLOSE_TOO_BIG,
    CLOSE_TOO_MANY,
    CLOSE_UNAVAILABLE,
    MAX_MESSAGE_BYTES,
    MESSAGE_BURST,
    MESSAGES_PER_SECOND,
    PROTOCOL_VERSION,
    SIGNED_OUT_TYPE,
    bracket_feed,
    day_feed,
    editor_feed,
    group_feed,
    match_feed,
    parse_day_since,
    parse_days,
    parse_language,
    parse_since,
    parse_table_version,
    parse_teams,
    parse_version,
    shared_text_frame,
    table_feed,
    team_feed,
    user_feed,
)
from .publish import TABLE_KEY, channel_layer

logger = logging.getLogger(__name__)


# Open sockets per client address in this process (behind a trusted proxy, matchcentre/proxies.py makes
# the address the client's own). Only open sockets count: one is counted as it is accepted, so a
# handshake is never refused because others from its address are still waiting for their opening, and
# the count, checked and raised with no pause in between, never passes the cap (docs/protocol.md).
sockets_by_address: Counter[str] = Counter()
# Sockets this process holds, open or opening.
sockets_in_process = 0
# Open files this process keeps for everything but sockets (the database, Redis, logs, nginx's keep-alive).
FILES_KEPT_FREE = 1024
# What a refused socket is told to wait before it tries again (its client adds jitter).
FULL_RETRY_AFTER_SECONDS = 5


def socket_capacity() -> int:
    """How many sockets this process takes: its open-file limit, less what it keeps for other files.
    Past it, accept() itself would fail and handshakes would hang unanswered in the listen backlog."""
    return max(1, resource.getrlimit(resource.RLIMIT_NOFILE)[0] - FILES_KEPT_FREE)


def client_address(scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else ""


class ReadOnlyLiveConsumer(AsyncWebsocketConsumer):
    """Fans only listen. The one message they may send is a ping, now and then."""

    # No channel per fan: the process's LocalFanOut holds one subscription per feed for all of them.
    channel_layer_alias = None
    channel_layer = None
    groups = ()  # no channel-layer groups: no list of them per socket either
    feed: str = ""
    _fan_out: LocalFanOut | None = None
    # Set when the fan goes live: the server's way to write a prepared frame, if it offers one.
    write_frame: Callable[[bytes], None] | None = None
    # The group table's feed this fan also follows (a match page), and the last version of the table's update
    # it was sent, by either feed (live/fanout.py, Forwarded).
    table_feed_name = ""
    table_sent = 0
    # The address this socket is counted under in sockets_by_address, once it is.
    counted_address: str | None = None
    # Messages the fan may still send at once (a token bucket: MESSAGES_PER_SECOND, up to MESSAGE_BURST).
    allowance: float = MESSAGE_BURST
    allowance_at: float = 0.0
    closing = False

    async def __call__(self, scope, receive, send):
        global sockets_in_process
        sockets_in_process += 1
        try:
            await self.serve(scope, receive, send)
        finally:
            # However the consumer ends (a disconnect, an error in connect, Daphne cancelling it),
            # the fan-out forgets it, and so does the count of its address.
            sockets_in_process -= 1
            self.leave_feed()
            if self.counted_address is not None:
                sockets_by_address[self.counted_address] -= 1
                if sockets_by_address[self.counted_address] <= 0:
                    del sockets_by_address[self.counted_address]
                self.counted_address = None

    async def serve(self, scope, receive, send) -> None:
        """Channels' AsyncConsumer.__call__ for a consumer without a channel: each message handled as it
        comes, in order. Channels waits through await_many_dispatch, which keeps a second task per socket
        (with asyncio.wait's future, set and callbacks) for as long as the socket is open: 3.4 KB of every
        idle fan (tracemalloc, 1,000 sockets)."""
        self.scope = scope
        self.base_send = send
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass

    async def websocket_connect(self, message):
        if sockets_in_process > socket_capacity():
            await self.refuse(
                CLOSE_UNAVAILABLE,
                f"This server is full: try again in {FULL_RETRY_AFTER_SECONDS} s "
                f"(retry-after={FULL_RETRY_AFTER_SECONDS}).",
            )
            return
        if self.address_is_full():
            # No opening is built for an address that already has its fill (counted again at accept).
            await self.refuse(CLOSE_TOO_MANY, "Too many connections from this address.")
            return
        await super().websocket_connect(message)

    def address_is_full(self) -> bool:
        limit = settings.WEBSOCKET_MAX_CONNECTIONS_PER_ADDRESS
        return bool(limit) and sockets_by_address[client_address(self.scope)] >= limit

    async def accept(self, subprotocol=None, headers=None):
        """Open the socket, counted against its address from now on; past the cap, closed with 4429."""
        over = False
        if self.counted_address is None and not self.closing:
            over = self.address_is_full()
            if not over:
                self.counted_address = client_address(self.scope)
                sockets_by_address[self.counted_address] += 1
        await super().accept(subprotocol, headers)
        if over:
            await self.close_with(CLOSE_TOO_MANY, "Too many connections from this address.")
            raise StopConsumer  # whatever the connect was about to send, this socket is done

    async def websocket_receive(self, message):
        if self.closing:
            return
        text, data = message.get("text"), message.get("bytes")
        size = len(text.encode()) if text is not None else len(data or b"")
        if size > MAX_MESSAGE_BYTES:
            await self.close_with(CLOSE_TOO_BIG, f"Messages are limited to {MAX_MESSAGE_BYTES} bytes.")
        elif not self.within_rate():
            await self.close_with(CLOSE_TOO_MANY, "Too many messages.")
        else:
            await super().websocket_receive(message)

    def within_rate(self) -> bool:
        now = time.monotonic()
        self.allowance = min(MESSAGE_BURST, self.allowance + (now - self.allowance_at) * MESSAGES_PER_SECOND)
        self.allowance_at = now
        if self.allowance < 1:
            return False
        self.allowance -= 1
        return True

    async def close_with(self, code: int, reason: str) -> None:
        self.closing = True
        self.leave_feed(linger=False)
        await self.close(code=code, reason=reason)

    async def refuse(self, code: int, reason: str) -> None:
        """Close with our code. Accept first: a close before the handshake is answered reaches the
        client as a bare 403, and it could not tell why."""
        await self.accept()
        await self.close_with(code, reason)

    async def dispatch(self, message):
        # As AsyncConsumer.dispatch, without its thread hop to close old database connections before
        # every handler: these handlers reach the database only through database_sync_to_async,
        # which does that itself.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def send_opening(self, texts: list[str]) -> None:
        """Accept, then send what the fan gets on connect. The texts are shared by every fan that connects
        meanwhile (LocalFanOut.opening): under this project's server each goes as a frame made once for all of
        them, as the fan-out writes changes, instead of being encoded and framed again for every fan."""
        await self.accept()
        write = (self.scope.get("extensions") or {}).get(FRAME_WRITER)
        for text in texts:
            if write is not None:
                try:
                    write(shared_text_frame(text))
                    continue
                except Exception:
                    write = None  # the server's way failed before writing anything (live/daphne.py says why)
            await self.send(text_data=text)

    async def join_feed(self, name: str) -> None:
        self._fan_out = local_fan_out()
        self.feed = name
        await self._fan_out.join(name, self)

    def leave_feed(self, *, linger: bool = True) -> None:
        if self._fan_out is not None and self.feed:
            self._fan_out.leave(self.feed, self, linger=linger)
        self.feed = ""

    async def receive(self, text_data=None, bytes_data=None):
        try:
            message = json.loads(text_data) if text_data is not None else None
        except ValueError:
            message = None
        if isinstance(message, dict) and message.get("type") == "ping":
            await self.send(text_data=json.dumps({"type": "pong"}))
            return
        await self.send(
            text_data=json.dumps({"type": "error", "code": "read_only", "detail": "This socket only sends updates."})
        )

    async def disconnect(self, code):
        self.leave_feed()

    async def websocket_disconnect(self, message):
        # As Channels' own, without its thread hop to close old database connections after every
        # disconnect (see dispatch): when a crowd leaves at once (full time, a restart), 10,000 fans
        # queued 10,000 hops on the database thread.
        await self.disconnect(message["code"])
        raise StopConsumer

    async def open(self, feed: str, read_opening, *args) -> None:
        """Join `feed`, send what `read_opening(*args)` gives (None: no such thing), then go live.

        Joined before reading, so nothing committed in between is missed; and what the opening had is not
        sent again when the feed forwards it (LocalFanOut.go_live). The fan-out builds each opening once per
        state of the feed and shares it.
        """
        await self.join_feed(feed)
        try:
            opening = await self._fan_out.opening(feed, (read_opening, *args), lambda: in_thread(read_opening, *args))
        except DatabaseError:
            await self.unavailable()
            return
        if opening is None:
            await self.not_found()
            return
        await self.send_opening(opening.texts)
        await self._fan_out.go_live(self.feed, self, opening.reached)

    async def speaks_current_version(self) -> bool:
        """Match, group and editor sockets changed shape in protocol version 2: a client that says another
        version (or none, as version 1 pages did) is told so and closed, never sent messages it would misread."""
        if parse_version(self.scope["query_string"]) == PROTOCOL_VERSION:
            return True
        detail = f"This server speaks version {PROTOCOL_VERSION} of the live protocol: reload the page."
        await self.accept()
        await self.send(text_data=json.dumps(
            {"type": "error", "code": "protocol_version", "version": PROTOCOL_VERSION, "detail": detail}
        ))
        await self.close_with(CLOSE_OLD_PROTOCOL, detail)
        return False

    async def unavailable(self) -> None:
        logger.warning("A fan's socket was refused: the database did not answer", exc_info=True)
        await self.refuse(CLOSE_UNAVAILABLE, "The database is unavailable; try again shortly.")

    async def not_found(self) -> None:
        await self.refuse(CLOSE_NOT_FOUND, "No such match or group.")


def _in_site_language(read, *args):
    # The database thread is the one requests run in, and LocaleMiddleware leaves a request's language active
    # there: a socket's reads start from the site's (match and group openings then take the socket's own).
    with translation.override(settings.LANGUAGE_CODE):
        return read(*args)


async def in_thread(read, *args):
    return await database_sync_to_async(_in_site_language)(read, *args)


class MatchConsumer(ReadOnlyLiveConsumer):
    """A fan's match: its changes (lean) on the match's feed, and its group's table on the table's feed, both
    in the page's language.

    Each opening is built once per state of its own feed and shared: the match's (a snapshot without the
    table, or the changes after `since`), then the table's (nothing when the page says, with `table=V`,
    that it shows the current version; else the whole table).
    """

    async def connect(self):
        if not await self.speaks_current_version():
            return
        match_id = self.scope["url_route"]["kwargs"]["match_id"]
        since = parse_since(self.scope["query_string"])
        shown = parse_table_version(self.scope["query_string"])
        # The page's language: its feed carries the changes in it, and its opening is built in it.
        language = parse_language(self.scope["query_string"])
        await self.join_feed(match_feed(match_id, language))
        table = None
        try:
            opening = await self._fan_out.opening(
                self.feed, (messages.match_opening, match_id, since, language),
                lambda: in_thread(messages.match_opening, match_id, since, language),
            )
            if opening is not None and opening.group_id is not None:
                group_id = opening.group_id
                self.table_feed_name = table_feed(group_id, language)
                await self._fan_out.join(self.table_feed_name, self)  # joined before reading, as in open()
                table = await self._fan_out.opening(
                    self.table_feed_name, (messages.table_opening, group_id, shown, language),
                    lambda: in_thread(messages.table_opening, group_id, shown, language),
                )
        except DatabaseError:
            await self.unavailable()
            return
        if opening is None:
            await self.not_found()
            return
        await self.send_opening([*opening.texts, *(table.texts if table else ())])
        if table is not None:
            # The page has this version of the table (sent now, or shown already): neither feed sends it again
            # (Forwarded.table_for).
            self.table_sent = table.reached.get(TABLE_KEY, 0)
        await self._fan_out.go_live(self.feed, self, opening.reached)
        if self.table_feed_name:
            await self._fan_out.go_live(self.table_feed_name, self)

    def leave_feed(self, *, linger: bool = True) -> None:
        super().leave_feed(linger=linger)
        if self._fan_out is not None and self.table_feed_name:
            self._fan_out.leave(self.table_feed_name, self, linger=linger)
        self.table_feed_name = ""


class EditorMatchConsumer(ReadOnlyLiveConsumer):
    """The editor console's socket: every change of the match in full (the editor feed), for editors only,
    closed when they sign out.

    Editors are few, so each such socket listens on a channel of its own for its user's sign-out.
    """

    signed_out_watch: asyncio.Task | None = None

    async def connect(self):
        if not await self.speaks_current_version():
            return
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.refuse(CLOSE_SIGNED_OUT, "Sign in to use the editor console.")
            return
        if not await database_sync_to_async(user.has_perm)("events.add_matchevent"):
            await self.refuse(CLOSE_FORBIDDEN, "Editors only.")
            return
        layer = channel_layer()
        channel = await layer.new_channel("editor.")
        await layer.group_add(user_feed(user.pk), channel)
        self.signed_out_watch = asyncio.create_task(self.close_on_sign_out(layer, channel, user.pk))
        match_id = self.scope["url_route"]["kwargs"]["match_id"]
        since = parse_since(self.scope["query_string"])
        language = parse_language(self.scope["query_string"])
        await self.open(editor_feed(match_id, language), messages.editor_opening, match_id, since, language)

    async def close_on_sign_out(self, layer, channel: str, user_id: int) -> None:
        try:
            while (await layer.receive(channel)).get("type") != SIGNED_OUT_TYPE:
                pass
            await self.close_with(CLOSE_SIGNED_OUT, "Signed out.")
        finally:
            with contextlib.suppress(Exception):
                await layer.group_discard(user_feed(user_id), channel)

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        finally:
            if self.signed_out_watch is not None:
                self.signed_out_watch.cancel()


class GroupConsumer(ReadOnlyLiveConsumer):
    async def connect(self):
        if not await self.speaks_current_version():
            return
        group_id = self.scope["url_route"]["kwargs"]["group_id"]
        shown = parse_table_version(self.scope["query_string"])
        language = parse_language(self.scope["query_string"])
        await self.open(group_feed(group_id, language), messages.group_opening, group_id, shown, language)


class BracketConsumer(ReadOnlyLiveConsumer):
    """A competition's bracket page: a snapshot of the whole bracket, then each part a change alters, in the
    page's language (`lang=`, as for a match)."""

    async def connect(self):
        competition_id = self.scope["url_route"]["kwargs"]["competition_id"]
        language = parse_language(self.scope["query_string"])
        await self.open(bracket_feed(competition_id, language), messages.bracket_opening, competition_id, language)

    async def not_found(self) -> None:
        await self.refuse(CLOSE_NOT_FOUND, "No such competition.")


class DayConsumer(ReadOnlyLiveConsumer):
    """The home page's socket: every match kicking off on the UTC dates its path names, compact.

    A reader's day in their own zone spans one to three UTC dates, so one socket joins each date's
    feed. Each date's opening (its snapshot, or the changes since the seqs the client names) is built
    once per state of that feed and shared; a match is on one date's feed only, so its changes keep
    their order.
    """

    day_feeds: tuple[str, ...] = ()

    async def connect(self):
        days = parse_days(self.scope["url_route"]["kwargs"]["days"])
        if days is None:
            await self.refuse(CLOSE_BAD_REQUEST, "Days are YYYY-MM-DD, one to three in a row, comma-separated.")
            return
        since = parse_day_since(self.scope["query_string"])
        since_key = tuple(sorted(since.items())) if since is not None else None
        self._fan_out = local_fan_out()
        self.day_feeds = tuple(day_feed(day) for day in days)
        for feed in self.day_feeds:  # joined before reading, as in open()
            await self._fan_out.join(feed, self)
        openings = []
        try:
            for day, feed in zip(days, self.day_feeds, strict=True):
                openings.append(await self._fan_out.opening(
                    feed, (messages.day_opening, day, since_key), lambda day=day: in_thread(
                        messages.day_opening, day, since_key
                    )
                ))
        except DatabaseError:
            await self.unavailable()
            return
        await self.send_opening([text for opening in openings for text in opening.texts])
        for feed, opening in zip(self.day_feeds, openings, strict=True):
            await self._fan_out.go_live(feed, self, opening.reached)

    def leave_feed(self, *, linger: bool = True) -> None:
        if self._fan_out is not None:
            for feed in self.day_feeds:
                self._fan_out.leave(feed, self, linger=linger)
        self.day_feeds = ()



class NotificationConsumer(ReadOnlyLiveConsumer):
    """Any page of a fan who follows teams and asked to be notified: each followed team's feed, which carries its
    matches' notifications (goal, red card, VAR decision, kick-off, half-time, full time), already serialized.

    Nothing is sent on connect: a notification is news of the moment, and one missed while no page was open is
    Web Push's to deliver. The team ids are not looked up: an id no team has names a feed nothing is published to.
    """

    team_feeds: tuple[str, ...] = ()

    async def connect(self):
        if not await self.speaks_current_version():
            return
        teams = parse_teams(self.scope["query_string"])
        if teams is None:
            await self.refuse(CLOSE_BAD_REQUEST, "teams= names 1 to 50 team ids, comma-separated, each once.")
            return
        language = parse_language(self.scope["query_string"])
        self._fan_out = local_fan_out()
        self.team_feeds = tuple(team_feed(team_id, language) for team_id in teams)
        for feed in self.team_feeds:
            await self._fan_out.join(feed, self)
        await self.accept()
        for feed in self.team_feeds:
            await self._fan_out.go_live(feed, self)

    def leave_feed(self, *, linger: bool = True) -> None:
        if self._fan_out is not None:
            for feed in self.team_feeds:
                self._fan_out.leave(feed, self, linger=linger)
        self.team_feeds = ()


class UnknownPathConsumer(ReadOnlyLiveConsumer):
    """A socket to a path we do not serve (`/ws/matches/abc/`, `/ws/nowhere/`): refused like an
    unknown match, with 4404, rather than the router's error (a 500 and a traceback, for anyone)."""

    async def connect(self):
        await self.refuse(CLOSE_NOT_FOUND, "No such endpoint.")
