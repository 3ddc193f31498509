"""The team page (/competitions/{id}/teams/{id}/): a team's path through a tournament, from the World Cup
files imported through the services (2022 complete; 2026 before its last group matchday) and from small
tournaments built here; its fragment (?fragment=1), its HTTP caching and its reads' query count."""

import io
import json
import re
from collections import defaultdict
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from events import services
from events.importer_worldcup import parse_world_cup_json
from events.models import Competition, Group, Match, Stage, Team, Tie
from events.reads.team_path import team_path
from tests.db.test_csp import assert_keeps_to_the_policy
from tests.factories import make_competition, make_match, make_team, player

DATA = Path(__file__).resolve().parent.parent.parent / "data" / "openfootball-worldcup"
CLUB_DATA = DATA.parent / "openfootball"
pytestmark = pytest.mark.django_db


@cache
def world_cup_file(year: int) -> str:
    return (DATA / f"{year}-worldcup.json").read_text(encoding="utf-8")


def import_world_cup(year: int, *, unplayed_per_group: int = 0, knockouts: bool = True) -> Competition:
    """A World Cup file imported through the services; the last `unplayed_per_group` matches of each group
    without their result, and, without `knockouts`, no knockout matches (the tournament before them)."""
    data = json.loads(world_cup_file(year))
    by_group = defaultdict(list)
    for match in data["matches"]:
        if match.get("group"):
            by_group[match["group"]].append(match)
    for matches in by_group.values():
        matches.sort(key=lambda match: (match["date"], match.get("time", "")))
        for match in matches[len(matches) - unplayed_per_group:]:
            for known in ("score", "goals1", "goals2"):
                match.pop(known, None)
    if not knockouts:
        data["matches"] = [match for match in data["matches"] if match.get("group")]
    return services.import_competition(data=parse_world_cup_json(json.dumps(data))).competition


def page_of(client, competition: Competition, team_name: str, **query) -> str:
    team = Team.objects.get(name=team_name)
    response = client.get(f"/competitions/{competition.id}/teams/{team.id}/", query)
    assert response.status_code == 200
    return response.content.decode()


def path_of(competition: Competition, team_name: str) -> dict:
    return team_path(competition, Team.objects.get(name=team_name))


def page_state(page: str) -> dict:
    start = page.index('<script id="team-state" type="application/json">') + len(
        '<script id="team-state" type="application/json">')
    return json.loads(page[start:page.index("</script>", start)])


# --- 2022: Argentina, from the group to the final -------------------------------------------------------


def test_argentina_2022_is_first_in_group_c_with_the_table_as_it_ended(client):
    competition = import_world_cup(2022)
    [group] = path_of(competition, "Argentina")["groups"]
    assert (group["name"], group["place"], group["points"], group["played"], group["complete"]) == (
        "Group C", "1st", 6, 3, True)
    assert group["zone"]["label"] == "Round of 16"
    assert [(row["team"]["name"], row["points"], row["is_team"]) for row in group["rows"]] == [
        ("Argentina", 6, True), ("Poland", 4, False), ("Mexico", 4, False), ("Saudi Arabia", 3, False)]
    page = page_of(client, competition, "Argentina")
    assert "1st, 6 points from 3 matches: Round of 16" in page
    assert f'href="/groups/{group["id"]}/"' in page
    poland = Team.objects.get(name="Poland")
    assert f'href="/competitions/{competition.id}/teams/{poland.id}/"' in page


def test_argentina_2022_plays_seven_matches_in_order_and_wins_the_final_on_penalties(client):
    competition = import_world_cup(2022)
    path = path_of(competition, "Argentina")
    assert [(m["round"], m["opponent"]["name"], m["result"]) for m in path["matches"]] == [
        ("Group C, matchday 1", "Saudi Arabia", "Lost 1–2"),
        ("Group C, matchday 2", "Mexico", "Won 2–0"),
        ("Group C, matchday 3", "Poland", "Won 2–0"),
        ("Round of 16", "Australia", "Won 2–1"),
        ("Quarter-finals", "Netherlands", "2–2 after extra time, won 4–3 on penalties"),
        ("Semi-finals", "Croatia", "Won 3–0"),
        ("Final", "France", "3–3 after extra time, won 4–2 on penalties"),
    ]
    final = path["matches"][-1]
    assert (final["home_score"], final["away_score"], final["extra_time"], final["penalties"], final["outcome"]) == (
        3, 3, True, {"home": 4, "away": 2}, "won")
    assert path["next_match"] is None
    assert path["next_step"]["state"] == "champion"
    assert path["next_step"]["sentence"] == "Champions: beat France on penalties in the Final"
    page = page_of(client, competition, "Argentina")
    assert re.findall(r'<p class="path-match__round">([^<]*)</p>', page) == [m["round"] for m in path["matches"]]
    assert "3–3 after extra time, won 4–2 on penalties" in page
    assert "Champions: beat France on penalties in the Final" in page
    assert all(f'href="/matches/{m["id"]}/"' in page for m in path["matches"])
    assert_keeps_to_the_policy(page)


