import pytest

from events import services
from events.models import Change, Match, MatchEvent
from events.services import ServiceError
from tests.factories import make_match, make_user, player

pytestmark = pytest.mark.django_db


def goal(match, team, number, minute=10, **extra):
    return services.record_event(
        match_id=match.id, kind=extra.pop("kind", "goal"), minute=minute, team_id=team.id,
        player_id=player(team, number).id, **extra,
    )


def substitution(match, team, off, on, minute=60, **extra):
    return services.record_event(
        match_id=match.id, kind="substitution", minute=minute, team_id=team.id,
        player_id=player(team, off).id, second_player_id=player(team, on).id, **extra,
    )


def refused(code, call, *args, **kwargs) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


# --- sequence numbers and the change log ---------------------------------------------------------


def test_every_change_gets_the_next_seq_and_a_change_log_row():
    match = make_match(kicked_off=True)
    editor = make_user()
    first = goal(match, match.home, 9, user=editor)
    amended = services.amend_event(event_id=first.event.id, user=editor, changes={"minute": 12})
    removed = services.remove_event(event_id=first.event.id, user=editor, reason="Wrong match")

    assert [first.seq, amended.seq, removed.seq] == [2, 3, 4]
    changes = list(Change.objects.filter(match=match).order_by("seq"))
    assert [(c.seq, c.op) for c in changes] == [(1, "add"), (2, "add"), (3, "update"), (4, "remove")]
    assert changes[1].user == editor and changes[1].before is None and changes[1].after["minute"] == 10
    assert changes[2].before["minute"] == 10 and changes[2].after["minute"] == 12
    assert changes[3].after["state"] == "removed" and changes[3].reason == "Wrong match"
    assert changes[2].match_state["home_score"] == 1 and changes[3].match_state["home_score"] == 0
    match.refresh_from_db()
    assert match.seq == 4


def test_removed_event_stays_in_the_record():
    match = make_match(kicked_off=True)
    result = goal(match, match.home, 9)
    services.remove_event(event_id=result.event.id)
    event = MatchEvent.objects.get(pk=result.event.id)
    assert event.state == "removed" and event.version == 2


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


# --- derived score -------------------------------------------------------------------------------


def test_score_is_derived_from_goals_own_goals_and_penalties():
    match = make_match(kicked_off=True)
    goal(match, match.home, 9, minute=5)
    goal(match, match.home, 10, minute=20, kind="penalty_goal")
    goal(match, match.home, 4, minute=30, kind="own_goal")  # for the away side
    goal(match, match.away, 9, minute=31, kind="missed_penalty")
    match.refresh_from_db()
    assert (match.home_score, match.away_score) == (2, 1)


def test_editing_a_goals_team_and_removing_it_recompute_the_score():
    match = make_match(kicked_off=True)
    result = goal(match, match.home, 9)
    services.amend_event(
        event_id=result.event.id, changes={"team": match.away_id, "player": player(match.away, 9).id}
    )
    match.refresh_from_db()
    assert (match.home_score, match.away_score) == (0, 1)
    services.remove_event(event_id=result.event.id)
    match.refresh_from_db()
    assert (match.home_score, match.away_score) == (0, 0)


# --- periods and the clock -----------------------------------------------------------------------


def test_periods_move_the_match_from_kick_off_to_full_time():
    match = make_match()
    assert match.status == "scheduled"
    steps = [("period_start", "first_half", "live"), ("period_end", "half_time", "live"),
             ("period_start", "second_half", "live"), ("period_end", "full_time", "finished")]
    for kind, period, status in steps:
        services.record_event(match_id=match.id, kind=kind)
        match.refresh_from_db()
        assert (match.period, match.status) == (period, status)
    assert match.period_started_at is None


def test_a_level_knockout_goes_to_extra_time_instead_of_full_time():
    match = make_match(kicked_off=True, extra_time_possible=True)
    for kind in ("period_end", "period_start", "period_end"):
        services.record_event(match_id=match.id, kind=kind)
    match.refresh_from_db()
    assert match.period == "before_extra_time" and match.status == "live"


def test_undoing_the_latest_period_change_restores_the_period():
    match = make_match(kicked_off=True)
    half_time = services.record_event(match_id=match.id, kind="period_end")
    services.remove_event(event_id=half_time.event.id)
    match.refresh_from_db()
    assert match.period == "first_half" and match.period_started_at is not None


def test_only_the_latest_period_change_can_be_undone():
    match = make_match()
    kick_off = services.record_event(match_id=match.id, kind="period_start")
    services.record_event(match_id=match.id, kind="period_end")
    refused("not_latest_period", services.remove_event, event_id=kick_off.event.id)


def test_added_time_is_announced_for_the_running_period():
    match = make_match(kicked_off=True)
    services.record_event(match_id=match.id, kind="added_time", minute=45, added_minute=3)
    match.refresh_from_db()
    assert match.announced_added_time == 3
    goal(match, match.home, 9, minute=45, added_minute=2)
    assert MatchEvent.objects.get(kind="goal").period == "first_half"


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


# --- broadcasting --------------------------------------------------------------------------------


def test_changes_are_broadcast_once_after_commit(django_capture_on_commit_callbacks, listen_to_match, listen_to_group):
    match = make_match(kicked_off=True)
    fans, group_fans = listen_to_match(match), listen_to_group(match.group)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = goal(match, match.home, 9)
        assert fans.messages() == []  # Nothing leaves before the commit.
    for callback in callbacks:
        callback()
    [message] = fans.messages()
    assert message["seq"] == result.seq and message["op"] == "add"
    assert message["event"]["player"]["id"] == player(match.home, 9).id
    assert message["match"]["home_score"] == 1
    assert message["table"]["provisional"] is True
    assert message["table"]["rows"][0]["team"]["id"] == match.home_id
    assert f'id="event-{result.event.id}"' in message["html"]["event"]
    assert group_fans.messages() == [message]


def test_a_rolled_back_change_is_never_broadcast(django_capture_on_commit_callbacks, listen_to_match):
    match = make_match(kicked_off=True)
    fans = listen_to_match(match)
    with django_capture_on_commit_callbacks(execute=True):
        refused("player_not_on_pitch", goal, match, match.home, 14)
    assert fans.messages() == []


def test_a_broadcast_failure_does_not_fail_the_submission(monkeypatch, django_capture_on_commit_callbacks, caplog):
    match = make_match(kicked_off=True)

    class BrokenLayer:
        async def group_send(self, group, message):
            raise ConnectionError("Redis is down")

    monkeypatch.setattr("events.broadcast.get_channel_layer", lambda: BrokenLayer())
    with django_capture_on_commit_callbacks(execute=True):
        result = goal(match, match.home, 9)
    assert result.created and Match.objects.get(pk=match.id).home_score == 1
    assert "Broadcast to match." in caplog.text
