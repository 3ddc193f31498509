"""A refusal reads in the reader's language: the API's 4xx `detail` (the services' rules, the API's own checks of a
body, field or path) and the correction page's form errors, as LocaleMiddleware picks the language (the switcher's
cookie, else Accept-Language). What a client goes by, `code`, `field` and the keys, is the same in every language,
team and player names stay as they are, and nothing refused is stored."""

import json

import pytest
from django.test import Client

from events import services
from events.models import Change, MatchEvent
from tests.factories import make_match, make_user, player

pytestmark = pytest.mark.django_db


@pytest.fixture
def token():
    return services.create_api_token(user=make_user(role="Editors"))


def reader(language: str | None = None, *, cookie: str | None = None) -> Client:
    """A client that asks for `language` by Accept-Language, or has chosen `cookie` in the switcher."""
    client = Client(HTTP_ACCEPT_LANGUAGE=language) if language else Client()
    if cookie:
        client.cookies["django_language"] = cookie
    return client


def post(client: Client, url: str, token: str | None, body) -> dict:
    data = body if isinstance(body, str) else json.dumps(body)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.post(url, data=data, content_type="application/json", headers=headers)
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    return {"status": response.status_code, **response.json()}


def same_but_the_words(english: dict, other: dict) -> None:
    """Everything but the human words is the same: status, keys, code, field (and each listed error's field)."""
    assert other["status"] == english["status"]
    assert other.keys() == english.keys()
    assert (other["code"], other["field"]) == (english["code"], english["field"])
    assert [e["field"] for e in other.get("errors", [])] == [e["field"] for e in english.get("errors", [])]
    assert other["detail"] != english["detail"]


def refused_in_three_languages(url: str, token: str | None, body) -> tuple[dict, dict, dict]:
    """The same bad request in English, in Italian (Accept-Language) and in German (the switcher's cookie, which
    wins over the header)."""
    english = post(reader(), url, token, body)
    italian = post(reader("it"), url, token, body)
    german = post(reader("en", cookie="de"), url, token, body)
    same_but_the_words(english, italian)
    same_but_the_words(english, german)
    return english, italian, german


# --- the services' rules -------------------------------------------------------------------------------


def test_an_assist_by_the_scorer_himself_is_refused_in_the_readers_language(token):
    match = make_match(kicked_off=True)
    scorer = player(match.home, 9)
    body = {"kind": "goal", "minute": 10, "team": match.home_id, "player": scorer.id, "second_player": scorer.id}
    english, italian, german = refused_in_three_languages(f"/api/matches/{match.id}/events", token, body)
    assert (english["code"], english["field"]) == ("same_player", "second_player")
    assert english["detail"] == "The second player must be someone else."
    assert italian["detail"] == "Il secondo giocatore deve essere un altro."
    assert german["detail"] == "Der zweite Spieler muss jemand anderes sein."
    assert not MatchEvent.objects.filter(kind="goal").exists()


def test_a_player_of_the_other_team_is_named_as_he_is_in_every_language(token):
    match = make_match(kicked_off=True)
    visitor = player(match.away, 9)
    body = {"kind": "yellow_card", "minute": 30, "team": match.home_id, "player": visitor.id}
    english, italian, german = refused_in_three_languages(f"/api/matches/{match.id}/events", token, body)
    assert (english["code"], english["field"]) == ("player_team_mismatch", "player")
    assert italian["detail"] == f"{visitor.name} gioca nell'altra squadra."
    assert german["detail"] == f"{visitor.name} spielt für die andere Mannschaft."
    assert not MatchEvent.objects.filter(kind="yellow_card").exists()


def test_a_minute_in_a_period_not_started_names_the_periods_in_the_readers_words(token):
    match = make_match(kicked_off=True)
    body = {"kind": "goal", "minute": 60, "team": match.home_id, "player": player(match.home, 9).id}
    english, italian, german = refused_in_three_languages(f"/api/matches/{match.id}/events", token, body)
    assert english["detail"] == (
        "Minute 60 is in the second half, which has not started (the match is at first half)."
    )
    # Mid-sentence the periods are lower-case in Italian; German nouns keep their capital.
    assert "secondo tempo" in italian["detail"] and "primo tempo" in italian["detail"]
    assert "Zweite Halbzeit" in german["detail"] and "Erste Halbzeit" in german["detail"]
    assert not MatchEvent.objects.filter(kind="goal").exists()


def test_an_event_after_full_time_is_refused_in_the_readers_language(token):
    match = make_match(kicked_off=True)
    for kind in ("period_end", "period_start", "period_end"):
        services.record_event(match_id=match.id, kind=kind)
    changes = Change.objects.filter(match=match).count()
    body = {"kind": "corner", "minute": 80, "team": match.home_id}
    english, italian, german = refused_in_three_languages(f"/api/matches/{match.id}/events", token, body)
    assert english["status"] == 409 and english["code"] == "match_finished"
    assert italian["detail"] == "La partita è finita: nessun evento dopo il fischio finale."
    assert german["detail"] == "Das Spiel ist vorbei: keine Ereignisse nach dem Abpfiff."
    assert Change.objects.filter(match=match).count() == changes


