"""Websocket endpoints for fans: join the group, send a snapshot or the missed changes, forward.

Consumers hold no logic of their own: the selectors build what is sent on
connect, and live changes arrive already serialized from events/broadcast.py.

Fan-out: the tutorial way gives every fan its own channel on the channel layer,
so that a change costs one message decode, one consumer dispatch (with a thread
hop before the handler) and one trip through the ASGI send per fan; at 10,000
fans on a process that takes seconds of CPU per change. Here each process
subscribes once per broadcast group (`LocalFanOut`), and one task per group
writes each change to the process's fans in turn. See docs/performance.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import weakref
from collections import Counter
from collections.abc import Callable
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import DatabaseError

from . import broadcast, selectors
from .middleware import requests_in_flight
from .models import Group, Match

logger = logging.getLogger(__name__)

# The scope extension matchcentre/asgi.py offers under Daphne: write a prepared frame to the socket.
FRAME_WRITER = "matchcentre.write_frame"

# Close codes (4000-4999 are ours to define; see docs/protocol.md).
CLOSE_NOT_FOUND = 4404
CLOSE_BAD_REQUEST = 4400
CLOSE_FORBIDDEN = 4403
CLOSE_SIGNED_OUT = 4401
CLOSE_TOO_MANY = 4429
# The database did not answer: try again later (with backoff, like any failed connection).
CLOSE_UNAVAILABLE = 4503
# Past MAX_MESSAGE_BYTES. (RFC 6455's 1009 is what Daphne itself sends past its own, larger limit;
# a server application may only send 1000 or 3000-4999.)
CLOSE_TOO_BIG = 4413
# The process's live feed was interrupted and is back: reconnect with `?since=N` to catch up.
CLOSE_RESUME = 4012

# What a fan may send: a ping now and then. Anything bigger, or faster, is not a page of ours.
MAX_MESSAGE_BYTES = 1024
MESSAGES_PER_SECOND = 2.0
MESSAGE_BURST = 10

# Each process checks its channel layer with a round trip every LAYER_CHECK_SECONDS; no answer
# within LAYER_TIMEOUT_SECONDS (or an error) means its fans' live feed is interrupted.
LAYER_CHECK_SECONDS = 1.0
LAYER_TIMEOUT_SECONDS = 3.0
INTERRUPTED = json.dumps({"type": "status", "live": "interrupted"})

# A change to 10,000 fans takes over a tenth of a second of one core. The fan-out writes for
# FANOUT_SLICE_SECONDS, then pauses for a moment, so that the event loop serves other work (an
# editor's request, new connections) and, above all, so that the request thread gets the GIL: a
# thread that writes to sockets gives the GIL up and takes it back at every write, and a thread
# waiting for it would otherwise not run again before the whole fan-out is done.
FANOUT_SLICE_SECONDS = 0.002
FANOUT_PAUSE_SECONDS = 0.001
# While the process serves HTTP requests (an editor's next goal), the fan-out gives way for longer:
# the request's thread runs in the pauses, and the fan-out's latency has room to spare.
FANOUT_YIELD_SECONDS = 0.004
# How long a process keeps its subscription to a group after its last fan left, so that fans
# reconnecting (or a page reloaded) do not make it unsubscribe and subscribe again.
IDLE_GROUP_SECONDS = 15.0


def parse_since(query_string: bytes) -> int | None:
    values = parse_qs(query_string.decode("latin-1")).get("since")
    if not values:
        return None
    try:
        return int(values[0])
    except ValueError:
        return -1  # Not a number: treated like an unknown seq, so the client gets a snapshot.


class _Fans:
    """The fans of one broadcast group in this process, fed by one channel-layer subscription."""

    __slots__ = ("closer", "forwarded", "live", "name", "pending", "ready", "task")

    def __init__(self, name: str):
        self.name = name
        # Fans receiving changes as they come, in the order they joined.
        self.live: dict[ReadOnlyLiveConsumer, None] = {}
        # Fans still sending what they get on connect: changes wait in their list, in order.
        self.pending: dict[ReadOnlyLiveConsumer, list[dict]] = {}
        self.ready: asyncio.Future | None = None  # done once the group subscription is in place
        self.task: asyncio.Task | None = None
        self.closer: asyncio.TimerHandle | None = None
        # The highest seq forwarded per match: a copy of a change already sent is not sent again.
        self.forwarded: dict[int, int] = {}

    def empty(self) -> bool:
        return not self.live and not self.pending


class LocalFanOut:
    """One channel-layer subscription per group per process, shared by the process's fans.

    A change arrives once per process, is decoded once, and its text (already serialized by
    events/broadcast.py) is written to each fan with the same ASGI message. Order is kept: one task
    per group delivers the changes one after another, and a fan that joined while it was still
    sending its snapshot gets the changes that arrived meanwhile, in order, right after it.
    """

    def __init__(self, layer):
        self.layer = layer
        self.groups: dict[str, _Fans] = {}
        # Subscribing and unsubscribing one at a time: a group left and joined again at once must
        # not end up unsubscribed.
        self.subscriptions = asyncio.Lock()
        # The layer health check (see _watch): while interrupted, no group is subscribed.
        self.interrupted = False
        self.watch: asyncio.Task | None = None
        self.probe_channel: str | None = None
        self.probes = 0

    async def join(self, name: str, consumer: ReadOnlyLiveConsumer) -> None:
        """Add a fan, holding back changes until `go_live`; returns once the process is subscribed."""
        fans = self.groups.get(name)
        if fans is None:
            fans = self.groups[name] = _Fans(name)
            fans.ready = asyncio.get_running_loop().create_future()
            if self.interrupted:
                # No feed to subscribe to: the fan gets what it gets on connect and the news that
                # live updates are interrupted, and is asked to reconnect once they are back.
                fans.ready.set_result(None)
            else:
                fans.task = asyncio.create_task(self._run(fans), name=f"fan-out {name}")
        if self.watch is None:
            self.watch = asyncio.create_task(self._watch(), name="channel layer watch")
        if fans.closer is not None:
            fans.closer.cancel()
            fans.closer = None
        fans.pending[consumer] = []
        try:
            await asyncio.shield(fans.ready)
        except BaseException:
            self.leave(name, consumer)
            raise

    async def go_live(self, name: str, consumer: ReadOnlyLiveConsumer) -> None:
        """The fan has what it gets on connect: send what arrived since it joined, then everything as it comes."""
        fans = self.groups.get(name)
        if fans is None or consumer not in fans.pending:
            return
        held = fans.pending[consumer]
        while held:
            await consumer.base_send(held.pop(0))
        # Nothing can have arrived between the last send and here: no await in between.
        if fans.pending.pop(consumer, None) is None:
            return  # the fan left meanwhile
        consumer.write_frame = (consumer.scope.get("extensions") or {}).get(FRAME_WRITER)
        fans.live[consumer] = None
        if self.interrupted:
            await consumer.send(text_data=INTERRUPTED)

    def leave(self, name: str, consumer: ReadOnlyLiveConsumer, *, linger: bool = True) -> None:
        fans = self.groups.get(name)
        if fans is None:
            return
        fans.live.pop(consumer, None)
        fans.pending.pop(consumer, None)
        if fans.empty() and fans.closer is None:
            delay = IDLE_GROUP_SECONDS if linger else 0.0
            fans.closer = asyncio.get_running_loop().call_later(delay, self._close_if_idle, fans)

    def _close_if_idle(self, fans: _Fans) -> None:
        fans.closer = None
        if fans.empty() and self.groups.get(fans.name) is fans:
            del self.groups[fans.name]
            if fans.task is not None:
                fans.task.cancel()

    async def _run(self, fans: _Fans) -> None:
        channel = None
        try:
            async with self.subscriptions:
                channel = await self.layer.new_channel()
                await self.layer.group_add(fans.name, channel)
            fans.ready.set_result(None)
            while True:
                message = await self.layer.receive(channel)
                if message.get("type") != broadcast.FORWARD_TYPE:
                    logger.warning("Fan-out for %s ignored a message of type %r", fans.name, message.get("type"))
                    continue
                seq = message.get("seq")
                if seq is not None:
                    # A retried submission announces its change again, in case the first attempt
                    # committed unheard (services.commit.announce_again); seqs only grow.
                    if seq <= fans.forwarded.get(message["match_id"], 0):
                        continue
                    fans.forwarded[message["match_id"]] = seq
                await self._deliver(fans, {"type": "websocket.send", "text": message["text"]})
        except asyncio.CancelledError:
            raise
        except Exception as error:
            if not fans.ready.done():
                fans.ready.set_exception(error)  # the fans joining fail to connect, as they would have
            else:
                logger.exception("Fan-out for %s stopped; its fans are closed and will reconnect", fans.name)
                for consumer in [*fans.live, *fans.pending]:
                    with contextlib.suppress(Exception):
                        await consumer.close_with(CLOSE_RESUME, "Live updates stopped here: catch up.")
        finally:
            # A task the health check took its fans from (see _suspend) leaves them, and the
            # layer, as they are.
            detached = fans.task is not asyncio.current_task()
            if self.groups.get(fans.name) is fans and not detached:
                del self.groups[fans.name]
            if not fans.ready.done():
                fans.ready.set_exception(ConnectionError(f"the fan-out for {fans.name} stopped"))
                fans.ready.exception()  # seen: whoever waits on it gets it all the same
            if channel is not None and not detached:
                await self._unsubscribe(fans.name, channel)

    async def _unsubscribe(self, name: str, channel: str) -> None:
        try:
            async with self.subscriptions:
                await self.layer.group_discard(name, channel)
        except Exception:
            logger.warning("Fan-out for %s could not leave its group", name, exc_info=True)

    # --- the health check --------------------------------------------------------------------

    async def _watch(self) -> None:
        """While this process has fans: check the layer, tell fans when it fails, resume when it is back.

        A fan's socket to this process can be fine while the process's own link to Redis is not:
        then publishes from every process stop reaching it and its pages would show a frozen match
        as if it were live. (After Redis restarts, channels_redis' pub/sub connection may or may
        not come back with its subscriptions; changes published meanwhile are lost either way.)
        """
        try:
            while self.groups:
                healthy = await self._round_trip()
                if healthy and self.interrupted:
                    await self._resume()
                elif not healthy and not self.interrupted:
                    await self._suspend()
                await asyncio.sleep(LAYER_CHECK_SECONDS)
        finally:
            if self.watch is asyncio.current_task():
                self.watch = None

    async def _round_trip(self) -> bool:
        """Send a probe to this process's own channel through the layer and wait for it to come back."""
        try:
            if self.interrupted:
                await self._restart_layer()  # each attempt on fresh connections
            if self.probe_channel is None:
                self.probe_channel = await self.layer.new_channel("probe.")
            self.probes += 1
            await self.layer.send(self.probe_channel, {"type": "layer.probe", "n": self.probes})
            async with asyncio.timeout(LAYER_TIMEOUT_SECONDS):
                while (await self.layer.receive(self.probe_channel)).get("n") != self.probes:
                    pass  # the answer to an earlier probe, come late
            return True
        except Exception as error:  # TimeoutError included (a cancelled receive drops its channel)
            if not self.interrupted:
                logger.warning("Channel layer check failed: %r", error)
            self.probe_channel = None
            return False

    async def _suspend(self) -> None:
        """The layer failed: stop every group's feed and tell every fan that live updates are interrupted."""
        self.interrupted = True
        count = sum(len(fans.live) + len(fans.pending) for fans in self.groups.values())
        logger.error("Channel layer unreachable: live updates interrupted for %d fans in this process", count)
        for fans in list(self.groups.values()):
            if not fans.ready.done():
                fans.ready.set_result(None)  # fans still joining get their snapshot and the news
            task, fans.task = fans.task, None
            if task is not None:
                task.cancel()
            await self._deliver(fans, {"type": "websocket.send", "text": INTERRUPTED})

    async def _resume(self) -> None:
        """The layer answers again: every fan reconnects and catches up from the change log.

        What was published while the feed was down is lost to this process, and only the database
        knows what each fan missed: a reconnect with `?since=N` replays exactly that.
        """
        self.interrupted = False
        groups, self.groups = list(self.groups.values()), {}
        count = sum(len(fans.live) + len(fans.pending) for fans in groups)
        logger.warning("Channel layer back: %d fans in this process reconnect to catch up", count)
        for fans in groups:
            if fans.closer is not None:
                fans.closer.cancel()
            if fans.task is not None:
                fans.task.cancel()
            for consumer in [*fans.live, *fans.pending]:
                with contextlib.suppress(Exception):
                    await consumer.close_with(CLOSE_RESUME, "Live updates are back: catch up.")

    async def _restart_layer(self) -> None:
        """Drop the pub/sub layer's connections and subscriptions in this process; the next use opens new ones.

        Only for channels_redis' pub/sub layer, whose state is all in this process. Other layers keep
        state in Redis shared with other processes (the core layer's flush would delete it) or have
        no connection to lose (the in-memory layer).
        """
        if type(self.layer).__module__ == "channels_redis.pubsub":
            await self.layer.flush()
        self.probe_channel = None

    async def _deliver(self, fans: _Fans, message: dict) -> None:
        for held in fans.pending.values():
            held.append(message)
        frame = None
        # A copy, as fans come and go while the loop below lets other work run; and no new object
        # per fan, so that a change to thousands of fans leaves nothing for the garbage collector.
        consumers = list(fans.live)
        slice_ends = time.perf_counter() + FANOUT_SLICE_SECONDS
        for index in range(len(consumers)):
            if not index % 32 and time.perf_counter() > slice_ends:
                await asyncio.sleep(FANOUT_YIELD_SECONDS if requests_in_flight() else FANOUT_PAUSE_SECONDS)
                slice_ends = time.perf_counter() + FANOUT_SLICE_SECONDS
            consumer = consumers[index]
            write_frame = consumer.write_frame
            try:
                if write_frame is None:
                    await consumer.base_send(message)
                else:
                    if frame is None:
                        frame = text_frame(message["text"])
                    write_frame(frame)
            except Exception:
                # One broken socket must not cost the others their change.
                logger.warning("Could not send a change to a fan", exc_info=True)


