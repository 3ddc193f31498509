import asyncio
import json

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.utils import translation

from live.protocol import editor_feed, group_feed, match_feed, table_feed


@pytest.fixture(autouse=True)
def in_memory_channel_layer(settings):
    """Unit tests use the in-memory layer; the Redis path has its own multi-process tests."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@pytest.fixture(autouse=True)
def site_language():
    """LocaleMiddleware leaves a request's language active in its thread: every test starts in the site's."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit counters live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


class LayerListener:
    """A channel joined to feeds (a match's, a group's...), to read what their readers would get; `keep`, when
    given, picks the messages of interest."""

    def __init__(self, *group_names: str, keep=None):
        self.layer = get_channel_layer()
        self.channel = async_to_sync(self.layer.new_channel)()
        self.keep = keep
        for group_name in group_names:
            async_to_sync(self.layer.group_add)(group_name, self.channel)

    def messages(self) -> list[dict]:
        received = async_to_sync(self._drain)()
        return [message for message in received if self.keep is None or self.keep(message)]

    async def _drain(self) -> list[dict]:
        received = []
        while True:
            try:
                message = await asyncio.wait_for(self.layer.receive(self.channel), timeout=0.05)
            except TimeoutError:
                return received
            received.append(json.loads(message["text"]))


class GroupListener:
    """Every change of a group's matches in full (their editor feeds), and what the group's feed says
    besides changes and table updates (its resyncs)."""

    def __init__(self, group):
        self.changes = LayerListener(*(editor_feed(pk) for pk in group.matches.values_list("pk", flat=True)),
                                     keep=lambda message: message.get("type") == "change")
        self.others = LayerListener(group_feed(group.id), keep=lambda message: message.get("type") not in (
            "change", "table"))

    def messages(self) -> list[dict]:
        return self.changes.messages() + self.others.messages()


@pytest.fixture
def listen_to_match():
    """A match's changes in full (with the table's data), as the editor console's feed carries them."""
    return lambda match: LayerListener(editor_feed(match.id))


@pytest.fixture
def listen_to_group():
    return GroupListener


@pytest.fixture
def listen_to_fans():
    """A match's changes as fans get them (the match's feed: lean)."""
    return lambda match: LayerListener(match_feed(match.id))


@pytest.fixture
def listen_to_table():
    """A group table's live updates (the table's feed)."""
    return lambda group: LayerListener(table_feed(group.id))
