"""VAR reviews: each reviewable decision and each outcome, with score, table and timeline checked."""

import pytest

from events import services
from events.models import Change, MatchEvent
from events.reads import tables
from events.reads.history import match_history
from events.services import ServiceError
from live import messages
from tests.factories import make_match, make_user, player

pytestmark = pytest.mark.django_db


def record(match, kind, minute, team=None, number=None, **extra):
    team = team or match.home
    return services.record_event(
        match_id=match.id, kind=kind, minute=minute, team_id=team.id,
        player_id=player(team, number).id if number else None, **extra,
    ).event


def check(match, incident=None, category="goal", minute=None, team=None, **extra):
    return services.record_event(
        match_id=match.id, kind="var_check", minute=minute or (incident.minute if incident else 30),
        reviewed_event_id=incident.id if incident else None, var_category=category,
        team_id=(team or match.home).id if incident is None else None, **extra,
    ).event


def decide(var_check, decision, **extra):
    return services.decide_var_check(check_id=var_check.id, decision=decision, **extra)


def table_points(match):
    return {row["team"]["id"]: row["points"] for row in tables.group_table(match.group)["rows"]}


@pytest.fixture
def match():
    return make_match(kicked_off=True)


def test_a_check_in_progress_shows_on_the_score_header(match):
    goal = record(match, "goal", 20, number=9)
    var_check = check(match, goal, var_reason="possible offside")
    state = messages.match_snapshot(match.id)["match"]["var"]
    assert state == {
        "check": var_check.id, "category": "goal", "category_label": "Goal / no goal", "outcome": "in_progress",
        "outcome_label": "Check in progress", "var_reason": "possible offside", "reviewed_event": goal.id,
    }
    services.start_on_field_review(check_id=var_check.id)
    assert messages.match_snapshot(match.id)["match"]["var"]["outcome"] == "on_field_review"
    decide(var_check, "stands")
    assert messages.match_snapshot(match.id)["match"]["var"] is None


def test_an_overturned_goal_is_disallowed_and_score_and_table_go_back(match):
    goal = record(match, "goal", 20, number=9)
    assert table_points(match)[match.home_id] == 3
    result = decide(check(match, goal), "overturned", decision_reason="offside")
    goal.refresh_from_db()
    match.refresh_from_db()
    assert goal.state == "disallowed" and goal.state_reason == "Goal disallowed after VAR review: offside"
    assert (match.home_score, match.away_score) == (0, 0)
    assert table_points(match)[match.home_id] == 1
    change = Change.objects.get(match=match, seq=result.seq)
    assert change.after["var_outcome"] == "overturned"
    assert [event["id"] for event in change.related] == [goal.id]
    assert change.related[0]["state"] == "disallowed"


def test_the_overturn_goes_out_as_one_change_with_the_goal_and_the_table(
    match, django_capture_on_commit_callbacks, listen_to_match
):
    goal = record(match, "goal", 20, number=9)
    var_check = check(match, goal)
    fans = listen_to_match(match)
    with django_capture_on_commit_callbacks(execute=True):
        decide(var_check, "overturned", decision_reason="offside")
    [message] = fans.messages()
    assert message["event"]["id"] == var_check.id and message["related"][0]["state"] == "disallowed"
    assert message["match"]["home_score"] == 0
    assert "Goal disallowed after VAR review: offside" in message["html"]["related"][0]
    assert message["table"]["rows"][0]["points"] == 1


def test_a_goal_that_stands_is_confirmed(match):
    goal = record(match, "goal", 20, number=9)
    decide(check(match, goal), "stands")
    goal.refresh_from_db()
    match.refresh_from_db()
    assert goal.state == "active" and match.home_score == 1


def test_a_goal_given_on_review_counts(match):
    var_check = check(match, None, minute=33, var_reason="goal ruled out for offside")
    decide(var_check, "overturned", decision_reason="clear_error", player_id=player(match.home, 9).id)
    match.refresh_from_db()
    assert match.home_score == 1
    created = MatchEvent.objects.get(kind="goal")
    assert created.state_reason == "Given after VAR review" and created.minute == 33


def test_a_penalty_awarded_on_review_creates_the_penalty_incident(match):
    var_check = check(match, None, category="penalty", minute=40, var_reason="possible foul in the area")
    decide(var_check, "overturned", decision_reason="foul_in_the_area", player_id=player(match.home, 9).id)
    penalty = MatchEvent.objects.get(kind="penalty_awarded")
    assert penalty.team_id == match.home_id and penalty.state == "active"
    var_check.refresh_from_db()
    assert var_check.reviewed_event_id == penalty.id


def test_a_penalty_given_on_the_field_can_be_cancelled(match):
    penalty = record(match, "penalty_awarded", 40, number=9)
    decide(check(match, penalty, category="penalty"), "overturned", decision_reason="no_foul")
    penalty.refresh_from_db()
    assert penalty.state == "disallowed" and "Penalty cancelled" in penalty.state_reason


