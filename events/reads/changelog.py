"""The change log read back: the changes after seq N, and whether they can bring a client up to date."""

from __future__ import annotations

from ..models import Change, Match

# Past this many missed changes a fresh snapshot is cheaper than the replay.
MAX_REPLAYED_CHANGES = 500


def changes_since(match_id: int, since: int) -> list[Change] | None:
    """The changes after `since`, or None when a snapshot is needed instead.

    None for an unknown future seq (the client is from another database, or the
    match was reloaded) or when more changes were missed than are worth replaying.
    """
    current_seq = Match.objects.filter(pk=match_id).values_list("seq", flat=True).first()
    if current_seq is None or since < 0 or since > current_seq:
        return None
    if current_seq - since > MAX_REPLAYED_CHANGES:
        return None
    changes = list(changes_after(match_id, since))
    # A reset for a replay clears the log; a client from before it needs a snapshot.
    if len(changes) != current_seq - since:
        return None
    return changes


def changes_after(match_id: int, since: int, limit: int | None = None):
    changes = Change.objects.filter(match_id=match_id, seq__gt=since).order_by("seq")
    return changes[:limit] if limit else changes
