import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from events import standings
from events.importer import ImportFormatError, default_rule_set, parse_football_json
from events.models import Competition, Group, Match, Team, Tie
from events.reads import tables

DATA = Path(__file__).resolve().parent.parent.parent / "data" / "openfootball"


def football_json(matches, name="Test Cup 2019/20") -> str:
    return json.dumps({"name": name, "matches": matches}, indent=2)


def fixture(round_name="Group A", team1="Alpha FC (ENG)", team2="Beta (ITA)", score=(1, 0), date="2019-09-17"):
    data = {"round": round_name, "date": date, "time": "21:00", "team1": team1, "team2": team2}
    if score is not None:
        data["score"] = {"ft": list(score)}
    return data


# --- parsing (no database) -----------------------------------------------------------------------


def test_groups_leagues_and_knockouts_are_told_apart():
    data = parse_football_json(football_json([
        fixture("Group A"), fixture("Matchday 3", "Gamma", "Delta"), fixture("Final", score=None),
    ]))
    assert [(f.group_name, f.matchday) for f in data.fixtures] == [("Group A", None), ("League", 3), (None, None)]
    assert data.fixtures[2].played is False
    assert (data.name, data.season) == ("Test Cup", "2019-20")
    assert (data.fixtures[0].home, data.fixtures[0].home_country) == ("Alpha FC", "ENG")


def test_extra_time_scores_count_as_the_result():
    data = parse_football_json(football_json([{**fixture("Final"), "score": {"ft": [1, 1], "et": [2, 1]}}]))
    assert (data.fixtures[0].home_goals, data.fixtures[0].away_goals) == (2, 1)


@pytest.mark.parametrize(
    ("name", "season", "expected"),
    [
        ("UEFA Champions League", "2019-20", "uefa-2019"),
        ("UEFA Europa League", "2021-22", "uefa-2021"),
        ("English Premier League", "2019-20", "league"),
    ],
)
def test_the_rule_set_follows_the_competition_and_season(name, season, expected):
    assert default_rule_set(name, season) == expected


@pytest.mark.parametrize(
    ("matches", "problem", "kept"),
    [
        ([fixture(score=(1,))], "line 4, matches[0], field 'score.ft'", "the fixture, without a result"),
        ([fixture(), {**fixture(), "team2": ""}], "matches[1], field 'team2'", "nothing of this match"),
        ([fixture(), fixture(), {**fixture(), "date": "27/11/2019"}], "matches[2], field 'date'",
         "nothing of this match"),
        ([fixture(team2="Alpha FC (ENG)")], "a team cannot play itself", "nothing of this match"),
        ([{**fixture(), "score": {"ft": [-1, 0]}}], "score.ft", "the fixture, without a result"),
        ([{**fixture(), "score": {"ft": [1, 1], "et": [2, 1]}}], "field 'score.et': extra time in a match of a table",
         "the fixture, without a result"),
    ],
)
def test_a_bad_match_is_reported_with_line_and_field_and_the_rest_is_kept(matches, problem, kept):
    sound = fixture("Group B", "Gamma", "Delta", score=(2, 2))
    data = parse_football_json(football_json([*matches, sound]))
    assert len(data.problems) == 1
    assert problem in str(data.problems[0]) and data.problems[0].kept == kept
    assert (data.fixtures[-1].home, data.fixtures[-1].home_goals) == ("Gamma", 2)


def test_the_reported_line_is_where_the_bad_match_starts():
    text = football_json([fixture(), fixture(score=(1,))])
    [problem] = parse_football_json(text).problems
    assert '"round"' in text.splitlines()[problem.line] and text.splitlines()[problem.line - 1].strip() == "{"


def test_broken_json_names_line_and_column():
    with pytest.raises(ImportFormatError, match="line 2, column"):
        parse_football_json('{"name": "X 2019/20",\n "matches": [}')