def text_frame(text: str) -> bytes:
    """An unmasked, unfragmented websocket text frame (RFC 6455, 5.2), as a server sends it."""
    payload = text.encode()
    length = len(payload)
    if length < 126:
        header = bytes((0x81, length))
    elif length < 1 << 16:
        header = bytes((0x81, 126)) + length.to_bytes(2, "big")
    else:
        header = bytes((0x81, 127)) + length.to_bytes(8, "big")
    return header + payload


# Open sockets per client address in this process (behind a proxy, Daphne's --proxy-headers makes
# the address the client's own).
sockets_by_address: Counter[str] = Counter()


def client_address(scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else ""


# One fan-out per event loop and channel layer: test runs start a loop (and a layer) per test.
_fan_outs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LocalFanOut] = weakref.WeakKeyDictionary()


def local_fan_out() -> LocalFanOut:
    loop = asyncio.get_running_loop()
    layer = broadcast.channel_layer()
    fan_out = _fan_outs.get(loop)
    if fan_out is None or fan_out.layer is not layer:
        fan_out = _fan_outs[loop] = LocalFanOut(layer)
    return fan_out


class ReadOnlyLiveConsumer(AsyncWebsocketConsumer):
    """Fans only listen. The one message they may send is a ping, now and then."""

    # No channel per fan: the process's LocalFanOut holds one subscription per group for all of them.
    channel_layer_alias = None
    group_name: str = ""
    _fan_out: LocalFanOut | None = None
    # Set when the fan goes live: the server's way to write a prepared frame, if it offers one.
    write_frame: Callable[[bytes], None] | None = None
    # The address this socket is counted under in sockets_by_address, once it is.
    counted_address: str | None = None
    # Messages the fan may still send at once (a token bucket: MESSAGES_PER_SECOND, up to MESSAGE_BURST).
    allowance: float = MESSAGE_BURST
    allowance_at: float = 0.0
    closing = False

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        finally:
            # However the consumer ends (a disconnect, an error in connect, Daphne cancelling it),
            # the fan-out forgets it, and so does the count of its address.
            self.leave_group()
            if self.counted_address is not None:
                sockets_by_address[self.counted_address] -= 1
                if sockets_by_address[self.counted_address] <= 0:
                    del sockets_by_address[self.counted_address]
                self.counted_address = None

    async def websocket_connect(self, message):
        address = client_address(self.scope)
        limit = settings.WEBSOCKET_MAX_CONNECTIONS_PER_ADDRESS
        if limit and sockets_by_address[address] >= limit:
            await self.refuse(CLOSE_TOO_MANY, "Too many connections from this address.")
            return
        sockets_by_address[address] += 1
        self.counted_address = address
        await super().websocket_connect(message)

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
        self.leave_group(linger=False)
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

    async def join_group(self, name: str) -> None:
        self._fan_out = local_fan_out()
        self.group_name = name
        await self._fan_out.join(name, self)

    async def go_live(self) -> None:
        await self._fan_out.go_live(self.group_name, self)

    def leave_group(self, *, linger: bool = True) -> None:
        if self._fan_out is not None and self.group_name:
            self._fan_out.leave(self.group_name, self, linger=linger)
        self.group_name = ""

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
        self.leave_group()

    async def open(self, group: str, read_opening, *args) -> None:
        """Join `group`, send what `read_opening(*args)` gives (None: no such thing), then go live.

        Joined before reading, so nothing committed in between is missed; the client drops any
        change it then receives twice by its seq.
        """
        await self.join_group(group)
        try:
            texts = await database_sync_to_async(read_opening)(*args)
        except DatabaseError:
            await self.unavailable()
            return
        if texts is None:
            await self.not_found()
            return
        await self.accept()
        for text in texts:
            await self.send(text_data=text)
        await self.go_live()

    async def unavailable(self) -> None:
        logger.warning("A fan's socket was refused: the database did not answer", exc_info=True)
        await self.refuse(CLOSE_UNAVAILABLE, "The database is unavailable; try again shortly.")

    async def not_found(self) -> None:
        await self.refuse(CLOSE_NOT_FOUND, "No such match or group.")


