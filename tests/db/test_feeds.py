"""Atom feeds: a match's timeline (/matches/{id}/feed.atom) and a competition's results
(/competitions/{id}/results.atom), read back with feedparser as a feed reader would, validity included."""

from datetime import UTC, datetime

import feedparser
import pytest

from events import services
from tests.db.test_var import record
from tests.factories import make_match, player

pytestmark = pytest.mark.django_db


def read_feed(client, url: str, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")  # well-formed XML, and Atom as feedparser reads it
    assert parsed.version == "atom10"
    return response, parsed


def test_a_match_feed_lists_the_timeline_newest_first_with_the_score_each_goal_made(client):
    match = make_match(kicked_off=True)
    scorer, assist = player(match.away, 9), player(match.away, 10)
    services.record_event(match_id=match.id, kind="goal", minute=21, team_id=match.away.id, player_id=scorer.id,
                          second_player_id=assist.id, commentary="A low shot inside the near post.")
    record(match, "yellow_card", 34, number=4)
    record(match, "shot", 40, number=9)  # counted in the statistics, not narrated

    _, feed = read_feed(client, f"/matches/{match.id}/feed.atom")

    assert feed.feed.title == f"{match.home.short_name} 0-1 {match.away.short_name}: timeline"
    assert feed.feed.link.endswith(f"/matches/{match.id}/")
    titles = [entry.title for entry in feed.entries]
    assert titles == [
        f"34' Yellow card: {player(match.home, 4).name} ({match.home.short_name})",
        f"21' Goal: {scorer.name} ({match.away.short_name}), assist {assist.name} 0–1",
        "KO Kick-off",
    ]
    goal = feed.entries[1]
    assert goal.summary == "A low shot inside the near post."
    assert goal.link.endswith(f"/matches/{match.id}/#event-{goal.link.rsplit('-', 1)[1]}")
    assert len({entry.id for entry in feed.entries}) == 3
    assert "summary" not in feed.entries[0] and "summary" not in feed.entries[2]  # nothing to say: no summary
    assert all(entry.updated_parsed for entry in feed.entries)


def test_a_goal_disallowed_after_the_fact_keeps_its_entry_and_says_so(client):
    match = make_match(kicked_off=True)
    goal = record(match, "goal", 20, number=9)
    _, before = read_feed(client, f"/matches/{match.id}/feed.atom")
    goal_entry = next(entry for entry in before.entries if "Goal" in entry.title)

    check = services.record_event(match_id=match.id, kind="var_check", minute=21, reviewed_event_id=goal.id,
                                  var_category="goal").event
    services.decide_var_check(check_id=check.id, decision="overturned", decision_reason="offside")

    _, after = read_feed(client, f"/matches/{match.id}/feed.atom")
    same = next(entry for entry in after.entries if entry.id == goal_entry.id)
    assert same.title.startswith("Goal disallowed: 20' Goal")
    assert "0–1" not in same.title and "1–0" not in same.title  # a goal that does not count made no score
    assert same.summary == "Goal disallowed after VAR review: offside"
    assert same.updated_parsed >= goal_entry.updated_parsed
    check_title = f"21' VAR check ({match.home.short_name}): goal / no goal, decision overturned (offside)"
    assert after.entries[0].title == check_title
    assert after.feed.title.startswith(f"{match.home.short_name} 0-0 ")


def test_a_competition_feed_lists_its_results_newest_first_with_the_scorers(client):
    first = make_match(kickoff=datetime(2019, 11, 6, 20, tzinfo=UTC), venue="Anfield")
    competition = first.competition
    second = make_match(competition=competition, group=first.group, kickoff=datetime(2019, 11, 27, 20, tzinfo=UTC))
    unplayed = make_match(competition=competition, group=first.group, kickoff=datetime(2019, 12, 10, 20, tzinfo=UTC))
    services.record_result(match_id=first.id, home_goals=2, away_goals=0)
    services.record_event(match_id=second.id, kind="period_start")
    record(second, "goal", 30, number=9)
    record(second, "own_goal", 40, team=second.away, number=4)
    services.record_event(match_id=second.id, kind="period_end", minute=45)
    services.record_event(match_id=second.id, kind="period_start", period="second_half", minute=45)
    services.record_event(match_id=second.id, kind="period_end", period="second_half", minute=90)

    _, feed = read_feed(client, f"/competitions/{competition.id}/results.atom")

    assert feed.feed.title == f"{competition}: results"
    assert [entry.title for entry in feed.entries] == [
        f"{second.home.short_name} 2-0 {second.away.short_name}",
        f"{first.home.short_name} 2-0 {first.away.short_name}",
    ]
    assert f"/matches/{unplayed.id}/" not in "".join(entry.link for entry in feed.entries)
    scorers = feed.entries[0].summary.splitlines()
    assert scorers[0] == "Group A, matchday 1"
    assert scorers[1:] == [f"30' {player(second.home, 9).name}", f"40' {player(second.away, 4).name} (own goal)"]
    assert feed.entries[1].summary == "Group A, matchday 1, Anfield"


def test_feeds_are_cached_by_the_state_they_show(client):
    match = make_match(kicked_off=True)
    response, _ = read_feed(client, f"/matches/{match.id}/feed.atom")
    etag = response["ETag"]
    assert "s-maxage=1" in response["Cache-Control"]
    assert client.get(f"/matches/{match.id}/feed.atom", HTTP_IF_NONE_MATCH=etag).status_code == 304

    record(match, "goal", 20, number=9)
    fresh = client.get(f"/matches/{match.id}/feed.atom", HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200 and fresh["ETag"] != etag


def test_pages_name_their_feeds_for_discovery(client):
    match = make_match()
    page = client.get(f"/matches/{match.id}/").content.decode()
    assert f'type="application/atom+xml" title="Timeline (Atom)" href="/matches/{match.id}/feed.atom"' in page
    tournament = client.get(f"/competitions/{match.competition_id}/").content.decode()
    assert f'href="/competitions/{match.competition_id}/results.atom"' in tournament


@pytest.mark.parametrize("url", ["/matches/999999/feed.atom", "/competitions/999999/results.atom"])
def test_a_feed_of_nothing_is_404(client, url):
    assert client.get(url).status_code == 404


def test_a_feed_reads_in_the_readers_language_names_as_they_are(client):
    match = make_match(kicked_off=True)
    goal = record(match, "goal", 20, number=9)
    services.record_event(match_id=match.id, kind="substitution", minute=30, team_id=match.home.id,
                          player_id=player(match.home, 9).id, second_player_id=player(match.home, 12).id)
    check = services.record_event(match_id=match.id, kind="var_check", minute=21, reviewed_event_id=goal.id,
                                  var_category="goal").event
    services.decide_var_check(check_id=check.id, decision="overturned", decision_reason="offside")
    english = read_feed(client, f"/matches/{match.id}/feed.atom")[1]
    response, german = read_feed(client, f"/matches/{match.id}/feed.atom", HTTP_ACCEPT_LANGUAGE="de")

    assert 'xml:lang="de"' in response.content.decode()
    assert german.feed.title == f"{match.home.short_name} 0-0 {match.away.short_name}: Spielverlauf"
    titles = [entry.title for entry in german.entries]
    home, sub_off, sub_on = match.home.short_name, player(match.home, 9).name, player(match.home, 12).name
    assert f"30' Auswechslung ({home}): {sub_off} raus, {sub_on} rein" in titles
    assert f"21' VAR-Überprüfung ({home}): Tor / kein Tor, Entscheidung revidiert (Abseits)" in titles
    assert any(title.startswith("Tor aberkannt: 20' Tor") for title in titles)
    assert titles[-1].endswith("Anpfiff")
    assert [entry.id for entry in german.entries] == [entry.id for entry in english.entries]  # the same entries
