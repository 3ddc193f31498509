"""FIFA World Cup rule sets by era, fair play points and the ranking of third-placed teams,
on constructed ties and on every World Cup in data/openfootball-worldcup (sources in docs/standings.md)."""

import json
import math
from collections import defaultdict
from fractions import Fraction
from functools import cache
from pathlib import Path

import pytest

from events.standings import (
    OUT,
    QUALIFIED,
    RULE_SETS,
    UNDECIDED,
    WORLD_CUP_RULE_SETS,
    Card,
    CardKind,
    Record,
    Result,
    RuleSet,
    Scope,
    ThirdPlaceRanking,
    compute_table,
    fair_play_points,
    get_rule_set,
    rank_third_placed,
)

DATA = Path(__file__).resolve().parent.parent.parent / "data" / "openfootball-worldcup"
FIFA = [name for name in RULE_SETS if name.startswith("fifa-")]


# --- the files ------------------------------------------------------------------------------------


@cache
def world_cup(year: int) -> list[dict]:
    return json.loads((DATA / f"{year}-worldcup.json").read_text(encoding="utf-8"))["matches"]


def first_group_stage(year: int) -> dict[str, list[dict]]:
    """Group -> its matches. 1974-1982 also had a second group stage, lettered; the first was numbered."""
    groups = defaultdict(list)
    for match in world_cup(year):
        group = match.get("group")
        if group and "Play-off" not in match["round"] and not (1974 <= year <= 1982 and not group[-1].isdigit()):
            groups[group].append(match)
    return dict(sorted(groups.items()))


def next_round_teams(year: int) -> set[str]:
    """The teams that played the round after the first group stage, as the file has it."""
    if 1974 <= year <= 1982:
        return {t for m in world_cup(year) if m.get("group", "1")[-1].isalpha() for t in (m["team1"], m["team2"])}
    first_knockout = {1962: "Quarter-finals", 1966: "Quarter-finals", 1970: "Quarter-finals", 2026: "Round of 32"}
    round_name = first_knockout.get(year, "Round of 16")
    return {t for m in world_cup(year) if m["round"] == round_name for t in (m["team1"], m["team2"])}


def group_table(year: int, group: str, **external):
    matches = first_group_stage(year)[group]
    teams = sorted({t for m in matches for t in (m["team1"], m["team2"])})
    results = [Result(m["team1"], m["team2"], *m["score"]["ft"]) for m in matches]
    return compute_table(teams, results, WORLD_CUP_RULE_SETS[year], **external)


def all_group_tables(year: int) -> dict:
    return {group: group_table(year, group) for group in first_group_stage(year)}


def order(table) -> list:
    return [row.team for row in table.rows]


def decided(table) -> list:
    return [row.decided_by for row in table.rows]


def results_of(*scores: tuple[str, str, int, int]) -> list[Result]:
    return [Result(*score) for score in scores]


def teams_in(results: list[Result]) -> list[str]:
    return sorted({team for r in results for team in (r.home, r.away)})


# --- the rule sets as data ------------------------------------------------------------------------


def test_every_world_cup_in_the_folder_from_1962_has_a_rule_set():
    years = sorted(int(path.name[:4]) for path in DATA.glob("*-worldcup.json"))
    assert [year for year in years if year >= 1962] == sorted(WORLD_CUP_RULE_SETS)
    assert set(WORLD_CUP_RULE_SETS.values()) == set(FIFA)
    assert {"fifa-1970", "fifa-1994", "fifa-1998", "fifa-2018", "fifa-2026"} <= set(FIFA)


def test_two_points_for_a_win_until_1990_and_three_from_1994():
    for year, name in WORLD_CUP_RULE_SETS.items():
        rules = get_rule_set(name)
        assert (rules.points_for_win, rules.points_for_draw) == ((2, 1) if year <= 1990 else (3, 1)), year


