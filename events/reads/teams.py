"""Teams as a fan who follows them sees them: each with its live or next match and its last result."""

from __future__ import annotations

from django.db.models import Q

from ..models import Match, Team
from .matches import matches_queryset
from .shapes import match_summary, team_dict


def followed_teams(team_ids: list[int]) -> list[dict]:
    """Each known team of `team_ids`, in that order, with its `current` match (live, else the next to
    play) and its `last` result; unknown ids are left out (a team the browser remembers may be gone)."""
    teams = {team.id: team for team in Team.objects.filter(pk__in=team_ids)}
    shown = []
    for team_id in dict.fromkeys(team_ids):
        team = teams.get(team_id)
        if team is None:
            continue
        theirs = matches_queryset().filter(Q(home=team) | Q(away=team))
        live = theirs.filter(status=Match.Status.LIVE).order_by("kickoff", "id").first()
        upcoming = live or theirs.filter(status=Match.Status.SCHEDULED).order_by("kickoff", "id").first()
        last = theirs.filter(status=Match.Status.FINISHED).order_by("-kickoff", "-id").first()
        shown.append({
            "team": team_dict(team),
            "current": match_summary(upcoming) if upcoming else None,
            "last": match_summary(last) if last else None,
        })
    return shown
