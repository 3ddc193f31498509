"""Real server processes, for the live tests, the benchmark and `make cluster`: a database, Redis, N Daphne
processes and an editor token.

Everything here runs outside any test database. `live_cluster()` prepares a database
of its own (a fresh PostgreSQL database when DATABASE_URL points at PostgreSQL, else a SQLite file),
migrates it and loads the demo through `manage.py`, checks Redis, starts the Daphne processes on
free ports and waits until each answers HTTP. On exit it stops the processes and drops the database.

    with live_cluster(tmp_dir, processes=2) as cluster:
        a, b = cluster.servers
        status, body = api_request(b, "POST", "/api/matches/9/events", {"kind": "period_start"}, cluster.token)

Fans are `Fan` objects: a websocket (the `websockets` asyncio client) read by a background task that
timestamps every message, so a test can say when each change arrived, not only that it did.

Channel-layer isolation: every run gives its processes a unique CHANNEL_LAYER_PREFIX, which the settings
pass to channels_redis' pub/sub layer as `prefix`. `cluster.layer_prefix` confirms it took effect (it is
read back from the settings the processes load); when a settings module ignores it, it is None and a
warning says the run shares Redis' pub/sub namespace. A separate Redis database number would not help:
Redis pub/sub ignores the database number. Without a prefix, cross-talk needs another multi-process
server on the same Redis publishing for the same match or group ids at the same time; the demo gives
the same ids in every database it is loaded into, so a concurrent demo replay would be heard.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .services import (
    DEFAULT_REDIS_URL,
    free_port,
    is_postgres_url,
    redis_answers,
)

REPO = Path(__file__).resolve().parent.parent
MANAGE = REPO / "manage.py"
DEFAULT_SETTINGS = "matchcentre.settings"
STARTUP_TIMEOUT = 30.0
# As deploy/systemd runs Daphne: no fan message bigger than 64 KiB buffered at all. No --proxy-headers:
# it takes X-Forwarded-For's first, client-written entry from anyone; the client's address is
# matchcentre/proxies.py's business, from TRUSTED_PROXIES.
DAPHNE_OPTIONS = ("--websocket-max-message-size", "65536")
# Where nginx (deploy/local_cluster.py) connects to the processes from: the one proxy they trust, as
# production's trust the nginx in front of them.
PROXY_ADDRESS = "127.0.0.1"
COMMAND_TIMEOUT = 120.0

# urllib without proxies: the servers are on the loopback interface.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class LiveServerError(RuntimeError):
    """A server process, or a command preparing its database, did not do what it should."""


# --- processes ---------------------------------------------------------------------------------


@dataclass
class DaphneProcess:
    name: str
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def origin(self) -> str:
        """An Origin the app's AllowedHostsOriginValidator accepts (127.0.0.1 is in ALLOWED_HOSTS)."""
        return self.base_url

    def ws_url(self, path: str) -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    def alive(self) -> bool:
        return self.process.poll() is None

    def output(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self, timeout: float = 5.0) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=timeout)


@dataclass
class LiveCluster:
    servers: list[DaphneProcess]
    database_url: str
    redis_url: str
    env: dict[str, str]
    token: str
    # What the Daphne processes run with: `env`, but with the database URL `route_database` gave.
    server_env: dict[str, str]
    # The channel-layer prefix the processes use, or None when the settings give no way to set one.
    layer_prefix: str | None
    log_dir: Path
    # The demo's featured match (Liverpool-Napoli) and its group, as load_demo reported them.
    demo_match_id: int
    demo_group_id: int

    def manage(self, *args: str, timeout: float = COMMAND_TIMEOUT) -> str:
        """Run a management command against the cluster's database and channel layer; return its stdout."""
        return run_manage(args, self.env, timeout=timeout)

    def dead_servers(self) -> list[DaphneProcess]:
        return [server for server in self.servers if not server.alive()]

    def logs(self) -> str:
        return format_logs(self.servers)

    def kill(self, server: DaphneProcess) -> None:
        """SIGKILL: the process dies at once, as on a crash, with no goodbye to its sockets."""
        if server.alive():
            server.process.kill()
            server.process.wait(timeout=10)

    def reset_demo_match(self, through: DaphneProcess | None = None) -> dict:
        """Liverpool-Napoli (the demo's match with lineups) taken back to kick-off: the API's snapshot of
        it, read through `through` (the first server by default)."""
        self.manage("replay_match", "--reset-only")
        status, snapshot = api_request(through or self.servers[0], "GET", f"/api/matches/{self.demo_match_id}")
        if status != 200:
            raise LiveServerError(f"GET the demo match: {status} {snapshot}")
        return snapshot

    def restart(self, server: DaphneProcess) -> DaphneProcess:
        """Start `server` again on the same port (after `kill` or `stop`); returns it once it answers."""
        if server.alive():
            raise LiveServerError(f"Daphne {server.name} is still running")
        restarted = start_daphne(server.name, self.server_env, self.log_dir, port=server.port)
        self.servers[self.servers.index(server)] = restarted
        wait_until_ready([restarted])
        return restarted