def test_drawing_of_lots_is_last_until_2022_and_the_world_ranking_in_2026():
    for name in FIFA:
        last = get_rule_set(name).criteria[-1]
        if name == "fifa-2026":
            assert (last.label, last.scope, last.higher_is_better) == ("FIFA world ranking", Scope.EXTERNAL, False)
        else:
            assert (last.label, last.scope) == ("drawing of lots", Scope.LOTS)


def test_criteria_of_each_era_in_order():
    labels = {name: [c.label for c in get_rule_set(name).criteria] for name in FIFA}
    assert labels["fifa-1962"] == ["points", "goal average", "drawing of lots"]
    assert labels["fifa-1970"] == ["points", "overall goal difference", "drawing of lots"]
    assert (
        labels["fifa-1974"]
        == labels["fifa-1986"]
        == [
            "points",
            "overall goal difference",
            "overall goals scored",
            "drawing of lots",
        ]
    )
    overall_then_h2h = [
        "points",
        "overall goal difference",
        "overall goals scored",
        "head-to-head points",
        "head-to-head goal difference",
        "head-to-head goals scored",
    ]
    assert labels["fifa-1994"] == labels["fifa-1998"] == [*overall_then_h2h, "drawing of lots"]
    assert labels["fifa-2018"] == [*overall_then_h2h, "fair play points", "drawing of lots"]
    assert labels["fifa-2026"] == [
        "points",
        "head-to-head points",
        "head-to-head goal difference",
        "head-to-head goals scored",
        "overall goal difference",
        "overall goals scored",
        "team conduct score",
        "FIFA world ranking",
    ]
    assert get_rule_set("fifa-2026").reapply_head_to_head
    assert not any(get_rule_set(name).reapply_head_to_head for name in FIFA if name != "fifa-2026")


def test_zones_and_third_place_rankings_follow_the_format():
    zones = {name: [(z.key, z.first, z.last) for z in get_rule_set(name).zones] for name in FIFA}
    assert zones["fifa-1998"] == zones["fifa-2018"] == [("round-of-16", 1, 2), ("out", 3, 4)]
    assert zones["fifa-1986"] == zones["fifa-1994"] == [("round-of-16", 1, 2), ("best-thirds", 3, 3), ("out", 4, 4)]
    assert zones["fifa-2026"] == [("round-of-32", 1, 2), ("best-thirds", 3, 3), ("out", 4, 4)]
    thirds = {name: get_rule_set(name).third_placed for name in FIFA}
    assert {name for name, ranking in thirds.items() if ranking} == {"fifa-1986", "fifa-1994", "fifa-2026"}
    assert thirds["fifa-1986"].qualifiers == thirds["fifa-1994"].qualifiers == 4
    assert [c.label for c in thirds["fifa-1994"].criteria] == [
        "points",
        "overall goal difference",
        "overall goals scored",
        "drawing of lots",
    ]
    assert thirds["fifa-2026"].qualifiers == 8
    assert [c.label for c in thirds["fifa-2026"].criteria] == [
        "points",
        "overall goal difference",
        "overall goals scored",
        "team conduct score",
        "FIFA world ranking",
    ]


# --- goal average (1962-1966) -----------------------------------------------------------------------

# A 3-0 B, B 6-0 C, C 1-0 A: all three on 2 points; averages 3, 2, 1/6; differences +2, +3, -5.
AVERAGE_AGAINST_DIFFERENCE = results_of(("A", "B", 3, 0), ("B", "C", 6, 0), ("C", "A", 1, 0))


def test_goal_average_and_goal_difference_disagree():
    by_average = compute_table(["A", "B", "C"], AVERAGE_AGAINST_DIFFERENCE, "fifa-1962")
    assert order(by_average) == ["A", "B", "C"]
    assert decided(by_average) == ["goal average", "goal average", None]
    assert [row.points for row in by_average.rows] == [2, 2, 2]
    by_difference = compute_table(["A", "B", "C"], AVERAGE_AGAINST_DIFFERENCE, "fifa-1970")
    assert order(by_difference) == ["B", "A", "C"]