# --- the command ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_builds_groups_fixtures_results_and_tables():
    call_command("import_openfootball", str(DATA / "2019-20-uefa.cl.json"))
    competition = Competition.objects.get(name="UEFA Champions League", season="2019-20")
    assert competition.rule_set == "uefa-2019"
    assert competition.groups.count() == 8
    group_e = Group.objects.get(competition=competition, name="Group E")
    rows = tables.group_table(group_e)["rows"]
    assert [(row["team"]["name"], row["points"]) for row in rows] == [
        ("Liverpool FC", 13), ("SSC Napoli", 12), ("RB Salzburg", 7), ("KRC Genk", 1)]
    assert set(Match.objects.filter(group=group_e).values_list("matchday", flat=True)) == set(range(1, 7))
    assert Match.objects.filter(competition=competition, group=None, round_name="Final").count() == 1


@pytest.mark.django_db
def test_the_imported_league_table_is_the_engines_table_of_the_file():
    call_command("import_openfootball", str(DATA / "2019-20-en.1.json"))
    league = Group.objects.get(name="League")
    stored = [(row["team"]["name"], row["points"], row["goal_difference"])
              for row in tables.group_table(league)["rows"]]
    data = parse_football_json((DATA / "2019-20-en.1.json").read_text())
    results = [standings.Result(f.home, f.away, f.home_goals, f.away_goals) for f in data.fixtures]
    from_file = standings.compute_table({f.home for f in data.fixtures}, results, "league")
    assert stored == [(row.team, row.points, row.goal_difference) for row in from_file.rows]
    assert stored[0][:2] == ("Liverpool FC", 99)


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing():
    call_command("import_openfootball", str(DATA / "2018-19-uefa.cl.json"))
    before = list(Match.objects.order_by("id").values_list("id", "seq", "home_score", "away_score", "status"))
    call_command("import_openfootball", str(DATA / "2018-19-uefa.cl.json"))
    assert list(Match.objects.order_by("id").values_list("id", "seq", "home_score", "away_score", "status")) == before


@pytest.mark.django_db
def test_a_file_that_is_not_football_json_imports_nothing(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "Test Cup 2019/20", "matches": {}}')
    with pytest.raises(CommandError, match=r"line 1: the file needs a 'matches' list.*nothing imported"):
        call_command("import_openfootball", str(bad))
    assert not Competition.objects.exists() and not Team.objects.exists()


@pytest.mark.django_db
def test_the_command_lists_each_problem_and_imports_the_rest(tmp_path):
    path = tmp_path / "cup.json"
    path.write_text(football_json([fixture(), fixture("Group B", "Gamma", "Delta", score=(1, "x"))]))
    out = io.StringIO()
    call_command("import_openfootball", str(path), stdout=out)
    assert re.search(r"line \d+, matches\[1\], field 'score.ft': expected two whole numbers, got \[1, 'x'\]; "
                     r"kept: the fixture, without a result", out.getvalue())
    assert "1 problem" in out.getvalue()
    assert Match.objects.get(home__name="Alpha FC").home_score == 1
    assert Match.objects.get(home__name="Gamma").status == Match.Status.SCHEDULED


@pytest.mark.django_db
def test_an_explicit_rule_set_wins(tmp_path):
    path = tmp_path / "cup.json"
    path.write_text(football_json([fixture()], name="UEFA Champions League 2019/20"))
    call_command("import_openfootball", str(path), rules="uefa-2021")
    assert Competition.objects.get().rule_set == "uefa-2021"


# --- stages, ties and the 2024-25 format ---------------------------------------------------------


