"""The per-process fan-out: one channel-layer subscription per feed, shared by the process's fans.

The tutorial way gives every fan its own channel on the channel layer, so that a change costs one
message decode, one consumer dispatch (with a thread hop before the handler) and one trip through the
ASGI send per fan. Here each process subscribes once per feed (`LocalFanOut`), and one task per feed
writes each change to the process's fans in turn, as a frame built once. Measurements:
docs/performance.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import Awaitable, Callable, Hashable
from typing import TYPE_CHECKING

from .protocol import CLOSE_RESUME, FORWARD_TYPE, INTERRUPTED, text_frame
from .publish import TABLE_KEY, channel_layer
from .requests import requests_in_flight

if TYPE_CHECKING:
    from .consumers import ReadOnlyLiveConsumer
    from .messages import Opening

logger = logging.getLogger(__name__)

# The ASGI scope extension through which the server (live/daphne.py, under Daphne) offers a way to
# write a prepared frame straight to a fan's socket.
FRAME_WRITER = "live.write_frame"

# Each process checks its channel layer with a round trip every LAYER_CHECK_SECONDS; no answer
# within LAYER_TIMEOUT_SECONDS (or an error) means its fans' live feed is interrupted.
LAYER_CHECK_SECONDS = 1.0
LAYER_TIMEOUT_SECONDS = 3.0

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
# How long a process keeps its subscription to a feed after its last fan left, so that fans
# reconnecting (or a page reloaded) do not make it unsubscribe and subscribe again.
IDLE_FEED_SECONDS = 15.0
# What fans get on connect is kept per feed for as many different requests (a snapshot, the changes
# since one seq or another); past that, the rest are built each time.
MAX_OPENINGS_PER_FEED = 32
# How long after a fan went live the fan-out still drops a change its opening read before the feed forwarded
# it (see _Ahead). A change is forwarded well within this after its commit; a copy later still reaches the
# fan, whose page drops it by its seq.
AHEAD_SECONDS = 30.0


class _Ahead:
    """Fans whose shared opening read changes their feed had not forwarded yet (committed, still on their way),
    and the seq it reached for each match (or table): those changes are not written to them when they come."""

    __slots__ = ("consumers", "reached", "until")

    def __init__(self, reached: dict, until: float):
        self.reached = reached
        self.consumers: dict[ReadOnlyLiveConsumer, None] = {}
        self.until = until

    def has(self, forwarded: Forwarded) -> bool:
        return forwarded.within(self.reached)


class _Fans:
    """The fans of one feed in this process, fed by one channel-layer subscription."""

    __slots__ = (
        "ahead", "building", "closer", "forwarded", "generation", "live", "name", "openings", "pending", "ready",
        "task",
    )

    def __init__(self, name: str):
        self.name = name
        # Fans receiving changes as they come, in the order they joined.
        self.live: dict[ReadOnlyLiveConsumer, None] = {}
        # Fans still sending what they get on connect: changes wait in their list, in order.
        self.pending: dict[ReadOnlyLiveConsumer, list[dict]] = {}
        self.ready: asyncio.Future | None = None  # done once the feed's subscription is in place
        self.task: asyncio.Task | None = None
        self.closer: asyncio.TimerHandle | None = None
        # The highest seq forwarded per match: a copy of a change already sent is not sent again.
        self.forwarded: dict[int, int] = {}
        # What fans get on connect, by request, as of the feed's current generation (see opening()).
        self.generation = 0
        self.openings: dict[Hashable, Opening | None] = {}
        self.building: dict[tuple[Hashable, int], asyncio.Future] = {}
        # Live fans whose opening is ahead of what was forwarded, by opening (its `reached`, shared by the fans
        # that got it): few entries, however many fans.
        self.ahead: dict[int, _Ahead] = {}

    def empty(self) -> bool:
        return not self.live and not self.pending

    def changed(self) -> None:
        """Something was forwarded (or may have been missed): what fans get on connect is built anew."""
        self.generation += 1
        self.openings.clear()


class LocalFanOut:
    """One channel-layer subscription per feed per process, shared by the process's fans.

    A change arrives once per process, is decoded once, and its text (already serialized by
    live/messages.py) is written to each fan with the same ASGI message. Order is kept: one task
    per feed delivers the changes one after another, and a fan that joined while it was still
    sending its snapshot gets the changes that arrived meanwhile, in order, right after it.
    """

    def __init__(self, layer):
        self.layer = layer
        self.feeds: dict[str, _Fans] = {}
        # Subscribing and unsubscribing one at a time: a feed left and joined again at once must
        # not end up unsubscribed.
        self.subscriptions = asyncio.Lock()
        # The layer health check (see _watch): while interrupted, no feed is subscribed.
        self.interrupted = False
        self.watch: asyncio.Task | None = None
        self.probe_channel: str | None = None
        self.probes = 0
        # Table feed -> (version, fans): a table update a match's feed is writing now, with its change, to
        # the fans it had when it began. The table's own copy skips those it has not reached yet.
        self.carrying: dict[str, tuple[int, dict]] = {}

    async def join(self, name: str, consumer: ReadOnlyLiveConsumer) -> None:
        """Add a fan, holding back changes until `go_live`; returns once the process is subscribed."""
        fans = self.feeds.get(name)
        if fans is None:
            fans = self.feeds[name] = _Fans(name)
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

    async def opening(self, name: str, key: Hashable, build: Callable[[], Awaitable[Opening | None]]):
        """What a fan of feed `name` gets on connect for `key` (its snapshot, or the changes since a seq),
        built by `build()` once per state of the feed and shared by every fan that asks meanwhile.

        A crowd arriving after a goal costs one trip to the database, not one per fan. It holds because
        the fan joined the feed before asking: every change committed after a build began reaches it
        through the feed, and a build during which anything was forwarded is used by the fans that were
        waiting for it (they get those changes next, and drop what they already have by seq) but not
        kept for later ones.
        """
        fans = self.feeds.get(name)
        if fans is None or fans.task is None or self.interrupted:
            return await build()  # no live feed behind it: nothing would say when it went stale
        if key in fans.openings:
            return fans.openings[key]
        generation = fans.generation
        pending = fans.building.get((key, generation))
        if pending is None:
            pending = asyncio.ensure_future(self._build_opening(fans, key, generation, build))
            fans.building[(key, generation)] = pending
        return await asyncio.shield(pending)

    async def _build_opening(self, fans: _Fans, key: Hashable, generation: int, build) -> Opening | None:
        try:
            texts = await build()
        finally:
            fans.building.pop((key, generation), None)
        if fans.generation == generation and len(fans.openings) < MAX_OPENINGS_PER_FEED:
            fans.openings[key] = texts
        return texts

    async def go_live(self, name: str, consumer: ReadOnlyLiveConsumer, reached: dict | None = None) -> None:
        """The fan has what it gets on connect: send what arrived since it joined, then everything as it comes.

        `reached` (messages.Opening) says which changes its opening had: those are not sent again, whether
        they arrived while it was sent or come later (committed before the opening was read, and forwarded
        after: a change's sends go out after the editor's answer).
        """
        fans = self.feeds.get(name)
        if fans is None or consumer not in fans.pending:
            return
        held = fans.pending[consumer]
        while held:
            forwarded = held.pop(0)
            if reached and forwarded.within(reached):
                continue  # in its opening
            sends_table = forwarded.table_for(consumer)
            if sends_table is None:
                continue  # the table's update this fan already has, with its change
            await consumer.base_send(forwarded.message)
            if sends_table:
                await consumer.base_send({"type": "websocket.send", "text": forwarded.table_text})
        # Nothing can have arrived between the last send and here: no await in between.
        if fans.pending.pop(consumer, None) is None:
            return  # the fan left meanwhile
        consumer.write_frame = (consumer.scope.get("extensions") or {}).get(FRAME_WRITER)
        fans.live[consumer] = None
        if reached and any(seq > fans.forwarded.get(key, 0) for key, seq in reached.items()):
            ahead = fans.ahead.get(id(reached))
            until = asyncio.get_running_loop().time() + AHEAD_SECONDS
            if ahead is None:
                ahead = fans.ahead[id(reached)] = _Ahead(reached, until)
            ahead.until = until
            ahead.consumers[consumer] = None
        if self.interrupted:
            await consumer.send(text_data=INTERRUPTED)

    def leave(self, name: str, consumer: ReadOnlyLiveConsumer, *, linger: bool = True) -> None:
        fans = self.feeds.get(name)
        if fans is None:
            return
        fans.live.pop(consumer, None)
        fans.pending.pop(consumer, None)
        for ahead in fans.ahead.values():
            ahead.consumers.pop(consumer, None)
        if fans.empty() and fans.closer is None:
            delay = IDLE_FEED_SECONDS if linger else 0.0
            fans.closer = asyncio.get_running_loop().call_later(delay, self._close_if_idle, fans)

    def _close_if_idle(self, fans: _Fans) -> None:
        fans.closer = None
        if fans.empty() and self.feeds.get(fans.name) is fans:
            del self.feeds[fans.name]
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
                if message.get("type") != FORWARD_TYPE:
                    logger.warning("Fan-out for %s ignored a message of type %r", fans.name, message.get("type"))
                    continue
                seq = message.get("seq")
                if seq is not None:
                    # A retried submission announces its change again, in case the first attempt
                    # committed unheard (services.commit.announce_again); seqs only grow.
                    if seq <= fans.forwarded.get(message["match_id"], 0):
                        continue
                    fans.forwarded[message["match_id"]] = seq
                fans.changed()
                await self._deliver(fans, Forwarded.of(message))
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
            if self.feeds.get(fans.name) is fans and not detached:
                del self.feeds[fans.name]
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
            logger.warning("Fan-out for %s could not leave its feed", name, exc_info=True)

    # --- the health check --------------------------------------------------------------------

    async def _watch(self) -> None:
        """While this process has fans: check the layer, tell fans when it fails, resume when it is back.

        A fan's socket to this process can be fine while the process's own link to Redis is not:
        then publishes from every process stop reaching it and its pages would show a frozen match
        as if it were live. (After Redis restarts, channels_redis' pub/sub connection may or may
        not come back with its subscriptions; changes published meanwhile are lost either way.)
        """
        try:
            while self.feeds:
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
        """The layer failed: stop every feed and tell every fan that live updates are interrupted."""
        self.interrupted = True
        count = sum(len(fans.live) + len(fans.pending) for fans in self.feeds.values())
        logger.error("Channel layer unreachable: live updates interrupted for %d fans in this process", count)
        for fans in list(self.feeds.values()):
            fans.changed()  # what is published from now on is lost to this process
            if not fans.ready.done():
                fans.ready.set_result(None)  # fans still joining get their snapshot and the news
            task, fans.task = fans.task, None
            if task is not None:
                task.cancel()
            await self._deliver(fans, Forwarded(INTERRUPTED, None, None, False))

    async def _resume(self) -> None:
        """The layer answers again: every fan reconnects and catches up from the change log.

        What was published while the feed was down is lost to this process, and only the database
        knows what each fan missed: a reconnect with `?since=N` replays exactly that.
        """
        self.interrupted = False
        feeds, self.feeds = list(self.feeds.values()), {}
        count = sum(len(fans.live) + len(fans.pending) for fans in feeds)
        logger.warning("Channel layer back: %d fans in this process reconnect to catch up", count)
        for fans in feeds:
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

    async def _deliver(self, fans: _Fans, forwarded: Forwarded) -> None:
        for held in fans.pending.values():
            held.append(forwarded)
        # A copy, as fans come and go while the loop below lets other work run; and no new object
        # per fan, so that a change to thousands of fans leaves nothing for the garbage collector.
        consumers = dict(fans.live)
        if fans.ahead:
            self._skip_those_that_have(fans, forwarded, consumers)
        carrying = None
        if forwarded.table_feed:
            carrying = self.carrying[forwarded.table_feed] = (forwarded.table_version, consumers)
        try:
            await self._write_all(fans, forwarded, consumers)
        finally:
            if carrying is not None and self.carrying.get(forwarded.table_feed) is carrying:
                del self.carrying[forwarded.table_feed]

    @staticmethod
    def _skip_those_that_have(fans: _Fans, forwarded: Forwarded, consumers: dict) -> None:
        """Take out of `consumers` the fans whose opening had this change; forget the openings the feed has
        caught up with (or that are old enough)."""
        now = asyncio.get_running_loop().time()
        for ident, ahead in list(fans.ahead.items()):
            if ahead.has(forwarded):
                for consumer in ahead.consumers:
                    consumers.pop(consumer, None)
            caught_up = all(seq <= fans.forwarded.get(key, 0) for key, seq in ahead.reached.items())
            if caught_up or not ahead.consumers or now > ahead.until:
                del fans.ahead[ident]

    async def _write_all(self, fans: _Fans, forwarded: Forwarded, consumers: dict) -> None:
        frame = frame_with_table = None
        slice_ends = time.perf_counter() + FANOUT_SLICE_SECONDS
        table_version = forwarded.table_version
        # Fans that a match's feed is writing this table update to, with its change, and has not reached yet.
        carried_to: dict = {}
        if forwarded.is_table and fans.name in self.carrying:
            carried_version, carried_to = self.carrying[fans.name]
            if table_version is None or table_version > carried_version:
                carried_to = {}
        for index, consumer in enumerate(consumers):
            if not index % 32 and time.perf_counter() > slice_ends:
                await asyncio.sleep(FANOUT_YIELD_SECONDS if requests_in_flight() else FANOUT_PAUSE_SECONDS)
                slice_ends = time.perf_counter() + FANOUT_SLICE_SECONDS
            if consumer in carried_to and consumer.table_sent < table_version:
                continue  # its match's feed writes it this update with the change
            sends_table = False
            if table_version is not None:
                sends_table = forwarded.table_for(consumer)
                if sends_table is None:
                    continue
            write_frame = consumer.write_frame
            if write_frame is not None:
                if sends_table:
                    if frame_with_table is None:
                        frame_with_table = text_frame(forwarded.text) + text_frame(forwarded.table_text)
                    out = frame_with_table
                else:
                    if frame is None:
                        frame = text_frame(forwarded.text)
                    out = frame
                try:
                    write_frame(out)
                    continue
                except Exception:
                    # The server's way failed before writing anything (live/daphne.py says why, once):
                    # this change, and every later one, go to this fan through the ASGI send instead.
                    consumer.write_frame = None
            try:
                await consumer.base_send(forwarded.message)
                if sends_table:
                    await consumer.base_send({"type": "websocket.send", "text": forwarded.table_text})
            except Exception:
                # One broken socket must not cost the others their change.
                logger.warning("Could not send a change to a fan", exc_info=True)


class Forwarded:
    """A message from a feed, as the fan-out writes it.

    A group table's update goes to every page showing the table (the table's feed) and, with the change that
    caused it, to the match's fans (the match's feed): they get both in one write. Each language has its own
    feeds of both, and a match's feed carries the update of its own language's table feed (`table_feed`). Each
    fan keeps the last table version it was sent (`table_sent`), so that whichever copy reaches it first is the
    only one.
    """

    __slots__ = ("is_table", "key", "message", "seq", "table_feed", "table_text", "table_version", "text")

    def __init__(self, text: str, table_text: str | None, table_version: int | None, is_table: bool,
                 table_feed: str = "", key: Hashable = None, seq: int | None = None):
        # What it is a change of (a match's id, or TABLE_KEY) and its seq there (the table's version).
        self.key = key
        self.seq = seq
        self.text = text
        self.message = {"type": "websocket.send", "text": text}
        self.table_text = table_text
        self.table_version = table_version
        self.is_table = is_table
        self.table_feed = table_feed

    @classmethod
    def of(cls, message: dict) -> Forwarded:
        key, seq = message.get("match_id"), message.get("seq")
        if key == TABLE_KEY:
            return cls(message["text"], None, seq, True, key=key, seq=seq)
        if message.get("table_text") is not None:
            return cls(message["text"], message["table_text"], message.get("table_version"), False,
                       message.get("table_feed", ""), key=key, seq=seq)
        return cls(message["text"], None, None, False, key=key, seq=seq)

    def within(self, reached: dict) -> bool:
        """Whether an opening that reached these seqs (messages.Opening.reached) has this change already."""
        return self.seq is not None and self.seq <= reached.get(self.key, 0)

    def table_for(self, consumer: ReadOnlyLiveConsumer) -> bool | None:
        """Whether this fan gets the table's update with the change (True), only the message (False), or
        nothing (None: a table update it already has)."""
        version = self.table_version
        if version is None:
            return False
        if self.is_table:
            if consumer.table_sent >= version:
                return None
            consumer.table_sent = version
            return False
        if not consumer.table_feed_name or consumer.table_sent >= version:
            return False
        consumer.table_sent = version
        return True


# One fan-out per event loop and channel layer: test runs start a loop (and a layer) per test.
_fan_outs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LocalFanOut] = weakref.WeakKeyDictionary()


def local_fan_out() -> LocalFanOut:
    loop = asyncio.get_running_loop()
    layer = channel_layer()
    fan_out = _fan_outs.get(loop)
    if fan_out is None or fan_out.layer is not layer:
        fan_out = _fan_outs[loop] = LocalFanOut(layer)
    return fan_out

