"""Redis stops in the middle of a match and comes back: a redis-server of this module's own is killed.

While Redis is away an editor's submission still commits and answers 201 (the failed broadcast is
logged, never raised into the request); every open page is told that live updates are interrupted;
a page opened meanwhile gets the current state from the database and the same news. Once Redis is
back, every process notices by itself, closes its fans' sockets with the "resume" code, and each fan
reconnects with `?since=N` and gets exactly what it missed, once, in order; live changes flow again.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator

import pytest

from harness.cluster import (
    Fan,
    LiveCluster,
    api_request,
    is_change,
    live_cluster,
    summarize,
)
from harness.services import RedisServer, own_redis_server
from live.protocol import CLOSE_RESUME
from tests.live.support import reporting_logs

pytestmark = [pytest.mark.live_server, pytest.mark.redis]

# Each process checks its layer every second and gives a probe three seconds to come back.
NOTICED_WITHIN = 6.0
LIVE_WITHIN = 1.0
QUIET_PERIOD = 0.5
INTERRUPTED = {"type": "status", "live": "interrupted"}


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory) -> Iterator[RedisServer]:
    with own_redis_server(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(scope="module")
def cluster(request, redis_server, tmp_path_factory) -> Iterator[LiveCluster]:
    servers = live_cluster(tmp_path_factory.mktemp("redis-outage"), processes=2, redis=redis_server.url)
    with reporting_logs(request, servers) as running:
        yield running


@pytest.fixture
def match(cluster: LiveCluster) -> dict:
    """Liverpool-Napoli back at kick-off: the API's snapshot of it."""
    return cluster.reset_demo_match()


def post(cluster: LiveCluster, server, match: dict, payload: dict) -> tuple[int, dict, float]:
    started = time.monotonic()
    status, body = api_request(server, "POST", f"/api/matches/{match['match']['id']}/events", payload, cluster.token)
    return status, body, time.monotonic() - started


def goal(match: dict, minute: int) -> dict:
    home = match["match"]["home"]["id"]
    scorer = match["lineups"]["home"]["starting"][-1]["id"]
    return {"kind": "goal", "minute": minute, "team": home, "player": scorer, "goal_type": "open_play"}


def test_pages_are_told_live_updates_stopped_and_catch_up_once_redis_returns(cluster, redis_server, match):
    a, b = cluster.servers
    match_id, group_id = match["match"]["id"], cluster.demo_group_id

    async def scenario():
        fans = [
            await Fan(a, f"/ws/matches/{match_id}/", "fan on A").connect(),
            await Fan(b, f"/ws/matches/{match_id}/", "fan on B").connect(),
        ]
        group_fan = await Fan(b, f"/ws/groups/{group_id}/", "group fan on B").connect()
        everyone = [*fans, group_fan]
        try:
            for fan in everyone:
                await fan.wait_for_count(1, 5)
            status, kick_off, _ = await asyncio.to_thread(post, cluster, a, match, {"kind": "period_start"})
            assert status == 201, kick_off
            for fan in everyone:
                await fan.wait_for(lambda r, s=kick_off["seq"]: any(is_change(i.message, s) for i in r), 5, "kick-off")

            redis_server.kill()

            # The editor's goal commits and is answered at once; nothing is raised into the request.
            status, scored, took = await asyncio.to_thread(post, cluster, a, match, goal(match, 23))
            assert status == 201, scored
            assert took < 2.0, f"the POST took {took:.2f} s with Redis away"
            status, again = await asyncio.to_thread(
                api_request, a, "GET", f"/api/matches/{match_id}/changes?since={kick_off['seq']}"
            )
            assert status == 200 and [c["seq"] for c in again["changes"]] == [scored["seq"]], again

            # Every open page is told, and gets nothing else: there is nothing it could trust.
            for fan in everyone:
                await fan.wait_for(lambda r: any(i.message == INTERRUPTED for i in r), NOTICED_WITHIN, "interrupted")
                assert not fan.closed, f"{fan.name}: {fan.closed}"
                assert not any(is_change(message, scored["seq"]) for message in fan.messages)

            # A page opened during the outage shows the score from the database, and the news.
            late = await Fan(b, f"/ws/matches/{match_id}/", "late fan on B").connect()
            everyone.append(late)
            snapshot = (await late.wait_for_count(2, 5))[0]
            assert snapshot["type"] == "snapshot" and snapshot["seq"] == scored["seq"], summarize(late.messages)
            assert snapshot["match"]["home_score"] == 1
            assert late.messages[1] == INTERRUPTED

            redis_server.start()

            # Each process notices by itself and asks its pages to come back for what they missed.
            for fan in everyone:
                code = await fan.wait_closed(NOTICED_WITHIN)
                assert code == CLOSE_RESUME, f"{fan.name} closed with {code}"
            resumed = []
            for fan, since in [(fans[0], kick_off["seq"]), (fans[1], kick_off["seq"]), (late, scored["seq"])]:
                fresh = await Fan(fan.server, fan.path, fan.name + " (back)").connect(query=f"since={since}")
                resumed.append(fresh)
            group_back = await Fan(b, f"/ws/groups/{group_id}/", "group fan on B (back)").connect()
            everyone = [*resumed, group_back]
            for fan in resumed[:2]:
                await fan.wait_for_seq(scored["seq"], time.monotonic() + 5)
            group_snapshot = (await group_back.wait_for_count(1, 5))[0]
            assert group_snapshot["type"] == "group_snapshot"
            featured = next(m for m in group_snapshot["matches"] if m["id"] == match_id)
            assert (featured["home_score"], featured["seq"]) == (1, scored["seq"]), featured

            # Live again, through Redis, across both processes.
            status, second, _ = await asyncio.to_thread(post, cluster, b, match, goal(match, 31))
            assert status == 201, second
            deadline = time.monotonic() + LIVE_WITHIN
            for fan in everyone:
                await fan.wait_for_seq(second["seq"], deadline)
            await asyncio.sleep(QUIET_PERIOD)
            expected = {
                resumed[0].name: [f"change#{scored['seq']}:add:goal", f"change#{second['seq']}:add:goal"],
                resumed[1].name: [f"change#{scored['seq']}:add:goal", f"change#{second['seq']}:add:goal"],
                resumed[2].name: [f"change#{second['seq']}:add:goal"],
                group_back.name: ["group_snapshot#None", f"change#{second['seq']}:add:goal"],
            }
            assert {fan.name: summarize(fan.messages) for fan in everyone} == expected
        finally:
            for fan in everyone:
                with contextlib.suppress(Exception):
                    await fan.close()

    asyncio.run(scenario())