def format_logs(servers: list[DaphneProcess]) -> str:
    parts = []
    for server in servers:
        state = "running" if server.alive() else f"exited with {server.process.returncode}"
        parts.append(f"----- daphne {server.name} (port {server.port}, {state}) -----\n{server.output().rstrip()}")
    return "\n".join(parts)


def stop_all(servers: list[DaphneProcess], timeout: float = 5.0) -> None:
    """SIGTERM every process at once, then wait for each (SIGKILL after `timeout`)."""
    for server in servers:
        if server.alive():
            server.process.send_signal(signal.SIGTERM)
    for server in servers:
        server.stop(timeout)




def server_env(
    database_url: str, redis_url: str, layer_prefix: str, extra_env: dict[str, str] | None = None
) -> dict[str, str]:
    """The processes' environment: this one's, with the cluster's database, Redis and settings, then
    `extra_env` (a test's own limits, say)."""
    env = dict(os.environ)
    env.update(
        {
            # The real settings unless the caller chose others (a local stub for missing templates).
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CHANNEL_LAYER_PREFIX": layer_prefix,
            "DEBUG": "1",
            "DEMO_MODE": "1",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "TRUSTED_PROXIES": PROXY_ADDRESS,
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra_env or {})
    return env


def run_manage(args, env: dict[str, str], *, timeout: float = COMMAND_TIMEOUT) -> str:
    command = [sys.executable, str(MANAGE), *args]
    try:
        result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as error:
        raise LiveServerError(f"`manage.py {' '.join(args)}` did not finish in {timeout:.0f} s") from error
    if result.returncode != 0:
        raise LiveServerError(
            f"`manage.py {' '.join(args)}` failed with exit code {result.returncode}\n"
            f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
        )
    return result.stdout


def start_daphne(
    name: str,
    env: dict[str, str],
    log_dir: Path,
    attempts: int = 3,
    *,
    port: int | None = None,
    options: tuple[str, ...] = DAPHNE_OPTIONS,
) -> DaphneProcess:
    """Start one Daphne (live.server) on `port`, or on a free port (retrying if another process
    took it in between), with Daphne's command-line `options`."""
    for _attempt in range(attempts):
        port = port or free_port()
        log_path = log_dir / f"daphne-{name}-{port}.log"
        log = log_path.open("ab")  # a restart on the same port keeps what came before
        try:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "live.server",
                    *options,
                    "-b",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "matchcentre.asgi:application",
                ],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        finally:
            log.close()  # The child holds its own descriptor.
        server = DaphneProcess(name=name, port=port, process=process, log_path=log_path)
        # A lost race for the port shows up at once; anything else is wait_until_ready's business.
        time.sleep(0.05)
        if server.alive() or "Address already in use" not in server.output():
            return server
    raise LiveServerError(f"Daphne {name} found no free port in {attempts} attempts\n{server.output()}")


