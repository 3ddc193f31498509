"""League-phase verdicts: proved against exhaustive enumeration on small leagues, and against
what really happened on matchday 8 of the 2024-25 Champions League."""

import itertools
import json
import random

import pytest

from events.league_scenarios import (
    CERTAIN,
    DEPENDS,
    IMPOSSIBLE,
    UNDECIDED,
    league_lines,
    league_scenarios,
)
from events.scenarios import Fixture, Line
from events.standings import Result, compute_table, get_rule_set
from tests.unit.test_standings import load_matches, teams_of, to_result

LEAGUE_PHASE = "uefa-league-phase-2024"
FIRST = Line("first", "first place", 1, 1, "first")
TOP_TWO = Line("top-two", "top two", 1, 2, "in the top two")
TOP_FOUR = Line("top-four", "top four", 1, 4, "in the top four")

# Per outcome class, scores that move every goal tie-breaker both ways: one-goal and wide
# margins, with and without goals for the loser, goalless and scoring draws.
REPRESENTATIVES = {
    "home": [(1, 0), (2, 1), (4, 0)],
    "draw": [(0, 0), (2, 2)],
    "away": [(0, 1), (1, 2), (0, 4)],
}


def outcome_of(home_goals: int, away_goals: int) -> str:
    return "home" if home_goals > away_goals else "away" if away_goals > home_goals else "draw"


def enumerate_positions(teams, results, remaining, rules):
    """Every combination of representative scores: (own outcomes per team, each team's position range)."""
    options = [[score for scores in REPRESENTATIVES.values() for score in scores]] * len(remaining)
    for scores in itertools.product(*options):
        played = [Result(f.home, f.away, *score) for f, score in zip(remaining, scores, strict=True)]
        table = compute_table(teams, results + played, rules)
        outcomes = {f: outcome_of(*score) for f, score in zip(remaining, scores, strict=True)}
        yield outcomes, {team: table.positions(team) for team in teams}


def assert_example_holds(teams, results, remaining, rules, line, team, example):
    by_id = {f.match_id: f for f in remaining}
    played = [
        Result(by_id[r["match_id"]].home, by_id[r["match_id"]].away, r["home_goals"], r["away_goals"])
        for r in example["results"]
    ]
    assert sorted(r["match_id"] for r in example["results"]) == sorted(by_id)
    positions = compute_table(teams, results + played, rules).positions(team)
    assert line.side(positions) is example["inside"], (team, line.key, example)


def assert_never_wrong(teams, results, remaining, rules, lines, **options):
    """Every certain/impossible verdict (overall and per own outcome) and every position bound holds
    in every enumerated table; every example is a real table on the side it claims."""
    found = league_scenarios(teams, results, remaining, rules, lines=lines, **options)
    tables = list(enumerate_positions(teams, results, remaining, rules))
    for scenario in found:
        team, line = scenario.team, scenario.line
        own = [f for f in remaining if team in (f.home, f.away)]
        for verdict in scenario.by_outcome:
            wanted = dict(zip(own, verdict.outcomes, strict=True))
            matching = [
                positions[team] for outcomes, positions in tables if all(outcomes[f] == o for f, o in wanted.items())
            ]
            assert matching
            for positions in matching:
                assert verdict.best_position <= positions.start
                assert positions.stop - 1 <= verdict.worst_position
                if verdict.status == CERTAIN:
                    assert line.side(positions) is True, (team, line.key, verdict.text, positions)
                if verdict.status == IMPOSSIBLE:
                    assert line.side(positions) is False, (team, line.key, verdict.text, positions)
            for example in verdict.examples:
                assert_example_holds(teams, results, remaining, rules, line, team, example)
        sides = {line.side(positions[team]) for _, positions in tables}
        if scenario.status == CERTAIN:
            assert sides == {True}
        if scenario.status == IMPOSSIBLE:
            assert sides == {False}
        if scenario.status == DEPENDS:
            shown = {e["inside"] for v in scenario.by_outcome for e in v.examples}
            shown |= {True for v in scenario.by_outcome if v.status == CERTAIN}
            shown |= {False for v in scenario.by_outcome if v.status == IMPOSSIBLE}
            assert shown == {True, False}
    return found


