"""End to end across processes: two Daphne servers share Redis; what an editor posts to one reaches fans on both.

The servers run the real settings against a database of their own (see harness/cluster.py), so these
tests do not use pytest-django's database. Each test starts from Liverpool-Napoli taken back to kick-off
(`replay_match --reset-only`): the demo's only match with lineups.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from harness.cluster import (
    DAPHNE_OPTIONS,
    DaphneProcess,
    Fan,
    LiveCluster,
    api_request,
    is_change,
    live_cluster,
    start_daphne,
    summarize,
    wait_until_ready,
)
from live.messages import fan_event
from live.protocol import PROTOCOL_VERSION
from tests.live.support import reporting_logs, require_running

pytestmark = [pytest.mark.live_server, pytest.mark.redis]

# The promise under test: a fan sees a change within a second of the editor's POST returning.
LIVE_WITHIN = 1.0
# How long to keep listening for a duplicate after the last expected message.
QUIET_PERIOD = 0.5
CONNECT_TIMEOUT = 5.0


@pytest.fixture(scope="module")
def cluster(request, tmp_path_factory):
    with reporting_logs(request, live_cluster(tmp_path_factory.mktemp("live"), processes=2)) as running:
        yield running


@pytest.fixture(autouse=True)
def servers_running(cluster):
    require_running(cluster)


@dataclass(frozen=True)
class DemoMatch:
    id: int
    group_id: int
    seq: int
    home_id: int
    away_id: int
    lineups: dict

    def player(self, side: str, position: str, *, bench: bool = False) -> int:
        """The first player of `side` ("home"/"away") at `position` in the starting XI (or on the bench)."""
        players = [p for p in self.lineups[side]["bench" if bench else "starting"] if p["position"] == position]
        return players[0]["id"]


@pytest.fixture
def match(cluster: LiveCluster) -> DemoMatch:
    """Liverpool-Napoli back at kick-off, as the API reports it."""
    snapshot = cluster.reset_demo_match()
    assert snapshot["match"]["status"] == "scheduled"
    assert snapshot["events"] == []
    return DemoMatch(
        id=cluster.demo_match_id,
        group_id=snapshot["match"]["group"]["id"],
        seq=snapshot["seq"],
        home_id=snapshot["match"]["home"]["id"],
        away_id=snapshot["match"]["away"]["id"],
        lineups=snapshot["lineups"],
    )


@dataclass(frozen=True)
class Posted:
    seq: int
    body: dict
    returned_at: float  # time.monotonic() when the response had been read


async def post_event(cluster: LiveCluster, server: DaphneProcess, match: DemoMatch, payload: dict) -> Posted:
    status, body = await asyncio.to_thread(
        api_request, server, "POST", f"/api/matches/{match.id}/events", payload, cluster.token
    )
    returned_at = time.monotonic()
    assert status == 201, f"POST {payload} to {server.name}: {status} {body}"
    return Posted(seq=body["seq"], body=body, returned_at=returned_at)


async def connect_fans(server: DaphneProcess, path: str, count: int, name: str) -> list[Fan]:
    fans = [Fan(server, path, f"{name}{index}") for index in range(count)]
    await asyncio.gather(*(fan.connect() for fan in fans))
    return fans


async def close_all(fans: list[Fan]) -> None:
    await asyncio.gather(*(fan.close() for fan in fans), return_exceptions=True)


async def expect_snapshot(fan: Fan, match: DemoMatch) -> dict:
    [snapshot] = await fan.wait_for_count(1, CONNECT_TIMEOUT)
    assert snapshot["type"] == "snapshot", summarize(fan.messages)
    assert snapshot["seq"] == match.seq
    assert snapshot["match"]["status"] == "scheduled"
    return snapshot


def kick_off() -> dict:
    return {"kind": "period_start", "commentary": "Kick-off."}


def goal(match: DemoMatch, side: str, minute: int, player: int) -> dict:
    team = match.home_id if side == "home" else match.away_id
    return {"kind": "goal", "minute": minute, "team": team, "player": player, "goal_type": "open_play"}


def rows_by_team(table: dict) -> dict[int, dict]:
    return {row["team"]["id"]: row for row in table["rows"]}


async def table_update(fan: Fan, version: int, timeout: float) -> dict:
    """The group table's update to `version` that `fan` received (within `timeout` seconds)."""

    def found() -> dict | None:
        return next((item.message for item in fan.tables if item.message["version"] == version), None)

    await fan.wait_for(lambda _received: found() is not None, timeout, f"table version {version}")
    return found()


