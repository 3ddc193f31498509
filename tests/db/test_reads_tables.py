"""The table reads: zones and form on every row, the legend, and what each team needs in short."""

from datetime import UTC, datetime, timedelta

import pytest

from events import fragments, services
from events.reads import tables
from tests.factories import make_competition, make_match, make_team

pytestmark = pytest.mark.django_db


def row_of(table: dict, short_name: str) -> dict:
    return next(row for row in table["rows"] if row["team"]["short_name"] == short_name)


@pytest.fixture
def group_e():
    from events import demo

    return demo.load_demo().group


def test_each_row_carries_the_zone_its_position_leads_to(group_e):
    table = tables.group_table(group_e)
    assert [(row["position"], row["zone"]["key"]) for row in table["rows"]] == [
        (1, "round-of-16"), (2, "round-of-16"), (3, "europa-league"), (4, "out")]
    assert table["zones"] == [
        {"key": "round-of-16", "label": "Round of 16", "first": 1, "last": 2},
        {"key": "europa-league", "label": "Europa League", "first": 3, "last": 3},
        {"key": "out", "label": "Out", "first": 4, "last": 4},
    ]
    html = fragments.table_html(table)
    assert 'class="zone-legend"' in html and "Europa League <span class=\"zone-legend__places\">(3)</span>" in html
    assert "Round of 16 <span class=\"zone-legend__places\">(1–2)</span>" in html


def test_form_is_the_last_results_oldest_first_with_words_for_each(group_e):
    liverpool = row_of(tables.group_table(group_e), "Liverpool")
    # Matchdays 1 to 5: away at Napoli, Salzburg at home, away at Genk, Genk at home, Napoli at home.
    assert [(result["result"], result["label"]) for result in liverpool["form"]] == [
        ("L", "Lost 0-2 v Napoli"),
        ("W", "Won 4-3 v Salzburg"),
        ("W", "Won 4-1 v Genk"),
        ("W", "Won 2-1 v Genk"),
        ("D", "Drew 1-1 v Napoli"),
    ]
    html = fragments.table_html(tables.group_table(group_e))
    assert '<span class="visually-hidden">Lost 0-2 v Napoli</span>' in html


def test_form_counts_a_predicted_score_and_says_so(group_e):
    from events import demo

    napoli_genk = next(m for m in demo.matchday_6_matches() if m.home.short_name == "Napoli")
    table = tables.group_table(group_e, {napoli_genk.id: (0, 3)})
    latest = row_of(table, "Napoli")["form"][-1]
    assert (latest["result"], latest["label"], latest["predicted"]) == ("L", "Lost 0-3 v Genk (your score)", True)
    assert len(row_of(table, "Napoli")["form"]) == 5
    assert "form-guide__result--predicted" in fragments.table_html(table)


def test_form_keeps_five_results_and_skips_matches_in_progress():
    home, away = make_team("Alpha"), make_team("Bravo")
    first = make_match(home=home, away=away, with_lineups=False)
    kickoff = first.kickoff
    for day in range(1, 7):
        match = make_match(home=home, away=away, group=first.group, with_lineups=False, matchday=day + 1,
                           kickoff=kickoff + timedelta(days=day))
        services.record_result(match_id=match.id, home_goals=day, away_goals=0)
    services.record_result(match_id=first.id, home_goals=0, away_goals=1)
    in_progress = make_match(home=away, away=home, group=first.group, matchday=9,
                             kickoff=datetime(2030, 1, 1, tzinfo=UTC), kicked_off=True)
    table = tables.group_table(first.group)
    form = row_of(table, "Alpha")["form"]
    assert [result["label"] for result in form] == [f"Won {goals}-0 v Bravo" for goals in range(2, 7)]
    assert in_progress.id not in {result["match_id"] for result in form}


def test_a_league_has_no_zones_and_no_legend():
    competition = make_competition(rule_set="league")
    from events.models import Group

    match = make_match(group=Group.objects.create(competition=competition, name="League"), with_lineups=False)
    services.record_result(match_id=match.id, home_goals=1, away_goals=0)
    table = tables.group_table(match.group)
    assert table["zones"] == [] and all(row["zone"] is None for row in table["rows"])
    html = fragments.table_html(table)
    assert "zone-legend" not in html and "data-zone" not in html


def test_what_each_team_needs_comes_with_a_short_summary(group_e):
    # The demo stands before the last matchday: Liverpool 10 points, Napoli 9, Salzburg 7, Genk 1.
    found = tables.group_scenarios(group_e)
    summary = {entry["team"]["short_name"]: entry["summary"] for entry in found["teams"]}
    assert summary["Liverpool"][0] == {
        "line": "round-of-16",
        "text": "Through if they win or draw; if they lose, it depends on other results and the scores.",
    }
    assert summary["Genk"] == [{"line": "out", "text": "Out: cannot finish in the top three."}]
    html = fragments.scenarios_html(found)
    assert "Through if they win or draw" in html and "<details" in html


@pytest.mark.django_db
def test_disciplinary_points_count_a_sending_off_for_two_yellows_as_three():
    """UEFA's scale: yellow 1, red 3, two yellows in a match 3 in all (not 1 + 3)."""
    from events import services
    from events.reads.tables import group_disciplinary_points
    from tests.factories import make_match, player

    match = make_match(kicked_off=True)
    home, away = match.home, match.away
    for kind, team, number, minute in [
        ("yellow_card", home, 4, 10), ("second_yellow", home, 4, 40),  # 3
        ("red_card", away, 5, 20), ("yellow_card", away, 6, 30),  # 4
    ]:
        services.record_event(match_id=match.id, kind=kind, minute=minute, team_id=team.id,
                              player_id=player(team, number).id)
    match.refresh_from_db()
    assert group_disciplinary_points([match]) == {home.id: 3, away.id: 4}


@pytest.mark.django_db
def test_a_league_phase_before_its_last_matchday_gets_the_league_verdicts(client, tmp_path):
    """The 2024-25 league phase with matchday 8 to play: proved verdicts per team for the top 8 and top 24."""
    import io
    import json
    from pathlib import Path

    from django.core.management import call_command

    from events.models import Group

    data = json.loads((Path(__file__).resolve().parents[2] / "data/openfootball/2024-25-uefa.cl.json").read_text())
    data["matches"] = [m for m in data["matches"] if m["round"].startswith("League, Matchday ")]
    for match in data["matches"]:
        if match["round"] == "League, Matchday 8":
            match.pop("score", None)
    path = tmp_path / "before-matchday-8.json"
    path.write_text(json.dumps(data))
    call_command("import_openfootball", str(path), stdout=io.StringIO())
    league = Group.objects.get(name="League phase")
    answer = client.get(f"/api/groups/{league.id}/scenarios").json()
    assert answer["available"] and answer["remaining"] == 18
    verdicts = {entry["team"]["name"]: {line["line"]: line["status"] for line in entry["lines"]}
                for entry in answer["teams"]}
    assert len(verdicts) == 36
    assert verdicts["Liverpool FC"] == {"round-of-16": "clinched", "knockout-play-offs": "clinched"}
    top_8 = sorted(name for name, lines in verdicts.items() if lines["round-of-16"] == "clinched")
    assert top_8 == ["FC Barcelona", "Liverpool FC"]
    assert sum(lines["knockout-play-offs"] == "clinched" for lines in verdicts.values()) == 18
    assert sum(lines["knockout-play-offs"] == "impossible" for lines in verdicts.values()) == 9
    page = client.get(f"/groups/{league.id}/").content.decode()
    assert "certain to finish in the top 8" in page