def wait_until_ready(servers: list[DaphneProcess], timeout: float = STARTUP_TIMEOUT) -> None:
    """Wait until every server answers GET /api/competitions with 200."""
    deadline = time.monotonic() + timeout
    pending = list(servers)
    while pending:
        for server in list(pending):
            if not server.alive():
                raise LiveServerError(f"Daphne {server.name} exited with {server.process.returncode} before answering")
            try:
                status, _body = api_request(server, "GET", "/api/competitions", timeout=1.0)
            except OSError:
                continue
            if status == 200:
                pending.remove(server)
        if pending and time.monotonic() > deadline:
            names = ", ".join(server.name for server in pending)
            raise LiveServerError(f"Daphne {names} did not answer HTTP within {timeout:.0f} s")
        if pending:
            time.sleep(0.1)


# --- database ----------------------------------------------------------------------------------




@contextlib.contextmanager
def server_database(tmp_dir: Path, base_url: str | None = None) -> Iterator[str]:
    """A database URL for server processes, separate from pytest-django's test database.

    PostgreSQL (when `base_url`, by default DATABASE_URL, points at it): a fresh database with a
    unique name on that server, dropped afterwards. Otherwise a SQLite file in `tmp_dir`.
    """
    base_url = os.environ.get("DATABASE_URL", "") if base_url is None else base_url
    if not is_postgres_url(base_url):
        yield f"sqlite:///{tmp_dir / 'live.sqlite3'}"
        return
    import psycopg
    from psycopg import sql

    parts = urllib.parse.urlsplit(base_url)
    name = f"matchcentre_live_{os.getpid()}_{secrets.token_hex(4)}"
    with _admin_connection(psycopg, parts) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urllib.parse.urlunsplit(parts._replace(scheme="postgres", path=f"/{name}"))
    finally:
        with _admin_connection(psycopg, parts) as admin:
            # FORCE (PostgreSQL 13+) ends any connection a killed process left behind.
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _admin_connection(psycopg, parts: urllib.parse.SplitResult):
    """An autocommit connection to a maintenance database on the server DATABASE_URL names."""
    query = dict(urllib.parse.parse_qsl(parts.query))
    params = {
        "host": parts.hostname or query.pop("host", None),
        "port": parts.port,
        "user": urllib.parse.unquote(parts.username) if parts.username else None,
        "password": urllib.parse.unquote(parts.password) if parts.password else None,
        **query,
    }
    params = {key: value for key, value in params.items() if value is not None}
    own = urllib.parse.unquote(parts.path.lstrip("/"))
    errors = []
    for dbname in dict.fromkeys(["postgres", own, "template1"]):
        if not dbname:
            continue
        try:
            return psycopg.connect(dbname=dbname, autocommit=True, connect_timeout=5, **params)
        except psycopg.OperationalError as error:
            errors.append(f"{dbname}: {error}")
    raise LiveServerError(
        "Cannot reach PostgreSQL from DATABASE_URL to create the servers' database:\n" + "\n".join(errors),
    )


# --- redis -------------------------------------------------------------------------------------


def redis_url() -> str:
    """The tests' Redis (REDIS_URL_FOR_TESTS, which `make test` sets), else REDIS_URL, else the local default."""
    return os.environ.get("REDIS_URL_FOR_TESTS") or os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL


def require_redis(url: str) -> None:
    """Fail (never skip) when Redis does not answer: what uses it exists to exercise it."""
    if not redis_answers(url, timeout=2):
        raise LiveServerError(
            f"Redis is not reachable at {url}. Run through `make test` (which starts one when none answers), "
            "start Redis, or set REDIS_URL_FOR_TESTS."
        )


