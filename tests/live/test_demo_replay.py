"""The demo as `make run` runs it: scripts/run_demo.sh itself, one Daphne process with the in-memory channel
layer (no Redis), and a fan's socket that records when each change arrives.

`make run` at 300x: the match in about 20 s, half-time 10 s, each VAR check 8 s (events/demo.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from harness.cluster import REPO, DaphneProcess, api_request, free_port, run_manage, start_daphne
from matchcentre.health import wait_until_healthy

pytestmark = [pytest.mark.live_server]

SPEED = 300
# What would change what these processes do or print.
OURS = ("LOG_FORMAT", "LOG_LEVEL", "ACCESS_LOG", "SENTRY_DSN", "REDIS_URL", "DEMO", "KICKOFF_WAIT", "SERVER_LOG")


def demo_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """`make run`'s environment: its own SQLite file, the in-memory channel layer, demo mode."""
    env = {name: value for name, value in os.environ.items() if name not in OURS}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "matchcentre.settings",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
            "REDIS_URL": "",
            "DEBUG": "1",
            "DEMO_MODE": "1",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "MATCHCENTRE_ENV_FILE": "",
            "PYTHONUNBUFFERED": "1",
            **settings,
        }
    )
    return env


@dataclass
class Listener:
    """A fan's socket, read by a thread: every message with the time it arrived."""

    url: str
    origin: str
    received: list[tuple[float, dict]] = field(default_factory=list)

    def __post_init__(self):
        self.stack = contextlib.ExitStack()
        self.socket = self.stack.enter_context(
            connect(self.url, origin=self.origin, proxy=None, max_size=None, open_timeout=10)
        )
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            for raw in self.socket:
                self.received.append((time.monotonic(), json.loads(raw)))

    def changes(self) -> list[tuple[float, dict]]:
        return [(at, message) for at, message in self.received if message.get("type") == "change"]

    def wait_for(self, condition, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                summary = [(m.get("type"), m.get("op"), (m.get("event") or {}).get("kind")) for _, m in self.received]
                pytest.fail(f"{what} not within {timeout:.0f} s; got {summary}", pytrace=False)
            time.sleep(0.05)

    def close(self) -> None:
        self.stack.close()
        self.thread.join(5)


def first(changes, predicate) -> float:
    return next(at for at, message in changes if predicate(message))


def event_of(message: dict) -> dict:
    return message.get("event") or {}


# --- `make run` itself ------------------------------------------------------------------------------


@dataclass
class Demo:
    process: subprocess.Popen
    output_path: Path
    server_log: Path
    base_url: str

    def output(self) -> str:
        return self.output_path.read_text(encoding="utf-8", errors="replace")

    def wait_for_output(self, text: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.output():
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{text!r} never appeared in make run's output:\n{self.output()}", pytrace=False)
            time.sleep(0.1)
        return self.output()


@contextlib.contextmanager
def make_run(tmp_path: Path, **settings: str) -> Iterator[Demo]:
    port = free_port()
    output_path = tmp_path / "console.txt"
    server_log = tmp_path / "server.log"
    env = demo_env(
        tmp_path,
        **{"PORT": str(port), "REPLAY_SPEED": str(SPEED), "SERVER_LOG": str(server_log), "PYTHON": sys.executable,
           **settings},
    )
    with output_path.open("wb") as output:
        process = subprocess.Popen(
            ["bash", str(REPO / "scripts" / "run_demo.sh")],
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield Demo(process, output_path, server_log, f"http://127.0.0.1:{port}")
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # the script stops its server as it exits
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)


def match_id_from_banner(output: str) -> int:
    line = next(line for line in output.splitlines() if "Watch it:" in line)
    return int(line.split("/matches/")[1].split("/")[0])


def test_make_run_waits_for_a_fan_then_plays_half_time_and_var_checks_at_a_pace_a_fan_can_see(tmp_path):
    with make_run(tmp_path, KICKOFF_WAIT="60") as demo:
        banner = demo.wait_for_output("Kick-off as soon as a fan page is open", timeout=120)
        match_id = match_id_from_banner(banner)
        server = DaphneProcess("demo", int(demo.base_url.rsplit(":", 1)[1]), demo.process, demo.server_log)

        time.sleep(3)  # nobody watches yet: no kick-off
        status, snapshot = api_request(server, "GET", f"/api/matches/{match_id}")
        assert (status, snapshot["match"]["status"]) == (200, "scheduled"), snapshot
        assert "Kick-off:" not in demo.output()

        fan = Listener(f"ws://127.0.0.1:{server.port}/ws/matches/{match_id}/?v=2", demo.base_url)
        try:
            output = demo.wait_for_output("A fan page is open: kick-off.", timeout=10)
            assert fan.received[0][1]["type"] == "snapshot"
            assert fan.received[0][1]["match"]["status"] == "scheduled"  # the newcomer sees the pre-match
            fan.wait_for(
                lambda: any(
                    event_of(m).get("kind") == "period_end" and event_of(m).get("minute") == 90
                    for _, m in fan.changes()
                ),
                timeout=120,
                what="full time",
            )
            output = demo.wait_for_output("Replay over", timeout=10)
        finally:
            fan.close()

    changes = fan.changes()
    half_time = first(changes, lambda m: event_of(m).get("kind") == "period_end" and event_of(m)["minute"] == 45)
    second_half = first(changes, lambda m: event_of(m).get("kind") == "period_start" and event_of(m)["minute"] == 45)
    assert second_half - half_time >= 10 - 0.5  # break_seconds(300); the fan's clock, not the replay's
    [check_added, *_] = [at for at, m in changes if m["op"] == "add" and event_of(m).get("kind") == "var_check"]
    check_id = next(event_of(m)["id"] for _, m in changes if event_of(m).get("kind") == "var_check")
    decided = first(changes, lambda m: event_of(m).get("id") == check_id and event_of(m).get("var_outcome") == "stands")
    assert decided - check_added >= 8 - 0.5

    console = output.split("A fan page is open: kick-off.")[1]
    for line in (
        "Kick-off: Liverpool v Napoli.",
        "GOAL for Napoli: Mertens, assist Di Lorenzo. Liverpool 0-1 Napoli.",
        "VAR: the goal stands.",
        "Half-time: Liverpool 0-1 Napoli. The break lasts 10 s.",
        "Full time: Liverpool 1-1 Napoli.",
    ):
        assert line in console, output
    # The access log is in its own file, named on the console, and not among the narration.
    assert str(demo.server_log) in output
    assert "matchcentre.access" not in output and "POST /api/" not in output
    server_log = demo.server_log.read_text()
    assert f'"POST /api/matches/{match_id}/events" 201' in server_log
    assert f'"WSCONNECT /ws/matches/{match_id}/?v=2"' in server_log


def test_make_run_kicks_off_after_its_wait_when_no_fan_comes(tmp_path):
    with make_run(tmp_path, KICKOFF_WAIT="4") as demo:
        demo.wait_for_output("Kick-off as soon as a fan page is open (at the latest in 4 s)", timeout=120)
        started = time.monotonic()
        demo.wait_for_output("No fan page yet: kick-off anyway.", timeout=15)
        assert time.monotonic() - started >= 2
        demo.wait_for_output("Kick-off: Liverpool v Napoli.", timeout=30)


def test_the_matchday_6_banner_names_the_matches_being_replayed(tmp_path):
    with make_run(tmp_path, DEMO="matchday6", KICKOFF_WAIT="60") as demo:
        output = demo.wait_for_output("Kick-off as soon as a fan page is open", timeout=120)
    watch = output[output.index("Watch it:") : output.index("Group table:")]
    assert "/matchdays/6/" in watch
    assert "Napoli v Genk" in watch and "Salzburg v Liverpool" in watch
    assert "Liverpool v Napoli" not in watch
    assert "DEMO=matchday6" not in output


# --- a reset from the command line reaches a running server's fans ------------------------------------


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory) -> Iterator[tuple[DaphneProcess, dict[str, str], int]]:
    """`make run`'s server, on its own: the demo loaded (Liverpool-Napoli played, 1-1), no Redis."""
    work = tmp_path_factory.mktemp("demo-server")
    env = demo_env(work, ACCESS_LOG="1")
    run_manage(["migrate", "--noinput", "-v0"], env)
    output = run_manage(["load_demo"], env)
    match_id = int(output.split("(match ")[1].split(",")[0])
    server = start_daphne("demo", env, work)
    try:
        healthy, last = wait_until_healthy(f"{server.base_url}/healthz", timeout=30, host="127.0.0.1")
        assert healthy, f"{last}\n{server.output()}"
        yield server, env, match_id
    finally:
        server.stop()


def test_a_reset_through_the_server_takes_its_open_pages_back_to_the_pre_match(demo_server):
    server, env, match_id = demo_server
    run_manage(["replay_match", "--speed", "0", "-v0"], env)  # finished, 1-1, whatever came before
    fan = Listener(server.ws_url(f"/ws/matches/{match_id}/?v=2"), server.origin)
    try:
        fan.wait_for(lambda: fan.received, timeout=10, what="the snapshot")
        assert fan.received[0][1]["match"]["status"] == "finished"
        stdout = run_manage(["replay_match", "--reset-only", "--api", server.base_url], env)
        assert "Reset to kick-off: Liverpool v Napoli." in stdout
        fan.wait_for(lambda: any(m.get("type") == "resync" for _, m in fan.received), timeout=5, what="a resync")
    finally:
        fan.close()
    status, snapshot = api_request(server, "GET", f"/api/matches/{match_id}")
    assert (status, snapshot["match"]["status"], snapshot["events"]) == (200, "scheduled", [])
    assert f'"POST /api/matches/{match_id}/reset" 200' in server.output()


def test_a_reset_without_the_server_says_that_open_pages_do_not_hear_of_it(demo_server):
    _server, env, _match_id = demo_server
    completed = subprocess.run(
        [sys.executable, "manage.py", "replay_match", "--reset-only"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert "pages open on a running server still show the old state" in completed.stderr
    assert "--api http://" in completed.stderr
