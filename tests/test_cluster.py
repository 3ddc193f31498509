"""The scale-out deployment: nginx (deploy/nginx) in front of two Daphne processes sharing Redis.

Fans connect through nginx, which spreads them over both processes; an editor posts through nginx;
every fan, whichever process holds it, gets every change once and in order. This is `make cluster`
(deploy/local_cluster.py) with a few fans. It needs nginx (Debian: apt-get install -y nginx-light)
and fails, saying so, without it.
"""

from __future__ import annotations

import asyncio
import time
import urllib.request
from collections import Counter

import pytest

from deploy.local_cluster import INSTALL_NGINX, find_nginx, nginx_in_front
from tests.live_servers import Fan, LiveServerError, api_request, live_cluster, report_logs, summarize

pytestmark = [pytest.mark.live_server, pytest.mark.redis]

FANS = 6
CONNECT_TIMEOUT = 5.0
LIVE_WITHIN = 2.0
QUIET_PERIOD = 0.5


@pytest.fixture(scope="module")
def proxied(request, tmp_path_factory):
    if find_nginx() is None:
        pytest.fail(f"nginx is not installed, and this test runs the site behind it: {INSTALL_NGINX}", pytrace=False)
    failures_before = request.session.testsfailed
    work = tmp_path_factory.mktemp("cluster")
    with live_cluster(work, processes=2) as cluster:
        try:
            with nginx_in_front(cluster.servers, work) as nginx:
                yield cluster, nginx
                if request.session.testsfailed > failures_before:
                    report_logs(
                        request.config,
                        "nginx and Daphne output (tests/test_cluster.py)",
                        nginx.output() + "\n" + cluster.logs(),
                    )
        except LiveServerError as error:
            pytest.fail(f"{error}\n{cluster.logs()}", pytrace=False)


def upstream_of(fan: Fan) -> str:
    return fan._socket.response.headers.get("X-Upstream", "")


def test_fans_on_both_processes_behind_nginx_get_every_change_once(proxied):
    cluster, nginx = proxied
    cluster.manage("replay_match", "--reset-only")
    status, snapshot = api_request(nginx, "GET", f"/api/matches/{cluster.demo_match_id}")
    assert status == 200, snapshot
    match = snapshot["match"]
    forwards = {
        side: next(p["id"] for p in snapshot["lineups"][side]["starting"] if p["position"] == "FW")
        for side in ("home", "away")
    }
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
            ports = {f"127.0.0.1:{server.port}" for server in cluster.servers}
            assert set(spread) == ports, f"nginx put the fans on {dict(spread)}, not on both of {sorted(ports)}"
            for fan in fans:
                [first] = await fan.wait_for_count(1, CONNECT_TIMEOUT)
                assert first["type"] == "snapshot" and first["seq"] == snapshot["seq"], summarize(fan.messages)

            seqs = []
            for payload in payloads:
                status, body = await asyncio.to_thread(
                    api_request, nginx, "POST", f"/api/matches/{cluster.demo_match_id}/events", payload, cluster.token
                )
                assert status == 201, body
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
                final = changes[-1]["match"]
                assert (final["home_score"], final["away_score"]) == (1, 1)
        finally:
            await asyncio.gather(*(fan.close() for fan in fans), return_exceptions=True)

    asyncio.run(scenario())


def test_nginx_serves_static_files_and_proxies_pages(proxied):
    cluster, nginx = proxied
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"{nginx.base_url}/static/favicon.svg", timeout=5) as response:
        assert response.status == 200
        assert response.headers.get("X-Upstream") is None  # nginx's own, not a Daphne's
        assert b"<svg" in response.read()
    with opener.open(f"{nginx.base_url}/matches/{cluster.demo_match_id}/", timeout=10) as response:
        assert response.status == 200
        assert response.headers["X-Upstream"].startswith("127.0.0.1:")