def random_league(seed: int, n_teams: int, n_played: int, n_remaining: int):
    rng = random.Random(seed)
    teams = [f"T{i}" for i in range(n_teams)]
    pairs = list(itertools.permutations(teams, 2))
    rng.shuffle(pairs)
    met: set[frozenset] = set()
    chosen = []
    for home, away in pairs:
        if frozenset((home, away)) not in met:
            met.add(frozenset((home, away)))
            chosen.append((home, away))
    # Low scores and many draws keep teams level on points, where the tie-breakers matter.
    results = [Result(h, a, rng.choice([0, 0, 1, 1, 2, 3]), rng.choice([0, 0, 1, 1, 2])) for h, a in chosen[:n_played]]
    remaining = [Fixture(i, h, a) for i, (h, a) in enumerate(chosen[n_played : n_played + n_remaining])]
    return teams, results, remaining


@pytest.mark.parametrize("seed", range(30))
def test_verdicts_hold_in_every_enumerated_table_of_small_leagues(seed):
    n_teams = 6 + seed % 3
    n_remaining = 2 + seed % 3
    teams, results, remaining = random_league(seed, n_teams, n_played=2 * n_teams, n_remaining=n_remaining)
    found = assert_never_wrong(teams, results, remaining, LEAGUE_PHASE, (FIRST, TOP_TWO, TOP_FOUR))
    assert len(found) == 3 * n_teams


def test_small_leagues_mostly_get_a_proved_verdict():
    """Conservative on ties, but not useless: across many small leagues nearly every verdict is proved."""
    counts = dict.fromkeys((CERTAIN, IMPOSSIBLE, DEPENDS, UNDECIDED), 0)
    for seed in range(100, 130):
        teams, results, remaining = random_league(seed, 8, n_played=14, n_remaining=4)
        for scenario in league_scenarios(teams, results, remaining, LEAGUE_PHASE, lines=(FIRST, TOP_TWO, TOP_FOUR)):
            counts[scenario.status] += 1
    assert counts[CERTAIN] > 0 and counts[IMPOSSIBLE] > 0 and counts[DEPENDS] > 0
    assert counts[UNDECIDED] <= 0.05 * sum(counts.values()), counts


def test_budget_exceeded_falls_back_to_points_and_stays_right():
    teams, results, remaining = random_league(7, 7, n_played=10, n_remaining=4)
    # Chain the remaining fixtures through shared teams so that they form one component.
    remaining = [Fixture(0, "T1", "T2"), Fixture(1, "T2", "T3"), Fixture(2, "T3", "T4"), Fixture(3, "T4", "T5")]
    results = [r for r in results if (r.home, r.away) not in {(f.home, f.away) for f in remaining}]
    found = assert_never_wrong(teams, results, remaining, LEAGUE_PHASE, (FIRST, TOP_TWO, TOP_FOUR), budget=3)
    assert not all(s.exhaustive for s in found)
    assert {s.exhaustive for s in found if s.team == "T0"} == {False}


# --- tie-breakers, constructed ---------------------------------------------------------------------


def test_a_draw_between_level_teams_cannot_change_their_goal_difference():
    # A and B on 3 points, A with the far better goal difference, meet on the last day. A win or a
    # draw keeps A first whatever the score (the draw moves neither goal difference), a defeat not.
    teams = ["A", "B", "C", "D"]
    results = [Result("A", "C", 5, 0), Result("B", "D", 1, 0), Result("C", "D", 0, 0)]
    remaining = [Fixture(1, "A", "B")]
    found = {s.team: s for s in assert_never_wrong(teams, results, remaining, LEAGUE_PHASE, (FIRST,))}
    by_outcome = {v.outcomes: v.status for v in found["A"].by_outcome}
    assert by_outcome == {("home",): CERTAIN, ("draw",): CERTAIN, ("away",): IMPOSSIBLE}
    assert found["A"].status == DEPENDS
    assert found["A"].summary == "A: first with a win or a draw at home to B; not with a defeat at home to B."


def test_a_defeat_can_lose_any_goal_difference_lead():
    # A leads C by ten goals on goal difference; if both end on 3 points after A loses and C draws
    # nothing stops A losing by eleven, so A is not sure of first place.
    teams = ["A", "B", "C", "D", "E"]
    results = [Result("A", "D", 10, 0), Result("C", "E", 1, 0), Result("B", "E", 0, 1)]
    remaining = [Fixture(1, "B", "A"), Fixture(2, "C", "D")]
    found = {(s.team, s.line.key): s for s in assert_never_wrong(teams, results, remaining, LEAGUE_PHASE, (FIRST,))}
    defeat = next(v for v in found["A", "first"].by_outcome if v.outcomes == ("home",))
    assert defeat.status != CERTAIN
    draw = next(v for v in found["A", "first"].by_outcome if v.outcomes == ("draw",))
    assert draw.status == DEPENDS
    assert {e["inside"] for e in draw.examples} == {True, False}


