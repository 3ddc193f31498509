"""The tournament home page (/competitions/{id}/): every group's table compact, the third-placed teams with
the cut line and the bracket, from the 2026 World Cup as imported from data/openfootball-worldcup."""

import json
import re
from pathlib import Path

import pytest

from events import services
from events.importer_worldcup import parse_world_cup_json
from events.models import Competition, Group, Match
from tests.db.test_bracket_page import make_two_legged_tie
from tests.db.test_csp import assert_keeps_to_the_policy
from tests.factories import make_match

WORLD_CUP_2026 = Path(__file__).resolve().parent.parent.parent / "data" / "openfootball-worldcup" / "2026-worldcup.json"
pytestmark = pytest.mark.django_db


def import_world_cup_2026() -> Competition:
    """The 2026 World Cup as its file records it: 12 groups of four, the knockout ties, every result."""
    data = parse_world_cup_json(WORLD_CUP_2026.read_text(encoding="utf-8"))
    return services.import_competition(data=data).competition


def last_group_matches(competition: Competition) -> list[Match]:
    """Each group's last match (by kick-off): taken back to before kick-off, the groups have not ended."""
    return [group.matches.order_by("kickoff", "id").last() for group in competition.groups.order_by("name")]


def world_cup_2026_before_the_last_matches() -> Competition:
    competition = import_world_cup_2026()
    for match in last_group_matches(competition):
        services.reset_match(match_id=match.id)
    return competition


