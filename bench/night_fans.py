"""A load generator for a night of simultaneous matches: fans of several sockets in one process.

bench/fans.py's fans follow one match, so a `seq` names a change. Here a fan may follow a whole
league table (its group socket gets the changes of every match in it, each with its own match's
`seq`), so a change is named by (match_id, seq), and each fan keeps what it received under the
label of the socket it follows. Each receipt also keeps the frame's size: what the change weighs on
that fan's wire.

Started with one JSON argument:
    {"host": "127.0.0.1", "port": 8000, "origin": "http://127.0.0.1:8000", "source": "127.0.0.2",
     "concurrency": 24, "targets": [{"label": "match:139", "path": "/ws/matches/139/?since=0", "count": 150},
                                     {"label": "group", "path": "/ws/groups/2/", "count": 300}]}

It connects every fan, prints one JSON line ({"connected": n, "failed": n, ...}), then answers JSON
commands on stdin with one JSON line each:
    {"cmd": "report", "expect": {"match:139": [[139, 5], ...], "group": [...]}, "timeout": 60}
        wait until every fan has every change expected for its label (or the timeout), then report,
        per label, the latencies and frame sizes of those changes, delivery, duplicates and order
    {"cmd": "reset"}   forget what was received so far
    {"cmd": "close"}   drop every connection and exit
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import re
import socket
import sys
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script

from bench.fans import (
    AT_PATTERN,
    CONNECT_ATTEMPTS,
    HANDSHAKE_TIMEOUT,
    IP_BIND_ADDRESS_NO_PORT,
    Fan,
    raise_open_file_limit,
)

# A change names its match before its seq (live/messages.py); other messages are counted, not timed.
CHANGE_OPENING = b'{"type":"change",'
CHANGE_HEAD = re.compile(rb'\{"type":"change","match_id":(\d+),"seq":(\d+)')


def read_change(data, start: int, end: int, now: float) -> tuple[int, int, float | None] | None:
    """(match_id, seq, latency in ms) of the change in data[start:end], or None for any other message."""
    head = CHANGE_HEAD.match(data, start, end)
    if head is None:
        if bytes(data[start : start + len(CHANGE_OPENING)]) != CHANGE_OPENING:
            return None
        message = json.loads(bytes(data[start:end]))  # a layout other than the usual: read it in full
        match_id, seq, at = message.get("match_id"), message.get("seq"), message.get("at")
        if match_id is None or seq is None:
            return None
        latency = (now - datetime.fromisoformat(at).timestamp()) * 1000.0 if isinstance(at, str) else None
        return match_id, seq, latency
    found = AT_PATTERN.search(data, head.end(), end)
    latency = (now - datetime.fromisoformat(found.group(1).decode()).timestamp()) * 1000.0 if found else None
    return int(head.group(1)), int(head.group(2)), latency


class Night:
    def __init__(self, config: dict):
        self.config = config
        self.fans: list[NightFan] = []
        self.other_messages = 0
        self.arrived = asyncio.Event()


class NightFan(Fan):
    """A fan of one socket of the night: what it receives is kept as (match_id, seq, latency, bytes)."""

    __slots__ = ("label", "received")

    def __init__(self, night: Night, request: bytes, label: str):
        super().__init__(night, request)
        self.label = label
        self.received: list[tuple[int, int, float | None, int]] = []

    def frame(self, opcode: int, data, start: int, end: int, now: float) -> None:
        if opcode != 1:
            super().frame(opcode, data, start, end, now)
            return
        change = read_change(data, start, end, now)
        if change is None:
            self.generator.other_messages += 1
            return
        match_id, seq, latency = change
        self.received.append((match_id, seq, latency, end - start))
        self.generator.arrived.set()


async def open_fan(night: Night, path: str, label: str, index: int) -> NightFan:
    config = night.config
    loop = asyncio.get_running_loop()
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {config['host']}:{config['port']}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"Origin: {config['origin']}\r\n"
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
        f"User-Agent: Python/{sys.version_info.major}.{sys.version_info.minor} (bench night fan {index})\r\n\r\n"
    ).encode()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        sock.setsockopt(socket.SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1)
        sock.bind((config["source"], 0))
        await asyncio.wait_for(loop.sock_connect(sock, (config["host"], config["port"])), HANDSHAKE_TIMEOUT)
        fan = NightFan(night, request, label)
        await loop.create_connection(lambda: fan, sock=sock)
    except BaseException:
        sock.close()
        raise
    try:
        await asyncio.wait_for(asyncio.shield(fan.opened), HANDSHAKE_TIMEOUT)
    except BaseException:
        fan.abort()
        raise
    return fan


async def connect_all(night: Night) -> dict:
    gate = asyncio.Semaphore(night.config.get("concurrency", 24))
    failures: list[str] = []

    async def one(path: str, label: str, index: int) -> None:
        async with gate:
            for attempt in range(CONNECT_ATTEMPTS):
                try:
                    night.fans.append(await open_fan(night, path, label, index))
                    return
                except (OSError, TimeoutError, ConnectionError) as error:
                    if attempt == CONNECT_ATTEMPTS - 1:
                        failures.append(f"{type(error).__name__}: {error}")
                        return
                    await asyncio.sleep(0.2 * (attempt + 1))

    # Interleaved, as fans of a night arrive: not all of one match's first.
    plan = [(t["path"], t["label"]) for t in night.config["targets"] for _ in range(t["count"])]
    order = sorted(range(len(plan)), key=lambda i: (i * 7919) % len(plan))
    started = time.monotonic()
    await asyncio.gather(*(one(*plan[i], i) for i in order))
    return {
        "connected": len(night.fans),
        "failed": len(failures),
        "errors": sorted(set(failures))[:5],
        "seconds": round(time.monotonic() - started, 3),
    }


def delivery(fans: list[NightFan], expect: dict[str, set[tuple[int, int]]]) -> dict:
    """Per label: what was expected and delivered, duplicates, order, and each expected change's
    latencies and sizes as received."""
    report: dict[str, dict] = {}
    for fan in fans:
        expected = expect.get(fan.label, set())
        entry = report.setdefault(
            fan.label,
            {
                "fans": 0,
                "expected": 0,
                "delivered": 0,
                "duplicates": 0,
                "out_of_order": 0,
                "closed_fans": 0,
                "changes": defaultdict(lambda: {"latencies_ms": [], "bytes": []}),
            },
        )
        entry["fans"] += 1
        entry["expected"] += len(expected)
        entry["closed_fans"] += fan.closed
        seen: set[tuple[int, int]] = set()
        last_seq: dict[int, int] = {}
        for match_id, seq, latency, size in fan.received:
            key = (match_id, seq)
            if key in seen:
                entry["duplicates"] += 1
                continue
            seen.add(key)
            if seq < last_seq.get(match_id, -1):
                entry["out_of_order"] += 1
            last_seq[match_id] = seq
            if key in expected:
                change = entry["changes"][f"{match_id}:{seq}"]
                if latency is not None:
                    change["latencies_ms"].append(round(latency, 2))
                change["bytes"].append(size)
        entry["delivered"] += len(seen & expected)
    for entry in report.values():
        entry["changes"] = dict(entry["changes"])
    return report


async def report(night: Night, expect: dict[str, list], timeout: float) -> dict:
    wanted = {label: {tuple(key) for key in keys} for label, keys in expect.items()}
    deadline = time.monotonic() + timeout

    def complete() -> bool:
        return all(wanted.get(fan.label, set()) <= {(m, s) for m, s, _l, _b in fan.received} for fan in night.fans)

    while not complete() and time.monotonic() < deadline:
        night.arrived.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(night.arrived.wait(), min(0.5, max(0.0, deadline - time.monotonic())))
    await asyncio.sleep(0.3)  # a last look for duplicates
    return {"labels": delivery(night.fans, wanted), "other_messages": night.other_messages}


async def main() -> None:
    config = json.loads(sys.argv[1])
    # The fans stand for browsers on other machines: they yield the CPU to the server under test.
    os.nice(config.get("nice", 10))
    raise_open_file_limit()
    night = Night(config)
    print(json.dumps(await connect_all(night)), flush=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 24)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            command = json.loads(line)
            if command["cmd"] == "report":
                answer = await report(night, command["expect"], command.get("timeout", 60.0))
            elif command["cmd"] == "reset":
                night.other_messages = 0
                for fan in night.fans:
                    fan.received = []
                answer = {"reset": True}
            elif command["cmd"] == "close":
                break
            else:
                answer = {"error": f"unknown command {command['cmd']!r}"}
            sys.stdout.write(json.dumps(answer) + "\n")
            sys.stdout.flush()
    finally:
        for fan in night.fans:
            fan.abort()
        await asyncio.sleep(0.1)


if __name__ == "__main__":
    asyncio.run(main())
