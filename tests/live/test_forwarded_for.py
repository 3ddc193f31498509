"""A client-written X-Forwarded-For moves no per-address control: login lockouts, the websocket cap, the
API's read limit. Each check runs twice against real Daphne processes: through nginx with production's
locations (deploy/nginx), the processes trusting nginx's address alone (TRUSTED_PROXIES=127.0.0.1), and
straight at a Daphne process that trusts no proxy.

Every client connects from a loopback address of its own (127.0.1.x through nginx, 127.0.2.x
straight), so that one machine holds distinct real clients and nginx's 127.0.0.1 stays the proxy's.
The cluster runs with low limits of its own: 5 sockets per address, 10 API reads a minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import urllib.parse
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

import pytest

from harness.cluster import DaphneProcess, LiveServerError, start_daphne, wait_until_ready
from live.protocol import PROTOCOL_VERSION
from tests.live.support import behind_nginx

pytestmark = [pytest.mark.live_server, pytest.mark.redis]

EDITOR, PASSWORD = "editor", "editor-demo-pass"  # the demo's editor (events/demo_data.py)
LOGIN_FAILURE_LIMIT = 5  # the settings' default
SOCKETS_PER_ADDRESS = 5
READS_PER_MINUTE = 10
LIMITS = {"WEBSOCKET_MAX_CONNECTIONS_PER_ADDRESS": str(SOCKETS_PER_ADDRESS), "API_READ_RATE": f"{READS_PER_MINUTE}/min"}
CONNECT_TIMEOUT = 5.0


@pytest.fixture(scope="module")
def cluster_and_nginx(request):
    """One fans' process and the newsroom's, behind nginx; the processes trust 127.0.0.1 (harness)."""
    with behind_nginx(request, "forwarded-for", fans=1, extra_env=LIMITS) as site:
        yield site


@pytest.fixture(scope="module")
def untrusting_daphne(cluster_and_nginx):
    """A Daphne process of the same cluster, started as the harness starts them, trusting no proxy."""
    cluster, _nginx = cluster_and_nginx
    server = start_daphne("untrusting", dict(cluster.server_env, TRUSTED_PROXIES=""), cluster.log_dir)
    try:
        wait_until_ready([server])
        yield server
    except LiveServerError as error:
        pytest.fail(f"{error}\n{server.output()}", pytrace=False)
    finally:
        server.stop()


@dataclass
class Front:
    """Where the clients of one run of a check connect, and the addresses they connect from."""

    name: str
    server: DaphneProcess
    subnet: str  # "127.0.1." or "127.0.2.": each check adds its own last number

    def address(self, number: int) -> str:
        return f"{self.subnet}{number}"


@pytest.fixture(scope="module", params=["nginx", "no-proxy"])
def front(request, cluster_and_nginx) -> Front:
    if request.param == "nginx":
        return Front("nginx", cluster_and_nginx[1], "127.0.1.")
    return Front("no-proxy", request.getfixturevalue("untrusting_daphne"), "127.0.2.")


@dataclass
class Client:
    """An HTTP client connecting from `source`, with its cookies."""

    server: DaphneProcess
    source: str
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, form: dict | None = None, forwarded_for: str | None = None):
        """(status, body text)."""
        headers = {"Host": "127.0.0.1", "Accept": "text/html,application/json"}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if forwarded_for is not None:
            headers["X-Forwarded-For"] = forwarded_for
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.server.port, timeout=10, source_address=(self.source, 0)
        )
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
            for line in response.headers.get_all("Set-Cookie") or []:
                self.cookies.update({name: morsel.value for name, morsel in SimpleCookie(line).items()})
            return response.status, text
        finally:
            connection.close()

    def log_in(self, username: str, password: str, forwarded_for: str | None = None) -> int:
        """Sign in through the console's form, as a browser would; the status of the POST (302: signed in,
        200: the form again, 429: locked out)."""
        status, page = self.request("GET", "/editor/login/")
        assert status == 200 and "csrftoken" in self.cookies, (status, page[:500])
        form = {"csrfmiddlewaretoken": self.cookies["csrftoken"], "username": username, "password": password}
        status, page = self.request("POST", "/editor/login/", form, forwarded_for)
        assert status != 500, page[:2000]
        return status


def recorded_addresses(cluster, username: str) -> list[str]:
    """The addresses django-axes recorded failed logins for `username` under, from the database."""
    code = (
        "import json; from axes.models import AccessAttempt; "
        f"print(json.dumps(sorted(set(AccessAttempt.objects.filter(username={username!r})"
        ".values_list('ip_address', flat=True)))))"
    )
    return json.loads(cluster.manage("shell", "-c", code).strip().splitlines()[-1])


def test_a_locked_out_login_stays_locked_out_whatever_address_the_request_claims(front, cluster_and_nginx):
    cluster, _nginx = cluster_and_nginx
    attacker = Client(front.server, front.address(2))
    statuses = [attacker.log_in(EDITOR, "wrong", forwarded_for=f"203.0.113.{n}") for n in range(LOGIN_FAILURE_LIMIT)]
    assert statuses == [200] * (LOGIN_FAILURE_LIMIT - 1) + [429], f"{front.name}: {statuses}"
    assert attacker.log_in(EDITOR, PASSWORD, forwarded_for="203.0.113.77") == 429
    assert attacker.log_in(EDITOR, PASSWORD, forwarded_for=f"203.0.113.77, {front.address(99)}") == 429
    recorded = recorded_addresses(cluster, EDITOR)
    assert front.address(2) in recorded and not [a for a in recorded if a.startswith("203.0.113.")], recorded


def test_failed_logins_claiming_another_clients_address_do_not_lock_it_out(front):
    victim, attacker = front.address(4), Client(front.server, front.address(3))
    statuses = [attacker.log_in(EDITOR, "wrong", forwarded_for=victim) for _ in range(LOGIN_FAILURE_LIMIT)]
    assert statuses[-1] == 429, f"{front.name}: the attacker's own address was not the one counted: {statuses}"
    assert Client(front.server, victim).log_in(EDITOR, PASSWORD) == 302


def test_a_login_claiming_a_non_ip_address_gets_the_normal_answer(front, cluster_and_nginx):
    """Before: the header's garbage became the address, which PostgreSQL's inet column refused (500)."""
    cluster, _nginx = cluster_and_nginx
    client = Client(front.server, front.address(5))
    username = f"nobody-{front.name}"
    for garbage in ("not-an-ip", "unknown, <script>", "1.2.3.4:5678"):
        assert client.log_in(username, "wrong", forwarded_for=garbage) == 200
    assert recorded_addresses(cluster, username) == [front.address(5)]


def test_a_trusted_proxy_passing_garbage_on_leaves_the_proxy_as_the_client(cluster_and_nginx):
    """What nginx sends the processes it trusts, straight from its address: garbage is never the address,
    and of an appended chain only the proxy's own, rightmost entry is read."""
    cluster, _nginx = cluster_and_nginx
    newsroom = cluster.servers[1]
    as_nginx = Client(newsroom, "127.0.0.1")
    assert as_nginx.log_in("nobody-garbage", "wrong", forwarded_for="not-an-ip") == 200
    assert recorded_addresses(cluster, "nobody-garbage") == ["127.0.0.1"]
    assert as_nginx.log_in("nobody-chain", "wrong", forwarded_for="203.0.113.50, 198.51.100.60") == 200
    assert recorded_addresses(cluster, "nobody-chain") == ["198.51.100.60"]