def test_fan_on_one_process_receives_event_posted_to_the_other_within_a_second(cluster, match):
    a, b = cluster.servers
    scorer = match.player("home", "FW")

    async def scenario():
        fan = await Fan(a, f"/ws/matches/{match.id}/", "fan").connect()
        try:
            snapshot = await expect_snapshot(fan, match)
            assert (snapshot["match"]["home_score"], snapshot["match"]["away_score"]) == (0, 0)
            steps = [
                (kick_off(), {"status": "live", "period": "first_half", "home_score": 0, "away_score": 0}),
                (goal(match, "home", 7, scorer), {"status": "live", "home_score": 1, "away_score": 0}),
            ]
            state = dict(snapshot["match"])
            for offset, (payload, expected_state) in enumerate(steps, start=1):
                posted = await post_event(cluster, b, match, payload)
                assert posted.seq == match.seq + offset
                received = await fan.wait_for_seq(posted.seq, deadline=posted.returned_at + LIVE_WITHIN)
                assert received.at - posted.returned_at <= LIVE_WITHIN
                message = received.message
                assert message["op"] == "add"
                assert message["match_id"] == match.id and message["seq"] == posted.seq
                # The event as fans need it (the whole one is the editor's), and what of the match changed.
                assert message["event"] == fan_event(posted.body["event"])
                assert message["event"]["id"] == posted.body["id"]
                state.update(message["match"])
                assert {key: state[key] for key in expected_state} == expected_state
                assert datetime.fromisoformat(message["at"])
            scored = fan.messages[-1]["event"]
            assert (scored["kind"], scored["team"]["id"]) == ("goal", match.home_id)
            assert scored["player"]["name"] == posted.body["event"]["player"]["name"]

            await asyncio.sleep(QUIET_PERIOD)
            changes = fan.messages[1:]
            assert [m["seq"] for m in changes] == [match.seq + 1, match.seq + 2], summarize(fan.messages)
            assert all(is_change(m) for m in changes)
        finally:
            await fan.close()

    asyncio.run(scenario())


def test_every_fan_on_both_processes_gets_every_change_once(cluster, match):
    a, b = cluster.servers
    path = f"/ws/matches/{match.id}/"
    payloads = [
        kick_off(),
        goal(match, "home", 10, match.player("home", "FW")),
        {"kind": "yellow_card", "minute": 20, "team": match.away_id, "player": match.player("away", "DF")},
        {
            "kind": "substitution",
            "minute": 30,
            "team": match.home_id,
            "player": match.player("home", "MF"),
            "second_player": match.player("home", "MF", bench=True),
        },
        goal(match, "away", 40, match.player("away", "FW")),
    ]

    async def scenario():
        fans = await connect_fans(a, path, 5, "A-fan") + await connect_fans(b, path, 5, "B-fan")
        try:
            for fan in fans:
                await expect_snapshot(fan, match)
            posted = []
            for index, payload in enumerate(payloads):
                # Alternate the process the editor talks to: both must reach fans on both.
                posted.append(await post_event(cluster, cluster.servers[index % 2], match, payload))
            expected_seqs = [match.seq + offset for offset in range(1, len(payloads) + 1)]
            assert [p.seq for p in posted] == expected_seqs
            deadline = posted[-1].returned_at + LIVE_WITHIN
            for fan in fans:
                await fan.wait_for_seq(expected_seqs[-1], deadline=deadline)

            await asyncio.sleep(QUIET_PERIOD)
            for fan in fans:
                changes = fan.messages[1:]
                assert [m["seq"] for m in changes] == expected_seqs, f"{fan.name}: {summarize(fan.messages)}"
                assert [m["event"]["id"] for m in changes] == [p.body["id"] for p in posted], fan.name
                final = {key: value for m in fan.messages for key, value in m["match"].items()}
                assert (final["home_score"], final["away_score"]) == (1, 1), fan.name
        finally:
            await close_all(fans)

    asyncio.run(scenario())


