"""Matches: the queries behind match pages and lists, and one match as it stands (what a snapshot holds)."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from ..models import LineupEntry, Match, MatchEvent
from ..pitch import event_time
from .history import match_history
from .shapes import EVENT_RELATED, event_dict, match_state, match_state_with_pitch, match_summary, player_dict
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


# --- one day's matches: the home page and the day feeds ------------------------------------------------


def day_bounds(day: datetime.date, zone: datetime.tzinfo) -> tuple[datetime.datetime, datetime.datetime]:
    """The instants a calendar day in `zone` starts and ends (23 or 25 hours on a clock change)."""
    start = datetime.datetime.combine(day, datetime.time(), tzinfo=zone)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), tzinfo=zone)
    return start.astimezone(datetime.UTC), end.astimezone(datetime.UTC)


def matches_kicking_off(start: datetime.datetime, end: datetime.datetime) -> list[Match]:
    """The matches kicking off in [start, end), in kick-off order."""
    return list(matches_queryset().filter(kickoff__gte=start, kickoff__lt=end).order_by("kickoff", "id"))


def day_match_states(start: datetime.datetime, end: datetime.datetime) -> list[dict]:
    """Score, status, period, clock and kick-off of each match kicking off in [start, end): one query."""
    queryset = Match.objects.filter(kickoff__gte=start, kickoff__lt=end).order_by("kickoff", "id")
    return [{**match_state(match), "kickoff": match.kickoff.isoformat()} for match in queryset]


def days_with_matches(zone: datetime.tzinfo, around: datetime.date, count: int) -> tuple[list, list]:
    """Up to `count` days with matches before `around` (nearest first) and after it, as dates in `zone`."""
    days = Match.objects.annotate(day=TruncDate("kickoff", tzinfo=zone)).values_list("day", flat=True).distinct()
    before = list(days.filter(day__lt=around).order_by("-day")[:count])
    after = list(days.filter(day__gt=around).order_by("day")[:count])
    return before, after


def has_matches_on(day: datetime.date, zone: datetime.tzinfo) -> bool:
    start, end = day_bounds(day, zone)
    return Match.objects.filter(kickoff__gte=start, kickoff__lt=end).exists()


def default_day(zone: datetime.tzinfo, today: datetime.date) -> datetime.date:
    """The day the home page opens on, in the reader's zone.

    Today when it has matches; else the day of the match in play that kicked off last (a match running
    past midnight, a replay of an old match); else the nearest day with matches, the later one on a tie
    (fans look ahead); else today, empty.
    """
    if has_matches_on(today, zone):
        return today
    playing = Match.objects.filter(status=Match.Status.LIVE).order_by("-kickoff").values_list("kickoff", flat=True)
    if playing:
        return playing[0].astimezone(zone).date()
    before, after = days_with_matches(zone, today, 1)
    if before and after:
        return after[0] if after[0] - today <= today - before[0] else before[0]
    return (after or before or [today])[0]


def by_competition(summaries: list[dict]) -> list[dict]:
    """Match summaries grouped by competition (by name), then by group (by name) or round (in kick-off order).

    [{"competition": {...}, "sections": [{"group": {...} | None, "round": str, "matches": [...]}]}]
    """
    competitions: dict[int, dict] = {}
    for summary in summaries:
        competition = competitions.setdefault(
            summary["competition"]["id"], {"competition": summary["competition"], "sections": {}}
        )
        group = summary["group"]
        key = ("group", group["id"]) if group else ("round", summary["round"])
        section = competition["sections"].setdefault(key, {"group": group, "round": summary["round"], "matches": []})
        section["matches"].append(summary)
    ordered = sorted(competitions.values(), key=lambda entry: entry["competition"]["name"])
    for entry in ordered:
        sections = list(entry["sections"].values())  # kick-off order: summaries arrive in it
        entry["sections"] = sorted(sections, key=_section_order)
    return ordered


def _section_order(section: dict) -> tuple:
    # Groups by name (A, B, …) first; rounds keep their kick-off order (sorted() is stable).
    return (section["group"] is None, section["group"]["name"] if section["group"] else "")
