"""The database goes away under running Daphne processes, and comes back.

Not a mock: the two Daphne processes reach PostgreSQL through a TCP proxy (tests/live/database_outage.py), and
`cut()` closes its listener and every connection it forwards, as a database restart or a network
failure would. The processes keep their connections (`CONN_MAX_AGE=60`: the harder case than the
default 0, as a kept connection must be noticed broken), so a cut breaks connections they hold as
well as refusing new ones.

What must hold: an editor's POST while the database is away (or when it goes away in the middle of
the write) answers 503 JSON saying it was not confirmed, and nothing is half-written; once it is back
the same submission, retried with the same idempotency key, is stored once (201, then 200 with the
same event); fans' open sockets stay open through the outage and get the event once, when it is
stored. A COMMIT that reached the database but whose answer was lost is stored all the same: its
retry answers 200 with the stored event and sends the change to fans again (they drop copies by
seq). A fan connecting after the outage is served at once (kept connections are health-checked).

PostgreSQL only (the proxy forwards TCP; SQLite has no server to lose).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from harness.cluster import (
    DaphneProcess,
    Fan,
    LiveCluster,
    api_request,
    is_change,
    starting_player,
    summarize,
)
from live.protocol import CLOSE_UNAVAILABLE
from tests.live.database_outage import (
    CONNECT_TIMEOUT,
    POSTGRES_ONLY,
    DatabaseProxy,
    cluster_behind,
    fan_connects,
    settle,
    stored,
)
from tests.live.support import reporting_logs

pytestmark = [pytest.mark.live_server, pytest.mark.redis, POSTGRES_ONLY]

LIVE_WITHIN = 1.0
# How long to keep listening for a message that must not come (a duplicate, a change never committed).
QUIET_PERIOD = 0.5
# The change-log insert: the last statement of an event's transaction before COMMIT, sent after the
# event row and the match's new seq have reached the server.
CHANGE_LOG_INSERT = b'INSERT INTO "events_change"'


# --- fixtures --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def proxy() -> Iterator[DatabaseProxy]:
    running = DatabaseProxy().start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def cluster(request, tmp_path_factory, proxy) -> Iterator[LiveCluster]:
    with reporting_logs(request, cluster_behind(proxy, tmp_path_factory.mktemp("db-outage"))) as running:
        yield running


@pytest.fixture(autouse=True)
def database_back(cluster, proxy):
    """Every test starts with the database reachable and the processes using it, whatever came before."""
    cuts = proxy.cuts
    yield
    proxy.restore()
    dead = cluster.dead_servers()
    if dead:
        pytest.fail(f"Daphne {', '.join(s.name for s in dead)} died:\n{cluster.logs()}", pytrace=False)
    if proxy.cuts != cuts:
        # Whatever the test did, new fans are served again at once.
        asyncio.run(asyncio.wait_for(settle(cluster), 20))


@dataclass(frozen=True)
class DemoMatch:
    id: int
    seq: int
    home_id: int
    scorer: int


@pytest.fixture
def match(cluster: LiveCluster) -> DemoMatch:
    """Liverpool-Napoli back at kick-off."""
    snapshot = cluster.reset_demo_match()
    assert snapshot["events"] == []
    forward = starting_player(snapshot, "home", "FW")
    return DemoMatch(cluster.demo_match_id, snapshot["seq"], snapshot["match"]["home"]["id"], forward)


# --- helpers ---------------------------------------------------------------------------------------



def post(cluster: LiveCluster, server: DaphneProcess, match: DemoMatch, payload: dict) -> tuple[int, dict | str]:
    return api_request(server, "POST", f"/api/matches/{match.id}/events", payload, cluster.token)


def goal(match: DemoMatch, key: str) -> dict:
    return {
        "kind": "goal",
        "minute": 23,
        "team": match.home_id,
        "player": match.scorer,
        "goal_type": "header",
        "commentary": "Scored while the database was away.",
        "idempotency_key": key,
    }


def assert_unavailable(status: int, body) -> None:
    """A 5xx in JSON with the API's code for it, not an HTML error page or a hang."""
    assert 500 <= status < 600, (status, body)
    assert isinstance(body, dict), f"not JSON: {body!r}"
    assert body["code"] == "unavailable", body


def assert_refused_whole(status: int, body) -> None:
    """...which says it was not confirmed: the console keeps the submission and retries it with its key."""
    assert_unavailable(status, body)
    assert "did not confirm" in body["detail"].lower(), body


