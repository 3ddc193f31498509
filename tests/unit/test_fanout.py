"""live/fanout.py: one change written to every fan of a feed, by the server's fast path or the ASGI send."""

from __future__ import annotations

import asyncio

import pytest

from live.fanout import MAX_OPENINGS_PER_FEED, Forwarded, LocalFanOut, _Fans
from live.protocol import text_frame

pytestmark = pytest.mark.asyncio


class Fan:
    def __init__(self, write_frame=None, table_feed_name="", feed=""):
        self.write_frame = write_frame
        self.feed = feed
        self.sent: list[dict] = []
        self.table_feed_name = table_feed_name
        self.table_sent = 0

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
    await fan_out._deliver(fans, Forwarded.of({"text": "goal", "match_id": 1, "seq": 1}))
    await fan_out._deliver(fans, Forwarded.of({"text": "card", "match_id": 1, "seq": 2}))

    assert broken.sent == [first, second]
    assert broken.write_frame is None
    assert frames == [text_frame("goal"), text_frame("card")]
    assert fast.sent == []
    assert plain.sent == [first, second]


def change_with_table(seq: int, version: int) -> Forwarded:
    return Forwarded.of({"text": f"change {seq}", "match_id": 1, "seq": seq, "table_text": f"table {version}",
                         "table_version": version})


def table_update(version: int) -> Forwarded:
    return Forwarded.of({"text": f"table {version}", "match_id": "table", "seq": version})


async def test_a_match_fan_gets_a_change_and_its_tables_update_in_one_write_and_the_tables_copy_not_again():
    frames: list[bytes] = []
    match_fan = Fan(frames.append, table_feed_name="table.5")
    group_frames: list[bytes] = []
    group_fan = Fan(group_frames.append)  # a group page: the table's feed only
    match_feed, table_feed = _Fans("match.1"), _Fans("table.5")
    match_feed.live[match_fan] = None
    table_feed.live[match_fan] = None
    table_feed.live[group_fan] = None
    fan_out = LocalFanOut(layer=None)

    await fan_out._deliver(match_feed, change_with_table(seq=7, version=40))
    await fan_out._deliver(table_feed, table_update(40))

    assert frames == [text_frame("change 7") + text_frame("table 40")]  # one write, two messages
    assert group_frames == [text_frame("table 40")]


async def test_a_table_update_that_arrives_first_is_not_sent_again_with_its_change():
    frames: list[bytes] = []
    fan = Fan(frames.append, table_feed_name="table.5")
    match_feed, table_feed = _Fans("match.1"), _Fans("table.5")
    match_feed.live[fan] = None
    table_feed.live[fan] = None
    fan_out = LocalFanOut(layer=None)

    await fan_out._deliver(table_feed, table_update(40))
    await fan_out._deliver(match_feed, change_with_table(seq=7, version=40))
    await fan_out._deliver(match_feed, change_with_table(seq=8, version=41))

    assert frames == [text_frame("table 40"), text_frame("change 7"), text_frame("change 8") + text_frame("table 41")]


async def test_the_tables_copy_leaves_the_fans_whose_match_feed_is_bringing_it_with_the_change():
    frames: list[bytes] = []
    this_match = Fan(frames.append, table_feed_name="table.5", feed="match.1")
    other_frames: list[bytes] = []
    other_match = Fan(other_frames.append, table_feed_name="table.5", feed="match.2")  # the group's other match
    match_feed, table_feed = _Fans("match.1"), _Fans("table.5")
    match_feed.live[this_match] = None
    for fan in (this_match, other_match):
        table_feed.live[fan] = None
    late_frames: list[bytes] = []
    # A fan of the match who joined after the match's feed began writing: the table's copy is its one.
    late = Fan(late_frames.append, table_feed_name="table.5", feed="match.1")
    table_feed.live[late] = None
    fan_out = LocalFanOut(layer=None)
    # What _deliver notes while the match's feed writes the change carrying the table's update.
    fan_out.carrying["table.5"] = (40, {this_match: None})

    await fan_out._deliver(table_feed, table_update(40))  # runs while the match's feed is still writing
    del fan_out.carrying["table.5"]
    await fan_out._deliver(match_feed, change_with_table(seq=7, version=40))

    assert frames == [text_frame("change 7") + text_frame("table 40")]
    assert other_frames == [text_frame("table 40")]
    assert late_frames == [text_frame("table 40")]


