"""What makes an event valid: periods, minutes, teams, who is on the pitch, substitutions."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext, ngettext

from .. import periods
from ..models import EventKind, Match, MatchEvent, Period, Player, Team
from ..pitch import event_time, pitch_state
from ..reads import shapes
from ..reads.stats import STATISTIC_KINDS
from ..wording import in_sentence
from .commit import active_events
from .errors import ServiceError
from .shootout import prepare_kick

MAX_ADDED_MINUTES = 30

PLAYER_EVENT_KINDS = frozenset(
    {
        EventKind.GOAL,
        EventKind.OWN_GOAL,
        EventKind.PENALTY_GOAL,
        EventKind.MISSED_PENALTY,
        EventKind.YELLOW_CARD,
        EventKind.SECOND_YELLOW,
        EventKind.RED_CARD,
        EventKind.SUBSTITUTION,
        EventKind.INJURY,
    }
)
MATCH_LEVEL_KINDS = frozenset({EventKind.PERIOD_START, EventKind.PERIOD_END, EventKind.ADDED_TIME})
TEAM_EVENT_KINDS = PLAYER_EVENT_KINDS | {EventKind.PENALTY_AWARDED} | STATISTIC_KINDS


def prepare_event(match: Match, event: MatchEvent, *, minute_given: bool, correction: bool = False) -> None:
    """Validate an event against the match as it stands and fill in what follows from it."""
    if event.kind in (EventKind.PERIOD_START, EventKind.PERIOD_END):
        _prepare_period_event(match, event, minute_given=minute_given)
        return
    if event.kind == EventKind.SHOOTOUT_KICK:
        prepare_kick(match, event)
        return
    if event.kick_outcome:
        raise ServiceError(
            gettext("A kick outcome belongs to a shootout kick."), code="invalid_field", field="kick_outcome"
        )
    if match.period == Period.PRE_MATCH:
        raise ServiceError(gettext("The match has not kicked off yet."), code="match_not_started", status=409)
    # Editing what happened is allowed after full time (to those who may); adding to it is not,
    # unless it is an admin's correction.
    if match.period == Period.FULL_TIME and event.pk is None and not correction:
        raise ServiceError(gettext("The match is over: no events after full time."), code="match_finished", status=409)
    if event.kind == EventKind.ADDED_TIME:
        _prepare_added_time(match, event)
        return
    if not minute_given:
        raise ServiceError(gettext("The minute is required."), code="required", field="minute")
    event.period = _period_of_minute(match, event.minute, event.added_minute)
    _validate_team(match, event)
    if event.kind in PLAYER_EVENT_KINDS:
        _validate_players(match, event)
    elif event.kind in STATISTIC_KINDS:
        _validate_statistic(match, event)
    elif event.player_id or event.second_player_id:
        _validate_player_in_match(match, event.player_id or event.second_player_id, event, "player")
    if event.kind == EventKind.VAR_CHECK:
        _validate_var_check(match, event)
    elif event.reviewed_event_id or event.var_outcome or event.var_category:
        raise ServiceError(
            gettext("Only a VAR check reviews an incident."), code="invalid_field", field="reviewed_event"
        )
    if event.goal_type and event.kind != EventKind.GOAL:
        raise ServiceError(gettext("A goal type belongs to a goal."), code="invalid_field", field="goal_type")
    if event.injury and event.kind != EventKind.SUBSTITUTION:
        raise ServiceError(gettext("The injury flag belongs to a substitution."), code="invalid_field", field="injury")


def _period_of_minute(match: Match, minute: int, added_minute: int | None) -> str:
    period = periods.period_of_minute(minute)
    if period is None:
        raise ServiceError(
            gettext("Minute %(minute)s is out of range (%(first)s-%(last)s).")
            % {"minute": minute, "first": periods.FIRST_MINUTE, "last": periods.LAST_MINUTE},
            code="minute_out_of_range",
            field="minute",
        )
    last = periods.end_minute(period)
    if added_minute and minute != last:
        raise ServiceError(
            gettext("Added time is counted from the last minute of the period (%(last)s+%(added)s'), not %(minute)s.")
            % {"last": last, "added": added_minute, "minute": minute},
            code="minute_out_of_range",
            field="added_minute",
        )
    if added_minute and not 0 < added_minute <= MAX_ADDED_MINUTES:
        raise ServiceError(
            gettext("Added minutes run from 1 to %(most)s.") % {"most": MAX_ADDED_MINUTES},
            code="minute_out_of_range",
            field="added_minute",
        )
    if periods.rank(period) > periods.rank(match.period):
        raise ServiceError(
            gettext("Minute %(minute)s is in the %(period)s, which has not started (the match is at %(now)s).")
            % {
                "minute": minute,
                "period": in_sentence(Period(period).label),
                "now": in_sentence(match.get_period_display()),
            },
            code="minute_out_of_range",
            field="minute",
        )
    return period


def _prepare_period_event(match: Match, event: MatchEvent, *, minute_given: bool) -> None:
    event.team_id = event.player_id = event.second_player_id = None
    if event.kind == EventKind.PERIOD_START:
        expected = periods.next_to_start(match.period)
        if expected is None:
            raise ServiceError(
                gettext("No period can start now: the match is at %(now)s.")
                % {"now": in_sentence(match.get_period_display())},
                code="invalid_period",
                field="period",
                status=409,
            )
        event.minute = periods.start_minute(expected)
        event.added_minute = None
    else:
        expected = match.period
        if not periods.is_played(expected):
            raise ServiceError(
                gettext("No period is being played: the match is at %(now)s.")
                % {"now": in_sentence(match.get_period_display())},
                code="invalid_period",
                field="period",
                status=409,
            )
        event.minute = periods.end_minute(expected)
        if not periods.is_timed(expected):
            event.added_minute = None  # The shoot-out has no added time.
        elif event.added_minute and not 0 < event.added_minute <= MAX_ADDED_MINUTES:
            raise ServiceError(
                gettext("Added minutes run from 1 to %(most)s.") % {"most": MAX_ADDED_MINUTES},
                code="minute_out_of_range",
                field="added_minute",
            )
    if event.period and event.period != expected:
        given = in_sentence(Period(event.period).label) if event.period in Period.values else event.period
        message = (
            gettext("The period to start is the %(expected)s, not the %(given)s.")
            if event.kind == EventKind.PERIOD_START
            else gettext("The period to end is the %(expected)s, not the %(given)s.")
        )
        raise ServiceError(
            message % {"expected": in_sentence(Period(expected).label), "given": given},
            code="invalid_period",
            field="period",
            status=409,
        )
    event.period = expected


def _prepare_added_time(match: Match, event: MatchEvent) -> None:
    if not periods.is_timed(match.period):
        raise ServiceError(
            gettext("Added time is announced during a half."), code="invalid_period", field="kind", status=409
        )
    if not event.added_minute or not 0 < event.added_minute <= MAX_ADDED_MINUTES:
        raise ServiceError(
            gettext("Give the minutes announced (1-%(most)s) as added_minute.") % {"most": MAX_ADDED_MINUTES},
            code="required",
            field="added_minute",
        )
    event.period = match.period
    event.minute = periods.end_minute(match.period)
    event.team_id = event.player_id = event.second_player_id = None


def _validate_team(match: Match, event: MatchEvent) -> None:
    if event.team_id is None:
        if event.kind in TEAM_EVENT_KINDS:
            raise ServiceError(gettext("The team is required."), code="required", field="team")
        return
    if event.team_id not in (match.home_id, match.away_id):
        raise ServiceError(gettext("That team is not in this match."), code="team_not_in_match", field="team")


def _validate_player_in_match(match: Match, player_id: int, event: MatchEvent, field: str) -> Player:
    """The player, in the match's lineups (or, without lineups, in one of its teams) and on the event's team's
    side. Read only when an error names them: a valid event needs no more than the lineup's rows."""
    if not lineup_known(match):
        return _team_player(match, player_id, event, field)
    team_id = next((team for team, player, _starter in shapes.lineup_rows(match) if player == player_id), None)
    if team_id is None:
        raise ServiceError(
            gettext("That player is not in this match's lineups."), code="player_not_in_match", field=field
        )
    player = SimpleLazyObject(lambda: Player.objects.get(pk=player_id))
    if event.team_id is not None and team_id != event.team_id:
        raise ServiceError(
            gettext("%(player)s plays for the other team.") % {"player": player.name},
            code="player_team_mismatch",
            field=field,
        )
    return player