async def open_fans(cluster: LiveCluster, match: DemoMatch) -> list[Fan]:
    """A fan of the match on each process, each past its snapshot."""
    fans = [Fan(server, f"/ws/matches/{match.id}/", f"fan-{server.name}") for server in cluster.servers]
    await asyncio.gather(*(fan.connect() for fan in fans))
    for fan in fans:
        [snapshot] = await fan.wait_for_count(1, CONNECT_TIMEOUT)
        assert snapshot["type"] == "snapshot", summarize(fan.messages)
    return fans


async def close_all(fans: list[Fan]) -> None:
    await asyncio.gather(*(fan.close() for fan in fans), return_exceptions=True)


async def assert_still_served(fan: Fan) -> None:
    """The socket is open and served: a ping gets its pong (the consumer answers it without the database)."""
    count = len(fan.received)
    await fan._socket.send(json.dumps({"type": "ping"}))
    await fan.wait_for(
        lambda received: any(item.message.get("type") == "pong" for item in received[count:]),
        CONNECT_TIMEOUT,
        "pong",
    )
    assert not fan.closed, fan.closed


def changes_seen(fan: Fan) -> list[tuple[int, int]]:
    """(seq, event id) of every change the fan received, in order."""
    return [(m["seq"], m["event"]["id"]) for m in fan.messages if is_change(m)]


async def kick_off(cluster: LiveCluster, match: DemoMatch, fans: list[Fan]) -> tuple[int, int]:
    """Kick-off through server A, seen by every fan: (seq, event id)."""
    status, body = await asyncio.to_thread(post, cluster, cluster.servers[0], match, {"kind": "period_start"})
    assert status == 201, body
    for fan in fans:
        await fan.wait_for_seq(body["seq"], deadline=time.monotonic() + LIVE_WITHIN)
    return body["seq"], body["id"]


async def expect_changes(fans: list[Fan], expected: list[tuple[int, int]]) -> None:
    """Every fan gets the last expected change within LIVE_WITHIN, and then has exactly `expected`."""
    deadline = time.monotonic() + LIVE_WITHIN
    for fan in fans:
        await fan.wait_for_seq(expected[-1][0], deadline=deadline)
    await asyncio.sleep(QUIET_PERIOD)  # room for a duplicate to show up, if there were one
    for fan in fans:
        assert changes_seen(fan) == expected, summarize(fan.messages)
        assert not fan.closed, fan.closed


# --- tests -----------------------------------------------------------------------------------------


def test_a_post_while_the_database_is_away_is_refused_whole_and_its_retry_is_stored_once(cluster, proxy, match):
    a, b = cluster.servers
    key = "outage-goal-1"

    async def scenario():
        fans = await open_fans(cluster, match)
        try:
            kicked_off = await kick_off(cluster, match, fans)
            before = stored(cluster, match.id)

            # The database goes away: the connections each process keeps break, new ones are refused.
            assert proxy.cut() >= len(cluster.servers), "the processes kept no connection: the cut proves less"
            for server in (a, b, a):  # each process, and one twice (after its broken connection is gone)
                status, body = await asyncio.to_thread(post, cluster, server, match, goal(match, key))
                assert_refused_whole(status, body)
            assert stored(cluster, match.id) == before, "something was written while the database was away"

            # Fans' sockets live on: they are served, and got nothing that was not stored.
            await asyncio.sleep(QUIET_PERIOD)
            for fan in fans:
                await assert_still_served(fan)
                assert changes_seen(fan) == [kicked_off], summarize(fan.messages)

            # Back: the same submission, with the same key, is stored once.
            proxy.restore()
            status, first = await asyncio.to_thread(post, cluster, b, match, goal(match, key))
            assert status == 201, first
            assert first["seq"] == kicked_off[0] + 1
            status, again = await asyncio.to_thread(post, cluster, a, match, goal(match, key))
            assert status == 200, again
            assert (again["id"], again["seq"], again["event"]) == (first["id"], first["seq"], first["event"])

            await expect_changes(fans, [kicked_off, (first["seq"], first["id"])])
            for fan in fans:
                scored = fan.messages[-1]
                # The fan's event is the lean one (protocol version 2): the same event, by id and kind.
                assert (scored["event"]["id"], scored["event"]["kind"]) == (
                    first["event"]["id"], first["event"]["kind"])
                # What of the match changed: the home side's score (the away side's stands at 0).
                assert scored["match"]["home_score"] == 1 and scored["match"].get("away_score", 0) == 0
        finally:
            await close_all(fans)

        final = stored(cluster, match.id)
        assert final.with_key(key) == [first["id"]]
        assert [kind for _id, kind, _key in final.events] == ["period_start", "goal"]
        assert final.changes == [(kicked_off[0], "add", kicked_off[1]), (first["seq"], "add", first["id"])]
        assert (final.seq, final.score) == (first["seq"], (1, 0))

    asyncio.run(scenario())


