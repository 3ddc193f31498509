"""HTML pages: thin, each renders a selector's dict; live updates come over websockets."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import render

from . import selectors
from .models import EventKind, Group, Match, MatchEvent


def index(request):
    lists = selectors.live_and_upcoming()
    context = {name: [selectors.match_summary(m) for m in matches] for name, matches in lists.items()}
    return render(request, "events/index.html", context)


def match_page(request, match_id: int):
    try:
        snapshot = selectors.match_snapshot(match_id)
    except Match.DoesNotExist:
        raise Http404("No such match") from None
    return render(request, "events/match.html", {"snapshot": snapshot, "match": snapshot["match"]})


def group_page(request, group_id: int):
    try:
        snapshot = selectors.group_snapshot(group_id)
    except Group.DoesNotExist:
        raise Http404("No such group") from None
    return render(request, "events/group.html", {"snapshot": snapshot, "group": snapshot})


@login_required
@permission_required("events.add_matchevent", raise_exception=True)
def editor_index(request):
    lists = selectors.live_and_upcoming()
    context = {name: [selectors.match_summary(m) for m in matches] for name, matches in lists.items()}
    return render(request, "editor/index.html", context)


@login_required
@permission_required("events.add_matchevent", raise_exception=True)
def editor_console(request, match_id: int):
    try:
        snapshot = selectors.match_snapshot(match_id)
    except Match.DoesNotExist:
        raise Http404("No such match") from None
    return render(
        request,
        "editor/console.html",
        {
            "snapshot": snapshot,
            "match": snapshot["match"],
            "event_kinds": EventKind.choices,
            "goal_types": [c for c in MatchEvent.GoalType.choices if c[0]],
        },
    )