def lineup_known(match: Match) -> bool:
    """Whether either side's lineup was recorded. A match known only from a results file has none: its
    events then name players of the two teams, without who was on the pitch (see _validate_without_lineup)."""
    return bool(shapes.lineup_rows(match))


def _team_player(match: Match, player_id: int, event: MatchEvent, field: str) -> Player:
    player = Player.objects.filter(pk=player_id).first()
    if player is None or player.team_id not in (match.home_id, match.away_id):
        raise ServiceError(
            gettext("That player is in neither team of this match."), code="player_not_in_match", field=field
        )
    if event.team_id is not None and player.team_id != event.team_id:
        raise ServiceError(
            gettext("%(player)s plays for the other team.") % {"player": player.name},
            code="player_team_mismatch",
            field=field,
        )
    return player


def _validate_players(match: Match, event: MatchEvent) -> None:
    if event.player_id is None:
        raise ServiceError(gettext("The player is required."), code="required", field="player")
    if not lineup_known(match):
        _validate_without_lineup(match, event)
        return
    scorer = _validate_player_in_match(match, event.player_id, event, "player")
    side = _side_at(match, event)
    at = shapes.minute_label(event.minute, event.added_minute)
    if event.player_id not in side.on_pitch:
        raise ServiceError(
            gettext("%(player)s is not on the pitch at %(minute)s.") % {"player": scorer.name, "minute": at},
            code="player_not_on_pitch",
            field="player",
        )
    if event.kind == EventKind.SECOND_YELLOW and event.player_id not in side.booked:
        raise ServiceError(
            gettext("%(player)s has no yellow card yet.") % {"player": scorer.name},
            code="no_first_yellow",
            field="player",
        )
    if event.kind == EventKind.YELLOW_CARD and event.player_id in side.booked:
        raise ServiceError(
            gettext("%(player)s is already booked: record a second yellow.") % {"player": scorer.name},
            code="already_booked",
            field="kind",
        )
    if event.second_player_id is None:
        if event.kind == EventKind.SUBSTITUTION:
            raise ServiceError(gettext("The player coming on is required."), code="required", field="second_player")
        return
    if event.kind not in (EventKind.GOAL, EventKind.SUBSTITUTION):
        raise ServiceError(
            gettext("This kind of event names no second player: %(kind)s.")
            % {"kind": in_sentence(event.get_kind_display())},
            code="invalid_field",
            field="second_player",
        )
    if event.second_player_id == event.player_id:
        raise ServiceError(
            gettext("The second player must be someone else."), code="same_player", field="second_player"
        )
    second = _validate_player_in_match(match, event.second_player_id, event, "second_player")
    if event.kind == EventKind.GOAL and event.second_player_id not in side.on_pitch:
        raise ServiceError(
            gettext("%(player)s is not on the pitch at %(minute)s.") % {"player": second.name, "minute": at},
            code="player_not_on_pitch",
            field="second_player",
        )
    if event.kind == EventKind.SUBSTITUTION:
        _validate_player_coming_on(match, event, side, second)


