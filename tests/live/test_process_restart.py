"""A Daphne process dies (SIGKILL, as on a crash) and comes back on the same port.

Its fans see their sockets close abnormally and reconnect the way static/js/live.js does: with
exponential backoff and jitter, asking for `?since=<the last seq they had>`. While it is down an
editor posts through the other process, whose fans must notice nothing. Once it is back, its fans get
exactly the changes they missed, once each, in order, and then live changes again.

The cluster is this module's own: killing a process must not disturb other modules' tests.
"""

from __future__ import annotations

import asyncio
import errno
import random
import time

import pytest

from harness.cluster import (
    DaphneProcess,
    Fan,
    LiveCluster,
    api_request,
    is_change,
    live_cluster,
    starting_player,
    summarize,
)
from tests.live.support import reporting_logs, require_running

pytestmark = [pytest.mark.live_server, pytest.mark.redis]

FANS_PER_PROCESS = 3
# The promise for fans of the surviving process: every change within a second of the POST returning.
LIVE_WITHIN = 1.0
# How long to keep listening for a duplicate (or anything else) after the last expected message.
QUIET_PERIOD = 0.5
CONNECT_TIMEOUT = 5.0
# How long a killed process's sockets may take to notice: the kernel resets them at once.
CLOSED_WITHIN = 5.0
# The client's backoff (static/js/live.js): 0.5 s doubling to 30 s, the wait drawn from the upper half.
BACKOFF_MIN = 0.5
BACKOFF_MAX = 30.0
# From the restart's start to every fan back: Daphne's start-up plus at most one backoff wait.
RESUMED_WITHIN = 30.0
# What a websocket closed without a closing handshake reports (RFC 6455 7.1.5).
ABNORMAL_CLOSURE = 1006


@pytest.fixture(scope="module")
def cluster(request, tmp_path_factory):
    with reporting_logs(request, live_cluster(tmp_path_factory.mktemp("restart"), processes=2)) as running:
        yield running


@pytest.fixture(autouse=True)
def servers_running(cluster):
    require_running(cluster)


@pytest.fixture
def match(cluster: LiveCluster) -> dict:
    """Liverpool-Napoli back at kick-off: the API's snapshot of it."""
    snapshot = cluster.reset_demo_match()
    assert snapshot["match"]["status"] == "scheduled"
    assert snapshot["events"] == []
    return snapshot


def team(match: dict, side: str) -> int:
    return match["match"][side]["id"]


async def post_event(cluster: LiveCluster, server: DaphneProcess, match_id: int, payload: dict) -> tuple[float, dict]:
    """POST an event through `server`: (time.monotonic() when the answer was read, the answer)."""
    status, body = await asyncio.to_thread(
        api_request, server, "POST", f"/api/matches/{match_id}/events", payload, cluster.token
    )
    assert status == 201, f"POST {payload} to {server.name}: {status} {body}"
    return time.monotonic(), body


def last_seq(fan: Fan) -> int:
    """The highest seq the fan has: its snapshot's, or its latest change's."""
    return max(message["seq"] for message in fan.messages)


def backoff_delay(attempt: int) -> float:
    """The wait before reconnect attempt `attempt + 1`, as static/js/live.js draws it."""
    base = min(BACKOFF_MAX, BACKOFF_MIN * 2**attempt)
    return base / 2 + random.random() * base / 2


async def reconnect_with_backoff(fan: Fan, since: int, deadline: float) -> tuple[Fan, list[str]]:
    """Reconnect like the page's client: a new socket asking for `?since=`, retried with backoff.

    Returns the connected fan and what each failed attempt met, so that a test can say the
    process was refusing connections (not answering them wrongly) while it was down.
    """
    failures: list[str] = []
    attempt = 0
    while True:
        await asyncio.sleep(backoff_delay(attempt))
        attempt += 1
        resumed = Fan(fan.server, fan.path, f"{fan.name}-resumed")
        try:
            return await resumed.connect(query=f"since={since}", timeout=CONNECT_TIMEOUT), failures
        except Exception as error:  # any failure: recorded, and judged by the caller
            failures.append(f"{type(error).__name__}: {error}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{fan.name} could not reconnect; attempts met {failures}") from error


def refused(failure: str) -> bool:
    return failure.startswith("ConnectionRefusedError") or f"[Errno {errno.ECONNREFUSED}]" in failure


