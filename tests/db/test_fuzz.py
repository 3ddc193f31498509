"""Bad input of every shape: a 4xx naming the problem, or a stored event; never a 500, a half-written
event or a duplicate."""

import json

import hypothesis.strategies as st
import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from schemathesis.checks import not_a_server_error

from events import services
from events.models import GOAL_KINDS, Change, EventKind, Match, MatchEvent
from tests.factories import make_match, make_user

FUZZ = examples(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
SCHEMA_FUZZ = examples(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture
def keep_test_connection():
    """Schemathesis calls the real WSGI handler, which closes old connections around each request;
    the test's connection (inside its transaction) must stay open, as Django's own test client ensures."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_no_input_to_any_endpoint_causes_a_server_error(settings, keep_test_connection):
    """Schemathesis, from our own OpenAPI schema, against every operation, signed in as an admin."""
    settings.API_READ_RATE = settings.API_WRITE_RATE = "100000/min"
    make_match(kicked_off=True)
    token = services.create_api_token(user=make_user(role="Admins"))
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 11

    for operation in operations:
        @given(case=operation.as_strategy())
        @SCHEMA_FUZZ
        def call(case):
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            case.validate_response(response, checks=[not_a_server_error])
            if response.status_code >= 400:
                assert "detail" in response.json(), (case.operation.label, response.text)

        call()



def assert_match_is_consistent(match: Match) -> None:
    """What every write must leave behind, whatever it was asked."""
    match.refresh_from_db()
    changes = list(Change.objects.filter(match=match).order_by("seq").values_list("seq", flat=True))
    assert changes == list(range(1, match.seq + 1)), "every seq once, none missing"
    active = MatchEvent.objects.filter(match=match, state="active")
    home = sum(1 for e in active if e.kind in GOAL_KINDS and (e.team_id == match.home_id) != (e.kind == "own_goal"))
    away = sum(1 for e in active if e.kind in GOAL_KINDS) - home
    assert (match.home_score, match.away_score) == (home, away), "the score is the goals"
    keys = [k for k in MatchEvent.objects.filter(match=match).values_list("idempotency_key", flat=True) if k]
    assert len(keys) == len(set(keys)), "one event per idempotency key"


def event_payloads(match: Match):
    """Plausible submissions (so that many are stored, and keys repeat) mixed with wild ones."""
    starters = list(match.lineup.filter(starter=True).values_list("team_id", "player_id"))
    plausible = st.sampled_from(starters).flatmap(lambda starter: st.fixed_dictionaries({
        "kind": st.sampled_from(["goal", "own_goal", "penalty_goal", "missed_penalty", "injury", "yellow_card"]),
        "minute": st.integers(1, 45),
        "team": st.just(starter[0]),
        "player": st.just(starter[1]),
        "idempotency_key": st.sampled_from(["", "tap-1", "tap-2", "tap-3", "tap-4"]),
    }))
    return st.one_of(plausible, wild_payloads(match))


def wild_payloads(match: Match):
    lineup_ids = list(match.lineup.values_list("player_id", flat=True))
    some_id = st.one_of(st.none(), st.sampled_from(lineup_ids), st.integers(-5, 10**6))
    text = st.text(max_size=40)
    return st.fixed_dictionaries(
        {"kind": st.one_of(st.sampled_from(EventKind.values), text)},
        optional={
            "minute": st.one_of(st.none(), st.integers(-3, 140), text),
            "added_minute": st.one_of(st.none(), st.integers(-2, 40)),
            "team": st.one_of(st.none(), st.sampled_from([match.home_id, match.away_id]), st.integers(-5, 10**6)),
            "player": some_id,
            "second_player": some_id,
            "goal_type": st.one_of(st.sampled_from(["", "header", "open_play", "free_kick"]), text),
            "injury": st.booleans(),
            "commentary": st.text(max_size=300),
            "var_category": st.sampled_from(["", "goal", "penalty", "red_card", "mistaken_identity", "x"]),
            "idempotency_key": st.one_of(st.just(""), st.sampled_from(["k1", "k2", "k3"]), st.text(max_size=70)),
            "unexpected": text,
        },
    )


@pytest.mark.django_db
def test_any_event_submission_is_stored_once_or_refused_with_a_4xx(client):
    match = make_match(kicked_off=True)
    token = services.create_api_token(user=make_user())
    headers = {"Authorization": f"Bearer {token}"}

    @given(payload=event_payloads(match))
    @FUZZ
    def submit(payload):
        before = MatchEvent.objects.filter(match=match).count()
        response = client.post(f"/api/matches/{match.id}/events", data=json.dumps(payload),
                               content_type="application/json", headers=headers)
        after = MatchEvent.objects.filter(match=match).count()
        assert response.status_code in (200, 201, 400, 409, 422), response.content
        body = response.json()
        if response.status_code == 201:
            assert after == before + 1 and body["seq"] == Match.objects.get(pk=match.id).seq
        else:
            assert after == before
            if response.status_code >= 400:
                assert body["detail"]
        assert_match_is_consistent(match)

    submit()


@pytest.mark.django_db
def test_any_edit_or_removal_leaves_a_consistent_match(client):
    match = make_match(kicked_off=True)
    token = services.create_api_token(user=make_user())
    headers = {"Authorization": f"Bearer {token}"}
    scorer = match.lineup.filter(team=match.home, starter=True).order_by("order")[9].player_id
    goal = services.record_event(match_id=match.id, kind="goal", minute=10, team_id=match.home_id,
                                 player_id=scorer).event
    lineup_ids = list(match.lineup.values_list("player_id", flat=True))

    @given(
        changes=st.fixed_dictionaries({}, optional={
            "minute": st.integers(-3, 140), "player": st.one_of(st.sampled_from(lineup_ids), st.integers(0, 10**6)),
            "kind": st.sampled_from([*EventKind.values, "nonsense"]), "version": st.integers(0, 5),
            "team": st.sampled_from([match.home_id, match.away_id, 0]), "commentary": st.text(max_size=50),
        }),
        remove=st.booleans(),
    )
    @FUZZ
    def edit(changes, remove):
        if remove:
            response = client.delete(f"/api/events/{goal.id}?version={changes.get('version', 0)}", headers=headers)
        else:
            response = client.patch(f"/api/events/{goal.id}", data=json.dumps(changes),
                                    content_type="application/json", headers=headers)
        assert response.status_code in (200, 400, 409, 422), response.content
        assert_match_is_consistent(match)

    edit()



@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_any_websocket_message_from_a_fan_changes_nothing_and_keeps_the_socket_usable():
    """Within the size limit (past it the socket closes with 4413: test_consumers.py)."""
    from channels.db import database_sync_to_async
    from channels.testing import WebsocketCommunicator

    from matchcentre.asgi import application

    match = await database_sync_to_async(make_match)(kicked_off=True)
    fan = WebsocketCommunicator(application, f"/ws/matches/{match.id}/?v=2",
                                headers=[(b"origin", b"http://testserver")])
    assert (await fan.connect())[0]
    assert json.loads(await fan.receive_from())["type"] == "snapshot"
    assert json.loads(await fan.receive_from())["type"] == "table"
    garbage = ["{", "null", "[]", '"text"', json.dumps({"type": "record_event", "kind": "goal"}),
               json.dumps({"type": None}), "x" * 1000, json.dumps({"type": "ping", "extra": "y" * 900})]
    for text in garbage:
        await fan.send_to(text_data=text)
        reply = json.loads(await fan.receive_from(timeout=2))
        assert reply["type"] in ("error", "pong")
    await fan.send_to(bytes_data=b"\x00\xff" * 500)
    assert json.loads(await fan.receive_from(timeout=2))["type"] == "error"
    await fan.send_to(text_data=json.dumps({"type": "ping"}))
    assert json.loads(await fan.receive_from(timeout=2))["type"] == "pong"
    assert await database_sync_to_async(lambda: Match.objects.get(pk=match.id).seq)() == 1
    await fan.disconnect()
