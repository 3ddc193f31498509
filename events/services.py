"""Every write to match data.

Each service runs in one transaction: lock the match row, apply the change,
bump the match's sequence number, append a change-log row, recompute the cached
score and period, and build the broadcast once. The broadcast is sent only after
commit, so fans never see a change that a rollback erases.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import broadcast, selectors
from .importer import CompetitionData
from .models import (
    GOAL_KINDS,
    PERIOD_RANK,
    ApiToken,
    Change,
    Competition,
    EventKind,
    Group,
    LineupEntry,
    Match,
    MatchEvent,
    Period,
    Player,
    Team,
)
from .pitch import event_time, pitch_state

logger = logging.getLogger(__name__)


class ServiceError(Exception):
    """A change refused, with a machine-readable code, the field at fault and an HTTP status."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        field: str | None = None,
        status: int = 400,
        current: dict | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.status = status
        self.current = current

    def to_dict(self) -> dict:
        data: dict[str, Any] = {"detail": self.message, "code": self.code, "field": self.field}
        if self.current is not None:
            data["current"] = self.current
        return data


@dataclass(frozen=True)
class EventResult:
    event: MatchEvent
    created: bool
    seq: int


# Playing periods: (first minute, last regular minute).
PLAYING_PERIODS = {
    Period.FIRST_HALF: (1, 45),
    Period.SECOND_HALF: (46, 90),
    Period.EXTRA_TIME_FIRST_HALF: (91, 105),
    Period.EXTRA_TIME_SECOND_HALF: (106, 120),
}
PERIOD_START_MINUTE = {
    Period.FIRST_HALF: 0,
    Period.SECOND_HALF: 45,
    Period.EXTRA_TIME_FIRST_HALF: 90,
    Period.EXTRA_TIME_SECOND_HALF: 105,
    Period.PENALTIES: 120,
}
# The break that follows each period's start, and the period each break leads to.
NEXT_PERIOD_TO_START = {
    Period.PRE_MATCH: Period.FIRST_HALF,
    Period.HALF_TIME: Period.SECOND_HALF,
    Period.BEFORE_EXTRA_TIME: Period.EXTRA_TIME_FIRST_HALF,
    Period.EXTRA_TIME_HALF_TIME: Period.EXTRA_TIME_SECOND_HALF,
    Period.BEFORE_PENALTIES: Period.PENALTIES,
}
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
AMENDABLE_FIELDS = frozenset(
    {
        "kind",
        "minute",
        "added_minute",
        "team",
        "player",
        "second_player",
        "goal_type",
        "injury",
        "commentary",
        "reviewed_event",
        "var_outcome",
        "var_reason",
    }
)
FOREIGN_KEY_FIELDS = {"team": "team_id", "player": "player_id", "second_player": "second_player_id",
                      "reviewed_event": "reviewed_event_id"}


# --- public services ----------------------------------------------------------------------


