"""The only place that talks to the channel layer.

A change is serialized once, as JSON text, and the same text goes to the match's
group and to its group-stage group; consumers forward it untouched.
"""

from __future__ import annotations

import json
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from . import fragments, selectors
from .models import Match

logger = logging.getLogger(__name__)

# The message type of a change on the layer; LocalFanOut in consumers.py forwards its text to every fan.
FORWARD_TYPE = "forward.text"
# Sent to a user's group when they sign out: their editor sockets close.
SIGNED_OUT_TYPE = "user.signed_out"


def channel_layer():
    """The channel layer; publishing here and subscribing in consumers.LocalFanOut both go through it."""
    return get_channel_layer()


def match_group(match_id: int) -> str:
    return f"match.{match_id}"


def group_group(group_id: int) -> str:
    return f"group.{group_id}"


def change_text(message: dict, table: dict | None) -> str:
    """A change message completed with the table and the markup, serialized once."""
    message["table"] = table
    message["html"] = {
        "event": fragments.event_html(message["event"]) if message["event"] else None,
        "related": [fragments.event_html(event) for event in message["related"]],
        "history_entry": fragments.history_entry_html(message["history_entry"]) if message["history_entry"] else None,
        "table": fragments.table_html(table) if table else None,
    }
    return json.dumps(message, separators=(",", ":"))


def build_change_text(change, match) -> str:
    """The change as sent live to every fan, with the group table as it now stands."""
    table = selectors.group_table(match.group) if match.group_id else None
    return change_text(selectors.change_message(change), table)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def close_user_sockets(user_id: int) -> None:
    """Close the user's editor sockets in every process (they signed out)."""
    _send(user_group(user_id), {"type": SIGNED_OUT_TYPE})


def publish(match_id: int, group_id: int | None, text: str, seq: int | None = None) -> None:
    """Send a change to every open page. A failure is logged, never raised into the request.

    The database already holds the change; a page that misses it notices the
    gap in seq and catches up from the change log.
    """
    for target in [match_group(match_id)] + ([group_group(group_id)] if group_id else []):
        # match_id and seq let each process's fan-out drop a copy (see LocalFanOut._run).
        _send(target, {"type": FORWARD_TYPE, "text": text, "match_id": match_id, "seq": seq})


def _send(target: str, message: dict) -> None:
    try:
        async_to_sync(channel_layer().group_send)(target, message)
    except Exception:
        logger.exception("Broadcast to %s failed; clients will catch up from the change log", target)


def publish_resync(matches) -> None:
    """Tell open pages to fetch a fresh snapshot: the matches changed in bulk (an import, a demo reset).

    One message per match and one per group, rather than a table per change.
    """
    targets = {match_group(match.id): match.id for match in matches}
    targets |= {group_group(match.group_id): None for match in matches if match.group_id}
    for target, match_id in targets.items():
        _send(target, {"type": FORWARD_TYPE, "text": json.dumps({"type": "resync", "match_id": match_id})})


def replay_texts(match_id: int, changes: list[dict]) -> list[str]:
    """Missed changes, each as its own message in seq order; the last carries the current table."""
    if not changes:
        return []
    match = Match.objects.select_related("group", "group__competition").get(pk=match_id)
    table = selectors.group_table(match.group) if match.group_id else None
    last = len(changes) - 1
    return [change_text(message, table if index == last else None) for index, message in enumerate(changes)]
