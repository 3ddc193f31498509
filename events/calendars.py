"""iCalendar feeds (RFC 5545) of fixtures: a team's, over every competition it plays in, and a competition's.

A fan subscribes once and their calendar keeps itself up to date. Each match is one event whose UID never
changes; its SEQUENCE is the match's schedule_sequence, which services.reschedule_match counts up when the
kick-off or venue moves, so a calendar updates the event it holds instead of adding a second one. Times are
in UTC (the reader's calendar shows them in its own zone); the venue is the event's LOCATION.
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from icalendar import Calendar, Event, vDuration

from . import caching
from .feeds import score_line, team_name, where_in_competition
from .models import Competition, Match, Team
from .reads import matches as match_reads

# How long a calendar blocks for a match: 90 minutes, half-time and added time, rounded up.
MATCH_LENGTH = datetime.timedelta(hours=2)
# With extra time and a shoot-out possible (a knockout tie's deciding match).
MATCH_LENGTH_WITH_EXTRA_TIME = datetime.timedelta(hours=2, minutes=45)
# How often subscribing calendars are asked to fetch again (RFC 7986 REFRESH-INTERVAL).
REFRESH_INTERVAL = datetime.timedelta(hours=1)
PRODUCT_ID = "-//Matchcentre//Fixtures//EN"


def summary(match: Match) -> str:
    home, away = team_name(match.home), team_name(match.away)
    if match.status == Match.Status.FINISHED:
        return score_line(match)
    teams = {"home": home, "away": away}
    if match.status == Match.Status.POSTPONED:
        return _("Postponed: %(home)s v %(away)s") % teams
    return _("%(home)s v %(away)s") % teams


def match_event(match: Match, request, uid_domain: str, stamp: datetime.datetime) -> Event:
    event = Event()
    event.add("uid", f"match-{match.id}@{uid_domain}")
    event.add("sequence", match.schedule_sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", match.kickoff.astimezone(datetime.UTC))
    length = MATCH_LENGTH_WITH_EXTRA_TIME if match.extra_time_possible else MATCH_LENGTH
    event.add("dtend", match.kickoff.astimezone(datetime.UTC) + length)
    event.add("summary", summary(match))
    if match.venue:
        event.add("location", match.venue)
    where = where_in_competition(match)
    url = request.build_absolute_uri(reverse("match", args=[match.id]))
    event.add("description", "\n".join(part for part in (str(match.competition), where, url) if part))
    event.add("url", url)
    # A postponed match has no date it will surely be played on: tentative until it is given one.
    event.add("status", "TENTATIVE" if match.status == Match.Status.POSTPONED else "CONFIRMED")
    event.add("categories", [_("Football")])
    return event


def calendar_response(request, name: str, fixtures) -> HttpResponse:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)  # the name most calendar apps read
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL))  # Outlook's name for the same
    uid_domain = request.get_host().split(":")[0] or "matchcentre"
    stamp = timezone.now().astimezone(datetime.UTC).replace(microsecond=0)
    for match in fixtures:
        calendar.add_component(match_event(match, request, uid_domain, stamp))
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="fixtures.ics"'
    return response


@require_safe
@caching.cached_page(lambda request, team_id: caching.team_matches_state(team_id))
def team_calendar(request, team_id: int):
    """Every match of a team, in every competition."""
    team = get_object_or_404(Team, pk=team_id)
    fixtures = match_reads.matches_queryset().filter(Q(home=team) | Q(away=team)).order_by("kickoff", "id")
    return calendar_response(request, _("%(team)s: fixtures") % {"team": team.name}, fixtures)


@require_safe
@caching.cached_page(lambda request, competition_id: caching.competition_state(competition_id))
def competition_calendar(request, competition_id: int):
    """Every match of a competition."""
    competition = get_object_or_404(Competition, pk=competition_id)
    fixtures = match_reads.matches_queryset().filter(competition=competition).order_by("kickoff", "id")
    if not fixtures.exists():
        raise Http404(_("This competition has no matches."))
    return calendar_response(request, _("%(competition)s: fixtures") % {"competition": competition}, fixtures)