def record_event(
    *,
    match_id: int,
    user=None,
    kind: str,
    minute: int | None = None,
    added_minute: int | None = None,
    period: str | None = None,
    team_id: int | None = None,
    player_id: int | None = None,
    second_player_id: int | None = None,
    goal_type: str = "",
    injury: bool = False,
    reviewed_event_id: int | None = None,
    var_outcome: str = "",
    var_reason: str = "",
    commentary: str = "",
    idempotency_key: str = "",
) -> EventResult:
    """Record a new event. A repeat of an idempotency key returns the first result instead."""
    if kind not in EventKind.values:
        raise ServiceError(f"Unknown event kind '{kind}'.", code="invalid_kind", field="kind")
    try:
        with transaction.atomic():
            match = _lock_match(match_id)
            if idempotency_key:
                existing = MatchEvent.objects.filter(match=match, idempotency_key=idempotency_key).first()
                if existing is not None:
                    return EventResult(existing, created=False, seq=_seq_of_creation(existing))
            event = MatchEvent(
                match=match,
                kind=kind,
                minute=minute if minute is not None else 0,
                added_minute=added_minute or None,
                period=period or "",
                team_id=team_id,
                player_id=player_id,
                second_player_id=second_player_id,
                goal_type=goal_type or "",
                injury=injury,
                reviewed_event_id=reviewed_event_id,
                var_outcome=var_outcome or "",
                var_reason=var_reason,
                commentary=commentary,
                idempotency_key=idempotency_key,
                created_by=user if getattr(user, "is_authenticated", False) else None,
            )
            _prepare_event(match, event, minute_given=minute is not None)
            event.save()
            change = _commit_change(match, op=Change.Op.ADD, event=event, before=None, user=user)
            return EventResult(event, created=True, seq=change.seq)
    except IntegrityError:
        # A concurrent request with the same key won the race (databases that
        # cannot lock the match row, such as SQLite, get here): answer with its result.
        if not idempotency_key:
            raise
        existing = MatchEvent.objects.filter(match_id=match_id, idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return EventResult(existing, created=False, seq=_seq_of_creation(existing))


def amend_event(
    *,
    event_id: int,
    user=None,
    changes: dict[str, Any],
    expected_version: int | None = None,
    reason: str = "",
) -> EventResult:
    """Edit an event. `expected_version` is the version the editor saw; a stale one gets a 409."""
    unknown = set(changes) - AMENDABLE_FIELDS
    if unknown:
        name = sorted(unknown)[0]
        raise ServiceError(f"'{name}' cannot be changed.", code="not_amendable", field=name)
    with transaction.atomic():
        match, event = _lock_event(event_id)
        _check_version(event, expected_version)
        _require_editable(match, user)
        if event.state != MatchEvent.State.ACTIVE:
            raise ServiceError("A removed event cannot be edited.", code="event_removed", status=409,
                               current=selectors.event_dict(event))
        if event.kind in MATCH_LEVEL_KINDS or changes.get("kind") in MATCH_LEVEL_KINDS:
            raise ServiceError("Period and added-time events cannot be edited; remove and record them again.",
                               code="not_amendable", field="kind")
        before = selectors.event_dict(event)
        for name, value in changes.items():
            setattr(event, FOREIGN_KEY_FIELDS.get(name, name), value)
        if "kind" in changes and changes["kind"] not in EventKind.values:
            raise ServiceError(f"Unknown event kind '{changes['kind']}'.", code="invalid_kind", field="kind")
        event.goal_type = event.goal_type or ""
        event.var_outcome = event.var_outcome or ""
        event.added_minute = event.added_minute or None
        _prepare_event(match, event, minute_given=True)
        event.version += 1
        event.save()
        change = _commit_change(match, op=Change.Op.UPDATE, event=event, before=before, user=user, reason=reason)
        return EventResult(event, created=False, seq=change.seq)


def remove_event(*, event_id: int, user=None, expected_version: int | None = None, reason: str = "") -> EventResult:
    """Mark an event removed. It stays in the record, and fans see it struck out, not vanished."""
    with transaction.atomic():
        match, event = _lock_event(event_id)
        _check_version(event, expected_version)
        _require_editable(match, user)
        if event.state == MatchEvent.State.REMOVED:
            raise ServiceError("This event is already removed.", code="event_removed", status=409,
                               current=selectors.event_dict(event))
        if event.kind in MATCH_LEVEL_KINDS and event.kind != EventKind.ADDED_TIME:
            latest = _active_events(match).filter(kind__in=[EventKind.PERIOD_START, EventKind.PERIOD_END]).last()
            if latest is None or latest.pk != event.pk:
                raise ServiceError("Only the latest period change can be undone.", code="not_latest_period",
                                   status=409)
        before = selectors.event_dict(event)
        event.state = MatchEvent.State.REMOVED
        event.version += 1
        event.save()
        change = _commit_change(match, op=Change.Op.REMOVE, event=event, before=before, user=user, reason=reason)
        return EventResult(event, created=False, seq=change.seq)


def record_result(
    *, match_id: int, home_goals: int, away_goals: int, user=None, announce: bool = True
) -> Match:
    """Record the final score of a match followed without events (imports, past results).

    `announce=False` is for batch imports: they send one resync per group at the end
    instead of a table per result.
    """
    if home_goals < 0 or away_goals < 0:
        raise ServiceError("Goals cannot be negative.", code="invalid_score", field="home_goals")
    with transaction.atomic():
        match = _lock_match(match_id)
        if match.events.exists():
            raise ServiceError("This match has events; its score comes from them.", code="has_events", status=409)
        if (match.result_only, match.status, match.home_score, match.away_score) == (
            True, Match.Status.FINISHED, home_goals, away_goals
        ):
            return match
        match.result_only = True
        match.status = Match.Status.FINISHED
        match.period = Period.FULL_TIME
        match.home_score, match.away_score = home_goals, away_goals
        _commit_change(match, op=Change.Op.RESULT, event=None, before=None, user=user, derive=False,
                       announce=announce)
        return match


@dataclass(frozen=True)
class ImportSummary:
    competition: Competition
    matches_created: int
    results_recorded: int
    skipped_with_events: int


def import_competition(*, data: CompetitionData) -> ImportSummary:
    """Store an imported competition: groups, teams, fixtures and results. Running it again changes nothing.

    One transaction: a file that fails half-way leaves nothing behind. Matches
    followed live (they have events) keep their events' score.
    """
    with transaction.atomic():
        competition, created = Competition.objects.get_or_create(
            name=data.name, season=data.season, defaults={"rule_set": data.rule_set}
        )
        if not created and competition.rule_set != data.rule_set:
            competition.rule_set = data.rule_set
            competition.save(update_fields=["rule_set"])
        groups: dict[str, Group] = {}
        teams: dict[str, Team] = {}
        created_count = recorded = skipped = 0
        changed_matches: list[Match] = []
        for fixture in data.fixtures:
            group = None
            if fixture.group_name:
                if fixture.group_name not in groups:
                    groups[fixture.group_name], _ = Group.objects.get_or_create(
                        competition=competition, name=fixture.group_name
                    )
                group = groups[fixture.group_name]
            home = teams.get(fixture.home) or _imported_team(fixture.home, fixture.home_country)
            away = teams.get(fixture.away) or _imported_team(fixture.away, fixture.away_country)
            teams[fixture.home], teams[fixture.away] = home, away
            match, match_created = Match.objects.get_or_create(
                competition=competition, round_name=fixture.round_name, home=home, away=away,
                defaults={"group": group, "matchday": fixture.matchday, "kickoff": fixture.kickoff,
                          "extra_time_possible": group is None},
            )
            created_count += match_created
            if not fixture.played:
                continue
            if match.events.exists():
                skipped += 1
                continue
            seq_before = match.seq
            record_result(match_id=match.id, home_goals=fixture.home_goals, away_goals=fixture.away_goals,
                          announce=False)
            changed = Match.objects.filter(pk=match.id, seq__gt=seq_before).exists()
            recorded += changed
            if changed:
                changed_matches.append(match)
        _number_group_matchdays(groups.values())
        transaction.on_commit(lambda: broadcast.publish_resync(changed_matches))
        return ImportSummary(competition, created_count, recorded, skipped)


def _imported_team(name: str, country: str) -> Team:
    short_name = name.removesuffix(" FC").removeprefix("FC ").removeprefix("AFC ").strip() or name
    letters = "".join(ch for ch in short_name.upper() if ch.isalpha())
    team, _ = Team.objects.get_or_create(
        name=name, defaults={"short_name": short_name, "code": letters[:3] or "TBD", "country": country}
    )
    return team


def _number_group_matchdays(groups) -> None:
    """Group rounds carry no matchday in the files: number them by date, two matches a day."""
    for group in groups:
        matches = list(group.matches.filter(matchday__isnull=True).order_by("kickoff", "id"))
        dates = sorted({match.kickoff.date() for match in group.matches.all()})
        for match in matches:
            match.matchday = dates.index(match.kickoff.date()) + 1
            match.save(update_fields=["matchday"])


def set_lineup(*, match_id: int, team_id: int, starting: list[int], bench: list[int]) -> None:
    """Set one side's starting XI and bench before kick-off."""
    with transaction.atomic():
        match = _lock_match(match_id)
        if team_id not in (match.home_id, match.away_id):
            raise ServiceError("That team is not in this match.", code="team_not_in_match", field="team")
        if match.period != Period.PRE_MATCH:
            raise ServiceError("Lineups are fixed once the match has kicked off.", code="match_started", status=409)
        if len(starting) != 11:
            raise ServiceError("A starting lineup has eleven players.", code="invalid_lineup", field="starting")
        players = set(Player.objects.filter(team_id=team_id, pk__in=[*starting, *bench]).values_list("pk", flat=True))
        if len(players) != len(starting) + len(bench):
            raise ServiceError("Every player must belong to the team, once.", code="invalid_lineup", field="bench")
        LineupEntry.objects.filter(match=match, team_id=team_id).delete()
        LineupEntry.objects.bulk_create(
            [LineupEntry(match=match, team_id=team_id, player_id=pid, starter=True, order=i)
             for i, pid in enumerate(starting)]
            + [LineupEntry(match=match, team_id=team_id, player_id=pid, starter=False, order=i)
               for i, pid in enumerate(bench)]
        )


def set_venue(*, match_id: int, venue: str) -> None:
    with transaction.atomic():
        match = _lock_match(match_id)
        match.venue = venue
        match.save(update_fields=["venue"])


def set_clock_speed(*, match_id: int, speed: float) -> None:
    """A replay in compressed time runs the match clock faster; live matches run at 1.0."""
    with transaction.atomic():
        match = _lock_match(match_id)
        match.clock_speed = speed
        match.save(update_fields=["clock_speed"])


def reset_match(*, match_id: int) -> None:
    """Take a match back to before kick-off, its record cleared (demo replays only)."""
    with transaction.atomic():
        match = _lock_match(match_id)
        Change.objects.filter(match=match).delete()
        MatchEvent.objects.filter(match=match, reviewed_event__isnull=False).delete()
        MatchEvent.objects.filter(match=match).delete()
        match.status = Match.Status.SCHEDULED
        match.period = Period.PRE_MATCH
        match.period_started_at = None
        match.announced_added_time = None
        match.home_score = match.away_score = 0
        match.result_only = False
        match.clock_speed = 1.0
        # Keep counting up, so that a page open across the reset sees a gap and resyncs.
        match.seq += 1
        match.save()
    transaction.on_commit(lambda: broadcast.publish_resync([match]))


def create_api_token(*, user, name: str = "") -> str:
    """Create a bearer token for `user` and return it; only its hash is kept."""
    raw_token = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, prefix=raw_token[:8], token_hash=ApiToken.hash(raw_token))
    return raw_token


