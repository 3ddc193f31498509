"""HTML pages: thin, each renders a snapshot (live/messages.py) or dicts from events/reads/; live updates come
over websockets."""

import datetime
import functools
import re
import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone as django_timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from live import messages as live_messages
from live import protocol

from . import caching, services
from .forms import EventCorrectionForm, RemovalForm, VarDecisionForm
from .models import Competition, EventKind, Group, Match, MatchEvent
from .reads import bracket, groups, history, matches, shapes, tables, thirds

# The reader's time zone, an IANA name, as static/js/index.js stores it; the site's zone without it.
TIME_ZONE_COOKIE = "tz"
# Days with matches the home page's date strip offers on each side of the day shown.
STRIP_DAYS = 3


@functools.cache
def known_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def reader_zone(request) -> zoneinfo.ZoneInfo:
    name = request.COOKIES.get(TIME_ZONE_COOKIE, "")
    return zoneinfo.ZoneInfo(name if name in known_time_zones() else django_timezone.get_default_timezone_name())


def day_shown(request) -> tuple | None:
    """What the home page shows: (zone, today, day), or None for a `date` it cannot read."""
    zone = reader_zone(request)
    today = django_timezone.localdate(timezone=zone)
    requested = request.GET.get("date")
    if requested is None:
        return zone, today, matches.default_day(zone, today)
    try:
        return zone, today, datetime.date.fromisoformat(requested)
    except ValueError:
        return None


def my_teams(request):
    """The teams this browser (or this signed-in user) follows: the list lives in the browser, or in the
    account, so the page is a shell that static/js/follow.js fills from /api/teams."""
    return render(request, "events/my_teams.html")


# Not cached: which matches a day lists moves with kick-off times (a postponement) as well as with changes,
# and the page is the reader's own (their time zone); its socket keeps it live.
@never_cache
def index(request):
    """One day's matches in the reader's zone, by competition, with a strip of the days around it."""
    shown = day_shown(request)
    if shown is None:
        return HttpResponseBadRequest("date: expected a day as YYYY-MM-DD, e.g. ?date=2019-11-27")
    zone, today, day = shown
    start, end = matches.day_bounds(day, zone)
    summaries = [shapes.match_summary(m) for m in matches.matches_kicking_off(start, end)]
    before, after = matches.days_with_matches(zone, day, STRIP_DAYS)
    context = {
        "day": day,
        "today": today,
        "zone": zone.key,
        "competitions": matches.by_competition(summaries),
        "strip": [*reversed(before), day, *after],
        "previous_day": before[0] if before else None,
        "next_day": after[0] if after else None,
        "socket_path": protocol.day_socket_path(start, end),
        "page_state": {
            "date": day.isoformat(),
            "zone": zone.key,
            "start": start.isoformat(),
            "end": end.isoformat(),
            # Every match of the days the socket follows, not only the reader's day: the socket resumes
            # from these seqs, and a day it can resume must name every match of it.
            "matches": matches.day_match_states(*protocol.day_socket_bounds(start, end)),
        },
    }
    return render(request, "events/index.html", context)


@caching.cached_page(lambda request, match_id: caching.match_state(match_id), clock=True)
def match_page(request, match_id: int):
    try:
        snapshot = live_messages.match_snapshot(match_id)
    except Match.DoesNotExist:
        raise Http404("No such match") from None
    return render(request, "events/match.html", {"snapshot": snapshot, "match": snapshot["match"]})


@caching.cached_page(lambda request, group_id: caching.group_state(group_id), clock=True)
def group_page(request, group_id: int):
    try:
        snapshot = live_messages.group_snapshot(group_id)
    except Group.DoesNotExist:
        raise Http404("No such group") from None
    group = groups.get_group(group_id)
    context = {
        "snapshot": snapshot,
        "group": snapshot,
        "scenarios": tables.group_scenarios(group),
        "settlements": tables.settlement_history(group),
    }
    return render(request, "events/group.html", context)


@caching.cached_page(lambda request, group_id, matchday: caching.group_state(group_id), clock=True)
def matchday_page(request, group_id: int, matchday: int):
    try:
        snapshot = live_messages.matchday_snapshot(group_id, matchday)
    except (Group.DoesNotExist, Match.DoesNotExist):
        raise Http404("No such matchday") from None
    scenarios = tables.group_scenarios(groups.get_group(group_id))
    return render(request, "events/matchday.html", {"snapshot": snapshot, "matchday": snapshot, "scenarios": scenarios})


@caching.cached_page(lambda request, competition_id: caching.competition_state(competition_id), clock=True)
def bracket_page(request, competition_id: int):
    """The knockout rounds and where the league phase leads, kept live over the bracket socket."""
    try:
        state = live_messages.bracket_state(competition_id)
    except Competition.DoesNotExist:
        raise Http404("No such competition") from None
    page_state = {"seqs": state["seqs"], "versions": state["versions"], "server_time": state["server_time"]}
    return render(request, "events/bracket.html", {"bracket": state["bracket"], "page_state": page_state})


