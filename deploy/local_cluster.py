"""The scale-out deployment on one machine: nginx (Debian's package) in front of two Daphne processes
for fans and one for editors (the newsroom), and the task queue's worker (webhooks).

    make cluster              # python -m deploy.local_cluster
    CLUSTER_PORT=8080 REPLAY_SPEED=30 make cluster

Redis and PostgreSQL come from the environment (REDIS_URL, DATABASE_URL; SQLite when DATABASE_URL is
unset); the processes get a fresh database with the demo loaded (harness/cluster.py). nginx runs
the site's own locations (deploy/nginx/matchcentre-locations.conf) with the fans' upstream of two
processes and the newsroom's of one, serves the static files itself and says in an `X-Upstream` header
which process answered. As in production, the processes take the client's address from nginx's
X-Forwarded-For only because nginx connects from the address they trust (harness.cluster.PROXY_ADDRESS,
given to them as TRUSTED_PROXIES). It then replays Liverpool-Napoli through nginx (the replay's writes
go to the newsroom) and keeps serving until Ctrl-C, which stops everything. tests/live/test_cluster.py
runs the same cluster and checks that fans on both processes get every change, and that editors' writes
go to the newsroom.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from harness.cluster import REPO, DaphneProcess, LiveServerError, api_request, free_port, live_cluster
from harness.worker import running_worker

DEPLOY = Path(__file__).resolve().parent
LOCATIONS = DEPLOY / "nginx" / "matchcentre-locations.conf"
INSTALL_NGINX = "apt-get install -y nginx-light"
STARTUP_TIMEOUT = 15.0


def find_nginx() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def upstream_servers(ports: list[int]) -> str:
    return "\n".join(f"        server 127.0.0.1:{port} max_fails=3 fail_timeout=10s;" for port in ports)


def nginx_config(prefix: Path, port: int, upstreams: list[int], newsroom: list[int], static_root: Path) -> str:
    """A whole nginx.conf: this folder's locations, the two upstreams, static files, logs and temp files
    under `prefix`."""
    # Started as root (CI, a container): workers stay root too, so that they read the static files where they are.
    user = "user root root;\n" if os.geteuid() == 0 else ""
    return f"""{user}daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;

events {{
    worker_connections 4096;
}}

