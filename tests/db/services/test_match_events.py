"""events/services/match_events.py: recording and amending events: idempotency, stale edits, finished matches."""

import pytest

from events import services
from events.models import Change, MatchEvent
from tests.db.services.helpers import goal, refused, substitution
from tests.factories import make_match, make_user, player

pytestmark = pytest.mark.django_db


# --- idempotency ---------------------------------------------------------------------------------


def test_a_retry_with_the_same_key_returns_the_first_event_not_a_second():
    match = make_match(kicked_off=True)
    first = goal(match, match.home, 9, idempotency_key="tap-1")
    retry = goal(match, match.home, 9, idempotency_key="tap-1")
    assert first.created and not retry.created
    assert retry.event.id == first.event.id and retry.seq == first.seq
    assert MatchEvent.objects.filter(match=match, kind="goal").count() == 1
    match.refresh_from_db()
    assert (match.home_score, match.seq) == (1, 2)


def test_the_same_key_in_another_match_is_a_different_submission():
    match, other = make_match(kicked_off=True), make_match(kicked_off=True)
    goal(match, match.home, 9, idempotency_key="k")
    assert goal(other, other.home, 9, idempotency_key="k").created


def test_a_key_sent_again_with_another_request_is_refused_not_answered_with_the_first_event():
    """A key reused for a missed penalty must not come back as someone's goal."""
    match = make_match(kicked_off=True)
    editor = make_user()
    first = goal(match, match.home, 9, idempotency_key="k1", user=editor)
    error = refused(
        "idempotency_key_reused", goal, match, match.home, 9, kind="missed_penalty", idempotency_key="k1", user=editor
    )
    assert error.status == 422 and error.field == "idempotency_key"
    assert error.current["id"] == first.event.id
    refused("idempotency_key_reused", goal, match, match.home, 9, minute=11, idempotency_key="k1", user=editor)
    recorded = MatchEvent.objects.filter(match=match).exclude(kind="period_start")
    assert list(recorded.values_list("kind", flat=True)) == ["goal"]
    assert goal(match, match.home, 9, idempotency_key="k1", user=editor).event.id == first.event.id


def test_keys_are_each_users_own():
    match = make_match(kicked_off=True)
    first_editor, second_editor = make_user(), make_user()
    first = goal(match, match.home, 9, idempotency_key="same", user=first_editor)
    second = goal(match, match.home, 10, idempotency_key="same", user=second_editor)
    assert first.created and second.created and first.event.id != second.event.id
    assert MatchEvent.objects.filter(match=match, kind="goal").count() == 2


# --- concurrency and stale edits -----------------------------------------------------------------


def test_a_stale_edit_is_refused_with_the_current_event():
    match = make_match(kicked_off=True)
    result = goal(match, match.home, 9)
    services.amend_event(event_id=result.event.id, changes={"minute": 11}, expected_version=1)
    error = refused("stale_version", services.amend_event, event_id=result.event.id,
                    changes={"minute": 12}, expected_version=1)
    assert error.status == 409 and error.current["minute"] == 11 and error.current["version"] == 2


def test_editors_cannot_touch_a_finished_match():
    match = make_match(kicked_off=True)
    result = goal(match, match.home, 9)
    for kind in ("period_end", "period_start", "period_end"):
        services.record_event(match_id=match.id, kind=kind)
    error = refused("match_finished", services.remove_event, event_id=result.event.id, user=make_user())
    assert error.status == 403


# --- restoring a removed event --------------------------------------------------------------------


def test_a_removed_goal_is_restored_with_a_reason_the_score_follows_and_the_change_is_logged_and_pushed(
    django_capture_on_commit_callbacks, listen_to_match
):
    match = make_match(kicked_off=True)
    editor = make_user()
    scored = goal(match, match.home, 9)
    services.remove_event(event_id=scored.event.id, user=editor)
    fans = listen_to_match(match)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.restore_event(
            event_id=scored.event.id, user=editor, expected_version=2, reason="Removed by mistake"
        )
    event = MatchEvent.objects.get(pk=scored.event.id)
    match.refresh_from_db()
    assert (event.state, event.version, match.home_score) == ("active", 3, 1)
    change = Change.objects.filter(match=match).latest("seq")
    assert (change.op, change.user, change.reason, change.seq) == ("update", editor, "Removed by mistake", result.seq)
    assert (change.before["state"], change.after["state"]) == ("removed", "active")
    [message] = fans.messages()
    assert message["seq"] == result.seq and message["event"]["state"] == "active"
    assert message["match"]["home_score"] == 1


def test_a_restore_needs_a_reason_and_changes_nothing_without_one():
    match = make_match(kicked_off=True)
    scored = goal(match, match.home, 9)
    services.remove_event(event_id=scored.event.id)
    for blank in ("", "   "):
        error = refused("required", services.restore_event, event_id=scored.event.id, reason=blank)
        assert error.field == "reason"
    assert MatchEvent.objects.get(pk=scored.event.id).state == "removed"


def test_only_a_removed_event_can_be_restored():
    match = make_match(kicked_off=True)
    scored = goal(match, match.home, 9)
    error = refused("not_removed", services.restore_event, event_id=scored.event.id, reason="why")
    assert error.status == 409 and error.current["state"] == "active"
    refused("not_found", services.restore_event, event_id=scored.event.id + 1000, reason="why")


def test_a_stale_restore_is_refused_with_the_current_event():
    match = make_match(kicked_off=True)
    scored = goal(match, match.home, 9)
    services.remove_event(event_id=scored.event.id)
    error = refused("stale_version", services.restore_event, event_id=scored.event.id, expected_version=1, reason="x")
    assert error.status == 409 and error.current["version"] == 2


def test_a_restore_that_the_match_no_longer_allows_is_refused_and_the_event_stays_removed():
    """The player came off since: a card for him at a later minute would not be valid any more."""
    match = make_match(kicked_off=True)
    card = services.record_event(match_id=match.id, kind="yellow_card", minute=30, team_id=match.home_id,
                                 player_id=player(match.home, 9).id)
    services.remove_event(event_id=card.event.id)
    substitution(match, match.home, 9, 12, minute=20)
    refused("player_not_on_pitch", services.restore_event, event_id=card.event.id, reason="Back in")
    assert MatchEvent.objects.get(pk=card.event.id).state == "removed"


def test_period_events_are_recorded_again_not_restored():
    match = make_match(kicked_off=True)
    half_time = services.record_event(match_id=match.id, kind="period_end")
    services.remove_event(event_id=half_time.event.id)
    error = refused("not_restorable", services.restore_event, event_id=half_time.event.id, reason="x")
    assert error.field == "kind"


def test_a_finished_match_is_restored_by_an_admin_only():
    match = make_match(kicked_off=True)
    scored = goal(match, match.home, 9)
    services.remove_event(event_id=scored.event.id)
    for kind in ("period_end", "period_start", "period_end"):
        services.record_event(match_id=match.id, kind=kind)
    refused("match_finished", services.restore_event, event_id=scored.event.id, user=make_user(), reason="x")
    services.restore_event(event_id=scored.event.id, user=make_user(role="Admins"), reason="Official report")
    match.refresh_from_db()
    assert match.home_score == 1