def test_goal_average_is_exact():
    assert Record(goals_for=3, goals_against=2).goal_average == Record(goals_for=6, goals_against=4).goal_average
    assert Record(goals_for=3, goals_against=2).goal_average == Fraction(3, 2)
    # Close averages stay apart: 69/39 is better than 70/40 (1.769... against 1.75).
    assert Record(goals_for=69, goals_against=39).goal_average > Record(goals_for=70, goals_against=40).goal_average
    # 3/2 and 6/4 are level on goal average: the lots decide, not the engine.
    table = compute_table(
        ["A", "B", "C", "D"],
        results_of(("A", "C", 3, 2), ("B", "D", 6, 4), ("A", "B", 0, 0), ("C", "D", 0, 0)),
        "fifa-1962",
    )
    assert order(table)[:2] == ["A", "B"]
    assert table.rows[0].undecided and table.rows[0].undecided_at == "drawing of lots"


def test_no_goal_conceded_is_an_infinite_goal_average():
    assert Record(goals_for=1, goals_against=0).goal_average == math.inf
    # A 1-0 and 0-0 beats B 5-1 and 0-0 on goal average, though B's goal difference is better.
    table = compute_table(
        ["A", "B", "C", "D"],
        results_of(("A", "C", 1, 0), ("B", "D", 5, 1), ("A", "B", 0, 0)),
        "fifa-1962",
    )
    assert order(table)[:2] == ["A", "B"]
    assert table.rows[0].decided_by == "goal average"


def test_two_teams_without_a_goal_conceded_are_level_on_goal_average():
    table = compute_table(
        ["A", "B", "C", "D"],
        results_of(("A", "C", 1, 0), ("B", "D", 3, 0), ("A", "B", 0, 0)),
        "fifa-1962",
    )
    assert {table.rows[0].team, table.rows[1].team} == {"A", "B"}
    assert table.rows[0].undecided
    assert table.rows[0].undecided_at == "drawing of lots"


def test_nothing_scored_nothing_conceded_has_no_goal_average_and_stays_undecided():
    assert Record().goal_average is None
    table = compute_table(["A", "B", "C", "D"], results_of(("A", "B", 0, 0), ("C", "D", 1, 1)), "fifa-1962")
    assert [row.undecided for row in table.rows] == [True, True, True, False]
    assert {row.undecided_at for row in table.rows[:3]} == {"goal average"}
    # The same teams under goal difference are level until the lots.
    table = compute_table(["A", "B", "C", "D"], results_of(("A", "B", 0, 0), ("C", "D", 1, 1)), "fifa-1970")
    assert {row.undecided_at for row in table.rows[:3]} == {"drawing of lots"}


def test_1966_west_germany_top_group_2_on_goal_average():
    table = group_table(1966, "Group 2")
    assert order(table)[:2] == ["West Germany", "Argentina"]
    assert table.rows[0].decided_by == "goal average"


def test_1962_mexico_above_spain_on_goal_average():
    table = group_table(1962, "Group 3")
    assert order(table)[2:] == ["Mexico", "Spain"]
    assert table.rows[2].decided_by == "goal average"  # 3/4 against 2/3, both -1


# --- goal difference, goals scored, head-to-head by era ---------------------------------------------


def test_1970_soviet_union_and_mexico_are_left_to_the_lots():
    table = group_table(1970, "Group 1")
    assert set(order(table)[:2]) == {"Soviet Union", "Mexico"}
    assert table.rows[0].undecided and table.rows[0].undecided_at == "drawing of lots"
    assert table.positions("Soviet Union") == range(1, 3)
    # Goals scored was no criterion in 1970 (the Soviet Union scored 6, Mexico 5) ...
    assert table.row("Soviet Union").goals_for > table.row("Mexico").goals_for
    # ... and under goal average Mexico, who conceded none, would have been first.
    results = [Result(m["team1"], m["team2"], *m["score"]["ft"]) for m in first_group_stage(1970)["Group 1"]]
    by_average = compute_table(order(table), results, "fifa-1962")
    assert by_average.rows[0].team == "Mexico" and by_average.rows[0].decided_by == "goal average"


