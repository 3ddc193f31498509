"""The live protocol's fixed parts: feed names, message types, close codes, limits and frames.

docs/protocol.md describes them for clients; this module is what the server holds to.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

# Feeds are channel-layer groups: every process with fans of a match (or of a football group's
# table, or an editor signed in) subscribes to its feed once.


def match_feed(match_id: int) -> str:
    return f"match.{match_id}"


def group_feed(group_id: int) -> str:
    """The feed of a football group: every change to any of its matches, and its table."""
    return f"group.{group_id}"


def user_feed(user_id: int) -> str:
    """An editor's own feed: told when they sign out, so their console sockets close."""
    return f"user.{user_id}"


# Message types on the channel layer.
FORWARD_TYPE = "forward.text"  # a change's text, forwarded untouched to every fan of the feed
SIGNED_OUT_TYPE = "user.signed_out"

# Sent to fans when their process's live feed is interrupted.
INTERRUPTED = json.dumps({"type": "status", "live": "interrupted"})

# Close codes (4000-4999 are ours to define; see docs/protocol.md).
CLOSE_NOT_FOUND = 4404
CLOSE_BAD_REQUEST = 4400
CLOSE_FORBIDDEN = 4403
CLOSE_SIGNED_OUT = 4401
CLOSE_TOO_MANY = 4429
# The database did not answer: try again later (with backoff, like any failed connection).
CLOSE_UNAVAILABLE = 4503
# Past MAX_MESSAGE_BYTES. (RFC 6455's 1009 is what Daphne itself sends past its own, larger limit;
# a server application may only send 1000 or 3000-4999.)
CLOSE_TOO_BIG = 4413
# The process's live feed was interrupted and is back: reconnect with `?since=N` to catch up.
CLOSE_RESUME = 4012

# What a fan may send: a ping now and then. Anything bigger, or faster, is not a page of ours.
MAX_MESSAGE_BYTES = 1024
MESSAGES_PER_SECOND = 2.0
MESSAGE_BURST = 10


def parse_since(query_string: bytes) -> int | None:
    """The `since` a client resumes from: None when absent, -1 (unknown, so a snapshot) when not a number."""
    values = parse_qs(query_string.decode("latin-1")).get("since")
    if not values:
        return None
    try:
        return int(values[0])
    except ValueError:
        return -1


def text_frame(text: str) -> bytes:
    """An unmasked, unfragmented websocket text frame (RFC 6455, 5.2), as a server sends it."""
    payload = text.encode()
    length = len(payload)
    if length < 126:
        header = bytes((0x81, length))
    elif length < 1 << 16:
        header = bytes((0x81, 126)) + length.to_bytes(2, "big")
    else:
        header = bytes((0x81, 127)) + length.to_bytes(8, "big")
    return header + payload
