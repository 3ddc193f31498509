"""Table engine: each tie-breaker in isolation, then every real group and league in data/openfootball."""

import itertools
import json
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest

from events.standings import (
    RULE_SETS,
    Criterion,
    Result,
    RuleSet,
    Scope,
    compute_table,
    get_rule_set,
    rank_teams,
)

DATA = Path(__file__).resolve().parent.parent.parent / "data" / "openfootball"
UCL_SEASONS = [f"{year}-{(year + 1) % 100:02d}" for year in range(2011, 2020)]


# --- corpus helpers (also used by test_scenarios) -----------------------------------------------


@cache
def load_matches(filename: str) -> list[dict]:
    return json.loads((DATA / filename).read_text(encoding="utf-8"))["matches"]


def to_result(match: dict) -> Result:
    home_goals, away_goals = match["score"]["ft"]
    return Result(match["team1"], match["team2"], home_goals, away_goals)


def ucl_groups(season: str) -> dict[str, list[dict]]:
    """Group name -> its matches in kick-off order (so matches 2k, 2k+1 are matchday k+1)."""
    groups = defaultdict(list)
    for match in load_matches(f"{season}-uefa.cl.json"):
        if match["round"].startswith("Group"):
            groups[match["round"]].append(match)
    return {name: sorted(matches, key=lambda m: (m["date"], m["time"])) for name, matches in sorted(groups.items())}


def all_ucl_groups() -> list[tuple[str, str]]:
    return [(season, group) for season in UCL_SEASONS for group in ucl_groups(season)]


def teams_of(matches: list[dict]) -> list[str]:
    return sorted({team for m in matches for team in (m["team1"], m["team2"])})


def round_of_16_teams(season: str) -> set[str]:
    return {
        team
        for m in load_matches(f"{season}-uefa.cl.json")
        if m["round"] == "Round of 16"
        for team in (m["team1"], m["team2"])
    }


def order(table) -> list:
    return [row.team for row in table.rows]


def decided(table) -> list:
    return [row.decided_by for row in table.rows]


def double_round_robin(scores: dict[tuple[str, str], tuple[int, int]]) -> list[Result]:
    return [Result(home, away, *score) for (home, away), score in scores.items()]


# --- rule sets -----------------------------------------------------------------------------------


def test_rule_sets_are_data():
    assert {"uefa-2019", "uefa-2021", "league"} <= set(RULE_SETS)
    for name, rules in RULE_SETS.items():
        assert rules.name == name
        assert rules.label
        assert all(isinstance(c, Criterion) for c in rules.criteria)
    assert RULE_SETS["uefa-2019"].label == "UEFA group stage 2019-20 (away goals)"
    with_away_goals = [c.label for c in RULE_SETS["uefa-2019"].criteria]
    without = [c.label for c in RULE_SETS["uefa-2021"].criteria]
    assert [label for label in with_away_goals if "away goals" not in label] == without
    assert [c.label for c in RULE_SETS["league"].criteria] == [
        "points",
        "overall goal difference",
        "overall goals scored",
    ]


def test_unknown_rule_set_names_the_known_ones():
    with pytest.raises(ValueError, match=r"'serie-z'.*league, uefa-2019, uefa-2021"):
        get_rule_set("serie-z")
    with pytest.raises(ValueError, match="serie-z"):
        compute_table(["A"], [], "serie-z")


def test_rule_set_object_and_int_team_keys():
    table = compute_table([1, 2], [Result(1, 2, 0, 1)], RULE_SETS["league"])
    assert order(table) == [2, 1]
    assert table.rule_set is RULE_SETS["league"]


def test_results_must_involve_known_teams_and_sane_scores():
    with pytest.raises(ValueError, match="not in the table"):
        compute_table(["A"], [Result("A", "B", 1, 0)], "league")
    with pytest.raises(ValueError, match="invalid"):
        compute_table(["A", "B"], [Result("A", "B", -1, 0)], "league")


# --- rows, labels, flags -------------------------------------------------------------------------