async def test_a_table_update_carried_with_a_change_is_noted_only_while_the_change_is_being_written():
    fan_out = LocalFanOut(layer=None)
    match_feed = _Fans("match.1")
    seen = []

    class Watching(Fan):
        def __init__(self):
            super().__init__(self.write, table_feed_name="table.5", feed="match.1")

        def write(self, frame):
            seen.append(dict(fan_out.carrying))

    fan = Watching()
    match_feed.live[fan] = None
    forwarded = Forwarded.of({"text": "change 7", "match_id": 1, "seq": 7, "table_text": "table 40",
                              "table_version": 40, "table_feed": "table.5"})
    await fan_out._deliver(match_feed, forwarded)

    assert seen == [{"table.5": (40, {fan: None})}]
    assert fan_out.carrying == {}


async def test_a_fan_going_live_gets_what_was_held_with_each_table_update_once():
    fan = Fan(table_feed_name="table.5")
    fan_out = LocalFanOut(layer=None)
    match_feed = fan_out.feeds["match.1"] = _Fans("match.1")
    table_feed = fan_out.feeds["table.5"] = _Fans("table.5")
    match_feed.pending[fan] = []
    table_feed.pending[fan] = []
    fan.scope = {}

    await fan_out._deliver(match_feed, change_with_table(seq=7, version=40))
    await fan_out._deliver(table_feed, table_update(40))
    await fan_out._deliver(table_feed, table_update(41))  # another match of the group
    await fan_out.go_live("match.1", fan)
    await fan_out.go_live("table.5", fan)

    assert [message["text"] for message in fan.sent] == ["change 7", "table 40", "table 41"]


# --- what fans get on connect, built once per state of the feed ----------------------------------


def subscribed_feed(fan_out: LocalFanOut, name: str = "match.1") -> _Fans:
    fans = fan_out.feeds[name] = _Fans(name)
    fans.task = asyncio.get_running_loop().create_future()  # stands for the feed's subscription
    return fans


class Builds:
    """A stand-in for the database read: counts the builds, and can be held until released."""

    def __init__(self):
        self.count = 0
        self.release = asyncio.Event()
        self.release.set()

    async def __call__(self) -> list[str]:
        self.count += 1
        number = self.count
        await self.release.wait()
        return [f"snapshot {number}"]


async def test_fans_arriving_together_share_one_build():
    fan_out, build = LocalFanOut(layer=None), Builds()
    subscribed_feed(fan_out)
    build.release.clear()
    crowd = [asyncio.create_task(fan_out.opening("match.1", "snapshot", build)) for _ in range(500)]
    await asyncio.sleep(0)
    build.release.set()
    assert {tuple(texts) for texts in await asyncio.gather(*crowd)} == {("snapshot 1",)}
    assert await fan_out.opening("match.1", "snapshot", build) == ["snapshot 1"]
    assert build.count == 1


async def test_a_change_makes_the_next_fan_get_a_fresh_opening():
    fan_out, build = LocalFanOut(layer=None), Builds()
    fans = subscribed_feed(fan_out)
    assert await fan_out.opening("match.1", "snapshot", build) == ["snapshot 1"]
    fans.changed()
    assert await fan_out.opening("match.1", "snapshot", build) == ["snapshot 2"]
    assert await fan_out.opening("match.1", "snapshot", build) == ["snapshot 2"]


async def test_a_build_that_a_change_overtook_serves_its_waiters_but_is_not_kept():
    fan_out, build = LocalFanOut(layer=None), Builds()
    fans = subscribed_feed(fan_out)
    build.release.clear()
    waiting = asyncio.create_task(fan_out.opening("match.1", "snapshot", build))
    await asyncio.sleep(0)
    fans.changed()  # forwarded while the build ran: the waiting fan gets it after its opening
    late = asyncio.create_task(fan_out.opening("match.1", "snapshot", build))  # joined after the change
    await asyncio.sleep(0)
    build.release.set()
    assert await waiting == ["snapshot 1"]
    assert await late == ["snapshot 2"]  # not the build that began before the change it never gets
    assert await fan_out.opening("match.1", "snapshot", build) == ["snapshot 2"]
    assert build.count == 2


