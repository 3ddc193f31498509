"""Qualification scenarios and what-if, on 2019-20 Group E and on every real group of the corpus."""

import itertools

import pytest

from events.scenarios import (
    CLINCHED,
    DEPENDS,
    IMPOSSIBLE,
    LEAGUE_LINES,
    NEVER,
    OWN_RESULTS,
    SURE,
    UEFA_GROUP_LINES,
    Fixture,
    Line,
    outlook,
    scenarios,
    team_summary,
    what_if,
)
from events.standings import Result, compute_table
from tests.unit.test_standings import all_ucl_groups, teams_of, to_result, ucl_groups

LIVERPOOL, NAPOLI, SALZBURG, GENK = "Liverpool", "Napoli", "Salzburg", "Genk"
TEAMS = [LIVERPOOL, NAPOLI, SALZBURG, GENK]
MATCHDAYS = [
    [Result(NAPOLI, LIVERPOOL, 2, 0), Result(SALZBURG, GENK, 6, 2)],
    [Result(GENK, NAPOLI, 0, 0), Result(LIVERPOOL, SALZBURG, 4, 3)],
    [Result(SALZBURG, NAPOLI, 2, 3), Result(GENK, LIVERPOOL, 1, 4)],
    [Result(LIVERPOOL, GENK, 2, 1), Result(NAPOLI, SALZBURG, 1, 1)],
    [Result(LIVERPOOL, NAPOLI, 1, 1), Result(GENK, SALZBURG, 1, 4)],
    [Result(NAPOLI, GENK, 4, 0), Result(SALZBURG, LIVERPOOL, 0, 2)],
]
AFTER_MD5 = [result for matchday in MATCHDAYS[:5] for result in matchday]
AFTER_MD4 = [result for matchday in MATCHDAYS[:4] for result in matchday]
MD5 = [Fixture(9, LIVERPOOL, NAPOLI), Fixture(10, GENK, SALZBURG)]
MD6 = [Fixture(11, NAPOLI, GENK), Fixture(12, SALZBURG, LIVERPOOL)]


def by_key(found) -> dict:
    return {(s.team, s.line.key): s for s in found}


def test_table_after_matchday_5():
    table = compute_table(TEAMS, AFTER_MD5, "uefa-2019")
    assert [
        (r.team, r.played, r.won, r.drawn, r.lost, r.goals_for, r.goals_against, r.goal_difference, r.points)
        for r in table.rows
    ] == [
        (LIVERPOOL, 5, 3, 1, 1, 11, 8, 3, 10),
        (NAPOLI, 5, 2, 3, 0, 7, 4, 3, 9),
        (SALZBURG, 5, 2, 1, 2, 16, 11, 5, 7),
        (GENK, 5, 0, 1, 4, 5, 16, -11, 1),
    ]


def test_final_table():
    table = compute_table(TEAMS, AFTER_MD5 + MATCHDAYS[5], "uefa-2019")
    assert [(r.team, r.points) for r in table.rows] == [(LIVERPOOL, 13), (NAPOLI, 12), (SALZBURG, 7), (GENK, 1)]


def test_what_if_replaces_the_same_fixture():
    table = what_if(TEAMS, AFTER_MD5, [Result(LIVERPOOL, NAPOLI, 1, 0)], "uefa-2019")
    assert [(r.team, r.points) for r in table.rows] == [(LIVERPOOL, 12), (NAPOLI, 8), (SALZBURG, 7), (GENK, 1)]
    assert all(r.played == 5 for r in table.rows)
    # A fixture not played yet is simply added.
    table = what_if(TEAMS, AFTER_MD5, [Result(SALZBURG, LIVERPOOL, 3, 0, finished=False)], "uefa-2019")
    assert table.provisional
    assert table.row(SALZBURG).points == 10


def test_liverpool_would_have_clinched_first_by_beating_napoli():
    results = [*AFTER_MD4, Result(LIVERPOOL, NAPOLI, 1, 0), Result(GENK, SALZBURG, 1, 4)]
    found = by_key(scenarios(TEAMS, results, MD6, "uefa-2019"))
    assert found[LIVERPOOL, "group-winner"].status == CLINCHED
    assert found[LIVERPOOL, "group-winner"].summary == "Liverpool are sure to finish first."


@pytest.fixture(scope="module")
def after_md5():
    return by_key(scenarios(TEAMS, AFTER_MD5, MD6, "uefa-2019"))