def test_a_stale_version_keeps_the_current_event_and_says_so_in_the_readers_language(token):
    match = make_match(kicked_off=True)
    goal = services.record_event(match_id=match.id, kind="goal", minute=10, team_id=match.home_id,
                                 player_id=player(match.home, 9).id).event
    body = {"version": goal.version + 5, "minute": 12}
    headers = {"Authorization": f"Bearer {token}"}
    answers = {}
    for language in ("en", "it"):
        response = reader(language).patch(f"/api/events/{goal.id}", data=json.dumps(body),
                                          content_type="application/json", headers=headers)
        assert response.status_code == 409
        answers[language] = response.json()
    # The event as it stands, with its labels in the reader's words too.
    assert {key: answers["it"]["current"][key] for key in ("id", "version", "minute")} == {
        key: answers["en"]["current"][key] for key in ("id", "version", "minute")}
    assert answers["it"]["detail"] == (
        f"Questo evento è stato modificato da qualcun altro (versione {goal.version}, tu avevi la {goal.version + 5})."
    )
    goal.refresh_from_db()
    assert goal.minute == 10


# --- the API's own checks --------------------------------------------------------------------------------


def test_a_malformed_field_is_refused_in_the_readers_language_naming_the_same_field(token):
    match = make_match(kicked_off=True)
    body = {"kind": "goal", "minute": "ten", "team": match.home_id, "player": player(match.home, 9).id}
    english, italian, german = refused_in_three_languages(f"/api/matches/{match.id}/events", token, body)
    assert (english["status"], english["code"], english["field"]) == (422, "invalid", "minute")
    assert english["detail"] == "minute: Input should be a valid integer"
    assert italian["detail"] == "minute: Il valore deve essere un numero intero valido"
    assert german["errors"] == [{"field": "minute", "message": "Die Eingabe muss eine gültige ganze Zahl sein"}]
    assert not MatchEvent.objects.filter(kind="goal").exists()


def test_an_unknown_field_and_a_bound_are_refused_in_the_readers_language(token):
    match = make_match(kicked_off=True)
    url = f"/api/matches/{match.id}/events"
    english, italian, _ = refused_in_three_languages(url, token, {"kind": "corner", "minute": 5, "colour": "red"})
    assert (english["field"], italian["detail"]) == ("colour", "colour: Campi in più non sono ammessi")
    english, _, german = refused_in_three_languages(url, token, {"kind": "corner", "minute": 131})
    assert (english["field"], german["detail"]) == ("minute", "minute: Die Eingabe muss kleiner oder gleich 130 sein")
    assert not MatchEvent.objects.filter(kind="corner").exists()


def test_a_body_that_is_not_json_is_refused_in_the_readers_language(token):
    match = make_match(kicked_off=True)
    events = MatchEvent.objects.count()
    english, italian, german = refused_in_three_languages(f"/api/matches/{match.id}/events", token, "{not json")
    assert english["status"] == 400 and english["code"] == "error"
    assert italian["detail"].startswith("Impossibile leggere il corpo della richiesta")
    assert german["detail"].startswith("Der Inhalt der Anfrage kann nicht gelesen werden")
    assert MatchEvent.objects.count() == events


def test_not_found_and_not_signed_in_read_in_the_readers_language(token):
    english = reader().get("/api/matches/999999")
    german = reader(cookie="de").get("/api/matches/999999")
    assert english.status_code == german.status_code == 404
    assert english.json()["code"] == german.json()["code"] == "not_found"
    assert (english.json()["detail"], german.json()["detail"]) == ("No such match.", "Dieses Spiel gibt es nicht.")
    match = make_match(kicked_off=True)
    english, italian, _ = refused_in_three_languages(f"/api/matches/{match.id}/events", None, {"kind": "corner"})
    assert english["status"] == 401 and english["code"] == "not_authenticated"
    assert italian["detail"].startswith("Accesso non effettuato")


# --- the correction page's form ------------------------------------------------------------------------


def test_the_correction_page_shows_its_form_errors_in_the_readers_language():
    match = make_match(kicked_off=True)
    goal = services.record_event(match_id=match.id, kind="goal", minute=20, team_id=match.home_id,
                                 player_id=player(match.home, 9).id).event
    for kind in ("period_end", "period_start", "period_end"):
        services.record_event(match_id=match.id, kind=kind)
    url = f"/editor/matches/{match.id}/corrections/"
    benched = player(match.home, 14)
    form = {"event": goal.id, "action": "correct", f"e{goal.id}-kind": "goal", f"e{goal.id}-minute": 20,
            f"e{goal.id}-player": benched.id, f"e{goal.id}-reason": "wrong"}
    admin = make_user(role="Admins")
    italian = reader("it")
    italian.force_login(admin)
    page = italian.post(url, form).content.decode()
    assert f"{benched.name} non è in campo al 20" in page
    assert "is not on the pitch" not in page
    german = reader(cookie="de")
    german.force_login(admin)
    page = german.post(url, {**form, f"e{goal.id}-reason": ""}).content.decode()
    assert "Dieses Feld ist zwingend erforderlich." in page
    assert MatchEvent.objects.get(pk=goal.id).player == player(match.home, 9)


def test_writing_to_a_match_or_event_that_is_not_there_reads_in_the_readers_language(token):
    english, italian, german = refused_in_three_languages("/api/matches/999999/events", token, {
        "kind": "corner", "minute": 3, "team": 1})
    assert english["status"] == 404 and english["code"] == "not_found"
    assert german["detail"] == "Dieses Spiel gibt es nicht."
    token = services.create_api_token(user=make_user(role="Admins"))  # restoring is a correction
    english, italian, german = refused_in_three_languages("/api/events/999999/restore", token, {"reason": "typo"})
    assert english["status"] == 404 and english["field"] == "event"
    assert italian["detail"] != "No such event."
