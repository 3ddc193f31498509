"""harness/services.py: `make test`, `make bench` and `make cluster` get a Redis (and a PostgreSQL when
DATABASE_URL names one) that answers: the machine's, or a throwaway of their own, gone afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from harness.cluster import REPO, redis_url
from harness.services import free_port, postgres_answers, redis_answers

pytestmark = pytest.mark.redis

TIMEOUT = 60
# The child proves the service answers from inside (the URL it was given, and a PING or a query).
PRINT_REDIS = (
    "import os, sys; from harness.services import redis_answers; url = os.environ['MC_REDIS']; "
    "print('child', url, redis_answers(url)); sys.stdout.flush()"
)


def services(*args: str, env: dict[str, str], **options) -> subprocess.Popen:
    # No DATABASE_URL unless a test names one: on the suite's PostgreSQL pass it would add a line.
    return subprocess.Popen(
        [sys.executable, "-m", "harness.services", *args],
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": "", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **options,
    )


def closed_url() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"


def test_a_command_gets_a_throwaway_redis_when_none_answers_and_nothing_is_left_after():
    asked = closed_url()
    run = services("--redis-var", "MC_REDIS", "--", sys.executable, "-c", PRINT_REDIS, env={"MC_REDIS": asked})
    output, _ = run.communicate(timeout=TIMEOUT)
    assert run.returncode == 0, output
    first, child = output.splitlines()[:2]
    assert first.startswith(f"Redis: nothing answers at {asked}; started a throwaway redis-server at redis://")
    given = first.rsplit(" ", 1)[1]
    assert child == f"child {given} True"
    assert not redis_answers(given)  # stopped with the command


def test_an_answering_redis_is_used_as_it_is():
    url = redis_url()
    run = services("--redis-var", "MC_REDIS", "--", sys.executable, "-c", PRINT_REDIS, env={"MC_REDIS": url})
    output, _ = run.communicate(timeout=TIMEOUT)
    assert run.returncode == 0, output
    assert output.splitlines()[:2] == [f"Redis: {url} answers; using it", f"child {url} True"]


def test_the_commands_exit_code_is_kept():
    failing = [sys.executable, "-c", "raise SystemExit(3)"]
    run = services("--redis-var", "MC_REDIS", "--", *failing, env={"MC_REDIS": redis_url()})
    run.communicate(timeout=TIMEOUT)
    assert run.returncode == 3


def test_ctrl_c_stops_the_command_and_then_its_throwaway_redis():
    sleeper = "import time; print('child ready', flush=True); time.sleep(60)"
    command = [sys.executable, "-c", sleeper]
    run = services("--redis-var", "MC_REDIS", "--", *command, env={"MC_REDIS": closed_url()}, start_new_session=True)
    first = run.stdout.readline()
    given = first.rsplit(" ", 1)[1].strip()
    assert run.stdout.readline() == "child ready\n"
    assert redis_answers(given)
    os.killpg(run.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole foreground group
    run.communicate(timeout=TIMEOUT)
    assert run.returncode != 0
    assert not redis_answers(given)


def test_a_missing_redis_server_is_said_in_one_line_with_the_command_that_installs_it(tmp_path):
    command = [sys.executable, "-c", "print('ran')"]
    run = services("--redis-var", "MC_REDIS", "--", *command, env={"MC_REDIS": closed_url(), "PATH": str(tmp_path)})
    output, _ = run.communicate(timeout=TIMEOUT)
    assert run.returncode == 2
    assert output.strip().splitlines() == [
        f"Cannot run `{sys.executable} -c print('ran')`: redis-server is not installed: apt-get install redis-server"
    ]


def test_a_postgres_database_url_with_nothing_behind_it_gets_a_throwaway_server():
    asked = f"postgres://postgres@127.0.0.1:{free_port()}/matchcentre_check"
    query = (
        "import os, psycopg; url = os.environ['DATABASE_URL']; "
        "print('child', url, psycopg.connect(url).execute('SELECT current_database()').fetchone()[0])"
    )
    started = time.monotonic()
    run = services("--no-redis", "--", sys.executable, "-c", query, env={"DATABASE_URL": asked})
    output, _ = run.communicate(timeout=TIMEOUT)
    assert run.returncode == 0, output
    first, child = output.splitlines()[:2]
    assert first.startswith(f"PostgreSQL: nothing answers at {asked}; started a throwaway server at postgres://")
    given = first.rsplit(" ", 1)[1]
    assert child == f"child {given} matchcentre_check"
    assert not postgres_answers(given)
    assert time.monotonic() - started < TIMEOUT