def _validate_without_lineup(match: Match, event: MatchEvent) -> None:
    """No lineup recorded: a player need only belong to the event's team, since who started is unknown.
    What the match's own events say still holds: nobody plays on after a sending-off or after being
    substituted, a second yellow follows a first, a player comes on once."""
    player = _team_player(match, event.player_id, event, "player")
    side = _side_from_events(match, event)
    at = shapes.minute_label(event.minute, event.added_minute)
    if event.player_id in side.sent_off or event.player_id in side.substituted_off:
        raise ServiceError(
            gettext("%(player)s is not on the pitch at %(minute)s.") % {"player": player.name, "minute": at},
            code="player_not_on_pitch",
            field="player",
        )
    if event.kind == EventKind.SECOND_YELLOW and event.player_id not in side.booked:
        raise ServiceError(
            gettext("%(player)s has no yellow card yet.") % {"player": player.name},
            code="no_first_yellow",
            field="player",
        )
    if event.kind == EventKind.YELLOW_CARD and event.player_id in side.booked:
        raise ServiceError(
            gettext("%(player)s is already booked: record a second yellow.") % {"player": player.name},
            code="already_booked",
            field="kind",
        )
    if event.second_player_id is None:
        if event.kind == EventKind.SUBSTITUTION:
            raise ServiceError(gettext("The player coming on is required."), code="required", field="second_player")
        return
    if event.kind not in (EventKind.GOAL, EventKind.SUBSTITUTION):
        raise ServiceError(
            gettext("This kind of event names no second player: %(kind)s.")
            % {"kind": in_sentence(event.get_kind_display())},
            code="invalid_field",
            field="second_player",
        )
    if event.second_player_id == event.player_id:
        raise ServiceError(
            gettext("The second player must be someone else."), code="same_player", field="second_player"
        )
    second = _team_player(match, event.second_player_id, event, "second_player")
    if event.second_player_id in side.sent_off or event.second_player_id in side.substituted_off:
        raise ServiceError(
            gettext("%(player)s is not on the pitch at %(minute)s.") % {"player": second.name, "minute": at},
            code="player_not_on_pitch",
            field="second_player",
        )
    if event.kind == EventKind.SUBSTITUTION and event.second_player_id in side.on_pitch:
        raise ServiceError(
            gettext("%(player)s is already on the pitch.") % {"player": second.name},
            code="player_already_on",
            field="second_player",
        )