def test_a_direct_red_card_can_be_rescinded(match):
    red = record(match, "red_card", 35, number=5)
    decide(check(match, red, category="red_card"), "overturned", decision_reason="not_a_red_card")
    red.refresh_from_db()
    assert red.state == "disallowed"
    # Back on the pitch: he can score.
    assert record(match, "goal", 40, number=5).state == "active"


def test_a_yellow_card_can_become_red_on_review(match):
    yellow = record(match, "yellow_card", 35, number=5)
    decide(check(match, yellow, category="red_card"), "overturned", decision_reason="serious_foul_play")
    yellow.refresh_from_db()
    assert yellow.kind == "red_card"
    with pytest.raises(ServiceError, match="not on the pitch"):
        record(match, "goal", 40, number=5)


def test_a_red_card_given_on_review_for_a_missed_incident(match):
    var_check = check(match, None, category="red_card", minute=38, team=match.away)
    decide(var_check, "overturned", decision_reason="violent_conduct", player_id=player(match.away, 4).id)
    assert MatchEvent.objects.get(kind="red_card").player == player(match.away, 4)


def test_mistaken_identity_moves_the_card_to_the_right_player(match):
    card = record(match, "yellow_card", 35, number=5)
    decide(check(match, card, category="mistaken_identity"), "overturned", decision_reason="mistaken_identity",
           player_id=player(match.home, 6).id)
    card.refresh_from_db()
    assert card.player == player(match.home, 6) and card.state == "active"


def test_a_review_concerns_a_matching_incident(match):
    card = record(match, "yellow_card", 35, number=5)
    with pytest.raises(ServiceError) as caught:
        check(match, card, category="goal")
    assert caught.value.field == "reviewed_event"
    with pytest.raises(ServiceError) as caught:
        check(match, None, category="mistaken_identity")
    assert caught.value.code == "required"
    with pytest.raises(ServiceError) as caught:
        check(match, card, category="second_yellow")
    assert caught.value.field == "var_category"


def test_editors_cannot_change_a_decision_once_made(match):
    editor = make_user(role="Editors")
    goal = record(match, "goal", 20, number=9)
    var_check = check(match, goal)
    decide(var_check, "stands", user=editor)
    with pytest.raises(ServiceError) as caught:
        decide(var_check, "overturned", user=editor, reason="Replays show offside")
    assert caught.value.status == 403 and caught.value.code == "decision_final"


def test_an_admin_corrects_a_decision_with_a_reason_and_the_overturn_is_undone_exactly(match):
    admin = make_user(role="Admins")
    goal = record(match, "goal", 20, number=9)
    var_check = check(match, goal)
    decide(var_check, "overturned", decision_reason="offside")
    with pytest.raises(ServiceError) as caught:
        decide(var_check, "stands", user=admin)
    assert caught.value.field == "reason"
    result = decide(var_check, "stands", user=admin, reason="Offside line drawn from the wrong player")
    goal.refresh_from_db()
    match.refresh_from_db()
    assert goal.state == "active" and goal.state_reason == "" and match.home_score == 1
    change = Change.objects.get(match=match, seq=result.seq)
    assert change.user == admin and change.reason == "Offside line drawn from the wrong player"
    assert change.before["var_outcome"] == "overturned" and change.after["var_outcome"] == "stands"


def test_removing_a_check_takes_back_what_its_decision_changed(match):
    yellow = record(match, "yellow_card", 35, number=5)
    var_check = check(match, yellow, category="red_card")
    decide(var_check, "overturned", decision_reason="serious_foul_play")
    services.remove_event(event_id=var_check.id)
    yellow.refresh_from_db()
    assert yellow.kind == "yellow_card"


def test_a_correction_after_full_time_moves_the_final_table(match):
    admin = make_user(role="Admins")
    goal = record(match, "goal", 20, number=9)
    var_check = check(match, goal)
    decide(var_check, "stands")
    for kind in ("period_end", "period_start", "period_end"):
        services.record_event(match_id=match.id, kind=kind)
    match.refresh_from_db()
    assert match.status == "finished" and table_points(match)[match.home_id] == 3
    with pytest.raises(ServiceError):
        decide(var_check, "overturned", user=make_user(role="Editors"), reason="late look")
    decide(var_check, "overturned", user=admin, decision_reason="handball", reason="Handball missed in the build-up")
    match.refresh_from_db()
    assert match.status == "finished" and (match.home_score, match.away_score) == (0, 0)
    assert table_points(match) == {match.home_id: 1, match.away_id: 1}


def test_fans_see_the_history_of_decisions_and_corrections(match, client):
    admin = make_user(role="Admins")
    goal = record(match, "goal", 20, number=9)
    var_check = check(match, goal)
    decide(var_check, "overturned", decision_reason="offside", user=make_user(role="Editors"))
    decide(var_check, "stands", user=admin, reason="Camera angle showed him onside <b>clearly</b>")
    history = match_history(match.id)
    assert [(entry["text"], entry["by"]) for entry in history] == [
        ("VAR review (Goal / no goal): decision stands", "an admin"),
        ("Goal disallowed after VAR review: offside", "an editor"),
    ]
    page = client.get(f"/matches/{match.id}/").content.decode()
    assert "Goal disallowed after VAR review: offside" in page
    assert "corrected by an admin: Camera angle showed him onside &lt;b&gt;clearly&lt;/b&gt;" in page


