import json
from datetime import timedelta

import pytest
from django.test import Client

from events import services
from events.models import ApiToken, MatchEvent
from tests.factories import make_match, make_user, player

pytestmark = pytest.mark.django_db


@pytest.fixture
def match():
    return make_match(kicked_off=True)


@pytest.fixture
def token():
    return services.create_api_token(user=make_user(role="Editors"))


def post_event(client, match, token, **body):
    return client.post(
        f"/api/matches/{match.id}/events",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"} if token else {},
    )


def goal_body(match, number=9, **extra):
    return {"kind": "goal", "minute": 10, "team": match.home_id, "player": player(match.home, number).id, **extra}


# --- reads ---------------------------------------------------------------------------------------


def test_competitions_list_their_groups(client, match):
    [competition] = client.get("/api/competitions").json()
    assert competition["rule_set"] == "uefa-2019"
    assert competition["groups"] == [{"id": match.group_id, "name": "Group A"}]


def test_group_has_teams_fixtures_and_table(client, match):
    data = client.get(f"/api/groups/{match.group_id}").json()
    assert {team["id"] for team in data["teams"]} == {match.home_id, match.away_id}
    assert [fixture["id"] for fixture in data["matches"]] == [match.id]
    assert len(data["table"]["rows"]) == 2


def test_table_rows_carry_the_documented_fields(client, match):
    services.record_event(match_id=match.id, kind="goal", minute=5, team_id=match.away_id,
                          player_id=player(match.away, 9).id)
    table = client.get(f"/api/groups/{match.group_id}/table").json()
    leader = table["rows"][0]
    assert table["provisional"] is True
    assert leader["team"]["id"] == match.away_id
    assert {key: leader[key] for key in ("position", "played", "won", "drawn", "lost", "goals_for",
                                         "goals_against", "goal_difference", "points")} == {
        "position": 1, "played": 1, "won": 1, "drawn": 0, "lost": 0, "goals_for": 1, "goals_against": 0,
        "goal_difference": 1, "points": 3,
    }


def test_matches_filter_by_status(client, match):
    scheduled = make_match()
    assert [m["id"] for m in client.get("/api/matches?status=live").json()] == [match.id]
    assert [m["id"] for m in client.get("/api/matches?status=scheduled").json()] == [scheduled.id]
    assert client.get("/api/matches?status=finished").json() == []
    response = client.get("/api/matches?status=nonsense")
    assert response.status_code == 422 and response.json()["field"] == "status"


def test_match_snapshot_has_score_period_events_and_seq(client, match, token):
    post_event(client, match, token, **goal_body(match))
    data = client.get(f"/api/matches/{match.id}").json()
    assert data["seq"] == 2 and data["match"]["home_score"] == 1 and data["match"]["period"] == "first_half"
    assert [event["kind"] for event in data["events"]] == ["period_start", "goal"]
    assert len(data["lineups"]["home"]["starting"]) == 11


def test_changes_since_n(client, match, token):
    for number in (9, 10):
        post_event(client, match, token, **goal_body(match, number))
    data = client.get(f"/api/matches/{match.id}/changes?since=1").json()
    assert [change["seq"] for change in data["changes"]] == [2, 3]
    assert data["seq"] == 3 and data["more"] is False
    assert data["changes"][-1]["match"]["home_score"] == 2


def test_changes_since_an_unknown_seq_is_a_400_naming_since(client, match):
    response = client.get(f"/api/matches/{match.id}/changes?since=99")
    assert response.status_code == 400 and response.json()["field"] == "since"


@pytest.mark.parametrize("path", ["/api/matches/999999", "/api/groups/999999", "/api/groups/999999/table",
                                  "/api/matches/999999/changes"])
def test_unknown_ids_are_404_with_a_json_body(client, path):
    response = client.get(path)
    assert response.status_code == 404 and "detail" in response.json()