def test_reconnecting_fan_resumes_from_its_last_seq(cluster, match):
    a, b = cluster.servers
    path = f"/ws/matches/{match.id}/"

    async def scenario():
        fan = await Fan(a, path, "fan-before").connect()
        try:
            await expect_snapshot(fan, match)
            kicked_off = await post_event(cluster, b, match, kick_off())
            await fan.wait_for_seq(kicked_off.seq, deadline=kicked_off.returned_at + LIVE_WITHIN)
            last_seq = fan.messages[-1]["seq"]
        finally:
            await fan.close()

        missed = [
            await post_event(cluster, a, match, goal(match, "home", 12, match.player("home", "FW"))),
            await post_event(
                cluster,
                b,
                match,
                {"kind": "yellow_card", "minute": 14, "team": match.away_id, "player": match.player("away", "MF")},
            ),
        ]

        resumed = await Fan(b, path, "fan-after").connect(query=f"since={last_seq}")
        try:
            await resumed.wait_for_count(len(missed), CONNECT_TIMEOUT)
            await asyncio.sleep(QUIET_PERIOD)
            replayed = resumed.messages
            assert [m["type"] for m in replayed] == ["change"] * len(missed), summarize(replayed)
            assert [m["seq"] for m in replayed] == [p.seq for p in missed] == [last_seq + 1, last_seq + 2]
            assert [m["event"]["id"] for m in replayed] == [p.body["id"] for p in missed]
            assert [m["event"] for m in replayed] == [fan_event(p.body["event"]) for p in missed]
            # Each says what of the match changed: the goal, the score; the card, nothing of it.
            assert [m["match"].get("home_score") for m in replayed] == [1, None]

            # And it is live again: the next change arrives like any other.
            live = await post_event(cluster, a, match, goal(match, "away", 16, match.player("away", "FW")))
            await resumed.wait_for_seq(live.seq, deadline=live.returned_at + LIVE_WITHIN)
            await asyncio.sleep(QUIET_PERIOD)
            assert [m["seq"] for m in resumed.messages] == [last_seq + 1, last_seq + 2, last_seq + 3]
        finally:
            await resumed.close()

    asyncio.run(scenario())


def test_match_group_page_socket_receives_table_changes(cluster, match):
    a, b = cluster.servers

    async def scenario():
        fan = await Fan(a, f"/ws/groups/{match.group_id}/", "group-fan").connect()
        try:
            [snapshot] = await fan.wait_for_count(1, CONNECT_TIMEOUT)
            assert snapshot["type"] == "group_snapshot", summarize(fan.messages)
            assert snapshot["id"] == match.group_id
            listed = {m["id"]: m for m in snapshot["matches"]}
            assert listed[match.id]["status"] == "scheduled"
            assert snapshot["table"]["provisional"] is False
            before = rows_by_team(snapshot["table"])
            home, away = before[match.home_id], before[match.away_id]

            version = snapshot["table"]["version"]
            # It did not say which table it shows: the table follows the snapshot, whole.
            whole = await table_update(fan, version, CONNECT_TIMEOUT)
            assert f'data-version="{version}"' in whole["html"]

            kicked_off = await post_event(cluster, b, match, kick_off())
            received = await fan.wait_for_seq(kicked_off.seq, deadline=kicked_off.returned_at + LIVE_WITHIN)
            assert received.message["match_id"] == match.id and "table" not in received.message
            update = await table_update(fan, version + 1, kicked_off.returned_at + LIVE_WITHIN - time.monotonic())
            assert update["provisional"] is True
            if "html" not in update:  # the process had no record of the table before: it sends it whole
                rows = {row["team"]: row["cells"] for row in update["rows"]}
                for team, base in ((match.home_id, home), (match.away_id, away)):
                    assert rows[team][:3] == [base["played"] + 1, base["won"], base["drawn"] + 1], rows[team]
                    assert rows[team][7] == base["points"] + 1, rows[team]

            scored = await post_event(cluster, b, match, goal(match, "home", 20, match.player("home", "FW")))
            received = await fan.wait_for_seq(scored.seq, deadline=scored.returned_at + LIVE_WITHIN)
            message = received.message
            assert message["match"] == {"home_score": 1}
            update = await table_update(fan, version + 2, scored.returned_at + LIVE_WITHIN - time.monotonic())
            # Now it has one: only the rows the goal changed, their figures as [P, W, D, L, GF, GA, GD, Pts].
            assert (update["base"], update["provisional"]) == (version + 1, True) and "html" not in update
            rows = {row["team"]: row["cells"] for row in update["rows"]}
            assert rows[match.home_id] == [home["played"] + 1, home["won"] + 1, home["drawn"], home["lost"],
                                           home["goals_for"] + 1, home["goals_against"],
                                           home["goal_difference"] + 1, home["points"] + 3]
            assert rows[match.away_id] == [away["played"] + 1, away["won"], away["drawn"], away["lost"] + 1,
                                           away["goals_for"], away["goals_against"] + 1,
                                           away["goal_difference"] - 1, away["points"]]

            await asyncio.sleep(QUIET_PERIOD)
            assert [(m["type"], m.get("seq")) for m in fan.messages] == [
                ("group_snapshot", None),
                ("change", kicked_off.seq),
                ("change", scored.seq),
            ], summarize(fan.messages)
        finally:
            await fan.close()

    asyncio.run(scenario())


