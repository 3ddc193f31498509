"""The team page: a team's path through a tournament, kept live over the competition's bracket socket.

`?fragment=1` answers with the page's body alone (templates/events/_team_path.html): static/js/team.js
fetches it again when a change concerns the team's matches, its group or its next step.
"""

from django.http import Http404
from django.shortcuts import render

from live.messages import server_time

from . import caching
from .models import Competition, Team
from .reads import team_path as team_path_reads


def wants_fragment(request) -> bool:
    return request.GET.get("fragment") == "1"


def team_state(request, competition_id: int, team_id: int) -> tuple | None:
    """What the page shows changes with anything in the competition (its tables, its bracket); the fragment
    and the whole page are two bodies of one state, so they carry two ETags."""
    state = caching.competition_state(competition_id)
    if state is None:
        return None
    return (*state, "team", team_id, wants_fragment(request))


@caching.cached_page(team_state, clock=True)
def team_page(request, competition_id: int, team_id: int):
    competition = Competition.objects.filter(pk=competition_id).first()
    team = Team.objects.filter(pk=team_id).first()
    if competition is None or team is None:
        raise Http404("No such competition or team")
    try:
        path = team_path_reads.team_path(competition, team)
    except team_path_reads.NotInCompetition:
        raise Http404("This team plays no match of this competition") from None
    page_state = {
        "competition": competition.id,
        "team": team.id,
        "followed": path["followed"],
        "live": path["live"],
        "server_time": server_time(),
    }
    context = {"path": path, "page_state": page_state}
    if wants_fragment(request):
        return render(request, "events/_team_path.html", context)
    return render(request, "events/team.html", context)
