"""The embeddable widgets: their pages, who may frame them (frame-ancestors from the admin's EmbedSite list, no
X-Frame-Options), the snippet and oEmbed discovery on match and group pages, and the oEmbed endpoint."""

import json
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from events import services
from events.models import EmbedSite
from events.reads import embeds as embed_reads
from tests.db.test_csp import POLICY, assert_keeps_to_the_policy, directives
from tests.db.test_views import add_goals, queries_to_render
from tests.factories import make_match, make_user, player

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_cached_origins():
    cache.delete(embed_reads.ORIGINS_KEY)
    yield
    cache.delete(embed_reads.ORIGINS_KEY)


def frame_ancestors(response) -> list[str]:
    return directives(response["Content-Security-Policy"])["frame-ancestors"]


# --- the widgets -------------------------------------------------------------------------------------


def test_it_shows_a_match_widget_with_the_score_header_and_timeline_and_no_site_nav(client):
    match = make_match(kicked_off=True)
    services.record_event(match_id=match.id, kind="goal", minute=21, team_id=match.home_id,
                          player_id=player(match.home, 9).id)
    response = client.get(f"/embed/matches/{match.id}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="scoreboard"' in page and 'id="timeline"' in page and 'id="match-clock"' in page
    assert 'id="score-home" data-score="home">1<' in page
    assert f'data-ws-path="/ws/matches/{match.id}/"' in page and "js/live.js" in page and "js/match.js" in page
    assert "site-nav" not in page and "spoiler" not in page
    assert '<base target="_blank">' in page
    assert f'href="/matches/{match.id}/" rel="noopener"' in page
    assert_keeps_to_the_policy(page)


def test_it_shows_a_group_table_widget_live_over_the_group_socket(client):
    match = make_match()
    response = client.get(f"/embed/groups/{match.group_id}/table/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="standings' in page and 'id="table-container"' in page
    assert f'data-ws-path="/ws/groups/{match.group_id}/"' in page and "js/group.js" in page
    assert match.home.name in page and match.away.name in page
    assert_keeps_to_the_policy(page)


def test_a_widget_uses_a_constant_number_of_queries_and_none_for_the_sites_once_cached(client):
    few, many = make_match(kicked_off=True), make_match(kicked_off=True)
    add_goals(few, 2)
    add_goals(many, 40)
    EmbedSite.objects.create(origin="https://news.example")
    client.get(f"/embed/matches/{few.id}/")  # reads the sites once
    assert queries_to_render(client, f"/embed/matches/{few.id}/") == queries_to_render(
        client, f"/embed/matches/{many.id}/")
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/embed/groups/{few.group_id}/table/")
    assert not any("events_embedsite" in query["sql"] for query in queries.captured_queries)


def test_it_answers_404_for_a_widget_of_nothing(client):
    assert client.get("/embed/matches/999999/").status_code == 404
    assert client.get("/embed/groups/999999/table/").status_code == 404
    assert client.get("/embed/matches/abc/").status_code == 404


@pytest.mark.parametrize(("query", "theme"), [
    ("", None), ("?theme=auto", None), ("?theme=dark", "dark"), ("?theme=light", "light"), ("?theme=DARK", "dark"),
    ("?theme=sepia", None), ("?theme=", None),
])
def test_it_pins_the_theme_asked_for_and_ignores_one_it_does_not_know(client, query, theme):
    match = make_match()
    page = client.get(f"/embed/matches/{match.id}/{query}").content.decode()
    html = re.search(r"<html[^>]*>", page).group(0)
    if theme:
        assert f'data-theme="{theme}"' in html
        assert f'<meta name="color-scheme" content="{theme}">' in page
    else:
        assert "data-theme" not in html
        assert '<meta name="color-scheme" content="light dark">' in page


@pytest.mark.parametrize("lang", ["", "en", "EN", "en-GB", "fr", "xx-yy", "../../etc", "%00", "-"])
def test_it_takes_english_and_ignores_a_language_it_does_not_have(client, lang):
    match = make_match()
    response = client.get(f"/embed/matches/{match.id}/", {"lang": lang})
    assert response.status_code == 200
    assert '<html lang="en"' in response.content.decode()


def test_it_takes_a_language_the_site_lists(client, settings):
    settings.LANGUAGES = [("en", "English"), ("it", "Italiano")]
    match = make_match()
    assert '<html lang="it"' in client.get(f"/embed/matches/{match.id}/?lang=it").content.decode()
    assert '<html lang="en"' in client.get(f"/embed/matches/{match.id}/?lang=fr").content.decode()
    assert '<html lang="it"' in client.get(f"/embed/matches/{match.id}/?lang=it-CH").content.decode()


def test_a_widget_in_another_theme_has_another_etag(client):
    match = make_match()
    light = client.get(f"/embed/matches/{match.id}/?theme=light")
    dark = client.get(f"/embed/matches/{match.id}/?theme=dark")
    assert light["ETag"] != dark["ETag"]
    again = client.get(f"/embed/matches/{match.id}/?theme=light", HTTP_IF_NONE_MATCH=light["ETag"])
    assert again.status_code == 304


# --- who may frame them ----------------------------------------------------------------------------


def test_with_no_sites_only_the_site_itself_may_frame_a_widget(client):
    match = make_match()
    for path in (f"/embed/matches/{match.id}/", f"/embed/groups/{match.group_id}/table/"):
        response = client.get(path)
        assert frame_ancestors(response) == ["'self'"], path
        assert "X-Frame-Options" not in response, path
        # The rest of the policy is the site's.
        assert {**directives(response["Content-Security-Policy"]), "frame-ancestors": ["'none'"]} == POLICY


def test_the_widgets_name_the_active_sites_in_frame_ancestors(client):
    match = make_match()
    EmbedSite.objects.create(origin="https://news.example")
    EmbedSite.objects.create(origin="https://*.blogs.example")
    EmbedSite.objects.create(origin="https://gone.example", active=False)
    for path in (f"/embed/matches/{match.id}/", f"/embed/groups/{match.group_id}/table/"):
        response = client.get(path)
        assert frame_ancestors(response) == ["'self'", "https://*.blogs.example", "https://news.example"], path
        assert "X-Frame-Options" not in response


class UnavailableCache:
    def __getattr__(self, name):
        def unavailable(*args, **kwargs):
            raise ConnectionError("the cache is away")

        return unavailable


def test_while_the_cache_is_away_widgets_name_the_sites_from_the_database_and_a_site_can_still_be_saved(
    client, monkeypatch
):
    match = make_match()
    monkeypatch.setattr(embed_reads, "cache", UnavailableCache())
    EmbedSite.objects.create(origin="https://news.example")
    response = client.get(f"/embed/matches/{match.id}/")
    assert response.status_code == 200
    assert frame_ancestors(response) == ["'self'", "https://news.example"]


def test_a_304_still_says_who_may_frame_the_widget(client):
    match = make_match()
    EmbedSite.objects.create(origin="https://news.example")
    first = client.get(f"/embed/matches/{match.id}/")
    again = client.get(f"/embed/matches/{match.id}/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert frame_ancestors(again) == ["'self'", "https://news.example"]
    assert "X-Frame-Options" not in again


def test_every_other_page_may_be_framed_by_no_one(client):
    match = make_match()
    EmbedSite.objects.create(origin="https://news.example")
    for path in ("/", f"/matches/{match.id}/", f"/groups/{match.group_id}/", "/oembed", "/editor/login/"):
        response = client.get(path)
        assert frame_ancestors(response) == ["'none'"], path
        assert response["X-Frame-Options"] == "DENY", path


def test_a_site_added_changed_or_removed_takes_effect_at_once_though_the_list_is_cached(client,
                                                                                      django_assert_num_queries):
    match = make_match()
    path = f"/embed/groups/{match.group_id}/table/"
    client.get(path)
    # Cached: a second read of the list costs no query.
    with django_assert_num_queries(0):
        assert embed_reads.allowed_origins() == ()
    site = EmbedSite.objects.create(origin="https://news.example")
    assert frame_ancestors(client.get(path)) == ["'self'", "https://news.example"]
    site.active = False
    site.save()
    assert frame_ancestors(client.get(path)) == ["'self'"]
    site.active = True
    site.save()
    assert frame_ancestors(client.get(path)) == ["'self'", "https://news.example"]
    site.delete()
    assert frame_ancestors(client.get(path)) == ["'self'"]


def test_the_admin_adds_a_site_and_its_origin_is_normalised(client):
    admin = make_user("root", role=None, is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post("/admin/events/embedsite/add/",
                           {"origin": " HTTPS://News.Example:443/ ", "note": "Our partner", "active": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(EmbedSite.objects.values_list("origin", flat=True)) == ["https://news.example"]
    refused = client.post("/admin/events/embedsite/add/", {"origin": "https://news.example/sport", "active": "on"})
    assert refused.status_code == 200
    assert "no path" in refused.content.decode()


# --- what an origin may be ----------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "kept"), [
    ("https://news.example", "https://news.example"),
    ("https://News.Example/", "https://news.example"),
    ("http://localhost:8080", "http://localhost:8080"),
    ("https://news.example:443", "https://news.example"),
    ("http://news.example:80", "http://news.example"),
    ("https://news.example:8443", "https://news.example:8443"),
    ("https://*.news.example", "https://*.news.example"),
    ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
])
def test_an_origin_is_kept_in_its_canonical_form(given, kept):
    site = EmbedSite(origin=given)
    site.full_clean()
    assert site.origin == kept


@pytest.mark.parametrize("given", [
    "", "news.example", "ftp://news.example", "https://", "https://news.example/path", "https://news.example?x=1",
    "https://news.example#top", "https://user@news.example", "https://*", "https://*.example", "*",
    "https://news.*.example", "https://news.example:0", "https://news.example:70000", "https://news.example:http",
    "https://-bad.example", "https://news example", "javascript:alert(1)", "https://300.1.1.1",
    "https://*.127.0.0.1", "'self'", "https://news.example; script-src *",
])
def test_an_origin_that_is_not_one_site_is_refused_naming_the_field(given):
    with pytest.raises(ValidationError) as refused:
        EmbedSite(origin=given).full_clean()
    assert "origin" in refused.value.message_dict


# --- the snippet and discovery on the pages ---------------------------------------------------------


def snippet_in(page: str) -> str:
    return unescape(re.search(r'<textarea[^>]*id="embed-code"[^>]*>(.*?)</textarea>', page, re.S).group(1))


def test_the_match_page_offers_the_snippet_in_each_theme_and_names_its_oembed(client):
    match = make_match()
    page = client.get(f"/matches/{match.id}/").content.decode()
    code = snippet_in(page)
    assert code == (f'<iframe src="http://testserver/embed/matches/{match.id}/" width="480" height="440" '
                    f'title="{match.home.name} v {match.away.name} · Matchcentre" loading="lazy"></iframe>')
    themes = {theme: unescape(code) for theme, code in re.findall(r'value="(\w+)" data-snippet="([^"]*)"', page)}
    assert set(themes) == {"auto", "light", "dark"}
    assert f'/embed/matches/{match.id}/?theme=dark"' in themes["dark"]
    assert re.search(r'<label class="embed-share__label" for="embed-code">', page)
    link = re.search(r'<link rel="alternate" type="application/json\+oembed" href="([^"]+)" title="([^"]+)">', page)
    assert link.group(2) == f"{match.home.name} v {match.away.name}"
    query = parse_qs(urlsplit(unescape(link.group(1))).query)
    assert query == {"url": [f"http://testserver/matches/{match.id}/"], "format": ["json"]}
    assert "js/embed-share.js" in page
    assert_keeps_to_the_policy(page)


def test_the_group_page_offers_the_table_snippet_sized_for_its_teams(client):
    match = make_match()
    page = client.get(f"/groups/{match.group_id}/").content.decode()
    code = snippet_in(page)
    assert f'src="http://testserver/embed/groups/{match.group_id}/table/"' in code
    assert 'width="480" height="314"' in code  # two teams
    assert 'type="application/json+oembed"' in page


# --- oEmbed ------------------------------------------------------------------------------------------


def oembed(client: Client, **query):
    response = client.get("/oembed", query)
    return response, json.loads(response.content)


def test_oembed_answers_a_match_page_with_its_widget(client):
    match = make_match()
    response, answer = oembed(client, url=f"http://testserver/matches/{match.id}/", format="json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert answer == {
        "version": "1.0",
        "type": "rich",
        "title": f"{match.home.name} v {match.away.name} · {match.competition}",
        "provider_name": "Matchcentre",
        "provider_url": "http://testserver/",
        "html": f'<iframe src="http://testserver/embed/matches/{match.id}/" width="480" height="440" '
                f'title="{match.home.name} v {match.away.name} · Matchcentre" loading="lazy"></iframe>',
        "width": 480,
        "height": 440,
    }


def test_oembed_answers_a_group_page_and_keeps_within_maxwidth_and_maxheight(client):
    match = make_match()
    response, answer = oembed(client, url=f"https://testserver/groups/{match.group_id}/?tab=1",
                              maxwidth="320", maxheight="200")
    assert response.status_code == 200
    assert (answer["width"], answer["height"]) == (320, 200)
    assert 'width="320" height="200"' in answer["html"]
    assert f"/embed/groups/{match.group_id}/table/" in answer["html"]
    assert answer["title"] == f"Group A table · {match.competition}"
    # Larger than the widget: its own size.
    _, roomy = oembed(client, url=f"http://testserver/groups/{match.group_id}/", maxwidth="2000", maxheight="2000")
    assert (roomy["width"], roomy["height"]) == (480, 314)


@pytest.mark.parametrize("url", [
    "http://testserver/matches/999999/", "http://testserver/groups/999999/", "http://testserver/",
    "http://testserver/editor/", "http://testserver/api/matches/1", "http://elsewhere.example/matches/{id}/",
    "ftp://testserver/matches/{id}/", "http://testserver/embed/matches/{id}/", "not a url",
])
def test_oembed_answers_404_for_a_url_with_no_widget(client, url):
    match = make_match()
    response, answer = oembed(client, url=url.format(id=match.id))
    assert response.status_code == 404
    assert answer["code"] == "not_found"


@pytest.mark.parametrize("query", [{}, {"url": ""}, {"url": "  "}])
def test_oembed_answers_400_naming_url_without_one(client, query):
    response, answer = oembed(client, **query)
    assert response.status_code == 400
    assert answer["field"] == "url" and "url" in answer["detail"]


@pytest.mark.parametrize(("field", "value"), [("maxwidth", "wide"), ("maxheight", "-5"), ("maxwidth", "0"),
                                              ("maxheight", "1.5")])
def test_oembed_answers_400_naming_a_bad_size(client, field, value):
    match = make_match()
    response, answer = oembed(client, url=f"http://testserver/matches/{match.id}/", **{field: value})
    assert response.status_code == 400
    assert answer["field"] == field


def test_oembed_answers_404_when_no_widget_fits_the_size_asked_for(client):
    match = make_match()
    response, _ = oembed(client, url=f"http://testserver/matches/{match.id}/", maxwidth="100")
    assert response.status_code == 404


@pytest.mark.parametrize("format", ["xml", "yaml"])
def test_oembed_answers_501_for_a_format_other_than_json(client, format):
    match = make_match()
    response, answer = oembed(client, url=f"http://testserver/matches/{match.id}/", format=format)
    assert response.status_code == 501
    assert answer["field"] == "format"
