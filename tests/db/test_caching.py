"""HTTP caching of fans' reads: ETags from the state shown, 304s, public for readers, private when signed in."""

from datetime import UTC, datetime

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType

from events import caching, services
from events.models import Team
from tests.factories import make_match, make_user, player

pytestmark = pytest.mark.django_db

EVENING = datetime(2019, 11, 27, 20, 0, tzinfo=UTC)


@pytest.fixture
def match():
    found = make_match(kicked_off=True, kickoff=EVENING)
    make_match(group=found.group, kickoff=EVENING)
    return found


def reads(match) -> list[str]:
    """Every public read a fan's pages make, for `match` and its group."""
    group, competition = match.group_id, match.competition_id
    return [
        f"/matches/{match.id}/",
        f"/api/matches/{match.id}",
        f"/api/matches/{match.id}/changes?since=0",
        f"/groups/{group}/",
        f"/groups/{group}/matchdays/1/",
        f"/api/groups/{group}",
        f"/api/groups/{group}/table",
        f"/api/groups/{group}/scenarios",
        f"/competitions/{competition}/bracket/",
        f"/api/competitions/{competition}/bracket",
    ]


def goal(match, minute=10):
    services.record_event(match_id=match.id, kind="goal", minute=minute, team_id=match.home_id,
                          player_id=player(match.home, 9).id)


def is_public(response) -> bool:
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    return {"public", "max-age=0", f"s-maxage={caching.SHARED_MAX_AGE_SECONDS}"} <= directives


def test_each_read_has_an_etag_and_lets_shared_caches_keep_it_for_a_moment(client, match):
    for path in reads(match):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["ETag"].startswith('W/"'), path
        assert is_public(response), (path, response["Cache-Control"])
        assert not response.cookies, path


def test_the_current_etag_gets_304_without_a_body_and_an_old_one_the_page(client, match):
    for path in reads(match):
        etag = client.get(path)["ETag"]
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b"", path
        assert again["ETag"] == etag and is_public(again), path
        other = client.get(path, headers={"If-None-Match": 'W/"something-else", "another"'})
        assert other.status_code == 200 and other.content, path


def test_a_304_does_not_build_the_page(client, match, django_assert_max_num_queries):
    etag = client.get(f"/matches/{match.id}/")["ETag"]
    with django_assert_max_num_queries(2):
        assert client.get(f"/matches/{match.id}/", headers={"If-None-Match": etag}).status_code == 304


def test_a_committed_change_changes_the_etag_of_everything_that_shows_it(client, match):
    before = {path: client.get(path)["ETag"] for path in reads(match)}
    goal(match)
    after = {path: client.get(path)["ETag"] for path in reads(match)}
    assert all(before[path] != after[path] for path in before), [p for p in before if before[p] == after[p]]
    for path, etag in before.items():
        assert client.get(path, headers={"If-None-Match": etag}).status_code == 200, path


def test_a_change_to_another_match_of_the_group_changes_this_matchs_page_through_its_table(client, match):
    other = match.group.matches.exclude(pk=match.pk).get()
    before = client.get(f"/matches/{match.id}/")["ETag"]
    services.record_event(match_id=other.id, kind="period_start")
    assert client.get(f"/matches/{match.id}/")["ETag"] != before


def test_a_change_elsewhere_leaves_the_etag_alone(client, match):
    before = {path: client.get(path)["ETag"] for path in reads(match)[:8]}
    elsewhere = make_match(kicked_off=True, kickoff=EVENING.replace(month=12))
    goal(elsewhere)
    assert {path: client.get(path)["ETag"] for path in before} == before


def test_an_edit_in_the_admin_changes_the_etag(client, match):
    before = client.get(f"/matches/{match.id}/")["ETag"]
    Team.objects.filter(pk=match.home_id).update(name="Renamed")
    LogEntry.objects.create(
        user=make_user(role="Admins"), content_type=ContentType.objects.get_for_model(Team),
        object_id=str(match.home_id), object_repr="Renamed", action_flag=CHANGE,
    )
    assert client.get(f"/matches/{match.id}/")["ETag"] != before


def test_pages_that_carry_the_servers_clock_change_their_etag_with_it(client, match, monkeypatch):
    carries_clock = [f"/matches/{match.id}/", f"/api/matches/{match.id}", f"/groups/{match.group_id}/"]
    before = {path: client.get(path)["ETag"] for path in carries_clock}
    monkeypatch.setattr(caching, "clock_window", lambda: 2)
    assert all(client.get(path)["ETag"] != etag for path, etag in before.items())
    # The table's does not carry the clock: it stays the same.
    table = f"/api/groups/{match.group_id}/table"
    assert client.get(table)["ETag"] == client.get(table)["ETag"]


def test_the_home_page_is_never_stored(client, match):
    """Which matches a day lists moves with kick-off times too (a postponement), not only with seqs."""
    response = client.get("/?date=2019-11-27")
    assert "no-store" in response["Cache-Control"] and not response.has_header("ETag")


def test_readers_pages_do_not_vary_on_their_cookies_or_set_any(client, match):
    client.cookies["csrftoken"] = "x" * 32
    client.cookies["tz"] = "Europe/Rome"
    response = client.get(f"/matches/{match.id}/")
    assert "Cookie" not in response.get("Vary", "") and not response.cookies
    assert "csrfmiddlewaretoken" not in response.content.decode()


def test_a_signed_in_readers_pages_are_private_and_not_stored(client, match):
    anonymous = client.get(f"/matches/{match.id}/")
    client.force_login(make_user(role="Editors"))
    for path in reads(match):
        response = client.get(path)
        directives = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= directives and "public" not in directives, path
        assert "ETag" not in response, path
    # The page a signed-in editor gets has their links: a reader's copy is never answered with 304.
    mine = client.get(f"/matches/{match.id}/", headers={"If-None-Match": anonymous["ETag"]})
    assert mine.status_code == 200 and "Open in the editor console" in mine.content.decode()
    assert "Open in the editor console" not in anonymous.content.decode()


def test_the_console_the_admin_and_editors_writes_are_never_public(client, match):
    client.force_login(make_user(role="Admins", is_staff=True, is_superuser=True))
    for path in ("/editor/", f"/editor/matches/{match.id}/", f"/editor/matches/{match.id}/corrections/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 200, path
        directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
        assert {"private", "no-store"} <= directives and "public" not in directives, path
    written = client.post(
        f"/api/matches/{match.id}/events",
        {"kind": "goal", "minute": 12, "team": match.home_id, "player": player(match.home, 9).id},
        content_type="application/json",
        headers={"X-CSRFToken": client.cookies["csrftoken"].value} if "csrftoken" in client.cookies else {},
    )
    assert written.status_code in (201, 403)
    assert "public" not in written.get("Cache-Control", "")


def test_a_missing_match_is_404_and_not_cached(client):
    for path in ("/matches/999999/", "/api/matches/999999", "/groups/999999/", "/api/groups/999999/table"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "public" not in response.get("Cache-Control", "") and "ETag" not in response, path
