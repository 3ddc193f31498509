"""The one commit path: lock the match, derive its state, bump seq, log the change, broadcast after commit."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext

from live import announcer, messages, publish

from .. import periods
from ..models import GOAL_KINDS, Change, EventKind, Match, MatchEvent, Period
from ..reads import shapes
from . import notifications, ties, webhooks
from .errors import ServiceError


@dataclass(frozen=True)
class EventResult:
    event: MatchEvent
    created: bool
    seq: int


def lock_match(match_id: int) -> Match:
    # The row lock serializes every writer of one match, so sequence numbers are
    # handed out without gaps or duplicates and no amendment is lost.
    try:
        return Match.objects.select_for_update().select_related("competition").get(pk=match_id)
    except Match.DoesNotExist:
        raise ServiceError(gettext("No such match."), code="not_found", field="match", status=404) from None


def lock_event(event_id: int) -> tuple[Match, MatchEvent]:
    match_id = MatchEvent.objects.filter(pk=event_id).values_list("match_id", flat=True).first()
    if match_id is None:
        raise ServiceError(gettext("No such event."), code="not_found", field="event", status=404)
    match = lock_match(match_id)
    event = MatchEvent.objects.select_related(*shapes.EVENT_RELATED).get(pk=event_id)
    return match, event


def active_events(match: Match):
    return MatchEvent.objects.filter(match=match, state=MatchEvent.State.ACTIVE).order_by("id")


def seq_of_creation(event: MatchEvent) -> int:
    return Change.objects.filter(event=event, op=Change.Op.ADD).values_list("seq", flat=True).first() or 0


def announce_again(match: Match, event: MatchEvent) -> int:
    """A retried submission: send the change that created `event` again, once this transaction commits.

    The first attempt may have committed without its answer (or its broadcast) getting through: the
    database lost the connection after the COMMIT. Pages that have the change drop the copy by seq.
    Returns its seq.
    """
    change = Change.objects.filter(event=event, op=Change.Op.ADD).first()
    if change is None:
        return 0
    announce_on_commit(change, match)
    return change.seq


def in_site_language(function):
    """Run `function` in the site's language, whichever the editor's request is in: the change log keeps the
    labels it shapes, and what is pushed is the same for every fan of a feed."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return function(*args, **kwargs)

    return wrapper


@in_site_language
def announce_on_commit(change: Change, match: Match) -> None:
    """Send the change to every open page once the transaction commits, and to the webhooks of its competition.

    What needs the locks is read now: the group's table, the state the change started from, and the table's
    and the bracket's updates, which compare with what the change before left (what moved found once, the
    words in each language). The change's own texts, the fans' and the editors' in every language, depend on
    nothing else: they are built after the commit, from these, outside the editor's request (live/announcer.py).
    """
    table = messages.locked_group_table(match)
    previous_state = messages.state_before(change)
    table_texts = messages.table_change_texts(table)
    table_version = table["version"] if table else None
    bracket_texts = messages.build_bracket_texts(change, match, table)
    match_id, group_id, competition_id, kickoff = match.id, match.group_id, match.competition_id, match.kickoff

    @in_site_language
    def sends() -> list[tuple[str, dict]]:
        fan_texts = messages.fan_change_texts(change, previous_state)
        return publish.change_sends(
            match_id, group_id, fan_texts.pop(settings.LANGUAGE_CODE), change.seq,
            day_text=messages.day_change_text(change, kickoff), kickoff=kickoff,
            bracket_texts=bracket_texts, competition_id=competition_id,
            editor_texts=messages.change_texts(change, table), table_texts=table_texts, table_version=table_version,
            translations=fan_texts,
        )

    transaction.on_commit(lambda: announcer.announce(sends))
    # Newsrooms' webhooks: their deliveries written now, in this transaction, and enqueued after it.
    webhooks.record_deliveries(change=change, match=match)
    # Followed teams' notifications: to open pages after the commit, and Web Push's one announcement now.
    notifications.announce(change=change, match=match)


