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
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from . import caching
from .models import GOAL_KINDS, Competition, EventKind, Match, MatchEvent
from .pitch import event_time
from .reads import matches, shapes
from .reads.stats import STATISTIC_KINDS
from .wording import in_sentence

# A competition's feed lists its latest results, newest first.
RESULTS_IN_FEED = 50

# The words of a feed are in the reader's language (LocaleMiddleware: the switcher's cookie, else the feed
# reader's Accept-Language), as the pages are; names stay as they are.
PERIOD_START_WORDS = {
    "first_half": gettext_lazy("Kick-off"),
    "second_half": gettext_lazy("Second half"),
    "extra_time_first_half": gettext_lazy("Extra time"),
    "extra_time_second_half": gettext_lazy("Extra time, second half"),
    "penalties": gettext_lazy("Penalty shoot-out"),
}
PERIOD_END_WORDS = {
    "first_half": gettext_lazy("Half-time"),
    "second_half": gettext_lazy("Full time"),
    "extra_time_first_half": gettext_lazy("Extra time, half-time"),
    "extra_time_second_half": gettext_lazy("End of extra time"),
    "penalties": gettext_lazy("Shoot-out over"),
}
KICK_WORDS = {"scored": gettext_lazy("Penalty scored"), "saved": gettext_lazy("Penalty saved"),
              "missed": gettext_lazy("Penalty missed")}
DISALLOWED_WORDS = {
    EventKind.PENALTY_AWARDED: gettext_lazy("Penalty cancelled"),
    EventKind.RED_CARD: gettext_lazy("Red card rescinded"),
}


def team_name(team) -> str:
    return (team.short_name or team.name) if team is not None else ""


def event_title(event: MatchEvent, running_score: str | None = None) -> str:
    """One event as a plain line, as the timeline reads it: "21' Goal: Mertens (Napoli)" and the score it made."""
    name = event.player.name if event.player_id else ""
    side = team_name(event.team)
    if event.kind == EventKind.PERIOD_START:
        text = str(PERIOD_START_WORDS.get(event.period) or _("%(period)s begins") % {
            "period": event.get_period_display()})
    elif event.kind == EventKind.PERIOD_END:
        text = str(PERIOD_END_WORDS.get(event.period) or _("End of %(period)s") % {
            "period": in_sentence(event.get_period_display())})
    elif event.kind == EventKind.ADDED_TIME:
        added = event.added_minute or 0
        text = ngettext("%(count)s minute added", "%(count)s minutes added", added) % {"count": added}
    elif event.kind == EventKind.SUBSTITUTION:
        players = {"team": side, "off": name or "?",
                   "on": event.second_player.name if event.second_player_id else "?"}
        text = (_("Substitution (%(team)s): %(off)s off (injured), %(on)s on") if event.injury
                else _("Substitution (%(team)s): %(off)s off, %(on)s on")) % players
    elif event.kind == EventKind.SHOOTOUT_KICK:
        text = str(KICK_WORDS.get(event.kick_outcome, KICK_WORDS["missed"])) + _who(name, side)
    elif event.kind == EventKind.VAR_CHECK:
        subject = (in_sentence(event.get_var_category_display()) if event.var_category else event.var_reason) or _(
            "incident")
        outcome = in_sentence(event.get_var_outcome_display()) if event.var_outcome else _("check in progress")
        words = {"subject": subject, "outcome": outcome, "team": side}
        text = (_("VAR check (%(team)s): %(subject)s, %(outcome)s") if side
                else _("VAR check: %(subject)s, %(outcome)s")) % words
        if event.decision_reason:
            text += f" ({event.get_decision_reason_display()})"
    else:
        text = str(event.get_kind_display()) + _who(name, side)
        if event.kind == EventKind.SECOND_YELLOW:
            text += _(", sent off")
        if event.second_player_id:
            text += _(", assist %(player)s") % {"player": event.second_player.name}
        if running_score:
            text += f" {running_score}"
    minute = pgettext("kick-off, as a minute", "KO") if event.kind == EventKind.PERIOD_START and event.minute == 0 \
        else (pgettext("the shoot-out, as a minute", "Pens") if event.kind == EventKind.SHOOTOUT_KICK else
              shapes.minute_label(event.minute, None if event.kind == EventKind.ADDED_TIME else event.added_minute))
    title = f"{minute} {text}"
    if event.state == MatchEvent.State.DISALLOWED:
        flag = _("Goal disallowed") if event.kind in GOAL_KINDS else DISALLOWED_WORDS.get(event.kind, _("Disallowed"))
        title = _("%(flag)s: %(title)s") % {"flag": flag, "title": title}
    elif event.state == MatchEvent.State.REMOVED:
        title = _("Removed: %(title)s") % {"title": title}
    elif event.state == MatchEvent.State.RETAKEN:
        title = _("%(title)s, ordered retaken") % {"title": title}
    return title


