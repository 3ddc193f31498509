"""What the API accepts, one rule per kind of input, checked on every operation the OpenAPI schema
lists: text without NUL, numbers in paths and query strings in plain digits, JSON values as typed,
and bodies within the upload limit. Each is refused with a JSON 4xx naming the field."""

import json
from urllib.parse import quote

import pytest

from events import services
from events.models import MatchEvent
from tests.factories import make_match, make_user, player

pytestmark = pytest.mark.django_db

NUL = "before\x00after"
# Numbers that int() or a lenient parser reads as 1, 11 or 12, and nginx's `[0-9]+` does not (or, for
# `012`, reads as another spelling of the same row).
NOT_CANONICAL = ["+11", "1_1", " 12", "12 ", "12.0", "012", "0x1", "1e1", "١٢", "-0"]


@pytest.fixture
def api(client, settings):
    """The client, an admin's token, and the schema's operations."""
    settings.API_READ_RATE = settings.API_WRITE_RATE = "100000/min"
    token = services.create_api_token(user=make_user(role="Admins"))
    schema = client.get("/api/openapi.json").json()
    return client, {"Authorization": f"Bearer {token}"}, schema


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def types_of(schema: dict, components: dict) -> set[str]:
    """The JSON types a property accepts (`anyOf` unrolled, `$ref` followed)."""
    if "$ref" in schema:
        return types_of(components[schema["$ref"].split("/")[-1]], components)
    if "anyOf" in schema:
        return set().union(*(types_of(option, components) for option in schema["anyOf"]))
    return {schema.get("type", "object")}


def body_fields(operation: dict, components: dict, prefix=()):
    """(path, schema) of every scalar property of the operation's JSON body, nested ones too."""
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content:
        yield from schema_fields(content["schema"], components, prefix)


def schema_fields(schema: dict, components: dict, prefix):
    if "$ref" in schema:
        schema = components[schema["$ref"].split("/")[-1]]
    for name, prop in schema.get("properties", {}).items():
        if "items" in prop:
            yield from schema_fields(prop["items"], components, (*prefix, name, 0))
        else:
            yield (*prefix, name), prop


def body_with(path: tuple, value) -> dict:
    """{"results": [{"match": value}]} for ("results", 0, "match")."""
    for key in reversed(path):
        value = [value] if isinstance(key, int) else {key: value}
    return value


def url_of(path: str, operation: dict, value: str = "1") -> str:
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            path = path.replace("{" + parameter["name"] + "}", value)
    return path


def send(client, method, url, headers, body=None):
    if body is None:
        return getattr(client, method)(url, headers=headers)
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json", headers=headers)


def refusal_names(response, field: str) -> str:
    """The message for `field` in a 422, failing when it is not one or does not name the field."""
    assert response.status_code == 422, (field, response.status_code, response.content[:300])
    body = response.json()
    messages = [error["message"] for error in body["errors"] if error["field"] == field]
    assert messages and body["code"] == "invalid", (field, body)
    return messages[0]


# --- NUL --------------------------------------------------------------------------------------------


def test_a_nul_character_in_any_text_input_is_422_naming_the_field(api):
    client, auth, schema = api
    components = schema["components"]["schemas"]
    checked = set()
    for path, method, operation in operations(schema):
        for field, prop in body_fields(operation, components):
            if "string" in types_of(prop, components):
                name = ".".join(map(str, field))
                response = send(client, method, url_of(path, operation), auth, body_with(field, NUL))
                assert "NUL" in refusal_names(response, name), name
                checked.add(name)
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query" and "string" in types_of(parameter["schema"], components):
                url = f"{url_of(path, operation)}?{parameter['name']}={quote(NUL)}"
                refusal_names(send(client, method, url, auth), parameter["name"])
                checked.add(parameter["name"])
    assert {"commentary", "var_reason", "reason", "idempotency_key", "kind", "decision", "status"} <= checked


def test_a_nul_character_in_commentary_is_refused_not_a_database_outage(api):
    """PostgreSQL cannot store NUL: it was a database error, answered 503 "retry", which the console
    retried for ever."""
    client, auth, _ = api
    match = make_match(kicked_off=True)
    body = {"kind": "goal", "minute": 10, "team": match.home_id, "player": player(match.home, 9).id,
            "commentary": NUL}
    response = send(client, "post", f"/api/matches/{match.id}/events", auth, body)
    assert refusal_names(response, "commentary")
    assert not MatchEvent.objects.filter(kind="goal").exists()
    goal = services.record_event(match_id=match.id, kind="goal", minute=10, team_id=match.home_id,
                                 player_id=player(match.home, 9).id).event
    for field in ("commentary", "var_reason", "reason"):
        response = send(client, "patch", f"/api/events/{goal.id}", auth, {field: NUL})
        assert refusal_names(response, field)
    response = send(client, "delete", f"/api/events/{goal.id}?reason={quote(NUL)}", auth)
    assert refusal_names(response, "reason")
    goal.refresh_from_db()
    assert goal.state == "active" and "\x00" not in goal.commentary


