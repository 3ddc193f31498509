"""Recording, editing and removing match events."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from ..models import Change, EventKind, MatchEvent
from ..reads import shapes
from .commit import EventResult, active_events, announce_again, commit_change, lock_event, lock_match, seq_of_creation
from .errors import ServiceError
from .rules import MATCH_LEVEL_KINDS, check_version, prepare_event, require_decision_rights, require_editable
from .var import undo_consequence

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
        "var_category",
        "var_reason",
    }
)
FOREIGN_KEY_FIELDS = {
    "team": "team_id",
    "player": "player_id",
    "second_player": "second_player_id",
    "reviewed_event": "reviewed_event_id",
}


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
    var_category: str = "",
    var_reason: str = "",
    commentary: str = "",
    kick_outcome: str = "",
    idempotency_key: str = "",
) -> EventResult:
    """Record a new event. A repeat of an idempotency key returns the first result instead.

    A key belongs to the user who sent it, and to the request it came with: the same key with a
    different request is refused (422), never answered with another event.
    """
    if kind not in EventKind.values:
        raise ServiceError(
            gettext("Unknown event kind '%(kind)s'.") % {"kind": kind}, code="invalid_kind", field="kind"
        )
    author = user if getattr(user, "is_authenticated", False) else None
    fingerprint = request_fingerprint(
        kind=kind,
        minute=minute,
        added_minute=added_minute,
        period=period,
        team_id=team_id,
        player_id=player_id,
        second_player_id=second_player_id,
        goal_type=goal_type,
        injury=injury,
        reviewed_event_id=reviewed_event_id,
        var_category=var_category,
        var_reason=var_reason,
        commentary=commentary,
        **({"kick_outcome": kick_outcome} if kick_outcome else {}),
    )
    try:
        with transaction.atomic():
            match = lock_match(match_id)
            if idempotency_key:
                existing = first_submission(match_id, author, idempotency_key, fingerprint)
                if existing is not None:
                    return EventResult(existing, created=False, seq=announce_again(match, existing))
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
                var_category=var_category or "",
                var_reason=var_reason,
                commentary=commentary,
                kick_outcome=kick_outcome or "",
                idempotency_key=idempotency_key,
                request_fingerprint=fingerprint if idempotency_key else "",
                created_by=author,
            )
            prepare_event(match, event, minute_given=minute is not None)
            event.save()
            change = commit_change(match, op=Change.Op.ADD, event=event, before=None, user=user)
            return EventResult(change.event, created=True, seq=change.seq)
    except IntegrityError:
        # A concurrent request with the same key won the race (databases that
        # cannot lock the match row, such as SQLite, get here): answer with its result.
        if not idempotency_key:
            raise
        existing = first_submission(match_id, author, idempotency_key, fingerprint)
        if existing is None:
            raise
        return EventResult(existing, created=False, seq=seq_of_creation(existing))


def request_fingerprint(**request: Any) -> str:
    """A digest of what a submission asks for, whatever order its fields came in."""
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def first_submission(match_id: int, author, idempotency_key: str, fingerprint: str) -> MatchEvent | None:
    """The event this user's key already recorded in the match, if any; a different request with it is refused."""
    existing = MatchEvent.objects.filter(match_id=match_id, created_by=author, idempotency_key=idempotency_key).first()
    if existing is not None and existing.request_fingerprint and existing.request_fingerprint != fingerprint:
        raise ServiceError(
            gettext("This idempotency key was already used for a different request; send a new key for a new event."),
            code="idempotency_key_reused",
            field="idempotency_key",
            status=422,
            current=shapes.event_dict(existing),
        )
    return existing


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
        raise ServiceError(
            gettext("'%(field)s' cannot be changed.") % {"field": name}, code="not_amendable", field=name
        )
    with transaction.atomic():
        match, event = lock_event(event_id)
        check_version(event, expected_version)
        require_editable(match, user, reason)
        require_decision_rights(event, user, reason)
        if event.state != MatchEvent.State.ACTIVE:
            raise ServiceError(
                gettext("A removed event cannot be edited."),
                code="event_removed",
                status=409,
                current=shapes.event_dict(event),
            )
        if event.kind in MATCH_LEVEL_KINDS or changes.get("kind") in MATCH_LEVEL_KINDS:
            raise ServiceError(
                gettext("Period and added-time events cannot be edited; remove and record them again."),
                code="not_amendable",
                field="kind",
            )
        before = shapes.event_dict(event)
        for name, value in changes.items():
            setattr(event, FOREIGN_KEY_FIELDS.get(name, name), value)
        if "kind" in changes and changes["kind"] not in EventKind.values:
            raise ServiceError(
                gettext("Unknown event kind '%(kind)s'.") % {"kind": changes["kind"]}, code="invalid_kind", field="kind"
            )
        event.goal_type = event.goal_type or ""
        event.var_category = event.var_category or ""
        event.added_minute = event.added_minute or None
        prepare_event(match, event, minute_given=True)
        event.version += 1
        event.save()
        change = commit_change(match, op=Change.Op.UPDATE, event=event, before=before, user=user, reason=reason)
        return EventResult(change.event, created=False, seq=change.seq)


