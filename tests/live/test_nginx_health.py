"""GET /healthz through nginx (deploy/nginx/matchcentre-locations.conf): for this machine only, from the fans'
upstream at /healthz and the newsroom's at /healthz/newsroom; the public gets 403."""

from __future__ import annotations

import http.client
import json

import pytest

from harness.cluster import DaphneProcess
from tests.live.support import behind_nginx

pytestmark = [pytest.mark.live_server, pytest.mark.redis]


@pytest.fixture(scope="module")
def site(request):
    """nginx in front of one fans' process and one newsroom process."""
    with behind_nginx(request, "nginx-health", fans=1) as site:
        yield site


def get(nginx: DaphneProcess, path: str, source: str) -> tuple[int, str, str]:
    """(status, X-Upstream: the process that answered, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", nginx.port, timeout=10, source_address=(source, 0))
    try:
        connection.request("GET", path, headers={"Host": "127.0.0.1"})
        response = connection.getresponse()
        return response.status, response.getheader("X-Upstream") or "", response.read().decode()
    finally:
        connection.close()


def test_this_machine_reads_each_upstreams_health(site):
    cluster, nginx = site
    fans, newsroom = cluster.servers
    status, upstream, body = get(nginx, "/healthz", "127.0.0.1")
    assert (status, upstream) == (200, f"127.0.0.1:{fans.port}"), body
    assert json.loads(body)["status"] == "ok"
    status, upstream, body = get(nginx, "/healthz/newsroom", "127.0.0.1")
    assert (status, upstream) == (200, f"127.0.0.1:{newsroom.port}"), body
    assert json.loads(body)["status"] == "ok"


@pytest.mark.parametrize("path", ["/healthz", "/healthz/newsroom", "/healthz?x=1"])
def test_the_public_does_not_get_it(site, path):
    _cluster, nginx = site
    status, upstream, body = get(nginx, path, "127.0.1.9")
    assert status == 403, body
    assert upstream == ""  # refused by nginx: no process was asked
    assert "version" not in body