http {{
    # As Debian's nginx.conf, which deploy/nginx/matchcentre.conf is included into: a cached page goes out
    # with sendfile, its headers and first bytes in one packet.
    sendfile on;
    tcp_nopush on;
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    types {{
        text/css css;
        application/javascript js;
        image/svg+xml svg;
        text/html html;
    }}

    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ""      close;
    }}

    # As deploy/nginx/matchcentre.conf, with the cache under this prefix.
    proxy_cache_path {prefix}/cache levels=1:2 keys_zone=matchcentre_reads:10m max_size=64m inactive=10m;
    map $uri $matchcentre_reader_zone {{
        "/"     $cookie_tz;
        default "";
    }}

    upstream matchcentre {{
        least_conn;
{upstream_servers(upstreams)}
        keepalive 8;
    }}

    upstream matchcentre_newsroom {{
{upstream_servers(newsroom)}
        keepalive 4;
    }}

    server {{
        listen 127.0.0.1:{port};
        server_name 127.0.0.1 localhost;
        # Which process answered (and, for a websocket, holds the fan): for checking the spread.
        add_header X-Upstream $upstream_addr always;
        # HIT when nginx answered from its copy of a fan's page or read (no process asked).
        add_header X-Cache $upstream_cache_status always;

        location /static/ {{
            alias "{static_root}/";
        }}

        include "{LOCATIONS}";
    }}
}}
"""


@contextlib.contextmanager
def nginx_in_front(
    servers: list[DaphneProcess], newsroom: list[DaphneProcess], work_dir: Path, port: int | None = None
) -> Iterator[DaphneProcess]:
    """nginx on `port` (a free one by default) proxying fans to `servers` and editors to `newsroom`;
    yields it as a server to talk to."""
    binary = find_nginx()
    if binary is None:
        raise LiveServerError(f"nginx is not installed (Debian's package): {INSTALL_NGINX}")
    prefix = work_dir / "nginx"
    prefix.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    config = prefix / "nginx.conf"
    config.write_text(
        nginx_config(prefix, port, [s.port for s in servers], [s.port for s in newsroom], REPO / "static")
    )
    log_path = prefix / "output.log"
    checked = subprocess.run([binary, "-t", "-p", str(prefix), "-c", str(config)], capture_output=True, text=True)
    if checked.returncode != 0:
        raise LiveServerError(f"nginx refused its configuration:\n{checked.stderr}")
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [binary, "-p", str(prefix), "-c", str(config)], stdout=log, stderr=subprocess.STDOUT, cwd=prefix
        )
    nginx = DaphneProcess(name="nginx", port=port, process=process, log_path=prefix / "error.log")
    try:
        wait_for_proxy(nginx)
        yield nginx
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGQUIT)  # graceful: finish what is in flight
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def wait_for_proxy(nginx: DaphneProcess, timeout: float = STARTUP_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if not nginx.alive():
            raise LiveServerError(f"nginx exited with {nginx.process.returncode}:\n{nginx.output()}")
        with contextlib.suppress(OSError):
            status, _body = api_request(nginx, "GET", "/api/competitions", timeout=2.0)
            if status == 200:
                return
        if time.monotonic() > deadline:
            raise LiveServerError(f"nginx did not answer through to Daphne within {timeout:.0f} s:\n{nginx.output()}")
        time.sleep(0.1)


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def main() -> int:
    port = int(os.environ.get("CLUSTER_PORT", "8080"))
    if not port_is_free(port):
        print(f"Port {port} is taken: CLUSTER_PORT=... make cluster", file=sys.stderr)
        return 2
    if find_nginx() is None:
        print(f"nginx is not installed (Debian's package): {INSTALL_NGINX}", file=sys.stderr)
        return 2
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    replay = None
    # A queue of this run's own: a worker of another database on the same Redis must not take its jobs.
    extra_env = {"ACCESS_LOG": "1", "WEBHOOK_QUEUE": f"webhooks-cluster-{os.getpid()}"}
    with tempfile.TemporaryDirectory(prefix="matchcentre-cluster-") as folder:
        try:
            with (
                live_cluster(Path(folder), processes=3, extra_env=extra_env) as cluster,
                nginx_in_front(cluster.servers[:2], cluster.servers[2:], Path(folder), port) as nginx,
                running_worker(cluster.server_env, Path(folder)) as worker,
            ):
                a, b, newsroom = cluster.servers
                print(f"nginx   http://127.0.0.1:{port}/  ->  fans: Daphne :{a.port} and :{b.port}")
                print(f"        editors (console, admin, API writes): Daphne :{newsroom.port}")
                print(f"match   http://127.0.0.1:{port}/matches/{cluster.demo_match_id}/")
                print(f"Redis   {cluster.redis_url} (channel prefix {cluster.layer_prefix})")
                print(f"worker  webhooks (docs/webhooks.md) on queue {extra_env['WEBHOOK_QUEUE']}: {worker.log_path}")
                print(f"editor token: {cluster.token}")
                print("Replaying Liverpool-Napoli through nginx; Ctrl-C stops everything.", flush=True)
                replay = subprocess.Popen(
                    [
                        sys.executable,
                        str(REPO / "manage.py"),
                        "replay_match",
                        "--api",
                        nginx.base_url,
                        "--speed",
                        os.environ.get("REPLAY_SPEED", "30"),
                    ],
                    cwd=REPO,
                    env=cluster.env,
                    start_new_session=True,  # Ctrl-C is ours to pass on: the replay is stopped below
                )
                while not stop and not cluster.dead_servers() and nginx.alive() and worker.alive():
                    time.sleep(0.5)
                if cluster.dead_servers() or not nginx.alive() or not worker.alive():
                    print("A process stopped:\n" + cluster.logs() + "\n" + nginx.output() + "\n" + worker.output(),
                          file=sys.stderr)
                    return 1
        except KeyboardInterrupt:
            pass
        except (LiveServerError, OSError) as error:
            print(error, file=sys.stderr)
            return 1
        finally:
            if replay is not None and replay.poll() is None:
                replay.terminate()
                replay.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
