"""The scale-out deployment: nginx (deploy/nginx) in front of two Daphne processes for fans and one
for editors (the newsroom), sharing Redis.

Fans connect through nginx, which spreads them over the fans' processes; an editor posts through
nginx, which sends the write to the newsroom; every fan, whichever process holds it, gets every change
once and in order. This is `make cluster` (deploy/local_cluster.py) with a few fans. It needs nginx
(Debian: apt-get install -y nginx-light) and fails, saying so, without it.
"""

from __future__ import annotations

import asyncio
import time
import urllib.request
from collections import Counter

import pytest

from harness.cluster import (
    Fan,
    api_request,
    http_request,
    starting_player,
    summarize,
)
from tests.live.support import behind_nginx

pytestmark = [pytest.mark.live_server, pytest.mark.redis]

FANS = 6
CONNECT_TIMEOUT = 5.0
LIVE_WITHIN = 2.0
QUIET_PERIOD = 0.5


@pytest.fixture(scope="module")
def proxied(request):
    with behind_nginx(request, "cluster", fans=2) as site:
        yield site


OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def upstream_of(fan: Fan) -> str:
    return fan._socket.response.headers.get("X-Upstream", "")


def address(server) -> str:
    return f"127.0.0.1:{server.port}"


def test_fans_on_both_processes_behind_nginx_get_every_change_once(proxied):
    cluster, nginx = proxied
    snapshot = cluster.reset_demo_match(through=nginx)
    match = snapshot["match"]
    forwards = {side: starting_player(snapshot, side, "FW") for side in ("home", "away")}
    payloads = [
        {"kind": "period_start", "commentary": "Kick-off."},
        {"kind": "goal", "minute": 9, "team": match["home"]["id"], "player": forwards["home"]},
        {"kind": "goal", "minute": 31, "team": match["away"]["id"], "player": forwards["away"]},
    ]
    path = f"/ws/matches/{cluster.demo_match_id}/"

    async def scenario():
        fans = [Fan(nginx, path, f"fan{index}") for index in range(FANS)]
        await asyncio.gather(*(fan.connect(timeout=CONNECT_TIMEOUT) for fan in fans))
        try:
            spread = Counter(upstream_of(fan) for fan in fans)
            ports = {address(server) for server in cluster.servers[:2]}
            assert set(spread) == ports, f"nginx put the fans on {dict(spread)}, not on both of {sorted(ports)}"
            for fan in fans:
                [first] = await fan.wait_for_count(1, CONNECT_TIMEOUT)
                assert first["type"] == "snapshot" and first["seq"] == snapshot["seq"], summarize(fan.messages)

            seqs = []
            for payload in payloads:
                status, body, headers = await asyncio.to_thread(
                    http_request, nginx, "POST", f"/api/matches/{cluster.demo_match_id}/events", payload, cluster.token
                )
                upstream = headers.get("X-Upstream")
                assert status == 201, body
                assert upstream == address(cluster.servers[2]), f"the write went to {upstream}, not the newsroom"
                seqs.append(body["seq"])
            assert seqs == [snapshot["seq"] + offset for offset in range(1, len(payloads) + 1)]
            deadline = time.monotonic() + LIVE_WITHIN
            for fan in fans:
                await fan.wait_for_seq(seqs[-1], deadline=deadline)
            await asyncio.sleep(QUIET_PERIOD)
            for fan in fans:
                changes = fan.messages[1:]
                assert [m["seq"] for m in changes] == seqs, (
                    f"{fan.name} on {upstream_of(fan)}: {summarize(fan.messages)}"
                )
                final: dict = {}  # a change carries what of the match changed: the page keeps the rest
                for change in changes:
                    final.update(change["match"])
                assert (final["home_score"], final["away_score"]) == (1, 1)
        finally:
            await asyncio.gather(*(fan.close() for fan in fans), return_exceptions=True)

    asyncio.run(scenario())


def test_nginx_serves_static_files_and_proxies_pages(proxied):
    cluster, nginx = proxied
    with OPENER.open(f"{nginx.base_url}/static/favicon.svg", timeout=5) as response:
        assert response.status == 200
        assert response.headers.get("X-Upstream") is None  # nginx's own, not a Daphne's
        assert b"<svg" in response.read()
    with OPENER.open(f"{nginx.base_url}/matches/{cluster.demo_match_id}/", timeout=10) as response:
        assert response.status == 200
        assert response.headers["X-Upstream"] in {address(server) for server in cluster.servers[:2]}


def test_the_newsroom_serves_editors_and_writes_while_reads_stay_with_the_fans_processes(proxied):
    cluster, nginx = proxied
    newsroom, fans_processes = address(cluster.servers[2]), {address(server) for server in cluster.servers[:2]}
    match_id, group_id = cluster.demo_match_id, cluster.demo_group_id
    to_newsroom = [
        ("GET", "/editor/", None),  # the console (followed to its sign-in page)
        ("GET", "/admin/login/", None),
        ("PATCH", "/api/events/999999", {"minute": 3}),  # edits, removals and VAR decisions: 404 here
        ("POST", f"/api/matches/{match_id}/events", {"kind": "no-such-kind"}),
    ]
    for method, path, body in to_newsroom:
        status, answer, headers = http_request(nginx, method, path, body, cluster.token)
        upstream = headers.get("X-Upstream")
        assert upstream == newsroom, f"{method} {path} answered {status} by {upstream}, not the newsroom"
    seq = api_request(nginx, "GET", f"/api/matches/{match_id}")[1]["seq"]
    to_fans = [
        ("GET", f"/api/matches/{match_id}/changes?since={seq}", None),
        ("GET", f"/api/matches/{match_id}", None),
        ("POST", f"/api/groups/{group_id}/what-if", {"results": []}),  # the predictor: a read
        ("GET", f"/matches/{match_id}/", None),
    ]
    for method, path, body in to_fans:
        status, answer, headers = http_request(nginx, method, path, body)
        upstream = headers.get("X-Upstream")
        assert status == 200, (method, path, answer)
        # Or answered by nginx from what a fans' process gave it a moment ago (events/caching.py).
        assert upstream in fans_processes or headers.get("X-Cache") == "HIT", f"{method} {path} went to {upstream}"

    async def editor_socket() -> str:
        fan = await Fan(nginx, f"/ws/editor/matches/{match_id}/", "editor socket").connect(timeout=CONNECT_TIMEOUT)
        try:
            return upstream_of(fan)
        finally:
            await fan.close()

    assert asyncio.run(editor_socket()) == newsroom


def test_an_api_body_over_nginxs_limit_gets_the_apis_json_413(proxied):
    cluster, nginx = proxied
    oversized = {"kind": "goal", "commentary": "x" * 1_200_000}
    for path in (f"/api/matches/{cluster.demo_match_id}/events", f"/api/groups/{cluster.demo_group_id}/what-if"):
        status, answer, _headers = http_request(nginx, "POST", path, oversized, cluster.token)
        assert status == 413, (path, answer)
        assert (answer["code"], answer["limit"]) == ("too_large", 1_048_576), answer
