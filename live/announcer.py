"""A committed change leaves the request that made it: what pages get of it is built and sent after the editor
has the answer, in the order the changes committed.

In a server process (live/daphne.py's Server tells this module its event loop), `announce` queues the build;
one task on the server's loop takes the builds in turn, runs each on one thread of its own (markup in every
language is CPU work the loop must not do) and sends what it made. The editor's request waits for the commit,
not for the markup of the change in five languages and thirty-odd sends: a goal's answer comes in about half
the time (docs/performance.md).

Anywhere else (a management command, the test suite's direct calls), `announce` builds and sends at once, as a
request's thread did before.

What this holds to: the queue is first in, first out, and `announce` is only ever called after a commit, in
the order of commits of one match (its row lock orders them). A change the process never sent (it stopped with
changes queued, or a build failed) is in the database already: the next change's seq tells each page of the gap
and it catches up from the change log, as it does after any lost send.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.db import close_old_connections

from . import publish
from .requests import requests_in_flight

logger = logging.getLogger(__name__)

Sends = list[tuple[str, dict]]

# A build waits for requests in flight at most this long: a stream of them must not hold changes back.
GIVE_WAY_SECONDS = 0.1
GIVE_WAY_POLL_SECONDS = 0.002

_server_loop: asyncio.AbstractEventLoop | None = None
_queue: asyncio.Queue | None = None
_sender: asyncio.Task | None = None
# One thread: builds take turns (they are CPU work under one interpreter lock; more threads would only
# interleave them) and keep their order.
BUILDER_THREAD = "announce"
_builder = ThreadPoolExecutor(max_workers=1, thread_name_prefix=BUILDER_THREAD)


def serve_on(loop: asyncio.AbstractEventLoop | None) -> None:
    """This process serves requests on `loop`: from now on, changes are built and sent after their request
    (None: at once again)."""
    global _server_loop, _queue, _sender
    _server_loop, _queue, _sender = loop, None, None


def announce(build: Callable[[], Sends]) -> None:
    """Send what `build` makes (a list of (feed, message)): after the request, in a server process (call
    after the commit, from events/services/); at once anywhere else."""
    loop = _server_loop
    if loop is None or loop.is_closed() or not loop.is_running() or _on_thread_of(loop):
        publish.send_all(built(build))
        return
    loop.call_soon_threadsafe(_enqueue, build)


def built(build: Callable[[], Sends]) -> Sends:
    """`build`'s sends; none when it fails (logged: the pages catch up by the next change's seq)."""
    try:
        return build()
    except Exception:
        logger.exception("A change's messages were not built; pages will catch up from the change log")
        return []
    finally:
        if threading.current_thread().name.startswith(BUILDER_THREAD):
            # A build may read (a correction's author's role): its connection is closed as a request's is.
            close_old_connections()


def _on_thread_of(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def _enqueue(build: Callable[[], Sends]) -> None:
    """On the server's loop: queue the build, and start the task that sends (once)."""
    global _queue, _sender
    if _queue is None or _sender is None or _sender.done():
        _queue = asyncio.Queue()
        _sender = asyncio.get_running_loop().create_task(_send_in_turn(_queue))
    _queue.put_nowait(build)


async def _send_in_turn(queue: asyncio.Queue) -> None:
    loop = asyncio.get_running_loop()
    while True:
        build = await queue.get()
        try:
            await _after_the_answers(loop)
            sends = await loop.run_in_executor(_builder, built, build)
            await publish.group_send_each(sends)
        except Exception:  # the task must outlive any one change
            logger.exception("A change was not sent; pages will catch up from the change log")
        finally:
            queue.task_done()


async def _after_the_answers(loop: asyncio.AbstractEventLoop) -> None:
    """Wait while this process has requests in flight (the editor's that made the change is answered a moment
    after its commit), for at most GIVE_WAY_SECONDS: a build holds the interpreter lock a request's thread and
    the loop need to finish their answers."""
    deadline = loop.time() + GIVE_WAY_SECONDS
    while requests_in_flight() and loop.time() < deadline:
        await asyncio.sleep(GIVE_WAY_POLL_SECONDS)


async def sent() -> None:
    """Wait until every change queued so far is sent (on the server's loop)."""
    if _queue is not None:
        await _queue.join()


def waiting() -> int:
    """Changes queued and not yet sent."""
    return 0 if _queue is None else _queue.qsize()
