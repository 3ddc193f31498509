"""The crowd benchmark: N fans arriving within seconds (kick-off, a goal alert, a restart), each opening the
match page and then its socket, against a bare `websockets` server doing the same in the same run.

    python -m bench.crowd                          # 5,000 fans within 10 s on one Daphne process
    python -m bench.crowd --fans 10000
    python -m bench.crowd --fans 20000 --processes 2

The match centre runs as deploy/ runs it: `--processes` Daphne processes (production settings, the
real application, Redis through the pub/sub layer, SQLite with the demo loaded, Liverpool-Napoli
kicked off) behind nginx with production's locations (deploy/nginx/matchcentre-locations.conf: the
fans' pages and reads cached a second, websockets passed through). The reference is as many bare
`websockets` processes, each answering a plain GET with the same page bytes and a websocket with
the same snapshot text on connect (recorded from the match centre first), with the same listen
backlog as Daphne's.

A fan arrives at its moment (the N spread evenly over `--arrival` seconds), GETs the page (HTTP/1.1,
read to the end), then opens its socket (`/ws/matches/{id}/?v=N`, no `since`: it asks for the
snapshot) and is live-ready when the socket's first message (the snapshot) has arrived. Measured per
fan, from its arrival: the page, and the live-ready screen (p50/p99); and the fans that failed (an
HTTP error, a refused or timed-out handshake, a socket closed before its snapshot), with why. Fans are
`--generators` processes (niced, each on its own 127.0.0.x address) that keep their sockets open
until every fan is done, answering pings.

Writes bench/results/crowd.json. Every process it starts is stopped on the way out.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import math
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
if __package__ in (None, ""):  # run as a file by the benchmark's own generator processes
    sys.path.insert(0, str(BENCH.parent))

from bench import fans as raw_fans  # noqa: E402

FANS = 5000
ARRIVAL_SECONDS = 10.0
FAN_TIMEOUT = 60.0
TARGETS = {"ready_p99_ratio": 2.0, "failed": 0}
# A listen backlog as Daphne's (live/daphne.py) and nginx's here: the crowd arrives at up to 2,000 a second.
BACKLOG = 4096


# --- the fans ------------------------------------------------------------------------------------


class CrowdFan(raw_fans.Fan):
    """A minimal RFC 6455 client (bench/fans.py's) that notes when its first message arrives."""

    __slots__ = ("first",)

    def __init__(self, generator, request: bytes):
        super().__init__(generator, request)
        self.first = asyncio.get_running_loop().create_future()

    def frame(self, opcode: int, data, start: int, end: int, now: float) -> None:
        if opcode == 1 and not self.first.done():
            self.first.set_result(now)
            return
        if opcode == 8 and not self.first.done():
            code = int.from_bytes(data[start : start + 2], "big") if end - start >= 2 else None
            self.first.set_exception(ConnectionError(f"closed with {code} before its snapshot"))
        super().frame(opcode, data, start, end, now)

    def connection_lost(self, exc):
        super().connection_lost(exc)
        if not self.first.done():
            self.first.set_exception(ConnectionError(f"connection lost before its snapshot: {exc}"))


def bound_socket(source: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    sock.setsockopt(socket.SOL_IP, raw_fans.IP_BIND_ADDRESS_NO_PORT, 1)
    sock.bind((source, 0))
    return sock


async def get_page(config: dict) -> int:
    """GET the page with Connection: close, read to the end; its size (raises on anything but 200)."""
    loop = asyncio.get_running_loop()
    sock = bound_socket(config["source"])
    try:
        await loop.sock_connect(sock, (config["host"], config["port"]))
        request = (
            f"GET {config['page']} HTTP/1.1\r\nHost: {config['host']}:{config['port']}\r\n"
            "Accept: text/html\r\nConnection: close\r\n\r\n"
        ).encode()
        await loop.sock_sendall(sock, request)
        received = bytearray()
        while chunk := await loop.sock_recv(sock, 1 << 16):
            received += chunk
    finally:
        sock.close()
    status = bytes(received[:12])
    if not status.startswith(b"HTTP/1.1 200"):
        raise ConnectionError(f"page answered {status!r}")
    return len(received)


async def open_socket(generator, config: dict, index: int) -> CrowdFan:
    loop = asyncio.get_running_loop()
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {config['socket']} HTTP/1.1\r\nHost: {config['host']}:{config['port']}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"Origin: {config['origin']}\r\nUser-Agent: crowd fan {index}\r\n\r\n"
    ).encode()
    sock = bound_socket(config["source"])
    try:
        await loop.sock_connect(sock, (config["host"], config["port"]))
        fan = CrowdFan(generator, request)
        await loop.create_connection(lambda: fan, sock=sock)
    except BaseException:
        sock.close()
        raise
    return fan


async def one_fan(generator, config: dict, index: int, arrives: float, results: dict) -> None:
    await asyncio.sleep(max(0.0, arrives - time.time()))
    fan = None
    try:
        async with asyncio.timeout(FAN_TIMEOUT):
            await get_page(config)
            paged = time.time()
            fan = await open_socket(generator, config, index)
            generator.fans.append(fan)
            await asyncio.shield(fan.opened)
            ready = await asyncio.shield(fan.first)
        results["page_ms"].append(round((paged - arrives) * 1000, 1))
        results["ready_ms"].append(round((ready - arrives) * 1000, 1))
        results["socket_ms"].append(round((ready - paged) * 1000, 1))
    except (OSError, ConnectionError, TimeoutError) as error:
        results["failed"] += 1
        reason = f"{type(error).__name__}: {error}"[:120]
        results["errors"][reason] = results["errors"].get(reason, 0) + 1


async def run_generator(config: dict) -> None:
    os.nice(10)
    raw_fans.raise_open_file_limit()
    generator = raw_fans.Generator(config)
    results = {"page_ms": [], "ready_ms": [], "socket_ms": [], "failed": 0, "errors": {}}
    count, first, spacing = config["count"], config["start_at"] + config["offset"], config["spacing"]
    await asyncio.gather(*(one_fan(generator, config, n, first + n * spacing, results) for n in range(count)))
    results["open"] = sum(1 for fan in generator.fans if not fan.closed)
    print(json.dumps(results), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # until the benchmark is done
    for fan in generator.fans:
        fan.abort()


# --- the reference -------------------------------------------------------------------------------


async def run_reference(port: int, page: bytes, snapshot: str) -> None:
    """A bare websockets server: the page to a plain GET, the snapshot to each socket as it opens."""
    from websockets.asyncio.server import serve
    from websockets.datastructures import Headers
    from websockets.http11 import Response

    raw_fans.raise_open_file_limit()

    def process_request(connection, request):
        if request.headers.get("Upgrade", "").lower() != "websocket":
            headers = Headers([("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(page))),
                               ("Connection", "close")])
            return Response(200, "OK", headers, page)
        return None

    async def handler(websocket):
        await websocket.send(snapshot)
        await websocket.wait_closed()

    async with serve(handler, "127.0.0.1", port, process_request=process_request, compression=None,
                     backlog=BACKLOG, max_queue=16):
        print(json.dumps({"listening": port}), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)


# --- the benchmark -------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


def crowd(targets: list[dict], fans: int, args, work: Path, name: str) -> dict:
    """Send `fans` fans at `targets` (dicts of host, port, page, socket, origin), spread over the arrival."""
    from bench.procs import LineProcess, python, stop_all

    generators = max(len(targets), args.generators)
    per_generator = math.ceil(fans / generators)
    start_at = time.time() + 3.0
    spacing = args.arrival / max(1, fans)
    processes = []
    try:
        for index in range(generators):
            count = min(per_generator, fans - index * per_generator)
            if count <= 0:
                break
            config = dict(targets[index % len(targets)], count=count, start_at=start_at, offset=index * spacing,
                          spacing=spacing * generators, source=f"127.0.{40 + index}.{2 + index}")
            log = work / f"crowd-{name}-{index}.log"
            processes.append(LineProcess([python(), str(BENCH / "crowd.py"), "--generate", json.dumps(config)], log))
        results = {"page_ms": [], "ready_ms": [], "socket_ms": [], "failed": 0, "errors": {}, "open": 0}
        for process in processes:
            answer = process.read(timeout=args.arrival + FAN_TIMEOUT + 60)
            for key in ("page_ms", "ready_ms", "socket_ms"):
                results[key] += answer[key]
            results["failed"] += answer["failed"]
            results["open"] += answer["open"]
            for reason, count in answer["errors"].items():
                results["errors"][reason] = results["errors"].get(reason, 0) + count
    finally:
        stop_all(processes)
    ready, page, sockets = results.pop("ready_ms"), results.pop("page_ms"), results.pop("socket_ms")
    return {
        **results,
        "fans": fans,
        "ready": len(ready),
        "page_p50_ms": percentile(page, 0.5),
        "page_p99_ms": percentile(page, 0.99),
        "ready_p50_ms": percentile(ready, 0.5),
        "ready_p99_ms": percentile(ready, 0.99),
        "ready_max_ms": max(ready) if ready else None,
        # The socket alone: from the page's last byte to the snapshot's.
        "socket_p50_ms": percentile(sockets, 0.5),
        "socket_p99_ms": percentile(sockets, 0.99),
        "all_ready_within_s": round((max(ready) / 1000 + args.arrival) if ready else 0, 2),
    }


@contextlib.contextmanager
def crowd_nginx(servers, work: Path, fans: int):
    """nginx as deploy/local_cluster.py runs it (production's locations), sized for a crowd: workers sharing
    the port, each under the open-file limit here (two connections per fan), a backlog as Daphne's."""
    from deploy.local_cluster import find_nginx, nginx_config, wait_for_proxy
    from harness.cluster import REPO, DaphneProcess, free_port

    prefix = work / "nginx"
    prefix.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = nginx_config(prefix, port, [s.port for s in servers], [servers[0].port], REPO / "static")
    workers = max(2, math.ceil(2 * fans / 12000))
    for old, new in (
        ("worker_processes 1;", f"worker_processes {workers};\nworker_rlimit_nofile 20000;"),
        ("worker_connections 4096;", "worker_connections 19000;"),
        (f"listen 127.0.0.1:{port};", f"listen 127.0.0.1:{port} reuseport backlog={BACKLOG};"),
        ("access_log ", "access_log off; # "),
    ):
        if old not in config:
            raise RuntimeError(f"deploy/local_cluster.py's nginx.conf no longer has {old!r}")
        config = config.replace(old, new, 1)
    (prefix / "nginx.conf").write_text(config)
    binary = find_nginx()
    with (prefix / "output.log").open("wb") as log:
        process = subprocess.Popen([binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf")], stdout=log,
                                   stderr=subprocess.STDOUT, cwd=prefix)
    nginx = DaphneProcess(name="nginx", port=port, process=process, log_path=prefix / "error.log")
    try:
        wait_for_proxy(nginx)
        yield nginx
    finally:
        process.send_signal(signal.SIGQUIT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def nginx_cpu_seconds(master: int) -> float:
    """The CPU of nginx's master and its workers so far (the server CPU above counts the Daphne processes only)."""
    from bench.procs import cpu_seconds

    total = cpu_seconds(master)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                total += cpu_seconds(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return total


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fans", type=int, default=FANS)
    parser.add_argument("--processes", type=int, default=1, help="Daphne processes (and reference processes)")
    parser.add_argument("--arrival", type=float, default=ARRIVAL_SECONDS, help="seconds the fans arrive over")
    parser.add_argument("--generators", type=int, default=2, help="fan processes")
    parser.add_argument("--only", choices=("matchcentre", "reference"))
    parser.add_argument("--out", default=str(BENCH / "results"))
    parser.add_argument("--out-name", help="the results file's name (crowd-<fans>-<processes>.json)")
    parser.add_argument("--generate", help=argparse.SUPPRESS)
    parser.add_argument("--serve-reference", nargs=3, metavar=("PORT", "PAGE", "SNAPSHOT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.generate:
        asyncio.run(run_generator(json.loads(args.generate)))
        return 0
    if args.serve_reference:
        port, page, snapshot = args.serve_reference
        asyncio.run(run_reference(int(port), Path(page).read_bytes(), Path(snapshot).read_text(encoding="utf-8")))
        return 0
    return benchmark(args)


def benchmark(args) -> int:
    import harness.cluster
    from bench.procs import LineProcess, cpu_seconds, python, stop_all
    from bench.run import machine, raise_open_file_limit
    from harness.cluster import api_request, live_cluster, start_daphne, wait_until_ready
    from harness.services import own_redis_server
    from live.protocol import PROTOCOL_VERSION

    raise_open_file_limit()
    signal.signal(signal.SIGTERM, lambda signum, frame: (_ for _ in ()).throw(KeyboardInterrupt()))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = {}
    with contextlib.ExitStack() as stack:
        if not os.environ.get("REDIS_URL"):
            logs = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="crowd-redis-")))
            os.environ["REDIS_URL"] = stack.enter_context(own_redis_server(logs, "--maxclients", "1000")).url
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="matchcentre-crowd-")))
        cluster = stack.enter_context(live_cluster(work, processes=1))
        cluster.reset_demo_match()
        status, body = api_request(cluster.servers[0], "POST", f"/api/matches/{cluster.demo_match_id}/events",
                                   {"kind": "period_start", "idempotency_key": "crowd-kick-off"}, cluster.token)
        if status != 201:
            raise RuntimeError(f"kick-off: {status} {body}")
        env = dict(cluster.env, DEBUG="0", DEMO_MODE="0", SECRET_KEY=secrets.token_urlsafe(40),
                   SECURE_SSL_REDIRECT="0", LOG_LEVEL="WARNING", CONN_MAX_AGE="0",
                   # The fans come from a few loopback addresses: the per-address cap is not what is measured.
                   WEBSOCKET_MAX_CONNECTIONS_PER_ADDRESS="0")
        # Production serves hashed static files from STATIC_ROOT (the page names them): as deploy/ does.
        harness.cluster.run_manage(["collectstatic", "--noinput", "-v0"], env, timeout=600)
        servers = [start_daphne(f"crowd-{n}", env, work) for n in range(args.processes)]
        stack.callback(harness.cluster.stop_all, servers)
        wait_until_ready(servers)
        nginx = stack.enter_context(crowd_nginx(servers, work, args.fans))
        page_path = f"/matches/{cluster.demo_match_id}/"
        socket_path = f"/ws/matches/{cluster.demo_match_id}/?v={PROTOCOL_VERSION}"

        # What the reference serves: the same page bytes and the same snapshot text.
        page_file, snapshot_file = work / "page.html", work / "snapshot.json"
        with harness.cluster._OPENER.open(nginx.base_url + page_path, timeout=10) as response:
            page_file.write_bytes(response.read())

        async def first_message() -> str:
            from websockets.asyncio.client import connect

            async with connect(nginx.ws_url(socket_path), origin=nginx.origin, proxy=None, max_size=None) as ws:
                return await ws.recv()

        snapshot_file.write_text(asyncio.run(first_message()), encoding="utf-8")
        print(f"{args.fans:,} fans over {args.arrival:g} s, {args.processes} process(es); page "
              f"{page_file.stat().st_size:,} bytes, snapshot {snapshot_file.stat().st_size:,} bytes", flush=True)

        if args.only != "reference":
            target = {"host": "127.0.0.1", "port": nginx.port, "page": page_path, "socket": socket_path,
                      "origin": nginx.origin}
            cpu_before = sum(cpu_seconds(server.process.pid) for server in servers)
            nginx_before = nginx_cpu_seconds(nginx.process.pid)
            result = crowd([target], args.fans, args, work, "matchcentre")
            result["server_cpu_s"] = round(sum(cpu_seconds(s.process.pid) for s in servers) - cpu_before, 1)
            result["nginx"] = True
            result["nginx_cpu_s"] = round(nginx_cpu_seconds(nginx.process.pid) - nginx_before, 1)
            results["matchcentre"] = result
            report("matchcentre", result)
            harness.cluster.stop_all(servers)
        if args.only != "matchcentre":
            references = []
            try:
                targets = []
                for index in range(args.processes):
                    port = harness.cluster.free_port()
                    references.append(LineProcess(
                        [python(), str(BENCH / "crowd.py"), "--serve-reference", str(port), str(page_file),
                         str(snapshot_file)], work / f"reference-{index}.log"))
                    targets.append({"host": "127.0.0.1", "port": port, "page": "/", "socket": "/",
                                    "origin": f"http://127.0.0.1:{port}"})
                for reference in references:
                    reference.read(timeout=30)
                cpu_before = sum(cpu_seconds(r.pid) for r in references)
                result = crowd(targets, args.fans, args, work, "reference")
                result["server_cpu_s"] = round(sum(cpu_seconds(r.pid) for r in references) - cpu_before, 1)
                results["reference"] = result
                report("reference", result)
            finally:
                stop_all(references)
    mine, reference = results.get("matchcentre"), results.get("reference")
    if mine and reference and reference["ready_p99_ms"]:
        mine["ready_p50_ratio"] = round(mine["ready_p50_ms"] / reference["ready_p50_ms"], 2)
        mine["ready_p99_ratio"] = round(mine["ready_p99_ms"] / reference["ready_p99_ms"], 2)
        met = mine["ready_p99_ratio"] <= TARGETS["ready_p99_ratio"] and mine["failed"] == 0
        print(f"\nlive-ready p99 {mine['ready_p99_ratio']}x the reference's (p50 {mine['ready_p50_ratio']}x), "
              f"{mine['failed']} failed: {'met' if met else 'NOT met'} (targets: at most 2x, none failed)")
    name = f"crowd-{args.fans}-{args.processes}.json" if args.out_name is None else args.out_name
    (out / name).write_text(json.dumps({"machine": machine(), "fans": args.fans, "processes": args.processes,
                                        "arrival_s": args.arrival, "results": results}, indent=2) + "\n")
    print(f"Written: {out / name}")
    return 0 if all(r["failed"] == 0 for r in results.values()) else 1


def report(name: str, result: dict) -> None:
    print(
        f"  {name:>11}: live-ready p50 {result['ready_p50_ms']} ms, p99 {result['ready_p99_ms']} ms, max "
        f"{result['ready_max_ms']} ms; page p50 {result['page_p50_ms']} ms, p99 {result['page_p99_ms']} ms; "
        f"socket p50 {result['socket_p50_ms']} ms, p99 {result['socket_p99_ms']} ms; "
        f"{result['ready']:,} ready, {result['failed']} failed {result['errors'] or ''}; "
        f"server CPU {result['server_cpu_s']} s"
        + (f" (and nginx's {result['nginx_cpu_s']} s)" if "nginx_cpu_s" in result else ""),
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
