"""The database outage's parts, shared by tests/live/test_db_outage.py and tests/browser/test_console_outage.py.

A TCP proxy between the Daphne processes and PostgreSQL that a test can cut (as a database restart or
a network failure would), a cluster behind it, and what the database holds, read around the proxy.
PostgreSQL only: SQLite has no server to lose.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.cluster import DaphneProcess, Fan, LiveCluster, free_port, is_postgres_url, live_cluster

POSTGRES_ONLY = pytest.mark.skipif(
    not is_postgres_url(os.environ.get("DATABASE_URL", "")),
    reason="needs DATABASE_URL pointing at PostgreSQL: the outage is a TCP proxy in front of its server",
)
CONNECT_TIMEOUT = 5.0
# Database connections kept between requests: an outage leaves them broken.
CONN_MAX_AGE = "60"


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



@contextlib.contextmanager
def cluster_behind(proxy: DatabaseProxy, tmp_dir: Path) -> Iterator[LiveCluster]:
    """Two Daphne processes that reach the database through `proxy`, keeping connections as in production."""
    with contextlib.ExitStack() as stack:
        with pytest.MonkeyPatch.context() as env:
            env.setenv("CONN_MAX_AGE", CONN_MAX_AGE)  # read as live_cluster starts the processes
            running = stack.enter_context(live_cluster(tmp_dir, processes=2, route_database=proxy.route))
        yield running



async def settle(cluster: LiveCluster) -> None:
    for server in cluster.servers:
        assert await fan_connects(server, cluster.demo_match_id), f"fans cannot connect to {server.name}"


async def fan_connects(server: DaphneProcess, match_id: int, query: str = "") -> int | bool:
    """True when a new fan of the match gets its snapshot, else the code its socket was closed with."""
    fan = Fan(server, f"/ws/matches/{match_id}/", f"new-fan-{server.name}")
    try:
        await fan.connect(query)
        await fan.wait_for(lambda received: bool(received or fan.closed), CONNECT_TIMEOUT, "a snapshot or a close")
        if fan.messages and fan.messages[0]["type"] == "snapshot":
            return True
        return await fan.wait_closed(CONNECT_TIMEOUT)
    finally:
        await fan.close()


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