def handshake_request(server: DaphneProcess, path: str, extra: str = "") -> bytes:
    """A fan's websocket handshake for `path` (the protocol version added), with `extra` header lines."""
    key = base64.b64encode(os.urandom(16)).decode()
    path += ("&" if "?" in path else "?") + f"v={PROTOCOL_VERSION}"
    return (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: {server.origin}\r\n{extra}\r\n"
    ).encode()


def stalled_fan(server: DaphneProcess, path: str) -> socket.socket:
    """A websocket client that completes the handshake and then never reads: a phone gone into a tunnel."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(CONNECT_TIMEOUT)
    sock.connect(("127.0.0.1", server.port))
    sock.sendall(handshake_request(server, path))
    response = b""
    while b"\r\n\r\n" not in response:
        response += sock.recv(1)
    assert response.startswith(b"HTTP/1.1 101"), response
    return sock


def drain(sock: socket.socket, timeout: float = 5.0) -> tuple[int, str]:
    """Read what is left: (bytes read, how it ended)."""
    sock.settimeout(timeout)
    total = 0
    try:
        while chunk := sock.recv(1 << 16):
            total += len(chunk)
        return total, "closed"
    except ConnectionResetError:
        return total, "reset"
    except TimeoutError:
        return total, "still open"


def rss_kib(server: DaphneProcess) -> int:
    for line in Path(f"/proc/{server.process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_stalled_fans_are_dropped_without_delaying_the_others_or_growing_memory(cluster, match):
    """Fans that stop reading cost at most WEBSOCKET_MAX_UNSENT_BYTES each, then are dropped.

    The changes are large filler messages published straight to the match's group, so that a few
    seconds of them outgrow what the kernel buffers for a socket (megabytes) many times over.
    """
    from channels_redis.pubsub import RedisPubSubChannelLayer

    from live.protocol import FORWARD_TYPE, match_feed

    server = cluster.servers[0]
    messages, size = 80, 100_000
    stalled_count = 6

    async def scenario():
        fan = await Fan(server, f"/ws/matches/{match.id}/", "reading fan").connect()
        await fan.wait_for_count(1, CONNECT_TIMEOUT)
        stalled = [stalled_fan(server, f"/ws/matches/{match.id}/") for _ in range(stalled_count)]
        await asyncio.sleep(0.5)  # their snapshots sent: they are live
        before = rss_kib(server)
        layer = RedisPubSubChannelLayer(hosts=[cluster.redis_url], prefix=cluster.layer_prefix)
        try:
            for number in range(messages):
                text = json.dumps({"type": "filler", "n": number, "pad": "x" * size})
                await layer.group_send(match_feed(match.id), {"type": FORWARD_TYPE, "text": text})
            published_at = time.monotonic()
            await fan.wait_for(lambda received: len(received) > messages, 15, f"{messages} fillers")
            last = fan.received[-1]
            grown = rss_kib(server) - before
        finally:
            await layer.flush()
            await fan.close()
        assert [m.get("n") for m in fan.messages[1:]] == list(range(messages))
        assert last.at - published_at < 3.0, f"the reading fan got the last message {last.at - published_at:.1f} s late"
        return stalled, grown

    stalled, grown = asyncio.run(scenario())
    flood = messages * size
    endings = [drain(sock) for sock in stalled]
    for sock in stalled:
        sock.close()
    # Each got what the kernels' buffers held, then the connection was cut: far from the whole flood.
    assert all(how in ("reset", "closed") and read < flood / 2 for read, how in endings), endings
    assert cluster.servers[0].output().count("Dropped a fan whose connection takes nothing more") >= stalled_count
    # Unbounded, each stalled fan would keep most of the flood in the server: megabytes per fan.
    assert grown < stalled_count * flood / 1024 / 4, f"the server grew by {grown} KiB"


def test_the_real_server_closes_oversized_messages(cluster, match):
    """Past our 1 KiB limit the consumer closes with 4413; past 64 KiB Daphne itself refuses it with 1009."""
    server = cluster.servers[0]

    async def scenario():
        codes = []
        for size in (2_000, 200_000):
            fan = await Fan(server, f"/ws/matches/{match.id}/", f"fan sending {size} bytes").connect()
            await fan.wait_for_count(1, CONNECT_TIMEOUT)
            await fan._socket.send("x" * size)
            codes.append(await fan.wait_closed(CONNECT_TIMEOUT))
            await fan.close()
        return codes

    ours, daphnes = asyncio.run(scenario())
    assert ours == 4413
    # Daphne answers 1009 and drops the connection at once; the client, still sending, may see the
    # drop (1006) before it reads the close frame. Either way the message was never taken in.
    assert daphnes in (1009, 1006)


def test_real_servers_write_frames_straight_to_sockets_under_the_sliced_server(cluster, match):
    """The fast paths of live/daphne.py are the ones in use: each process runs its Server, and a change
    reached a fan as a frame written straight to its socket, with nothing refused."""
    a, b = cluster.servers

    async def scenario():
        fan = await Fan(a, f"/ws/matches/{match.id}/", "fan").connect()
        try:
            await expect_snapshot(fan, match)
            posted = await post_event(cluster, b, match, kick_off())
            await fan.wait_for_seq(posted.seq, deadline=posted.returned_at + LIVE_WITHIN)
        finally:
            await fan.close()

    asyncio.run(scenario())
    for server in (a, b):
        status, health = api_request(server, "GET", "/healthz")
        assert status == 200, health
        assert (health["database"], health["channel_layer"]) == ("ok", "ok")
        assert health["live"]["server"] == "live.daphne.Server"
        assert health["live"]["frames"]["refused"] == 0
        assert health["live"]["frames"]["disabled_because"] == ""
    _, health = api_request(a, "GET", "/healthz")
    assert health["live"]["frames"]["direct"] >= 1
    assert health["live"]["handshakes"]["direct"] >= 1


def raw_handshake(server: DaphneProcess, path: str, *, extra: str = "", split_at: int | None = None) -> socket.socket:
    """A websocket handshake sent as raw bytes (in two writes, `split_at` apart, when given); the socket."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=CONNECT_TIMEOUT)
    request = handshake_request(server, path, extra)
    if split_at is None:
        sock.sendall(request)
    else:
        sock.sendall(request[:split_at])
        time.sleep(0.2)  # the first part read on its own
        sock.sendall(request[split_at:])
    return sock


