"""Parsing World Cup files (no database): stages, kick-off zones, goals, and data problems named, never guessed."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from events.importer_worldcup import parse_world_cup_json

DATA = Path(__file__).resolve().parent.parent.parent / "data" / "openfootball-worldcup"
NO_GOALS = "the result, without goal events"


def world_cup(matches, name="World Cup 2018") -> str:
    return json.dumps({"name": name, "matches": matches}, indent=2)


def knockout(score, goals1=(), goals2=(), round_name="Round of 16"):
    return {"round": round_name, "date": "2018-06-30", "time": "17:00 UTC+3", "team1": "France",
            "team2": "Argentina", "score": score, "goals1": list(goals1), "goals2": list(goals2)}


def parse(year: int):
    return parse_world_cup_json((DATA / f"{year}-worldcup.json").read_text(encoding="utf-8"))


def test_the_competition_is_the_fifa_world_cup_of_its_year_with_its_eras_rule_set():
    data = parse(2018)
    assert (data.name, data.season, data.rule_set) == ("FIFA World Cup", "2018", "fifa-2018")
    assert parse(1930).rule_set == "fifa-1962"  # before 1962: ranked like 1962 (documented)


def test_kick_off_times_keep_their_own_zone():
    first_2026 = parse(2026).fixtures[0]  # Mexico v South Africa, "13:00 UTC-6"
    assert first_2026.kickoff.astimezone(UTC) == datetime(2026, 6, 11, 19, 0, tzinfo=UTC)
    assert first_2026.kickoff.utcoffset().total_seconds() == -6 * 3600
    qatar_ecuador = parse(2022).fixtures[0]  # "19:00", no offset: Qatar's local time
    assert qatar_ecuador.kickoff.astimezone(UTC) == datetime(2022, 11, 20, 16, 0, tzinfo=UTC)


def test_goals_come_with_scorer_minute_added_time_penalty_and_own_goal():
    final = next(f for f in parse(2018).fixtures if f.round_name == "Final")
    assert [(g.scorer, g.minute, g.kind, g.home) for g in final.goals][:3] == [
        ("Mandžukić", 18, "own_goal", True),
        ("Perišić", 28, "goal", False),
        ("Griezmann", 38, "penalty_goal", True),
    ]
    assert final.goals[0].scorer_is_home is False  # a Croatian, scoring for France
    klaassen = next(f for f in parse(2022).fixtures if f.home == "Senegal").goals[-1]
    assert (klaassen.minute, klaassen.added_minute) == (90, 9)


@pytest.mark.parametrize(
    ("match", "field", "message"),
    [
        (knockout({"ft": [1, 0]}), "goals1", "the goals listed make 0-0, the score is 1-0"),
        (knockout({"ft": [1, 0]}, [{"name": "Mbappé", "minute": "early"}]), "goals1[0].minute", "not a minute"),
        (knockout({"ft": [1, 0]}, [{"name": "Mbappé", "minute": 131}]), "goals1[0].minute", "outside a match"),
        (knockout({"ft": [1, 0]}, [{"name": "Mbappé", "minute": 60, "offset": 2}]), "goals1[0].minute",
         "added time is counted from the end of a period"),
        (knockout({"ft": [1, 0]}, [{"minute": 60}]), "goals1[0].name", "no scorer"),
        (knockout({"ft": [1, 0]}, [{"name": "Mbappé", "minute": 95}]), "goals1[0].minute", "extra time"),
        (knockout({"ft": [1, 1], "et": [2, 1]}, [{"name": "Mbappé", "minute": 9}, {"name": "Mbappé", "minute": 80}],
                  [{"name": "Messi", "minute": 50}]), "score.et", "after the 90th minute make 0-0"),
    ],
)
def test_goals_that_cannot_be_trusted_leave_the_result_and_name_line_and_field(match, field, message):
    data = parse_world_cup_json(world_cup([match]))
    [problem] = data.problems
    assert (problem.line, problem.field, problem.kept) == (4, field, NO_GOALS)
    assert message in problem.message
    assert data.fixtures[0].goals is None and data.fixtures[0].played


def test_a_shootout_that_cannot_end_that_way_is_reported_and_left_out():
    match = knockout({"ft": [0, 0], "et": [0, 0], "p": [5, 1]})
    data = parse_world_cup_json(world_cup([match]))
    assert [p.field for p in data.problems] == ["score.p"]
    assert data.fixtures[0].home_penalties is None
    spain_korea = next(f for f in parse(2002).fixtures if f.home == "Spain" and f.away == "South Korea")
    assert (spain_korea.home_penalties, spain_korea.away_penalties) == (3, 5)  # possible with Korea kicking first


def test_second_group_rounds_play_offs_final_groups_and_replays_are_stages_of_their_own():
    stages = lambda year: [(s.name, s.kind) for s in parse(year).stages]  # noqa: E731
    assert stages(1974) == [("First round", "groups"), ("Second round", "groups"),
                            ("Third-place match", "knockout"), ("Final", "knockout")]
    assert stages(1950) == [("First round", "groups"), ("Final round", "groups")]
    assert ("Group play-offs", "knockout") in stages(1954)
    assert ("Quarter-finals replays", "knockout") in stages(1934)


def test_a_group_matchday_is_the_round_each_team_plays():
    group_a = [f for f in parse(2022).fixtures if f.group_name == "Group A"]
    assert sorted(f.matchday for f in group_a) == [1, 1, 2, 2, 3, 3]
