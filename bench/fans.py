"""A load generator: many websocket fans in one process, each timestamping what it receives.

Run by bench/run.py, one process per slice of fans, so that the clients spread over both cores and
each process stays under its open-file limit. A fan is a bare asyncio protocol (an RFC 6455 client
that only reads, and answers pings), not a full websockets client: at 10,000 fans a heavier client
would measure itself rather than the server. Like a browser it offers permessage-deflate (RFC 7692)
and inflates the compressed messages of a server that accepts it ("deflate": false: it offers nothing).

Started with one JSON argument:
    {"host": "127.0.0.1", "port": 8000, "path": "/ws/matches/9/", "count": 2500,
     "source": "127.0.0.2", "concurrency": 32, "origin": "http://127.0.0.1:8000", "deflate": true}

It connects every fan, prints one JSON line ({"connected": n, "failed": n, "seconds": s, ...}), then
obeys JSON commands on stdin, answering each with one JSON line on stdout:
    {"cmd": "report", "expect": [seq, ...], "timeout": 30}  wait until every fan has every seq
        (or the timeout), then report latencies, delivery, duplicates and order
    {"cmd": "reset"}   forget what was received so far
    {"cmd": "close"}   drop every connection and exit
Latency is the receipt time (this machine's wall clock) minus the message's own `at` timestamp.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import re
import resource
import socket
import struct
import sys
import time
import zlib
from datetime import datetime

# Linux: let connect() pick the source port per destination, so many sockets can share a source address.
IP_BIND_ADDRESS_NO_PORT = 24
HANDSHAKE_TIMEOUT = 20.0
CONNECT_ATTEMPTS = 4

# A fan's change (protocol version 2, live/messages.py) puts the top-level `at` just before `event`; anything else
# is parsed in full.
AT_PATTERN = re.compile(rb'"at":"([^"]+)","event":')
HEAD_PATTERN = re.compile(rb'\{"type":"(\w+)"(?:,"match_id":\d+)?,"seq":(\d+)')


def raise_open_file_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def parse_change(data, start: int, end: int) -> tuple[str, int | None, float | None]:
    """(type, seq, `at` as a POSIX timestamp) of the message in data[start:end], without copying it."""
    head = HEAD_PATTERN.match(data, start, end)
    if head and head.group(1) != b"change":
        return head.group(1).decode(), int(head.group(2)), None
    found = AT_PATTERN.search(data, head.end(), end) if head else None
    if found:
        return "change", int(head.group(2)), datetime.fromisoformat(found.group(1).decode()).timestamp()
    message = json.loads(bytes(data[start:end]))
    at = message.get("at")
    return (
        message.get("type", ""),
        message.get("seq"),
        datetime.fromisoformat(at).timestamp() if isinstance(at, str) else None,
    )


class Generator:
    def __init__(self, config: dict):
        self.config = config
        self.fans: list[Fan] = []
        self.latencies: list[float] = []  # milliseconds
        self.other_messages = 0
        self.arrived = asyncio.Event()


class Fan(asyncio.Protocol):
    __slots__ = ("buffer", "closed", "generator", "inflater", "opened", "request", "seqs", "transport")

    def __init__(self, generator: Generator, request: bytes):
        self.generator = generator
        self.request = request
        self.transport = None
        self.buffer = bytearray()
        self.opened: asyncio.Future | None = asyncio.get_running_loop().create_future()
        self.seqs: list[int] = []
        self.closed = False
        # Permessage-deflate, when the server accepted it: FRESH when it compresses each message on its own
        # (server_no_context_takeover), else the one decompressor its messages build on.
        self.inflater = None

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc):
        self.closed = True
        if self.opened is not None and not self.opened.done():
            self.opened.set_exception(ConnectionError(f"closed during the handshake: {exc}"))

    def data_received(self, data: bytes):
        now = time.time()
        buffer = self.buffer
        if self.opened is not None:
            buffer += data
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(buffer[:12])
            self.inflater = deflate_of(bytes(buffer[:end]))
            del buffer[: end + 4]
            if not status.startswith(b"HTTP/1.1 101"):
                self.opened.set_exception(ConnectionError(f"handshake refused: {status!r}"))
                self.opened = None
                self.transport.close()
                return
            self.opened.set_result(True)
            self.opened = None
            data = bytes(buffer)
            buffer.clear()
        # Frames are read where they lie: in `data` when it starts with a frame (the usual case), or
        # in the buffer holding the start of a frame that arrived in pieces.
        if buffer:
            buffer += data
            data = buffer
        position, size = 0, len(data)
        while size - position >= 2:
            length, header = data[position + 1] & 0x7F, 2
            if length == 126:
                if size - position < 4:
                    break
                length, header = int.from_bytes(data[position + 2 : position + 4], "big"), 4
            elif length == 127:
                if size - position < 10:
                    break
                length, header = int.from_bytes(data[position + 2 : position + 10], "big"), 10
            end = position + header + length
            if end > size:
                break
            if data[position] & 0x40 and self.inflater is not None:  # RSV1: a compressed message (RFC 7692)
                payload = self.inflate(bytes(data[position + header : end]))
                self.frame(data[position] & 0x0F, payload, 0, len(payload), now)
            else:
                self.frame(data[position] & 0x0F, data, position + header, end, now)
            position = end
        if data is buffer:
            del buffer[:position]
        elif position < size:
            buffer += data[position:]

    def inflate(self, payload: bytes) -> bytes:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS) if self.inflater is FRESH else self.inflater
        return inflater.decompress(payload + b"\x00\x00\xff\xff")

    def frame(self, opcode: int, data, start: int, end: int, now: float) -> None:
        if opcode == 1:
            kind, seq, at = parse_change(data, start, end)
            if kind == "change" and seq is not None:
                self.seqs.append(seq)
                if at is not None:
                    self.generator.latencies.append(round((now - at) * 1000.0, 2))
                self.generator.arrived.set()
            else:
                self.generator.other_messages += 1
        elif opcode == 9:  # ping: answer with a masked pong
            self.send_frame(0xA, bytes(data[start:end]))
        elif opcode == 8:
            self.closed = True
            self.transport.close()

    def send_frame(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
        self.transport.write(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)

    def abort(self) -> None:
        if self.transport is not None and not self.closed:
            sock = self.transport.get_extra_info("socket")
            with contextlib.suppress(OSError):
                # Reset rather than linger: no TIME_WAIT left behind on the load generator's ports.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.transport.abort()


DEFLATE_OFFER = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
FRESH = "a decompressor per message"


def deflate_of(response_head: bytes):
    """How to read the server's compressed messages, from its handshake response: None when it accepted no
    permessage-deflate, FRESH when each message stands alone, else a decompressor kept for the connection."""
    for line in response_head.decode("latin-1").lower().split("\r\n"):
        name, _, value = line.partition(":")
        if name.strip() == "sec-websocket-extensions" and "permessage-deflate" in value:
            return FRESH if "server_no_context_takeover" in value else zlib.decompressobj(-zlib.MAX_WBITS)
    return None


async def open_fan(generator: Generator, index: int) -> Fan:
    config = generator.config
    loop = asyncio.get_running_loop()
    key = base64.b64encode(os.urandom(16)).decode()
    host = f"{config['host']}:{config['port']}"
    # What a browser (and the websockets client) offers: the handshake costs the server what a real client's
    # does, and a server that accepts it sends compressed messages, which the fan reads as a browser would.
    offer = DEFLATE_OFFER if config.get("deflate", True) else ""
    request = (
        f"GET {config['path']} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: {config['origin']}\r\n"
        f"{offer}"
        f"User-Agent: Python/{sys.version_info.major}.{sys.version_info.minor} websockets/17.4 (bench fan {index})"
        "\r\n\r\n"
    ).encode()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        sock.setsockopt(socket.SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1)
        sock.bind((config["source"], 0))
        await asyncio.wait_for(loop.sock_connect(sock, (config["host"], config["port"])), HANDSHAKE_TIMEOUT)
        fan = Fan(generator, request)
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


async def connect_all(generator: Generator) -> dict:
    config = generator.config
    gate = asyncio.Semaphore(config.get("concurrency", 32))
    failures: list[str] = []
    retries = 0

    async def one(index: int) -> None:
        nonlocal retries
        async with gate:
            for attempt in range(CONNECT_ATTEMPTS):
                try:
                    generator.fans.append(await open_fan(generator, index))
                    return
                except (OSError, TimeoutError, ConnectionError) as error:
                    if attempt == CONNECT_ATTEMPTS - 1:
                        failures.append(f"{type(error).__name__}: {error}")
                        return
                    retries += 1
                    await asyncio.sleep(0.2 * (attempt + 1))

    started = time.monotonic()
    await asyncio.gather(*(one(index) for index in range(config["count"])))
    return {
        "connected": len(generator.fans),
        "failed": len(failures),
        "retries": retries,
        "errors": sorted(set(failures))[:5],
        "seconds": round(time.monotonic() - started, 3),
    }


async def report(generator: Generator, expect: list[int], timeout: float) -> dict:
    expected = set(expect)
    deadline = time.monotonic() + timeout

    def complete() -> bool:
        return all(expected.issubset(fan.seqs) for fan in generator.fans)

    while not complete() and time.monotonic() < deadline:
        generator.arrived.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(generator.arrived.wait(), min(0.5, max(0.0, deadline - time.monotonic())))
    await asyncio.sleep(0.3)  # a last look for duplicates
    delivered = duplicates = out_of_order = unexpected = 0
    for fan in generator.fans:
        seen = set()
        previous = None
        for seq in fan.seqs:
            if seq in seen:
                duplicates += 1
                continue
            seen.add(seq)
            if previous is not None and seq < previous:
                out_of_order += 1
            previous = seq
        delivered += len(seen & expected)
        unexpected += len(seen - expected)
    return {
        "fans": len(generator.fans),
        "expected": len(expected) * len(generator.fans),
        "delivered": delivered,
        "duplicates": duplicates,
        "out_of_order": out_of_order,
        "unexpected": unexpected,
        "closed_fans": sum(1 for fan in generator.fans if fan.closed),
        "latencies_ms": generator.latencies,
        "other_messages": generator.other_messages,
    }


async def main() -> None:
    config = json.loads(sys.argv[1])
    # The fans stand for browsers on other machines: on a shared machine they yield the CPU to the
    # server under test rather than compete with it (both servers are measured so).
    os.nice(config.get("nice", 10))
    config["open_file_limit"] = raise_open_file_limit()
    generator = Generator(config)
    result = await connect_all(generator)
    result["open_file_limit"] = config["open_file_limit"]
    print(json.dumps(result), flush=True)
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
                answer = await report(generator, command["expect"], command.get("timeout", 30.0))
            elif command["cmd"] == "reset":
                generator.latencies = []
                generator.other_messages = 0
                for fan in generator.fans:
                    fan.seqs = []
                answer = {"reset": True}
            elif command["cmd"] == "close":
                break
            else:
                answer = {"error": f"unknown command {command['cmd']!r}"}
            sys.stdout.write(json.dumps(answer) + "\n")
            sys.stdout.flush()
    finally:
        for fan in generator.fans:
            fan.abort()
        await asyncio.sleep(0.1)


if __name__ == "__main__":
    asyncio.run(main())