def response_and_first_text(sock: socket.socket) -> tuple[bytes, dict | None]:
    """The response's status line, and the first text frame after a 101 (None after anything else)."""
    head = b""
    while b"\r\n\r\n" not in head and (byte := sock.recv(1)):
        head += byte
    status = head.split(b"\r\n", 1)[0]
    if not status.startswith(b"HTTP/1.1 101"):
        return status, None
    opcode, payload = read_frame(sock)
    assert opcode == 1, f"opcode {opcode}"
    return status, json.loads(payload)


def test_a_plain_handshake_goes_straight_to_the_websocket_and_an_unusual_one_through_daphne(cluster, match):
    """live.daphne.UpgradeSniffer: the handshakes it hands over directly and the ones it leaves to Daphne's HTTP
    parser open the same socket; a request Daphne refuses is still refused by Daphne."""
    server = cluster.servers[1]
    path = f"/ws/matches/{match.id}/"

    def handshakes() -> dict:
        status, health = api_request(server, "GET", "/healthz")
        assert status == 200, health
        return health["live"]["handshakes"]

    before = handshakes()
    answers = {}
    for name, options in {
        "plain": {},
        "in two reads": {"split_at": 40},
        "a header twice": {"extra": "Cache-Control: no-cache\r\nCache-Control: no-store\r\n"},
        "a header name Daphne refuses": {"extra": "Bad{Name: x\r\n"},
    }.items():
        with raw_handshake(server, path, **options) as sock:
            status, first = response_and_first_text(sock)
        answers[name] = (status[:12], first["type"] if first else None, first["seq"] if first else None)
    after = handshakes()

    expected_seq = answers["plain"][2]
    assert answers == {
        "plain": (b"HTTP/1.1 101", "snapshot", expected_seq),
        "in two reads": (b"HTTP/1.1 101", "snapshot", expected_seq),
        "a header twice": (b"HTTP/1.1 101", "snapshot", expected_seq),
        "a header name Daphne refuses": (b"HTTP/1.1 400", None, None),
    }
    assert after["disabled_because"] == ""
    assert after["direct"] - before["direct"] == 1
    # The three others, and this check's own request.
    assert after["through_daphne"] - before["through_daphne"] == 4


