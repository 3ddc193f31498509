"""Admin corrections, through the editor area's correction page and through the Django admin."""

import pytest

from events import services
from events.models import Change, MatchEvent
from tests.factories import make_match, make_user, player

pytestmark = pytest.mark.django_db


def finished_match_with_goal():
    match = make_match(kicked_off=True)
    goal = services.record_event(match_id=match.id, kind="goal", minute=20, team_id=match.home_id,
                                 player_id=player(match.home, 9).id).event
    for kind in ("period_end", "period_start", "period_end"):
        services.record_event(match_id=match.id, kind=kind)
    return match, goal


def test_the_correction_page_is_for_admins_only(client):
    match, _ = finished_match_with_goal()
    url = f"/editor/matches/{match.id}/corrections/"
    assert client.get(url).status_code == 302
    client.force_login(make_user(role="Editors"))
    assert client.get(url).status_code == 403
    client.force_login(make_user(role="Admins"))
    assert client.get(url).status_code == 200


def test_an_admin_corrects_the_scorer_after_full_time_with_a_reason(client):
    match, goal = finished_match_with_goal()
    admin = make_user(role="Admins")
    client.force_login(admin)
    url = f"/editor/matches/{match.id}/corrections/"
    form = {"event": goal.id, "action": "correct", f"e{goal.id}-kind": "goal", f"e{goal.id}-minute": 20,
            f"e{goal.id}-player": player(match.home, 10).id}
    page = client.post(url, form)
    assert page.status_code == 200 and "This field is required" in page.content.decode()
    assert MatchEvent.objects.get(pk=goal.id).player == player(match.home, 9)
    response = client.post(url, {**form, f"e{goal.id}-reason": "Official report credits number 10"})
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.player == player(match.home, 10)
    change = Change.objects.filter(match=match).latest("seq")
    assert (change.user, change.reason, change.before["player"]["id"]) == (
        admin, "Official report credits number 10", player(match.home, 9).id)


def test_a_refused_correction_names_the_problem_and_changes_nothing(client):
    match, goal = finished_match_with_goal()
    client.force_login(make_user(role="Admins"))
    page = client.post(f"/editor/matches/{match.id}/corrections/", {
        "event": goal.id, "action": "correct", f"e{goal.id}-kind": "goal", f"e{goal.id}-minute": 20,
        f"e{goal.id}-player": player(match.home, 14).id, f"e{goal.id}-reason": "wrong",
    })
    assert "is not on the pitch at 20" in page.content.decode()
    assert MatchEvent.objects.get(pk=goal.id).player == player(match.home, 9)


def test_an_admin_removes_a_goal_that_should_not_count_and_the_score_follows(client):
    match, goal = finished_match_with_goal()
    client.force_login(make_user(role="Admins"))
    client.post(f"/editor/matches/{match.id}/corrections/", {
        "event": goal.id, "action": "remove", f"r{goal.id}-reason": "Recorded in the wrong match",
    })
    match.refresh_from_db()
    assert MatchEvent.objects.get(pk=goal.id).state == "removed" and match.home_score == 0


def test_editors_cannot_touch_a_finished_match_through_the_api(client):
    _, goal = finished_match_with_goal()
    token = services.create_api_token(user=make_user(role="Editors"))
    response = client.delete(f"/api/events/{goal.id}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403 and response.json()["code"] == "match_finished"


def test_the_django_admin_corrects_through_the_service(client):
    match, goal = finished_match_with_goal()
    admin = make_user(role="Admins", is_staff=True)
    client.force_login(admin)
    url = f"/admin/events/matchevent/{goal.id}/change/"
    assert client.get(url).status_code == 200
    response = client.post(url, {
        "kind": "goal", "minute": 23, "team": match.home_id, "player": player(match.home, 9).id,
        "second_player": "", "goal_type": "", "commentary": "", "var_outcome": "", "decision_reason": "",
        "correction_reason": "Minute from the official report",
    })
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.minute == 23 and goal.version == 2
    assert Change.objects.filter(match=match).latest("seq").reason == "Minute from the official report"


def test_the_django_admin_reports_a_refused_correction(client):
    match, goal = finished_match_with_goal()
    client.force_login(make_user(role="Admins", is_staff=True))
    url = f"/admin/events/matchevent/{goal.id}/change/"
    response = client.post(url, {
        "kind": "goal", "minute": 70, "team": match.home_id, "player": player(match.home, 14).id,
        "second_player": "", "goal_type": "", "commentary": "", "var_outcome": "", "decision_reason": "",
        "correction_reason": "x",
    }, follow=True)
    assert "The correction was refused" in response.content.decode()
    assert MatchEvent.objects.get(pk=goal.id).minute == 20


def test_the_admin_audit_shows_who_when_before_after_and_why(client):
    _, goal = finished_match_with_goal()
    admin = make_user(role="Admins", is_staff=True)
    services.amend_event(event_id=goal.id, user=admin, changes={"minute": 21}, reason="Clock")
    client.force_login(admin)
    change = Change.objects.filter(event=goal).latest("seq")
    page = client.get(f"/admin/events/change/{change.id}/change/").content.decode()
    assert "Clock" in page and "&quot;minute&quot;: 21" in page
