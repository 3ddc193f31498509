"""The penalty shootout: kicks are events like any other, recorded through record_event, checked
here against the order of kicks (events/knockouts.py), pushed like every change. A kick the
referee orders retaken stays on the record as `retaken`; the retake counts instead.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext

from .. import knockouts
from ..models import Change, EventKind, Match, MatchEvent, Period
from ..reads import shapes
from ..reads.ties import engine_kick, engine_shootout, kick_events
from .commit import EventResult, commit_change, lock_event
from .errors import ServiceError

SHOOTOUT_MINUTE = 120


def shootout_of(match: Match, kicks: list[MatchEvent]) -> knockouts.Shootout | None:
    """The shootout the kicks make (active and retaken, in the order taken); None before the first."""
    return engine_shootout(kicks, match.home_id, match.away_id)


def prepare_kick(match: Match, event: MatchEvent) -> None:
    """A kick is taken during the shootout, by one of the two teams, in turn, before it is over."""
    if event.pk is not None:
        # Its place in the order is what it is: a wrong kick is removed and taken again, or ordered retaken.
        raise ServiceError(gettext("A shoot-out kick is not edited or restored: remove it and record the kick "
                                   "again, or order a retake."), code="not_editable", field="kind", status=409)
    if match.period != Period.PENALTIES:
        raise ServiceError(gettext("Kicks are taken in the penalty shootout only."), code="not_in_shootout",
                           field="kind", status=409)
    if event.team_id not in (match.home_id, match.away_id):
        raise ServiceError(gettext("A kick is taken by one of the two teams."), code="invalid_team", field="team")
    if event.kick_outcome not in MatchEvent.KickOutcome.values or not event.kick_outcome:
        raise ServiceError(gettext("Say whether the kick was scored, saved or missed."), code="required",
                           field="kick_outcome")
    if event.player_id and not match.lineup.filter(player_id=event.player_id, team_id=event.team_id).exists():
        raise ServiceError(gettext("The taker is not in this team's squad for the match."), code="invalid_player",
                           field="player")
    event.period = Period.PENALTIES
    event.minute, event.added_minute = SHOOTOUT_MINUTE, None
    shootout = shootout_of(match, kick_events(match))
    if shootout is None:
        return
    try:
        shootout.with_kick(engine_kick(event))
    except ValueError as error:
        raise ServiceError(_kick_refusal(match, shootout), code="out_of_turn", field="team", status=409) from error


def _kick_refusal(match: Match, shootout: knockouts.Shootout) -> str:
    names = {match.home_id: match.home.short_name, match.away_id: match.away.short_name}
    if shootout.over:
        return gettext("The shootout is over: %(team)s won %(score)s.") % {
            "team": names[shootout.winner], "score": _score(shootout, match)}
    return gettext("It is %(team)s's kick.") % {"team": names[shootout.next_team]}


def _score(shootout: knockouts.Shootout, match: Match) -> str:
    home, away = shootout.score_of(match.home_id), shootout.score_of(match.away_id)
    return f"{max(home, away)}-{min(home, away)}"


def order_retake(*, event_id: int, reason: str, user=None) -> EventResult:
    """The referee orders the last kick taken again (a goalkeeper off the line, say): it no longer
    counts, and the same team kicks again. Logged with the reason and pushed like any change."""
    if not reason.strip():
        raise ServiceError(gettext("Say why the kick is retaken."), code="required", field="reason")
    with transaction.atomic():
        match, kick = lock_event(event_id)
        if kick.kind != EventKind.SHOOTOUT_KICK or kick.state != MatchEvent.State.ACTIVE:
            raise ServiceError(gettext("Only a kick of the shootout that counts can be retaken."), code="not_a_kick",
                               field="event", status=409)
        if match.period != Period.PENALTIES:
            raise ServiceError(gettext("The shootout is over."), code="not_in_shootout", status=409)
        latest = kick_events(match)[-1]
        if latest.pk != kick.pk:
            raise ServiceError(gettext("Only the last kick taken can be ordered retaken."), code="not_last_kick",
                               field="event", status=409)
        before = shapes.event_dict(kick)
        kick.state = MatchEvent.State.RETAKEN
        kick.state_reason = reason.strip()[:200]
        kick.version += 1
        kick.save()
        change = commit_change(match, op=Change.Op.UPDATE, event=kick, before=before, user=user,
                               reason=reason.strip())
        return EventResult(change.event, created=False, seq=change.seq)