def test_fans_of_a_killed_process_resume_from_their_last_seq_and_other_fans_notice_nothing(cluster, match):
    a, b = cluster.servers
    match_id = match["match"]["id"]
    path = f"/ws/matches/{match_id}/"
    start_seq = match["seq"]

    async def scenario():
        a_fans = [Fan(a, path, f"A-fan{index}") for index in range(FANS_PER_PROCESS)]
        b_fans = [Fan(b, path, f"B-fan{index}") for index in range(FANS_PER_PROCESS)]
        resumed: list[Fan] = []
        reconnecting: list[asyncio.Task] = []
        await asyncio.gather(*(fan.connect() for fan in a_fans + b_fans))
        try:
            for fan in a_fans + b_fans:
                [snapshot] = await fan.wait_for_count(1, CONNECT_TIMEOUT)
                assert (snapshot["type"], snapshot["seq"]) == ("snapshot", start_seq), summarize(fan.messages)

            # Some live traffic before the crash, so that the fans' last seq is not their snapshot's.
            sent, kicked_off = await post_event(cluster, a, match_id, {"kind": "period_start", "minute": 0})
            for fan in a_fans + b_fans:
                await fan.wait_for_seq(kicked_off["seq"], deadline=sent + LIVE_WITHIN)
            before_crash = {fan.name: last_seq(fan) for fan in a_fans}
            assert set(before_crash.values()) == {kicked_off["seq"]}
            b_log_before = len(b.output())

            cluster.kill(a)
            assert not a.alive()
            for fan in a_fans:
                await fan.wait_closed(CLOSED_WITHIN)
                assert fan.closed == f"closed by the server ({ABNORMAL_CLOSURE})", f"{fan.name}: {fan.closed}"
            # The fans start reconnecting at once, as the page does; every attempt fails until A is back.
            deadline = time.monotonic() + RESUMED_WITHIN
            reconnecting.extend(
                asyncio.create_task(reconnect_with_backoff(fan, before_crash[fan.name], deadline)) for fan in a_fans
            )

            # An editor goes on through B while A is down.
            posted = []
            for payload in (
                {"kind": "goal", "minute": 12, "team": team(match, "away"),
                 "player": starting_player(match, "away", "FW"), "goal_type": "open_play"},
                {"kind": "yellow_card", "minute": 14, "team": team(match, "home"),
                 "player": starting_player(match, "home", "DF")},
                {"kind": "goal", "minute": 19, "team": team(match, "home"),
                 "player": starting_player(match, "home", "FW"), "goal_type": "open_play"},
            ):
                posted.append(await post_event(cluster, b, match_id, payload))
                for fan in b_fans:
                    await fan.wait_for_seq(posted[-1][1]["seq"], deadline=posted[-1][0] + LIVE_WITHIN)
            missed = [body for _sent, body in posted]
            missed_seqs = [body["seq"] for body in missed]
            assert missed_seqs == [kicked_off["seq"] + offset for offset in (1, 2, 3)]
            assert not a.alive(), "A came back before the editor had finished: the test proves nothing"
            assert not any(task.done() for task in reconnecting), "a fan reconnected to a dead process"

            # B's fans noticed nothing: every change once, in order, on the same socket, and nothing else.
            await asyncio.sleep(QUIET_PERIOD)
            for fan in b_fans:
                assert [(m["type"], m["seq"]) for m in fan.messages] == [
                    ("snapshot", start_seq),
                    ("change", kicked_off["seq"]),
                    *(("change", seq) for seq in missed_seqs),
                ], f"{fan.name}: {summarize(fan.messages)}"
                assert [m["event"]["id"] for m in fan.messages[2:]] == [body["id"] for body in missed], fan.name
                assert fan.closed == "", f"{fan.name}: {fan.closed}"
            assert "Traceback" not in b.output()[b_log_before:], b.output()[b_log_before:]
            # A's old sockets got nothing after the crash.
            for fan in a_fans:
                assert [m["seq"] for m in fan.messages] == [start_seq, kicked_off["seq"]], fan.name

            restarted = await asyncio.to_thread(cluster.restart, a)
            assert restarted.port == a.port
            results = await asyncio.gather(*reconnecting)
            resumed.extend(fan for fan, _failures in results)
            for old, (_fan, failures) in zip(a_fans, results, strict=True):
                assert failures, f"{old.name} reconnected at the first attempt, while its process was down"
                assert all(refused(failure) for failure in failures), f"{old.name}: {failures}"

            # Exactly the missed changes, once each, in order, as the change log has them.
            for fan in resumed:
                await fan.wait_for_count(len(missed), CONNECT_TIMEOUT)
            await asyncio.sleep(QUIET_PERIOD)
            for fan in resumed:
                assert [(m["type"], m["seq"]) for m in fan.messages] == [
                    ("change", seq) for seq in missed_seqs
                ], f"{fan.name}: {summarize(fan.messages)}"
                assert [m["event"]["id"] for m in fan.messages] == [body["event"]["id"] for body in missed], fan.name
                assert [m["op"] for m in fan.messages] == ["add"] * len(missed), fan.name
                # Each change carries what of the match it changed: the page keeps the rest.
                final: dict = {}
                for message in fan.messages:
                    final.update(message["match"])
                assert (fan.messages[-1]["seq"], final["home_score"], final["away_score"]) == (
                    missed_seqs[-1], 1, 1), fan.name

            # And the restarted process is subscribed again: a change posted through B reaches
            # A's fans live, once, like B's.
            booking = {"kind": "yellow_card", "minute": 25, "team": team(match, "away"),
                       "player": starting_player(match, "away", "MF")}
            sent, later = await post_event(cluster, b, match_id, booking)
            for fan in resumed + b_fans:
                await fan.wait_for_seq(later["seq"], deadline=sent + LIVE_WITHIN)
            await asyncio.sleep(QUIET_PERIOD)
            for fan in resumed:
                assert [m["seq"] for m in fan.messages] == [*missed_seqs, later["seq"]], summarize(fan.messages)
            for fan in b_fans:
                assert [m["seq"] for m in fan.messages if is_change(m)] == [
                    kicked_off["seq"], *missed_seqs, later["seq"]
                ], summarize(fan.messages)
                assert fan.closed == "", f"{fan.name}: {fan.closed}"
        finally:
            for task in reconnecting:
                task.cancel()
            for outcome in await asyncio.gather(*reconnecting, return_exceptions=True):
                if isinstance(outcome, tuple) and outcome[0] not in resumed:
                    resumed.append(outcome[0])
            await asyncio.gather(*(fan.close() for fan in a_fans + b_fans + resumed), return_exceptions=True)

    try:
        asyncio.run(scenario())
    finally:
        # Leave the module's cluster whole, whatever happened above.
        for server in cluster.dead_servers():
            cluster.restart(server)