def test_openapi_schema_is_published(client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/matches/{match_id}/events" in schema["paths"]


# --- writes --------------------------------------------------------------------------------------


def test_new_event_answers_201_with_id_and_seq(client, match, token):
    response = post_event(client, match, token, **goal_body(match, idempotency_key="abc"))
    assert response.status_code == 201
    body = response.json()
    assert body["seq"] == 2 and body["event"]["id"] == body["id"]


def test_a_repeated_idempotency_key_answers_200_with_the_first_result(client, match, token):
    first = post_event(client, match, token, **goal_body(match, idempotency_key="abc")).json()
    retry = post_event(client, match, token, **goal_body(match, idempotency_key="abc"))
    assert retry.status_code == 200 and retry.json() == first
    assert MatchEvent.objects.filter(kind="goal").count() == 1


def test_writes_need_authentication(client, match):
    response = post_event(client, match, None, **goal_body(match))
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    assert post_event(client, match, "not-a-token", **goal_body(match)).status_code == 401


def test_writes_need_the_editor_permission(client, match):
    fan_token = services.create_api_token(user=make_user(role=None))
    response = post_event(client, match, fan_token, **goal_body(match))
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_a_revoked_token_no_longer_works(client, match):
    user = make_user()
    raw = services.create_api_token(user=user)
    services.revoke_api_token(token_id=user.api_tokens.get().id)
    assert post_event(client, match, raw, **goal_body(match)).status_code == 401


def test_a_token_records_when_it_was_last_used_to_the_minute(client, match):
    user = make_user(role="Editors")
    raw = services.create_api_token(user=user)
    stored = user.api_tokens.get()
    assert stored.last_used_at is None

    assert post_event(client, match, raw, **goal_body(match)).status_code == 201
    stored.refresh_from_db()
    first_use = stored.last_used_at
    assert first_use is not None

    # Within the minute, requests do not write it again.
    assert post_event(client, match, raw, **goal_body(match, minute=20)).status_code == 201
    stored.refresh_from_db()
    assert stored.last_used_at == first_use

    # Once it is a minute old, the next request brings it up to date.
    ApiToken.objects.filter(pk=stored.pk).update(last_used_at=first_use - timedelta(minutes=1))
    assert post_event(client, match, raw, **goal_body(match, minute=30)).status_code == 201
    stored.refresh_from_db()
    assert stored.last_used_at >= first_use


def test_rule_violations_are_400_naming_the_field(client, match, token):
    response = post_event(client, match, token, **goal_body(match, number=14))
    assert response.status_code == 400
    assert response.json()["field"] == "player" and "not on the pitch" in response.json()["detail"]


def test_malformed_bodies_are_422_naming_the_field(client, match, token):
    response = post_event(client, match, token, **goal_body(match, minute="soon"))
    assert response.status_code == 422 and response.json()["field"] == "minute"
    response = post_event(client, match, token, minute=10)
    assert response.status_code == 422 and response.json()["field"] == "kind"


def test_unknown_match_is_404(client, token):
    response = client.post("/api/matches/999999/events", data=json.dumps({"kind": "goal", "minute": 1}),
                           content_type="application/json", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404


def test_session_auth_needs_the_csrf_token(match):
    user = make_user()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    without = client.post(f"/api/matches/{match.id}/events", data=json.dumps(goal_body(match)),
                          content_type="application/json")
    assert without.status_code == 403 and without.json()["code"] == "csrf_failed"
    client.get("/editor/")  # sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    with_token = client.post(f"/api/matches/{match.id}/events", data=json.dumps(goal_body(match)),
                             content_type="application/json", headers={"X-CSRFToken": csrf})
    assert with_token.status_code == 201


def test_patch_edits_and_a_stale_version_is_409_with_the_current_event(client, match, token):
    created = post_event(client, match, token, **goal_body(match)).json()
    auth = {"Authorization": f"Bearer {token}"}
    response = client.patch(f"/api/events/{created['id']}", data=json.dumps({"minute": 12, "version": 1}),
                            content_type="application/json", headers=auth)
    assert response.status_code == 200 and response.json()["event"]["minute"] == 12
    stale = client.patch(f"/api/events/{created['id']}", data=json.dumps({"minute": 13, "version": 1}),
                         content_type="application/json", headers=auth)
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version" and stale.json()["current"]["minute"] == 12


def test_patch_of_an_unknown_field_is_refused(client, match, token):
    created = post_event(client, match, token, **goal_body(match)).json()
    response = client.patch(f"/api/events/{created['id']}", data=json.dumps({"state": "removed"}),
                            content_type="application/json", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (400, 422)
    assert MatchEvent.objects.get(pk=created["id"]).state == "active"


def test_delete_marks_the_event_removed(client, match, token):
    created = post_event(client, match, token, **goal_body(match)).json()
    auth = {"Authorization": f"Bearer {token}"}
    response = client.delete(f"/api/events/{created['id']}?version=1", headers=auth)
    assert response.status_code == 200 and response.json()["event"]["state"] == "removed"
    again = client.delete(f"/api/events/{created['id']}", headers=auth)
    assert again.status_code == 409
    assert client.delete("/api/events/999999", headers=auth).status_code == 404


# --- VAR reviews over the API --------------------------------------------------------------------


def start_check(client, match, token, goal_id):
    return client.post(f"/api/matches/{match.id}/events", data=json.dumps({
        "kind": "var_check", "minute": 11, "reviewed_event": goal_id, "var_category": "goal",
        "var_reason": "possible offside"}), content_type="application/json",
        headers={"Authorization": f"Bearer {token}"}).json()


def decide_over_api(client, check_id, token, **body):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(f"/api/events/{check_id}/var-decision", data=json.dumps(body),
                       content_type="application/json", headers=headers)


def test_var_review_in_two_calls_and_permissions_by_role(client, match, token):
    goal = post_event(client, match, token, **goal_body(match)).json()
    check = start_check(client, match, token, goal["id"])
    assert check["event"]["var_outcome"] == "in_progress"
    assert decide_over_api(client, check["id"], None, decision="overturned").status_code == 401
    fan = services.create_api_token(user=make_user(role=None))
    assert decide_over_api(client, check["id"], fan, decision="overturned").status_code == 403
    response = decide_over_api(client, check["id"], token, decision="overturned", decision_reason="offside")
    assert response.status_code == 200
    snapshot = client.get(f"/api/matches/{match.id}").json()
    assert snapshot["match"]["home_score"] == 0
    assert [e["state"] for e in snapshot["events"] if e["kind"] == "goal"] == ["disallowed"]
    again = decide_over_api(client, check["id"], token, decision="stands", reason="changed my mind")
    assert again.status_code == 403 and again.json()["code"] == "decision_final"
    admin = services.create_api_token(user=make_user(role="Admins"))
    no_reason = decide_over_api(client, check["id"], admin, decision="stands")
    assert no_reason.status_code == 400 and no_reason.json()["field"] == "reason"
    assert decide_over_api(client, check["id"], admin, decision="stands", reason="Onside").status_code == 200
    assert client.get(f"/api/matches/{match.id}").json()["match"]["home_score"] == 1


def test_a_bad_decision_names_the_field(client, match, token):
    goal = post_event(client, match, token, **goal_body(match)).json()
    check = start_check(client, match, token, goal["id"])
    response = decide_over_api(client, check["id"], token, decision="maybe")
    assert response.status_code == 400 and response.json()["field"] == "decision"
    response = decide_over_api(client, goal["id"], token, decision="stands")
    assert response.status_code == 400 and response.json()["code"] == "not_a_var_check"


def test_on_field_review_over_the_api(client, match, token):
    goal = post_event(client, match, token, **goal_body(match)).json()
    check = start_check(client, match, token, goal["id"])
    response = client.post(f"/api/events/{check['id']}/on-field-review",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.json()["event"]["var_outcome"] == "on_field_review"
    assert client.get(f"/api/matches/{match.id}").json()["match"]["var"]["outcome"] == "on_field_review"


# --- the predictor -------------------------------------------------------------------------------


def test_what_if_gives_the_table_those_results_would_give(client):
    from events import demo

    featured = demo.load_demo()
    matchday_6 = {f"{m.home.code}-{m.away.code}": m.id for m in demo.matchday_6_matches()}
    body = {"results": [{"match": matchday_6["NAP-GNK"], "home_goals": 0, "away_goals": 1},
                        {"match": matchday_6["SAL-LIV"], "home_goals": 2, "away_goals": 0}]}
    response = client.post(f"/api/groups/{featured.group_id}/what-if", data=json.dumps(body),
                           content_type="application/json")
    assert response.status_code == 200
    table = response.json()
    assert [(row["team"]["short_name"], row["points"]) for row in table["rows"]] == [
        ("Salzburg", 10), ("Liverpool", 10), ("Napoli", 9), ("Genk", 4)]
    assert table["hypothetical"] is True and table["rows"][0]["decided_by"]
    assert 'data-team-id' in table["html"]["table"]
    # Nothing stored: the real table is unchanged.
    real = client.get(f"/api/groups/{featured.group_id}/table").json()
    assert [row["points"] for row in real["rows"]] == [10, 9, 7, 1]


def test_what_if_names_the_bad_field(client):
    match = make_match()
    other = make_match()
    url = f"/api/groups/{match.group_id}/what-if"
    bad_match = client.post(url, data=json.dumps({"results": [{"match": other.id, "home_goals": 1, "away_goals": 0}]}),
                            content_type="application/json")
    assert bad_match.status_code == 400 and bad_match.json()["field"] == "results.0.match"
    negative = client.post(url, data=json.dumps({"results": [{"match": match.id, "home_goals": -1, "away_goals": 0}]}),
                           content_type="application/json")
    assert negative.status_code == 422 and negative.json()["field"] == "results.0.home_goals"
    assert client.post("/api/groups/999999/what-if", data=json.dumps({"results": []}),
                       content_type="application/json").status_code == 404


def test_a_database_failure_answers_503_and_leaves_nothing_half_written(client, match, token, monkeypatch):
    from events.services import commit

    def failing_log(*args, **kwargs):
        from django.db import OperationalError

        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(commit.Change.objects, "create", failing_log)
    response = post_event(client, match, token, **goal_body(match, idempotency_key="retry-me"))
    assert response.status_code == 503 and response.json()["code"] == "unavailable"
    assert response["Retry-After"]
    assert not MatchEvent.objects.filter(kind="goal").exists()
    match.refresh_from_db()
    assert (match.seq, match.home_score) == (1, 0)
    monkeypatch.undo()
    retry = post_event(client, match, token, **goal_body(match, idempotency_key="retry-me"))
    assert retry.status_code == 201 and MatchEvent.objects.filter(kind="goal").count() == 1


def scenario_of(found, short_name, line):
    entry = next(e for e in found["teams"] if e["team"]["short_name"] == short_name)
    return next(item for item in entry["lines"] if item["line"] == line)


def test_scenarios_after_matchday_5_answer_the_reports_questions(client):
    from events import demo

    featured = demo.load_demo()
    found = client.get(f"/api/groups/{featured.group_id}/scenarios").json()
    assert found["remaining"] == 2
    lines = {e["team"]["short_name"]: [item["line"] for item in e["lines"]] for e in found["teams"]}
    assert lines["Liverpool"] == ["group-winner", "round-of-16", "europa-league"] and len(lines) == 4
    knockout = "round-of-16"
    liverpool = scenario_of(found, "Liverpool", knockout)
    assert liverpool["status"] == "depends" and "defeat at Salzburg" in liverpool["summary"]
    napoli = scenario_of(found, "Napoli", knockout)
    assert napoli["status"] == "depends" and "Genk" in napoli["summary"]
    assert scenario_of(found, "Genk", knockout)["status"] == "impossible"
    assert 'data-status="depends"' in found["html"]


def test_scenarios_change_with_hypothetical_scores(client):
    from events import demo

    featured = demo.load_demo()
    napoli_genk = next(m for m in demo.matchday_6_matches() if m.home.code == "NAP")
    body = {"results": [{"match": napoli_genk.id, "home_goals": 0, "away_goals": 0}]}
    response = client.post(f"/api/groups/{featured.group_id}/what-if", data=json.dumps(body),
                           content_type="application/json").json()
    assert response["scenarios"]["remaining"] == 1
    assert 'id="scenarios"' in response["html"]["scenarios"]


def test_a_finished_group_has_no_scenarios_left(client):
    from django.core.management import call_command

    from events import demo

    featured = demo.load_demo()
    call_command("replay_match", matchday=6, speed=0)
    found = client.get(f"/api/groups/{featured.group_id}/scenarios").json()
    assert found["remaining"] == 0 and "the table is final" in found["html"]