def test_1982_italy_above_cameroon_on_goals_scored():
    table = group_table(1982, "Group 1")
    assert order(table) == ["Poland", "Italy", "Cameroon", "Peru"]
    assert table.rows[1].decided_by == "overall goals scored"


# A beat B; both level on points, goal difference and goals scored.
LEVEL_BUT_A_BEAT_B = results_of(
    ("A", "B", 2, 1), ("C", "A", 1, 0), ("B", "C", 0, 0), ("D", "B", 0, 1), ("A", "D", 0, 0)
)


def test_head_to_head_only_from_1994():
    teams = ["B", "A", "C", "D"]
    for name in ("fifa-1974", "fifa-1986"):
        table = compute_table(teams, LEVEL_BUT_A_BEAT_B, name)
        assert table.row("A").undecided or table.row("B").undecided
        assert {table.row("A").undecided_at, table.row("B").undecided_at} - {None} == {"drawing of lots"}
    for name in ("fifa-1994", "fifa-1998", "fifa-2018"):
        table = compute_table(teams, LEVEL_BUT_A_BEAT_B, name)
        position = order(table).index("A")
        assert order(table)[position + 1] == "B"
        assert table.rows[position].decided_by == "head-to-head points"


def test_1994_head_to_head_after_goals_scored():
    group_e = group_table(1994, "Group E")
    assert order(group_e) == ["Mexico", "Ireland", "Italy", "Norway"]
    assert decided(group_e) == ["overall goals scored", "head-to-head points", "overall goals scored", None]
    group_d = group_table(1994, "Group D")
    assert order(group_d) == ["Nigeria", "Bulgaria", "Argentina", "Greece"]
    assert group_d.rows[1].decided_by == "head-to-head points"


# 2026 against 2022: A, B and C level on points. Among them A leads on head-to-head goal difference
# and B and C are level until their own match (B 2-0 C) is taken again; but C's 6-0 against D gives
# C the best overall goal difference.
H2H_AGAINST_OVERALL = results_of(
    ("A", "B", 3, 0),
    ("C", "A", 2, 1),
    ("B", "C", 2, 0),
    ("A", "D", 1, 0),
    ("B", "D", 1, 0),
    ("C", "D", 6, 0),
)


def test_2026_puts_head_to_head_before_overall_goal_difference():
    teams = ["D", "C", "B", "A"]
    old = compute_table(teams, H2H_AGAINST_OVERALL, "fifa-2018")
    assert [row.points for row in old.rows[:3]] == [6, 6, 6]
    assert order(old) == ["C", "A", "B", "D"]
    assert decided(old)[:2] == ["overall goal difference", "overall goal difference"]
    new = compute_table(teams, H2H_AGAINST_OVERALL, "fifa-2026")
    assert order(new) == ["A", "B", "C", "D"]
    assert decided(new) == [
        "head-to-head goal difference",
        "head-to-head points (re-applied)",
        "points",
        None,
    ]


def test_2026_goes_to_overall_figures_when_head_to_head_cannot_split():
    # A and B drew; B scored more elsewhere.
    results = results_of(("A", "B", 1, 1), ("A", "C", 1, 0), ("B", "C", 3, 2), ("C", "D", 0, 0))
    table = compute_table(["A", "B", "C", "D"], results, "fifa-2026")
    assert order(table)[:2] == ["B", "A"]
    assert table.rows[0].decided_by == "overall goals scored"


LEVEL_ON_EVERYTHING = results_of(("A", "B", 1, 1), ("A", "C", 1, 0), ("B", "C", 1, 0))


