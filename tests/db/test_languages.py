"""The reader's language: LocaleMiddleware, the switcher's cookie, and pages kept apart by language in caches."""

import pytest

from tests.factories import make_match

pytestmark = pytest.mark.django_db


@pytest.fixture
def match():
    return make_match(kicked_off=True)


def test_it_picks_the_language_from_accept_language_and_names_it_in_the_page(client, match):
    response = client.get(f"/matches/{match.id}/", HTTP_ACCEPT_LANGUAGE="de-AT,de;q=0.9,en;q=0.5")
    assert response["Content-Language"] == "de"
    assert '<html lang="de">' in response.content.decode()


def test_a_region_of_english_is_english(client, match):
    response = client.get(f"/matches/{match.id}/", HTTP_ACCEPT_LANGUAGE="en-GB")
    assert '<html lang="en">' in response.content.decode()


def test_the_switchers_cookie_wins_over_the_browsers_header(client, match):
    response = client.post("/i18n/setlang/", {"language": "it", "next": f"/matches/{match.id}/"})
    assert response.status_code == 302 and response["Location"] == f"/matches/{match.id}/"
    page = client.get(f"/matches/{match.id}/", HTTP_ACCEPT_LANGUAGE="de")
    assert '<html lang="it">' in page.content.decode()


def test_the_switcher_needs_no_csrf_token(match):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/i18n/setlang/", {"language": "nl", "next": "/"})
    assert response.status_code == 302 and response.cookies["django_language"].value == "nl"


def test_the_same_page_in_another_language_is_another_etag_and_body(client, match):
    path = f"/matches/{match.id}/"
    english = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    german = client.get(path, HTTP_ACCEPT_LANGUAGE="de")
    assert english["ETag"] != german["ETag"]
    assert english.content != german.content
    assert "Accept-Language" in german["Vary"]
    # A browser that kept the English page and has switched to German gets the German page, not a 304.
    client.cookies["django_language"] = "de"
    again = client.get(path, HTTP_IF_NONE_MATCH=english["ETag"])
    assert again.status_code == 200 and again["ETag"] == german["ETag"]
    assert client.get(path, HTTP_IF_NONE_MATCH=german["ETag"]).status_code == 304


def test_the_api_is_kept_apart_by_language_too(client, match):
    english = client.get(f"/api/matches/{match.id}", HTTP_ACCEPT_LANGUAGE="en")
    german = client.get(f"/api/matches/{match.id}", HTTP_ACCEPT_LANGUAGE="de")
    assert english["ETag"] != german["ETag"] and "Accept-Language" in german["Vary"]


def test_the_api_errors_stay_machine_readable_in_every_language(client):
    english = client.get("/api/matches/999999", HTTP_ACCEPT_LANGUAGE="en")
    german = client.get("/api/matches/999999", HTTP_ACCEPT_LANGUAGE="de")
    assert english.status_code == german.status_code == 404
    assert english.json()["code"] and english.json()["code"] == german.json()["code"]


def test_the_scripts_catalog_is_named_by_its_url_and_cacheable(client):
    german = client.get("/jsi18n/?lang=de", HTTP_ACCEPT_LANGUAGE="en")
    assert german.status_code == 200 and german["Content-Language"] == "de"
    assert "public" in german["Cache-Control"] and "max-age=3600" in german["Cache-Control"]
    assert client.get("/jsi18n/?lang=xx", HTTP_ACCEPT_LANGUAGE="es")["Content-Language"] == "es"


def test_the_notify_buttons_and_the_var_banners_words_are_in_the_scripts_catalog(client):
    # notify.js writes the button's words itself: without them in the catalog it would put English back.
    german = client.get("/jsi18n/?lang=de").content.decode()
    assert '"Notify me": "Benachrichtige mich"' in german
    assert '"Notifying": "Benachrichtigungen an"' in german
    assert "Benachrichtigungen f\\u00fcr diese Seite sind in deinen Browser-Einstellungen blockiert" in german
    italian = client.get("/jsi18n/?lang=it").content.decode()
    assert '"Notify me": "Avvisami"' in italian
    # The banner's sentence, with the labels as each language writes them (live.js, matchday.js).
    assert '"check": "\\u00dcberpr\\u00fcfung"' in german
    assert '"VAR banner: what is checked, and how the check stands\\u0004%(category)s: %(outcome)s"' in german


def test_a_correction_pushed_to_each_language_reads_in_it(match):
    from events import services
    from events.models import Change
    from live import messages
    from tests.factories import player

    goal = services.record_event(match_id=match.id, kind="goal", minute=10, team_id=match.home_id,
                                 player_id=player(match.home, 9).id)
    services.remove_event(event_id=goal.event.id, reason="wrong match")
    removal = Change.objects.filter(match=match).order_by("-seq").first()
    texts = messages.fan_change_texts(removal, messages.state_before(removal))
    assert "Goal (" in texts["en"] and " removed" in texts["en"]
    assert "Tor (" in texts["de"] and " entfernt" in texts["de"]
    assert "Gol (" in texts["it"] and " rimosso" in texts["it"]


@pytest.fixture
def group_e():
    from events import demo

    return demo.load_demo().group


@pytest.mark.parametrize(("language", "liverpool", "genk"), [
    ("en", "Through if they win or draw; if they lose, it depends on other results and the scores.",
     "Out: cannot finish in the top three."),
    ("de", "Weiter, wenn sie gewinnen oder unentschieden spielen; wenn sie verlieren, hängt es von anderen "
     "Ergebnissen und den Spielständen ab.", "Raus: kann nicht mehr unter den ersten drei landen."),
    ("it", "Qualificati se vincono o pareggiano; se perdono, dipende da altri risultati e i punteggi.",
     "Fuori: non può più arrivare tra le prime tre."),
])
def test_what_each_team_needs_reads_in_the_readers_language(group_e, language, liverpool, genk):
    from django.utils import translation

    from events.reads import tables

    with translation.override(language):
        found = tables.group_scenarios(group_e)
    summary = {entry["team"]["short_name"]: entry["summary"] for entry in found["teams"]}
    assert summary["Liverpool"][0]["text"] == liverpool
    assert summary["Genk"][0]["text"] == genk


def test_the_tables_zones_read_in_the_page_language(client, group_e):
    match = group_e.matches.first()
    english = client.get(f"/matches/{match.id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    german = client.get(f"/matches/{match.id}/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert 'data-label="Round of 16"' in english and 'data-label="Achtelfinale"' in german
    assert ">Aufstellungen<" in german and "<abbr title=\"Punkte\">Pkt.</abbr>" in german