def test_rows_points_and_labels():
    results = [Result("A", "B", 2, 0), Result("B", "C", 1, 1), Result("C", "A", 0, 3)]
    table = compute_table(["C", "B", "A"], results, "uefa-2019")
    assert order(table) == ["A", "C", "B"]
    first = table.rows[0]
    assert (first.position, first.played, first.won, first.drawn, first.lost) == (1, 2, 2, 0, 0)
    assert (first.goals_for, first.goals_against, first.goal_difference, first.points) == (5, 0, 5, 6)
    assert (first.away_goals, first.away_wins) == (3, 1)
    # B and C have 1 point each and drew 1-1 at B's: C's away goal beats B's better goal difference.
    assert table.row("B").goal_difference > table.row("C").goal_difference
    assert decided(table) == ["points", "head-to-head away goals", None]
    assert [row.undecided for row in table.rows] == [False, False, False]
    assert table.rows[1].to_dict() == {
        "position": 2,
        "team": "C",
        "played": 2,
        "won": 0,
        "drawn": 1,
        "lost": 1,
        "goals_for": 1,
        "goals_against": 4,
        "goal_difference": -3,
        "points": 1,
        "decided_by": "head-to-head away goals",
        "undecided": False,
        "undecided_at": None,
    }
    assert table.to_dict()["rule_set"] == "uefa-2019"


def test_provisional_when_a_result_is_live():
    finished = compute_table(["A", "B"], [Result("A", "B", 1, 0)], "league")
    live = compute_table(["A", "B"], [Result("A", "B", 1, 0, finished=False)], "league")
    assert not finished.provisional
    assert live.provisional
    assert live.rows[0].points == 3  # the live score counts, provisionally


def test_team_without_results_has_an_empty_row():
    table = compute_table(["A", "B", "C"], [Result("A", "B", 1, 0)], "league")
    assert table.row("C").played == 0
    assert order(table) == ["A", "C", "B"]


# --- UEFA criteria one at a time ----------------------------------------------------------------


def test_head_to_head_points_beat_better_goal_difference():
    results = [Result("A", "B", 1, 0), Result("B", "A", 0, 0), Result("B", "C", 5, 0), Result("C", "A", 1, 0)]
    table = compute_table(["A", "B", "C"], results, "uefa-2019")
    assert [row.points for row in table.rows] == [4, 4, 3]
    assert table.row("B").goal_difference > table.row("A").goal_difference
    assert order(table) == ["A", "B", "C"]
    assert decided(table)[0] == "head-to-head points"


def test_head_to_head_goal_difference():
    results = [Result("A", "B", 3, 0), Result("B", "A", 1, 0), Result("B", "C", 6, 0), Result("A", "C", 1, 0)]
    table = compute_table(["B", "A", "C"], results, "uefa-2019")
    assert table.row("B").goal_difference > table.row("A").goal_difference
    assert order(table)[:2] == ["A", "B"]
    assert decided(table)[0] == "head-to-head goal difference"


def test_head_to_head_goals_scored_in_a_three_way_tie():
    # Each beat one of the others by a goal; with two teams an equal head-to-head goal
    # difference means equal goals, so this criterion only bites from three teams on.
    results = [
        Result("A", "B", 3, 2),
        Result("B", "C", 1, 0),
        Result("C", "A", 2, 1),
        # Draws with D keep everyone level on points and goal difference but give C the most goals.
        Result("C", "D", 4, 4),
        Result("A", "D", 0, 0),
        Result("B", "D", 1, 1),
    ]
    table = compute_table(["C", "B", "A", "D"], results, "uefa-2019")
    assert order(table) == ["A", "B", "C", "D"]
    assert decided(table)[:2] == ["head-to-head goals scored", "head-to-head goals scored"]
    assert table.row("C").goals_for > table.row("A").goals_for


AWAY_GOALS_CASE = [
    Result("A", "B", 2, 1),
    Result("B", "A", 3, 2),  # level on head-to-head points, difference and goals; A scored 2 away, B 1
    Result("B", "C", 3, 0),  # B has the better overall goal difference
    Result("A", "C", 1, 0),
]


def test_head_to_head_away_goals():
    table = compute_table(["B", "A", "C"], AWAY_GOALS_CASE, "uefa-2019")
    assert order(table)[:2] == ["A", "B"]
    assert decided(table)[0] == "head-to-head away goals"


def test_uefa_2021_drops_away_goals():
    table = compute_table(["B", "A", "C"], AWAY_GOALS_CASE, "uefa-2021")
    assert order(table)[:2] == ["B", "A"]
    assert decided(table)[0] == "overall goal difference"


REAPPLICATION_CASE = {
    # Among A, B and C: A takes 8 points; B and C both 4 points, -1, 4 goals, 2 away goals.
    ("A", "B"): (2, 1),
    ("B", "A"): (1, 1),
    ("A", "C"): (3, 2),
    ("C", "A"): (0, 0),
    # Between B and C alone: 3 points each, level, but B scored their only away goal.
    ("B", "C"): (1, 0),
    ("C", "B"): (2, 1),
    # Everybody ends on 10 points; C has by far the best overall goal difference.
    ("A", "D"): (0, 0),
    ("D", "A"): (0, 0),
    ("B", "D"): (1, 0),
    ("D", "B"): (0, 1),
    ("C", "D"): (5, 0),
    ("D", "C"): (0, 5),
}