def test_liverpool_can_still_miss_the_knockout_phase_by_losing_at_salzburg(after_md5):
    top_two = after_md5[LIVERPOOL, "round-of-16"]
    assert top_two.status == DEPENDS
    assert top_two.summary.startswith("Liverpool finish in the top two with a win or a draw at Salzburg")
    certain, maybe = top_two.conditions[0], top_two.conditions[-1]
    assert [(r.fixture.match_id, r.outcomes) for r in certain.requirements] == [(12, ("draw", "away"))]
    assert not certain.goal_dependent
    # Losing at Salzburg while Napoli beat Genk leaves Liverpool and Salzburg on 10 points for
    # second place, and then the score at Salzburg decides (head-to-head: Liverpool won 4-3).
    assert maybe.goal_dependent
    assert "with a defeat at Salzburg if Napoli beat Genk" in maybe.text
    assert [(e["qualifies"], e["text"]) for e in maybe.examples] == [
        (True, "Salzburg 5-4 Liverpool"),
        (False, "Salzburg 1-0 Liverpool"),
    ]


def test_napoli_need_a_result_at_home_to_genk(after_md5):
    top_two = after_md5[NAPOLI, "round-of-16"]
    assert top_two.status == DEPENDS
    assert top_two.summary == (
        "Napoli finish in the top two if Salzburg do not beat Liverpool, "
        "or with a win or a draw at home to Genk if Salzburg beat Liverpool."
    )
    assert any(r.fixture.match_id == 11 for c in top_two.conditions for r in c.requirements)


def test_genk_are_out_of_everything(after_md5):
    for line in ("group-winner", "round-of-16", "europa-league"):
        assert after_md5[GENK, line].status == IMPOSSIBLE
    assert after_md5[GENK, "europa-league"].summary == "Genk can no longer finish third."


def test_scenario_to_dict(after_md5):
    data = after_md5[NAPOLI, "round-of-16"].to_dict()
    assert set(data) == {"team", "line", "line_label", "status", "summary", "conditions", "exhaustive"}
    assert data["line_label"] == "round of 16"
    assert data["exhaustive"] is True
    condition = data["conditions"][0]
    assert condition["requirements"] == [
        {
            "match_id": 12,
            "home": SALZBURG,
            "away": LIVERPOOL,
            "outcomes": ["draw", "away"],
            "text": "Salzburg do not beat Liverpool",
        }
    ]
    assert condition["goal_dependent"] is False


def test_names_are_used_in_the_text():
    ids = {LIVERPOOL: 1, NAPOLI: 2, SALZBURG: 3, GENK: 4}
    results = [Result(ids[r.home], ids[r.away], r.home_goals, r.away_goals) for r in AFTER_MD5]
    fixtures = [Fixture(f.match_id, ids[f.home], ids[f.away]) for f in MD6]
    names = {number: name for name, number in ids.items()}
    found = by_key(scenarios(ids.values(), results, fixtures, "uefa-2019", names=names))
    assert found[2, "round-of-16"].summary.startswith("Napoli finish in the top two if Salzburg do not beat")


def test_live_fixture_only_allows_scores_at_or_above_the_current_one():
    # Salzburg 0-2 Liverpool in progress: Salzburg can still win, but no longer 1-0.
    live = [*AFTER_MD5, Result(SALZBURG, LIVERPOOL, 0, 2, finished=False)]
    found = by_key(scenarios(TEAMS, live, MD6, "uefa-2019"))
    maybe = found[LIVERPOOL, "round-of-16"].conditions[-1]
    assert maybe.goal_dependent
    assert [(e["qualifies"], e["text"]) for e in maybe.examples] == [
        (True, "Salzburg 5-4 Liverpool"),
        (False, "Salzburg 3-2 Liverpool"),  # 6-6 on head-to-head goals, Salzburg 3 away goals to 2
    ]


def test_remaining_fixture_with_a_final_result_is_refused():
    with pytest.raises(ValueError, match="remaining but has a final result"):
        scenarios(TEAMS, AFTER_MD5 + MATCHDAYS[5], MD6, "uefa-2019")


def test_too_many_fixtures_are_refused():
    with pytest.raises(ValueError, match="max_fixtures"):
        scenarios(TEAMS, [], MD5 + MD6, "uefa-2019", max_fixtures=3)


def test_two_matchdays_left():
    found = by_key(scenarios(TEAMS, AFTER_MD4, MD5 + MD6, "uefa-2019"))
    assert found[LIVERPOOL, "group-winner"].summary.startswith("Liverpool finish first with a win at home to Napoli")
    assert found[GENK, "round-of-16"].status == IMPOSSIBLE
    assert found[GENK, "europa-league"].status == DEPENDS
    assert all(s.exhaustive for s in found.values())


def test_league_default_line_is_first_place():
    teams = ["A", "B", "C"]
    results = [Result("A", "B", 1, 0), Result("B", "C", 1, 0)]
    found = scenarios(teams, results, [Fixture(1, "C", "A")], "league")
    assert [s.line for s in found] == list(LEAGUE_LINES) * 3
    status = {s.team: s.status for s in found}
    # A win or a draw keeps A top; C can only tie A on 3 points and needs goal difference.
    assert status == {"A": DEPENDS, "B": DEPENDS, "C": DEPENDS}
    assert by_key(found)["A", "first"].summary.startswith("A finish first with a win or a draw at C")


