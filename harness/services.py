"""Redis and PostgreSQL for the tests, the benchmark and the local cluster: the ones that answer, or throwaway ones.

    python -m harness.services [--redis-var NAME | --no-redis] -- COMMAND...

runs COMMAND with a Redis answering at $NAME (REDIS_URL by default; the test suite uses
REDIS_URL_FOR_TESTS, so that the Django the tests run in keeps its in-memory defaults), and with
PostgreSQL answering when DATABASE_URL names it. When nothing answers there, it starts a throwaway
server on a free loopback port, points the variable at it, and stops and deletes it when COMMAND
ends, on failure and on Ctrl-C too. The first lines it prints say which was used. What cannot be
started (a server that is not installed) is said in one line with the command that installs it.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
STARTUP_TIMEOUT = 20.0


class ServiceUnavailable(RuntimeError):
    """A service is needed, none answers, and none can be started here: the message says what to do."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    """In the child, before exec: receive SIGTERM when the process that started it dies, even by SIGKILL."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _start(command: list[str], log_path: Path, **options) -> subprocess.Popen:
    # A session of its own: a Ctrl-C meant for the command must not stop its services before it has finished.
    with log_path.open("ab") as log:
        return subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
            **options,
        )


def _wait_until(condition, what: str, process: subprocess.Popen | None, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not condition():
        if (process is not None and process.poll() is not None) or time.monotonic() > deadline:
            log = log_path.read_text(errors="replace")[-2000:] if log_path.exists() else ""
            raise ServiceUnavailable(f"{what} did not start; its log ends:\n{log}")
        time.sleep(0.05)


# --- Redis ---------------------------------------------------------------------------------------


def redis_answers(url: str, timeout: float = 1.0) -> bool:
    """Whether a Redis server answers PING at `url` (redis://host:port/db)."""
    parts = urllib.parse.urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=timeout) as sock:
            sock.settimeout(timeout)
            if parts.password:
                sock.sendall(f"AUTH {urllib.parse.unquote(parts.password)}\r\n".encode())
                sock.recv(64)
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """A redis-server of our own on a free loopback port, keeping nothing on disk; it can be killed and restarted."""

    def __init__(self, log_dir: Path, *extra_args: str):
        self.port = free_port()
        self.log_path = log_dir / f"redis-{self.port}.log"
        self.extra_args = extra_args
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            raise ServiceUnavailable("redis-server is not installed: apt-get install redis-server")
        command = [executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = _start([*command, *self.extra_args], self.log_path, cwd=self.log_path.parent)
        _wait_until(self.answers, f"redis-server on port {self.port}", self.process, self.log_path)

    def kill(self) -> None:
        """SIGKILL, as a crash would; returns once the port no longer answers."""
        self.process.kill()
        self.process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while self.answers():
            if time.monotonic() > deadline:
                raise ServiceUnavailable(f"redis-server on {self.port} still answers after SIGKILL")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def answers(self) -> bool:
        return redis_answers(self.url, timeout=0.5)


@contextlib.contextmanager
def own_redis_server(log_dir: Path, *extra_args: str) -> Iterator[RedisServer]:
    """A redis-server of the caller's own, stopped on exit however the caller ended."""
    server = RedisServer(log_dir, *extra_args)
    try:
        server.start()
        yield server
    finally:
        server.stop()


# --- PostgreSQL ----------------------------------------------------------------------------------


def is_postgres_url(url: str) -> bool:
    return url.split("://", 1)[0] in ("postgres", "postgresql", "pgsql")


def postgres_answers(url: str, timeout: float = 1.0) -> bool:
    """Whether something listens where `url` points (PostgreSQL's own checks come with the first query)."""
    parts = urllib.parse.urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), timeout=timeout):
            return True
    except OSError:
        return False


def _postgres_binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda path: int(Path(path).parts[-3]))
    return Path(found[-1]).parent if found else None