def test_opponents_criteria_are_not_used_to_claim_a_verdict():
    # A, B and F have finished level on everything up to away wins; only the opponents' points
    # (criterion f) put A first. That is not proved by the bounds: "not decided yet", never a claim.
    teams = ["A", "B", "C", "D", "E", "F"]
    results = [Result("A", "C", 1, 0), Result("B", "D", 1, 0), Result("C", "E", 0, 0), Result("F", "D", 1, 0)]
    table = compute_table(teams, results, LEAGUE_PHASE)
    assert table.rows[0].team == "A"
    assert table.rows[0].decided_by == "opponents' collective points"
    found = {s.team: s for s in assert_never_wrong(teams, results, [], LEAGUE_PHASE, (FIRST,))}
    assert found["A"].status == UNDECIDED
    assert found["A"].summary == "A: first or not is not decided yet."
    assert found["B"].status == UNDECIDED
    assert found["C"].status == IMPOSSIBLE


def test_finished_teams_without_a_remaining_fixture_get_one_verdict():
    teams = ["A", "B", "C", "D"]
    # A is out of reach on six points; D cannot play again and C, B can reach four and three.
    results = [Result("A", "B", 3, 0), Result("A", "D", 2, 0), Result("C", "D", 1, 1)]
    remaining = [Fixture(1, "C", "B")]
    found = {s.team: s for s in assert_never_wrong(teams, results, remaining, LEAGUE_PHASE, (FIRST,))}
    assert found["A"].status == CERTAIN
    assert [v.text for v in found["A"].by_outcome] == ["as things stand"]
    assert found["D"].status == IMPOSSIBLE


# --- input ----------------------------------------------------------------------------------------


def test_a_remaining_fixture_with_a_result_is_refused():
    with pytest.raises(ValueError, match="listed as remaining"):
        league_scenarios(["A", "B"], [Result("A", "B", 1, 0)], [Fixture(1, "A", "B")], LEAGUE_PHASE)


def test_a_match_in_progress_is_refused_as_a_result():
    with pytest.raises(ValueError, match="not finished"):
        league_scenarios(["A", "B", "C"], [Result("A", "B", 1, 0, finished=False)], [], LEAGUE_PHASE)


def test_a_fixture_with_an_unknown_team_is_refused():
    with pytest.raises(ValueError, match="not in the table"):
        league_scenarios(["A", "B"], [], [Fixture(1, "A", "Z")], LEAGUE_PHASE)


def test_lines_must_start_at_the_top():
    with pytest.raises(ValueError, match="top-N"):
        league_scenarios(["A", "B"], [], [], LEAGUE_PHASE, lines=(Line("third", "third", 3, 3, "third"),))


def test_league_phase_lines_are_the_top_8_and_the_top_24():
    lines = league_lines(get_rule_set(LEAGUE_PHASE))
    assert [(line.key, line.best, line.worst) for line in lines] == [
        ("round-of-16", 1, 8),
        ("knockout-play-offs", 1, 24),
    ]


# --- the real 2024-25 league phase before matchday 8 --------------------------------------------------


def before_matchday_8():
    matches = [m for m in load_matches("2024-25-uefa.cl.json") if m["round"].startswith("League, Matchday ")]
    teams = teams_of(matches)
    played = [to_result(m) for m in matches if m["round"] != "League, Matchday 8"]
    last = [m for m in matches if m["round"] == "League, Matchday 8"]
    remaining = [Fixture(i, m["team1"], m["team2"]) for i, m in enumerate(last)]
    final = compute_table(teams, [to_result(m) for m in matches], LEAGUE_PHASE)
    actual = {Fixture(i, m["team1"], m["team2"]): outcome_of(*m["score"]["ft"]) for i, m in enumerate(last)}
    return teams, played, remaining, final, actual


