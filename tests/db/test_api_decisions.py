"""Over the API: a decided VAR check, and what it changed, are the admins' to change, with a reason;
an idempotency key is its user's own, for one request."""

import json

import pytest

from events import services
from tests.factories import make_match, make_user, player

pytestmark = pytest.mark.django_db


def call(client, method, path, token, body=None):
    return client.generic(
        method, path, json.dumps(body) if body is not None else "", content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


@pytest.fixture
def match():
    return make_match(kicked_off=True)


@pytest.fixture
def editor():
    return services.create_api_token(user=make_user(role="Editors"))


@pytest.fixture
def admin():
    return services.create_api_token(user=make_user(role="Admins"))


@pytest.fixture
def disallowed(client, match, editor):
    """A goal, and the check that disallowed it: (goal id, check id)."""
    scorer = player(match.home, 9).id
    goal = call(client, "POST", f"/api/matches/{match.id}/events", editor,
                {"kind": "goal", "minute": 10, "team": match.home_id, "player": scorer}).json()
    check = call(client, "POST", f"/api/matches/{match.id}/events", editor,
                 {"kind": "var_check", "minute": 11, "reviewed_event": goal["id"], "var_category": "goal"}).json()
    decided = call(client, "POST", f"/api/events/{check['id']}/var-decision", editor,
                   {"decision": "overturned", "decision_reason": "offside"})
    assert decided.status_code == 200
    return goal["id"], check["id"]


def score(client, match):
    state = client.get(f"/api/matches/{match.id}").json()["match"]
    return state["home_score"], state["away_score"]


def test_an_editor_cannot_delete_a_decided_check(client, match, editor, disallowed):
    _goal, check = disallowed
    response = call(client, "DELETE", f"/api/events/{check}?reason=", editor)
    assert response.status_code == 403
    assert response.json()["code"] == "decision_final"
    assert score(client, match) == (0, 0)


def test_an_editor_cannot_point_a_decided_check_at_another_goal(client, match, editor, disallowed):
    _goal, check = disallowed
    other = call(client, "POST", f"/api/matches/{match.id}/events", editor,
                 {"kind": "goal", "minute": 20, "team": match.home_id, "player": player(match.home, 10).id}).json()
    response = call(client, "PATCH", f"/api/events/{check}", editor, {"reviewed_event": other["id"]})
    assert response.status_code == 403 and response.json()["code"] == "decision_final"
    assert score(client, match) == (1, 0)  # the new goal counts, the disallowed one still does not


def test_an_admin_deletes_a_decided_check_with_a_reason(client, match, admin, disallowed):
    _goal, check = disallowed
    assert call(client, "DELETE", f"/api/events/{check}", admin).json()["field"] == "reason"
    response = call(client, "DELETE", f"/api/events/{check}?reason=Checked+the+wrong+goal", admin)
    assert response.status_code == 200
    assert score(client, match) == (1, 0)


def test_an_idempotency_key_reused_for_another_request_is_422_naming_it(client, match, editor):
    scorer = player(match.home, 9).id
    body = {"kind": "goal", "minute": 10, "team": match.home_id, "player": scorer, "idempotency_key": "tap-7"}
    first = call(client, "POST", f"/api/matches/{match.id}/events", editor, body)
    assert first.status_code == 201
    assert call(client, "POST", f"/api/matches/{match.id}/events", editor, body).json()["id"] == first.json()["id"]
    other = call(client, "POST", f"/api/matches/{match.id}/events", editor, {**body, "kind": "missed_penalty"})
    assert other.status_code == 422
    assert (other.json()["code"], other.json()["field"]) == ("idempotency_key_reused", "idempotency_key")
    someone_else = services.create_api_token(user=make_user(role="Editors"))
    theirs = call(client, "POST", f"/api/matches/{match.id}/events", someone_else, {**body, "minute": 12})
    assert theirs.status_code == 201 and theirs.json()["id"] != first.json()["id"]
