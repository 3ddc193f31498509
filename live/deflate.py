"""Permessage-deflate (RFC 7692) as fans get it: each message compressed once, the same bytes for every fan.

A server that compresses in each connection (autobahn does, as most servers) pays one compression per fan
per change and keeps a compressor and a decompressor for each socket (about 100 KB per socket, measured by
bench/deflate.py). Here a message is compressed on its own, with no reference to the messages before it
(no context takeover, declared to the client in the handshake: RFC 7692, 7.1.1.1), so the compressed frame
is valid on every socket that negotiated the extension and is built once, whatever the number of fans.
Figures: docs/performance.md, "Permessage-deflate: compressed once per change".
"""

from __future__ import annotations

import zlib

# The largest window a compressed message may refer back over: zlib's, which every client accepts unless it
# asks for a smaller one (server_max_window_bits); such offers are declined (live/daphne.py).
WINDOW_BITS = zlib.MAX_WBITS
# Below this many bytes a message is sent as it is: compression would save nothing worth a header.
SMALLEST_COMPRESSED = 64
# How many recent messages keep their compressed frames: a change is written to a process's fans over a few
# hundred milliseconds, while other feeds' changes may come in between.
FRAMES_KEPT = 32
# What RFC 7692, 7.2.1 has a sender remove from the end of a message compressed with a sync flush.
SYNC_FLUSH_TAIL = b"\x00\x00\xff\xff"


def deflate_message(payload: bytes) -> bytes:
    """A message's payload compressed on its own, as RFC 7692 frames it (sync flush, tail removed)."""
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -WINDOW_BITS)
    data = compressor.compress(payload) + compressor.flush(zlib.Z_SYNC_FLUSH)
    return data.removesuffix(SYNC_FLUSH_TAIL)


def inflate_message(data: bytes) -> bytes:
    """A message compressed with no context takeover, restored (what a client does; used by the tests)."""
    return zlib.decompressobj(-WINDOW_BITS).decompress(data + SYNC_FLUSH_TAIL)


def frame_header(first_byte: int, length: int) -> bytes:
    """An unmasked server frame's header (RFC 6455, 5.2)."""
    if length < 126:
        return bytes((first_byte, length))
    if length < 1 << 16:
        return bytes((first_byte, 126)) + length.to_bytes(2, "big")
    return bytes((first_byte, 127)) + length.to_bytes(8, "big")


# FIN and the text opcode; with RSV1 ("Per-Message Compressed", RFC 7692, 6) for a compressed message.
TEXT = 0x81
COMPRESSED_TEXT = 0xC1


def text_frame_for(payload: bytes) -> bytes:
    """The frame a deflate socket gets for a text message: compressed, unless that would not make it smaller."""
    if len(payload) >= SMALLEST_COMPRESSED:
        compressed = deflate_message(payload)
        if len(compressed) < len(payload):
            return frame_header(COMPRESSED_TEXT, len(compressed)) + compressed
    return frame_header(TEXT, len(payload)) + payload


def payload_of(frame: bytes) -> memoryview:
    """The payload of an unmasked server frame."""
    length = frame[1] & 0x7F
    start = 2 if length < 126 else 4 if length == 126 else 10
    return memoryview(frame)[start:]


def payloads_of(frames: bytes) -> list[memoryview]:
    """The payloads of unmasked server frames written back to back (a change and its table's update)."""
    view, payloads, start = memoryview(frames), [], 0
    while start < len(view):
        length = view[start + 1] & 0x7F
        header = 2 if length < 126 else 4 if length == 126 else 10
        if length >= 126:
            length = int.from_bytes(view[start + 2 : start + header], "big")
        payloads.append(view[start + header : start + header + length])
        start += header + length
    return payloads


class SharedFrames:
    """The compressed frame of each recent message, built once and written to every fan that negotiated it.

    Looked up by the plain frame the fan-out builds once per change (`for_frame`) or by a message's payload
    (`for_payload`, what the ASGI send gives, for what fans get on connect). Both keys are bytes that keep
    their hash, and the fan-out hands every fan the very same frame object, so a lookup per fan costs a
    dictionary probe, not a compression. Counts say how often each happened.
    """

    def __init__(self, kept: int = FRAMES_KEPT) -> None:
        self.kept = kept
        self.by_frame: dict[bytes, bytes] = {}
        self.by_payload: dict[bytes, bytes] = {}
        self.compressed = 0
        self.reused = 0

    def for_frame(self, frame: bytes) -> bytes:
        """`frame` may be several frames back to back: each is compressed on its own, as each is a message."""
        found = self.by_frame.get(frame)
        if found is None:
            compressed = b"".join(text_frame_for(bytes(payload)) for payload in payloads_of(frame))
            found = self._remember(self.by_frame, frame, compressed)
        else:
            self.reused += 1
        return found

    def for_payload(self, payload: bytes) -> bytes:
        found = self.by_payload.get(payload)
        if found is None:
            found = self._remember(self.by_payload, payload, text_frame_for(payload))
        else:
            self.reused += 1
        return found

    def _remember(self, kept: dict[bytes, bytes], key: bytes, frame: bytes) -> bytes:
        self.compressed += 1
        if len(kept) >= self.kept:
            del kept[next(iter(kept))]  # the oldest: dicts keep their order
        kept[key] = frame
        return frame

    def as_dict(self) -> dict:
        return {"compressed": self.compressed, "reused": self.reused}