class MatchConsumer(ReadOnlyLiveConsumer):
    async def connect(self):
        match_id = self.scope["url_route"]["kwargs"]["match_id"]
        since = parse_since(self.scope["query_string"])
        await self.open(broadcast.match_group(match_id), opening_messages, match_id, since)


class EditorMatchConsumer(MatchConsumer):
    """The editor console's socket: a match socket that only editors open, closed when they sign out.

    Editors are few, so each such socket listens on a channel of its own for its user's sign-out.
    """

    signed_out_watch: asyncio.Task | None = None

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.refuse(CLOSE_SIGNED_OUT, "Sign in to use the editor console.")
            return
        if not await database_sync_to_async(user.has_perm)("events.add_matchevent"):
            await self.refuse(CLOSE_FORBIDDEN, "Editors only.")
            return
        layer = broadcast.channel_layer()
        channel = await layer.new_channel("editor.")
        await layer.group_add(broadcast.user_group(user.pk), channel)
        self.signed_out_watch = asyncio.create_task(self.close_on_sign_out(layer, channel, user.pk))
        await super().connect()

    async def close_on_sign_out(self, layer, channel: str, user_id: int) -> None:
        try:
            while (await layer.receive(channel)).get("type") != broadcast.SIGNED_OUT_TYPE:
                pass
            await self.close_with(CLOSE_SIGNED_OUT, "Signed out.")
        finally:
            with contextlib.suppress(Exception):
                await layer.group_discard(broadcast.user_group(user_id), channel)

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        finally:
            if self.signed_out_watch is not None:
                self.signed_out_watch.cancel()


class GroupConsumer(ReadOnlyLiveConsumer):
    async def connect(self):
        group_id = self.scope["url_route"]["kwargs"]["group_id"]
        await self.open(broadcast.group_group(group_id), group_opening_messages, group_id)


def opening_messages(match_id: int, since: int | None) -> list[str] | None:
    """What a match socket sends first, or None when there is no such match.

    One trip to the database thread per fan, and no query of its own: the selectors find out
    whether the match exists (changes_since says None, then the snapshot does not find it).
    """
    try:
        return initial_messages(match_id, since)
    except Match.DoesNotExist:
        return None


def group_opening_messages(group_id: int) -> list[str] | None:
    """What a group socket sends first (its snapshot), or None when there is no such group."""
    try:
        return [json.dumps(selectors.group_snapshot(group_id))]
    except Group.DoesNotExist:
        return None


def initial_messages(match_id: int, since: int | None) -> list[str]:
    """What a match socket sends first: the changes after `since`, or else a snapshot."""
    if since is not None:
        changes = selectors.changes_since(match_id, since)
        if changes is not None:
            return broadcast.replay_texts(match_id, changes)
    return [json.dumps(selectors.match_snapshot(match_id))]
