"""The teams a signed-in user follows (the home page puts their matches first; the "My teams" page)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext

from ..models import FollowedTeam, Team
from .errors import ServiceError

# Enough for any fan; a bound, so that one account cannot make the list a burden.
MAX_FOLLOWED_TEAMS = 50


def followed_team_ids(user) -> list[int]:
    return list(FollowedTeam.objects.filter(user=user).values_list("team_id", flat=True))


def set_followed_teams(*, user, team_ids: list[int]) -> list[int]:
    """Replace the user's followed teams with these, in this order (the order they were followed in)."""
    wanted = list(dict.fromkeys(team_ids))
    if len(wanted) > MAX_FOLLOWED_TEAMS:
        raise ServiceError(
            gettext("Follow at most %(most)s teams.") % {"most": MAX_FOLLOWED_TEAMS}, code="too_many", field="teams",
        )
    known = set(Team.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    unknown = [team_id for team_id in wanted if team_id not in known]
    if unknown:
        raise ServiceError(
            gettext("No such team: %(teams)s.") % {"teams": ", ".join(map(str, unknown))},
            code="not_found", field="teams",
        )
    with transaction.atomic():
        FollowedTeam.objects.filter(user=user).exclude(team_id__in=wanted).delete()
        kept = set(FollowedTeam.objects.filter(user=user).values_list("team_id", flat=True))
        FollowedTeam.objects.bulk_create([FollowedTeam(user=user, team_id=team_id) for team_id in wanted
                                          if team_id not in kept])
    return followed_team_ids(user)
