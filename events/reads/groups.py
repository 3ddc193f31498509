"""Competitions and groups: a group as it stands (its teams, matches and table), and one matchday's
matches side by side with the table they make together."""

from __future__ import annotations

from django.db.models import Prefetch

from ..models import Competition, Group, Match, MatchEvent
from ..pitch import event_time
from .matches import matches_queryset
from .shapes import EVENT_RELATED, event_dict, match_summary, review_in_progress, team_dict
from .stats import STATISTIC_KINDS
from .tables import group_table, table_positions_before

LATEST_EVENTS_PER_MATCH = 5


def competitions_with_groups():
    return Competition.objects.prefetch_related(Prefetch("groups", queryset=Group.objects.order_by("name")))


def get_group(group_id: int) -> Group:
    return Group.objects.select_related("competition", "stage").get(pk=group_id)


def group_detail(group: Group) -> dict:
    matches = list(matches_queryset().filter(group=group).order_by("kickoff", "id"))
    teams = {}
    for match in matches:
        teams.setdefault(match.home_id, team_dict(match.home))
        teams.setdefault(match.away_id, team_dict(match.away))
    return {
        "id": group.id,
        "name": group.name,
        "competition": {"id": group.competition_id, "name": str(group.competition)},
        "teams": list(teams.values()),
        "matches": [match_summary(match) for match in matches],
        "table": group_table(group),
    }


def matchday_detail(group_id: int, matchday: int) -> dict:
    """Every match of one matchday side by side, and the table they make together."""
    group = get_group(group_id)
    matches = list(matches_queryset().filter(group=group, matchday=matchday).order_by("kickoff", "id"))
    if not matches:
        raise Match.DoesNotExist(f"No matchday {matchday} in {group}")
    # The latest events are what happened: counted statistics (corners, fouls...) would crowd out the goals.
    events = MatchEvent.objects.filter(match__in=matches).exclude(kind__in=STATISTIC_KINDS).select_related(
        *EVENT_RELATED
    )
    by_match: dict[int, list[MatchEvent]] = {}
    for event in sorted(events, key=event_time):
        by_match.setdefault(event.match_id, []).append(event)
    table = group_table(group)
    before = table_positions_before(group, matchday)
    for row in table["rows"]:
        row["position_before"] = before.get(row["team"]["id"])
    matchdays = sorted(set(group.matches.exclude(matchday=None).values_list("matchday", flat=True)))
    return {
        "group": {"id": group.id, "name": group.name, "competition": str(group.competition)},
        "matchday": matchday,
        "matchdays": matchdays,
        "matches": [
            {
                **match_summary(match),
                "var": review_in_progress(
                    [e for e in by_match.get(match.id, []) if e.state == MatchEvent.State.ACTIVE]
                ),
                "latest_events": [event_dict(e) for e in by_match.get(match.id, [])[-LATEST_EVENTS_PER_MATCH:]],
            }
            for match in matches
        ],
        "table": table,
    }