def test_2026_team_conduct_then_world_ranking_never_lots():
    teams = ["B", "A", "C"]
    table = compute_table(teams, LEVEL_ON_EVERYTHING, "fifa-2026")
    assert table.rows[0].undecided_at == "team conduct score"
    table = compute_table(teams, LEVEL_ON_EVERYTHING, "fifa-2026", fair_play_points={"A": -2, "B": -3, "C": 0})
    assert order(table)[:2] == ["A", "B"] and table.rows[0].decided_by == "team conduct score"
    level_conduct = {"A": -2, "B": -2, "C": 0}
    table = compute_table(teams, LEVEL_ON_EVERYTHING, "fifa-2026", fair_play_points=level_conduct)
    assert table.rows[0].undecided_at == "FIFA world ranking"
    table = compute_table(
        teams, LEVEL_ON_EVERYTHING, "fifa-2026", fair_play_points=level_conduct, world_ranking={"A": 30, "B": 12}
    )
    assert order(table)[:2] == ["B", "A"] and table.rows[0].decided_by == "FIFA world ranking"
    # Progressively older rankings where the latest has them level.
    table = compute_table(
        teams,
        LEVEL_ON_EVERYTHING,
        "fifa-2026",
        fair_play_points=level_conduct,
        world_ranking={"A": (12, 9), "B": (12, 15)},
    )
    assert order(table)[:2] == ["A", "B"] and table.rows[0].decided_by == "FIFA world ranking"


def test_2018_fair_play_then_lots_which_the_engine_never_draws():
    teams = ["B", "A", "C"]
    table = compute_table(teams, LEVEL_ON_EVERYTHING, "fifa-2018")
    assert table.rows[0].undecided_at == "fair play points"
    table = compute_table(teams, LEVEL_ON_EVERYTHING, "fifa-2018", fair_play_points={"A": -5, "B": -1, "C": 0})
    assert order(table)[:2] == ["B", "A"] and table.rows[0].decided_by == "fair play points"
    table = compute_table(teams, LEVEL_ON_EVERYTHING, "fifa-2018", fair_play_points={"A": -1, "B": -1, "C": 0})
    assert order(table)[:2] == teams[:2]  # the caller's order, flagged
    assert table.rows[0].undecided and table.rows[0].undecided_at == "drawing of lots"
    assert table.to_dict()["rows"][0]["undecided_at"] == "drawing of lots"
    # Before 2018 there was no fair play criterion: the cards change nothing.
    table = compute_table(teams, LEVEL_ON_EVERYTHING, "fifa-1998", fair_play_points={"A": -5, "B": -1, "C": 0})
    assert table.rows[0].undecided_at == "drawing of lots"


# --- fair play points -------------------------------------------------------------------------------


def card(kind, person="p", match="m", team="T") -> Card:
    return Card(team=team, match=match, person=person, kind=kind)


@pytest.mark.parametrize(
    "kinds, points",
    [
        ([CardKind.YELLOW], -1),
        ([CardKind.YELLOW, CardKind.SECOND_YELLOW], -3),
        ([CardKind.YELLOW, CardKind.YELLOW], -3),
        ([CardKind.SECOND_YELLOW], -3),
        ([CardKind.RED], -4),
        ([CardKind.YELLOW, CardKind.RED], -5),
        (["yellow_card", "red_card"], -5),  # the centre's event kinds as they are stored
    ],
)
def test_one_deduction_per_person_per_match(kinds, points):
    assert fair_play_points([card(kind) for kind in kinds]) == {"T": points}


def test_deductions_add_up_over_people_and_matches():
    cards = [
        card(CardKind.YELLOW, person="p1", match="m1"),
        card(CardKind.YELLOW, person="p1", match="m2"),  # another match: counted again
        card(CardKind.YELLOW, person="p2", match="m1"),
        card(CardKind.SECOND_YELLOW, person="p2", match="m1"),
        card(CardKind.RED, person="coach", match="m2"),  # team officials count too
        card(CardKind.YELLOW, person="q", match="m1", team="U"),
    ]
    assert fair_play_points(cards, teams=["T", "U", "V"]) == {"T": -1 - 1 - 3 - 4, "U": -1, "V": 0}


