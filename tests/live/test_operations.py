"""Operations, through real `python -m live.server` processes: what they print, their access log, their error
reports to Sentry, and systemd's wait for /healthz.

The processes run as the harness starts them, on a SQLite file of their own that is never migrated (a page
that reads the database then fails: the unhandled exception Sentry must hear of) and the in-memory channel
layer; no Redis, no nginx.
"""

from __future__ import annotations

import contextlib
import gzip
import http.client
import http.server
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.cluster import REPO, DaphneProcess, free_port, start_daphne
from matchcentre.health import wait_until_healthy

pytestmark = [pytest.mark.live_server]

FORGED = "203.0.113.9"  # what a client writes in X-Forwarded-For
# A line of Daphne's own access log: "127.0.0.1:43586 - - [02/Dec/2026:09:01:04] "GET /nope" 404 4186".
DAPHNE_ACCESS_LINE = re.compile(r"^\S+:\d+ - - \[", re.MULTILINE)
# Variables of the developer's or CI's environment that would change what these processes print.
OURS = ("LOG_FORMAT", "LOG_LEVEL", "ACCESS_LOG", "SENTRY_DSN", "SENTRY_ENVIRONMENT", "TRUSTED_PROXIES", "REDIS_URL")


def server_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in OURS}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "matchcentre.settings",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'unmigrated.sqlite3'}",
            "REDIS_URL": "",
            "DEBUG": "1",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "MATCHCENTRE_ENV_FILE": "",
            "PYTHONUNBUFFERED": "1",
            **settings,
        }
    )
    return env


@contextlib.contextmanager
def running(name: str, env: dict[str, str], log_dir: Path) -> Iterator[DaphneProcess]:
    log_dir.mkdir(parents=True, exist_ok=True)
    server = start_daphne(name, env, log_dir)
    try:
        healthy, last = wait_until_healthy(f"{server.base_url}/healthz", timeout=30, host="127.0.0.1")
        if not healthy:
            pytest.fail(f"{name} did not become healthy ({last}):\n{server.output()}", pytrace=False)
        yield server
    finally:
        server.stop()


def get(server: DaphneProcess, path: str, *, source: str = "127.0.0.1", headers: dict | None = None) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10, source_address=(source, 0))
    try:
        connection.request("GET", path, headers={"Host": "127.0.0.1", **(headers or {})})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def output_once_written(server: DaphneProcess, text: str, timeout: float = 10.0) -> str:
    """The process's output once `text` is in it, and a moment more (for anything written after it)."""
    deadline = time.monotonic() + timeout
    while text not in server.output():
        if time.monotonic() > deadline:
            pytest.fail(f"{text!r} never appeared in {server.name}'s output:\n{server.output()}", pytrace=False)
        time.sleep(0.05)
    time.sleep(0.3)
    return server.output()


# --- a Sentry of our own -------------------------------------------------------------------------------


class EnvelopeHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding:
            body = f"undecoded {encoding} body".encode()
        self.server.received.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def sentry() -> Iterator[http.server.ThreadingHTTPServer]:
    """An HTTP server recording what is POSTed to it: what Sentry's ingest would get."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), EnvelopeHandler)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def envelope_events(received: list[tuple[str, bytes]], project: str) -> list[dict]:
    """The error events in the envelopes POSTed for `project`."""
    events = []
    for path, body in received:
        if path != f"/api/{project}/envelope/":
            continue
        lines = body.split(b"\n")
        for index, line in enumerate(lines[1:-1], start=1):  # after the envelope's header: item header, payload
            with contextlib.suppress(ValueError):
                if json.loads(line).get("type") == "event":
                    events.append(json.loads(lines[index + 1]))
    return events


# --- the processes -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory, sentry) -> Iterator[DaphneProcess]:
    """As deploy/systemd runs one, in text: the access log on, nginx (127.0.0.1) its one trusted proxy, and
    errors reported to the recording Sentry above."""
    work = tmp_path_factory.mktemp("operations")
    env = server_env(
        work,
        ACCESS_LOG="1",
        TRUSTED_PROXIES="127.0.0.1",
        SENTRY_DSN=f"http://public@127.0.0.1:{sentry.server_address[1]}/42",
        SENTRY_ENVIRONMENT="operations-test",
    )
    with running("text", env, work) as process:
        yield process


def test_a_request_that_logs_a_warning_prints_it_once(server):
    """Daphne's logging.basicConfig and our own handler each wrote Django's "Not Found" (and every line of
    the `events` logger) once: two lines per record."""
    assert get(server, "/no-such-page-once") == 404
    output = output_once_written(server, "Not Found: /no-such-page-once")
    assert output.count("Not Found: /no-such-page-once") == 1, output
    assert "WARNING  django.request Not Found: /no-such-page-once" in output


def test_the_access_log_names_the_peer_whatever_a_client_writes_in_x_forwarded_for(server):
    """127.0.0.2 is not a trusted proxy: its forged header is ignored, in the log as everywhere."""
    assert get(server, "/healthz?from=untrusted", source="127.0.0.2", headers={"X-Forwarded-For": FORGED}) == 200
    output = output_once_written(server, '"GET /healthz?from=untrusted"')
    [line] = [line for line in output.splitlines() if '"GET /healthz?from=untrusted"' in line]
    assert re.search(r' INFO +matchcentre\.access 127\.0\.0\.2 "GET /healthz\?from=untrusted" 200 \d+ [\d.]+ms$', line)
    assert FORGED not in output
    assert not DAPHNE_ACCESS_LINE.search(output), "Daphne's own access log is still written"


def test_the_access_log_names_the_client_our_proxy_forwarded(server):
    """127.0.0.1 is the trusted proxy (nginx): the client is the address it wrote."""
    assert get(server, "/healthz?from=proxy", headers={"X-Forwarded-For": FORGED}) == 200
    output = output_once_written(server, '"GET /healthz?from=proxy"')
    assert f'matchcentre.access {FORGED} "GET /healthz?from=proxy" 200 ' in output


def test_an_unhandled_exception_in_a_view_reaches_sentry(server, sentry):
    assert get(server, "/") == 500  # the home page reads matches from a database without tables
    deadline = time.monotonic() + 15
    while not (events := envelope_events(sentry.received, "42")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert events, f"nothing reached Sentry: {sentry.received!r}\n{server.output()}"
    [event] = [event for event in events if event.get("transaction") == "/"] or events
    [exception] = event["exception"]["values"][-1:]
    assert exception["type"] == "OperationalError"
    assert exception["mechanism"] == {"type": "django", "handled": False}
    assert "no such table" in exception["value"]
    assert event["environment"] == "operations-test"
    assert event["request"]["url"].endswith("/")
    assert "REMOTE_ADDR" not in json.dumps(event.get("request", {}).get("env", {}))  # no personal data


def test_log_format_json_makes_every_line_of_the_process_one_json_object(tmp_path):
    env = server_env(tmp_path, LOG_FORMAT="json", ACCESS_LOG="1")
    with running("json", env, tmp_path) as process:
        assert get(process, "/no-such-page-json", headers={"X-Forwarded-For": FORGED}) == 404
        output = output_once_written(process, "/no-such-page-json")
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert {"time", "level", "logger", "message"} <= set(lines[0])
    [access] = [
        line for line in lines if line["logger"] == "matchcentre.access" and line["path"] == "/no-such-page-json"
    ]
    assert (access["client"], access["method"], access["status"]) == ("127.0.0.1", "GET", 404)
    assert access["bytes"] > 0 and access["duration_ms"] >= 0
    [warning] = [line for line in lines if line["message"] == "Not Found: /no-such-page-json"]
    assert (warning["level"], warning["logger"]) == ("WARNING", "django.request")


# --- systemd's wait for /healthz -------------------------------------------------------------------------


def wait_command(url: str, timeout: float, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "matchcentre.health", "--wait", url, "--timeout", str(timeout)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_the_wait_returns_once_a_production_process_is_healthy(tmp_path):
    """As deploy/systemd's ExecStartPost runs it, started with the process, before it listens; DEBUG off,
    so the process answers only its ALLOWED_HOSTS, and redirects plain HTTP to HTTPS."""
    port = free_port()
    env = server_env(tmp_path, DEBUG="0", SECRET_KEY="operations-test-" * 4, ALLOWED_HOSTS="matchcentre.example")
    waiting = wait_command(f"http://127.0.0.1:{port}/healthz", 30, env)
    server = start_daphne("production", env, tmp_path, port=port)
    try:
        out, err = waiting.communicate(timeout=40)
        assert waiting.returncode == 0, f"{out}{err}\n{server.output()}"
        assert "healthy after" in out
        assert server.alive()
    finally:
        waiting.kill()
        server.stop()


def test_the_wait_fails_naming_what_the_process_answered_when_it_never_is_healthy(tmp_path):
    """Its channel layer (Redis) does not answer: /healthz says 503 and names it."""
    env = server_env(tmp_path, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    server = start_daphne("no-redis", env, tmp_path)
    try:
        waiting = wait_command(f"{server.base_url}/healthz", 8, env)
        out, err = waiting.communicate(timeout=30)
        assert waiting.returncode == 1, f"{out}{err}\n{server.output()}"
        assert "not healthy after" in err
        assert '503 {"status": "unavailable"' in err and '"channel_layer": "unreachable"' in err
    finally:
        server.stop()
