"""Atom feeds (RFC 4287): a match's timeline and a competition's results, for feed readers and newsrooms'
tools that poll. Built with Django's syndication framework; cached by the same ETags as the pages.

A feed reader keeps the entries it has seen, so an event that is later removed or disallowed keeps its
entry, updated to say so ("Goal disallowed: offside"), rather than vanishing while a reader still shows the
goal.
"""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.db.models import Max
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from . import caching
from .models import GOAL_KINDS, Competition, EventKind, Match, MatchEvent
from .pitch import event_time
from .reads import matches, shapes
from .reads.stats import STATISTIC_KINDS

# A competition's feed lists its latest results, newest first.
RESULTS_IN_FEED = 50

PERIOD_START_WORDS = {
    "first_half": "Kick-off",
    "second_half": "Second half",
    "extra_time_first_half": "Extra time",
    "extra_time_second_half": "Extra time, second half",
    "penalties": "Penalty shoot-out",
}
PERIOD_END_WORDS = {
    "first_half": "Half-time",
    "second_half": "Full time",
    "extra_time_first_half": "Extra time, half-time",
    "extra_time_second_half": "End of extra time",
    "penalties": "Shoot-out over",
}
KICK_WORDS = {"scored": "Penalty scored", "saved": "Penalty saved", "missed": "Penalty missed"}
DISALLOWED_WORDS = {
    EventKind.PENALTY_AWARDED: "Penalty cancelled",
    EventKind.RED_CARD: "Red card rescinded",
}


def team_name(team) -> str:
    return (team.short_name or team.name) if team is not None else ""


def event_title(event: MatchEvent, running_score: str | None = None) -> str:
    """One event as a plain line, as the timeline reads it: "21' Goal: Mertens (Napoli)" and the score it made."""
    name = event.player.name if event.player_id else ""
    side = team_name(event.team)
    if event.kind == EventKind.PERIOD_START:
        text = PERIOD_START_WORDS.get(event.period, f"{event.get_period_display()} begins")
    elif event.kind == EventKind.PERIOD_END:
        text = PERIOD_END_WORDS.get(event.period, f"End of {event.get_period_display().lower()}")
    elif event.kind == EventKind.ADDED_TIME:
        added = event.added_minute or 0
        text = f"{added} minute{'' if added == 1 else 's'} added"
    elif event.kind == EventKind.SUBSTITUTION:
        off = name or "?"
        on = event.second_player.name if event.second_player_id else "?"
        text = f"Substitution ({side}): {off} off{' (injured)' if event.injury else ''}, {on} on"
    elif event.kind == EventKind.SHOOTOUT_KICK:
        text = KICK_WORDS.get(event.kick_outcome, "Penalty missed") + _who(name, side)
    elif event.kind == EventKind.VAR_CHECK:
        subject = (event.get_var_category_display().lower() if event.var_category else event.var_reason) or "incident"
        outcome = event.get_var_outcome_display().lower() if event.var_outcome else "check in progress"
        reason = f" ({event.get_decision_reason_display()})" if event.decision_reason else ""
        text = f"VAR check{f' ({side})' if side else ''}: {subject}, {outcome}{reason}"
    else:
        text = event.get_kind_display() + _who(name, side)
        if event.kind == EventKind.SECOND_YELLOW:
            text += ", sent off"
        if event.second_player_id:
            text += f", assist {event.second_player.name}"
        if running_score:
            text += f" {running_score}"
    minute = "KO" if event.kind == EventKind.PERIOD_START and event.minute == 0 else (
        "Pens" if event.kind == EventKind.SHOOTOUT_KICK else
        shapes.minute_label(event.minute, None if event.kind == EventKind.ADDED_TIME else event.added_minute))
    title = f"{minute} {text}"
    if event.state == MatchEvent.State.DISALLOWED:
        flag = "Goal disallowed" if event.kind in GOAL_KINDS else DISALLOWED_WORDS.get(event.kind, "Disallowed")
        title = f"{flag}: {title}"
    elif event.state == MatchEvent.State.REMOVED:
        title = f"Removed: {title}"
    elif event.state == MatchEvent.State.RETAKEN:
        title += ", ordered retaken"
    return title


def _who(name: str, side: str) -> str:
    if name:
        return f": {name}" + (f" ({side})" if side else "")
    return f": {side}" if side else ""


def score_line(match: Match) -> str:
    """"Liverpool 1-1 Napoli", with extra time and penalties when there were any."""
    line = f"{team_name(match.home)} {match.home_score}-{match.away_score} {team_name(match.away)}"
    if match.home_penalties is not None and match.away_penalties is not None:
        line += f" ({'a.e.t., ' if match.extra_time_played else ''}{match.home_penalties}-{match.away_penalties} pens)"
    elif match.extra_time_played:
        line += " (a.e.t.)"
    return line


def where_in_competition(match: Match) -> str:
    parts = [match.group.name if match.group_id else match.round_name]
    if match.matchday:
        parts.append(f"matchday {match.matchday}")
    return ", ".join(part for part in parts if part)