def test_unknown_card_kind_is_refused():
    with pytest.raises(ValueError, match="orange"):
        fair_play_points([card("orange")])


# --- the real cases ---------------------------------------------------------------------------------

# Every card Japan and Senegal received in the 2018 group stage (AP, 28 June 2018; sources in docs).
H_2018_CARDS = [
    Card("Japan", frozenset({"Japan", "Colombia"}), "Kawashima", CardKind.YELLOW),
    Card("Japan", frozenset({"Japan", "Senegal"}), "Inui", CardKind.YELLOW),
    Card("Japan", frozenset({"Japan", "Senegal"}), "Hasebe", CardKind.YELLOW),
    Card("Japan", frozenset({"Japan", "Poland"}), "Makino", CardKind.YELLOW),
    Card("Senegal", frozenset({"Senegal", "Poland"}), "Sané", CardKind.YELLOW),
    Card("Senegal", frozenset({"Senegal", "Poland"}), "Gueye", CardKind.YELLOW),
    Card("Senegal", frozenset({"Senegal", "Japan"}), "Niang", CardKind.YELLOW),
    Card("Senegal", frozenset({"Senegal", "Japan"}), "Sabaly", CardKind.YELLOW),
    Card("Senegal", frozenset({"Senegal", "Japan"}), "N'Doye", CardKind.YELLOW),
    Card("Senegal", frozenset({"Senegal", "Colombia"}), "Niang", CardKind.YELLOW),
]


def test_2018_japan_through_on_fair_play_points():
    points = fair_play_points(H_2018_CARDS, teams=["Japan", "Senegal"])
    assert points == {"Japan": -4, "Senegal": -6}  # Niang's two yellows were in two matches
    table = group_table(2018, "Group H", fair_play_points=points)
    assert order(table) == ["Colombia", "Japan", "Senegal", "Poland"]
    assert table.rows[1].decided_by == "fair play points"
    assert not any(row.undecided for row in table.rows)


def test_2018_group_h_without_the_cards_is_undecided_at_fair_play():
    table = group_table(2018, "Group H")
    assert set(order(table)[1:3]) == {"Japan", "Senegal"}
    assert table.rows[1].undecided and table.rows[1].undecided_at == "fair play points"
    assert [row.points for row in table.rows] == [6, 4, 4, 3]


def test_1990_ireland_and_netherlands_are_left_to_the_lots():
    table = group_table(1990, "Group F")
    assert order(table)[0] == "England" and order(table)[3] == "Egypt"
    assert set(order(table)[1:3]) == {"Ireland", "Netherlands"}
    second = table.rows[1]
    assert second.undecided and second.undecided_at == "drawing of lots" and second.decided_by is None
    assert table.positions("Ireland") == table.positions("Netherlands") == range(2, 4)
    assert (second.points, second.goals_for, second.goals_against) == (3, 2, 2)


# --- the ranking of third-placed teams -------------------------------------------------------------


@cache
def thirds(year: int):
    return rank_third_placed(all_group_tables(year))


def test_1986_thirds():
    ranking = thirds(1986)
    assert [(row.team, row.status) for row in ranking.rows] == [
        ("Belgium", QUALIFIED),
        ("Poland", QUALIFIED),
        ("Bulgaria", QUALIFIED),
        ("Uruguay", QUALIFIED),
        ("Hungary", OUT),
        ("Northern Ireland", OUT),
    ]
    assert ranking.rows[3].decided_by == "overall goal difference"  # Uruguay -5, Hungary -7, both 2 points