def test_head_to_head_reapplied_to_the_teams_still_level():
    table = compute_table("ABCD", double_round_robin(REAPPLICATION_CASE), "uefa-2019")
    assert [row.points for row in table.rows[:3]] == [10, 10, 10]
    assert order(table) == ["A", "B", "C", "D"]
    assert decided(table)[:2] == ["head-to-head points", "head-to-head away goals (re-applied)"]
    assert table.row("C").goal_difference > table.row("B").goal_difference


def test_without_reapplication_the_tie_falls_to_overall_criteria():
    uefa = get_rule_set("uefa-2019")
    no_reapply = RuleSet("no-reapply", "UEFA without step e", uefa.criteria, reapply_head_to_head=False)
    table = compute_table("ABCD", double_round_robin(REAPPLICATION_CASE), no_reapply)
    assert order(table) == ["A", "C", "B", "D"]
    assert decided(table)[:2] == ["head-to-head points", "overall goal difference"]


def level_head_to_head(*others: Result) -> list[Result]:
    """A and B drew 1-1 twice (level on a) to d)), plus the given results."""
    return [Result("A", "B", 1, 1), Result("B", "A", 1, 1), *others]


@pytest.mark.parametrize(
    "others, label",
    [
        ((Result("A", "C", 3, 0), Result("B", "C", 1, 0)), "overall goal difference"),
        ((Result("A", "C", 3, 1), Result("B", "C", 2, 0)), "overall goals scored"),
        ((Result("C", "A", 1, 3), Result("B", "C", 3, 1)), "overall away goals"),
    ],
)
def test_overall_goal_criteria(others, label):
    table = compute_table(["B", "A", "C"], level_head_to_head(*others), "uefa-2019")
    assert order(table)[:2] == ["A", "B"]
    assert decided(table)[0] == label


def test_wins():
    # 5 points each, same goals and away goals: A won once, B drew three times.
    others = (
        Result("A", "C", 2, 0),
        Result("D", "A", 1, 0),
        Result("E", "A", 1, 0),
        Result("B", "C", 1, 1),
        Result("B", "D", 1, 1),
        Result("E", "B", 0, 0),
    )
    table = compute_table(["B", "A", "C", "D", "E"], level_head_to_head(*others), "uefa-2019")
    assert order(table)[:2] == ["A", "B"]
    assert decided(table)[0] == "wins"


def test_away_wins():
    # One win each, everything else equal: A won away, B at home.
    others = (
        Result("C", "A", 0, 1),
        Result("A", "D", 0, 1),
        Result("A", "E", 1, 1),
        Result("B", "C", 1, 0),
        Result("F", "B", 1, 0),
        Result("E", "B", 1, 1),
    )
    table = compute_table(["B", "A", "C", "D", "E", "F"], level_head_to_head(*others), "uefa-2019")
    assert [table.row(team).won for team in "AB"] == [1, 1]
    assert order(table)[:2] == ["A", "B"]
    assert decided(table)[0] == "away wins"


def test_disciplinary_points_lower_is_better():
    table = compute_table(["A", "B"], level_head_to_head(), "uefa-2019", disciplinary_points={"A": 3, "B": 1})
    assert order(table) == ["B", "A"]
    assert decided(table)[0] == "disciplinary points"


def test_club_coefficient_higher_is_better():
    table = compute_table(
        ["A", "B"],
        level_head_to_head(),
        "uefa-2019",
        disciplinary_points={"A": 2, "B": 2},
        coefficients={"A": 50.0, "B": 80.5},
    )
    assert order(table) == ["B", "A"]
    assert decided(table)[0] == "club coefficient"


@pytest.mark.parametrize(
    "data",
    [
        {},  # no disciplinary points at all
        {"disciplinary_points": {"A": 3}},  # only one team's
        {"disciplinary_points": {"A": 2, "B": 2}},  # level, and no coefficients to go on
        {"disciplinary_points": {"A": 2, "B": 2}, "coefficients": {"A": 9.0, "B": 9.0}},  # level on everything
    ],
)
def test_undecided_rather_than_guessed(data):
    for teams in (["A", "B"], ["B", "A"]):
        table = compute_table(teams, level_head_to_head(), "uefa-2019", **data)
        assert order(table) == teams  # the caller's order, flagged as not a ranking
        assert [row.undecided for row in table.rows] == [True, False]
        assert decided(table) == [None, None]
        assert table.positions("A") == table.positions("B") == range(1, 3)