def test_sockets_claiming_distinct_addresses_count_against_the_one_they_come_from(front, cluster_and_nginx):
    cluster, _nginx = cluster_and_nginx
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    path = f"/ws/matches/{cluster.demo_match_id}/?v={PROTOCOL_VERSION}"
    url = f"ws://127.0.0.1:{front.server.port}{path}"

    async def open_socket(number: int):
        socket = await connect(
            url,
            origin=front.server.origin,
            additional_headers={"X-Forwarded-For": f"203.0.113.{number}"},
            proxy=None,
            open_timeout=CONNECT_TIMEOUT,
            max_size=None,
            local_addr=(front.address(6), 0),
        )
        try:
            first = json.loads(await asyncio.wait_for(socket.recv(), CONNECT_TIMEOUT))
            return socket, first["type"]
        except ConnectionClosed:
            return socket, f"closed {socket.close_code}"

    async def scenario() -> list[str]:
        sockets, outcomes = [], []
        try:
            for number in range(SOCKETS_PER_ADDRESS + 3):
                socket, outcome = await open_socket(number)
                sockets.append(socket)
                outcomes.append(outcome)
            return outcomes
        finally:
            for socket in sockets:
                with contextlib.suppress(Exception):
                    await socket.close()

    outcomes = asyncio.run(scenario())
    assert outcomes == ["snapshot"] * SOCKETS_PER_ADDRESS + ["closed 4429"] * 3, f"{front.name}: {outcomes}"


def test_api_reads_past_the_limit_are_refused_whatever_address_the_request_claims(front):
    client = Client(front.server, front.address(7))
    statuses = [
        client.request("GET", "/api/competitions", forwarded_for=f"203.0.113.{n}, 198.51.100.{n}")[0]
        for n in range(READS_PER_MINUTE + 4)
    ]
    assert statuses == [200] * READS_PER_MINUTE + [429] * 4, f"{front.name}: {statuses}"
