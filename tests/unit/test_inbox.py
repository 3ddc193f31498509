"""live/inbox.py: a connection's ASGI receive, in order, holding nothing while nothing waits."""

from __future__ import annotations

import asyncio

import pytest

from live.inbox import Inbox

pytestmark = pytest.mark.asyncio


async def test_messages_come_out_in_the_order_they_went_in():
    inbox = Inbox()
    for number in range(3):
        inbox.put_nowait({"n": number})
    assert [(await inbox.get())["n"] for _ in range(3)] == [0, 1, 2]


async def test_a_getter_waits_for_the_next_message():
    inbox = Inbox()
    getter = asyncio.ensure_future(inbox.get())
    await asyncio.sleep(0)
    assert not getter.done()
    inbox.put_nowait({"type": "websocket.connect"})
    assert await asyncio.wait_for(getter, 1) == {"type": "websocket.connect"}


async def test_waiting_getters_are_served_in_the_order_they_came():
    inbox = Inbox()
    first, second = asyncio.ensure_future(inbox.get()), asyncio.ensure_future(inbox.get())
    await asyncio.sleep(0)
    inbox.put_nowait("a")
    inbox.put_nowait("b")
    assert await asyncio.wait_for(asyncio.gather(first, second), 1) == ["a", "b"]


async def test_a_getter_cancelled_while_waiting_loses_no_message():
    inbox = Inbox()
    cancelled = asyncio.ensure_future(inbox.get())
    await asyncio.sleep(0)
    cancelled.cancel()
    await asyncio.sleep(0)
    inbox.put_nowait("disconnect")
    assert await asyncio.wait_for(inbox.get(), 1) == "disconnect"


async def test_a_getter_woken_then_cancelled_leaves_the_message_to_the_next():
    inbox = Inbox()
    woken, next_getter = asyncio.ensure_future(inbox.get()), asyncio.ensure_future(inbox.get())
    await asyncio.sleep(0)
    inbox.put_nowait("ping")  # wakes the first getter, which is cancelled before it runs
    woken.cancel()
    assert await asyncio.wait_for(next_getter, 1) == "ping"


async def test_an_idle_inbox_keeps_no_list_of_messages_and_only_the_waiting_getter():
    """What each idle fan's connection keeps: Daphne's asyncio.Queue kept four 760-byte deques."""
    inbox = Inbox()
    inbox.put_nowait("connect")
    await inbox.get()
    assert inbox.messages is None
    getter = asyncio.ensure_future(inbox.get())
    await asyncio.sleep(0)
    assert inbox.messages is None
    assert len(inbox.getters) == 1
    inbox.put_nowait("disconnect")
    await getter
    assert inbox.messages is None and inbox.getters is None
    assert not hasattr(inbox, "__dict__")


async def test_get_nowait_says_when_it_is_empty():
    inbox = Inbox()
    with pytest.raises(asyncio.QueueEmpty):
        inbox.get_nowait()
    inbox.put_nowait("x")
    assert inbox.qsize() == 1 and not inbox.empty()
    assert inbox.get_nowait() == "x"
    assert inbox.empty()
