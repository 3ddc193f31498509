"""nginx with production's locations (deploy/nginx) answers a crowd of readers with one request to Daphne
per change: the fans' process's access log counts what reaches it."""

from __future__ import annotations

import re
import threading
import time
import urllib.request

import pytest

from harness.cluster import api_request, starting_player
from tests.live.support import behind_nginx

pytestmark = [pytest.mark.live_server, pytest.mark.redis]

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
# Past the time nginx may keep a fan's read without asking: SHARED_MAX_AGE_SECONDS (events/caching.py),
# counted by nginx in whole seconds of its clock, so up to a second more.
PAST_FRESHNESS = 2.2


@pytest.fixture(scope="module")
def site(request):
    with behind_nginx(request, "nginx-cache", fans=1, extra_env={"ACCESS_LOG": "1"}) as (cluster, nginx):
        cluster.reset_demo_match()
        yield cluster, nginx


def get(nginx, path: str, cookie: str = "") -> tuple[int, dict, str]:
    request = urllib.request.Request(nginx.base_url + path, headers={"Cookie": cookie} if cookie else {})
    with OPENER.open(request, timeout=10) as response:
        return response.status, dict(response.headers.items()), response.read().decode()


def reached_daphne(cluster, path: str) -> int:
    """How many requests for `path` the fans' process has answered so far (its access log)."""
    return len(re.findall(rf'"GET {re.escape(path)}" \d{{3}}', cluster.servers[0].output()))


def record_goal(cluster, nginx, minute: int) -> int:
    match_id = cluster.demo_match_id
    snapshot = api_request(nginx, "GET", f"/api/matches/{match_id}")[1]
    if snapshot["match"]["status"] != "live":
        api_request(nginx, "POST", f"/api/matches/{match_id}/events", {"kind": "period_start"}, cluster.token)
    status, body = api_request(
        nginx, "POST", f"/api/matches/{match_id}/events",
        {"kind": "goal", "minute": minute, "team": snapshot["match"]["home"]["id"],
         "player": starting_player(snapshot, "home", "FW"), "idempotency_key": f"cache-{minute}"},
        cluster.token,
    )
    assert status == 201, body
    return body["seq"]


def page_seq(text: str) -> int:
    return int(re.search(r'"seq": (\d+)', text).group(1))


def wait_for_seq(nginx, path: str, seq: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while page_seq(get(nginx, path)[2]) < seq:
        assert time.monotonic() < deadline, f"{path} never showed seq {seq}"
        time.sleep(0.2)


def test_two_requests_after_a_change_reach_daphne_once(site):
    cluster, nginx = site
    path = f"/matches/{cluster.demo_match_id}/"
    get(nginx, path)
    seq = record_goal(cluster, nginx, minute=5)
    time.sleep(PAST_FRESHNESS)
    before = reached_daphne(cluster, path)
    first, second = get(nginx, path), get(nginx, path)
    time.sleep(0.5)  # a background update's access line
    assert reached_daphne(cluster, path) - before == 1
    assert first[0] == second[0] == 200
    wait_for_seq(nginx, path, seq)


def test_a_crowd_arriving_after_a_change_costs_one_request_and_gets_the_change(site):
    cluster, nginx = site
    path = f"/api/matches/{cluster.demo_match_id}"
    get(nginx, path)
    seq = record_goal(cluster, nginx, minute=6)
    time.sleep(PAST_FRESHNESS)
    before = reached_daphne(cluster, path)
    answers: list[tuple] = []
    crowd = [threading.Thread(target=lambda: answers.append(get(nginx, path))) for _ in range(30)]
    for reader in crowd:
        reader.start()
    for reader in crowd:
        reader.join(15)
    time.sleep(0.5)
    assert len(answers) == 30 and all(status == 200 for status, _headers, _body in answers)
    assert reached_daphne(cluster, path) - before == 1
    # Whoever was answered from the copy kept before the change is told of it at once by the page's socket
    # (its snapshot's seq is older); the next readers get the change itself.
    wait_for_seq(nginx, path, seq)


def test_nothing_changed_nginx_asks_with_its_etag_and_daphne_answers_304(site):
    cluster, nginx = site
    path = f"/api/groups/{cluster.demo_group_id}/table"
    get(nginx, path)
    time.sleep(PAST_FRESHNESS)
    get(nginx, path)
    time.sleep(0.5)
    assert re.search(rf'"GET {re.escape(path)}" 304', cluster.servers[0].output())


def test_a_signed_in_reader_is_never_answered_from_the_cache(site):
    cluster, nginx = site
    path = f"/groups/{cluster.demo_group_id}/"
    get(nginx, path)
    before = reached_daphne(cluster, path)
    for _ in range(3):
        status, headers, _body = get(nginx, path, cookie="sessionid=whatever-it-holds")
        assert status == 200 and headers.get("X-Cache") != "HIT"
    assert reached_daphne(cluster, path) - before == 3


def get_in(nginx, path: str, *, accept_language: str = "", cookie: str = "") -> str:
    headers = {"Accept-Language": accept_language} if accept_language else {}
    if cookie:
        headers["Cookie"] = cookie
    request = urllib.request.Request(nginx.base_url + path, headers=headers)
    with OPENER.open(request, timeout=10) as response:
        return response.read().decode()


def test_a_german_reader_is_never_answered_from_the_english_copy(site):
    cluster, nginx = site
    path = f"/matches/{cluster.demo_match_id}/"
    # English first, so that nginx holds it for the second that follows.
    assert '<html lang="en">' in get_in(nginx, path, accept_language="en-GB,en;q=0.9")
    assert '<html lang="de">' in get_in(nginx, path, accept_language="de-DE,de;q=0.9")
    assert '<html lang="it">' in get_in(nginx, path, cookie="django_language=it")
    assert '<html lang="en">' in get_in(nginx, path, accept_language="en-GB,en;q=0.9")
