"""events/services/match_events.py: recording and amending events: idempotency, stale edits, finished matches."""

import pytest

from events import services
from events.models import MatchEvent
from tests.db.services.helpers import goal, refused
from tests.factories import make_match, make_user

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