def test_the_2024_25_rounds_become_a_league_phase_play_offs_and_knockout_rounds():
    data = parse_football_json((DATA / "2024-25-uefa.cl.json").read_text())
    assert [(stage.name, stage.kind, stage.legs) for stage in data.stages] == [
        ("League phase", "league", 1),
        ("Knockout phase play-offs", "knockout", 2),
        ("Round of 16", "knockout", 2),
        ("Quarter-finals", "knockout", 2),
        ("Semi-finals", "knockout", 2),
        ("Final", "knockout", 1),
    ]
    league = [f for f in data.fixtures if f.stage_name == "League phase"]
    assert len(league) == 144 and {f.group_name for f in league} == {"League phase"}
    assert sorted({f.matchday for f in league}) == list(range(1, 9))
    assert len({f.home for f in league} | {f.away for f in league}) == 36
    per_stage = {}
    for tie in data.ties:
        per_stage.setdefault(tie.stage_name, []).append(len(tie.legs))
    assert per_stage == {"Knockout phase play-offs": [2] * 8, "Round of 16": [2] * 8, "Quarter-finals": [2] * 4,
                         "Semi-finals": [2] * 2, "Final": [1]}


def test_the_2024_25_file_errors_are_each_reported_with_line_field_and_what_was_kept():
    text = (DATA / "2024-25-uefa.cl.json").read_text()
    data = parse_football_json(text, now=datetime(2026, 1, 1, tzinfo=UTC))
    lines = text.splitlines()
    reported = [(problem.field, problem.kept) for problem in data.problems]
    assert reported == [
        ("score.p", "the result without the shootout; the tie's winner is left for an admin to settle"),
        ("score.p", "the result without the shootout; the tie's winner is left for an admin to settle"),
        ("score", "the fixture, as not played"),
    ]
    # Each names the line its match starts on: Liverpool-PSG, Atlético-Real Madrid, the final.
    teams = [(lines[p.line], lines[p.line + 3], lines[p.line + 4]) for p in data.problems]
    assert ["Liverpool FC" in t[1] and "Paris Saint-Germain" in t[2] for t in teams] == [True, False, False]
    assert "Atl" in teams[1][1] and "Final" in teams[2][0]
    liverpool_psg = data.fixtures[data.problems[0].index]
    assert (liverpool_psg.home_goals, liverpool_psg.away_goals, liverpool_psg.extra_time_played) == (0, 1, True)
    assert liverpool_psg.home_penalties is None


@pytest.mark.parametrize(
    ("second_leg_score", "field", "message"),
    [
        # 2-1 then 1-1 is not level: the recorded extra time means 'ft' already counts it.
        ({"ft": [1, 1], "et": [1, 1]}, "score.et", "extra time recorded though the tie was not level after 90"),
        ({"ft": [2, 1], "et": [2, 1], "p": [3, 4]}, "score.p", None),
        ({"ft": [2, 0], "p": [5, 4]}, "score.p", "a shootout recorded though the tie was not level"),
        ({"ft": [1, 0], "et": [1, 0]}, "score.p", "level after extra time"),
        ({"ft": [1, 0], "et": [1, 1]}, None, None),
    ],
)
def test_a_second_leg_is_checked_against_the_first(second_leg_score, field, message):
    first = {**fixture("Round of 16", "Alpha FC (ENG)", "Beta (ITA)", (2, 1), "2020-02-18")}
    second = {**fixture("Round of 16", "Beta (ITA)", "Alpha FC (ENG)", None, "2020-03-10"), "score": second_leg_score}
    data = parse_football_json(football_json([first, second]))
    if field is None or message is None:
        assert data.problems == []
    else:
        [problem] = data.problems
        assert (problem.index, problem.field) == (1, field) and message in problem.message
    assert len(data.ties) == 1
    assert data.ties[0].legs == (("Round of 16", "Alpha FC", "Beta"), ("Round of 16", "Beta", "Alpha FC"))


def test_extra_time_goals_are_kept_apart_from_the_score_after_90_minutes():
    first = fixture("Round of 16", "Alpha FC (ENG)", "Beta (ITA)", (1, 0), "2020-02-18")
    second = {**fixture("Round of 16", "Beta (ITA)", "Alpha FC (ENG)", None, "2020-03-10"),
              "score": {"ft": [1, 0], "et": [3, 1], "p": [4, 2]}}
    data = parse_football_json(football_json([first, second]))
    leg = data.fixtures[1]
    assert (leg.home_goals, leg.away_goals) == (3, 1)
    assert (leg.home_extra_time_goals, leg.away_extra_time_goals) == (2, 1)
    assert data.problems == [p for p in data.problems if p.field == "score.p"]  # 4-2 after a 4-2 aggregate


