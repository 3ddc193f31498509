"""What a socket's application receives: the server's messages for one connection, in order."""

from __future__ import annotations

import asyncio


class Inbox:
    """The ASGI `receive` of one connection: what Daphne does with an asyncio.Queue, for far less memory.

    Daphne gives every connection an unbounded asyncio.Queue, which holds four deques of its own (its
    items, its getters, its putters, and an Event's waiters), 760 bytes each whether empty or not: 3 KB
    for each idle fan. A connection's messages are few (a connect, a disconnect, now and then a ping), so
    they are held in a list only while there are any, and so are the getters waiting for them (an idle
    fan's one getter: one future and a list of one). Order is kept; getters are served in the order they
    came; a getter cancelled while waiting takes nothing with it.
    """

    __slots__ = ("getters", "messages")

    def __init__(self) -> None:
        self.messages: list | None = None
        self.getters: list[asyncio.Future] | None = None

    def put_nowait(self, message) -> None:
        if self.messages is None:
            self.messages = [message]
        else:
            self.messages.append(message)
        self._wake_next()

    def _wake_next(self) -> None:
        getters = self.getters
        while getters:
            getter = getters.pop(0)
            if not getter.done():
                getter.set_result(None)
                break
        if not getters:
            self.getters = None

    def qsize(self) -> int:
        return len(self.messages) if self.messages else 0

    def empty(self) -> bool:
        return not self.messages

    async def get(self):
        while not self.messages:
            getter = asyncio.get_running_loop().create_future()
            if self.getters is None:
                self.getters = [getter]
            else:
                self.getters.append(getter)
            try:
                await getter
            except BaseException:
                getter.cancel()
                if self.getters and getter in self.getters:
                    self.getters.remove(getter)
                    if not self.getters:
                        self.getters = None
                elif self.messages:
                    # Woken, then cancelled before it could take the message: the next getter takes it.
                    self._wake_next()
                raise
        return self.get_nowait()

    def get_nowait(self):
        if not self.messages:
            raise asyncio.QueueEmpty
        message = self.messages.pop(0)
        if not self.messages:
            self.messages = None
        return message
