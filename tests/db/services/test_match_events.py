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
