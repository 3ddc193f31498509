"""Permessage-deflate (RFC 7692) for fans: what it saves on the wire, and what it costs in CPU and memory.

    python -m bench.deflate                 # real messages from a running demo, 10,000 fans, 1,000 connections
    python -m bench.deflate --fans 20000 --connections 2000

It starts the demo's servers (harness/cluster.py, as bench/run.py does) and records what a match page's
socket really receives: the opening (the match's snapshot and its group's table), then, after a kick-off
and 20 goals posted through the API, each goal's change for fans and the table's update. Then, for those
texts:

- **Bytes.** Each text as a plain frame, and compressed as a permessage-deflate message: raw deflate, a
  sync flush, the final 00 00 ff ff removed (RFC 7692, 7.2.1). Without context takeover (each message
  compressed on its own, which the same frame bytes for every fan needs) and, for comparison, with it
  (one stream per fan, each message referring back to the ones before).
- **CPU.** Compressing a goal's change once (the frame shared by every fan) against once per fan, as a
  server that compresses in each connection does, over --fans fans; and the fan-out's own work per fan
  (a send() of the plain frame, or a look-up of the shared compressed one and its send()) over
  --connections socket pairs.
- **Memory.** What enabling the extension in autobahn keeps per connection, measured in a fresh process
  holding --connections connections' extension objects after one change sent and one ping received
  (a page pings every 25 s): with context takeover (autobahn's default), without it (autobahn still
  keeps its last compressor and decompressor), and compressed once with the decompressor dropped after
  each message (what live/daphne.py does).

Every figure is printed; nothing is written.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path
from types import SimpleNamespace

from live.deflate import SharedFrames
from live.protocol import text_frame

GOALS = 20
PING = b'{"type":"ping"}'
# The Sec-WebSocket-Extensions offer a browser makes (Chromium's; Firefox offers it without the parameter).
BROWSER_OFFER = "permessage-deflate; client_max_window_bits"


def deflate_message(payload: bytes, level: int = zlib.Z_DEFAULT_COMPRESSION) -> bytes:
    """A message compressed on its own (no context takeover), as RFC 7692, 7.2.1 frames it."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    data = compressor.compress(payload) + compressor.flush(zlib.Z_SYNC_FLUSH)
    return data[:-4]


def frame_bytes(payload_length: int) -> int:
    """A server frame's size for a payload of this length (RFC 6455, 5.2)."""
    return payload_length + (2 if payload_length < 126 else 4 if payload_length < 1 << 16 else 10)


# --- the texts -----------------------------------------------------------------------------------


def record_texts() -> dict[str, list[str]]:
    """What a match socket receives on the demo: its opening, then each goal's change and table update."""
    from bench.run import Bench
    from harness.cluster import live_cluster
    from harness.services import own_redis_server
    from live.protocol import PROTOCOL_VERSION

    with contextlib.ExitStack() as stack:
        if not os.environ.get("REDIS_URL"):
            logs = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-redis-")))
            os.environ["REDIS_URL"] = stack.enter_context(own_redis_server(logs)).url
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="matchcentre-deflate-")))
        cluster = stack.enter_context(live_cluster(work, processes=1))
        bench = Bench(
            SimpleNamespace(
                broadcasts=GOALS, interval=0.5, concurrency=24, editors_on_fan_processes=False, no_deflate=False
            ),
            cluster,
            work,
        )
        bench.reset_match()
        server = cluster.servers[0]

        async def listen() -> dict[str, list[str]]:
            from websockets.asyncio.client import connect

            texts: dict[str, list[str]] = {"opening": [], "change": [], "table": []}
            url = server.ws_url(f"/ws/matches/{bench.match_id}/?v={PROTOCOL_VERSION}")
            async with connect(url, origin=server.origin, proxy=None, compression=None) as socket:
                with contextlib.suppress(TimeoutError):
                    while True:
                        texts["opening"].append(await asyncio.wait_for(socket.recv(), 2.0))
                await asyncio.to_thread(bench.post, server, {"kind": "period_start"})
                with contextlib.suppress(TimeoutError):
                    while True:
                        await asyncio.wait_for(socket.recv(), 1.0)
                for goal in bench.goals:
                    await asyncio.to_thread(bench.post, server, goal)
                    with contextlib.suppress(TimeoutError):
                        while True:
                            text = await asyncio.wait_for(socket.recv(), 1.0)
                            kind = json.loads(text).get("type")
                            texts["change" if kind == "change" else "table"].append(text)
            return texts

        return asyncio.run(listen())


# --- bytes ---------------------------------------------------------------------------------------