def derive_match_state(match: Match, active: list[MatchEvent]) -> None:
    """Recompute the cached score, period, status, clock and shootout from the active events, in recorded order."""
    home = away = 0
    home_extra = away_extra = 0
    extra_time_played = False
    period = Period.PRE_MATCH
    period_started_at = None
    added_time = None
    for event in active:
        if event.kind in GOAL_KINDS:
            scored_for_home = (event.team_id == match.home_id) != (event.kind == EventKind.OWN_GOAL)
            home, away = (home + 1, away) if scored_for_home else (home, away + 1)
            if periods.is_extra_time(event.period):
                home_extra += scored_for_home
                away_extra += not scored_for_home
        elif event.kind == EventKind.PERIOD_START:
            period, period_started_at, added_time = event.period, event.created_at, None
            extra_time_played = extra_time_played or periods.is_extra_time(event.period)
        elif event.kind == EventKind.PERIOD_END:
            period = periods.break_after(
                event.period,
                level=_level_as_period_ends(match, event.period, home, away, home_extra, away_extra, extra_time_played),
                extra_time_possible=match.extra_time_possible,
            )
            period_started_at, added_time = None, None
        elif event.kind == EventKind.ADDED_TIME and event.period == period:
            added_time = event.added_minute
    match.home_score, match.away_score = home, away
    match.extra_time_played = extra_time_played
    match.home_extra_time_goals, match.away_extra_time_goals = home_extra, away_extra
    penalties = ties.derived_penalties(match, active)
    # A shoot-out known by its result only (no kick was ever recorded) stays as recorded.
    if penalties is not None or not ties.shootout_recorded_as_result(match):
        match.home_penalties, match.away_penalties = penalties or (None, None)
    match.period, match.period_started_at, match.announced_added_time = period, period_started_at, added_time
    if period == Period.FULL_TIME:
        match.status = Match.Status.FINISHED
    elif period == Period.PRE_MATCH:
        match.status = Match.Status.SCHEDULED if match.status != Match.Status.POSTPONED else match.status
    else:
        match.status = Match.Status.LIVE


def _level_as_period_ends(match, period, home, away, home_extra, away_extra, extra_time_played) -> bool:
    """Level enough for extra time (or penalties) to follow: the tie's score for a deciding leg, else the match's."""
    if match.tie_id is not None:
        tie_level = ties.tie_level_after(
            match,
            period,
            regular=(home - home_extra, away - away_extra),
            extra_time=(home_extra, away_extra) if extra_time_played else None,
        )
        if tie_level is not None:
            return tie_level
    return home == away


@in_site_language
def commit_change(
    match: Match,
    *,
    op: str,
    event: MatchEvent | None,
    before: dict | None,
    user,
    reason: str = "",
    derive: bool = True,
    announce: bool = True,
    related: list[MatchEvent] = (),
) -> Change:
    """Bump the seq, log the change, and send it to every open page once the transaction commits."""
    active = list(active_events(match))
    if derive:
        derive_match_state(match, active)
    match.seq += 1
    match.save()
    if event is not None:
        event = MatchEvent.objects.select_related(*shapes.EVENT_RELATED).get(pk=event.pk)
    related_after = [
        shapes.event_dict(other)
        for other in MatchEvent.objects.select_related(*shapes.EVENT_RELATED)
        .filter(pk__in=[other.pk for other in related])
        .order_by("id")
    ] if related else []
    change = Change.objects.create(
        match=match,
        seq=match.seq,
        op=op,
        event=event,
        user=user if getattr(user, "is_authenticated", False) else None,
        before=before,
        after=shapes.event_dict(event) if event is not None else None,
        match_state=shapes.match_state_with_pitch(match, active),
        reason=reason,
        related=related_after,
    )
    if announce:
        announce_on_commit(change, match)
    return change
