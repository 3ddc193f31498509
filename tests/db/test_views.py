import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events import services
from tests.factories import make_match, make_user, player

pytestmark = pytest.mark.django_db


def add_goals(match, count):
    for minute in range(1, count + 1):
        services.record_event(match_id=match.id, kind="injury", minute=minute, team_id=match.home_id,
                              player_id=player(match.home, 2 + minute % 9).id)


def queries_to_render(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_home_page_lists_live_upcoming_and_recent_matches(client):
    live, upcoming = make_match(kicked_off=True), make_match()
    page = client.get("/").content.decode()
    assert f"/matches/{live.id}/" in page and f"/matches/{upcoming.id}/" in page


def test_match_page_shows_score_timeline_lineups_and_table(client):
    match = make_match(kicked_off=True)
    services.record_event(match_id=match.id, kind="goal", minute=21, team_id=match.home_id,
                          player_id=player(match.home, 9).id, commentary="<script>alert(1)</script>")
    page = client.get(f"/matches/{match.id}/").content.decode()
    assert match.home.name in page and player(match.home, 9).name in page
    assert 'id="timeline"' in page and 'aria-live="polite"' in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert f"/ws/matches/{match.id}/" in page


def test_match_page_before_kick_off_shows_when_it_starts_and_no_empty_corrections_card(client):
    match = make_match()
    page = client.get(f"/matches/{match.id}/").content.decode()
    kickoff = re.search(r'<div class="scoreboard__kickoff" id="kickoff-block"[^>]*>', page).group(0)
    assert "hidden" not in kickoff
    assert re.search(r'<div class="scoreboard__score" id="score" hidden>', page)
    assert 'data-kickoff="2019-11-27T20:00:00+00:00"' in page
    assert re.search(r'<section class="section" id="history-section"[^>]* hidden>', page)
    assert ">Match events<" in page and ">Live events<" not in page


def test_match_page_in_play_shows_the_score_and_says_live(client):
    match = make_match(kicked_off=True)
    page = client.get(f"/matches/{match.id}/").content.decode()
    assert re.search(r'<div class="scoreboard__kickoff" id="kickoff-block" hidden>', page)
    assert re.search(r'<div class="scoreboard__score" id="score">', page)
    assert ">Live events<" in page


def test_match_page_renders_in_a_constant_number_of_queries(client):
    few, many = make_match(kicked_off=True), make_match(kicked_off=True)
    add_goals(few, 2)
    add_goals(many, 40)
    assert queries_to_render(client, f"/matches/{few.id}/") == queries_to_render(client, f"/matches/{many.id}/")


def test_snapshot_uses_a_constant_number_of_queries(client):
    few, many = make_match(kicked_off=True), make_match(kicked_off=True)
    add_goals(few, 2)
    add_goals(many, 40)
    assert queries_to_render(client, f"/api/matches/{few.id}") == queries_to_render(client, f"/api/matches/{many.id}")


def test_group_page_shows_table_and_fixtures(client):
    match = make_match()
    page = client.get(f"/groups/{match.group_id}/").content.decode()
    assert match.home.name in page and f"/matches/{match.id}/" in page
    assert f"/ws/groups/{match.group_id}/" in page


def test_unknown_pages_are_404(client):
    assert client.get("/matches/999999/").status_code == 404
    assert client.get("/groups/999999/").status_code == 404


def test_editor_pages_need_a_login_with_the_editor_role(client):
    match = make_match(kicked_off=True)
    assert client.get("/editor/").status_code == 302
    client.force_login(make_user(role=None))
    assert client.get("/editor/").status_code == 403
    assert client.get(f"/editor/matches/{match.id}/").status_code == 403
    client.force_login(make_user(role="Editors"))
    assert client.get("/editor/").status_code == 200
    console = client.get(f"/editor/matches/{match.id}/").content.decode()
    assert f'data-api-create="/api/matches/{match.id}/events"' in console
    assert 'id="event-form"' in console and 'id="pending-list"' in console
    assert "csrftoken" in client.cookies


def test_a_correction_naming_no_event_of_the_match_is_404_not_500(client):
    """`event=abc` reached the ORM: a 500. `+12` or ` 12` would have found event 12."""
    match = make_match(kicked_off=True)
    goal = services.record_event(match_id=match.id, kind="goal", minute=21, team_id=match.home_id,
                                 player_id=player(match.home, 9).id).event
    client.force_login(make_user(role="Admins"))
    url = f"/editor/matches/{match.id}/corrections/"
    assert client.get(f"{url}?event=abc").status_code == 200
    form = {"action": "remove", f"r{goal.id}-reason": "a test"}
    for event in ("abc", "", f"+{goal.id}", f" {goal.id}", f"0{goal.id}", f"{goal.id}.0", "1" * 30, "\x00"):
        response = client.post(f"{url}?event={event}", {**form, "event": event})
        assert response.status_code == 404, (event, response.status_code)
    goal.refresh_from_db()
    assert goal.state == "active"


def test_nul_characters_in_correction_forms_are_refused_beside_the_field(client):
    """PostgreSQL cannot store NUL; the forms' text fields (Django's CharField) refuse it before it gets there."""
    match = make_match(kicked_off=True)
    goal = services.record_event(match_id=match.id, kind="goal", minute=21, team_id=match.home_id,
                                 player_id=player(match.home, 9).id).event
    check = services.record_event(match_id=match.id, kind="var_check", minute=22, reviewed_event_id=goal.id,
                                  var_category="goal").event
    client.force_login(make_user(role="Admins"))
    url = f"/editor/matches/{match.id}/corrections/"
    seq = match_seq(match)
    posts = [
        {"event": goal.id, "action": "correct", f"e{goal.id}-kind": "goal", f"e{goal.id}-minute": "21",
         f"e{goal.id}-player": player(match.home, 9).id, f"e{goal.id}-reason": "a\x00b"},
        {"event": goal.id, "action": "correct", f"e{goal.id}-kind": "goal\x00", f"e{goal.id}-minute": "2\x001",
         f"e{goal.id}-player": f"{player(match.home, 9).id}\x00", f"e{goal.id}-reason": "fine"},
        {"event": goal.id, "action": "remove", f"r{goal.id}-reason": "a\x00b"},
        {"event": check.id, "action": "correct", f"e{check.id}-decision": "stands", f"e{check.id}-reason": "a\x00b"},
    ]
    for post in posts:
        response = client.post(url, post)
        assert response.status_code == 200 and 'class="errorlist' in response.content.decode(), post
    assert match_seq(match) == seq


def match_seq(match) -> int:
    match.refresh_from_db()
    return match.seq


@pytest.mark.django_db
def test_a_matchdays_latest_events_leave_out_counted_statistics(client):
    match = make_match(kicked_off=True)
    goal = services.record_event(match_id=match.id, kind="goal", minute=10, team_id=match.home_id,
                                 player_id=player(match.home, 9).id)
    for minute in range(11, 18):
        services.record_event(match_id=match.id, kind="corner", minute=minute, team_id=match.away_id)
    page = client.get(f"/groups/{match.group_id}/matchdays/{match.matchday}/").content.decode()
    latest = page[page.index(f'id="latest-{match.id}"'):]
    latest = latest[:latest.index("</ol>")]
    assert f'id="event-{goal.event.id}"' in latest and 'data-kind="corner"' not in latest
