import asyncio
import json

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache

from live.protocol import group_feed, match_feed


@pytest.fixture(autouse=True)
def in_memory_channel_layer(settings):
    """Unit tests use the in-memory layer; the Redis path has its own multi-process tests."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit counters live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


class LayerListener:
    """A channel joined to a match's (or group's) feed, to read what fans would get."""

    def __init__(self, group_name: str):
        self.layer = get_channel_layer()
        self.channel = async_to_sync(self.layer.new_channel)()
        async_to_sync(self.layer.group_add)(group_name, self.channel)

    def messages(self) -> list[dict]:
        return async_to_sync(self._drain)()

    async def _drain(self) -> list[dict]:
        received = []
        while True:
            try:
                message = await asyncio.wait_for(self.layer.receive(self.channel), timeout=0.05)
            except TimeoutError:
                return received
            received.append(json.loads(message["text"]))


@pytest.fixture
def listen_to_match():
    return lambda match: LayerListener(match_feed(match.id))


@pytest.fixture
def listen_to_group():
    return lambda group: LayerListener(group_feed(group.id))