def _side_from_events(match: Match, event: MatchEvent):
    """The event's team as its earlier events alone describe it (no lineup): who came on, went off, was booked."""
    earlier = [
        other for other in active_events(match).exclude(pk=event.pk) if event_time(other)[:3] <= event_time(event)[:3]
    ]
    # Every player the events name is listed as a substitute, so that pitch_state follows them.
    named = {(other.team_id, pid) for other in earlier for pid in (other.player_id, other.second_player_id) if pid}
    side = pitch_state([(team_id, pid, False) for team_id, pid in named], earlier).get(event.team_id)
    return side or pitch_state([(event.team_id, 0, False)], [])[event.team_id]


def _side_at(match: Match, event: MatchEvent):
    """The event's team as it stood at the event's minute: who was on the pitch, booked, substituted."""
    earlier = [
        other for other in active_events(match).exclude(pk=event.pk) if event_time(other)[:3] <= event_time(event)[:3]
    ]
    return pitch_state(shapes.lineup_rows(match), earlier)[event.team_id]


def _validate_statistic(match: Match, event: MatchEvent) -> None:
    """A count for a team. The player is optional (a press box often cannot tell who); when named, they were
    on the pitch for that team at the time."""
    if event.second_player_id is not None:
        raise ServiceError(
            gettext("This kind of event names no second player: %(kind)s.")
            % {"kind": in_sentence(event.get_kind_display())},
            code="invalid_field",
            field="second_player",
        )
    if event.player_id is None:
        return
    player = _validate_player_in_match(match, event.player_id, event, "player")
    if not lineup_known(match):
        side = _side_from_events(match, event)
        if event.player_id in side.sent_off or event.player_id in side.substituted_off:
            at = shapes.minute_label(event.minute, event.added_minute)
            raise ServiceError(
                gettext("%(player)s is not on the pitch at %(minute)s.") % {"player": player.name, "minute": at},
                code="player_not_on_pitch",
                field="player",
            )
        return
    if event.player_id not in _side_at(match, event).on_pitch:
        at = shapes.minute_label(event.minute, event.added_minute)
        raise ServiceError(
            gettext("%(player)s is not on the pitch at %(minute)s.") % {"player": player.name, "minute": at},
            code="player_not_on_pitch",
            field="player",
        )


def _validate_player_coming_on(match: Match, event: MatchEvent, side, player: Player) -> None:
    if event.second_player_id in side.substituted_off:
        raise ServiceError(
            gettext("%(player)s was substituted off and cannot come back on.") % {"player": player.name},
            code="player_already_off",
            field="second_player",
        )
    if event.second_player_id in side.on_pitch:
        raise ServiceError(
            gettext("%(player)s is already on the pitch.") % {"player": player.name},
            code="player_already_on",
            field="second_player",
        )
    if event.second_player_id not in side.unused_substitutes:
        raise ServiceError(
            gettext("%(player)s is not an unused substitute.") % {"player": player.name},
            code="not_a_substitute",
            field="second_player",
        )
    allowed = match.competition.max_substitutions
    if periods.is_extra_time(event.period):
        allowed += 1  # UEFA allows one more in extra time.
    made = (
        MatchEvent.objects.filter(
            match=match, team_id=event.team_id, kind=EventKind.SUBSTITUTION, state=MatchEvent.State.ACTIVE
        )
        .exclude(pk=event.pk)
        .count()
    )
    if made >= allowed:
        team = Team.objects.get(pk=event.team_id)
        raise ServiceError(
            ngettext(
                "%(team)s have made %(made)s substitution, the most this competition allows.",
                "%(team)s have made %(made)s substitutions, the most this competition allows.",
                made,
            )
            % {"team": team.name, "made": made},
            code="too_many_substitutions",
            field="kind",
        )