@pytest.mark.django_db
def test_importing_2024_25_stores_stages_the_league_phase_table_and_ties_with_their_legs():
    call_command("import_openfootball", str(DATA / "2024-25-uefa.cl.json"), stdout=io.StringIO())
    competition = Competition.objects.get(season="2024-25")
    assert list(competition.stages.values_list("name", "kind", "order")) == [
        ("League phase", "league", 1), ("Knockout phase play-offs", "knockout", 2), ("Round of 16", "knockout", 3),
        ("Quarter-finals", "knockout", 4), ("Semi-finals", "knockout", 5), ("Final", "knockout", 6),
    ]
    league = Group.objects.get(competition=competition, name="League phase")
    assert league.stage.kind == "league" and league.rule_set_name == "uefa-league-phase-2024"
    assert league.matches.count() == 144
    round_of_16 = competition.stages.get(name="Round of 16")
    assert round_of_16.ties.count() == 8
    tie = round_of_16.ties.get(team_a__name="Paris Saint-Germain FC")
    legs = list(tie.legs.order_by("leg").values_list("leg", "home__name", "home_score", "away_score",
                                                      "extra_time_played", "home_penalties"))
    assert legs == [(1, "Paris Saint-Germain FC", 0, 1, False, None), (2, "Liverpool FC", 0, 1, True, None)]
    final = competition.stages.get(name="Final").ties.get()
    assert final.legs.get().status == Match.Status.SCHEDULED


@pytest.mark.django_db
def test_reimporting_2024_25_changes_nothing():
    call_command("import_openfootball", str(DATA / "2024-25-uefa.cl.json"), stdout=io.StringIO())
    snapshot = lambda: (  # noqa: E731
        list(Match.objects.order_by("id").values_list("id", "seq", "tie_id", "leg", "home_score")),
        list(Tie.objects.order_by("id").values_list("id", "stage_id", "number", "team_a_id")),
    )
    before = snapshot()
    call_command("import_openfootball", str(DATA / "2024-25-uefa.cl.json"), stdout=io.StringIO())
    assert snapshot() == before


@pytest.mark.django_db
def test_the_older_seasons_get_a_group_stage_and_knockout_ties_too():
    call_command("import_openfootball", str(DATA / "2019-20-uefa.cl.json"), stdout=io.StringIO())
    competition = Competition.objects.get(season="2019-20")
    assert list(competition.stages.values_list("name", "legs")) == [
        ("Group stage", 1), ("Round of 16", 2), ("Quarter-finals", 1), ("Semi-finals", 1), ("Final", 1)]
    assert Group.objects.filter(competition=competition, stage__name="Group stage").count() == 8
    assert Tie.objects.filter(stage__competition=competition).count() == 8 + 4 + 2 + 1


@pytest.mark.django_db
def test_the_imported_2024_25_league_phase_table_is_the_real_final_table_row_by_row():
    from tests.unit.test_standings import UCL_2024_25_LEAGUE_PHASE

    call_command("import_openfootball", str(DATA / "2024-25-uefa.cl.json"), stdout=io.StringIO())
    league = Group.objects.get(name="League phase")
    table = tables.group_table(league)
    rows = [(r["position"], r["team"]["name"], r["points"], r["goal_difference"], r["goals_for"])
            for r in table["rows"]]
    assert rows == [(position, name.rsplit(" (", 1)[0], points, difference, goals)
                    for position, name, points, difference, goals in UCL_2024_25_LEAGUE_PHASE]
    assert table["rule_set"]["name"] == "uefa-league-phase-2024"
    assert [zone["key"] for zone in table["zones"]] == ["round-of-16", "knockout-play-offs", "eliminated"]