class PostgresServer:
    """A throwaway PostgreSQL cluster in a temporary folder, trust authentication, on a free loopback port."""

    def __init__(self, log_dir: Path, database: str):
        self.port = free_port()
        self.database = database
        self.folder = Path(tempfile.mkdtemp(prefix="matchcentre-postgres-"))
        self.log_path = log_dir / f"postgres-{self.port}.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{self.database}"

    def start(self) -> None:
        binaries = _postgres_binaries()
        if binaries is None:
            raise ServiceUnavailable("PostgreSQL is not installed: apt-get install postgresql")
        # PostgreSQL refuses to run as root: as root, the cluster belongs to the postgres user.
        as_owner: dict = {}
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            as_owner = {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": []}
        data = self.folder / "data"
        initdb = subprocess.run(
            [binaries / "initdb", "-D", data, "-U", "postgres", "-A", "trust", "--no-sync"],
            capture_output=True,
            text=True,
            **as_owner,
        )
        if initdb.returncode != 0:
            raise ServiceUnavailable(f"initdb failed: {initdb.stderr.strip()}")
        server = [binaries / "postgres", "-D", data, "-p", str(self.port), "-k", self.folder]
        settings = ["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=200"]
        self.process = _start([*map(str, server), *settings], self.log_path, **as_owner)
        answering = lambda: postgres_answers(self.url, 0.5)  # noqa: E731
        _wait_until(answering, f"PostgreSQL on port {self.port}", self.process, self.log_path)
        created = subprocess.run(
            [binaries / "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", self.database],
            capture_output=True,
            text=True,
        )
        if created.returncode != 0 and "already exists" not in created.stderr:
            raise ServiceUnavailable(f"createdb failed: {created.stderr.strip()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # immediate shutdown: nothing here is worth keeping
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)


# --- both, for a command -------------------------------------------------------------------------


@contextlib.contextmanager
def services(redis_var: str | None, log_dir: Path, say=print) -> Iterator[dict[str, str]]:
    """The environment's Redis (at $redis_var; None: no Redis needed) and PostgreSQL (when DATABASE_URL
    names it), or throwaway ones; yields the variables to set. Throwaway servers are stopped on the way out."""
    updates: dict[str, str] = {}
    with contextlib.ExitStack() as stack:
        redis_url = os.environ.get(redis_var or "") or DEFAULT_REDIS_URL
        if redis_var is None:
            pass
        elif redis_answers(redis_url):
            say(f"Redis: {redis_url} answers; using it")
        else:
            server = stack.enter_context(own_redis_server(log_dir, "--maxclients", "10000"))
            updates[redis_var] = server.url
            say(f"Redis: nothing answers at {redis_url}; started a throwaway redis-server at {server.url}")
        database_url = os.environ.get("DATABASE_URL", "")
        if is_postgres_url(database_url):
            if postgres_answers(database_url):
                say(f"PostgreSQL: {database_url} answers; using it")
            else:
                database = urllib.parse.urlsplit(database_url).path.lstrip("/") or "matchcentre"
                postgres = PostgresServer(log_dir, database)
                stack.callback(postgres.stop)
                postgres.start()
                updates["DATABASE_URL"] = postgres.url
                say(f"PostgreSQL: nothing answers at {database_url}; started a throwaway server at {postgres.url}")
        yield updates


def run(command: list[str], redis_var: str | None) -> int:
    """Run `command` with its services; its exit code (130 after Ctrl-C)."""
    log_dir = Path(tempfile.mkdtemp(prefix="matchcentre-services-"))
    try:
        with services(redis_var, log_dir, say=lambda line: print(line, flush=True)) as updates:
            child = subprocess.Popen(command, env={**os.environ, **updates})
            # Stopped from outside (a CI time-out): the command stops first, then the services.
            signal.signal(signal.SIGTERM, lambda *_: child.send_signal(signal.SIGTERM))
            while True:
                try:
                    return child.wait()
                except KeyboardInterrupt:
                    continue  # the child got the same Ctrl-C: let it finish its own way out
    except ServiceUnavailable as problem:
        print(f"Cannot run `{' '.join(command)}`: {problem}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(log_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--redis-var", default="REDIS_URL", help="the variable that names Redis for COMMAND")
    parser.add_argument("--no-redis", action="store_true", help="COMMAND brings its own Redis")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS...]")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    return run(command, None if args.no_redis else args.redis_var)


if __name__ == "__main__":
    sys.exit(main())
