"""The bracket read and GET /api/competitions/{id}/bracket, on imported seasons and on admin corrections."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from events import services
from events.models import Competition, Tie

DATA = Path(__file__).resolve().parent.parent.parent / "data" / "openfootball"
pytestmark = pytest.mark.django_db


def import_season(name: str) -> Competition:
    call_command("import_openfootball", str(DATA / name), stdout=io.StringIO())
    return Competition.objects.get(season=name[:7])


def ties_by_name(client, competition, round_name):
    response = client.get(f"/api/competitions/{competition.id}/bracket")
    assert response.status_code == 200
    [found] = [r for r in response.json()["rounds"] if r["name"] == round_name]
    return {(tie["home"]["team"]["name"], tie["away"]["team"]["name"]): tie for tie in found["ties"]}


def test_the_2024_25_bracket_has_its_rounds_winners_and_how_each_tie_was_decided(client):
    competition = import_season("2024-25-uefa.cl.json")
    body = client.get(f"/api/competitions/{competition.id}/bracket").json()
    assert [(r["name"], len(r["ties"])) for r in body["rounds"]] == [
        ("Knockout phase play-offs", 8), ("Round of 16", 8), ("Quarter-finals", 4), ("Semi-finals", 2), ("Final", 1)]
    play_offs = ties_by_name(client, competition, "Knockout phase play-offs")
    city_real = play_offs[("Manchester City FC", "Real Madrid CF")]
    assert city_real["aggregate"] == [3, 6]
    assert (city_real["winner"]["team"]["name"], city_real["decided_by"]) == ("Real Madrid CF", "aggregate")
    assert [leg["leg"] for leg in city_real["legs"]] == [1, 2]
    semis = ties_by_name(client, competition, "Semi-finals")
    barca_inter = semis[("FC Barcelona", "FC Internazionale Milano")]
    assert barca_inter["aggregate"] == [6, 7] and barca_inter["winner"]["team"]["name"] == "FC Internazionale Milano"


def test_a_tie_whose_shootout_the_data_lost_has_no_winner_until_an_admin_records_it(client, django_user_model):
    competition = import_season("2024-25-uefa.cl.json")
    tie = ties_by_name(client, competition, "Round of 16")[("Paris Saint-Germain FC", "Liverpool FC")]
    assert tie["aggregate"] == [1, 1] and tie["winner"] is None and tie["decided_by"] is None
    assert tie["state"]["penalties_due"] is True
    # The correction goes through the services with a reason, like any other.
    second_leg = tie["legs"][1]
    admin = django_user_model.objects.create_superuser("admin", password="x")
    services.record_result(match_id=second_leg["match"], home_goals=0, away_goals=1, extra_time=(0, 0),
                           penalties=(1, 4), user=admin, reason="Shootout from UEFA's match report: PSG won 4-1")
    tie = ties_by_name(client, competition, "Round of 16")[("Paris Saint-Germain FC", "Liverpool FC")]
    assert (tie["winner"]["team"]["name"], tie["decided_by"]) == ("Paris Saint-Germain FC", "penalties")
    assert tie["legs"][1]["penalties"] == [1, 4]
    assert "win 4-1 on penalties" in tie["state"]["sentence"]


def test_2018_19_away_goals_decide_ties_and_every_tie_has_a_winner(client):
    competition = import_season("2018-19-uefa.cl.json")
    semis = ties_by_name(client, competition, "Semi-finals")
    spurs = semis[("Tottenham Hotspur", "AFC Ajax")]
    assert spurs["aggregate"] == [3, 3]
    assert (spurs["winner"]["team"]["name"], spurs["decided_by"]) == ("Tottenham Hotspur", "away_goals")
    round_of_16 = ties_by_name(client, competition, "Round of 16")
    united = round_of_16[("Manchester United", "Paris Saint-Germain")]
    assert (united["winner"]["team"]["name"], united["decided_by"]) == ("Manchester United", "away_goals")
    body = client.get(f"/api/competitions/{competition.id}/bracket").json()
    assert all(tie["winner"] is not None for r in body["rounds"] for tie in r["ties"])
    [final] = body["rounds"][-1]["ties"]
    assert final["winner"]["team"]["name"] == "Liverpool FC" and len(final["legs"]) == 1


def test_an_unknown_competition_is_a_404_with_a_json_body(client):
    response = client.get("/api/competitions/999999/bracket")
    assert response.status_code == 404 and "competition" in response.json()["detail"]


def test_the_bracket_reads_in_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    competition = import_season("2024-25-uefa.cl.json")
    assert Tie.objects.count() == 23
    with django_assert_max_num_queries(12):
        client.get(f"/api/competitions/{competition.id}/bracket")


def test_the_league_phase_feeds_the_bracket_as_it_stands(client):
    competition = import_season("2024-25-uefa.cl.json")
    projection = client.get(f"/api/competitions/{competition.id}/bracket").json()["league_phase"]
    assert projection["complete"] is True and projection["provisional"] is False
    names = lambda side: [team["short_name"] for team in side["teams"]]  # noqa: E731
    first = projection["play_offs"][0]
    assert first["label"] == "9/10 v 23/24"
    # The real final league-phase table: Atalanta 9th, Dortmund 10th, Sporting 23rd, Club Brugge 24th.
    assert names(first["seeded"]) == ["Atalanta BC", "Borussia Dortmund"]
    assert names(first["unseeded"]) == ["Sporting Clube de Portugal", "Club Brugge KV"]
    top = projection["round_of_16"][0]
    assert top["label"] == "1/2 v winner of 15/16 v 17/18"
    assert names(top["seeded"]) == ["Liverpool", "Barcelona"]
    assert [team["short_name"] for team in top["possible_opponents"]] == [
        "Paris Saint-Germain", "Sport Lisboa e Benfica", "AS Monaco", "Stade Brestois 29"]


def test_a_season_without_a_league_phase_has_no_projection(client):
    competition = import_season("2019-20-uefa.cl.json")
    assert client.get(f"/api/competitions/{competition.id}/bracket").json()["league_phase"] is None


def test_an_admins_correction_of_a_result_is_in_the_matchs_public_history(client, django_user_model):
    from events.reads import history

    competition = import_season("2024-25-uefa.cl.json")
    tie = ties_by_name(client, competition, "Round of 16")[("Paris Saint-Germain FC", "Liverpool FC")]
    second_leg = tie["legs"][1]["match"]
    assert history.match_history(second_leg) == []  # the import recorded it: nothing corrected yet
    admin = django_user_model.objects.create_superuser("admin", password="x")
    services.record_result(match_id=second_leg, home_goals=0, away_goals=1, extra_time=(0, 0), penalties=(1, 4),
                           user=admin, reason="Shootout from UEFA's match report")
    [entry] = history.match_history(second_leg)
    assert entry["text"] == ("Result corrected from 0-1 after extra time to 0-1 after extra time, "
                             "1-4 on penalties")
    assert entry["by"] == "an admin" and entry["reason"] == "Shootout from UEFA's match report"