def test_missing_coefficient_is_not_skipped_for_a_later_criterion():
    custom = RuleSet(
        "custom",
        "coefficient before cards",
        (
            Criterion("points", Scope.OVERALL, "points"),
            Criterion("coefficients", Scope.EXTERNAL, "club coefficient"),
            Criterion("disciplinary_points", Scope.EXTERNAL, "disciplinary points", higher_is_better=False),
        ),
    )
    table = compute_table(["A", "B"], level_head_to_head(), custom, disciplinary_points={"A": 9, "B": 1})
    assert table.rows[0].undecided


# --- league --------------------------------------------------------------------------------------


def test_league_ignores_head_to_head():
    results = [Result("A", "B", 1, 0), Result("B", "A", 0, 0), Result("B", "C", 5, 0), Result("C", "A", 1, 0)]
    table = compute_table(["A", "B", "C"], results, "league")
    assert order(table) == ["B", "A", "C"]
    assert decided(table) == ["overall goal difference", "points", None]


def test_league_goals_scored_then_undecided():
    results = [Result("A", "C", 3, 2), Result("B", "D", 1, 0), Result("E", "F", 2, 1), Result("G", "H", 2, 1)]
    table = compute_table(list("ABEFGHCD"), results, "league")
    assert order(table)[:4] == ["A", "E", "G", "B"]
    assert decided(table)[:4] == ["overall goals scored", None, "overall goals scored", "points"]
    assert [row.undecided for row in table.rows[:3]] == [False, True, False]


# --- the real corpus ------------------------------------------------------------------------------


@pytest.mark.parametrize("season, group", all_ucl_groups())
def test_ucl_group_data_is_complete(season, group):
    """Every group is a double round robin of four: 12 matches, each pairing once each way."""
    matches = ucl_groups(season)[group]
    teams = teams_of(matches)
    pairings = [(m["team1"], m["team2"]) for m in matches]
    assert len(teams) == 4
    assert sorted(pairings) == sorted(itertools.permutations(teams, 2))
    for matchday in range(6):
        played = [team for m in matches[2 * matchday : 2 * matchday + 2] for team in (m["team1"], m["team2"])]
        assert sorted(played) == teams, f"matchday {matchday + 1} does not have every team once"


@pytest.mark.parametrize("season, group", all_ucl_groups())
def test_ucl_group_top_two_are_the_round_of_16_teams(season, group):
    matches = ucl_groups(season)[group]
    table = compute_table(teams_of(matches), map(to_result, matches), "uefa-2019")
    qualified = round_of_16_teams(season) & set(teams_of(matches))
    assert len(qualified) == 2, f"{season} {group}: round of 16 has {sorted(qualified)} from this group"
    assert set(order(table)[:2]) == qualified
    assert not any(row.undecided for row in table.rows)


@pytest.mark.parametrize("season, group", all_ucl_groups())
def test_ucl_group_third_is_the_better_of_the_other_two_on_points(season, group):
    matches = ucl_groups(season)[group]
    table = compute_table(teams_of(matches), map(to_result, matches), "uefa-2019")
    third, fourth = (row for row in table.rows if row.team not in round_of_16_teams(season))
    assert (third.position, fourth.position) == (3, 4)
    if third.points == fourth.points:
        # Not unambiguous from points: a tie-breaker has to have separated them.
        assert third.decided_by not in ("points", None)
    else:
        assert third.points > fourth.points


def real_table(season: str, group: str):
    matches = ucl_groups(season)[group]
    return compute_table(teams_of(matches), map(to_result, matches), "uefa-2019")


