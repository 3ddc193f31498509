"""The live protocol's messages: what a fan gets on connect and what every change carries.

The facts come from the reads (events/reads/); here they become messages: typed, stamped, completed
with the markup events/fragments.py renders, and serialized once, then sent as the same text to
every fan who needs it. Pages start from the same snapshots.
"""

from __future__ import annotations

import json

from django.utils import timezone

from events import fragments
from events.models import Change, Group, Match
from events.reads import changelog, groups, history, matches, tables


def server_time() -> str:
    """When a message was built, by the server's clock: clients correct their own clock with it."""
    return timezone.now().isoformat()


# --- snapshots: what a page or socket starts from ----------------------------------------------


def match_snapshot(match_id: int) -> dict:
    """Everything a fresh page or client needs, stamped with the match's current seq, and its markup."""
    detail = matches.match_detail(match_id)
    return {
        "type": "snapshot",
        **detail,
        "html": {
            "timeline": fragments.timeline_html(detail["events"], detail["match"].get("goals")),
            "table": fragments.table_html(detail["table"]) if detail["table"] else None,
            "history": fragments.history_html(detail["history"]),
            "scorers": fragments.scorers_html(detail["match"]),
        },
        "server_time": server_time(),
    }


def group_snapshot(group_id: int) -> dict:
    """A group's teams, matches and table: what a group socket sends first."""
    return {"type": "group_snapshot", **groups.group_detail(groups.get_group(group_id)), "server_time": server_time()}


def matchday_snapshot(group_id: int, matchday: int) -> dict:
    """One matchday's matches side by side and their table: what the matchday page starts from."""
    return {"type": "matchday_snapshot", **groups.matchday_detail(group_id, matchday), "server_time": server_time()}


# --- changes -----------------------------------------------------------------------------------


def change_message(change: Change) -> dict:
    """One change as the live protocol carries it, without table and markup (the API lists these)."""
    return {
        "type": "change",
        "match_id": change.match_id,
        "seq": change.seq,
        "op": change.op,
        "event": change.after if change.after is not None else change.before,
        "previous": change.before,
        "related": change.related,
        "match": change.match_state,
        "reason": change.reason,
        "history_entry": history.change_entry(change),
        "at": change.created_at.isoformat(),
    }


def change_text(change: Change, table: dict | None) -> str:
    """A change message completed with the table and the markup, serialized once."""
    message = change_message(change)
    message["table"] = table
    # Change-log rows written before the match state listed its goals carry none: no scorers to send.
    goals = (message["match"] or {}).get("goals")
    message["html"] = {
        "event": fragments.event_html(message["event"], goals) if message["event"] else None,
        "related": [fragments.event_html(event, goals) for event in message["related"]],
        "scorers": fragments.scorers_html(message["match"]) if goals is not None else None,
        "history_entry": fragments.history_entry_html(message["history_entry"]) if message["history_entry"] else None,
        "table": fragments.table_html(table) if table else None,
    }
    return json.dumps(message, separators=(",", ":"))


def build_change_text(change: Change, match: Match) -> str:
    """The change as sent live to every fan, with the group table as it now stands."""
    table = tables.group_table(match.group) if match.group_id else None
    return change_text(change, table)


def replay_texts(match_id: int, changes: list[Change]) -> list[str]:
    """Missed changes, each as its own message in seq order; the last carries the current table."""
    if not changes:
        return []
    match = Match.objects.select_related("group", "group__competition", "group__stage").get(pk=match_id)
    table = tables.group_table(match.group) if match.group_id else None
    last = len(changes) - 1
    return [change_text(change, table if index == last else None) for index, change in enumerate(changes)]


# --- what a socket sends first -----------------------------------------------------------------


def match_opening(match_id: int, since: int | None) -> list[str] | None:
    """What a match socket sends first: the changes after `since`, or else a snapshot; None: no such match.

    No query of its own to learn whether the match exists: changes_since says None for an unknown
    match, and then the snapshot does not find it.
    """
    try:
        if since is not None:
            missed = changelog.changes_since(match_id, since)
            if missed is not None:
                return replay_texts(match_id, missed)
        return [json.dumps(match_snapshot(match_id))]
    except Match.DoesNotExist:
        return None


def group_opening(group_id: int) -> list[str] | None:
    """What a group socket sends first (its snapshot), or None when there is no such group."""
    try:
        return [json.dumps(group_snapshot(group_id))]
    except Group.DoesNotExist:
        return None