# --- numbers in paths and query strings ----------------------------------------------------------------


@pytest.mark.parametrize("number", NOT_CANONICAL)
def test_ids_in_paths_are_plain_digits_or_422_naming_the_parameter(api, number):
    """nginx sends writes to the newsroom by `[0-9]+`: `/api/matches/+11/events`, read as 11 by a
    lenient parse, reached a fans' process and was stored there."""
    client, auth, schema = api
    for path, method, operation in operations(schema):
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
        if not names:
            continue
        response = send(client, method, url_of(path, operation, quote(number, safe="")), auth,
                        {} if "requestBody" in operation else None)
        assert {error["field"] for error in response.json().get("errors", [])} >= set(names), (path, method)
        refusal_names(response, names[0])


def test_a_write_to_a_non_canonical_match_id_stores_nothing(api):
    client, auth, _ = api
    match = make_match(kicked_off=True)
    body = {"kind": "goal", "minute": 10, "team": match.home_id, "player": player(match.home, 9).id}
    for spelling in (f"+{match.id}", f"0{match.id}", f"{match.id}.0", f"%20{match.id}"):
        response = send(client, "post", f"/api/matches/{spelling}/events", auth, body)
        assert refusal_names(response, "match_id")
    assert not MatchEvent.objects.filter(kind="goal").exists()
    assert send(client, "post", f"/api/matches/{match.id}/events", auth, body).status_code == 201


@pytest.mark.parametrize("number", ["+1", "01", " 1", "1.0", "1_0", "true"])
def test_numbers_in_query_strings_are_plain_digits_or_422_naming_them(api, number):
    client, auth, _ = api
    match = make_match(kicked_off=True)
    response = send(client, "get", f"/api/matches/{match.id}/changes?since={quote(number)}", auth)
    assert refusal_names(response, "since")
    goal = services.record_event(match_id=match.id, kind="goal", minute=10, team_id=match.home_id,
                                 player_id=player(match.home, 9).id).event
    for method, url in (("delete", f"/api/events/{goal.id}"), ("post", f"/api/events/{goal.id}/on-field-review")):
        assert refusal_names(send(client, method, f"{url}?version={quote(number)}", auth), "version")
    assert send(client, "get", f"/api/matches/{match.id}/changes?since=0", auth).status_code == 200


# --- JSON values as typed ------------------------------------------------------------------------------


def test_json_values_are_taken_as_typed_on_every_operation(api):
    """`"minute": true` was stored as minute 1; `"injury": 1` as true; `"team": "12"` and `12.0` as 12."""
    client, auth, schema = api
    components = schema["components"]["schemas"]
    wrong = {"integer": [True, False, 1.0, 1.5, "1"], "boolean": [1, 0, "true", "1"]}
    checked = set()
    for path, method, operation in operations(schema):
        for field, prop in body_fields(operation, components):
            name = ".".join(map(str, field))
            for kind in types_of(prop, components) & set(wrong):
                for value in wrong[kind]:
                    response = send(client, method, url_of(path, operation), auth, body_with(field, value))
                    refusal_names(response, name)
                checked.add(name)
    assert {"minute", "team", "player", "version", "injury", "results.0.match", "results.0.home_goals"} <= checked


def test_a_boolean_minute_is_not_stored_as_minute_one(api):
    client, auth, _ = api
    match = make_match(kicked_off=True)
    body = {"kind": "goal", "minute": True, "team": match.home_id, "player": player(match.home, 9).id}
    response = send(client, "post", f"/api/matches/{match.id}/events", auth, body)
    assert refusal_names(response, "minute") and not MatchEvent.objects.filter(kind="goal").exists()
    body["minute"] = 1
    assert send(client, "post", f"/api/matches/{match.id}/events", auth, body).status_code == 201


# --- the upload limit ----------------------------------------------------------------------------------


def test_a_body_over_the_upload_limit_is_413_json_naming_the_limit(api, settings):
    client, auth, _ = api
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    match = make_match(kicked_off=True)
    big = {"kind": "goal", "minute": 10, "commentary": "x" * 2000}
    for url, headers in ((f"/api/matches/{match.id}/events", auth), (f"/api/groups/{match.group_id}/what-if", {})):
        response = send(client, "post", url, headers, big)
        assert response.status_code == 413 and response["Content-Type"].startswith("application/json"), response.content
        body = response.json()
        assert body["code"] == "too_large" and body["limit"] == 1000 and "1000 bytes" in body["detail"]
    assert not MatchEvent.objects.filter(kind="goal").exists()
