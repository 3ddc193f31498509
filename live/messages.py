"""The live protocol's messages: what a fan gets on connect and what every change carries.

Each is built once and serialized once, then sent as the same text to every fan who needs it.
"""

from __future__ import annotations

import json

from events import fragments, selectors
from events.models import Group, Match


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


def replay_texts(match_id: int, changes: list[dict]) -> list[str]:
    """Missed changes, each as its own message in seq order; the last carries the current table."""
    if not changes:
        return []
    match = Match.objects.select_related("group", "group__competition").get(pk=match_id)
    table = selectors.group_table(match.group) if match.group_id else None
    last = len(changes) - 1
    return [change_text(message, table if index == last else None) for index, message in enumerate(changes)]


def match_opening(match_id: int, since: int | None) -> list[str] | None:
    """What a match socket sends first: the changes after `since`, or else a snapshot; None: no such match.

    No query of its own to learn whether the match exists: changes_since says None for an unknown
    match, and then the snapshot does not find it.
    """
    try:
        if since is not None:
            changes = selectors.changes_since(match_id, since)
            if changes is not None:
                return replay_texts(match_id, changes)
        return [json.dumps(selectors.match_snapshot(match_id))]
    except Match.DoesNotExist:
        return None


def group_opening(group_id: int) -> list[str] | None:
    """What a group socket sends first (its snapshot), or None when there is no such group."""
    try:
        return [json.dumps(selectors.group_snapshot(group_id))]
    except Group.DoesNotExist:
        return None
