"""The league-phase night: matchday 8 of the 2024-25 Champions League, 18 matches kicking off at once.

    python -m bench.league_night                 # 3,000 fans (part of `make bench`)
    python -m bench.league_night --fans 5000 --group-share 0.2
    REDIS_URL=redis://127.0.0.1:6379/0 python -m bench.league_night

What it sets up: a database of its own with the demo (harness/cluster.py), then the 2024-25 season
imported through `import_openfootball` from a copy of data/openfootball/2024-25-uefa.cl.json in
which matchday 8 and everything after it has no score (bench/night_setup.py; the evening before
the last matchday), each side of the 18 matches with a squad and a lineup. One Daphne process for
the fans and one for the editors (the newsroom, as deploy/ routes writes), production settings,
Redis through the pub/sub layer.

The night, through the editor API, each match by its own editor: the 18 kick-offs back to back,
the first-half goals, the 18 half-times and 18 second-half kick-offs, the second-half goals, then
the 18 full-time whistles.
The goals are matchday 8's real ones: its real half-time and full-time scores, each goal at a minute
drawn (seeded) within its half, posted --interval apart in minute order, as a compressed night.
Fans (bench/night_fans.py processes, niced) are spread evenly over the 18 match sockets, and a
share of them (--group-share) is on the league table's group socket, which carries every change of
every match of the night.

What it prints and writes to bench/results/league_night.json:
- the 36-team table recomputed per goal: events.reads.tables.group_table and its markup, CPU ms of
  the process that records the change (median, p99), against 2019-20 Group E's;
- the bytes of each pushed change as a fan of the match, and a fan of the group socket, receive it,
  against a group-stage goal's (the 2019-20 demo's Liverpool-Napoli, recorded the same way), and
  what in it grows with the number of teams;
- the fan-out: commit-to-receipt latency p50/p99 for the goals, to the fans of the match that scored
  and to the group-socket fans; delivery; server CPU per change; the editor's POST p50/p99.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import harness.cluster
from bench.procs import BENCH, LineProcess, cpu_seconds, python, rss_kb, stop_all
from bench.run import Deadline, interrupted, machine, percentile, raise_open_file_limit
from harness.cluster import REPO, DaphneProcess, api_request, live_cluster, start_daphne, wait_until_ready
from harness.services import own_redis_server
from live.protocol import PROTOCOL_VERSION

DATA = REPO / "data" / "openfootball" / "2024-25-uefa.cl.json"
MATCHDAY = 8
FANS = 3000
GROUP_SHARE = 0.1
INTERVAL = 0.5
TABLE_RUNS = 200
FANS_PER_GENERATOR = 2500
CONNECT_CONCURRENCY = 24
DELIVERY_TIMEOUT = 90.0
DEADLINE = 600.0
SEED = 2025
GROUP_STAGE_POSTS = 10


# --- what a change weighs (pure) -----------------------------------------------------------------


def change_weight(text: str, table_text: str | None = None) -> dict:
    """What a change weighs on a fan's wire (protocol version 2): the change message itself and the group
    table's update the same change sent as a message of its own (`table_text`, None when it moved nothing)."""
    update = json.loads(table_text) if table_text else {}
    change, table = len(text.encode()), len(table_text.encode()) if table_text else 0
    return {
        "bytes": change,
        "table_update_bytes": table,
        "total_bytes": change + table,
        "rows": len(update.get("rows") or []),
        "moved_runs": len(update.get("moved") or []),
        "whole_table": "html" in update,
    }


def summary(values: list[float], digits: int = 1) -> dict:
    if not values:
        return {"count": 0, "p50": None, "p99": None, "max": None}
    return {
        "count": len(values),
        "p50": round(percentile(values, 0.50), digits),
        "p99": round(percentile(values, 0.99), digits),
        "max": round(max(values), digits),
    }


# --- the night's schedule (pure) -----------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    phase: str  # "kick-off", "goal", "half-time", "second-half", "full-time"
    match_id: int
    payload: dict