# Which incidents each reviewable decision may concern.
VAR_INCIDENT_KINDS = {
    MatchEvent.VarCategory.GOAL: {EventKind.GOAL, EventKind.OWN_GOAL, EventKind.PENALTY_GOAL},
    MatchEvent.VarCategory.PENALTY: {EventKind.PENALTY_AWARDED, EventKind.PENALTY_GOAL, EventKind.MISSED_PENALTY},
    MatchEvent.VarCategory.RED_CARD: {EventKind.RED_CARD, EventKind.YELLOW_CARD},
    MatchEvent.VarCategory.MISTAKEN_IDENTITY: {EventKind.YELLOW_CARD, EventKind.SECOND_YELLOW, EventKind.RED_CARD},
}


def _validate_var_check(match: Match, event: MatchEvent) -> None:
    categories = [c for c in MatchEvent.VarCategory.values if c]
    if event.var_category not in categories:
        raise ServiceError(
            gettext("A VAR check concerns one of: %(categories)s.") % {"categories": ", ".join(categories)},
            code="invalid_var_category",
            field="var_category",
        )
    if event.reviewed_event_id is not None:
        reviewed = MatchEvent.objects.filter(pk=event.reviewed_event_id, match=match).first()
        if reviewed is None:
            raise ServiceError(
                gettext("The reviewed incident is not an event of this match."),
                code="invalid_reviewed_event",
                field="reviewed_event",
            )
        allowed = VAR_INCIDENT_KINDS[event.var_category]
        if reviewed.kind not in allowed:
            category = in_sentence(MatchEvent.VarCategory(event.var_category).label)
            raise ServiceError(
                gettext("A review of a %(category)s decision cannot concern this kind of event: %(kind)s.")
                % {"category": category, "kind": in_sentence(reviewed.get_kind_display())},
                code="invalid_reviewed_event",
                field="reviewed_event",
            )
        event.team_id = event.team_id or reviewed.team_id
    elif event.var_category == MatchEvent.VarCategory.MISTAKEN_IDENTITY:
        raise ServiceError(
            gettext("A mistaken-identity review concerns a card already shown."),
            code="required",
            field="reviewed_event",
        )
    elif event.team_id is None:
        raise ServiceError(
            gettext("A review of a missed incident names the team it concerns."), code="required", field="team"
        )
    # A check starts in progress; decisions go through services.var.
    event.var_outcome = event.var_outcome or MatchEvent.VarOutcome.IN_PROGRESS


def require_editable(match: Match, user, reason: str) -> None:
    """Editors work on matches in play; a finished match is corrected by an admin, who says why."""
    if match.status != Match.Status.FINISHED:
        return
    if not can_correct(user):
        raise ServiceError(
            gettext("The match is finished; only an admin can correct it."), code="match_finished", status=403
        )
    if user is not None and not reason.strip():
        raise ServiceError(gettext("A correction to a finished match needs a reason."), code="required", field="reason")


def can_correct(user) -> bool:
    return user is None or user.has_perm("events.correct_match")


# A check with one of these outcomes has been decided: it, and what it changed, are final for editors.
DECIDED_OUTCOMES = frozenset({MatchEvent.VarOutcome.STANDS, MatchEvent.VarOutcome.OVERTURNED})


def settled_by_var(event: MatchEvent) -> bool:
    """A decided VAR check, or an event its decision changed (a goal disallowed, a card upgraded or moved)."""
    if event.kind == EventKind.VAR_CHECK:
        return event.var_outcome in DECIDED_OUTCOMES
    return MatchEvent.objects.filter(
        match_id=event.match_id,
        kind=EventKind.VAR_CHECK,
        state=MatchEvent.State.ACTIVE,
        var_outcome__in=DECIDED_OUTCOMES,
        var_consequence__event=event.pk,
    ).exists()


def require_decision_rights(event: MatchEvent, user, reason: str) -> None:
    """What a VAR decision settled is changed or removed by an admin, who says why, never by an editor."""
    if not settled_by_var(event):
        return
    if not can_correct(user):
        raise ServiceError(
            gettext("A VAR decision, and what it changed, can only be changed by an admin."),
            code="decision_final",
            status=403,
            current=shapes.event_dict(event),
        )
    if user is not None and not reason.strip():
        raise ServiceError(gettext("A correction needs a reason."), code="required", field="reason")


def check_version(event: MatchEvent, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != event.version:
        raise ServiceError(
            gettext("This event was changed by someone else (version %(version)s, you had %(yours)s).")
            % {"version": event.version, "yours": expected_version},
            code="stale_version",
            field="version",
            status=409,
            current=shapes.event_dict(event),
        )