@pytest.mark.parametrize(
    "season, group, expected",
    [
        (
            "2019-20",
            "Group E",
            [
                ("Liverpool FC (ENG)", 13, "points"),
                ("SSC Napoli (ITA)", 12, "points"),
                ("RB Salzburg (AUT)", 7, "points"),
                ("KRC Genk (BEL)", 1, None),
            ],
        ),
        # Lyon won 7-1 in Zagreb to pass Ajax on goal difference; the meetings were 0-0 twice.
        (
            "2011-12",
            "Group D",
            [
                ("Real Madrid (ESP)", 18, "points"),
                ("Olympique Lyonnais (FRA)", 8, "overall goal difference"),
                ("AFC Ajax (NED)", 8, "points"),
                ("Dinamo Zagreb (CRO)", 0, None),
            ],
        ),
        # Chelsea, the holders, out: level with Shakhtar on everything but away goals in their meetings.
        (
            "2012-13",
            "Group E",
            [
                ("Juventus (ITA)", 12, "points"),
                ("Shakhtar Donetsk (UKR)", 10, "head-to-head away goals"),
                ("Chelsea FC (ENG)", 10, "points"),
                ("FC Nordsjælland (DEN)", 1, None),
            ],
        ),
        # Three teams on 12 points; Napoli out on the mini-league goal difference.
        (
            "2013-14",
            "Group F",
            [
                ("Borussia Dortmund (GER)", 12, "head-to-head goal difference"),
                ("Arsenal FC (ENG)", 12, "head-to-head goal difference"),
                ("SSC Napoli (ITA)", 12, "points"),
                ("Olympique Marseille (FRA)", 0, None),
            ],
        ),
        # Liverpool and Napoli each won at home 1-0: level head to head and on goal difference;
        # Liverpool through on goals scored.
        (
            "2018-19",
            "Group C",
            [
                ("Paris Saint-Germain (FRA)", 11, "points"),
                ("Liverpool FC (ENG)", 9, "overall goals scored"),
                ("SSC Napoli (ITA)", 9, "points"),
                ("Crvena Zvezda (SRB)", 4, None),
            ],
        ),
    ],
)
def test_famous_tie_breaks(season, group, expected):
    table = real_table(season, group)
    assert [(row.team, row.points, row.decided_by) for row in table.rows] == expected


PREMIER_LEAGUE_2019_20 = [
    ("Liverpool FC", 99),
    ("Manchester City", 81),
    ("Manchester United", 66),
    ("Chelsea FC", 66),
    ("Leicester City", 62),
    ("Tottenham Hotspur", 59),
    ("Wolverhampton Wanderers", 59),
    ("Arsenal FC", 56),
    ("Sheffield United", 54),
    ("Burnley FC", 54),
    ("Southampton FC", 52),
    ("Everton FC", 49),
    ("Newcastle United", 44),
    ("Crystal Palace", 43),
    ("Brighton & Hove Albion", 41),
    ("West Ham United", 39),
    ("Aston Villa", 35),
    ("AFC Bournemouth", 34),
    ("Watford FC", 34),
    ("Norwich City", 21),
]


def test_premier_league_2019_20_final_table():
    matches = load_matches("2019-20-en.1.json")
    assert len(matches) == 380
    table = compute_table(teams_of(matches), map(to_result, matches), "league")
    assert [(row.team, row.points) for row in table.rows] == PREMIER_LEAGUE_2019_20
    assert {row.played for row in table.rows} == {38}
    # Level on points, separated by goal difference: United over Chelsea, Spurs over Wolves,
    # Sheffield over Burnley, Bournemouth over Watford.
    for above, below in [(2, 3), (5, 6), (8, 9), (17, 18)]:
        assert table.rows[above].decided_by == "overall goal difference"
        assert table.rows[above].goal_difference > table.rows[below].goal_difference


def test_uefa_group_zones_say_where_each_position_leads():
    rules = get_rule_set("uefa-2019")
    assert [rules.zone(position).key for position in (1, 2, 3, 4)] == [
        "round-of-16",
        "round-of-16",
        "europa-league",
        "out",
    ]
    assert rules.zone(5) is None
    table = compute_table(["A", "B", "C", "D"], [], rules)
    assert table.to_dict()["zones"][0] == {"key": "round-of-16", "label": "Round of 16", "first": 1, "last": 2}
    assert get_rule_set("league").zones == ()


# --- the league phase (uefa-league-phase-2024) -----------------------------------------------------

LEAGUE_PHASE = "uefa-league-phase-2024"


def league_phase_table(*results: Result, **data):
    teams = sorted({team for r in results for team in (r.home, r.away)})
    return compute_table(teams, results, LEAGUE_PHASE, **data)


def assert_just_above(table, upper: str, lower: str, label: str) -> None:
    """``upper`` sits directly above ``lower``, separated by ``label`` (so level on all before it)."""
    above, below = table.row(upper), table.row(lower)
    assert below.position == above.position + 1
    assert above.points == below.points
    assert above.decided_by == label
    assert not above.undecided


def test_league_phase_rule_set_lists_uefa_criteria_in_order():
    rules = get_rule_set(LEAGUE_PHASE)
    assert [c.label for c in rules.criteria] == [
        "points",
        "overall goal difference",
        "overall goals scored",
        "overall away goals",
        "wins",
        "away wins",
        "opponents' collective points",
        "opponents' collective goal difference",
        "opponents' collective goals scored",
        "disciplinary points",
        "club coefficient",
    ]
    assert not rules.uses_head_to_head
    assert not rules.reapply_head_to_head


