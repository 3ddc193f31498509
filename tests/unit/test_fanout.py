"""live/fanout.py: one change written to every fan of a feed, by the server's fast path or the ASGI send."""

from __future__ import annotations

import pytest

from live.fanout import LocalFanOut, _Fans
from live.protocol import text_frame

pytestmark = pytest.mark.asyncio


class Fan:
    def __init__(self, write_frame=None):
        self.write_frame = write_frame
        self.sent: list[dict] = []

    async def base_send(self, message: dict) -> None:
        self.sent.append(message)


def failing_writer(frame: bytes) -> None:
    raise RuntimeError("an attribute Twisted no longer has")


async def test_a_fan_whose_fast_path_fails_gets_this_change_and_the_next_through_the_asgi_send():
    frames: list[bytes] = []
    broken, fast, plain = Fan(failing_writer), Fan(frames.append), Fan()
    fans = _Fans("match.1")
    for fan in (broken, fast, plain):
        fans.live[fan] = None
    fan_out = LocalFanOut(layer=None)

    first, second = ({"type": "websocket.send", "text": text} for text in ("goal", "card"))
    await fan_out._deliver(fans, first)
    await fan_out._deliver(fans, second)

    assert broken.sent == [first, second]
    assert broken.write_frame is None
    assert frames == [text_frame("goal"), text_frame("card")]
    assert fast.sent == []
    assert plain.sent == [first, second]
