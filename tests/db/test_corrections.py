"""Admin corrections, through the editor area's correction page and through the Django admin."""

import json

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


def test_the_correction_page_and_its_forms_read_in_the_admins_language(client):
    match, goal = finished_match_with_goal()
    client.force_login(make_user(role="Admins"))
    url = f"/editor/matches/{match.id}/corrections/"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    for german in ('id="events-heading">Ereignisse<', "Dieses Ereignis korrigieren", ">Begründung:</label>",
                   "Wird den Fans mit der Korrektur angezeigt.", "Korrektur speichern", "Entfernte Ereignisse"):
        assert german in page, german
    form = {"event": goal.id, "action": "correct", f"e{goal.id}-kind": "goal", f"e{goal.id}-minute": 20,
            f"e{goal.id}-player": player(match.home, 10).id, f"e{goal.id}-reason": "Laut Spielbericht die 10"}
    saved = client.post(url, form, HTTP_ACCEPT_LANGUAGE="de", follow=True).content.decode()
    assert "Korrektur gespeichert und an alle offenen Seiten gesendet." in saved


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


# --- restoring a removed event through the API ------------------------------------------------------


def restore(client, event_id, body, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(f"/api/events/{event_id}/restore", data=json.dumps(body), content_type="application/json",
                       headers=headers)


def removed_goal():
    match = make_match(kicked_off=True)
    goal = services.record_event(match_id=match.id, kind="goal", minute=20, team_id=match.home_id,
                                 player_id=player(match.home, 9).id).event
    services.remove_event(event_id=goal.id, reason="Wrong match")
    return match, MatchEvent.objects.get(pk=goal.id)


def test_an_editor_restores_a_removed_goal_through_the_api_with_a_reason(client):
    match, goal = removed_goal()
    editor = make_user(role="Editors")
    token = services.create_api_token(user=editor)
    response = restore(client, goal.id, {"reason": "Removed by mistake", "version": goal.version}, token)
    assert response.status_code == 200, response.json()
    assert response.json()["event"]["state"] == "active"
    match.refresh_from_db()
    assert match.home_score == 1
    change = Change.objects.filter(match=match).latest("seq")
    assert (change.user, change.reason) == (editor, "Removed by mistake")


def test_a_restore_through_the_api_refuses_bad_input_and_changes_nothing(client):
    match, goal = removed_goal()
    token = services.create_api_token(user=make_user(role="Editors"))
    cases = [
        ({}, 400, "required", "reason"),
        ({"reason": "  "}, 400, "required", "reason"),
        ({"reason": "x" * 301}, 422, "invalid", "reason"),
        ({"reason": "ok", "version": "2"}, 422, "invalid", "version"),
        ({"reason": "ok", "version": -1}, 422, "invalid", "version"),
        ({"reason": "ok", "extra": 1}, 422, "invalid", "extra"),
        ({"reason": "nul\x00"}, 422, "invalid", "reason"),
        ({"reason": "ok", "version": 1}, 409, "stale_version", "version"),
    ]
    for body, status, code, field in cases:
        response = restore(client, goal.id, body, token)
        assert (response.status_code, response.json()["code"], response.json()["field"]) == (status, code, field), body
    assert restore(client, goal.id + 1000, {"reason": "ok"}, token).status_code == 404
    assert client.post("/api/events/0012/restore", data="{}", content_type="application/json",
                       headers={"Authorization": f"Bearer {token}"}).status_code == 422
    assert MatchEvent.objects.get(pk=goal.id).state == "removed"
    match.refresh_from_db()
    assert match.home_score == 0


def test_restoring_needs_a_signed_in_editor(client):
    _, goal = removed_goal()
    assert restore(client, goal.id, {"reason": "ok"}).status_code == 401
    viewer = make_user(role=None)
    assert restore(client, goal.id, {"reason": "ok"}, services.create_api_token(user=viewer)).status_code == 403
    assert MatchEvent.objects.get(pk=goal.id).state == "removed"


def test_the_correction_page_lists_removed_events_to_restore(client):
    match, goal = removed_goal()
    client.force_login(make_user(role="Admins"))
    page = client.get(f"/editor/matches/{match.id}/corrections/").content.decode()
    assert f'id="removed-{goal.id}"' in page


def test_an_admin_restores_from_the_correction_page_only_with_a_reason(client):
    match, goal = removed_goal()
    client.force_login(make_user(role="Admins"))
    url = f"/editor/matches/{match.id}/corrections/"
    page = client.post(url, {"event": goal.id, "action": "restore", f"x{goal.id}-reason": ""})
    assert page.status_code == 200 and "This field is required" in page.content.decode()
    assert MatchEvent.objects.get(pk=goal.id).state == "removed"
    response = client.post(url, {"event": goal.id, "action": "restore", f"x{goal.id}-reason": "Counted after all"})
    assert response.status_code == 302
    match.refresh_from_db()
    assert (MatchEvent.objects.get(pk=goal.id).state, match.home_score) == ("active", 1)
    assert Change.objects.filter(match=match).latest("seq").reason == "Counted after all"