def test_messis_goals_are_named_in_each_match_and_counted_for_the_tournament(client):
    competition = import_world_cup(2022)
    path = path_of(competition, "Argentina")
    final = path["matches"][-1]
    messi = next(line for line in final["scorers"] if line["name"] == "Lionel Messi")
    assert [(goal["minute_label"], goal["kind"]) for goal in messi["goals"]] == [
        ("23'", "penalty_goal"), ("108'", "goal")]
    # France's goals are not Argentina's.
    assert {line["name"] for line in final["scorers"]} == {"Lionel Messi", "Ángel Di María"}
    top = path["scorers"][0]
    assert (top["player"]["name"], top["goals"], top["penalties"]) == ("Lionel Messi", 7, 4)
    assert path["scorers"][1]["player"]["name"] == "Julián Álvarez" and path["scorers"][1]["goals"] == 4
    page = page_of(client, competition, "Argentina")
    assert "Lionel Messi</span> <span class=\"team-scorers__goals\">7 goals (4 penalties)" in page


def test_the_runners_up_and_a_team_out_in_the_group_say_how_they_went_out():
    competition = import_world_cup(2022)
    assert path_of(competition, "France")["next_step"]["sentence"] == (
        "Out: lost to Argentina on penalties in the Final")
    assert path_of(competition, "Japan")["next_step"]["sentence"] == (
        "Out: lost to Croatia on penalties in the Round of 16")
    assert path_of(competition, "Saudi Arabia")["next_step"]["sentence"] == "Out: 4th in Group C"
    assert path_of(competition, "Croatia")["next_step"]["sentence"] == (
        "Third place: beat Morocco 2–1 in the Third-place match")


# --- 2026: before the last group matchday --------------------------------------------------------------


def test_before_the_knockouts_the_next_step_names_the_slot_it_comes_from_as_it_stands(client):
    competition = import_world_cup(2026, unplayed_per_group=2, knockouts=False)
    path = path_of(competition, "Argentina")
    assert path["next_match"]["round"] == "Group J, matchday 3"
    assert path["next_match"]["opponent"]["name"] == "Jordan" and path["next_match"]["status"] == "scheduled"
    step = path["next_step"]
    # Match 86 of the regulations' bracket is the winner of group J against the runner-up of group H.
    assert (step["state"], step["round"], step["number"]) == ("projected", "Round of 32", 86)
    assert step["own"] == {"from": "Winner Group J", "status": "as_it_stands"}
    assert step["opponent"]["from"] == "Runner-up Group H" and step["opponent"]["status"] == "as_it_stands"
    assert step["as_it_stands"] and step["sentence"] == "Round of 32, match 86: v Runner-up Group H"
    [group] = path["groups"]
    assert (group["name"], group["place"], group["complete"]) == ("Group J", "1st", False)
    # The slot rests on every group (the ranking of thirds): the page follows every group match.
    group_matches = Match.objects.filter(competition=competition, group__isnull=False)
    assert set(path["followed"]) == {str(pk) for pk in group_matches.values_list("pk", flat=True)}
    page = page_of(client, competition, "Argentina")
    assert "As it stands" in page and "Round of 32, match 86</strong>: v Runner-up Group H" in page
    assert "Through as Winner Group J, as it stands." in page


def test_a_team_last_in_its_group_is_out_as_it_stands():
    competition = import_world_cup(2026, unplayed_per_group=2, knockouts=False)
    jordan = path_of(competition, "Jordan")
    assert jordan["groups"][0]["place"] == "4th"
    assert jordan["next_step"] == {"state": "group", "sentence": "As it stands: 4th in Group J, out"}


