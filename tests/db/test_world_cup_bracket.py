"""The 2026 World Cup through the database and the API: the bracket's group-stage part (GET
/api/competitions/{id}/bracket), the third-placed teams (GET /api/competitions/{id}/thirds) and the
bracket page, from the results of data/openfootball-worldcup/2026-worldcup.json recorded through the services."""

import io
import json
from collections import defaultdict
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest
from django.core.management import call_command

from events import services
from events.models import Competition, Group, Match, Stage, Team

WORLD_CUP_2026 = Path(__file__).resolve().parent.parent.parent / "data" / "openfootball-worldcup" / "2026-worldcup.json"
pytestmark = pytest.mark.django_db


@cache
def file_matches() -> list[dict]:
    return json.loads(WORLD_CUP_2026.read_text(encoding="utf-8"))["matches"]


def build_2026(*, unplayed_per_group: int = 0, knockouts: bool = False) -> Competition:
    """The 12 groups, their matches (the last `unplayed_per_group` of each still to play) recorded with the
    file's scores through the services, and, with `knockouts`, the knockout matches with their results."""
    competition = Competition.objects.create(name="World Cup", season="2026", rule_set="fifa-2026")
    stage = Stage.objects.create(competition=competition, name="Group stage", kind=Stage.Kind.GROUPS, order=0)
    teams: dict[str, Team] = {}

    def team(name: str) -> Team:
        if name not in teams:
            teams[name] = Team.objects.create(name=name, short_name=name, code=name[:3].upper())
        return teams[name]

    by_group = defaultdict(list)
    for index, match in enumerate(file_matches()):
        if match.get("group"):
            by_group[match["group"]].append((match["date"], index, match))
    kickoff = datetime(2026, 6, 11, 18, 0, tzinfo=UTC)
    for name, found in sorted(by_group.items()):
        group = Group.objects.create(competition=competition, stage=stage, name=name)
        found.sort()
        for position, (_, _, match) in enumerate(found):
            created = Match.objects.create(competition=competition, group=group, home=team(match["team1"]),
                                           away=team(match["team2"]), kickoff=kickoff, matchday=position // 2 + 1)
            if position < len(found) - unplayed_per_group:
                services.record_result(match_id=created.id, home_goals=match["score"]["ft"][0],
                                       away_goals=match["score"]["ft"][1], announce=False)
    if knockouts:
        for match in file_matches():
            if not match.get("num"):
                continue
            created = Match.objects.create(competition=competition, home=team(match["team1"]),
                                           away=team(match["team2"]), kickoff=kickoff, round_name=match["round"],
                                           extra_time_possible=True)
            score = match["score"]
            final = score.get("et", score["ft"])
            services.record_result(
                match_id=created.id, home_goals=final[0], away_goals=final[1],
                extra_time=(final[0] - score["ft"][0], final[1] - score["ft"][1]) if "et" in score else None,
                penalties=tuple(score["p"]) if "p" in score else None, announce=False)
    return competition


def group_stage(client, competition) -> dict:
    response = client.get(f"/api/competitions/{competition.id}/bracket")
    assert response.status_code == 200
    return response.json()["group_stage"]


def names(projection) -> dict[int, tuple]:
    def name(side):
        return side["team"]["name"] if side["team"] else None

    return {m["number"]: (name(m["home"]), name(m["away"])) for r in projection["rounds"] for m in r["matches"]}


def test_the_bracket_of_2026_locks_itself_from_the_final_group_tables(client):
    competition = build_2026()
    projection = group_stage(client, competition)
    played = {m["num"]: (m["team1"], m["team2"]) for m in file_matches() if m.get("round") == "Round of 32"}
    assert {n: pair for n, pair in names(projection).items() if n in played} == played
    assert projection["complete"] and projection["thirds"]["confirmed"] and projection["thirds"]["option"] == 67
    [match_74] = [m for m in projection["rounds"][0]["matches"] if m["number"] == 74]
    assert match_74["away"]["from"] == "3rd Group A/B/C/D/F"
    assert (match_74["away"]["team"]["name"], match_74["away"]["status"], match_74["away"]["group"]) == (
        "Paraguay", "confirmed", "D")
    # The round of 16 waits for the round of 32.
    assert projection["rounds"][1]["matches"][0]["home"] == {
        "source": "W74", "from": "Winner match 74", "team": None, "status": "open", "group": None}


def test_the_knockout_results_carry_the_bracket_to_the_real_final(client):
    competition = build_2026(knockouts=True)
    projection = group_stage(client, competition)
    assert names(projection) == {m["num"]: (m["team1"], m["team2"]) for m in file_matches() if m.get("num")}


def test_a_live_goal_moves_the_thirds_and_half_the_round_of_32(client):
    competition = build_2026(unplayed_per_group=2)
    egypt_iran = Match.objects.get(competition=competition, home__name="Egypt", away__name="Iran")
    for match in Match.objects.filter(competition=competition, status=Match.Status.SCHEDULED).exclude(pk=egypt_iran.pk):
        [found] = [m for m in file_matches() if (m["team1"], m["team2"]) == (match.home.name, match.away.name)]
        services.record_result(match_id=match.id, home_goals=found["score"]["ft"][0],
                               away_goals=found["score"]["ft"][1], announce=False)
    services.record_score(match_id=egypt_iran.id, home_goals=1, away_goals=1, period="second_half")
    level = group_stage(client, competition)
    assert level["provisional"] and not level["complete"]
    assert names(level)[88] == ("Australia", "Egypt") and names(level)[82] == ("Belgium", "Senegal")
    services.record_score(match_id=egypt_iran.id, home_goals=1, away_goals=2, period="second_half")
    moved = group_stage(client, competition)
    assert names(moved)[88] == ("Australia", "Iran") and names(moved)[82] == ("Belgium", "Algeria")
    assert names(moved)[85] == ("Switzerland", "Egypt")
    [match_88] = [m for m in moved["rounds"][0]["matches"] if m["number"] == 88]
    assert match_88["away"]["status"] == "as_it_stands" and match_88["home"]["status"] == "confirmed"
    assert moved["thirds"]["qualifying"] == list("BDEFGJKL") and not moved["thirds"]["confirmed"]


def test_the_third_placed_teams_with_the_cut_line(client):
    competition = build_2026()
    response = client.get(f"/api/competitions/{competition.id}/thirds")
    assert response.status_code == 200
    body = response.json()
    assert body["qualifiers"] == 8 and len(body["rows"]) == 12 and body["complete"] and not body["provisional"]
    through = {row["team"]["name"] for row in body["rows"] if row["status"] == "qualified"}
    assert through == {"DR Congo", "Sweden", "Ecuador", "Ghana", "Bosnia & Herzegovina", "Algeria", "Paraguay",
                       "Senegal"}
    assert [row["above_cut"] for row in body["rows"]] == [True] * 8 + [False] * 4
    assert body["rows"][8]["status"] == "out" and body["rows"][0]["group"]["name"].startswith("Group ")
    # Imported results carry no cards: team conduct is unknown, so Ecuador and Ghana stay level.
    assert body["fair_play_known"] is False
    ecuador = next(row for row in body["rows"] if row["team"]["name"] == "Ecuador")
    assert ecuador["undecided"] and ecuador["undecided_at"] == "team conduct score"
    assert body["race"] == {"available": True, "detail": "Every group match is over.", "remaining": 0, "teams": []}


def test_before_the_last_matchday_each_contender_learns_what_it_needs(client):
    competition = build_2026(unplayed_per_group=2)
    body = client.get(f"/api/competitions/{competition.id}/thirds").json()
    assert not body["complete"] and body["race"]["available"] and body["race"]["remaining"] == 24
    race = {entry["team"]["name"]: entry for entry in body["race"]["teams"]}
    assert len(race) == 36
    assert {b["results"][0]: b["status"] for b in race["Iraq"]["by_result"]} == {
        "win": "depends", "draw": "out", "defeat": "out"}
    assert race["Senegal"]["group"]["name"] == "Group I" and race["Senegal"]["status"] == "depends"
    assert race["Spain"]["summary"].startswith("Spain: ")
    # As it stands, with the last matchday to play: no side of the round of 32 is final yet but the
    # groups' winners and runners-up are named.
    projection = group_stage(client, competition)
    sides = [m[side] for m in projection["rounds"][0]["matches"] for side in ("home", "away")]
    assert all(side["status"] == "as_it_stands" and side["team"] for side in sides)


def test_a_competition_without_ranked_thirds_has_no_group_stage_part_and_no_thirds(client):
    competition = Competition.objects.create(name="Champions League", season="2019-20", rule_set="uefa-2019")
    assert client.get(f"/api/competitions/{competition.id}/bracket").json()["group_stage"] is None
    response = client.get(f"/api/competitions/{competition.id}/thirds")
    assert response.status_code == 404 and "third-placed" in response.json()["detail"]
    assert client.get("/api/competitions/999999/thirds").status_code == 404


def test_the_bracket_page_shows_the_path_and_the_thirds(client):
    competition = build_2026(unplayed_per_group=2)
    page = client.get(f"/competitions/{competition.id}/bracket/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="group-stage"' in html and "From the groups to the final" in html
    assert "Winner Group E" in html and "3rd Group A/B/C/D/F" in html and "as it stands" in html
    assert 'id="third-placed"' in html and "the cut line" in html
    assert "Winner match 101" in html


def test_the_imported_2026_file_brackets_itself_to_its_final(client):
    call_command("import_openfootball", str(WORLD_CUP_2026), stdout=io.StringIO())
    competition = Competition.objects.get(season="2026")
    projection = group_stage(client, competition)
    assert names(projection) == {m["num"]: (m["team1"], m["team2"]) for m in file_matches() if m.get("num")}
    # Goals imported without lineups or cards: team conduct is not known for the thirds.
    assert client.get(f"/api/competitions/{competition.id}/thirds").json()["fair_play_known"] is False
