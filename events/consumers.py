"""Websocket endpoints for fans: join the group, send a snapshot or the missed changes, forward.

Consumers hold no logic of their own: the selectors build what is sent on
connect, and live changes arrive already serialized from events/broadcast.py.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from . import broadcast, selectors
from .models import Group, Match

# Close codes (4000-4999 are ours to define; see docs/protocol.md).
CLOSE_NOT_FOUND = 4404
CLOSE_BAD_REQUEST = 4400


def parse_since(query_string: bytes) -> int | None:
    values = parse_qs(query_string.decode("latin-1")).get("since")
    if not values:
        return None
    try:
        return int(values[0])
    except ValueError:
        return -1  # Not a number: treated like an unknown seq, so the client gets a snapshot.


class ReadOnlyLiveConsumer(AsyncWebsocketConsumer):
    """Fans only listen. The one message they may send is a ping."""

    group_name: str = ""

    async def receive(self, text_data=None, bytes_data=None):
        try:
            message = json.loads(text_data) if text_data is not None else None
        except ValueError:
            message = None
        if isinstance(message, dict) and message.get("type") == "ping":
            await self.send(text_data=json.dumps({"type": "pong"}))
            return
        await self.send(
            text_data=json.dumps({"type": "error", "code": "read_only", "detail": "This socket only sends updates."})
        )

    async def forward_text(self, message):
        await self.send(text_data=message["text"])

    async def disconnect(self, code):
        if self.group_name:
            await self.channel_layer.group_discard(self.group_name, self.channel_name)


class MatchConsumer(ReadOnlyLiveConsumer):
    async def connect(self):
        match_id = self.scope["url_route"]["kwargs"]["match_id"]
        if not await database_sync_to_async(Match.objects.filter(pk=match_id).exists)():
            # Accept first: a close before the handshake is answered reaches the client
            # as a bare 403, and it could not tell "no such match" from "not allowed".
            await self.accept()
            await self.close(code=CLOSE_NOT_FOUND)
            return
        # Join before reading, so nothing committed in between is missed; the
        # client drops any change it then receives twice by its seq.
        self.group_name = broadcast.match_group(match_id)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()
        for text in await database_sync_to_async(initial_messages)(match_id, parse_since(self.scope["query_string"])):
            await self.send(text_data=text)


class GroupConsumer(ReadOnlyLiveConsumer):
    async def connect(self):
        group_id = self.scope["url_route"]["kwargs"]["group_id"]
        if not await database_sync_to_async(Group.objects.filter(pk=group_id).exists)():
            # Accept first: a close before the handshake is answered reaches the client
            # as a bare 403, and it could not tell "no such match" from "not allowed".
            await self.accept()
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.group_name = broadcast.group_group(group_id)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()
        snapshot = await database_sync_to_async(selectors.group_snapshot)(group_id)
        await self.send(text_data=json.dumps(snapshot))


def initial_messages(match_id: int, since: int | None) -> list[str]:
    """What a match socket sends first: the changes after `since`, or else a snapshot."""
    if since is not None:
        changes = selectors.changes_since(match_id, since)
        if changes is not None:
            return broadcast.replay_texts(match_id, changes)
    return [json.dumps(selectors.match_snapshot(match_id))]