def test_no_fan_connecting_during_a_burst_of_changes_misses_one(cluster, match):
    """What fans get on connect is shared per state of the match: fans arriving in waves while goals go in,
    fresh or resuming from a recent seq, each end with every change after what they started from."""
    a, b = cluster.servers
    scorer = match.player("home", "FW")
    goals = 8

    async def scenario():
        fans: list[Fan] = []
        first = await post_event(cluster, b, match, kick_off())
        for minute in range(1, goals + 1):
            wave = [Fan(a, f"/ws/matches/{match.id}/", f"fan {minute}.{index}") for index in range(6)]
            await asyncio.gather(
                *(fan.connect("" if index % 2 else f"since={first.seq}") for index, fan in enumerate(wave)),
                post_event(cluster, b, match, goal(match, "home", minute, scorer)),
            )
            fans += wave
        last = first.seq + goals
        try:
            for fan in fans:
                await fan.wait_for(
                    lambda received: any(item.message.get("seq") == last for item in received), 5.0, f"seq {last}"
                )
            return [fan.messages for fan in fans], last
        finally:
            await close_all(fans)

    views, last = asyncio.run(scenario())
    for messages in views:
        opening = messages[0]
        start = opening["seq"] if opening["type"] == "snapshot" else opening["seq"] - 1
        seen = {m["seq"] for m in messages if m["type"] == "change"}
        assert set(range(start + 1, last + 1)) <= seen, (start, sorted(seen))


# A press-box comment at the API's limit, with text that JSON and HTML both escape.
LONG_COMMENT = ("Ødegaard-style through ball, «tiki-taka» & <pressing> \u26bd; " * 40)[:2000]


def commented_full_match(match: DemoMatch) -> list[dict]:
    """A whole match in which every event, period changes included, carries a 2,000-character comment."""
    home_striker, away_striker = match.player("home", "FW"), match.player("away", "FW")
    home_midfielder, away_midfielder = match.player("home", "MF"), match.player("away", "MF")
    events: list[dict] = []
    for minutes in (range(3, 45, 3), range(48, 90, 3)):
        events.append({"kind": "period_start"})
        for index, minute in enumerate(minutes):
            side = "home" if index % 2 == 0 else "away"
            team = match.home_id if side == "home" else match.away_id
            if index % 4 < 2:
                scorer = home_striker if side == "home" else away_striker
                events.append(goal(match, side, minute, scorer))
            else:
                injured = home_midfielder if side == "home" else away_midfielder
                events.append({"kind": "injury", "minute": minute, "team": team, "player": injured})
        events.append({"kind": "added_time", "added_minute": 4})
        events.append({"kind": "period_end"})
    return [dict(event, commentary=f"{index}: {LONG_COMMENT}"[:2000]) for index, event in enumerate(events)]


