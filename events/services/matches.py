"""Setting up a match: lineups, venue, clock speed, kick-off time; and taking a demo match back to kick-off."""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.utils.translation import gettext

from live import publish

from ..models import Change, LineupEntry, Match, MatchEvent, Period, Player
from .commit import lock_match
from .errors import ServiceError


def set_lineup(*, match_id: int, team_id: int, starting: list[int], bench: list[int]) -> None:
    """Set one side's starting XI and bench before kick-off."""
    with transaction.atomic():
        match = lock_match(match_id)
        if team_id not in (match.home_id, match.away_id):
            raise ServiceError(gettext("That team is not in this match."), code="team_not_in_match", field="team")
        if match.period != Period.PRE_MATCH:
            raise ServiceError(
                gettext("Lineups are fixed once the match has kicked off."), code="match_started", status=409,
            )
        if len(starting) != 11:
            raise ServiceError(
                gettext("A starting lineup has eleven players."), code="invalid_lineup", field="starting",
            )
        players = set(Player.objects.filter(team_id=team_id, pk__in=[*starting, *bench]).values_list("pk", flat=True))
        if len(players) != len(starting) + len(bench):
            raise ServiceError(
                gettext("Every player must belong to the team, once."), code="invalid_lineup", field="bench",
            )
        LineupEntry.objects.filter(match=match, team_id=team_id).delete()
        LineupEntry.objects.bulk_create(
            [
                LineupEntry(match=match, team_id=team_id, player_id=pid, starter=True, order=i)
                for i, pid in enumerate(starting)
            ]
            + [
                LineupEntry(match=match, team_id=team_id, player_id=pid, starter=False, order=i)
                for i, pid in enumerate(bench)
            ]
        )


def set_venue(*, match_id: int, venue: str) -> None:
    with transaction.atomic():
        match = lock_match(match_id)
        match.venue = venue
        match.save(update_fields=["venue"])


logger = logging.getLogger(__name__)


def reschedule_match(
    *, match_id: int, kickoff: datetime.datetime, venue: str | None = None, user=None, reason: str = ""
) -> Match:
    """Move a match's kick-off (and, given, its venue) before it kicks off: a postponement, a TV slot.

    The match's schedule_sequence counts up, so calendar subscribers get the same event updated rather
    than a second one; pages that show the match start again from fresh snapshots. Nothing changes, and
    nothing is sent, when the time and the venue are already these.
    """
    if kickoff.tzinfo is None:
        raise ServiceError(
            gettext("A kick-off time needs its time zone (or UTC offset)."), code="invalid", field="kickoff",
        )
    if venue is not None and len(venue) > Match._meta.get_field("venue").max_length:
        raise ServiceError(gettext("That venue name is too long."), code="invalid", field="venue")
    with transaction.atomic():
        match = lock_match(match_id)
        if match.status in (Match.Status.LIVE, Match.Status.FINISHED):
            raise ServiceError(gettext("A match that has kicked off keeps its kick-off time."), code="match_started",
                               field="kickoff", status=409)
        new_venue = match.venue if venue is None else venue
        if match.kickoff == kickoff and match.venue == new_venue:
            return match
        previous = match.kickoff
        match.kickoff, match.venue = kickoff, new_venue
        match.schedule_sequence += 1
        if match.status == Match.Status.POSTPONED:
            match.status = Match.Status.SCHEDULED  # a new date ends the postponement
        match.save(update_fields=["kickoff", "venue", "schedule_sequence", "status"])
        logger.info("Match %s moved from %s to %s (%s) by %s: %s", match.id, previous.isoformat(),
                    kickoff.isoformat(), new_venue, user, reason or "no reason given")

        def announce():
            publish.publish_rescheduled(match.id, previous, kickoff)
            publish.publish_resync([match])

        transaction.on_commit(announce)
    return match


def set_clock_speed(*, match_id: int, speed: float) -> None:
    """A replay in compressed time runs the match clock faster; live matches run at 1.0."""
    with transaction.atomic():
        match = lock_match(match_id)
        match.clock_speed = speed
        match.save(update_fields=["clock_speed"])


def reset_match(*, match_id: int) -> None:
    """Take a match back to before kick-off, its record cleared (demo replays only)."""
    with transaction.atomic():
        match = lock_match(match_id)
        Change.objects.filter(match=match).delete()
        MatchEvent.objects.filter(match=match, reviewed_event__isnull=False).delete()
        MatchEvent.objects.filter(match=match).delete()
        match.status = Match.Status.SCHEDULED
        match.period = Period.PRE_MATCH
        match.period_started_at = None
        match.announced_added_time = None
        match.home_score = match.away_score = 0
        # Extra time and a shoot-out belong to the record cleared: a replay earns them again, or not.
        match.extra_time_played = False
        match.home_extra_time_goals = match.away_extra_time_goals = 0
        match.home_penalties = match.away_penalties = None
        match.result_only = False
        match.clock_speed = 1.0
        # Keep counting up, so that a page open across the reset sees a gap and resyncs.
        match.seq += 1
        match.save()
    transaction.on_commit(lambda: publish.publish_resync([match]))