def with_context_takeover(payloads: list[bytes]) -> list[int]:
    """Each message's compressed size in one stream per fan (context takeover)."""
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -zlib.MAX_WBITS)
    sizes = []
    for payload in payloads:
        sizes.append(len(compressor.compress(payload) + compressor.flush(zlib.Z_SYNC_FLUSH)) - 4)
    return sizes


def bytes_report(texts: dict[str, list[str]]) -> list[str]:
    lines = ["Bytes per message (frame bytes; deflated: payload compressed on its own, level 6, window 15):"]
    lines.append("  message                        plain   deflated  ratio   level 1  level 9  takeover")
    for kind, label in (("opening", "opening"), ("change", "goal change"), ("table", "table update")):
        payloads = [text.encode() for text in texts[kind]]
        if not payloads:
            continue
        takeover = with_context_takeover(payloads)
        for index, payload in enumerate(payloads if kind == "opening" else payloads[:1]):
            plain = frame_bytes(len(payload))
            deflated = frame_bytes(len(deflate_message(payload)))
            fast = frame_bytes(len(deflate_message(payload, 1)))
            best = frame_bytes(len(deflate_message(payload, 9)))
            name = f"{label} {index + 1}" if kind == "opening" else f"{label} (first)"
            lines.append(
                f"  {name:<28} {plain:7,} {deflated:9,} {plain / deflated:6.2f}x {fast:8,} {best:8,}"
                f" {frame_bytes(takeover[index]):8,}"
            )
        if kind != "opening":
            plain = statistics.mean(frame_bytes(len(p)) for p in payloads)
            deflated = statistics.mean(frame_bytes(len(deflate_message(p))) for p in payloads)
            chained = statistics.mean(frame_bytes(size) for size in takeover)
            lines.append(
                f"  {label + f' (mean of {len(payloads)})':<28} {plain:7,.0f} {deflated:9,.0f} "
                f"{plain / deflated:6.2f}x {'':8} {'':8} {chained:8,.0f}"
            )
    return lines


# --- CPU -----------------------------------------------------------------------------------------


def cpu_report(change: bytes, fans: int, rounds: int) -> list[str]:
    def per_call(function, repeat: int) -> float:
        started = time.process_time()
        for _ in range(repeat):
            function()
        return (time.process_time() - started) / repeat

    plain = per_call(lambda: text_frame(change.decode()), 20000)
    once = per_call(lambda: deflate_message(change), 5000)
    # A server compressing in each connection: a compressor per message (no context takeover) ...
    per_fan_fresh = per_call(lambda: deflate_message(change), 5000)
    # ... or one kept per fan (context takeover): the compression itself, without the set-up.
    kept = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -zlib.MAX_WBITS)
    per_fan_kept = per_call(lambda: kept.compress(change) + kept.flush(zlib.Z_SYNC_FLUSH), 5000)
    samples = []
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(fans):
            deflate_message(change)
        samples.append(time.process_time() - started)
    return [
        f"CPU per goal change ({len(change):,} bytes of text), process time on this machine:",
        f"  the plain frame, built once:                  {plain * 1e6:8.1f} µs",
        f"  compressed once (the frame every fan gets):   {once * 1e6:8.1f} µs",
        f"  compressed per fan, fresh compressor:         {per_fan_fresh * 1e6:8.1f} µs per fan, "
        f"{per_fan_fresh * fans * 1000:7.1f} ms for {fans:,} fans",
        f"  compressed per fan, compressor kept:          {per_fan_kept * 1e6:8.1f} µs per fan, "
        f"{per_fan_kept * fans * 1000:7.1f} ms for {fans:,} fans",
        f"  measured, {fans:,} compressions in a row ({rounds} rounds): "
        + ", ".join(f"{sample * 1000:.1f}" for sample in samples)
        + " ms",
    ]