def test_a_match_with_long_commentary_is_served_to_every_new_fan(cluster, match):
    """Daphne's message size limit (64 KiB, as production starts it) is for what fans send, not for what
    they get: a snapshot far past it reaches a fresh fan, a fan resuming from an unknown seq and one
    resuming from a known one, whole."""
    a, b = cluster.servers
    assert DAPHNE_OPTIONS[DAPHNE_OPTIONS.index("--websocket-max-message-size") + 1] == "65536"

    async def scenario():
        posted = [await post_event(cluster, b, match, payload) for payload in commented_full_match(match)]
        last_seq = posted[-1].seq
        fans = {
            "fresh": await Fan(a, f"/ws/matches/{match.id}/", "fresh fan").connect(),
            "unknown seq": await Fan(a, f"/ws/matches/{match.id}/", "resyncing fan").connect(f"since={last_seq + 50}"),
            "known seq": await Fan(a, f"/ws/matches/{match.id}/", "resuming fan").connect(f"since={match.seq}"),
        }
        try:
            for fan in fans.values():
                await fan.wait_for(
                    lambda received: any(item.message.get("seq") == last_seq for item in received),
                    CONNECT_TIMEOUT,
                    f"the match up to seq {last_seq}",
                )
            return {name: fan.messages for name, fan in fans.items()}, [fan.closed for fan in fans.values()]
        finally:
            await close_all(list(fans.values()))

    played = commented_full_match(match)
    goals = [event["team"] for event in played if event["kind"] == "goal"]
    received, closed = asyncio.run(scenario())
    assert closed == ["", "", ""], closed
    for name in ("fresh", "unknown seq"):
        [snapshot] = received[name]
        assert snapshot["type"] == "snapshot"
        assert len(snapshot["events"]) == len(played)
        assert all(LONG_COMMENT[:100] in event["commentary"] for event in snapshot["events"])
        score = (snapshot["match"]["home_score"], snapshot["match"]["away_score"])
        assert score == (goals.count(match.home_id), goals.count(match.away_id))
        assert snapshot["match"]["status"] == "finished"
        assert len(json.dumps(snapshot).encode()) > 3 * 65536
    changes = received["known seq"]
    assert [change["seq"] for change in changes] == list(range(match.seq + 1, match.seq + 1 + len(played)))
    assert "exceeding payload limit" not in a.output()


def read_frame(sock: socket.socket) -> tuple[int, bytes]:
    """One unmasked frame from the server: (opcode, payload); (-1, b"") when the connection ends."""

    def exactly(count: int) -> bytes:
        data = b""
        while len(data) < count:
            chunk = sock.recv(count - len(data))
            if not chunk:
                raise ConnectionResetError
            data += chunk
        return data

    try:
        first, second = exactly(2)
        length = second & 0x7F
        if length == 126:
            length = int.from_bytes(exactly(2), "big")
        elif length == 127:
            length = int.from_bytes(exactly(8), "big")
        return first & 0x0F, exactly(length)
    except (ConnectionResetError, TimeoutError):
        return -1, b""


def test_the_servers_housekeeping_pings_fans_and_drops_those_that_never_answer(cluster, match):
    """live.server does Daphne's per-connection checks a slice at a time; they still run.

    A server with a one-second keep-alive ping: a fan that never answers gets its pings, then is cut.
    """
    server = start_daphne(
        "pinging",
        cluster.server_env,
        cluster.log_dir,
        options=(*DAPHNE_OPTIONS, "--ping-interval", "1", "--ping-timeout", "1"),
    )
    try:
        wait_until_ready([server])
        sock = stalled_fan(server, f"/ws/matches/{match.id}/")
        sock.settimeout(8)
        started = time.monotonic()
        opcodes = []
        while (opcode := read_frame(sock)[0]) not in (-1, 8):  # until the connection ends or closes
            opcodes.append(opcode)
        sock.close()
        assert opcodes[0] == 1, opcodes  # the snapshot
        assert 9 in opcodes, f"no ping before the end: {opcodes}"
        assert time.monotonic() - started < 8
    finally:
        server.stop()