def revoke_api_token(*, token_id: int) -> None:
    ApiToken.objects.filter(pk=token_id, revoked_at__isnull=True).update(revoked_at=timezone.now())


def authenticate_api_token(*, raw_token: str):
    """The active user a bearer token belongs to, or None."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=ApiToken.hash(raw_token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


# --- validation -----------------------------------------------------------------------------


def _prepare_event(match: Match, event: MatchEvent, *, minute_given: bool) -> None:
    """Validate an event against the match as it stands and fill in what follows from it."""
    if event.kind in (EventKind.PERIOD_START, EventKind.PERIOD_END):
        _prepare_period_event(match, event, minute_given=minute_given)
        return
    if match.period == Period.PRE_MATCH:
        raise ServiceError("The match has not kicked off yet.", code="match_not_started", status=409)
    if match.period == Period.FULL_TIME:
        raise ServiceError("The match is over: no events after full time.", code="match_finished", status=409)
    if not minute_given:
        raise ServiceError("The minute is required.", code="required", field="minute")
    if event.kind == EventKind.ADDED_TIME:
        _prepare_added_time(match, event)
        return
    event.period = _period_of_minute(match, event.minute, event.added_minute)
    _validate_team(match, event)
    if event.kind in PLAYER_EVENT_KINDS:
        _validate_players(match, event)
    elif event.player_id or event.second_player_id:
        _validate_player_in_match(match, event.player_id or event.second_player_id, event, "player")
    if event.kind == EventKind.VAR_CHECK:
        _validate_var_check(match, event)
    elif event.reviewed_event_id or event.var_outcome:
        raise ServiceError("Only a VAR check reviews an incident.", code="invalid_field", field="reviewed_event")
    if event.goal_type and event.kind != EventKind.GOAL:
        raise ServiceError("A goal type belongs to a goal.", code="invalid_field", field="goal_type")
    if event.injury and event.kind != EventKind.SUBSTITUTION:
        raise ServiceError("The injury flag belongs to a substitution.", code="invalid_field", field="injury")


def _period_of_minute(match: Match, minute: int, added_minute: int | None) -> str:
    period = next((p for p, (first, last) in PLAYING_PERIODS.items() if first <= minute <= last), None)
    if period is None:
        raise ServiceError(f"Minute {minute} is out of range (1-120).", code="minute_out_of_range", field="minute")
    last = PLAYING_PERIODS[period][1]
    if added_minute and minute != last:
        raise ServiceError(
            f"Added time is counted from the last minute of the period ({last}+{added_minute}'), not {minute}.",
            code="minute_out_of_range", field="added_minute",
        )
    if added_minute and not 0 < added_minute <= MAX_ADDED_MINUTES:
        raise ServiceError(f"Added minutes run from 1 to {MAX_ADDED_MINUTES}.", code="minute_out_of_range",
                           field="added_minute")
    reached = PERIOD_RANK[match.period]
    if PERIOD_RANK[period] > reached:
        raise ServiceError(
            f"Minute {minute} is in the {Period(period).label.lower()}, which has not started "
            f"(the match is at {match.get_period_display().lower()}).",
            code="minute_out_of_range", field="minute",
        )
    return period


def _prepare_period_event(match: Match, event: MatchEvent, *, minute_given: bool) -> None:
    event.team_id = event.player_id = event.second_player_id = None
    if event.kind == EventKind.PERIOD_START:
        expected = NEXT_PERIOD_TO_START.get(match.period)
        if expected is None:
            raise ServiceError(
                f"No period can start now: the match is at {match.get_period_display().lower()}.",
                code="invalid_period", field="period", status=409,
            )
        event.minute = PERIOD_START_MINUTE[expected]
        event.added_minute = None
    else:
        expected = match.period
        if expected not in PLAYING_PERIODS and expected != Period.PENALTIES:
            raise ServiceError(
                f"No period is being played: the match is at {match.get_period_display().lower()}.",
                code="invalid_period", field="period", status=409,
            )
        if expected == Period.PENALTIES:
            event.minute, event.added_minute = 120, None
        else:
            event.minute = PLAYING_PERIODS[expected][1]
            if event.added_minute and not 0 < event.added_minute <= MAX_ADDED_MINUTES:
                raise ServiceError(f"Added minutes run from 1 to {MAX_ADDED_MINUTES}.",
                                   code="minute_out_of_range", field="added_minute")
    if event.period and event.period != expected:
        verb = "start" if event.kind == EventKind.PERIOD_START else "end"
        given = Period(event.period).label.lower() if event.period in Period.values else event.period
        raise ServiceError(
            f"The {Period(expected).label.lower()} is the period to {verb}, not the {given}.",
            code="invalid_period", field="period", status=409,
        )
    event.period = expected


def _prepare_added_time(match: Match, event: MatchEvent) -> None:
    if match.period not in PLAYING_PERIODS:
        raise ServiceError("Added time is announced during a half.", code="invalid_period", field="kind", status=409)
    if not event.added_minute or not 0 < event.added_minute <= MAX_ADDED_MINUTES:
        raise ServiceError(f"Give the minutes announced (1-{MAX_ADDED_MINUTES}) as added_minute.",
                           code="required", field="added_minute")
    event.period = match.period
    event.minute = PLAYING_PERIODS[match.period][1]
    event.team_id = event.player_id = event.second_player_id = None


def _validate_team(match: Match, event: MatchEvent) -> None:
    if event.team_id is None:
        if event.kind in PLAYER_EVENT_KINDS:
            raise ServiceError("The team is required.", code="required", field="team")
        return
    if event.team_id not in (match.home_id, match.away_id):
        raise ServiceError("That team is not in this match.", code="team_not_in_match", field="team")


def _validate_player_in_match(match: Match, player_id: int, event: MatchEvent, field: str) -> LineupEntry:
    entry = LineupEntry.objects.filter(match=match, player_id=player_id).select_related("player").first()
    if entry is None:
        raise ServiceError("That player is not in this match's lineups.", code="player_not_in_match", field=field)
    if event.team_id is not None and entry.team_id != event.team_id:
        raise ServiceError(
            f"{entry.player.name} plays for the other team.", code="player_team_mismatch", field=field
        )
    return entry


def _validate_players(match: Match, event: MatchEvent) -> None:
    if event.player_id is None:
        raise ServiceError("The player is required.", code="required", field="player")
    scorer = _validate_player_in_match(match, event.player_id, event, "player").player
    earlier = [
        other for other in _active_events(match).exclude(pk=event.pk)
        if event_time(other)[:3] <= event_time(event)[:3]
    ]
    lineup = list(LineupEntry.objects.filter(match=match).values_list("team_id", "player_id", "starter"))
    side = pitch_state(lineup, earlier)[event.team_id]
    at = selectors.minute_label(event.minute, event.added_minute)
    if event.player_id not in side.on_pitch:
        raise ServiceError(f"{scorer.name} is not on the pitch at {at}.", code="player_not_on_pitch",
                           field="player")
    if event.kind == EventKind.SECOND_YELLOW and event.player_id not in side.booked:
        raise ServiceError(f"{scorer.name} has no yellow card yet.", code="no_first_yellow", field="player")
    if event.kind == EventKind.YELLOW_CARD and event.player_id in side.booked:
        raise ServiceError(f"{scorer.name} is already booked: record a second yellow.", code="already_booked",
                           field="kind")
    if event.second_player_id is None:
        if event.kind == EventKind.SUBSTITUTION:
            raise ServiceError("The player coming on is required.", code="required", field="second_player")
        return
    if event.kind not in (EventKind.GOAL, EventKind.SUBSTITUTION):
        raise ServiceError(f"A {event.get_kind_display().lower()} names no second player.",
                           code="invalid_field", field="second_player")
    if event.second_player_id == event.player_id:
        raise ServiceError("The second player must be someone else.", code="same_player", field="second_player")
    second = _validate_player_in_match(match, event.second_player_id, event, "second_player").player
    if event.kind == EventKind.GOAL and event.second_player_id not in side.on_pitch:
        raise ServiceError(f"{second.name} is not on the pitch at {at}.", code="player_not_on_pitch",
                           field="second_player")
    if event.kind == EventKind.SUBSTITUTION:
        _validate_player_coming_on(match, event, side, second)


def _validate_player_coming_on(match: Match, event: MatchEvent, side, player: Player) -> None:
    if event.second_player_id in side.substituted_off:
        raise ServiceError(f"{player.name} was substituted off and cannot come back on.",
                           code="player_already_off", field="second_player")
    if event.second_player_id in side.on_pitch:
        raise ServiceError(f"{player.name} is already on the pitch.", code="player_already_on",
                           field="second_player")
    if event.second_player_id not in side.unused_substitutes:
        raise ServiceError(f"{player.name} is not an unused substitute.", code="not_a_substitute",
                           field="second_player")
    allowed = match.competition.max_substitutions
    if event.period in (Period.EXTRA_TIME_FIRST_HALF, Period.EXTRA_TIME_SECOND_HALF):
        allowed += 1  # UEFA allows one more in extra time.
    made = MatchEvent.objects.filter(
        match=match, team_id=event.team_id, kind=EventKind.SUBSTITUTION, state=MatchEvent.State.ACTIVE
    ).exclude(pk=event.pk).count()
    if made >= allowed:
        team = Team.objects.get(pk=event.team_id)
        raise ServiceError(
            f"{team.name} have made {made} substitutions, the most this competition allows.",
            code="too_many_substitutions", field="kind",
        )


def _validate_var_check(match: Match, event: MatchEvent) -> None:
    if event.reviewed_event_id is not None:
        reviewed = MatchEvent.objects.filter(pk=event.reviewed_event_id, match=match).first()
        if reviewed is None:
            raise ServiceError("The reviewed incident is not an event of this match.",
                               code="invalid_reviewed_event", field="reviewed_event")
        if reviewed.kind == EventKind.VAR_CHECK:
            raise ServiceError("A VAR check reviews an incident, not another check.",
                               code="invalid_reviewed_event", field="reviewed_event")
    if event.var_outcome not in MatchEvent.VarOutcome.values:
        raise ServiceError(f"Unknown VAR outcome '{event.var_outcome}'.", code="invalid_field", field="var_outcome")
    event.var_outcome = event.var_outcome or MatchEvent.VarOutcome.IN_PROGRESS


def _require_editable(match: Match, user) -> None:
    if match.status == Match.Status.FINISHED and not _can_correct(user):
        raise ServiceError("The match is finished; only an admin can correct it.", code="match_finished",
                           status=403)


def _can_correct(user) -> bool:
    return user is None or user.has_perm("events.correct_match")


def _check_version(event: MatchEvent, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != event.version:
        raise ServiceError(
            f"This event was changed by someone else (version {event.version}, you had {expected_version}).",
            code="stale_version", field="version", status=409, current=selectors.event_dict(event),
        )


# --- the one commit path ----------------------------------------------------------------------


def _lock_match(match_id: int) -> Match:
    # The row lock serializes every writer of one match, so sequence numbers are
    # handed out without gaps or duplicates and no amendment is lost.
    try:
        return Match.objects.select_for_update().select_related("competition").get(pk=match_id)
    except Match.DoesNotExist:
        raise ServiceError("No such match.", code="not_found", field="match", status=404) from None


def _lock_event(event_id: int) -> tuple[Match, MatchEvent]:
    match_id = MatchEvent.objects.filter(pk=event_id).values_list("match_id", flat=True).first()
    if match_id is None:
        raise ServiceError("No such event.", code="not_found", field="event", status=404)
    match = _lock_match(match_id)
    event = MatchEvent.objects.select_related(*selectors.EVENT_RELATED).get(pk=event_id)
    return match, event


def _active_events(match: Match):
    return MatchEvent.objects.filter(match=match, state=MatchEvent.State.ACTIVE).order_by("id")


def _seq_of_creation(event: MatchEvent) -> int:
    return Change.objects.filter(event=event, op=Change.Op.ADD).values_list("seq", flat=True).first() or 0


def _derive_match_state(match: Match) -> None:
    """Recompute the cached score, period, status and clock from the active events."""
    home = away = 0
    period = Period.PRE_MATCH
    period_started_at = None
    added_time = None
    for event in _active_events(match):
        if event.kind in GOAL_KINDS:
            scored_for_home = (event.team_id == match.home_id) != (event.kind == EventKind.OWN_GOAL)
            home, away = (home + 1, away) if scored_for_home else (home, away + 1)
        elif event.kind == EventKind.PERIOD_START:
            period, period_started_at, added_time = event.period, event.created_at, None
        elif event.kind == EventKind.PERIOD_END:
            period, period_started_at, added_time = _break_after(match, event.period, home, away), None, None
        elif event.kind == EventKind.ADDED_TIME and event.period == period:
            added_time = event.added_minute
    match.home_score, match.away_score = home, away
    match.period, match.period_started_at, match.announced_added_time = period, period_started_at, added_time
    if period == Period.FULL_TIME:
        match.status = Match.Status.FINISHED
    elif period == Period.PRE_MATCH:
        match.status = Match.Status.SCHEDULED if match.status != Match.Status.POSTPONED else match.status
    else:
        match.status = Match.Status.LIVE


def _break_after(match: Match, ended: str, home: int, away: int) -> str:
    level = home == away and match.extra_time_possible
    return {
        Period.FIRST_HALF: Period.HALF_TIME,
        Period.SECOND_HALF: Period.BEFORE_EXTRA_TIME if level else Period.FULL_TIME,
        Period.EXTRA_TIME_FIRST_HALF: Period.EXTRA_TIME_HALF_TIME,
        Period.EXTRA_TIME_SECOND_HALF: Period.BEFORE_PENALTIES if level else Period.FULL_TIME,
        Period.PENALTIES: Period.FULL_TIME,
    }[ended]


def _commit_change(
    match: Match,
    *,
    op: str,
    event: MatchEvent | None,
    before: dict | None,
    user,
    reason: str = "",
    derive: bool = True,
    announce: bool = True,
) -> Change:
    """Bump the seq, log the change, and send it to every open page once the transaction commits."""
    if derive:
        _derive_match_state(match)
    match.seq += 1
    match.save()
    if event is not None:
        event = MatchEvent.objects.select_related(*selectors.EVENT_RELATED).get(pk=event.pk)
    change = Change.objects.create(
        match=match,
        seq=match.seq,
        op=op,
        event=event,
        user=user if getattr(user, "is_authenticated", False) else None,
        before=before,
        after=selectors.event_dict(event) if event is not None else None,
        match_state=selectors.match_state_with_pitch(match),
        reason=reason,
    )
    if announce:
        message_text = broadcast.build_change_text(change, match)
        group_id = match.group_id
        transaction.on_commit(lambda: broadcast.publish(match.id, group_id, message_text))
    return change

