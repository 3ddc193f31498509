"""VAR reviews: a check on one of the four reviewable decisions, its on-field review, and its decision.

An overturn changes the match in the same transaction as the decision (a goal
disallowed, a penalty awarded, a card upgraded, rescinded or moved to the right
player) and goes out as one change. The check remembers what the overturn did, so
that an admin who corrects the decision later undoes exactly that.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext

from ..models import EventKind, Match, MatchEvent
from ..reads import shapes
from .commit import EventResult, commit_change, lock_event
from .errors import ServiceError
from .rules import DECIDED_OUTCOMES as DECIDED
from .rules import can_correct, check_version, prepare_event

VarCategory = MatchEvent.VarCategory
VarOutcome = MatchEvent.VarOutcome


def start_on_field_review(*, check_id: int, user=None, expected_version: int | None = None) -> EventResult:
    """The referee goes to the monitor."""
    with transaction.atomic():
        match, check = _lock_check(check_id, expected_version)
        if check.var_outcome != VarOutcome.IN_PROGRESS:
            raise ServiceError(
                gettext("Only a check in progress can go to an on-field review."),
                code="not_in_progress",
                status=409,
                current=shapes.event_dict(check),
            )
        before = shapes.event_dict(check)
        check.var_outcome = VarOutcome.ON_FIELD_REVIEW
        check.version += 1
        check.save()
        change = commit_change(match, op="update", event=check, before=before, user=user)
        return EventResult(check, created=False, seq=change.seq)


def decide_var_check(
    *,
    check_id: int,
    user=None,
    decision: str,
    decision_reason: str = "",
    player_id: int | None = None,
    reason: str = "",
    expected_version: int | None = None,
) -> EventResult:
    """Record a check's decision and apply what it changes.

    `player_id` names, for an overturn: the scorer of a goal given on review, the
    player fouled for a penalty awarded, the player sent off for a red card given
    on review, or the right player for mistaken identity. Changing a decision once
    made is an admin's correction and needs a `reason`.
    """
    if decision not in DECIDED:
        raise ServiceError(
            gettext("The decision is 'stands' or 'overturned'."), code="invalid_decision", field="decision"
        )
    if decision_reason not in MatchEvent.DecisionReason.values:
        raise ServiceError(
            gettext("Unknown decision reason '%(reason)s'.") % {"reason": decision_reason},
            code="invalid_field",
            field="decision_reason",
        )
    with transaction.atomic():
        match, check = _lock_check(check_id, expected_version)
        is_correction = check.var_outcome in DECIDED
        if (is_correction or match.status == Match.Status.FINISHED) and not can_correct(user):
            raise ServiceError(
                gettext("A VAR decision, once made, can only be changed by an admin."),
                code="decision_final",
                status=403,
                current=shapes.event_dict(check),
            )
        if is_correction and not reason.strip():
            raise ServiceError(gettext("A correction needs a reason."), code="required", field="reason")
        before = shapes.event_dict(check)
        touched = undo_consequence(check)
        check.var_outcome, check.decision_reason = decision, decision_reason
        if decision == VarOutcome.OVERTURNED:
            touched += _apply_overturn(match, check, player_id)
        check.version += 1
        check.save()
        change = commit_change(
            match, op="update", event=check, before=before, user=user, reason=reason, related=touched
        )
        return EventResult(check, created=False, seq=change.seq)


def _lock_check(check_id: int, expected_version: int | None) -> tuple[Match, MatchEvent]:
    match, check = lock_event(check_id)
    if check.kind != EventKind.VAR_CHECK:
        raise ServiceError(gettext("That event is not a VAR check."), code="not_a_var_check", field="event")
    if check.state != MatchEvent.State.ACTIVE:
        raise ServiceError(gettext("That check was removed."), code="event_removed", status=409)
    check_version(check, expected_version)
    return match, check


def _apply_overturn(match: Match, check: MatchEvent, player_id: int | None) -> list[MatchEvent]:
    incident = check.reviewed_event
    reason = check.get_decision_reason_display() if check.decision_reason else "clear and obvious error"
    category = check.var_category
    if category == VarCategory.MISTAKEN_IDENTITY:
        return [_move_card(check, incident, player_id)]
    if incident is None:
        kind = {
            VarCategory.GOAL: EventKind.GOAL,
            VarCategory.PENALTY: EventKind.PENALTY_AWARDED,
            VarCategory.RED_CARD: EventKind.RED_CARD,
        }[category]
        return [_create_incident(match, check, kind, player_id)]
    if category == VarCategory.RED_CARD and incident.kind == EventKind.YELLOW_CARD:
        check.var_consequence = {"type": "changed", "event": incident.pk, "previous": {"kind": incident.kind}}
        incident.kind = EventKind.RED_CARD
        incident.state_reason = "Upgraded to a red card after VAR review"
        return [_save_incident(incident)]
    what = {
        VarCategory.GOAL: "Goal disallowed",
        VarCategory.PENALTY: "Penalty cancelled",
        VarCategory.RED_CARD: "Red card rescinded",
    }[category]
    check.var_consequence = {"type": "disallowed", "event": incident.pk}
    incident.state = MatchEvent.State.DISALLOWED
    incident.state_reason = f"{what} after VAR review: {reason}"
    return [_save_incident(incident)]


def _move_card(check: MatchEvent, card: MatchEvent, player_id: int | None) -> MatchEvent:
    if player_id is None:
        raise ServiceError(
            gettext("Name the player who should have been shown the card."), code="required", field="player"
        )
    check.var_consequence = {"type": "changed", "event": card.pk, "previous": {"player_id": card.player_id}}
    card.player_id = player_id
    card.state_reason = "Card moved to the right player after VAR review (mistaken identity)"
    prepare_event(card.match, card, minute_given=True, correction=True)
    return _save_incident(card)


def _create_incident(match: Match, check: MatchEvent, kind: str, player_id: int | None) -> MatchEvent:
    if player_id is None and kind != EventKind.PENALTY_AWARDED:
        raise ServiceError(
            gettext("Name the player for the incident given on review."), code="required", field="player"
        )
    incident = MatchEvent(
        match=match,
        kind=kind,
        minute=check.minute,
        added_minute=check.added_minute,
        team_id=check.team_id,
        player_id=player_id,
        state_reason="Given after VAR review",
        created_by=check.created_by,
    )
    prepare_event(match, incident, minute_given=True, correction=True)
    incident.save()
    check.var_consequence = {"type": "created", "event": incident.pk}
    check.reviewed_event = incident
    return incident


def _save_incident(incident: MatchEvent) -> MatchEvent:
    incident.version += 1
    incident.save()
    return incident


def undo_consequence(check: MatchEvent) -> list[MatchEvent]:
    """Put back what an earlier overturn changed, before a corrected decision applies its own."""
    consequence = check.var_consequence
    if not consequence:
        return []
    incident = MatchEvent.objects.get(pk=consequence["event"])
    if consequence["type"] == "disallowed":
        incident.state = MatchEvent.State.ACTIVE
    elif consequence["type"] == "created":
        incident.state = MatchEvent.State.REMOVED
        check.reviewed_event = None
    else:
        for field, value in consequence["previous"].items():
            setattr(incident, field, value)
    incident.state_reason = "" if consequence["type"] != "created" else "Withdrawn after the VAR decision changed"
    check.var_consequence = None
    return [_save_incident(incident)]
