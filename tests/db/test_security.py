"""Who may do what, how hard they may push, and that nothing they type runs in anyone's page."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from events import services
from events.models import ApiToken
from tests.factories import make_match, make_user, player

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent
SCRIPT = '<script>alert("x")</script>'


def test_logins_are_throttled_against_guessing():
    make_user(username="reporter")
    client = Client()
    statuses = [client.post("/editor/login/", {"username": "reporter", "password": "wrong"}).status_code
                for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    locked = client.post("/editor/login/", {"username": "reporter", "password": "correct-horse-battery"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_correct_login_works_and_resets_the_count():
    make_user(username="reporter")
    client = Client()
    client.post("/editor/login/", {"username": "reporter", "password": "wrong"})
    response = client.post("/editor/login/", {"username": "reporter", "password": "correct-horse-battery"})
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_api_writes_are_rate_limited_per_token(client, settings):
    settings.API_WRITE_RATE = "3/min"
    match = make_match(kicked_off=True)
    token = services.create_api_token(user=make_user())
    statuses = []
    for minute in range(1, 6):
        response = client.post(f"/api/matches/{match.id}/events", content_type="application/json",
                               data=json.dumps({"kind": "injury", "minute": minute, "team": match.home_id,
                                                "player": player(match.home, 2).id}),
                               headers={"Authorization": f"Bearer {token}"})
        statuses.append(response.status_code)
    assert statuses == [201, 201, 201, 429, 429]
    assert response.json()["code"] == "rate_limited" and response["Retry-After"]
    other = services.create_api_token(user=make_user())
    response = client.post(f"/api/matches/{match.id}/events", content_type="application/json",
                           data=json.dumps({"kind": "injury", "minute": 9, "team": match.home_id,
                                            "player": player(match.home, 3).id}),
                           headers={"Authorization": f"Bearer {other}"})
    assert response.status_code == 201


def test_api_reads_are_rate_limited_per_address(client, settings):
    settings.API_READ_RATE = "2/min"
    assert [client.get("/api/competitions").status_code for _ in range(3)] == [200, 200, 429]


def test_tokens_are_stored_hashed():
    raw = services.create_api_token(user=make_user())
    stored = ApiToken.objects.get()
    assert raw not in (stored.token_hash, stored.prefix * 2) and stored.token_hash == ApiToken.hash(raw)
    assert not ApiToken.objects.filter(token_hash=raw).exists()


def test_user_text_is_escaped_in_pages_and_in_pushed_fragments(
    client, django_capture_on_commit_callbacks, listen_to_match
):
    match = make_match(kicked_off=True)
    fans = listen_to_match(match)
    with django_capture_on_commit_callbacks(execute=True):
        goal = services.record_event(match_id=match.id, kind="goal", minute=5, team_id=match.home_id,
                                     player_id=player(match.home, 9).id, commentary=SCRIPT).event
        services.amend_event(event_id=goal.id, changes={"minute": 6}, reason=SCRIPT,
                             user=make_user(role="Admins"))
    for message in fans.messages():
        for html in (message["html"]["event"], message["html"]["history_entry"] or ""):
            assert SCRIPT not in html
    assert '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;' in message["html"]["history_entry"]
    page = client.get(f"/matches/{match.id}/").content.decode()
    assert SCRIPT not in page.replace('\\u003Cscript\\u003E', "")
    assert page.count("&lt;script&gt;") >= 2


def test_production_settings_pass_the_deployment_checks():
    env = {
        **os.environ, "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(64), "ALLOWED_HOSTS": "matchcentre.example",
        "DJANGO_SETTINGS_MODULE": "matchcentre.settings",
    }
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "", "DJANGO_SETTINGS_MODULE": "matchcentre.settings"}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def test_no_demo_accounts_in_production_settings(settings):
    from events import demo

    settings.DEMO_MODE = False
    demo.ensure_demo_users()
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(username__in=["editor", "admin"]).exists()


# --- 401 or 403 on API writes (with CSRF enforced, as in a browser and for every other client) -------------


def csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


def api_writes(match, event) -> list[tuple[str, str, dict | None]]:
    """Every write operation, as (method, url, body)."""
    goal = {"kind": "injury", "minute": 5, "team": match.home_id, "player": player(match.home, 2).id}
    return [
        ("post", f"/api/matches/{match.id}/events", goal),
        ("patch", f"/api/events/{event.id}", {"minute": 6}),
        ("delete", f"/api/events/{event.id}", None),
        ("post", f"/api/events/{event.id}/on-field-review", None),
        ("post", f"/api/events/{event.id}/var-decision", {"decision": "stands"}),
    ]


def write(client, method, url, body, **headers):
    if body is None:
        return getattr(client, method)(url, headers=headers)
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json", headers=headers)


def a_match_with_an_event():
    match = make_match(kicked_off=True)
    event = services.record_event(match_id=match.id, kind="injury", minute=1, team_id=match.home_id,
                                  player_id=player(match.home, 3).id).event
    return match, event


def test_api_writes_without_credentials_are_401_with_a_bearer_challenge_not_a_csrf_failure():
    """Anonymous writes got 403 "CSRF check Failed": a client could not tell it should sign in."""
    match, event = a_match_with_an_event()
    for method, url, body in api_writes(match, event):
        response = write(csrf_client(), method, url, body)
        assert response.status_code == 401, (method, url, response.content)
        assert response.json()["code"] == "not_authenticated" and response.json()["field"] is None
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_api_writes_with_a_bad_or_revoked_token_are_401_invalid_token():
    match, event = a_match_with_an_event()
    user = make_user(role="Editors")
    revoked = services.create_api_token(user=user)
    services.revoke_api_token(token_id=user.api_tokens.get().id)
    for token in ("not-a-token", revoked, ""):
        for method, url, body in api_writes(match, event):
            response = write(csrf_client(), method, url, body, Authorization=f"Bearer {token}")
            assert response.status_code == 401, (token, method, url, response.content)
            assert response.json()["code"] in ("invalid_token", "not_authenticated")
            assert response["WWW-Authenticate"].startswith("Bearer")
    response = write(csrf_client(), *api_writes(match, event)[0], Authorization="Bearer not-a-token")
    assert response.json()["code"] == "invalid_token" and 'error="invalid_token"' in response["WWW-Authenticate"]


def test_a_signed_out_session_is_401_and_a_signed_in_one_still_needs_the_csrf_token():
    match, event = a_match_with_an_event()
    client = csrf_client()
    client.force_login(make_user(role="Editors"))
    client.get("/editor/")  # sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    method, url, body = api_writes(match, event)[0]

    without = write(client, method, url, body)
    assert without.status_code == 403 and without.json()["code"] == "csrf_failed"
    assert write(client, method, url, body, **{"X-CSRFToken": "x" * 32}).status_code == 403
    assert write(client, method, url, body, **{"X-CSRFToken": csrf}).status_code == 201

    client.logout()
    signed_out = write(client, method, url, {**body, "minute": 7}, **{"X-CSRFToken": csrf})
    assert signed_out.status_code == 401 and signed_out.json()["code"] == "not_authenticated"
    assert write(client, method, url, {**body, "minute": 7}).status_code == 401


def test_a_signed_in_user_without_the_permission_is_403_forbidden():
    match, event = a_match_with_an_event()
    client = csrf_client()
    client.force_login(make_user(role=None))
    client.get("/editor/login/")  # sets the CSRF cookie
    response = write(client, *api_writes(match, event)[0], **{"X-CSRFToken": client.cookies["csrftoken"].value})
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