class AtomFeed(Feed):
    feed_type = Atom1Feed
    author_name = "Matchcentre"

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        # Atom's own media type (RFC 4287), not the framework's generic XML one.
        response["Content-Type"] = "application/atom+xml; charset=utf-8"
        return response


class MatchTimelineFeed(AtomFeed):
    """A match's timeline, newest first: every narrated event, corrections shown in the entry they change."""

    def get_object(self, request, match_id: int):
        try:
            match = matches.get_match(match_id)
        except Match.DoesNotExist:
            raise Http404("No such match") from None
        events = [e for e in matches.match_events(match.id) if e.kind not in STATISTIC_KINDS]
        active = [e for e in events if e.state == MatchEvent.State.ACTIVE]
        scores = shapes.running_scores(shapes.goals_scored(match, active))
        for event in events:
            event.running_score = scores.get(event.id)
        match.feed_events = sorted(events, key=event_time, reverse=True)
        return match

    def title(self, match: Match) -> str:
        state = score_line(match) if match.status in (Match.Status.LIVE, Match.Status.FINISHED) else (
            f"{team_name(match.home)} v {team_name(match.away)}")
        return f"{state}: timeline"

    def subtitle(self, match: Match) -> str:
        where = where_in_competition(match)
        return f"{match.competition}{f', {where}' if where else ''}; kick-off {match.kickoff:%Y-%m-%d %H:%M} UTC"

    def link(self, match: Match) -> str:
        return reverse("match", args=[match.id])

    def feed_url(self, match: Match) -> str:
        return reverse("match-feed", args=[match.id])

    def items(self, match: Match) -> list[MatchEvent]:
        return match.feed_events

    def item_title(self, event: MatchEvent) -> str:
        return event_title(event, event.running_score)

    def item_description(self, event: MatchEvent) -> str:
        details = [event.state_reason, f"Checking: {event.var_reason}" if event.var_category and event.var_reason
                   else "", event.commentary]
        return "\n\n".join(detail for detail in details if detail) or None  # None: no empty summary

    def item_link(self, event: MatchEvent) -> str:
        return f"{reverse('match', args=[event.match_id])}#event-{event.id}"

    def item_pubdate(self, event: MatchEvent):
        return event.created_at

    def item_updateddate(self, event: MatchEvent):
        return event.updated_at



class CompetitionResultsFeed(AtomFeed):
    """A competition's latest results, newest first, each updated when its record last changed."""

    def get_object(self, request, competition_id: int):
        competition = get_object_or_404(Competition, pk=competition_id)
        finished = (
            matches.matches_queryset()
            .filter(competition=competition, status=Match.Status.FINISHED)
            .annotate(last_change=Max("changes__created_at"))
            .order_by("-kickoff", "-id")[:RESULTS_IN_FEED]
        )
        competition.feed_results = list(finished)
        goals = MatchEvent.objects.filter(
            match__in=[m.id for m in competition.feed_results], kind__in=GOAL_KINDS,
            state=MatchEvent.State.ACTIVE,
        ).select_related("player", "team")
        by_match: dict[int, list[MatchEvent]] = {}
        for goal in sorted(goals, key=event_time):
            by_match.setdefault(goal.match_id, []).append(goal)
        for match in competition.feed_results:
            match.feed_goals = by_match.get(match.id, [])
        return competition

    def title(self, competition: Competition) -> str:
        return f"{competition}: results"

    def link(self, competition: Competition) -> str:
        return reverse("competition", args=[competition.id])

    def feed_url(self, competition: Competition) -> str:
        return reverse("competition-results-feed", args=[competition.id])

    def items(self, competition: Competition) -> list[Match]:
        return competition.feed_results

    def item_title(self, match: Match) -> str:
        return score_line(match)

    def item_description(self, match: Match) -> str:
        where = where_in_competition(match)
        lines = [", ".join(part for part in (where, match.venue) if part)]
        for goal in match.feed_goals:
            own = {EventKind.OWN_GOAL: " (own goal)", EventKind.PENALTY_GOAL: " (pen.)"}.get(goal.kind, "")
            scorer = goal.player.name if goal.player_id else team_name(goal.team)
            lines.append(f"{shapes.minute_label(goal.minute, goal.added_minute)} {scorer}{own}")
        return "\n".join(line for line in lines if line)

    def item_link(self, match: Match) -> str:
        return reverse("match", args=[match.id])

    def item_pubdate(self, match: Match):
        return match.kickoff

    def item_updateddate(self, match: Match):
        return match.last_change or match.kickoff


# The views: cached by the same state as the pages they follow, so a reader polling every minute costs a
# 304 until something changes.
match_timeline_feed = caching.cached_page(lambda request, match_id: caching.match_state(match_id))(
    MatchTimelineFeed()
)
competition_results_feed = caching.cached_page(
    lambda request, competition_id: caching.competition_state(competition_id)
)(CompetitionResultsFeed())