def test_league_phase_zones_use_uefas_words():
    rules = get_rule_set(LEAGUE_PHASE)
    assert [(z.key, z.label, z.first, z.last) for z in rules.zones] == [
        ("round-of-16", "Round of 16", 1, 8),
        ("knockout-play-offs", "Knockout phase play-offs", 9, 24),
        ("eliminated", "Eliminated", 25, 36),
    ]
    assert [rules.zone(p).key for p in (1, 8, 9, 24, 25, 36)] == [
        "round-of-16",
        "round-of-16",
        "knockout-play-offs",
        "knockout-play-offs",
        "eliminated",
        "eliminated",
    ]


def test_league_phase_has_no_head_to_head():
    # A beat B, but B's better goal difference puts B first: the meeting itself counts for nothing.
    table = league_phase_table(Result("A", "B", 1, 0), Result("B", "C", 3, 0), Result("C", "A", 1, 0))
    assert order(table) == ["B", "A", "C"]
    assert decided(table)[:2] == ["overall goal difference", "overall goal difference"]


@pytest.mark.parametrize(
    "results, label",
    [
        # A +2, B +1.
        ((Result("A", "C", 2, 0), Result("B", "D", 1, 0)), "overall goal difference"),
        # Both +1; A scored 3, B 1.
        ((Result("A", "C", 3, 2), Result("B", "D", 1, 0)), "overall goals scored"),
        # Both 3-2 winners; A scored its goals away.
        ((Result("C", "A", 2, 3), Result("B", "D", 3, 2)), "overall away goals"),
        # 3 points, 4-4, one away goal each: A won once, B drew three times.
        (
            (
                Result("A", "C", 3, 0),
                Result("D", "A", 2, 1),
                Result("A", "E", 0, 2),
                Result("B", "F", 1, 1),
                Result("G", "B", 1, 1),
                Result("B", "H", 2, 2),
            ),
            "wins",
        ),
        # One win, one defeat, 3-3 and two away goals each: A's win was away, B's at home.
        (
            (
                Result("C", "A", 1, 2),
                Result("A", "D", 1, 2),
                Result("B", "E", 1, 0),
                Result("F", "B", 3, 2),
            ),
            "away wins",
        ),
        # Identical 1-0 home wins; A's opponent C also won elsewhere (3 points), B's D did not.
        ((Result("A", "C", 1, 0), Result("B", "D", 1, 0), Result("C", "X", 1, 0)), "opponents' collective points"),
        # Both opponents won once more; C by three goals, D by one.
        (
            (
                Result("A", "C", 1, 0),
                Result("B", "D", 1, 0),
                Result("C", "X", 3, 0),
                Result("D", "Y", 1, 0),
            ),
            "opponents' collective goal difference",
        ),
        # Both opponents on 3 points and a goal difference of 0; C scored 3, D 1.
        (
            (
                Result("A", "C", 1, 0),
                Result("B", "D", 1, 0),
                Result("C", "X", 3, 2),
                Result("D", "Y", 1, 0),
            ),
            "opponents' collective goals scored",
        ),
    ],
)
def test_league_phase_each_criterion_breaks_a_tie_left_by_the_earlier_ones(results, label):
    for shuffled in (results, results[::-1]):  # the input order must not matter
        table = league_phase_table(*shuffled)
        assert_just_above(table, "A", "B", label)


def test_an_opponent_met_twice_counts_once():
    # A met C twice (a win and a draw), B met D and E once each; otherwise identical records.
    # C has 4 points, D 3, E 4: B's opponents obtained 7 points collectively, A's 4.
    # Counting C once per match would give A 8 and the opposite order.
    results = (
        Result("A", "C", 1, 0),
        Result("C", "A", 0, 0),
        Result("C", "X", 1, 0),
        Result("B", "D", 1, 0),
        Result("E", "B", 0, 0),
        Result("E", "Y", 1, 0),
        Result("D", "Z", 1, 0),
    )
    table = league_phase_table(*results)
    assert (table.row("A").points, table.row("B").points) == (4, 4)
    assert_just_above(table, "B", "A", "opponents' collective points")


def test_opponents_criteria_also_rank_a_subset_of_the_table():
    """rank_teams (used by the scenarios) ranks the teams level on points against everybody's results."""
    results = [Result("A", "C", 1, 0), Result("B", "D", 1, 0), Result("C", "X", 1, 0)]
    order_, separators = rank_teams(["B", "A"], results, get_rule_set(LEAGUE_PHASE))
    assert order_ == ["A", "B"]
    assert separators == ["opponents' collective points"]