def night_schedule(matches: list[dict], seed: int = SEED) -> list[list[Step]]:
    """The night as bursts and goals: [kick-offs], [first-half goals], [half-times + second-half
    kick-offs], [second-half goals], [full-times]. Goals are the real ones per half, at drawn minutes."""
    draw = random.Random(seed)
    halves: list[list[tuple[int, Step]]] = [[], []]
    for match in matches:
        for half, (first, last) in enumerate(((1, 45), (46, 90))):
            for side_index, side in enumerate(("home", "away")):
                before = match["half_time"][side_index] if half else 0
                now = match["half_time"][side_index] if not half else match["full_time"][side_index]
                for _ in range(now - before):
                    minute = draw.randint(first, last)
                    payload = {
                        "kind": "goal",
                        "minute": minute,
                        "team": match[side]["id"],
                        "player": draw.choice(match[side]["starters"][1:]),  # anyone but the goalkeeper
                        "goal_type": "open_play",
                        "commentary": "A goal of the league-phase night.",
                    }
                    halves[half].append((minute, Step("goal", match["id"], payload)))
    goals = [[step for _minute, step in sorted(half, key=lambda item: item[0])] for half in halves]
    return [
        [Step("kick-off", m["id"], {"kind": "period_start"}) for m in matches],
        goals[0],
        [Step("half-time", m["id"], {"kind": "period_end"}) for m in matches]
        + [Step("second-half", m["id"], {"kind": "period_start"}) for m in matches],
        goals[1],
        [Step("full-time", m["id"], {"kind": "period_end"}) for m in matches],
    ]


def fan_targets(
    matches: list[dict], group_id: int, fans: int, group_share: float, table_version: int | None = None
) -> list[dict]:
    """The sockets of the night and how many fans each: the group's share, the rest evenly over the matches.
    Each says the table version it shows (`table_version`), as a page does: no one is sent the table whole."""
    shows = f"&table={table_version}" if table_version is not None else ""
    on_group = round(fans * group_share)
    per_match, extra = divmod(fans - on_group, len(matches))
    targets = [
        {
            "label": f"match:{m['id']}",
            "path": f"/ws/matches/{m['id']}/?v={PROTOCOL_VERSION}&since={m['seq']}{shows}",
            "count": per_match + (index < extra),
        }
        for index, m in enumerate(matches)
    ]
    if on_group:
        targets.append({"label": "group", "path": f"/ws/groups/{group_id}/?v={PROTOCOL_VERSION}{shows}",
                        "count": on_group})
    return targets


# --- a listener that keeps whole messages --------------------------------------------------------