def effective_channel_layer(env: dict[str, str]) -> dict:
    """CHANNEL_LAYERS['default'] as the server processes' settings build it from `env`."""
    code = (
        "import importlib, json, os; "
        "s = importlib.import_module(os.environ['DJANGO_SETTINGS_MODULE']); "
        "print(json.dumps(s.CHANNEL_LAYERS['default'], default=str))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        raise LiveServerError(f"Could not read the channel layer from the settings:\n{result.stderr}")
    return json.loads(result.stdout)


# --- the cluster -------------------------------------------------------------------------------


@contextlib.contextmanager
def live_cluster(
    tmp_dir: Path,
    processes: int = 2,
    *,
    editor: str = "editor",
    redis: str | None = None,
    route_database: Callable[[str], str] | None = None,
    extra_env: dict[str, str] | None = None,
) -> Iterator[LiveCluster]:
    """Database, Redis, `processes` Daphne processes and an API token for `editor`, torn down on exit.

    `redis` is the Redis URL (REDIS_URL or the local default when None). `route_database` maps the
    database URL to the one the Daphne processes use, e.g. through a proxy a test can cut; the
    database is prepared over the direct URL. `extra_env` is added to the processes' environment
    (and the management commands'), e.g. lower limits for one test module's cluster.
    """
    url = redis or redis_url()
    require_redis(url)
    tmp_dir.mkdir(parents=True, exist_ok=True)
    prefix = f"mc-live-{secrets.token_hex(4)}"
    with server_database(tmp_dir) as database_url:
        env = server_env(database_url, url, prefix, extra_env)
        layer = effective_channel_layer(env)
        if "redis" not in layer.get("BACKEND", "").lower():
            raise LiveServerError(
                f"With REDIS_URL set the settings still use {layer.get('BACKEND')}: "
                "the processes would not share a channel layer.",
            )
        honoured = layer.get("CONFIG", {}).get("prefix") == prefix
        if not honoured:
            warnings.warn(
                "The settings ignore CHANNEL_LAYER_PREFIX: these processes share Redis' pub/sub namespace "
                "with any other server on that Redis (harmless unless one publishes for the same match or "
                "group ids at the same time).",
                stacklevel=3,
            )
        match_id, group_id, token = prepare_database(env, editor)
        servers: list[DaphneProcess] = []
        daphne_env = dict(env, DATABASE_URL=route_database(database_url)) if route_database else env
        try:
            try:
                for index in range(processes):
                    servers.append(start_daphne(chr(ord("A") + index), daphne_env, tmp_dir))
                wait_until_ready(servers)
            except LiveServerError as error:
                raise LiveServerError(f"{error}\n{format_logs(servers)}") from error
            yield LiveCluster(
                servers=servers,
                database_url=database_url,
                redis_url=url,
                env=env,
                token=token,
                server_env=daphne_env,
                layer_prefix=prefix if honoured else None,
                log_dir=tmp_dir,
                demo_match_id=match_id,
                demo_group_id=group_id,
            )
        finally:
            stop_all(servers)


def prepare_database(env: dict[str, str], editor: str) -> tuple[int, int, str]:
    """Migrate, load the demo and make an API token for `editor`: (match id, group id, token)."""
    run_manage(["migrate", "--noinput", "-v0"], env)
    match_id, group_id = demo_ids(run_manage(["load_demo"], env))
    token = run_manage(["create_api_token", editor, "--name", "live tests"], env).strip()
    return match_id, group_id, token


def demo_ids(stdout: str) -> tuple[int, int]:
    """(match id, group id) from load_demo's output."""
    found = re.search(r"match (\d+), group (\d+)", stdout)
    if not found:
        raise LiveServerError(f"Unexpected load_demo output: {stdout!r}")
    return int(found.group(1)), int(found.group(2))


# --- HTTP --------------------------------------------------------------------------------------


def http_request(
    server: DaphneProcess,
    method: str,
    path: str,
    body: dict | None = None,
    token: str | None = None,
    timeout: float = 10.0,
) -> tuple[int, dict | list | str, dict[str, str]]:
    """(status, decoded JSON body or text, response headers); HTTP errors are returned, not raised."""
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(server.base_url + path, data=data, method=method, headers=headers)
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            status, raw, received = response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        status, raw, received = error.code, error.read(), error.headers
    text = raw.decode("utf-8", errors="replace")
    try:
        decoded = json.loads(text)
    except ValueError:
        decoded = text
    return status, decoded, dict(received.items())


def api_request(
    server: DaphneProcess,
    method: str,
    path: str,
    body: dict | None = None,
    token: str | None = None,
    timeout: float = 10.0,
) -> tuple[int, dict | list | str]:
    """(status, decoded JSON body or text); HTTP errors are returned, not raised."""
    status, decoded, _headers = http_request(server, method, path, body, token, timeout)
    return status, decoded


def starting_player(snapshot: dict, side: str, position: str) -> int:
    """The id of the first player of `side` ("home"/"away") at `position` in a match snapshot's starting XI."""
    return next(p["id"] for p in snapshot["lineups"][side]["starting"] if p["position"] == position)


# --- fans --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    at: float  # time.monotonic() when the client read it
    message: dict


class Fan:
    """A websocket client whose messages are read, timestamped and kept by a background task. It speaks the
    live protocol's current version (`v=` on its URL). The group table's updates (`table` messages, a stream
    of their own beside a match's changes) are kept apart, in `tables`."""

    def __init__(self, server: DaphneProcess, path: str, name: str = "fan"):
        self.server = server
        self.path = path
        self.name = name
        self.received: list[Received] = []
        self.tables: list[Received] = []
        self._socket = None
        self._reader: asyncio.Task | None = None
        self._arrived = asyncio.Condition()
        self._closing = False
        self.closed = ""  # how the socket closed, once it has

    async def connect(self, query: str = "", timeout: float = 5.0) -> Fan:
        from websockets.asyncio.client import connect

        from live.protocol import PROTOCOL_VERSION

        query = "&".join(part for part in (f"v={PROTOCOL_VERSION}", query) if part)
        url = self.server.ws_url(self.path) + ("&" if "?" in self.path else "?") + query
        # Like a browser, with no limit of its own on what it receives (websockets' default is 1 MiB).
        self._socket = await connect(url, origin=self.server.origin, proxy=None, open_timeout=timeout, max_size=None)
        self._reader = asyncio.create_task(self._read(), name=f"{self.name} reader")
        return self

    async def _read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            async for raw in self._socket:
                item = Received(time.monotonic(), json.loads(raw))
                async with self._arrived:
                    (self.tables if item.message.get("type") == "table" else self.received).append(item)
                    self._arrived.notify_all()
        except ConnectionClosed:
            pass
        finally:
            self.closed = f"closed by {'us' if self._closing else 'the server'} ({self._socket.close_code})"
            async with self._arrived:
                self._arrived.notify_all()  # conditions may be about the close

    @property
    def messages(self) -> list[dict]:
        return [item.message for item in self.received]

    async def wait_for(self, condition: Callable[[list[Received]], bool], timeout: float, what: str = "") -> None:
        """Wait until `condition(self.received)` holds, failing after `timeout` seconds."""
        if condition(self.received):
            return
        try:
            async with self._arrived:
                await asyncio.wait_for(self._arrived.wait_for(lambda: condition(self.received)), timeout)
        except TimeoutError:
            raise AssertionError(
                f"{self.name} on {self.server.name}{self.path}: {what or 'condition'} not met within "
                f"{max(timeout, 0):.2f} s; got {summarize(self.messages)}"
                + (f"; socket {self.closed}" if self.closed else "")
            ) from None

    async def wait_closed(self, timeout: float) -> int | None:
        """Wait until the socket is closed; its close code."""
        await self.wait_for(lambda _received: bool(self.closed), timeout, "the socket closed")
        return self._socket.close_code

    async def wait_for_count(self, count: int, timeout: float) -> list[dict]:
        await self.wait_for(lambda received: len(received) >= count, timeout, f"{count} message(s)")
        return self.messages[:count]

    async def wait_for_seq(self, seq: int, deadline: float) -> Received:
        """The change with `seq`, which must arrive before `deadline` (a time.monotonic() value)."""

        def change(received: list[Received]) -> Received | None:
            return next((item for item in received if is_change(item.message, seq)), None)

        await self.wait_for(
            lambda received: change(received) is not None, deadline - time.monotonic(), f"change seq {seq}"
        )
        return change(self.received)

    async def close(self) -> None:
        self._closing = True
        if self._socket is not None:
            await self._socket.close()
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._reader, 5)
            self._reader = None


def is_change(message: dict, seq: int | None = None) -> bool:
    return message.get("type") == "change" and (seq is None or message.get("seq") == seq)


def summarize(messages: list[dict]) -> list[str]:
    return [
        f"{message.get('type')}#{message.get('seq')}"
        + (f":{message['op']}:{(message.get('event') or {}).get('kind')}" if message.get("type") == "change" else "")
        for message in messages
    ]