def test_custom_lines():
    relegation = Line("bottom", "relegation", 4, 4, "bottom")
    found = by_key(scenarios(TEAMS, AFTER_MD5, MD6, "uefa-2019", lines=[relegation]))
    assert found[GENK, "bottom"].status == CLINCHED
    assert found[LIVERPOOL, "bottom"].status == IMPOSSIBLE


# --- agreement with brute force and with reality ------------------------------------------------


def brute_force_statuses(teams, results, fixtures, max_goals) -> dict:
    """(team, line key) -> status, from every scoreline with at most ``max_goals`` a side."""
    sides = {(team, line.key): set() for team in teams for line in UEFA_GROUP_LINES}
    scores = list(itertools.product(range(max_goals + 1), repeat=2))
    for combo in itertools.product(scores, repeat=len(fixtures)):
        played = results + [Result(f.home, f.away, *s) for f, s in zip(fixtures, combo, strict=True)]
        table = compute_table(teams, played, "uefa-2019")
        for team in teams:
            for line in UEFA_GROUP_LINES:
                sides[team, line.key].add(line.side(table.positions(team)))
    return {key: CLINCHED if s == {True} else IMPOSSIBLE if s == {False} else DEPENDS for key, s in sides.items()}


@pytest.mark.parametrize(
    "season, group, max_goals",
    [
        ("2019-20", "Group E", 6),
        # Lyon needed to win in Zagreb by seven more than Ajax won in Madrid: they won 7-1.
        ("2011-12", "Group D", 8),
    ],
)
def test_agrees_with_brute_force_over_every_scoreline(season, group, max_goals):
    matches = ucl_groups(season)[group]
    teams = teams_of(matches)
    results = [to_result(m) for m in matches[:10]]
    fixtures = [Fixture(i, m["team1"], m["team2"]) for i, m in enumerate(matches[10:])]
    expected = brute_force_statuses(teams, results, fixtures, max_goals)
    found = {key: scenario.status for key, scenario in by_key(scenarios(teams, results, fixtures, "uefa-2019")).items()}
    assert found == expected


def test_lyon_needed_a_seven_goal_swing():
    matches = ucl_groups("2011-12")["Group D"]
    results = [to_result(m) for m in matches[:10]]
    fixtures = [Fixture(i, m["team1"], m["team2"]) for i, m in enumerate(matches[10:])]
    lyon = by_key(scenarios(teams_of(matches), results, fixtures, "uefa-2019"))[
        "Olympique Lyonnais (FRA)", "round-of-16"
    ]
    assert lyon.status == DEPENDS
    assert all(c.goal_dependent for c in lyon.conditions)


@pytest.mark.parametrize("matchdays_left", [1, 2])
def test_no_verdict_contradicts_how_each_real_group_ended(matchdays_left):
    """Clinched lines were reached and impossible ones missed, in every group of nine seasons."""
    checked = 0
    for season, group in all_ucl_groups():
        matches = ucl_groups(season)[group]
        teams = teams_of(matches)
        cut = 12 - 2 * matchdays_left
        results = [to_result(m) for m in matches[:cut]]
        fixtures = [Fixture(i, m["team1"], m["team2"]) for i, m in enumerate(matches[cut:])]
        final = compute_table(teams, map(to_result, matches), "uefa-2019")
        for scenario in scenarios(teams, results, fixtures, "uefa-2019"):
            reached = scenario.line.side(final.positions(scenario.team))
            if scenario.status == CLINCHED:
                assert reached, (season, group, scenario.summary)
            elif scenario.status == IMPOSSIBLE:
                assert reached is False, (season, group, scenario.summary)
            checked += 1
    assert checked == 72 * 4 * len(UEFA_GROUP_LINES)


# --- what each team needs, in short -----------------------------------------------------------------


def summaries(found) -> dict:
    teams = dict.fromkeys(s.team for s in found)
    return {team: [s.text for s in team_summary([s for s in found if s.team == team])] for team in teams}


def test_summary_of_each_team_before_the_last_matchday_of_group_e():
    found = summaries(scenarios(TEAMS, AFTER_MD5, MD6, "uefa-2019"))
    assert found == {
        LIVERPOOL: [
            "Through if they win or draw; if they lose, it depends on other results and the scores.",
            "Top of the group if they win; if they draw or lose, it depends on other results and the scores.",
            "Europa League only if they lose, and then it depends on other results and the scores.",
        ],
        NAPOLI: [
            "Through if they win or draw; if they lose, it depends on other results.",
            "Top of the group only if they win or draw, and then it depends on other results.",
            "Europa League only if they lose, and then it depends on other results.",
        ],
        SALZBURG: [
            "Through only if they win, and then it depends on other results and the scores.",
            "Top of the group only if they win, and then it depends on other results and the scores.",
            "Europa League if they draw or lose; if they win, it depends on other results and the scores.",
        ],
        GENK: ["Out: cannot finish in the top three."],
    }


