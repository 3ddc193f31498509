"""The database goes away under running Daphne processes, and comes back.

Not a mock: the two Daphne processes reach PostgreSQL through a TCP proxy in this module, and
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
import contextlib
import json
import os
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from events.consumers import CLOSE_UNAVAILABLE
from tests.live_servers import (
    DaphneProcess,
    Fan,
    LiveCluster,
    api_request,
    free_port,
    is_change,
    is_postgres_url,
    live_cluster,
    reporting_logs,
    starting_player,
    summarize,
)

POSTGRES_ONLY = pytest.mark.skipif(
    not is_postgres_url(os.environ.get("DATABASE_URL", "")),
    reason="needs DATABASE_URL pointing at PostgreSQL: the outage is a TCP proxy in front of its server",
)
pytestmark = [pytest.mark.live_server, pytest.mark.redis, POSTGRES_ONLY]

LIVE_WITHIN = 1.0
# How long to keep listening for a message that must not come (a duplicate, a change never committed).
QUIET_PERIOD = 0.5
CONNECT_TIMEOUT = 5.0
# Database connections kept between requests: an outage leaves them broken.
CONN_MAX_AGE = "60"
# The change-log insert: the last statement of an event's transaction before COMMIT, sent after the
# event row and the match's new seq have reached the server.
CHANGE_LOG_INSERT = b'INSERT INTO "events_change"'


# --- the proxy -------------------------------------------------------------------------------------


class DatabaseProxy:
    """Forwards TCP from a free port on 127.0.0.1 to the database server, until it is cut.

    Runs an event loop in a thread of its own, so that it serves the Daphne processes whatever the
    test is doing. `cut()` stops listening (new connections are refused) and aborts every forwarded
    connection in both directions; `restore()` listens again on the same port.
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.target: tuple[str, int] | None = None
        self.connections_made = 0
        self.cut_midway = threading.Event()  # set when the `cut_when_sent` marker was seen and cut
        self.cuts = 0
        self._marker: tuple[bytes, bool] | None = None
        self._server: asyncio.Server | None = None
        self._transports: set[asyncio.Transport] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="database proxy", daemon=True)

    def route(self, database_url: str) -> str:
        """The URL through the proxy: the prepared database's host and port swapped for the proxy's."""
        parts = urllib.parse.urlsplit(database_url)
        self.target = (parts.hostname or "127.0.0.1", parts.port or 5432)
        credentials = parts.netloc.rpartition("@")[0]
        netloc = f"{credentials}@127.0.0.1:{self.port}" if credentials else f"127.0.0.1:{self.port}"
        # Plain text on the wire, so that `cut_when_sent` can see the statements.
        query = urllib.parse.urlencode({**dict(urllib.parse.parse_qsl(parts.query)), "sslmode": "disable"})
        return urllib.parse.urlunsplit(parts._replace(netloc=netloc, query=query))

    def start(self) -> DatabaseProxy:
        self._thread.start()
        self.restore()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._run(self._cut_now)
            self._run(lambda: None)  # a turn of the loop: the aborted connections' pumps end
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)

    def restore(self) -> None:
        """Listen again, on the same port."""

        async def listen() -> None:
            if self._server is None:
                self._server = await asyncio.start_server(self._forward, "127.0.0.1", self.port)

        asyncio.run_coroutine_threadsafe(listen(), self._loop).result(timeout=5)

    def cut(self) -> int:
        """The database is away: refuse new connections, break the open ones; returns how many were open."""
        return self._run(self._cut_now)

    def cut_when_sent(self, marker: bytes, *, deliver: bool = False) -> None:
        """Cut everything when a client sends `marker` (a statement): before the server gets it, or with
        `deliver`, after the server got it and before its answer reaches the client."""

        def arm() -> None:
            self.cut_midway.clear()
            self._marker = (marker, deliver)

        self._run(arm)

    def open_connections(self) -> int:
        return self._run(lambda: len(self._transports) // 2)

    def _run(self, function):
        async def call():
            return function()

        return asyncio.run_coroutine_threadsafe(call(), self._loop).result(timeout=5)

    def _cut_now(self) -> int:
        self.cuts += 1
        self._marker = None
        if self._server is not None:
            self._server.close()
            self._server = None
        broken = len(self._transports) // 2
        for transport in list(self._transports):
            transport.abort()
        self._transports.clear()
        return broken

    async def _forward(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.transport.abort()
            return
        if self._server is None:  # cut while connecting
            client_writer.transport.abort()
            server_writer.transport.abort()
            return
        self.connections_made += 1
        pair = {client_writer.transport, server_writer.transport}
        self._transports |= pair
        try:
            doomed = asyncio.Event()  # the marker went through to the server: cut before its answer
            await asyncio.gather(
                self._pump(client_reader, server_writer, doomed, upstream=True),
                self._pump(server_reader, client_writer, doomed, upstream=False),
            )
        finally:
            for transport in pair:
                transport.abort()
            self._transports -= pair

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, doomed: asyncio.Event, *, upstream: bool
    ) -> None:
        tail = b""  # the end of the previous chunk, so that a marker split across two is still seen
        try:
            while chunk := await reader.read(65536):
                if not upstream and doomed.is_set():
                    self._trip()
                    return
                if upstream and self._marker is not None:
                    marker, deliver = self._marker
                    if marker in tail + chunk:
                        if not deliver:
                            self._trip()
                            return
                        self._marker = None
                        doomed.set()
                    tail = chunk[-len(marker) :]
                writer.write(chunk)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            # One side is gone: so is the other (the other pump then ends too).
            writer.transport.abort()

    def _trip(self) -> None:
        self.cut_midway.set()
        self._cut_now()


# --- fixtures --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def proxy() -> Iterator[DatabaseProxy]:
    running = DatabaseProxy().start()
    yield running
    running.stop()


@contextlib.contextmanager
def cluster_behind(proxy: DatabaseProxy, tmp_dir: Path) -> Iterator[LiveCluster]:
    """Two Daphne processes that reach the database through `proxy`, keeping connections as in production."""
    with contextlib.ExitStack() as stack:
        with pytest.MonkeyPatch.context() as env:
            env.setenv("CONN_MAX_AGE", CONN_MAX_AGE)  # read as live_cluster starts the processes
            running = stack.enter_context(live_cluster(tmp_dir, processes=2, route_database=proxy.route))
        yield running


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


async def settle(cluster: LiveCluster) -> None:
    for server in cluster.servers:
        assert await fan_connects(server, cluster.demo_match_id), f"fans cannot connect to {server.name}"


async def fan_connects(server: DaphneProcess, match_id: int) -> int | bool:
    """True when a new fan of the match gets its snapshot, else the code its socket was closed with."""
    fan = Fan(server, f"/ws/matches/{match_id}/", f"new-fan-{server.name}")
    try:
        await fan.connect()
        await fan.wait_for(lambda received: bool(received or fan.closed), CONNECT_TIMEOUT, "a snapshot or a close")
        if fan.messages and fan.messages[0]["type"] == "snapshot":
            return True
        return await fan.wait_closed(CONNECT_TIMEOUT)
    finally:
        await fan.close()


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


@dataclass(frozen=True)
class Stored:
    """What the database holds for a match, read over a direct connection (not through the proxy)."""

    seq: int
    score: tuple[int, int]
    events: list[tuple[int, str, str]]  # (id, kind, idempotency key), by id
    changes: list[tuple[int, str, int | None]]  # (seq, op, event id), by seq

    def with_key(self, key: str) -> list[int]:
        return [event_id for event_id, _kind, event_key in self.events if event_key == key]


def stored(cluster: LiveCluster, match_id: int) -> Stored:
    """The match as committed, once no transaction is left open on its database (a cut one included).

    A transaction cut off midway stays open on the server until its backend notices the client is
    gone; only when it has ended can the test say what it left behind.
    """
    import psycopg

    deadline = time.monotonic() + 10
    with psycopg.connect(cluster.database_url, connect_timeout=5, autocommit=True) as connection:
        while connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND state LIKE 'idle in transaction%'"
        ).fetchone()[0]:
            assert time.monotonic() < deadline, "a transaction cut off midway was still open after 10 s"
            time.sleep(0.02)
        seq, home, away = connection.execute(
            "SELECT seq, home_score, away_score FROM events_match WHERE id = %s", [match_id]
        ).fetchone()
        events = connection.execute(
            "SELECT id, kind, idempotency_key FROM events_matchevent WHERE match_id = %s ORDER BY id", [match_id]
        ).fetchall()
        changes = connection.execute(
            "SELECT seq, op, event_id FROM events_change WHERE match_id = %s ORDER BY seq", [match_id]
        ).fetchall()
    return Stored(seq, (home, away), [tuple(row) for row in events], [tuple(row) for row in changes])


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
                assert scored["event"] == first["event"]
                assert (scored["match"]["home_score"], scored["match"]["away_score"]) == (1, 0)
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
    async def scenario():
        await close_all(await open_fans(cluster, match))  # each process now keeps a connection for fans
        assert proxy.cut() >= len(cluster.servers), "the processes kept no connection: the cut proves less"
        for server in cluster.servers:
            assert await fan_connects(server, match.id) == CLOSE_UNAVAILABLE
        proxy.restore()
        for server in cluster.servers:
            assert await fan_connects(server, match.id), f"a new fan on {server.name} was turned away"

    asyncio.run(scenario())
