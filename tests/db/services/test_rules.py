"""events/services/rules.py: what makes an event valid."""

import pytest

from events import services
from events.models import MatchEvent
from tests.db.services.helpers import goal, refused, substitution
from tests.factories import make_match, player

pytestmark = pytest.mark.django_db


# --- validation rules ----------------------------------------------------------------------------


def test_player_not_in_this_match_is_refused():
    match, elsewhere = make_match(kicked_off=True), make_match()
    error = refused(
        "player_not_in_match", services.record_event, match_id=match.id, kind="goal", minute=10,
        team_id=match.home_id, player_id=player(elsewhere.home, 9).id,
    )
    assert error.field == "player"


def test_player_of_the_other_team_is_refused():
    match = make_match(kicked_off=True)
    refused(
        "player_team_mismatch", services.record_event, match_id=match.id, kind="goal", minute=10,
        team_id=match.home_id, player_id=player(match.away, 9).id,
    )


def test_a_substitute_who_has_not_come_on_cannot_score():
    match = make_match(kicked_off=True)
    error = refused("player_not_on_pitch", goal, match, match.home, 14)
    assert "not on the pitch at 10'" in error.message


def test_a_player_who_went_off_cannot_score_later_but_could_before():
    match = make_match(kicked_off=True)
    substitution(match, match.home, off=9, on=14, minute=30)
    refused("player_not_on_pitch", goal, match, match.home, 9, minute=31)
    assert goal(match, match.home, 9, minute=29).created
    assert goal(match, match.home, 14, minute=31).created


def test_a_player_who_went_off_cannot_come_back_on():
    match = make_match(kicked_off=True)
    substitution(match, match.home, off=9, on=14, minute=30)
    error = refused("player_already_off", substitution, match, match.home, off=14, on=9, minute=40)
    assert error.field == "second_player"


def test_a_player_cannot_come_on_twice():
    match = make_match(kicked_off=True)
    substitution(match, match.home, off=9, on=14, minute=30)
    refused("player_already_on", substitution, match, match.home, off=10, on=14, minute=40)


def test_a_starter_is_not_a_substitute():
    match = make_match(kicked_off=True)
    refused("player_already_on", substitution, match, match.home, off=9, on=10, minute=40)


def test_no_more_substitutions_than_the_competition_allows():
    match = make_match(kicked_off=True)
    for off, on in ((2, 12), (3, 13), (4, 14)):
        substitution(match, match.home, off=off, on=on, minute=30)
    error = refused("too_many_substitutions", substitution, match, match.home, off=5, on=15, minute=40)
    assert "3 substitutions" in error.message


def test_a_sent_off_player_is_off_the_pitch():
    match = make_match(kicked_off=True)
    goal(match, match.home, 5, minute=20, kind="red_card")
    refused("player_not_on_pitch", goal, match, match.home, 5, minute=25)


def test_a_second_yellow_needs_a_first():
    match = make_match(kicked_off=True)
    refused("no_first_yellow", goal, match, match.home, 5, kind="second_yellow")
    goal(match, match.home, 5, minute=10, kind="yellow_card")
    refused("already_booked", goal, match, match.home, 5, minute=12, kind="yellow_card")
    assert goal(match, match.home, 5, minute=12, kind="second_yellow").created


def test_assist_must_be_a_team_mate_on_the_pitch():
    match = make_match(kicked_off=True)
    refused("player_not_on_pitch", goal, match, match.home, 9, second_player_id=player(match.home, 14).id)
    refused("same_player", goal, match, match.home, 9, second_player_id=player(match.home, 9).id)
    refused("player_team_mismatch", goal, match, match.home, 9, second_player_id=player(match.away, 9).id)


@pytest.mark.parametrize(
    ("minute", "added", "field"),
    [(50, None, "minute"), (121, None, "minute"), (30, 2, "added_minute"), (45, 31, "added_minute")],
)
def test_a_minute_out_of_range_for_the_period_is_refused(minute, added, field):
    match = make_match(kicked_off=True)
    error = refused("minute_out_of_range", goal, match, match.home, 9, minute=minute, added_minute=added)
    assert error.field == field


def test_no_events_before_kick_off_or_after_full_time():
    match = make_match()
    refused("match_not_started", goal, match, match.home, 9)
    services.record_event(match_id=match.id, kind="period_start")
    services.record_event(match_id=match.id, kind="period_end")
    services.record_event(match_id=match.id, kind="period_start")
    services.record_event(match_id=match.id, kind="period_end")
    error = refused("match_finished", goal, match, match.home, 9, minute=80)
    assert error.status == 409


def test_a_team_not_in_the_match_is_refused():
    match, elsewhere = make_match(kicked_off=True), make_match()
    error = refused(
        "team_not_in_match", services.record_event, match_id=match.id, kind="goal", minute=10,
        team_id=elsewhere.home_id, player_id=player(elsewhere.home, 9).id,
    )
    assert error.field == "team"


def test_a_refused_event_leaves_nothing_behind():
    match = make_match(kicked_off=True)
    refused("player_not_on_pitch", goal, match, match.home, 14, idempotency_key="x")
    match.refresh_from_db()
    assert match.seq == 1 and not MatchEvent.objects.filter(kind="goal").exists()
    assert goal(match, match.home, 9, idempotency_key="x").created


def test_a_var_check_reviews_an_incident_of_the_same_match():
    match, other = make_match(kicked_off=True), make_match(kicked_off=True)
    incident = goal(other, other.home, 9)
    refused(
        "invalid_reviewed_event", services.record_event, match_id=match.id, kind="var_check", minute=11,
        reviewed_event_id=incident.event.id, var_category="goal",
    )
    own = goal(match, match.home, 9)
    check = services.record_event(match_id=match.id, kind="var_check", minute=11, reviewed_event_id=own.event.id,
                                  var_category="goal")
    assert check.event.var_outcome == "in_progress"
