"""Matches: the queries behind match pages and lists, and one match as it stands (what a snapshot holds)."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from ..models import LineupEntry, Match, MatchEvent
from ..pitch import event_time
from .history import match_history
from .shapes import EVENT_RELATED, event_dict, match_state_with_pitch, match_summary, player_dict
from .tables import group_table


def matches_queryset():
    return Match.objects.select_related("home", "away", "competition", "group", "group__stage")


def get_match(match_id: int) -> Match:
    return matches_queryset().get(pk=match_id)


def list_matches(status: str | None = None, limit: int = 200) -> list[Match]:
    queryset = matches_queryset()
    if status:
        queryset = queryset.filter(status=status)
    if status == Match.Status.FINISHED:
        queryset = queryset.order_by("-kickoff", "-id")
    return list(queryset[:limit])


def live_and_upcoming(now=None) -> dict:
    """The home page's three lists."""
    now = now or timezone.now()
    base = matches_queryset()
    return {
        "live": list(base.filter(status=Match.Status.LIVE)),
        "upcoming": list(base.filter(Q(status=Match.Status.SCHEDULED) | Q(status=Match.Status.POSTPONED))[:20]),
        "recent": list(base.filter(status=Match.Status.FINISHED).order_by("-kickoff", "-id")[:20]),
    }


def match_events(match_id: int) -> list[MatchEvent]:
    """Every event of a match, removed and disallowed ones included: fans see them struck out."""
    events = MatchEvent.objects.filter(match_id=match_id).select_related(*EVENT_RELATED)
    return sorted(events, key=event_time)


def lineups(match: Match) -> dict:
    entries = LineupEntry.objects.filter(match=match).select_related("player").order_by("-starter", "order")
    sides = {"home": {"starting": [], "bench": []}, "away": {"starting": [], "bench": []}}
    for entry in entries:
        side = "home" if entry.team_id == match.home_id else "away"
        sides[side]["starting" if entry.starter else "bench"].append(
            {**player_dict(entry.player), "position": entry.player.position}
        )
    return sides


def match_detail(match_id: int) -> dict:
    """Everything a fresh page or client needs to know of a match, stamped with its current seq."""
    match = get_match(match_id)
    events = [event_dict(event) for event in match_events(match_id)]
    table = group_table(match.group) if match.group_id else None
    history = match_history(match_id)
    return {
        "seq": match.seq,
        "match": {**match_summary(match), **match_state_with_pitch(match)},
        "events": events,
        "lineups": lineups(match),
        "table": table,
        "history": history,
    }