def page_state(html: str) -> dict:
    found = re.search(r'<script id="bracket-state" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def element(html: str, element_id: str, tag: str) -> str:
    """The markup of the element with this id, up to its closing tag (elements of this kind not nested)."""
    start = html.index(f'id="{element_id}"')
    return html[html.rindex("<", 0, start):html.index(f"</{tag}>", start) + len(tag) + 3]


def test_the_page_shows_every_group_the_thirds_with_the_cut_line_and_the_bracket_before_the_groups_end(client):
    competition = world_cup_2026_before_the_last_matches()
    response = client.get(f"/competitions/{competition.id}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<h1 class="page-title">FIFA World Cup 2026</h1>', html)

    groups = list(Group.objects.filter(competition=competition).order_by("name"))
    assert [group.name for group in groups] == [f"Group {letter}" for letter in "ABCDEFGHIJKL"]
    shown = re.findall(r'id="tournament-group-(\d+)"', html)
    assert shown == [str(group.id) for group in groups]
    for group in groups:
        table = element(html, f"tournament-group-{group.id}", "table")
        assert f'href="/groups/{group.id}/">{group.name}</a>' in table
        assert table.count('<tr class="standings__row') == 4
        # The zones in colour and in words: two through, the third ranked with the others, the last out.
        assert re.findall(r'data-zone="([a-z0-9-]+)"', table) == ["round-of-32", "round-of-32", "best-thirds", "out"]
        assert ", Ranked with the other third-placed teams</span>" in table

    thirds = element(html, "third-placed", "table")
    rows = re.findall(r'<tr class="standings__row[^"]*"[^>]*data-above-cut="(true|false)"', thirds)
    assert rows == ["true"] * 8 + ["false"] * 4
    before_cut, _after_cut = thirds.split('<tr class="thirds__cut">')
    assert before_cut.count('data-above-cut="true"') == 8 and 'data-above-cut="false"' not in before_cut
    assert "The best 8 go through: the cut line" in thirds and "Through as it stands" in thirds

    part = html[html.index('id="group-stage"'):html.index('id="knockouts-heading"')]
    assert "As it stands, with group matches still to play." in part
    # Each slot names where it comes from, and the team the tables put there now.
    assert "Winner Group E, as it stands" in part and "Runner-up Group A, as it stands" in part
    assert re.search(r"3rd Group A/B/C/D/F \(Group [ABCDF]\), as it stands", part)
    assert '<span class="pairing__open">Winner match 74</span>' in part
    assert part.count('<li class="pairing"') == 32
    # The knockout ties the file records, each linking to its match.
    assert len(re.findall(r'<li class="tie[ "]', html)) == 32 and 'class="tie__leg-match" href="/matches/' in html

    assert f'href="/competitions/{competition.id}/bracket/"' in html
    state = page_state(html)
    seqs = dict(Match.objects.filter(competition=competition).values_list("id", "seq"))
    assert state["versions"]["group-stage"] == sum(seqs.values())
    assert state["tables"] == {str(group.id): sum(group.matches.values_list("seq", flat=True)) for group in groups}
    assert state["seqs"] == {str(match_id): seq for match_id, seq in seqs.items()}
    assert f'data-ws-path="/ws/competitions/{competition.id}/bracket/"' in html
    assert 'id="bracket-announcer" aria-live="polite"' in html
    assert_keeps_to_the_policy(html)


def test_the_matches_link_goes_to_the_day_of_the_next_match(client):
    tie, _first, second = make_two_legged_tie()
    html = client.get(f"/competitions/{tie.stage.competition_id}/").content.decode()
    assert f'href="/?date={second.kickoff.date().isoformat()}" id="matches-link"' in html
    assert f'id="tie-{tie.id}"' in html and 'id="group-stage"' not in html


def test_a_competition_whose_groups_do_not_lead_into_the_bracket_lists_them_as_links(client):
    match = make_match()
    html = client.get(f"/competitions/{match.competition_id}/").content.decode()
    assert f'<a href="/groups/{match.group_id}/">' in html and 'id="tournament-group-' not in html
    assert page_state(html)["tables"] == {}


def test_a_format_that_ranks_thirds_without_a_fixed_path_shows_the_ranking_alone(client):
    """1990: six groups, the four best thirds through; the round of 16 was drawn by a table of its own."""
    path = WORLD_CUP_2026.with_name("1990-worldcup.json")
    competition = services.import_competition(data=parse_world_cup_json(path.read_text(encoding="utf-8"))).competition
    html = client.get(f"/competitions/{competition.id}/").content.decode()
    thirds = element(html, "thirds", "section")
    assert "Third-placed teams" in thirds and "The best 4 go through: the cut line" in thirds
    assert sorted(re.findall(r'data-group="([A-F])"', thirds)) == list("ABCDEF")
    # The cut line falls after the fourth; Argentina, third in Group B, went through.
    rows = re.findall(r'<tr class="standings__row[^>]*data-above-cut="(true|false)">(.*?)</tr>', thirds)
    assert [above for above, _cells in rows] == ["true"] * 4 + ["false"] * 2
    assert any("Argentina" in cells for above, cells in rows if above == "true")
    assert 'id="group-stage"' not in html
    assert make_match().competition_id != competition.id  # another competition has no thirds section
    other = client.get(f"/competitions/{Competition.objects.exclude(pk=competition.id).get().id}/").content.decode()
    assert 'id="thirds"' not in other


def test_the_bracket_page_links_to_the_tournament_page(client):
    tie, _first, _second = make_two_legged_tie()
    html = client.get(f"/competitions/{tie.stage.competition_id}/bracket/").content.decode()
    assert f'href="/competitions/{tie.stage.competition_id}/" id="tournament-link"' in html


def test_an_unknown_competition_is_a_404(client):
    assert client.get("/competitions/999999/").status_code == 404


def test_the_page_carries_an_etag_answers_304_and_changes_with_a_goal(client):
    competition = world_cup_2026_before_the_last_matches()
    response = client.get(f"/competitions/{competition.id}/")
    etag = response["ETag"]
    assert etag.startswith('W/"') and "s-maxage=1" in response["Cache-Control"]
    assert "public" in response["Cache-Control"]
    again = client.get(f"/competitions/{competition.id}/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    match = last_group_matches(competition)[0]
    services.record_score(match_id=match.id, home_goals=1, away_goals=0, period="first_half")
    changed = client.get(f"/competitions/{competition.id}/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_the_page_reads_in_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    competition = world_cup_2026_before_the_last_matches()
    # A few queries per group table (12 of them), the ranking of thirds, the knockout ties: none per match or event.
    with django_assert_max_num_queries(60):
        assert client.get(f"/competitions/{competition.id}/").status_code == 200