def _who(name: str, side: str) -> str:
    if name:
        return f": {name}" + (f" ({side})" if side else "")
    return f": {side}" if side else ""


def score_line(match: Match) -> str:
    """"Liverpool 1-1 Napoli", with extra time and penalties when there were any."""
    line = f"{team_name(match.home)} {match.home_score}-{match.away_score} {team_name(match.away)}"
    if match.home_penalties is not None and match.away_penalties is not None:
        shootout = {"home": match.home_penalties, "away": match.away_penalties}
        line += " (" + (_("a.e.t., %(home)s-%(away)s pens") if match.extra_time_played
                        else _("%(home)s-%(away)s pens")) % shootout + ")"
    elif match.extra_time_played:
        line += " (" + _("a.e.t.") + ")"
    return line


def where_in_competition(match: Match) -> str:
    parts = [match.group.name if match.group_id else match.round_name]
    if match.matchday:
        parts.append(_("matchday %(number)s") % {"number": match.matchday})
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
            raise Http404(_("No such match.")) from None
        events = [e for e in matches.match_events(match.id) if e.kind not in STATISTIC_KINDS]
        active = [e for e in events if e.state == MatchEvent.State.ACTIVE]
        scores = shapes.running_scores(shapes.goals_scored(match, active))
        for event in events:
            event.running_score = scores.get(event.id)
        match.feed_events = sorted(events, key=event_time, reverse=True)
        return match

    def title(self, match: Match) -> str:
        state = score_line(match) if match.status in (Match.Status.LIVE, Match.Status.FINISHED) else (
            _("%(home)s v %(away)s") % {"home": team_name(match.home), "away": team_name(match.away)})
        return _("%(match)s: timeline") % {"match": state}

    def subtitle(self, match: Match) -> str:
        where = where_in_competition(match)
        competition = f"{match.competition}{f', {where}' if where else ''}"
        return _("%(competition)s; kick-off %(kickoff)s UTC") % {
            "competition": competition, "kickoff": f"{match.kickoff:%Y-%m-%d %H:%M}"}

    def link(self, match: Match) -> str:
        return reverse("match", args=[match.id])

    def feed_url(self, match: Match) -> str:
        return reverse("match-feed", args=[match.id])

    def items(self, match: Match) -> list[MatchEvent]:
        return match.feed_events

    def item_title(self, event: MatchEvent) -> str:
        return event_title(event, event.running_score)

    def item_description(self, event: MatchEvent) -> str:
        checking = _("Checking: %(reason)s") % {"reason": event.var_reason} if (
            event.var_category and event.var_reason) else ""
        details = [event.state_reason, checking, event.commentary]
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
        return _("%(competition)s: results") % {"competition": competition}

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
            own = {EventKind.OWN_GOAL: _("(own goal)"), EventKind.PENALTY_GOAL: _("(pen.)")}.get(goal.kind)
            own = f" {own}" if own else ""
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