def test_a_correction_message_carries_its_history_entry(match, django_capture_on_commit_callbacks, listen_to_match):
    goal = record(match, "goal", 20, number=9)
    fans = listen_to_match(match)
    with django_capture_on_commit_callbacks(execute=True):
        services.amend_event(event_id=goal.id, changes={"minute": 22}, user=make_user(role="Admins"),
                             reason="Clock was wrong")
    [message] = fans.messages()
    assert message["history_entry"]["text"] == f"Goal ({player(match.home, 9).name}, 22'): minute corrected"
    assert "Clock was wrong" in message["html"]["history_entry"]


# --- a decision is final for editors --------------------------------------------------------------


def each_refused_as_final(*attempts) -> None:
    for attempt in attempts:
        with pytest.raises(ServiceError) as refused:
            attempt()
        assert (refused.value.code, refused.value.status) == ("decision_final", 403)


def test_an_editor_cannot_remove_a_decided_check_or_point_it_at_another_incident(match):
    editor = make_user()
    goal = record(match, "goal", 20, number=9)
    other_goal = record(match, "goal", 25, number=10)
    var_check = check(match, goal)
    decide(var_check, "overturned", decision_reason="offside")
    var_check.refresh_from_db()
    each_refused_as_final(
        lambda: services.remove_event(event_id=var_check.id, user=editor, reason=""),
        lambda: services.amend_event(event_id=var_check.id, user=editor, changes={"reviewed_event": other_goal.id}),
    )
    goal.refresh_from_db()
    match.refresh_from_db()
    assert goal.state == "disallowed" and (match.home_score, match.away_score) == (1, 0)


def test_an_editor_cannot_change_or_remove_what_a_decision_changed(match):
    editor = make_user()
    card = record(match, "yellow_card", 30, number=5)
    decide(check(match, card, category="red_card"), "overturned", decision_reason="serious_foul_play")
    card.refresh_from_db()
    assert card.kind == "red_card"
    each_refused_as_final(
        lambda: services.amend_event(event_id=card.id, user=editor, changes={"minute": 31}),
        lambda: services.remove_event(event_id=card.id, user=editor),
    )
    card.refresh_from_db()
    assert (card.kind, card.minute, card.state) == ("red_card", 30, "active")


def test_a_check_that_let_the_goal_stand_is_final_too(match):
    goal = record(match, "goal", 20, number=9)
    var_check = check(match, goal)
    decide(var_check, "stands")
    each_refused_as_final(lambda: services.remove_event(event_id=var_check.id, user=make_user()))


def test_an_undecided_check_is_still_the_editors(match):
    editor = make_user()
    goal = record(match, "goal", 20, number=9)
    var_check = check(match, goal)
    services.amend_event(event_id=var_check.id, user=editor, changes={"var_reason": "possible handball"})
    assert services.remove_event(event_id=var_check.id, user=editor).event.state == "removed"


def test_an_admin_removes_a_decided_check_with_a_reason_and_the_goal_counts_again(match):
    admin = make_user(role="Admins")
    goal = record(match, "goal", 20, number=9)
    var_check = check(match, goal)
    decide(var_check, "overturned", decision_reason="offside")
    with pytest.raises(ServiceError) as refused:
        services.remove_event(event_id=var_check.id, user=admin, reason=" ")
    assert (refused.value.code, refused.value.field) == ("required", "reason")
    result = services.remove_event(event_id=var_check.id, user=admin, reason="Check recorded against the wrong goal")
    goal.refresh_from_db()
    match.refresh_from_db()
    assert goal.state == "active" and (match.home_score, match.away_score) == (1, 0)
    change = Change.objects.get(match=match, seq=result.seq)
    assert change.reason == "Check recorded against the wrong goal" and change.user == admin



def test_the_banner_and_the_timeline_write_the_check_as_the_language_does(match, client):
    goal = record(match, "goal", 20, number=9)
    check(match, goal)
    page = client.get(f"/matches/{match.id}/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    # German nouns keep their capitals: the banner's sentence and the timeline's line say "Tor", never "tor".
    assert '<span id="var-banner-text">Tor / kein Tor: Überprüfung läuft</span>' in page
    assert "): Tor / kein Tor —" in page
    assert "tor / kein tor" not in page and "überprüfung läuft" not in page
    matchday = client.get(f"/groups/{match.group_id}/matchdays/{match.matchday}/", HTTP_ACCEPT_LANGUAGE="de")
    assert "<span data-var-text>Tor / kein Tor: Überprüfung läuft</span>" in matchday.content.decode()
