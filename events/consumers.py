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
from collections.abc import Callable
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from . import broadcast, selectors
from .models import Group, Match

logger = logging.getLogger(__name__)

# The scope extension matchcentre/asgi.py offers under Daphne: write a prepared frame to the socket.
FRAME_WRITER = "matchcentre.write_frame"

# Close codes (4000-4999 are ours to define; see docs/protocol.md).
CLOSE_NOT_FOUND = 4404
CLOSE_BAD_REQUEST = 4400

# A change to 10,000 fans takes over a tenth of a second of one core. The fan-out writes for
# FANOUT_SLICE_SECONDS, then pauses for a moment, so that the event loop serves other work (an
# editor's request, new connections) and, above all, so that the request thread gets the GIL: a
# thread that writes to sockets gives the GIL up and takes it back at every write, and a thread
# waiting for it would otherwise not run again before the whole fan-out is done.
FANOUT_SLICE_SECONDS = 0.002
FANOUT_PAUSE_SECONDS = 0.001
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

    __slots__ = ("closer", "live", "name", "pending", "ready", "task")

    def __init__(self, name: str):
        self.name = name
        # Fans receiving changes as they come, in the order they joined.
        self.live: dict[ReadOnlyLiveConsumer, None] = {}
        # Fans still sending what they get on connect: changes wait in their list, in order.
        self.pending: dict[ReadOnlyLiveConsumer, list[dict]] = {}
        self.ready: asyncio.Future | None = None  # done once the group subscription is in place
        self.task: asyncio.Task | None = None
        self.closer: asyncio.TimerHandle | None = None

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

    async def join(self, name: str, consumer: ReadOnlyLiveConsumer) -> None:
        """Add a fan, holding back changes until `go_live`; returns once the process is subscribed."""
        fans = self.groups.get(name)
        if fans is None:
            fans = self.groups[name] = _Fans(name)
            fans.ready = asyncio.get_running_loop().create_future()
            fans.task = asyncio.create_task(self._run(fans), name=f"fan-out {name}")
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
                        await consumer.close_for_resync()
        finally:
            if self.groups.get(fans.name) is fans:
                del self.groups[fans.name]
            if not fans.ready.done():
                fans.ready.set_exception(ConnectionError(f"the fan-out for {fans.name} stopped"))
                fans.ready.exception()  # seen: whoever waits on it gets it all the same
            if channel is not None:
                await self._unsubscribe(fans.name, channel)

    async def _unsubscribe(self, name: str, channel: str) -> None:
        try:
            async with self.subscriptions:
                await self.layer.group_discard(name, channel)
        except Exception:
            logger.warning("Fan-out for %s could not leave its group", name, exc_info=True)

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
                await asyncio.sleep(FANOUT_PAUSE_SECONDS)
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
    """Fans only listen. The one message they may send is a ping."""

    # No channel per fan: the process's LocalFanOut holds one subscription per group for all of them.
    channel_layer_alias = None
    group_name: str = ""
    _fan_out: LocalFanOut | None = None
    # Set when the fan goes live: the server's way to write a prepared frame, if it offers one.
    write_frame: Callable[[bytes], None] | None = None

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        finally:
            # However the consumer ends (a disconnect, an error in connect, Daphne cancelling it),
            # the fan-out forgets it.
            self.leave_group()

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

    async def close_for_resync(self) -> None:
        """The process lost the group's feed: close, so the client reconnects with its seq."""
        self.leave_group(linger=False)
        await self.close()

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

    async def not_found(self) -> None:
        self.leave_group(linger=False)
        # Accept first: a close before the handshake is answered reaches the client
        # as a bare 403, and it could not tell "no such match" from "not allowed".
        await self.accept()
        await self.close(code=CLOSE_NOT_FOUND)


class MatchConsumer(ReadOnlyLiveConsumer):
    async def connect(self):
        match_id = self.scope["url_route"]["kwargs"]["match_id"]
        # Join before reading, so nothing committed in between is missed; the
        # client drops any change it then receives twice by its seq.
        await self.join_group(broadcast.match_group(match_id))
        texts = await database_sync_to_async(opening_messages)(match_id, parse_since(self.scope["query_string"]))
        if texts is None:
            await self.not_found()
            return
        await self.accept()
        for text in texts:
            await self.send(text_data=text)
        await self.go_live()


class GroupConsumer(ReadOnlyLiveConsumer):
    async def connect(self):
        group_id = self.scope["url_route"]["kwargs"]["group_id"]
        await self.join_group(broadcast.group_group(group_id))
        snapshot = await database_sync_to_async(group_opening_snapshot)(group_id)
        if snapshot is None:
            await self.not_found()
            return
        await self.accept()
        await self.send(text_data=json.dumps(snapshot))
        await self.go_live()


def opening_messages(match_id: int, since: int | None) -> list[str] | None:
    """What a match socket sends first, or None when there is no such match.

    One trip to the database thread per fan, and no query of its own: the selectors find out
    whether the match exists (changes_since says None, then the snapshot does not find it).
    """
    try:
        return initial_messages(match_id, since)
    except Match.DoesNotExist:
        return None


def group_opening_snapshot(group_id: int) -> dict | None:
    try:
        return selectors.group_snapshot(group_id)
    except Group.DoesNotExist:
        return None


def initial_messages(match_id: int, since: int | None) -> list[str]:
    """What a match socket sends first: the changes after `since`, or else a snapshot."""
    if since is not None:
        changes = selectors.changes_since(match_id, since)
        if changes is not None:
            return broadcast.replay_texts(match_id, changes)
    return [json.dumps(selectors.match_snapshot(match_id))]