def send_report(change: bytes, pairs: int, rounds: int) -> list[str]:
    """What the fan-out's own work per fan becomes: one send() of the plain frame, against a look-up of the
    shared compressed frame and one send() of it, over `pairs` connected sockets (the kernel's copy is most
    of a fan-out's time: docs/performance.md, "Where the time goes now")."""
    plain = text_frame(change.decode())
    sockets = [socket.socketpair() for _ in range(pairs)]
    for sender, receiver in sockets:
        sender.setblocking(False)
        receiver.setblocking(False)

    def drain() -> None:
        for _sender, receiver in sockets:
            with contextlib.suppress(BlockingIOError):
                while receiver.recv(1 << 16):
                    pass

    def plain_fan_out() -> None:
        for sender, _receiver in sockets:
            sender.send(plain)

    def deflate_fan_out() -> None:
        shared = SharedFrames()
        for sender, _receiver in sockets:
            sender.send(shared.for_frame(plain))

    results = {}
    try:
        for name, fan_out in (("plain", plain_fan_out), ("deflate", deflate_fan_out)):
            samples = []
            for _ in range(rounds * 3):
                started = time.process_time()
                fan_out()
                samples.append((time.process_time() - started) / pairs)
                drain()
            results[name] = samples
    finally:
        for sender, receiver in sockets:
            sender.close()
            receiver.close()
    deflated = len(SharedFrames().for_frame(plain))
    return [
        f"The fan-out's work per fan ({pairs:,} socket pairs, {rounds * 3} rounds; min-max):",
        f"  plain frame ({len(plain):,} bytes), one send():                  "
        f"{min(results['plain']) * 1e6:5.1f}-{max(results['plain']) * 1e6:5.1f} µs",
        f"  shared compressed frame ({deflated:,} bytes), look-up + send():  "
        f"{min(results['deflate']) * 1e6:5.1f}-{max(results['deflate']) * 1e6:5.1f} µs",
    ]


# --- memory --------------------------------------------------------------------------------------

MEMORY_MODES = {
    "plain": "no extension",
    "takeover": "autobahn, context takeover both ways (its default accept)",
    "no-takeover": "autobahn, no context takeover either way",
    "once": "compressed once per change, decompressor dropped after each message",
}


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def memory_child(mode: str, connections: int, change: bytes) -> float:
    """In a fresh process: KB per connection that `mode` keeps after one change sent and one ping received."""
    from autobahn.websocket.compress import PerMessageDeflate, PerMessageDeflateOffer, PerMessageDeflateOfferAccept
    from autobahn.websocket.protocol import WebSocketProtocol

    offer = PerMessageDeflateOffer.parse(WebSocketProtocol._parseExtensionsHeader(None, BROWSER_OFFER)[0][1])
    ping = deflate_message(PING)
    shared = deflate_message(change)
    kept = []
    before = rss_kb()
    for _ in range(connections):
        if mode == "plain":
            kept.append(None)
            continue
        if mode == "takeover":
            accept = PerMessageDeflateOfferAccept(offer)
        else:
            accept = PerMessageDeflateOfferAccept(offer, request_no_context_takeover=True, no_context_takeover=True)
        extension = PerMessageDeflate.create_from_offer_accept(True, accept)
        if mode == "once":
            assert shared
        else:
            extension.start_compress_message()
            extension.compress_message_data(change)
            extension.end_compress_message()
        extension.start_decompress_message()
        extension.decompress_message_data(ping)
        extension.end_decompress_message()
        if mode == "once":
            extension._decompressor = None
        kept.append(extension)
    return (rss_kb() - before) / connections


def memory_report(connections: int, change: bytes, runs: int) -> list[str]:
    lines = [f"Memory per connection ({connections:,} connections' extension objects in a fresh process):"]
    for mode, label in MEMORY_MODES.items():
        figures = []
        for _ in range(runs):
            result = subprocess.run(
                [sys.executable, "-m", "bench.deflate", "--memory-child", mode, "--connections", str(connections)],
                input=change,
                capture_output=True,
                check=True,
                cwd=Path(__file__).resolve().parent.parent,
            )
            figures.append(float(result.stdout))
        spread = f"{min(figures):.1f}-{max(figures):.1f}" if len(figures) > 1 else f"{figures[0]:.1f}"
        lines.append(f"  {label:<70} {spread:>12} KB")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fans", type=int, default=10000, help="fans a change goes to, for the CPU figures")
    parser.add_argument("--connections", type=int, default=1000, help="connections for the memory figures")
    parser.add_argument("--runs", type=int, default=2, help="runs of each CPU and memory measurement")
    parser.add_argument("--memory-child", choices=sorted(MEMORY_MODES), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        print(memory_child(args.memory_child, args.connections, sys.stdin.buffer.read()))
        return 0

    from bench.run import machine

    info = machine()
    print(f"{info['cpu']}, {info['cores']} cores, Python {info['python']}, zlib {zlib.ZLIB_RUNTIME_VERSION}")
    texts = record_texts()
    change = texts["change"][0].encode()
    for line in bytes_report(texts):
        print(line)
    print()
    for line in cpu_report(change, args.fans, args.runs):
        print(line)
    print()
    for line in send_report(change, min(args.connections, 4000), args.runs):
        print(line)
    print()
    for line in memory_report(args.connections, change, args.runs):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