def test_summary_sentences_name_their_line():
    found = scenarios(TEAMS, AFTER_MD5, MD6, "uefa-2019")
    liverpool = team_summary([s for s in found if s.team == LIVERPOOL])
    assert [s.line for s in liverpool] == ["round-of-16", "group-winner", "europa-league"]
    assert team_summary([s for s in found if s.team == GENK])[0].to_dict() == {
        "line": "out", "text": "Out: cannot finish in the top three."}


def test_summary_says_a_clinched_place_once():
    results = [*AFTER_MD4, Result(LIVERPOOL, NAPOLI, 1, 0), Result(GENK, SALZBURG, 1, 4)]
    found = summaries(scenarios(TEAMS, results, MD6, "uefa-2019"))
    # Top of the group says they are through: no second sentence for it, and none for the Europa League.
    assert found[LIVERPOOL] == ["Top of the group, whatever happens."]


def test_summary_of_a_team_whose_own_result_does_not_matter_names_the_other_match():
    teams = ["A", "B", "C", "D"]
    results = [Result("A", "B", 2, 0), Result("A", "D", 2, 0), Result("C", "B", 1, 0), Result("C", "A", 0, 0),
               Result("B", "D", 0, 0)]
    found = summaries(scenarios(teams, results, [Fixture(1, "C", "D")], "league"))
    # A win for C leaves them level with A on points: goal difference, goals and then nothing can decide.
    assert found["A"] == [
        "First place if C do not beat D; otherwise it depends on the scores and tie-breakers the results cannot settle."
    ]
    assert found["C"] == [
        "First place only if they win, and then it depends on the scores and tie-breakers the results cannot settle."
    ]
    assert found["B"] == ["Out: cannot finish first."]


def test_summary_with_two_matchdays_left_counts_points():
    found = summaries(scenarios(TEAMS, AFTER_MD4, MD5 + MD6, "uefa-2019"))
    assert found[NAPOLI][0] == (
        "Through if they take at least 2 points; if they take at most 1 point, it depends on other results."
    )
    assert found[SALZBURG][0] == "Through only if they win both, and then it depends on other results and the scores."
    # Liverpool's chances turn on which of their two games they win, not only on their points.
    assert found[LIVERPOOL][0] == "Through possible, depending on the results and the scores."


def test_summary_takes_one_team_at_a_time():
    with pytest.raises(ValueError, match="one team"):
        team_summary(scenarios(TEAMS, AFTER_MD5, MD6, "uefa-2019"))


@pytest.mark.parametrize("season, group, max_goals", [("2019-20", "Group E", 5), ("2011-12", "Group D", 8)])
def test_outlook_by_own_result_agrees_with_every_scoreline(season, group, max_goals):
    """SURE: every scoreline with that result of the team's own match puts it in; NEVER: none does."""
    matches = ucl_groups(season)[group]
    teams = teams_of(matches)
    results = [to_result(m) for m in matches[:10]]
    fixtures = [Fixture(i, m["team1"], m["team2"]) for i, m in enumerate(matches[10:])]
    sides: dict[tuple, set] = {}
    scores = list(itertools.product(range(max_goals + 1), repeat=2))
    for combo in itertools.product(scores, repeat=len(fixtures)):
        played = results + [Result(f.home, f.away, *s) for f, s in zip(fixtures, combo, strict=True)]
        table = compute_table(teams, played, "uefa-2019")
        for team in teams:
            fixture, (home, away) = next(
                (f, s) for f, s in zip(fixtures, combo, strict=True) if team in (f.home, f.away))
            own = "draw" if home == away else "win" if (home > away) == (team == fixture.home) else "defeat"
            for line in UEFA_GROUP_LINES:
                sides.setdefault((team, line.key, own), set()).add(line.side(table.positions(team)))
    checked = 0
    for scenario in scenarios(teams, results, fixtures, "uefa-2019"):
        if scenario.status != DEPENDS:
            continue
        view = outlook(scenario)
        for own in OWN_RESULTS:
            verdict = view.verdicts.get((own,)) if view.own else view.verdicts[()]
            seen = sides[scenario.team, scenario.line.key, own]
            expected = SURE if seen == {True} else NEVER if seen == {False} else DEPENDS
            if view.own or verdict != DEPENDS:
                # Without an own fixture that matters, a sure or never verdict holds for each own result.
                assert verdict == expected, (scenario.team, scenario.line.key, own)
            checked += 1
    assert checked
