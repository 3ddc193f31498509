"""This process's live delivery, as the health check reports it: the channel layer, the server, the frames."""

from __future__ import annotations

import asyncio
import sys
import weakref

from .publish import channel_layer

LAYER_TIMEOUT_SECONDS = 2.0
PROBE_TYPE = "health.probe"


class _Probe:
    """One channel per process (and event loop) to send probes to itself: never a subscription per check."""

    def __init__(self, layer):
        self.layer = layer
        self.channel: str | None = None
        self.count = 0
        self.lock = asyncio.Lock()


_probes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Probe] = weakref.WeakKeyDictionary()


async def layer_round_trip() -> bool:
    """Send a message to this process's own channel through the layer (Redis) and get it back in time."""
    layer = channel_layer()
    loop = asyncio.get_running_loop()
    probe = _probes.get(loop)
    if probe is None or probe.layer is not layer:
        probe = _probes[loop] = _Probe(layer)
    async with probe.lock:
        try:
            if probe.channel is None:
                probe.channel = await layer.new_channel("health.")
            probe.count += 1
            await layer.send(probe.channel, {"type": PROBE_TYPE, "n": probe.count})
            async with asyncio.timeout(LAYER_TIMEOUT_SECONDS):
                while (await layer.receive(probe.channel)).get("n") != probe.count:
                    pass  # the answer to an earlier probe, come late
            return True
        except Exception:  # TimeoutError included: a cancelled receive drops its channel
            probe.channel = None
            return False


def server_status() -> dict:
    """Which server runs this process, how its frames went out and how its connections were parsed (proof
    that the fast paths are in use)."""
    daphne = sys.modules.get("live.daphne")
    if daphne is None or not daphne.Server.running:
        return {"server": None, "frames": None, "handshakes": None}
    return {
        "server": "live.daphne.Server",
        "frames": daphne.frame_writes.as_dict(),
        "handshakes": daphne.handshakes.as_dict(),
    }