LEVEL_ON_RESULTS = (Result("A", "C", 1, 0), Result("B", "D", 1, 0))  # A and B, C and D level on everything


def test_league_phase_disciplinary_points_then_coefficient():
    everyone = dict.fromkeys("ABCD", 2)
    table = league_phase_table(*LEVEL_ON_RESULTS, disciplinary_points={**everyone, "A": 1})
    assert_just_above(table, "A", "B", "disciplinary points")
    table = league_phase_table(
        *LEVEL_ON_RESULTS, disciplinary_points=everyone, coefficients={"A": 10.0, "B": 90.0, "C": 1.0, "D": 2.0}
    )
    assert_just_above(table, "B", "A", "club coefficient")
    assert_just_above(table, "D", "C", "club coefficient")


@pytest.mark.parametrize(
    "data, missing, missing_below",
    [
        ({}, "disciplinary points", "disciplinary points"),
        # B's unknown; C and D are level on theirs and have no coefficients.
        ({"disciplinary_points": {"A": 1, "C": 0, "D": 0}}, "disciplinary points", "club coefficient"),
        ({"disciplinary_points": dict.fromkeys("ABCD", 2)}, "club coefficient", "club coefficient"),
        (
            {"disciplinary_points": dict.fromkeys("ABCD", 2), "coefficients": {"A": 5.0}},
            "club coefficient",
            "club coefficient",
        ),
    ],
)
def test_league_phase_undecided_names_the_criterion_that_lacks_data(data, missing, missing_below):
    for teams in ("ABCD", "BADC"):
        table = compute_table(teams, LEVEL_ON_RESULTS, LEAGUE_PHASE, **data)
        first, second = table.rows[0], table.rows[1]
        assert {first.team, second.team} == {"A", "B"}
        assert first.team == teams[0]  # the caller's order, not a guess
        assert (first.undecided, first.decided_by, first.undecided_at) == (True, None, missing)
        assert first.to_dict()["undecided_at"] == missing
        assert (second.undecided, second.undecided_at) == (False, None)  # decided above C and D on points
        assert (table.rows[2].undecided, table.rows[2].undecided_at) == (True, missing_below)


def test_level_on_every_criterion_is_undecided_without_a_criterion_to_name():
    table = league_phase_table(
        *LEVEL_ON_RESULTS,
        disciplinary_points=dict.fromkeys("ABCD", 2),
        coefficients=dict.fromkeys("ABCD", 7.0),
    )
    assert table.rows[0].undecided
    assert table.rows[0].undecided_at is None
    assert table.rows[0].to_dict()["undecided_at"] is None


# The final 2024-25 league phase table as UEFA published it (sources: docs/standings.md):
# position, team (openfootball's name), points, goal difference, goals scored.
UCL_2024_25_LEAGUE_PHASE = [
    (1, "Liverpool FC (ENG)", 21, 12, 17),
    (2, "FC Barcelona (ESP)", 19, 15, 28),
    (3, "Arsenal FC (ENG)", 19, 13, 16),
    (4, "FC Internazionale Milano (ITA)", 19, 10, 11),
    (5, "Club Atlético de Madrid (ESP)", 18, 8, 20),
    (6, "Bayer 04 Leverkusen (GER)", 16, 8, 15),
    (7, "Lille OSC (FRA)", 16, 7, 17),
    (8, "Aston Villa FC (ENG)", 16, 7, 13),
    (9, "Atalanta BC (ITA)", 15, 14, 20),
    (10, "Borussia Dortmund (GER)", 15, 10, 22),
    (11, "Real Madrid CF (ESP)", 15, 8, 20),
    (12, "FC Bayern München (GER)", 15, 8, 20),
    (13, "AC Milan (ITA)", 15, 3, 14),
    (14, "PSV (NED)", 14, 4, 16),
    (15, "Paris Saint-Germain FC (FRA)", 13, 5, 14),
    (16, "Sport Lisboa e Benfica (POR)", 13, 4, 16),
    (17, "AS Monaco FC (MCO)", 13, 0, 13),
    (18, "Stade Brestois 29 (FRA)", 13, -1, 10),
    (19, "Feyenoord Rotterdam (NED)", 13, -3, 18),
    (20, "Juventus FC (ITA)", 12, 2, 9),
    (21, "Celtic FC (SCO)", 12, -1, 13),
    (22, "Manchester City FC (ENG)", 11, 4, 18),
    (23, "Sporting Clube de Portugal (POR)", 11, 1, 13),
    (24, "Club Brugge KV (BEL)", 11, -4, 7),
    (25, "GNK Dinamo Zagreb (CRO)", 11, -7, 12),
    (26, "VfB Stuttgart (GER)", 10, -4, 13),
    (27, "FK Shakhtar Donetsk (UKR)", 7, -8, 8),
    (28, "Bologna FC 1909 (ITA)", 6, -5, 4),
    (29, "FK Crvena Zvezda (SRB)", 6, -9, 13),
    (30, "SK Sturm Graz (AUT)", 6, -9, 5),
    (31, "AC Sparta Praha (CZE)", 4, -14, 7),
    (32, "RB Leipzig (GER)", 3, -7, 8),
    (33, "Girona FC (ESP)", 3, -8, 5),
    (34, "FC Red Bull Salzburg (AUT)", 3, -22, 5),
    (35, "ŠK Slovan Bratislava (SVK)", 0, -20, 7),
    (36, "BSC Young Boys (SUI)", 0, -21, 3),
]


