"""A newsroom's receiver for the webhook tests: a real HTTP server on the loopback interface, in a thread, that
checks each request's signature with the verification example of docs/webhooks.md and answers as told."""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs" / "webhooks.md"


def documented_example() -> str:
    """The verification example of docs/webhooks.md, as a receiver would copy it."""
    text = DOCS.read_text(encoding="utf-8")
    return next(block for block in re.findall(r"```python\n(.*?)```", text, re.S) if "def verify(" in block)


def documented_verify():
    """The `verify` function docs/webhooks.md gives receivers, run as they would copy it."""
    namespace: dict = {}
    exec(compile(documented_example(), str(DOCS), "exec"), namespace)
    return namespace["verify"]


@dataclass
class Request:
    at: float
    delivery: int
    seq: int
    match: str | None
    signature: str
    body: bytes
    verified: bool
    answer: int

    @property
    def payload(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers 200 unless `answer(delivery id, how many times it came before)` says otherwise (it may also take
    its time: the request stays open meanwhile)."""

    secret: str = ""
    answer: object = None
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self):
        self.verify = documented_verify()
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                signature = self.headers.get("X-Matchcentre-Signature", "")
                delivery = int(self.headers.get("X-Matchcentre-Delivery", 0))
                with receiver._lock:
                    before = sum(1 for request in receiver.requests if request.delivery == delivery)
                verified = bool(receiver.secret) and receiver.verify(receiver.secret, body, signature)
                status = receiver.answer(delivery, before) if receiver.answer else 200
                with receiver._lock:
                    receiver.requests.append(Request(
                        time.monotonic(), delivery, int(self.headers.get("X-Matchcentre-Seq", -1)),
                        self.headers.get("X-Matchcentre-Match"), signature, body, verified, status,
                    ))
                    receiver._arrived.notify_all()
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the sender is gone (a worker killed while this request was held)

            def log_message(self, format, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="webhook receiver", daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/matchcentre"

    def acknowledged(self) -> Counter:
        """How many times each delivery id was answered with a 2xx."""
        with self._lock:
            return Counter(request.delivery for request in self.requests if 200 <= request.answer < 300)

    def wait_for(self, condition, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        with self._arrived:
            while not condition(list(self.requests)):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"receiver: {what} not within {timeout:.0f} s; got {self.summary()}")
                self._arrived.wait(min(left, 0.2))

    def summary(self) -> list[tuple[int, int, int]]:
        return [(request.delivery, request.seq, request.answer) for request in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
