"""events/services/commit.py: seq and change log, score and periods derived from events, broadcast after commit."""

import pytest

from events import services
from events.models import Change, Match, MatchEvent
from tests.db.services.helpers import goal, refused
from tests.factories import make_match, make_user, player

pytestmark = pytest.mark.django_db


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

    monkeypatch.setattr("live.publish.get_channel_layer", lambda: BrokenLayer())
    with django_capture_on_commit_callbacks(execute=True):
        result = goal(match, match.home, 9)
    assert result.created and Match.objects.get(pk=match.id).home_score == 1
    assert "Broadcast to match." in caplog.text
