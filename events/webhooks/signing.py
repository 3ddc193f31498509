"""The signature a receiver checks: HMAC-SHA256 over "<timestamp>.<body>" with the webhook's secret.

The timestamp is signed with the body, so a captured request cannot be replayed later than the receiver's
tolerance; `v1=` names the scheme, so that another can be added beside it without breaking receivers.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Matchcentre-Signature"
# How old a signature a receiver should accept (seconds); docs/webhooks.md suggests the same.
TOLERANCE = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of "<timestamp>.<body>"."""
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header's value: `t=<unix seconds>,v1=<hex>`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


def verify(secret: str, body: bytes, header: str, *, tolerance: int = TOLERANCE, now: float | None = None) -> bool:
    """Whether `header` signs `body` with `secret`, no more than `tolerance` seconds from `now`."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), fields.get("v1", ""))
