"""A browser's push service for the tests, on the loopback interface, in a thread: it takes RFC 8030 pushes,
checks each one's VAPID authorization (RFC 8292: the JWT's ES256 signature with the public key the browser
subscribed with, its audience the endpoint's origin, its expiry) and decrypts the aes128gcm payload (RFC 8291) with
the subscriber's private key and authentication secret, as the browser does on receipt.

    service = PushService(vapid_public_key)
    browser = service.subscribe()          # a browser's subscription: endpoint, keys.p256dh, keys.auth
    ... service.arrivals                   # what each push decrypted to
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Refused(Exception):
    def __init__(self, status: int, why: str):
        super().__init__(why)
        self.status = status


@dataclass
class Subscriber:
    """A browser's side of a subscription: the key pair and secret it would keep, the endpoint it was given."""

    token: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes

    @property
    def p256dh(self) -> str:
        return b64url(self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)

    def as_json(self) -> dict:
        """What the browser's PushSubscription.toJSON() gives."""
        return {"endpoint": self.endpoint, "expirationTime": None, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


@dataclass
class Arrival:
    at: float
    token: str
    payload: dict
    headers: dict[str, str]
    claims: dict
    answer: int


@dataclass
class PushService:
    vapid_public_key: str
    # (subscriber's token, how many pushes it had before, the payload) -> the status to answer; 201 (created) unless
    # it says so. It may take its time: the request stays open meanwhile.
    answer: Callable[[str, int, dict], int] | None = None
    arrivals: list[Arrival] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)
    subscribers: dict[str, Subscriber] = field(default_factory=dict)

    def __post_init__(self):
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    status = service.receive(self.path, dict(self.headers.items()), body)
                except Refused as refusal:
                    with service._lock:
                        service.refused.append((refusal.status, str(refusal)))
                        service._arrived.notify_all()
                    status = refusal.status
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    if status == 201:
                        self.send_header("Location", f"{service.origin}/messages/{secrets.token_hex(8)}")
                    self.end_headers()
                except OSError:
                    pass  # the sender went away (a worker killed mid-send)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def subscribe(self) -> Subscriber:
        token = secrets.token_urlsafe(16)
        subscriber = Subscriber(token, f"{self.origin}/push/{token}", ec.generate_private_key(ec.SECP256R1()),
                                secrets.token_bytes(16))
        self.subscribers[token] = subscriber
        return subscriber

    # --- what a push service and the browser check ---------------------------------------------------------------

    def receive(self, path: str, headers: dict[str, str], body: bytes) -> int:
        headers = {name.lower(): value for name, value in headers.items()}
        token = path.rsplit("/", 1)[-1]
        subscriber = self.subscribers.get(token)
        if not path.startswith("/push/") or subscriber is None:
            raise Refused(404, f"no such subscription: {path}")
        claims = self.check_vapid(headers.get("authorization", ""))
        if "ttl" not in headers:
            raise Refused(400, "no TTL header (RFC 8030, 5.2)")
        if headers.get("content-encoding") != "aes128gcm":
            raise Refused(415, f"content encoding {headers.get('content-encoding')!r}, not aes128gcm")
        try:
            plain = http_ece.decrypt(body, private_key=subscriber.private_key, auth_secret=subscriber.auth_secret,
                                     version="aes128gcm")
        except Exception as error:
            raise Refused(400, f"the payload does not decrypt: {error!r}") from None
        with self._lock:
            before = sum(1 for arrival in self.arrivals if arrival.token == token)
        payload = json.loads(plain)
        status = self.answer(token, before, payload) if self.answer else 201
        with self._lock:
            self.arrivals.append(Arrival(time.monotonic(), token, payload, headers, claims, status))
            self._arrived.notify_all()
        return status

    def check_vapid(self, authorization: str) -> dict:
        scheme, _, rest = authorization.partition(" ")
        if scheme.lower() != "vapid":
            raise Refused(401, f"no vapid authorization: {authorization!r}")
        fields = dict(part.strip().split("=", 1) for part in rest.split(","))
        if fields.get("k") != self.vapid_public_key:
            raise Refused(403, "signed with another key than the subscription's applicationServerKey")
        try:
            header, claims, signature = fields["t"].split(".")
        except (KeyError, ValueError):
            raise Refused(401, "the token is not a JWT") from None
        if json.loads(b64url_decode(header)).get("alg") != "ES256":
            raise Refused(401, "the JWT is not ES256")
        raw = b64url_decode(signature)
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(self.vapid_public_key))
        try:
            public.verify(encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")),
                          f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            raise Refused(403, "the VAPID signature does not verify") from None
        decoded = json.loads(b64url_decode(claims))
        if decoded.get("aud") != self.origin:
            raise Refused(403, f"audience {decoded.get('aud')!r}, not {self.origin}")
        if not time.time() < decoded.get("exp", 0) <= time.time() + 24 * 3600:
            raise Refused(403, "expired, or valid for more than 24 hours")
        if not str(decoded.get("sub", "")).startswith(("mailto:", "https:")):
            raise Refused(403, "no contact in sub")
        return decoded

    # --- for the tests --------------------------------------------------------------------------------------------

    def wait_for(self, condition: Callable[[list[Arrival]], bool], timeout: float, what: str) -> list[Arrival]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while not condition(list(self.arrivals)):
                if self.refused:
                    raise AssertionError(f"the push service refused: {self.refused}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{what}: not within {timeout:.0f} s; got {self.summary()}")
                self._arrived.wait(left)
            return list(self.arrivals)

    def summary(self) -> list[tuple[str, str, int]]:
        return [(arrival.token[:6], arrival.payload.get("title", ""), arrival.answer) for arrival in self.arrivals]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