@caching.cached_page(lambda request, competition_id: caching.competition_state(competition_id), clock=True)
def tournament_page(request, competition_id: int):
    """A tournament's home: its groups, the third-placed teams and the bracket, live over the bracket socket."""
    try:
        state, group_tables, stage = live_messages.bracket_reading(competition_id)
    except Competition.DoesNotExist:
        raise Http404("No such competition") from None
    page_state = {key: state[key] for key in ("seqs", "versions", "tables", "server_time")}
    context = {
        "bracket": state["bracket"],
        "competition": state["competition"],
        "group_tables": group_tables,
        # Tables that do not lead into the bracket are not on its socket: those groups are links to their pages.
        "groups": [] if group_tables else bracket.competition_groups(competition_id),
        # A format that ranks its thirds with no path by match number (1986-1994) shows the ranking alone.
        "thirds_without_path": None if state["bracket"]["group_stage"] or stage is None else {
            "third_placed": thirds.third_placed_table(next(iter(stage.groups.values())).competition, stage)},
        "matches_day": bracket.matches_day(competition_id),
        "page_state": page_state,
    }
    return render(request, "events/tournament.html", context)


@never_cache  # signed-in pages: no cache keeps them
@login_required
@permission_required("events.add_matchevent", raise_exception=True)
def editor_index(request):
    lists = matches.live_and_upcoming()
    context = {name: [shapes.match_summary(m) for m in listed] for name, listed in lists.items()}
    return render(request, "editor/index.html", context)


@never_cache  # signed-in pages: no cache keeps them
@login_required
@permission_required("events.add_matchevent", raise_exception=True)
def editor_console(request, match_id: int):
    try:
        snapshot = live_messages.match_snapshot(match_id)
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
            "kick_outcomes": [c for c in MatchEvent.KickOutcome.choices if c[0]],
            "var_categories": [c for c in MatchEvent.VarCategory.choices if c[0]],
            "decision_reasons": [c for c in MatchEvent.DecisionReason.choices if c[0]],
        },
    )


@never_cache  # signed-in pages: no cache keeps them
@login_required
@permission_required("events.correct_match", raise_exception=True)
def corrections(request, match_id: int):
    """Admins correct any event of a match, or a VAR decision, and restore removed events, always with a reason.
    The page stays live over the editor socket (static/js/console/corrections.js)."""
    get_object_or_404(matches.matches_queryset(), pk=match_id)
    listed = [
        e
        for e in matches.match_events(match_id)
        if e.kind not in (EventKind.PERIOD_START, EventKind.PERIOD_END, EventKind.ADDED_TIME)
    ]
    events = [e for e in listed if e.state != MatchEvent.State.REMOVED]
    removed = [e for e in listed if e.state == MatchEvent.State.REMOVED]
    posted = None
    if request.method == "POST":
        event = get_object_or_404(MatchEvent, pk=posted_event_id(request), match_id=match_id)
        form, apply = correction_for(request, event)
        if form.is_valid():
            try:
                apply(form)
            except services.ServiceError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("Correction saved and sent to every open page."))
                return redirect("editor-corrections", match_id=match_id)
        posted = (event.id, request.POST.get("action"), form)
    rows = []
    for event in events:
        row = {
            "event": shapes.event_dict(event),
            "form": correction_for(request, event, bound=False)[0],
            "removal": RemovalForm(prefix=f"r{event.id}"),
        }
        if posted and posted[0] == event.id:
            row["removal" if posted[1] == "remove" else "form"] = posted[2]
        rows.append(row)
    removed_rows = []
    for event in removed:
        restore = posted[2] if posted and posted[0] == event.id else RemovalForm(prefix=f"x{event.id}")
        removed_rows.append({"event": shapes.event_dict(event), "restore": restore})
    snapshot = live_messages.match_snapshot(match_id)
    return render(
        request,
        "editor/corrections.html",
        {
            "match": snapshot["match"],
            "snapshot": snapshot,
            "rows": rows,
            "removed_rows": removed_rows,
            "history": history.match_history(match_id),
        },
    )


def posted_event_id(request) -> int | None:
    """The `event` the correction form names, if it is a row id as the page writes one (else None: 404).
    Not the ORM's to parse: `abc` would be a 500, and `+12` or ` 12` would find event 12."""
    value = request.POST.get("event", "")
    return int(value) if re.fullmatch(r"[1-9][0-9]*", value) else None


def correction_for(request, event: MatchEvent, bound: bool = True):
    """The form that corrects `event`, and how to apply it through the services."""
    data = request.POST if bound else None
    if bound and request.POST.get("action") == "restore":
        form = RemovalForm(data, prefix=f"x{event.id}")
        return form, lambda f: services.restore_event(
            event_id=event.id, user=request.user, reason=f.cleaned_data["reason"]
        )
    if bound and request.POST.get("action") == "remove":
        form = RemovalForm(data, prefix=f"r{event.id}")
        return form, lambda f: services.remove_event(
            event_id=event.id, user=request.user, reason=f.cleaned_data["reason"]
        )
    if event.kind == EventKind.VAR_CHECK:
        form = VarDecisionForm(data, check=event, prefix=f"e{event.id}")
        return form, lambda f: services.decide_var_check(
            check_id=event.id,
            user=request.user,
            decision=f.cleaned_data["decision"],
            decision_reason=f.cleaned_data["decision_reason"],
            player_id=f.cleaned_data["player"].id if f.cleaned_data["player"] else None,
            reason=f.cleaned_data["reason"],
        )
    form = EventCorrectionForm(data, event=event, prefix=f"e{event.id}")
    return form, lambda f: services.amend_event(
        event_id=event.id, user=request.user, changes=f.changes(), reason=f.cleaned_data["reason"]
    )
