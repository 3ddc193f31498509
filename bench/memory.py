"""Memory per idle fan: what a connected, idle match socket costs its Daphne process, and where it goes.

    python -m bench.memory                    # 1,000 fans: resident set per fan, then tracemalloc per fan
    python -m bench.memory --fans 5000 --top 30
    python -m bench.memory --no-trace         # the resident set only (as bench/run.py measures it)

The server is the production one (`python -m live.server`, DEBUG off, Redis through the pub/sub layer,
the demo loaded), started by this module so that it can report on itself. Fans are bench/fans.py
processes on Liverpool-Napoli's socket, resuming from the current seq as in bench/run.py and offering
permessage-deflate as browsers do (--no-deflate: not). One fan connects and stays before the baseline,
so that what every process builds once (the feed's subscription, the opening it shares) is not counted
per fan.

Two runs on fresh servers:

- the resident set: its rise from before the fans connected to a second after, divided by the fans
  (bench/run.py's "KB/conn");
- tracemalloc (25 frames): the Python objects the fans added, after a full collection, divided by the
  fans, grouped by the line that allocated them and by package, with the biggest tracebacks. Tracing
  makes the process slower and bigger; its own resident set is not the figure.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from types import SimpleNamespace

# Set in the server's environment: where it writes its snapshot when sent SIGUSR1, and how many frames it traces.
SNAPSHOT_PATH_VARIABLE = "BENCH_MEMORY_SNAPSHOT"
TRACE_FRAMES_VARIABLE = "BENCH_MEMORY_TRACE_FRAMES"
TRACE_FRAMES = 25
SETTLE_SECONDS = 1.0


# --- in the server -------------------------------------------------------------------------------


def serve(daphne_args: list[str]) -> None:
    """Run live.server, tracing allocations when asked, and write a report of the heap on SIGUSR1."""
    frames = int(os.environ.get(TRACE_FRAMES_VARIABLE, "0"))
    if frames:
        tracemalloc.start(frames)
    path = Path(os.environ[SNAPSHOT_PATH_VARIABLE])
    taken = 0

    def snapshot(signum, frame) -> None:
        nonlocal taken
        taken += 1
        gc.collect()
        target = path.with_suffix(f".{taken}")
        if tracemalloc.is_tracing():
            tracemalloc.take_snapshot().dump(str(target))
        else:
            target.write_bytes(b"")
        path.with_suffix(f".{taken}.done").write_text(str(taken))

    signal.signal(signal.SIGUSR1, snapshot)
    from live.server import CommandLine

    CommandLine().run(daphne_args)


def take_snapshot(process: subprocess.Popen, path: Path, number: int, timeout: float = 120.0) -> Path:
    process.send_signal(signal.SIGUSR1)
    done = path.with_suffix(f".{number}.done")
    deadline = time.monotonic() + timeout
    while not done.exists():
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError("the server wrote no snapshot")
        time.sleep(0.1)
    return path.with_suffix(f".{number}")


# --- the measurement -----------------------------------------------------------------------------


def start_server(bench, name: str, trace_frames: int):
    from bench.procs import python
    from harness.cluster import DAPHNE_OPTIONS, REPO, DaphneProcess
    from harness.services import free_port

    port = free_port()
    snapshot_path = bench.work / f"memory-{name}.snapshot"
    env = dict(
        bench.server_env,
        **{SNAPSHOT_PATH_VARIABLE: str(snapshot_path), TRACE_FRAMES_VARIABLE: str(trace_frames)},
    )
    log_path = bench.work / f"daphne-{name}-{port}.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [python(), "-m", "bench.memory", "serve", *DAPHNE_OPTIONS, "-b", "127.0.0.1", "-p", str(port),
             "matchcentre.asgi:application"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    return DaphneProcess(name=name, port=port, process=process, log_path=log_path), snapshot_path


def hold_one_fan(server, path: str):
    """A fan connected before the baseline and kept: what the process builds once is not per fan."""
    from websockets.sync.client import connect

    # Resuming at the current seq, showing the current table: nothing is sent on connect.
    return connect(server.ws_url(path), origin=server.origin, proxy=None).__enter__()


def measure(bench, fans: int, trace_frames: int) -> dict:
    from bench.procs import rss_kb, stop_all
    from bench.run import Result
    from harness.cluster import wait_until_ready
    from live.protocol import PROTOCOL_VERSION

    seq = bench.reset_match()
    server, snapshot_path = start_server(bench, f"memory-{fans}-{trace_frames}", trace_frames)
    fan_processes = []
    held = None
    try:
        wait_until_ready([server], timeout=120)
        seq = bench.warm_up([server], seq)
        path = f"/ws/matches/{bench.match_id}/?v={PROTOCOL_VERSION}&since={seq}&table={bench.table_version()}"
        held = hold_one_fan(server, path)
        time.sleep(SETTLE_SECONDS)
        before = take_snapshot(server.process, snapshot_path, 1)
        rss_before = rss_kb(server.process.pid)
        result = Result("matchcentre", fans, 1)
        fan_processes = bench.start_fans([(server.port, path, server.origin)], fans)
        bench.wait_connected(fan_processes, result)
        time.sleep(SETTLE_SECONDS)
        rss_after = rss_kb(server.process.pid)
        after = take_snapshot(server.process, snapshot_path, 2)
        return {
            "connected": result.connected,
            "errors": result.errors,
            "rss_kb_per_fan": (rss_after - rss_before) / max(1, result.connected),
            "before": before,
            "after": after,
        }
    finally:
        if held is not None:
            with contextlib.suppress(Exception):
                held.close()
        stop_all(fan_processes)
        server.stop()


def package_of(filename: str) -> str:
    for marker in ("site-packages/", "lib/python3"):
        if marker in filename:
            rest = filename.split(marker, 1)[1]
            if marker == "lib/python3":
                return "stdlib:" + rest.split("/", 2)[1].removesuffix(".py")
            return rest.split("/", 1)[0].removesuffix(".py")
    parts = Path(filename).parts
    return "/".join(parts[-2:-1]) or filename


def report_trace(before_path: Path, after_path: Path, fans: int, top: int) -> list[str]:
    before = tracemalloc.Snapshot.load(str(before_path))
    after = tracemalloc.Snapshot.load(str(after_path))
    # The snapshots themselves, and tracemalloc's own bookkeeping, are not the fans'.
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, __file__)]
    before, after = before.filter_traces(ignore), after.filter_traces(ignore)
    total = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    lines = [f"Python objects added: {total / fans / 1024:.2f} KB per fan (tracemalloc, after a full collection)"]

    by_package: dict[str, int] = {}
    for stat in after.compare_to(before, "filename"):
        name = package_of(stat.traceback[0].filename)
        by_package[name] = by_package.get(name, 0) + stat.size_diff
    lines.append("\nBy the package of the allocating line (bytes per fan):")
    for name, size in sorted(by_package.items(), key=lambda item: -item[1])[:top]:
        if abs(size) / fans >= 8:
            lines.append(f"  {size / fans:8.0f}  {name}")

    lines.append("\nBy allocating line (bytes and objects per fan):")
    for stat in after.compare_to(before, "lineno")[:top]:
        frame = stat.traceback[0]
        lines.append(
            f"  {stat.size_diff / fans:8.0f} {stat.count_diff / fans:6.1f}  "
            f"{package_of(frame.filename)}:{Path(frame.filename).name}:{frame.lineno}"
        )

    lines.append("\nBy traceback (bytes per fan; the innermost frames first, up to 8):")
    for stat in after.compare_to(before, "traceback")[: max(1, top // 2)]:
        lines.append(f"  {stat.size_diff / fans:8.0f} {stat.count_diff / fans:6.1f} objects")
        for frame in list(reversed(stat.traceback))[:8]:
            lines.append(f"             {package_of(frame.filename)}:{Path(frame.filename).name}:{frame.lineno}")
    return lines


def main(argv=None) -> int:
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "serve":
        serve(sys.argv[2:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fans", type=int, default=1000)
    parser.add_argument("--top", type=int, default=25, help="how many allocation sites to list")
    parser.add_argument("--no-trace", action="store_true", help="measure the resident set only")
    parser.add_argument("--runs", type=int, default=1, help="resident-set runs, each on a fresh server")
    parser.add_argument("--no-deflate", action="store_true", help="fans do not offer permessage-deflate")
    args = parser.parse_args(argv)

    from bench.run import Bench, machine, raise_open_file_limit
    from harness.cluster import live_cluster
    from harness.services import own_redis_server

    raise_open_file_limit()
    with contextlib.ExitStack() as stack:
        if not os.environ.get("REDIS_URL"):
            redis_logs = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-redis-")))
            os.environ["REDIS_URL"] = stack.enter_context(own_redis_server(redis_logs, "--maxclients", "1000")).url
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="matchcentre-memory-")))
        cluster = stack.enter_context(live_cluster(work, processes=1))
        bench_args = SimpleNamespace(
            broadcasts=1, interval=0.5, concurrency=24, editors_on_fan_processes=False, no_deflate=args.no_deflate
        )
        bench = Bench(bench_args, cluster, work)
        info = machine()
        print(f"{info['cpu']}, {info['cores']} cores, Python {info['python']}, {json.dumps(info['versions'])}")
        figures = []
        for run in range(args.runs):
            measured = measure(bench, args.fans, 0)
            figures.append(measured["rss_kb_per_fan"])
            errors = f"; ERRORS {measured['errors']}" if measured["errors"] else ""
            print(
                f"run {run + 1}: {measured['connected']:,} fans connected, resident set "
                f"{measured['rss_kb_per_fan']:.1f} KB per fan{errors}",
                flush=True,
            )
        if len(figures) > 1:
            print(f"resident set per fan: {min(figures):.1f}-{max(figures):.1f} KB over {len(figures)} runs")
        if not args.no_trace:
            measured = measure(bench, args.fans, TRACE_FRAMES)
            print(f"traced run: {measured['connected']:,} fans connected")
            for line in report_trace(measured["before"], measured["after"], measured["connected"], args.top):
                print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