def remove_event(*, event_id: int, user=None, expected_version: int | None = None, reason: str = "") -> EventResult:
    """Mark an event removed. It stays in the record, and fans see it struck out, not vanished."""
    with transaction.atomic():
        match, event = lock_event(event_id)
        check_version(event, expected_version)
        require_editable(match, user, reason)
        require_decision_rights(event, user, reason)
        if event.state == MatchEvent.State.REMOVED:
            raise ServiceError(
                gettext("This event is already removed."),
                code="event_removed",
                status=409,
                current=shapes.event_dict(event),
            )
        if event.kind in MATCH_LEVEL_KINDS and event.kind != EventKind.ADDED_TIME:
            latest = active_events(match).filter(kind__in=[EventKind.PERIOD_START, EventKind.PERIOD_END]).last()
            if latest is None or latest.pk != event.pk:
                raise ServiceError(
                    gettext("Only the latest period change can be undone."), code="not_latest_period", status=409
                )
        before = shapes.event_dict(event)
        # Removing a VAR check takes back what its decision changed.
        related = undo_consequence(event) if event.kind == EventKind.VAR_CHECK else []
        event.state = MatchEvent.State.REMOVED
        event.version += 1
        event.save()
        change = commit_change(
            match, op=Change.Op.REMOVE, event=event, before=before, user=user, reason=reason, related=related
        )
        return EventResult(change.event, created=False, seq=change.seq)


def restore_event(*, event_id: int, user=None, expected_version: int | None = None, reason: str) -> EventResult:
    """Bring back an event that was removed, with the reason why (a correction, logged and pushed as an update).

    The event is checked again against the match as it now stands: a card for a player who has since come
    off is refused, and stays removed. Period and added-time events are recorded again instead, and what a
    VAR decision disallowed comes back by changing that decision.
    """
    if not reason.strip():
        raise ServiceError(gettext("Say why the event is restored."), code="required", field="reason")
    with transaction.atomic():
        match, event = lock_event(event_id)
        check_version(event, expected_version)
        if event.state != MatchEvent.State.REMOVED:
            raise ServiceError(
                gettext("Only a removed event can be restored."),
                code="not_removed",
                status=409,
                current=shapes.event_dict(event),
            )
        if event.kind in MATCH_LEVEL_KINDS:
            raise ServiceError(
                gettext("Period and added-time events are recorded again, not restored."),
                code="not_restorable",
                field="kind",
            )
        if event.kind == EventKind.VAR_CHECK and event.var_outcome == MatchEvent.VarOutcome.OVERTURNED:
            # Its removal took back what the overturn changed; record the check and its decision again.
            raise ServiceError(
                gettext("An overturned VAR check is recorded again with its decision, not restored."),
                code="not_restorable",
                field="kind",
            )
        require_editable(match, user, reason)
        require_decision_rights(event, user, reason)
        before = shapes.event_dict(event)
        event.state = MatchEvent.State.ACTIVE
        prepare_event(match, event, minute_given=True, correction=True)
        event.version += 1
        event.save()
        change = commit_change(match, op=Change.Op.UPDATE, event=event, before=before, user=user, reason=reason)
        return EventResult(change.event, created=False, seq=change.seq)