@pytest.fixture(scope="module")
def matchday_8():
    teams, played, remaining, final, actual = before_matchday_8()
    found = league_scenarios(teams, played, remaining, LEAGUE_PHASE)
    return found, final, remaining, actual, teams, played


def test_matchday_8_verdicts_match_what_happened(matchday_8):
    found, final, remaining, actual, *_ = matchday_8
    assert len(found) == 72
    for scenario in found:
        position = final.row(scenario.team).position
        inside = position <= scenario.line.worst
        assert scenario.best_position <= position <= scenario.worst_position
        if scenario.status == CERTAIN:
            assert inside, scenario.summary
        if scenario.status == IMPOSSIBLE:
            assert not inside, scenario.summary
        own = next(f for f in remaining if scenario.team in (f.home, f.away))
        verdict = next(v for v in scenario.by_outcome if v.outcomes == (actual[own],))
        assert verdict.best_position <= position <= verdict.worst_position
        if verdict.status == CERTAIN:
            assert inside, (scenario.team, verdict.text)
        if verdict.status == IMPOSSIBLE:
            assert not inside, (scenario.team, verdict.text)
        final_points = {row.team: row.points for row in final.rows}
        if verdict.sure_if is not None:
            allowed, rivals, points = verdict.sure_if
            if sum(final_points[t] >= points for t in rivals) <= allowed:
                assert inside, (scenario.team, verdict.text)
        if verdict.out_if is not None:
            needed, rivals, points = verdict.out_if
            if sum(final_points[t] > points for t in rivals) >= needed:
                assert not inside, (scenario.team, verdict.text)


def test_matchday_8_examples_are_real_tables(matchday_8):
    found, _, remaining, _, teams, played = matchday_8
    for scenario in found:
        for verdict in scenario.by_outcome:
            for example in verdict.examples:
                assert_example_holds(teams, played, remaining, LEAGUE_PHASE, scenario.line, scenario.team, example)


def test_matchday_8_counts_match_what_was_reported_before_it(matchday_8):
    # Reported before matchday 8 (docs/standings.md): Liverpool and Barcelona sure of the top 8;
    # sixteen more sure of the top 24; nine out; nine still playing for the top 24.
    found, *_ = matchday_8
    status = {(s.team, s.line.key): s.status for s in found}
    top_8 = {team for (team, line), found_status in status.items() if line == "round-of-16" and found_status == CERTAIN}
    assert top_8 == {"Liverpool FC (ENG)", "FC Barcelona (ESP)"}
    top_24 = {team for (team, line), s in status.items() if line == "knockout-play-offs" and s == CERTAIN}
    assert len(top_24) == 18 and top_24 > top_8
    assert {"Arsenal FC (ENG)", "FC Internazionale Milano (ITA)", "Celtic FC (SCO)", "Juventus FC (ITA)"} <= top_24
    out = {team for (team, line), s in status.items() if line == "knockout-play-offs" and s == IMPOSSIBLE}
    assert out == {
        "Bologna FC 1909 (ITA)",
        "AC Sparta Praha (CZE)",
        "RB Leipzig (GER)",
        "Girona FC (ESP)",
        "FK Crvena Zvezda (SRB)",
        "SK Sturm Graz (AUT)",
        "FC Red Bull Salzburg (AUT)",
        "ŠK Slovan Bratislava (SVK)",
        "BSC Young Boys (SUI)",
    }
    open_24 = {team for (team, line), s in status.items() if line == "knockout-play-offs" and s == DEPENDS}
    assert open_24 == {
        "PSV (NED)",
        "Club Brugge KV (BEL)",
        "Sport Lisboa e Benfica (POR)",
        "Paris Saint-Germain FC (FRA)",
        "Sporting Clube de Portugal (POR)",
        "VfB Stuttgart (GER)",
        "Manchester City FC (ENG)",
        "GNK Dinamo Zagreb (CRO)",
        "FK Shakhtar Donetsk (UKR)",
    }
    assert UNDECIDED not in status.values()


def test_manchester_city_needed_to_beat_club_brugge(matchday_8):
    found, *_ = matchday_8
    city = next(s for s in found if s.team == "Manchester City FC (ENG)" and s.line.key == "knockout-play-offs")
    assert city.summary == (
        "Manchester City FC (ENG): in the top 24 with a win at home to Club Brugge KV (BEL); "
        "not with a draw or a defeat at home to Club Brugge KV (BEL)."
    )
    json.dumps(city.to_dict())