class Recorder:
    """Full websocket clients in a thread of their own, keeping every text message per path, so that
    a change's parts can be weighed (the load generator only counts bytes)."""

    def __init__(self, server: DaphneProcess, paths: list[str]):
        self.server = server
        self.paths = paths
        self.texts: dict[str, list[str]] = {path: [] for path in paths}
        self.ready = threading.Event()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(self.run(),), daemon=True)
        self.stopping: asyncio.Event | None = None
        self.error: BaseException | None = None

    async def run(self) -> None:
        from websockets.asyncio.client import connect

        self.stopping = asyncio.Event()
        try:
            sockets = [
                await connect(self.server.ws_url(path), origin=self.server.origin, proxy=None, max_size=None)
                for path in self.paths
            ]
        except BaseException as error:
            self.error = error
            self.ready.set()
            return

        async def read(path, socket):
            with contextlib.suppress(Exception):
                async for text in socket:
                    self.texts[path].append(text)

        readers = [asyncio.create_task(read(path, socket)) for path, socket in zip(self.paths, sockets, strict=True)]
        self.ready.set()
        await self.stopping.wait()
        for socket in sockets:
            await socket.close()
        await asyncio.gather(*readers, return_exceptions=True)

    def __enter__(self) -> Recorder:
        self.thread.start()
        self.ready.wait(30)
        if self.error:
            raise RuntimeError(f"the recorder could not connect: {self.error}")
        return self

    def __exit__(self, *exc) -> None:
        if self.stopping is not None:
            self.loop.call_soon_threadsafe(self.stopping.set)
        self.thread.join(10)

    def table_after(self, path: str, change: str, timeout: float = 15.0) -> str | None:
        """The table update that followed `change` on `path` (a group socket: both on its one feed, in order),
        or None when the change moved nothing in the table (the next message is not a table update)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            texts = list(self.texts[path])
            after = texts[texts.index(change) + 1 :]
            if after:
                return after[0] if after[0].startswith('{"type":"table"') else None
            time.sleep(0.05)
        return None

    def change(self, path: str, match_id: int, seq: int, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for text in list(self.texts[path]):
                if text.startswith(f'{{"type":"change","match_id":{match_id},"seq":{seq},'):
                    return text
            time.sleep(0.05)
        raise TimeoutError(f"change {match_id}:{seq} did not reach {path} within {timeout:.0f} s")


# --- the run -------------------------------------------------------------------------------------


class Night:
    def __init__(self, args, cluster, work: Path):
        self.args = args
        self.cluster = cluster
        self.work = work
        self.server_env = dict(
            cluster.env,
            DEBUG="0",
            DEMO_MODE="0",
            SECRET_KEY=secrets.token_urlsafe(40),
            SECURE_SSL_REDIRECT="0",
            LOG_LEVEL="WARNING",
            CONN_MAX_AGE=os.environ.get("CONN_MAX_AGE", "0"),
            WEBSOCKET_MAX_CONNECTIONS_PER_ADDRESS="0",
        )
        self.tokens: dict[int, str] = {}

    def django(self, *args: str, timeout: float = 300.0) -> dict:
        """bench/night_setup.py against the benchmark's database: its one JSON line."""
        result = subprocess.run(
            [python(), "-m", "bench.night_setup", *args],
            cwd=REPO,
            env=self.cluster.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"bench.night_setup {args[0]} failed:\n{result.stderr[-3000:]}")
        return json.loads(result.stdout.strip().splitlines()[-1])

    def table_version(self, server: DaphneProcess, group_id: int) -> int:
        """The version of the group's table now (what a page opened now shows)."""
        status, body = api_request(server, "GET", f"/api/groups/{group_id}/table", None, self.cluster.token)
        if status != 200:
            raise RuntimeError(f"GET the table of group {group_id}: {status} {body}")
        return body["version"]

    def post(self, server: DaphneProcess, match_id: int, payload: dict) -> tuple[int, float]:
        """Record an event as the match's editor (the demo's editor for the demo's match)."""
        payload = dict(payload, idempotency_key=f"night-{secrets.token_hex(8)}")
        token = self.tokens.get(match_id, self.cluster.token)
        started = time.monotonic()
        status, body = api_request(server, "POST", f"/api/matches/{match_id}/events", payload, token)
        elapsed = (time.monotonic() - started) * 1000.0
        if status != 201:
            raise RuntimeError(f"POST {payload['kind']} to match {match_id}: {status} {body}")
        return body["seq"], elapsed

    def group_stage_goal(self, newsroom: DaphneProcess, fans_server: DaphneProcess) -> dict:
        """A 2019-20 group-stage goal (the demo's Liverpool-Napoli), weighed on its match and group sockets."""
        snapshot = self.cluster.reset_demo_match(through=newsroom)
        match = snapshot["match"]
        scorer = next(p["id"] for p in snapshot["lineups"]["home"]["starting"] if p["position"] == "FW")
        match_path = f"/ws/matches/{self.cluster.demo_match_id}/?v={PROTOCOL_VERSION}"
        group_path = f"/ws/groups/{self.cluster.demo_group_id}/?v={PROTOCOL_VERSION}"
        with Recorder(fans_server, [match_path, group_path]) as recorder:
            self.post(newsroom, match["id"], {"kind": "period_start"})
            goal = {
                "kind": "goal",
                "minute": 5,
                "team": match["home"]["id"],
                "player": scorer,
                "goal_type": "open_play",
                "commentary": "A goal of the league-phase night.",
            }
            seq, _elapsed = self.post(newsroom, match["id"], goal)
            on_match = recorder.change(match_path, match["id"], seq)
            on_group = recorder.change(group_path, match["id"], seq)
            table_update = recorder.table_after(group_path, on_group)
            # What a group-stage goal's POST takes on this machine now, with no fans to serve.
            post_ms = [
                self.post(newsroom, match["id"], dict(goal, minute=6 + index))[1] for index in range(GROUP_STAGE_POSTS)
            ]
        self.cluster.reset_demo_match(through=newsroom)
        return {
            "match_socket": change_weight(on_match, table_update),
            "group_socket": change_weight(on_group, table_update),
            "post_ms_without_fans": summary(post_ms),
        }

    def start_fans(self, server: DaphneProcess, targets: list[dict]) -> list[LineProcess]:
        total = sum(t["count"] for t in targets)
        generators = max(1, math.ceil(total / FANS_PER_GENERATOR))
        processes = []
        for index in range(generators):
            share = [dict(t, count=t["count"] // generators + (index < t["count"] % generators)) for t in targets]
            config = {
                "host": "127.0.0.1",
                "port": server.port,
                "origin": server.origin,
                "source": f"127.0.{200 + index}.{2 + index}",
                "concurrency": self.args.concurrency,
                "targets": [t for t in share if t["count"]],
            }
            log = self.work / f"night-fans-{index}.log"
            processes.append(LineProcess([python(), str(BENCH / "night_fans.py"), json.dumps(config)], log))
        return processes

    def run(self) -> dict:
        deadline = Deadline(DEADLINE)
        prepared = self.django("prepare", str(self.args.data), str(self.work), "--matchday", str(self.args.matchday))
        matches, group = prepared["matches"], prepared["group"]
        self.tokens = {match["id"]: match.pop("token") for match in matches}
        print(f"  {prepared['import']}; {len(matches)} matches of matchday {self.args.matchday} ready", flush=True)
        fans_server = start_daphne("night-fans", self.server_env, self.work)
        newsroom = start_daphne("night-newsroom", self.server_env, self.work)
        servers = [fans_server, newsroom]
        fan_processes: list[LineProcess] = []
        try:
            wait_until_ready(servers)
            reference = self.group_stage_goal(newsroom, fans_server)
            print(f"  a 2019-20 group-stage goal: {reference['match_socket']['bytes']:,} bytes", flush=True)

            table_version = self.table_version(newsroom, group["id"])
            targets = fan_targets(matches, group["id"], self.args.fans, self.args.group_share, table_version)
            baseline = rss_kb(fans_server.process.pid)
            first = matches[0]
            watched = [targets[0]["path"], targets[-1]["path"]]
            with Recorder(fans_server, watched) as recorder:
                fan_processes = self.start_fans(fans_server, targets)
                connected, failed, errors, connect_started = 0, 0, [], time.monotonic()
                for process in fan_processes:
                    answer = process.read(timeout=240)
                    connected += answer["connected"]
                    failed += answer["failed"]
                    errors += answer["errors"]
                connect_seconds = round(time.monotonic() - connect_started, 1)
                time.sleep(1.0)
                kb_per_fan = round((rss_kb(fans_server.process.pid) - baseline) / max(1, connected), 1)
                print(f"  {connected:,} fans connected in {connect_seconds} s ({failed} failed)", flush=True)
                deadline.check("the night")

                posted: list[dict] = []
                cpu_before = sum(cpu_seconds(s.process.pid) for s in servers)
                for burst_or_goals in night_schedule(matches, self.args.seed):
                    started = time.monotonic()
                    for index, step in enumerate(burst_or_goals):
                        if step.phase == "goal":  # goals --interval apart; whistles back to back
                            pause = started + index * self.args.interval - time.monotonic()
                            if pause > 0:
                                time.sleep(pause)
                        seq, elapsed = self.post(newsroom, step.match_id, step.payload)
                        posted.append({"phase": step.phase, "match_id": step.match_id, "seq": seq, "post_ms": elapsed})
                    deadline.check("the rest of the night")
                expect = {
                    target["label"]: [
                        [p["match_id"], p["seq"]]
                        for p in posted
                        if target["label"] == "group" or target["label"] == f"match:{p['match_id']}"
                    ]
                    for target in targets
                }
                reports = [
                    process.ask(
                        {"cmd": "report", "expect": expect, "timeout": DELIVERY_TIMEOUT}, timeout=DELIVERY_TIMEOUT + 60
                    )
                    for process in fan_processes
                ]
                cpu = sum(cpu_seconds(s.process.pid) for s in servers) - cpu_before
                first_goal = next(p for p in posted if p["phase"] == "goal" and p["match_id"] == first["id"])
                on_group = recorder.change(watched[1], first["id"], first_goal["seq"])
                table_update = recorder.table_after(watched[1], on_group)
                weighed = {
                    "match_socket": change_weight(recorder.change(watched[0], first["id"], first_goal["seq"]),
                                                  table_update),
                    "group_socket": change_weight(on_group, table_update),
                }
            dead = [s.name for s in servers if not s.alive()]
        finally:
            stop_all(fan_processes)
            harness.cluster.stop_all(servers)
        timed = self.django(
            "time-table", str(group["id"]), str(self.cluster.demo_group_id), "--runs", str(self.args.table_runs)
        )
        return self.figures(
            prepared=prepared,
            reference=reference,
            weighed=weighed,
            posted=posted,
            reports=reports,
            timed=timed,
            cpu=cpu,
            connected=connected,
            failed=failed,
            errors=errors,
            connect_seconds=connect_seconds,
            kb_per_fan=kb_per_fan,
            dead=dead,
        )

    def figures(
        self,
        *,
        prepared,
        reference,
        weighed,
        posted,
        reports,
        timed,
        cpu,
        connected,
        failed,
        errors,
        connect_seconds,
        kb_per_fan,
        dead,
    ) -> dict:
        phase_of = {(p["match_id"], p["seq"]): p["phase"] for p in posted}
        latencies: dict[tuple[str, str], list[float]] = {}
        sizes: dict[tuple[str, str], list[int]] = {}
        totals = {"expected": 0, "delivered": 0, "duplicates": 0, "out_of_order": 0, "closed_fans": 0}
        fans_per_kind = {"match": 0, "group": 0}
        for answer in reports:
            for label, entry in answer["labels"].items():
                kind = "group" if label == "group" else "match"
                fans_per_kind[kind] += entry["fans"]
                for name in totals:
                    totals[name] += entry[name]
                for key, change in entry["changes"].items():
                    match_id, seq = map(int, key.split(":"))
                    phase = "goal" if phase_of[(match_id, seq)] == "goal" else "whistle"
                    latencies.setdefault((kind, phase), []).extend(change["latencies_ms"])
                    sizes.setdefault((kind, phase), []).extend(change["bytes"])
        league = timed["groups"][str(prepared["group"]["id"])]
        group_stage = timed["groups"][str(self.cluster.demo_group_id)]
        goals = [p for p in posted if p["phase"] == "goal"]
        return {
            "machine": machine(),
            "config": {
                "fans": self.args.fans,
                "group_share": self.args.group_share,
                "interval_s": self.args.interval,
                "matchday": self.args.matchday,
                "seed": self.args.seed,
                "table_runs": self.args.table_runs,
                "fans_per_match": fan_targets(
                    prepared["matches"], prepared["group"]["id"], self.args.fans, self.args.group_share
                )[0]["count"],
            },
            "import": prepared["import"],
            "connected": connected,
            "failed": failed,
            "connect_errors": errors,
            "connect_seconds": connect_seconds,
            "kb_per_fan": kb_per_fan,
            "fans": fans_per_kind,
            "changes": {"goals": len(goals), "whistles": len(posted) - len(goals)},
            "table": {"league_phase": league, "group_stage": group_stage},
            "bytes": {
                "league_goal": weighed,
                "group_stage_goal": reference,
                "received": {f"{kind} {phase}": summary(values, 0) for (kind, phase), values in sorted(sizes.items())},
            },
            "latency_ms": {f"{kind} {phase}": summary(values) for (kind, phase), values in sorted(latencies.items())},
            "delivery": {**totals, "ratio": totals["delivered"] / totals["expected"] if totals["expected"] else 0.0},
            "server_cpu_s_per_change": round(cpu / max(1, len(posted)), 4),
            "post_ms": {
                "goals": summary([p["post_ms"] for p in goals]),
                "all": summary([p["post_ms"] for p in posted]),
            },
            "dead_servers": dead,
        }


# --- output --------------------------------------------------------------------------------------


def fmt(value, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def report_lines(figures: dict) -> list[str]:
    league, group_stage = figures["table"]["league_phase"], figures["table"]["group_stage"]
    ours = figures["bytes"]["league_goal"]
    theirs = figures["bytes"]["group_stage_goal"]
    ratio = ours["match_socket"]["bytes"] / theirs["match_socket"]["bytes"]
    lines = [
        f"Table per goal, CPU ms of the recording process ({figures['config']['table_runs']} runs): "
        "group_table + its markup, median / p99",
        f"  {league['name']} ({league['teams']} teams): {league['both_cpu']['median']:.1f} / "
        f"{league['both_cpu']['p99']:.1f} ms (table {league['table_cpu']['median']:.1f}, "
        f"markup {league['markup_cpu']['median']:.1f})",
        f"  {group_stage['name']} ({group_stage['teams']} teams): {group_stage['both_cpu']['median']:.1f} / "
        f"{group_stage['both_cpu']['p99']:.1f} ms (table {group_stage['table_cpu']['median']:.1f}, "
        f"markup {group_stage['markup_cpu']['median']:.1f})",
        "Bytes per change (a goal), as a fan receives it:",
    ]
    for name, weight in (("league phase", ours), ("group stage", theirs)):
        for socket in ("match_socket", "group_socket"):
            part = weight[socket]
            lines.append(
                f"  {name}, {socket.replace('_', ' ')}: {part['bytes']:,} bytes, and the table's update "
                f"{part['table_update_bytes']:,} ({part['rows']} rows, {part['moved_runs']} runs of moved rows"
                f"{', the whole table' if part['whole_table'] else ''}): {part['total_bytes']:,} in all"
            )
    lines.append(f"  league-phase goal / group-stage goal: {ratio:.1f}x")
    quiet = theirs["post_ms_without_fans"]
    lines.append(
        f"  (a group-stage goal's editor POST, no fans: p50 {fmt(quiet['p50'])} ms, max {fmt(quiet['max'])} ms "
        f"of {quiet['count']})"
    )
    lines.append(
        f"  group socket's first message (its snapshot): {league['group_snapshot_bytes']:,} bytes "
        f"(group stage: {group_stage['group_snapshot_bytes']:,})"
    )
    for key, sizes in figures["bytes"]["received"].items():
        lines.append(f"  received by {key} fans: median {fmt(sizes['p50'])}, max {fmt(sizes['max'])} bytes")
    fans = figures["fans"]
    lines.append(
        f"Fan-out: {figures['connected']:,} fans ({fans['match']:,} over the matches, {fans['group']:,} on the "
        f"group socket), {figures['changes']['goals']} goals {figures['config']['interval_s']} s apart, "
        f"{figures['changes']['whistles']} whistles"
    )
    for key, value in figures["latency_ms"].items():
        lines.append(
            f"  {key}: p50 {fmt(value['p50'])} ms, p99 {fmt(value['p99'])} ms, max {fmt(value['max'])} ms "
            f"({value['count']:,} receipts)"
        )
    delivery = figures["delivery"]
    lines.append(
        f"  delivery {100 * delivery['ratio']:.2f}% ({delivery['delivered']:,}/{delivery['expected']:,}), "
        f"{delivery['duplicates']} duplicates, {delivery['out_of_order']} out of order, "
        f"{delivery['closed_fans']} fans closed"
    )
    lines.append(
        f"  server CPU {figures['server_cpu_s_per_change']:.3f} s per change; editor POST (goals) p50 "
        f"{fmt(figures['post_ms']['goals']['p50'])} ms, p99 {fmt(figures['post_ms']['goals']['p99'])} ms; "
        f"{figures['kb_per_fan']} KB per fan; connected in {figures['connect_seconds']} s"
    )
    if figures["dead_servers"]:
        lines.append(f"  Daphne {', '.join(figures['dead_servers'])} died")
    return lines


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fans", type=int, default=FANS, help="fans in all (default %(default)s)")
    parser.add_argument(
        "--group-share",
        type=float,
        default=GROUP_SHARE,
        help="the share of them on the league table's group socket (default %(default)s)",
    )
    parser.add_argument("--interval", type=float, default=INTERVAL, help="seconds between goals")
    parser.add_argument("--table-runs", type=int, default=TABLE_RUNS, help="timed table recomputations")
    parser.add_argument(
        "--concurrency", type=int, default=CONNECT_CONCURRENCY, help="handshakes in flight per fan process"
    )
    parser.add_argument("--matchday", type=int, default=MATCHDAY)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--seed", type=int, default=SEED, help="the draw of the goals' minutes and scorers")
    parser.add_argument("--logs", metavar="DIR", help="keep the servers' and fans' logs (and the database) in DIR")
    parser.add_argument("--out", default=str(BENCH / "results"), help="folder for league_night.json")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    raise_open_file_limit()
    signal.signal(signal.SIGTERM, interrupted)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        if not os.environ.get("REDIS_URL"):
            redis_logs = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-redis-")))
            os.environ["REDIS_URL"] = stack.enter_context(own_redis_server(redis_logs, "--maxclients", "1000")).url
        if args.logs:
            work = Path(args.logs)
            work.mkdir(parents=True, exist_ok=True)
        else:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="matchcentre-night-")))
        print(f"The league-phase night: matchday {args.matchday} of 2024-25, {args.fans:,} fans", flush=True)
        cluster = stack.enter_context(live_cluster(work, processes=0))
        figures = Night(args, cluster, work).run()
    figures["seconds"] = round(time.monotonic() - started, 1)
    (out / "league_night.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print()
    for line in report_lines(figures):
        print(line)
    print(f"\nWritten: {out / 'league_night.json'} ({figures['seconds']} s)")
    delivery = figures["delivery"]
    return 0 if delivery["delivered"] == delivery["expected"] and not figures["dead_servers"] else 1


if __name__ == "__main__":
    sys.exit(main())