def test_a_write_cut_off_midway_leaves_nothing_behind_and_its_retry_is_stored_once(cluster, proxy, match):
    a, b = cluster.servers
    key = "outage-goal-2"

    async def scenario():
        fans = await open_fans(cluster, match)
        try:
            kicked_off = await kick_off(cluster, match, fans)
            before = stored(cluster, match.id)

            # The database goes away inside the transaction: the event row and the match's new seq
            # have reached the server; the change-log row and the COMMIT never do.
            proxy.cut_when_sent(CHANGE_LOG_INSERT)
            status, body = await asyncio.to_thread(post, cluster, a, match, goal(match, key))
            assert proxy.cut_midway.is_set(), f"the write never reached the change log: {status} {body}"
            assert_refused_whole(status, body)
            assert stored(cluster, match.id) == before, "the cut-off transaction left something behind"

            await asyncio.sleep(QUIET_PERIOD)
            for fan in fans:
                await assert_still_served(fan)
                assert changes_seen(fan) == [kicked_off], summarize(fan.messages)

            proxy.restore()
            status, first = await asyncio.to_thread(post, cluster, a, match, goal(match, key))
            assert status == 201, first
            assert first["seq"] == kicked_off[0] + 1
            status, again = await asyncio.to_thread(post, cluster, b, match, goal(match, key))
            assert status == 200, again
            assert (again["id"], again["seq"]) == (first["id"], first["seq"])
            await expect_changes(fans, [kicked_off, (first["seq"], first["id"])])
        finally:
            await close_all(fans)

        final = stored(cluster, match.id)
        assert final.with_key(key) == [first["id"]]
        assert final.changes == [(kicked_off[0], "add", kicked_off[1]), (first["seq"], "add", first["id"])]
        assert (final.seq, final.score) == (first["seq"], (1, 0))

    asyncio.run(scenario())


def test_a_goal_committed_as_the_database_went_away_reaches_fans_once_it_is_retried(cluster, proxy, match):
    a, b = cluster.servers
    key = "outage-goal-3"

    async def scenario():
        fans = await open_fans(cluster, match)
        try:
            kicked_off = await kick_off(cluster, match, fans)

            # The server commits; the connection dies before the client hears so.
            proxy.cut_when_sent(b"COMMIT", deliver=True)
            status, body = await asyncio.to_thread(post, cluster, a, match, goal(match, key))
            assert proxy.cut_midway.is_set(), f"the write never reached its COMMIT: {status} {body}"
            assert_unavailable(status, body)
            [stored_id] = stored(cluster, match.id).with_key(key)  # it is stored all the same

            proxy.restore()
            status, retried = await asyncio.to_thread(post, cluster, b, match, goal(match, key))
            assert status == 200, retried
            assert retried["id"] == stored_id
            assert retried["seq"] == kicked_off[0] + 1
            await expect_changes(fans, [kicked_off, (retried["seq"], stored_id)])
        finally:
            await close_all(fans)

    asyncio.run(scenario())


def test_a_fan_connecting_while_the_database_is_away_is_told_so_and_served_once_it_is_back(cluster, proxy, match):
    """A fan whose opening needs the database is told (4503) and served once it is back. One asking for
    what its process already holds for everyone (the snapshot the fans before it got) is served from it."""
    unknown_seq = "since=-5"  # no process holds an opening for that: it needs the database

    async def scenario():
        await close_all(await open_fans(cluster, match))  # each process now keeps a connection for fans
        assert proxy.cut() >= len(cluster.servers), "the processes kept no connection: the cut proves less"
        for server in cluster.servers:
            assert await fan_connects(server, match.id), f"the shared snapshot on {server.name} was not served"
            assert await fan_connects(server, match.id, unknown_seq) == CLOSE_UNAVAILABLE
        proxy.restore()
        for server in cluster.servers:
            assert await fan_connects(server, match.id, unknown_seq), f"a new fan on {server.name} was turned away"

    asyncio.run(scenario())