def ucl_2024_25_league_phase() -> list[dict]:
    return [m for m in load_matches("2024-25-uefa.cl.json") if m["round"].startswith("League, Matchday ")]


def test_ucl_2024_25_league_phase_data_is_eight_matchdays_of_eighteen():
    matches = ucl_2024_25_league_phase()
    assert len(matches) == 144
    assert {m["round"] for m in matches} == {f"League, Matchday {n}" for n in range(1, 9)}
    teams = teams_of(matches)
    assert len(teams) == 36
    for n in range(1, 9):
        matchday = [m for m in matches if m["round"] == f"League, Matchday {n}"]
        assert sorted(t for m in matchday for t in (m["team1"], m["team2"])) == teams
    for team in teams:
        played = [m for m in matches if team in (m["team1"], m["team2"])]
        opponents = [m["team2"] if m["team1"] == team else m["team1"] for m in played]
        assert len(set(opponents)) == 8, f"{team} met an opponent twice"
        assert sum(m["team1"] == team for m in matches) == 4, f"{team} does not have four home matches"


def test_ucl_2024_25_league_phase_final_table_row_by_row():
    matches = ucl_2024_25_league_phase()
    table = compute_table(teams_of(matches), map(to_result, matches), LEAGUE_PHASE)
    assert [
        (row.position, row.team, row.points, row.goal_difference, row.goals_for) for row in table.rows
    ] == UCL_2024_25_LEAGUE_PHASE
    assert {row.played for row in table.rows} == {8}
    assert not any(row.undecided for row in table.rows)
    assert [table.rule_set.zone(row.position).label for row in table.rows] == (
        ["Round of 16"] * 8 + ["Knockout phase play-offs"] * 16 + ["Eliminated"] * 12
    )


@pytest.mark.parametrize(
    "position, label",
    [
        (2, "overall goal difference"),  # Barcelona over Arsenal, both 19 points
        (7, "overall goals scored"),  # Lille over Aston Villa, both 16 points and +7
        (11, "away wins"),  # Real Madrid over Bayern
        (29, "overall goals scored"),  # Crvena Zvezda over Sturm Graz, both 6 points and -9
    ],
)
def test_ucl_2024_25_tie_breaks_name_their_criterion(position, label):
    matches = ucl_2024_25_league_phase()
    table = compute_table(teams_of(matches), map(to_result, matches), LEAGUE_PHASE)
    assert table.rows[position - 1].decided_by == label


def test_ucl_2024_25_real_madrid_above_bayern_on_away_wins():
    matches = ucl_2024_25_league_phase()
    table = compute_table(teams_of(matches), map(to_result, matches), LEAGUE_PHASE)
    real, bayern = table.rows[10], table.rows[11]
    assert (real.team, bayern.team) == ("Real Madrid CF (ESP)", "FC Bayern München (GER)")
    for stat in ("points", "goal_difference", "goals_for", "away_goals", "won"):
        assert getattr(real, stat) == getattr(bayern, stat), stat
    assert (real.away_wins, bayern.away_wins) == (2, 1)
    assert real.decided_by == "away wins"


@pytest.mark.parametrize("rule_set", sorted(RULE_SETS))
def test_a_group_without_teams_yet_has_an_empty_table(rule_set):
    """A group created before its draw (or a group of a tournament whose other groups are being filled)."""
    table = compute_table([], [], rule_set)
    assert table.rows == [] and table.provisional is False
