"""Teams as a fan who follows them sees them: each with its live or next match and its last result."""

from __future__ import annotations

from django.db.models import Q

from ..models import Match, Team
from .matches import matches_queryset
from .shapes import match_summary, team_dict


def followed_teams(team_ids: list[int]) -> list[dict]:
    """Each known team of `team_ids`, in that order, with its `current` match (live, else the next to
    play) and its `last` result; unknown ids are left out (a team the browser remembers may be gone).

    Two queries whatever the number of teams: the teams, and their matches in kick-off order."""
    teams = {team.id: team for team in Team.objects.filter(pk__in=team_ids)}
    live, upcoming, last = {}, {}, {}
    theirs = matches_queryset().filter(Q(home_id__in=teams) | Q(away_id__in=teams)).order_by("kickoff", "id")
    for match in theirs:
        for team_id in (match.home_id, match.away_id):
            if team_id not in teams:
                continue
            if match.status == Match.Status.LIVE:
                live.setdefault(team_id, match)
            elif match.status == Match.Status.SCHEDULED:
                upcoming.setdefault(team_id, match)
            elif match.status == Match.Status.FINISHED:
                last[team_id] = match  # kick-off order: the last one seen is the latest
    shown = []
    for team_id in dict.fromkeys(team_ids):
        if team_id not in teams:
            continue
        current = live.get(team_id) or upcoming.get(team_id)
        shown.append({
            "team": team_dict(teams[team_id]),
            "current": match_summary(current) if current else None,
            "last": match_summary(last[team_id]) if team_id in last else None,
        })
    return shown
