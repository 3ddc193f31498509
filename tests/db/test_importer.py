import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from events import standings
from events.importer import ImportFormatError, default_rule_set, parse_football_json
from events.models import Competition, Group, Match, Team
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
    ("matches", "message"),
    [
        ([fixture(score=(1,))], "line 4, matches[0], field 'score.ft'"),
        ([fixture(), {**fixture(), "team2": ""}], "matches[1], field 'team2'"),
        ([fixture(), fixture(), {**fixture(), "date": "27/11/2019"}], "matches[2], field 'date'"),
        ([fixture(team2="Alpha FC (ENG)")], "a team cannot play itself"),
        ([{**fixture(), "score": {"ft": [-1, 0]}}], "score.ft"),
    ],
)
def test_malformed_files_are_refused_naming_line_and_field(matches, message):
    with pytest.raises(ImportFormatError, match=message.replace("(", r"\(").replace("[", r"\[")):
        parse_football_json(football_json(matches))


def test_the_reported_line_is_where_the_bad_match_starts():
    text = football_json([fixture(), fixture(score=(1,))])
    with pytest.raises(ImportFormatError) as caught:
        parse_football_json(text)
    line = int(str(caught.value).split(",")[0].removeprefix("line "))
    assert '"round"' in text.splitlines()[line] and text.splitlines()[line - 1].strip() == "{"


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
def test_a_malformed_file_imports_nothing(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(football_json([fixture(), fixture("Group B", "Gamma", "Delta", score=(1, "x"))]))
    with pytest.raises(CommandError, match=r"line \d+, matches\[1\], field 'score.ft'.*nothing imported"):
        call_command("import_openfootball", str(bad))
    assert not Competition.objects.exists() and not Team.objects.exists()


@pytest.mark.django_db
def test_an_explicit_rule_set_wins(tmp_path):
    path = tmp_path / "cup.json"
    path.write_text(football_json([fixture()], name="UEFA Champions League 2019/20"))
    call_command("import_openfootball", str(path), rules="uefa-2021")
    assert Competition.objects.get().rule_set == "uefa-2021"