def test_the_path_is_said_in_the_readers_language(client):
    competition = import_world_cup(2026, unplayed_per_group=2, knockouts=False)
    with translation.override("de"):
        jordan, argentina = path_of(competition, "Jordan"), path_of(competition, "Argentina")
    assert jordan["groups"][0]["place"] == "4."
    assert jordan["next_step"]["sentence"] == "Aktueller Stand: 4. in Group J, ausgeschieden"
    assert argentina["next_match"]["round"] == "Group J, 3. Spieltag"
    assert argentina["next_step"]["own"]["from"] == "Sieger Gruppe J"
    assert argentina["next_step"]["sentence"] == "Round of 32, Spiel 86: gegen Zweiter Gruppe H"
    with translation.override("it"):
        assert path_of(competition, "Argentina")["groups"][0]["place"] == "1º"
    team = Team.objects.get(name="Argentina")
    page = client.get(f"/competitions/{competition.id}/teams/{team.id}/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Weiter als Sieger Gruppe J" in page and "Runner-up Group H" not in page and "matchday" not in page


def test_a_knockout_exit_is_said_in_the_readers_language():
    competition = import_world_cup(2022)
    with translation.override("de"):
        assert path_of(competition, "France")["next_step"]["sentence"] == (
            "Ausgeschieden: Niederlage gegen Argentina im Elfmeterschießen im Final")
        assert path_of(competition, "Saudi Arabia")["next_step"]["sentence"] == "Ausgeschieden: 4. in Group C"
    with translation.override("nl"):
        assert path_of(competition, "Croatia")["next_step"]["sentence"] == (
            "Derde plaats: won met 2–1 van Morocco in de Third-place match")


# --- 2024-25 Champions League: a league phase of 36 -----------------------------------------------------


def test_in_a_league_phase_the_table_is_shown_around_the_team_and_a_lost_shootout_is_said_plainly(client):
    call_command("import_openfootball", str(CLUB_DATA / "2024-25-uefa.cl.json"), stdout=io.StringIO())
    competition = Competition.objects.get(season="2024-25")
    celtic = path_of(competition, "Celtic FC")
    [league] = celtic["groups"]
    assert (league["place"], league["size"]) == ("21st", 36)
    assert [row["position"] for row in league["rows"]] == [18, 19, 20, 21, 22, 23, 24]
    assert celtic["next_step"]["sentence"] == (
        "Out: lost 2–3 to FC Bayern München on aggregate in the Knockout phase play-offs")
    # Paris and Liverpool went to a shoot-out the record lost: no winner is made up.
    liverpool = path_of(competition, "Liverpool FC")
    assert liverpool["groups"][0]["rows"][0]["position"] == 1 and len(liverpool["groups"][0]["rows"]) == 7
    assert liverpool["next_step"]["state"] == "undecided"
    assert liverpool["next_step"]["sentence"].endswith("who went through is not recorded")
    young_boys = path_of(competition, "BSC Young Boys")
    assert young_boys["next_step"]["sentence"] == "Out: 36th in League phase"
    assert [row["position"] for row in young_boys["groups"][0]["rows"]] == [30, 31, 32, 33, 34, 35, 36]
    page = page_of(client, competition, "Celtic FC")
    assert "Positions 18–24 of 36." in page


# --- small tournaments: a live final, a next tie ----------------------------------------------------------


def make_cup_run(*, name: str | None = None, names=("Alpha", "Beta", "Gamma", "Delta")
                 ) -> tuple[Competition, Team, Match]:
    """A group of four played to the end (the first team wins it with 9 points, the second has 4) and a one-off
    final between the first two, with lineups, not kicked off: (competition, the group winner, the final)."""
    competition = make_competition(rule_set="uefa-2021", **({"name": name} if name else {}))
    groups = Stage.objects.create(competition=competition, name="Group stage", kind=Stage.Kind.GROUPS, order=0)
    group = Group.objects.create(competition=competition, stage=groups, name="Group A")
    teams = [make_team(name) for name in names]
    results = [((0, 1), (2, 0)), ((2, 3), (1, 1)), ((0, 2), (3, 1)), ((1, 3), (2, 0)), ((0, 3), (1, 0)),
               ((1, 2), (2, 2))]
    for day, ((home, away), (home_goals, away_goals)) in enumerate(results):
        match = make_match(home=teams[home], away=teams[away], group=group, with_lineups=False,
                           matchday=day // 2 + 1, kickoff=datetime(2026, 6, 11 + day, 18, tzinfo=UTC))
        services.record_result(match_id=match.id, home_goals=home_goals, away_goals=away_goals, announce=False)
    final_stage = Stage.objects.create(competition=competition, name="Final", kind=Stage.Kind.KNOCKOUT, order=1,
                                       legs=1)
    tie = Tie.objects.create(stage=final_stage, number=1, team_a=teams[0], team_b=teams[1])
    final = make_match(home=teams[0], away=teams[1], competition=competition, tie=tie, leg=1,
                       extra_time_possible=True, kickoff=datetime(2026, 7, 19, 19, tzinfo=UTC))
    return competition, teams[0], final


def test_a_goal_in_the_teams_live_final_shows_on_the_fragment_with_its_scorer(client):
    competition, alpha, final = make_cup_run()
    url = f"/competitions/{competition.id}/teams/{alpha.id}/"
    before = client.get(url, {"fragment": "1"}).content.decode()
    assert before.lstrip().startswith('<div class="team-path" id="team-path">') and "<html" not in before
    assert "1st, 9 points from 3 matches" in before and "Not played yet" in before
    assert page_state(before)["followed"][str(final.id)] == final.seq
    services.record_event(match_id=final.id, kind="period_start")
    services.record_event(match_id=final.id, kind="goal", minute=12, team_id=alpha.id, player_id=player(alpha, 9).id)
    after = client.get(url, {"fragment": "1"}).content.decode()
    assert "Playing now" in after and f'data-clock-for="{final.id}"' in after
    assert "Alpha Player 9" in after and 'data-summary="Alpha 1–0 Beta"' in after
    state = page_state(after)
    final.refresh_from_db()
    assert state["followed"][str(final.id)] == final.seq
    assert state["live"][str(final.id)]["clock"]["running"] is True


def test_a_team_through_to_a_linked_tie_meets_the_winner_of_the_other_side():
    competition, alpha, final = make_cup_run()
    services.record_result(match_id=final.id, home_goals=2, away_goals=0)
    stage = Stage.objects.create(competition=competition, name="Super Cup", kind=Stage.Kind.KNOCKOUT, order=2, legs=1)
    ahead = Tie.objects.create(stage=stage, number=1, team_b_source="Winner of the other cup")
    Tie.objects.filter(pk=final.tie_id).update(next_tie=ahead, next_side=Tie.Side.A)
    step = team_path(competition, alpha)["next_step"]
    assert (step["state"], step["round"], step["sentence"]) == ("next_tie", "Super Cup", "Super Cup: v Winner of "
                                                                "the other cup")


# --- not found, caching, queries ------------------------------------------------------------------------


def test_an_unknown_competition_an_unknown_team_or_a_team_of_another_competition_is_a_404(client):
    competition, alpha, _final = make_cup_run()
    stranger = make_match().home
    assert client.get(f"/competitions/999999/teams/{alpha.id}/").status_code == 404
    assert client.get(f"/competitions/{competition.id}/teams/999999/").status_code == 404
    response = client.get(f"/competitions/{competition.id}/teams/{stranger.id}/")
    assert response.status_code == 404 and "ETag" not in response


def test_the_page_and_its_fragment_answer_304_until_the_competition_changes(client):
    competition, alpha, final = make_cup_run()
    url = f"/competitions/{competition.id}/teams/{alpha.id}/"
    page = client.get(url)
    fragment = client.get(url, {"fragment": "1"})
    assert page["Cache-Control"] == fragment["Cache-Control"] == "public, max-age=0, s-maxage=1"
    assert page["ETag"] != fragment["ETag"]
    assert client.get(url, headers={"If-None-Match": page["ETag"]}).status_code == 304
    assert client.get(url, {"fragment": "1"}, headers={"If-None-Match": fragment["ETag"]}).status_code == 304
    services.record_event(match_id=final.id, kind="period_start")
    changed = client.get(url, {"fragment": "1"}, headers={"If-None-Match": fragment["ETag"]})
    assert changed.status_code == 200 and changed["ETag"] != fragment["ETag"]


def test_the_page_reads_in_as_many_queries_for_seven_matches_as_for_four(client, django_assert_max_num_queries):
    competition = import_world_cup(2022)
    counts = {}
    for name in ("Argentina", "Australia"):
        team = Team.objects.get(name=name)
        assert Match.objects.filter(competition=competition, home=team).count() + Match.objects.filter(
            competition=competition, away=team).count() == {"Argentina": 7, "Australia": 4}[name]
        with django_assert_max_num_queries(16), CaptureQueriesContext(connection) as queries:
            assert client.get(f"/competitions/{competition.id}/teams/{team.id}/").status_code == 200
        counts[name] = len(queries)
    assert counts["Argentina"] == counts["Australia"]