def test_1990_thirds_with_group_f_third_place_left_to_the_lots():
    ranking = thirds(1990)
    statuses = {row.group: row.status for row in ranking.rows}
    assert statuses == {
        "Group B": QUALIFIED,  # Argentina
        "Group D": QUALIFIED,  # Colombia
        "Group F": QUALIFIED,  # the Netherlands or Ireland: level on everything, both through
        "Group E": QUALIFIED,  # Uruguay
        "Group A": OUT,  # Austria
        "Group C": OUT,  # Scotland
    }
    group_f = ranking.row("Group F")
    assert {group_f.team, *group_f.level_in_group} == {"Ireland", "Netherlands"}
    # Argentina and Colombia are level on everything, so are Austria and Scotland: each pair is on
    # one side of the line, so the lots they would need change nothing.
    assert ranking.rows[0].undecided and ranking.rows[0].undecided_at == "drawing of lots"
    assert ranking.rows[4].undecided and ranking.rows[4].undecided_at == "drawing of lots"
    assert ranking.rows[3].decided_by == "points"


def test_1994_thirds():
    ranking = thirds(1994)
    assert [(row.team, row.points, row.status) for row in ranking.rows] == [
        ("Argentina", 6, QUALIFIED),
        ("Belgium", 6, QUALIFIED),
        ("USA", 4, QUALIFIED),
        ("Italy", 4, QUALIFIED),
        ("Russia", 3, OUT),
        ("South Korea", 2, OUT),
    ]
    assert ranking.rows[2].decided_by == "overall goals scored"  # USA 3 goals, Italy 2


@pytest.mark.parametrize("year", [1986, 1990, 1994, 2026])
def test_the_qualified_thirds_are_the_thirds_that_played_the_next_round(year):
    ranking = thirds(year)
    played_on = next_round_teams(year)
    assert sum(row.status == QUALIFIED for row in ranking.rows) == ranking.qualifiers
    for row in ranking.rows:
        candidates = {row.team, *row.level_in_group}
        if row.status == QUALIFIED:
            assert candidates & played_on, row
        else:
            assert row.status == OUT and not {row.team} & played_on, row


def test_2026_thirds_from_the_file():
    ranking = thirds(2026)
    assert ranking.qualifiers == 8 and len(ranking.rows) == 12
    assert {row.team for row in ranking.rows if row.status == QUALIFIED} == {
        "DR Congo",
        "Sweden",
        "Ecuador",
        "Ghana",
        "Bosnia & Herzegovina",
        "Algeria",
        "Paraguay",
        "Senegal",
    }
    # Ecuador and Ghana are level down to the team conduct score, which imported matches lack;
    # both are above the line whichever way it goes.
    ecuador = ranking.row("Group E")
    assert ecuador.undecided and ecuador.undecided_at == "team conduct score"
    assert ecuador.status == ranking.row("Group L").status == QUALIFIED
    assert ranking.rows[7].team == "Senegal" and ranking.rows[7].decided_by == "overall goal difference"
    assert ranking.to_dict()["rows"][7]["status"] == QUALIFIED


ONE_GOES_THROUGH = RuleSet(
    name="test-one-third",
    label="one third of two groups",
    criteria=get_rule_set("fifa-2026").criteria,
    reapply_head_to_head=True,
    third_placed=ThirdPlaceRanking(1, get_rule_set("fifa-2026").third_placed.criteria),
)


def group(prefix: str, third_scores: tuple[int, int]) -> list[Result]:
    """Four teams: 1 and 2 win everything else; 3 and 4 play each other with the score given."""
    one, two, three, four = (f"{prefix}{n}" for n in range(1, 5))
    return [
        Result(one, two, 1, 1),
        Result(one, three, 2, 0),
        Result(one, four, 2, 0),
        Result(two, three, 2, 0),
        Result(two, four, 2, 0),
        Result(three, four, *third_scores),
    ]


def test_thirds_level_across_the_cut_line_are_undecided_until_the_cards_say():
    tables = {
        name: compute_table(teams_in(results), results, ONE_GOES_THROUGH)
        for name, results in (("X", group("X", (1, 0))), ("Y", group("Y", (1, 0))))
    }
    ranking = rank_third_placed(tables)
    assert [row.status for row in ranking.rows] == [UNDECIDED, UNDECIDED]
    assert ranking.rows[0].undecided_at == "team conduct score"
    ranking = rank_third_placed(tables, fair_play_points={"X3": -4, "Y3": -1})
    assert [(row.team, row.status) for row in ranking.rows] == [("Y3", QUALIFIED), ("X3", OUT)]
    assert ranking.rows[0].decided_by == "team conduct score"