async def test_without_a_live_feed_every_opening_is_built():
    fan_out, build = LocalFanOut(layer=None), Builds()
    assert await fan_out.opening("match.1", "snapshot", build) == ["snapshot 1"]  # no subscription
    subscribed_feed(fan_out)
    fan_out.interrupted = True  # the channel layer is away: nothing would say the opening went stale
    assert await fan_out.opening("match.1", "snapshot", build) == ["snapshot 2"]
    assert await fan_out.opening("match.1", "snapshot", build) == ["snapshot 3"]


async def test_openings_are_kept_for_a_bounded_number_of_requests():
    fan_out, build = LocalFanOut(layer=None), Builds()
    fans = subscribed_feed(fan_out)
    for since in range(MAX_OPENINGS_PER_FEED + 10):
        await fan_out.opening("match.1", ("since", since), build)
    assert len(fans.openings) == MAX_OPENINGS_PER_FEED


async def test_a_lost_channel_layer_tells_every_fan_at_once_that_live_updates_are_interrupted():
    from live.protocol import INTERRUPTED

    frames: list[bytes] = []
    fast, plain = Fan(frames.append), Fan()
    fan_out = LocalFanOut(layer=None)
    fans = subscribed_feed(fan_out)
    fans.ready = asyncio.get_running_loop().create_future()
    fans.ready.set_result(None)
    for fan in (fast, plain):
        fans.live[fan] = None

    await fan_out._suspend()

    assert fan_out.interrupted
    assert frames == [text_frame(INTERRUPTED)]
    assert plain.sent == [{"type": "websocket.send", "text": INTERRUPTED}]


# --- what a fan's opening had, not sent again -------------------------------------------------------


async def forward(fan_out: LocalFanOut, fans: _Fans, seq: int) -> None:
    """As the feed's task forwards a change of match 1."""
    fans.forwarded[1] = seq
    await fan_out._deliver(fans, Forwarded.of({"text": f"change {seq}", "match_id": 1, "seq": seq}))


async def test_fans_whose_shared_opening_had_a_change_are_not_sent_it_and_the_record_of_them_goes():
    fan_out = LocalFanOut(layer=None)
    fans = fan_out.feeds["match.1"] = _Fans("match.1")
    fans.forwarded[1] = 4
    late = [Fan() for _ in range(3)]
    early = Fan()
    reached = {1: 6}  # one opening, shared: changes 5 and 6 were committed before it was read
    for fan in [*late, early]:
        fan.scope = {}
        fans.pending[fan] = []
    await fan_out.go_live("match.1", early, {1: 4})
    for fan in late:
        await fan_out.go_live("match.1", fan, reached)
    assert len(fans.ahead) == 1  # one record for the opening, however many fans

    for seq in (5, 6, 7):
        await forward(fan_out, fans, seq)

    assert [message["text"] for message in early.sent] == ["change 5", "change 6", "change 7"]
    assert {tuple(message["text"] for message in fan.sent) for fan in late} == {("change 7",)}
    assert fans.ahead == {}  # caught up: the next changes go to every fan without a look


async def test_a_fan_going_live_skips_what_was_held_that_its_opening_had():
    fan_out = LocalFanOut(layer=None)
    fans = fan_out.feeds["match.1"] = _Fans("match.1")
    fan = Fan()
    fan.scope = {}
    fans.pending[fan] = []
    for seq in (5, 6):
        await forward(fan_out, fans, seq)
    await fan_out.go_live("match.1", fan, {1: 5})
    assert [message["text"] for message in fan.sent] == ["change 6"]
    assert fans.ahead == {}


async def test_a_fan_ahead_of_a_change_that_never_comes_gets_the_next_and_is_forgotten_when_it_leaves():
    fan_out = LocalFanOut(layer=None)
    fans = fan_out.feeds["match.1"] = _Fans("match.1")
    fans.forwarded[1] = 4
    fan, other = Fan(), Fan()
    for each in (fan, other):
        each.scope = {}
        fans.pending[each] = []
    await fan_out.go_live("match.1", fan, {1: 5})  # change 5's sends were lost
    await fan_out.go_live("match.1", other, {1: 9})
    await forward(fan_out, fans, 6)
    assert [message["text"] for message in fan.sent] == ["change 6"]
    assert other.sent == []
    fan_out.leave("match.1", other)
    assert all(not ahead.consumers for ahead in fans.ahead.values())