def test_a_third_place_its_group_leaves_open_is_undecided_if_the_candidates_differ():
    level_in_x = group("X", (0, 0))  # X3 and X4 level on everything the results hold
    tables = {
        "X": compute_table(teams_in(level_in_x), level_in_x, ONE_GOES_THROUGH),
        "Y": compute_table(teams_in(group("Y", (0, 0))), group("Y", (0, 0)), ONE_GOES_THROUGH),
    }
    assert tables["X"].rows[2].undecided_at == "team conduct score"
    # Conduct known for the thirds' comparison but the groups were ranked without it: whether X3
    # or X4 is third decides which figure X brings, so X's row cannot claim either side.
    ranking = rank_third_placed(tables, fair_play_points={"X3": 0, "X4": -9, "Y3": -1, "Y4": -1})
    assert ranking.row("X").status == UNDECIDED
    assert set(ranking.row("X").level_in_group) | {ranking.row("X").team} == {"X3", "X4"}


def test_third_place_ranking_refuses_formats_without_one():
    tables = {"A": group_table(2018, "Group A")}
    with pytest.raises(ValueError, match="does not rank third-placed teams"):
        rank_third_placed(tables)
    mixed = {"A": group_table(1994, "Group A"), "B": group_table(2026, "Group B")}
    with pytest.raises(ValueError, match="different rule sets"):
        rank_third_placed(mixed)
    with pytest.raises(ValueError, match="no group tables"):
        rank_third_placed({})


def test_third_place_ranking_is_provisional_while_a_match_is_live():
    live = [*group("X", (1, 0))[:-1], Result("X3", "X4", 1, 0, finished=False)]
    tables = {"X": compute_table(teams_in(live), live, ONE_GOES_THROUGH)}
    assert rank_third_placed(tables).provisional


# --- every World Cup in the folder ------------------------------------------------------------------

# Groups whose line between going through and going out the data cannot draw, and why.
LEFT_TO_THE_ORGANISER = {(2018, "Group H"): "fair play points"}


def sweep(years):
    return [(year, group) for year in years for group in first_group_stage(year)]


@pytest.mark.parametrize(("year", "group"), sweep(range(1998, 2023, 4)))
def test_1998_to_2022_the_top_two_are_the_teams_that_played_the_round_of_16(year, group):
    check_group_against_next_round(year, group)


@pytest.mark.parametrize(("year", "group"), sweep((1962, 1966, 1970, 1974, 1978, 1982, 1986, 1990, 1994, 2026)))
def test_1962_to_1994_and_2026_the_qualifiers_are_the_teams_that_played_the_next_round(year, group):
    check_group_against_next_round(year, group)


def check_group_against_next_round(year: int, group: str) -> None:
    table = group_table(year, group)
    assert len(table.rows) == 4 and all(row.played == 3 for row in table.rows)
    through = set(range(1, 3))
    if table.rule_set.third_placed is not None and thirds(year).row(group).status == QUALIFIED:
        through.add(3)
    played_on = next_round_teams(year)
    straddling = []
    for row in table.rows:
        positions = set(table.positions(row.team))
        if positions <= through:
            assert row.team in played_on, (row.team, "should be through")
        elif not positions & through:
            assert row.team not in played_on, (row.team, "should be out")
        else:
            straddling.append(row)
    if (year, group) in LEFT_TO_THE_ORGANISER:
        assert straddling and {row.undecided_at for row in straddling if row.undecided} == {
            LEFT_TO_THE_ORGANISER[year, group]
        }
        # As many of them went through as there were places among the positions they share.
        shared = set(table.positions(straddling[0].team))
        assert len({row.team for row in straddling} & played_on) == len(shared & through)
    else:
        assert not straddling, [(row.team, row.undecided_at) for row in straddling]
