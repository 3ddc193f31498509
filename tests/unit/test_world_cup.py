"""The 2026 knockout path and Annex C as data, the bracket as the group tables stand, and the race of the
third-placed teams: on the data files, on data/openfootball-worldcup/2026-worldcup.json, and against
every score on small constructed groups."""

import itertools
import json
import random
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest
from django.utils import translation

from events import world_cup
from events.scenarios import Fixture
from events.standings import Result, RuleSet, ThirdPlaceRanking, compute_table, get_rule_set, rank_third_placed
from events.world_cup import (
    AS_IT_STANDS,
    CERTAIN,
    CONFIRMED,
    DEPENDS,
    OPEN,
    OUT,
    UNDECIDED,
    GroupState,
    PlayedMatch,
    Source,
    load_annex_c,
    load_bracket,
    project,
    third_place_race,
    world_cup_2026,
)

ROOT = Path(__file__).resolve().parent.parent.parent
WORLD_CUP_2026 = ROOT / "data" / "openfootball-worldcup" / "2026-worldcup.json"
WINNERS = ("A", "B", "D", "E", "G", "I", "K", "L")


# --- the data -------------------------------------------------------------------------------------


def third_slots() -> dict[str, tuple[str, ...]]:
    """Each winner that meets a third -> the groups that third may come from, as the schedule says."""
    slots = {}
    for match in load_bracket():
        if match.away.kind == world_cup.THIRD:
            assert match.home.kind == world_cup.WINNER, match
            slots[match.home.groups[0]] = match.away.groups
    return slots


def test_annex_c_has_a_row_for_each_of_the_495_sets_of_eight_groups():
    rows = load_annex_c()
    assert len(rows) == 495
    assert [row.option for row in rows] == list(range(1, 496))
    every_set = {frozenset(groups) for groups in itertools.combinations("ABCDEFGHIJKL", 8)}
    assert {row.qualifying for row in rows} == every_set


def test_every_annex_c_row_places_its_eight_thirds_one_each_where_the_schedule_allows():
    slots = third_slots()
    assert sorted(slots) == list(WINNERS)
    for row in load_annex_c():
        placed = list(row.opponents.values())
        assert sorted(placed) == sorted(row.qualifying), row  # a complete assignment, no third twice
        for winner, third in row.opponents.items():
            assert third in slots[winner], (row.option, winner, third)


def test_no_tie_of_the_round_of_32_pairs_two_teams_of_one_group():
    for row in load_annex_c():
        assert all(winner != third for winner, third in row.opponents.items()), row.option
    for match in load_bracket():
        if match.round == "Round of 32" and world_cup.THIRD not in (match.home.kind, match.away.kind):
            assert set(match.home.groups).isdisjoint(match.away.groups), match


def test_the_knockout_path_runs_from_match_73_to_the_final():
    matches = load_bracket()
    assert [m.number for m in matches] == list(range(73, 105))
    by_round = defaultdict(list)
    for match in matches:
        by_round[match.round].append(match.number)
    assert {name: len(numbers) for name, numbers in by_round.items()} == {
        "Round of 32": 16, "Round of 16": 8, "Quarter-finals": 4, "Semi-finals": 2, "Match for third place": 1,
        "Final": 1}
    round_of_32 = [side.code for m in matches if m.round == "Round of 32" for side in (m.home, m.away)]
    assert sorted(c for c in round_of_32 if c[0] in "12") == sorted(f"{p}{g}" for p in "12" for g in "ABCDEFGHIJKL")
    final, third_place = matches[-1], matches[-2]
    assert (final.home.code, final.away.code) == ("W101", "W102")
    assert (third_place.home.code, third_place.away.code) == ("L101", "L102")


def test_sources_say_where_a_side_comes_from():
    assert Source.parse("1E").label == "Winner Group E"
    assert Source.parse("2A").label == "Runner-up Group A"
    assert Source.parse("3ABCDF").label == "3rd Group A/B/C/D/F"
    assert Source.parse("W74").label == "Winner match 74"
    assert Source.parse("L101").label == "Loser match 101"
    for bad in ("4A", "1M", "3BA", "3AAB", "X74", "W", ""):
        with pytest.raises(ValueError):
            Source.parse(bad)


def test_sources_are_said_in_the_readers_language_and_keep_their_code():
    with translation.override("it"):
        assert Source.parse("1E").label == "Vincente girone E"
        assert Source.parse("3ABCDF").label == "Terza girone A/B/C/D/F"
    with translation.override("de"):
        assert Source.parse("2A").label == "Zweiter Gruppe A"
        assert Source.parse("L101").label == "Verlierer Spiel 101"
    assert Source.parse("2A").code == "2A"


def test_a_malformed_data_file_is_refused_naming_its_line(tmp_path):
    bracket = tmp_path / "bracket.csv"
    bracket.write_text("match,round,home,away\n73,Round of 32,2A,2B\n74,Round of 16,W99,1E\n")
    with pytest.raises(ValueError, match="line 3: W99 names no earlier match"):
        load_bracket(bracket)
    annex = tmp_path / "annex.csv"
    annex.write_text("option,qualifying,1A,1B,1D,1E,1G,1I,1K,1L\n1,EFGHIJKL,E,J,I,F,H,G,L,7\n")
    with pytest.raises(ValueError, match="line 2"):
        load_annex_c(annex)


# --- the 2026 file --------------------------------------------------------------------------------


@cache
def matches_2026() -> list[dict]:
    return json.loads(WORLD_CUP_2026.read_text(encoding="utf-8"))["matches"]


def group_matches_2026() -> dict[str, list[tuple[int, dict]]]:
    groups = defaultdict(list)
    for index, match in enumerate(matches_2026()):
        if match.get("group"):
            groups[match["group"].removeprefix("Group ")].append((index, match))
    return {group: sorted(found, key=lambda item: (item[1]["date"], item[0])) for group, found in groups.items()}


def tables_2026(results_by_group=None):
    tables = {}
    for group, found in group_matches_2026().items():
        teams = sorted({t for _, m in found for t in (m["team1"], m["team2"])})
        results = results_by_group[group] if results_by_group else [
            Result(m["team1"], m["team2"], *m["score"]["ft"]) for _, m in found]
        tables[group] = compute_table(teams, results, "fifa-2026")
    return tables


def knockout_winner(match: dict):
    score = match["score"]
    for stage in ("p", "et", "ft"):
        if stage in score and score[stage][0] != score[stage][1]:
            return match["team1"] if score[stage][0] > score[stage][1] else match["team2"]
    raise AssertionError(f"no winner in {match}")


def played_2026():
    return [PlayedMatch(frozenset((m["team1"], m["team2"])), knockout_winner(m))
            for m in matches_2026() if m.get("num")]


def pairs(projection) -> dict[int, tuple]:
    return {m["number"]: (m["home"]["team"], m["away"]["team"]) for r in projection["rounds"] for m in r["matches"]}


def test_the_real_round_of_32_comes_out_of_the_real_group_tables():
    projection = project(world_cup_2026(), tables_2026())
    played = {m["num"]: (m["team1"], m["team2"]) for m in matches_2026() if m.get("round") == "Round of 32"}
    assert len(played) == 16
    assert {n: pair for n, pair in pairs(projection).items() if n in played} == played
    assert projection["complete"] and not projection["provisional"]
    assert projection["thirds"] == {"qualifying": list("BDEFIJKL"), "option": 67, "confirmed": True}
    round_of_32 = projection["rounds"][0]["matches"]
    assert all(m[side]["status"] == CONFIRMED for m in round_of_32 for side in ("home", "away"))
    # Match 74: the winner of Group E against the third Annex C sends from A/B/C/D/F.
    match_74 = round_of_32[1]
    assert match_74["home"] == {"source": "1E", "from": "Winner Group E", "team": "Germany", "status": CONFIRMED,
                                "group": "E"}
    assert match_74["away"] == {"source": "3ABCDF", "from": "3rd Group A/B/C/D/F", "team": "Paraguay",
                                "status": CONFIRMED, "group": "D"}


def test_the_fixed_path_leads_the_real_winners_to_the_real_final():
    projection = project(world_cup_2026(), tables_2026(), played=played_2026())
    played = {m["num"]: (m["team1"], m["team2"]) for m in matches_2026() if m.get("num")}
    assert pairs(projection) == played
    later = [m for r in projection["rounds"][1:] for m in r["matches"]]
    assert all(m[side]["status"] == CONFIRMED for m in later for side in ("home", "away"))
    assert later[-1]["home"]["from"] == "Winner match 101"


def test_before_a_match_is_played_its_winner_is_open():
    projection = project(world_cup_2026(), tables_2026())
    round_of_16 = projection["rounds"][1]["matches"]
    assert round_of_16[0]["home"] == {"source": "W74", "from": "Winner match 74", "team": None, "status": OPEN,
                                      "group": None}


def results_2026(*, unplayed=(), live=None):
    """The group results of the file, without the `unplayed` matches (indexes in the file), and the
    `live` ones (index -> score) in progress at that score."""
    live = live or {}
    by_group = {}
    for group, found in group_matches_2026().items():
        by_group[group] = [
            Result(m["team1"], m["team2"], *(live.get(index) or m["score"]["ft"]), finished=index not in live)
            for index, m in found
            if index not in unplayed
        ]
    return by_group


def test_as_it_stands_while_a_group_is_live_and_a_goal_moves_the_thirds():
    path = world_cup_2026()
    last_of_d = [index for index, _ in group_matches_2026()["D"][-2:]]
    live = {index: tuple(matches_2026()[index]["score"]["ft"]) for index in last_of_d}
    projection = project(path, tables_2026(results_2026(live=live)))
    assert projection["provisional"] and not projection["complete"]
    round_of_32 = {m["number"]: m for m in projection["rounds"][0]["matches"]}
    assert round_of_32[81]["home"]["status"] == AS_IT_STANDS  # Winner Group D: its group is live
    assert round_of_32[81]["home"]["team"] == "USA"
    assert round_of_32[84]["home"]["status"] == round_of_32[84]["away"]["status"] == CONFIRMED  # H and J are over
    # Group E is over, but which thirds qualify is not, so neither is Annex C's row.
    assert round_of_32[79]["away"]["status"] == AS_IT_STANDS and round_of_32[79]["away"]["group"] == "E"
    assert round_of_32[74]["away"]["status"] == AS_IT_STANDS and round_of_32[74]["away"]["team"] == "Paraguay"


def test_one_goal_on_the_last_matchday_moves_half_the_round_of_32():
    """Egypt 1-1 Iran (Group G) left Iran third on 3 points, below the line. A goal for Iran puts Iran second
    and Egypt third on 4 points, above the line, where Senegal (third of Group I) was: another row of
    Annex C, and three ties of the round of 32 change."""
    path = world_cup_2026()
    [egypt_iran] = [index for index, m in group_matches_2026()["G"] if {m["team1"], m["team2"]} == {"Egypt", "Iran"}]
    assert matches_2026()[egypt_iran]["score"]["ft"] == [1, 1] and matches_2026()[egypt_iran]["team1"] == "Egypt"
    final = project(path, tables_2026())
    live = project(path, tables_2026(results_2026(live={egypt_iran: (1, 2)})))
    assert live["provisional"] and not live["thirds"]["confirmed"]
    assert live["thirds"]["qualifying"] == list("BDEFGJKL") and final["thirds"]["qualifying"] == list("BDEFIJKL")
    moved = {n for n, pair in pairs(live).items() if n <= 88 and pair != pairs(final)[n]}
    assert moved == {82, 85, 88}
    round_of_32 = {m["number"]: m for m in live["rounds"][0]["matches"]}
    assert round_of_32[88]["away"] == {"source": "2G", "from": "Runner-up Group G", "team": "Iran",
                                       "status": AS_IT_STANDS, "group": "G"}
    assert (round_of_32[85]["away"]["team"], round_of_32[85]["away"]["group"]) == ("Egypt", "G")
    assert (round_of_32[82]["away"]["team"], round_of_32[82]["away"]["from"]) == ("Algeria", "3rd Group A/E/H/I/J")


# --- the race of the thirds: against every score ------------------------------------------------------

CAPPED = {"home": ((1, 0), (3, 0), (3, 2)), "draw": ((0, 0), (3, 3)), "away": ((0, 1), (0, 3), (2, 3))}
SCORES = [(h, a) for h in range(4) for a in range(4)]


def small_rules(qualifiers: int) -> RuleSet:
    fifa = get_rule_set("fifa-2026")
    return RuleSet(name=f"test-{qualifiers}-thirds", label="constructed", criteria=fifa.criteria,
                   reapply_head_to_head=True, third_placed=ThirdPlaceRanking(qualifiers, fifa.third_placed.criteria))


def constructed_groups(seed: int, names: str, remaining_per_group: int) -> dict[str, GroupState]:
    """Groups of four with random scores so far and `remaining_per_group` of the last matchday's two left."""
    rng = random.Random(seed)
    groups = {}
    for letter in names:
        teams = tuple(f"{letter}{n}" for n in range(1, 5))
        schedule = [(0, 1), (2, 3), (0, 2), (3, 1), (3, 0), (1, 2)]
        played = schedule[: 6 - remaining_per_group]
        left = schedule[6 - remaining_per_group:]
        results = tuple(Result(teams[h], teams[a], rng.randint(0, 3), rng.randint(0, 3)) for h, a in played)
        remaining = tuple(Fixture(f"{letter}{i}", teams[h], teams[a]) for i, (h, a) in enumerate(left))
        groups[letter] = GroupState(teams, results, remaining)
    return groups


def every_score(groups: dict[str, GroupState], rules: RuleSet, external) -> dict[tuple, dict]:
    """For every way the remaining fixtures can end (0-3 goals a side): each team's own results -> the set of
    ends seen (True: through)."""
    per_group = {}
    for letter, state in groups.items():
        per_group[letter] = []
        for scores in itertools.product(SCORES, repeat=len(state.remaining)):
            played = zip(state.remaining, scores, strict=True)
            results = list(state.results) + [Result(f.home, f.away, *s) for f, s in played]
            per_group[letter].append((scores, compute_table(state.teams, results, rules, **external)))
    seen = defaultdict(lambda: defaultdict(set))
    letters = list(groups)
    for choice in itertools.product(*(per_group[letter] for letter in letters)):
        tables = {letter: table for letter, (_, table) in zip(letters, choice, strict=True)}
        thirds = rank_third_placed(tables, rules, **external)
        for letter, (scores, table) in zip(letters, choice, strict=True):
            state = groups[letter]
            for row in table.rows:
                through = row.position <= 2 or (row.position == 3 and thirds.row(letter).status == "qualified")
                own = tuple(own_result(row.team, f, s) for f, s in zip(state.remaining, scores, strict=True)
                            if row.team in (f.home, f.away))
                seen[row.team][own].add(through)
    return seen


def own_result(team, fixture, score) -> str:
    home, away = score
    if home == away:
        return "draw"
    return "win" if (home > away) == (team == fixture.home) else "defeat"


@pytest.mark.parametrize(("seed", "letters", "qualifiers"),
                         [(1, "ABC", 1), (2, "ABC", 2), (3, "ABC", 1), (4, "ABC", 2), (5, "ABC", 1), (6, "ABC", 2)])
def test_race_verdicts_agree_with_every_score_on_constructed_groups(seed, letters, qualifiers):
    rules = small_rules(qualifiers)
    groups = constructed_groups(seed, letters, remaining_per_group=1)
    teams = [team for state in groups.values() for team in state.teams]
    external = {"fair_play_points": dict.fromkeys(teams, 0), "world_ranking": {t: i for i, t in enumerate(teams)}}
    seen = every_score(groups, rules, external)
    verdicts = third_place_race(groups, rules, scorelines=CAPPED, **external)
    assert verdicts
    for verdict in verdicts:
        ends = set().union(*seen[verdict.team].values())
        expected = {CERTAIN: {True}, OUT: {False}}.get(verdict.status)
        if expected is not None:
            assert ends == expected, (verdict.team, verdict.summary)
        elif verdict.status == DEPENDS:
            assert ends == {True, False}, (verdict.team, verdict.summary)
        for by_result in verdict.by_result:
            ends = seen[verdict.team][by_result.results]
            if by_result.status == CERTAIN:
                assert ends == {True}, (verdict.team, by_result)
            elif by_result.status == OUT:
                assert ends == {False}, (verdict.team, by_result)
            elif by_result.status == DEPENDS:
                assert ends == {True, False}, (verdict.team, by_result)
            if ends == {True, False}:
                # Both ends happen within the scores the witnesses use: the search must find them.
                assert by_result.status == DEPENDS, (verdict.team, by_result)


def test_race_verdicts_on_a_group_with_its_whole_last_matchday_left():
    rules = small_rules(1)
    groups = constructed_groups(11, "AB", remaining_per_group=2)
    groups["B"] = constructed_groups(12, "B", remaining_per_group=0)["B"]
    teams = [team for state in groups.values() for team in state.teams]
    external = {"fair_play_points": dict.fromkeys(teams, 0), "world_ranking": {t: i for i, t in enumerate(teams)}}
    seen = every_score(groups, rules, external)
    verdicts = third_place_race(groups, rules, scorelines=CAPPED, **external)
    assert {v.group for v in verdicts} == {"A", "B"}
    for verdict in verdicts:
        ends = set().union(*seen[verdict.team].values())
        assert {CERTAIN: ends == {True}, OUT: ends == {False}, DEPENDS: ends == {True, False}}.get(
            verdict.status, True), verdict
        if verdict.group == "B":  # its group is over: third or not, only the other group can move it
            assert len(verdict.by_result) == 1 and verdict.by_result[0].results == ()


def test_the_race_is_worked_out_from_the_last_matchday_on_and_only_where_thirds_are_ranked():
    groups = constructed_groups(1, "AB", remaining_per_group=3)
    with pytest.raises(ValueError, match="last matchday"):
        third_place_race(groups, small_rules(1))
    with pytest.raises(ValueError, match="does not rank third-placed teams"):
        third_place_race(constructed_groups(1, "AB", remaining_per_group=2), "fifa-2018")


# --- the race of the thirds: 2026, before the last matchday ----------------------------------------------


def race_2026():
    groups = {}
    for group, found in group_matches_2026().items():
        teams = tuple(sorted({t for _, m in found for t in (m["team1"], m["team2"])}))
        groups[group] = GroupState(
            teams,
            tuple(Result(m["team1"], m["team2"], *m["score"]["ft"]) for _, m in found[:4]),
            tuple(Fixture(index, m["team1"], m["team2"]) for index, m in found[4:]),
        )
    return groups, third_place_race(groups, "fifa-2026")


def test_before_the_last_matchday_of_2026_every_verdict_agrees_with_what_happened():
    groups, verdicts = race_2026()
    reached = {t for m in matches_2026() if m.get("round") == "Round of 32" for t in (m["team1"], m["team2"])}
    by_team = {v.team: v for v in verdicts}
    for verdict in verdicts:
        fixture = next(f for f in groups[verdict.group].remaining if verdict.team in (f.home, f.away))
        actual = own_result(verdict.team, fixture, matches_2026()[fixture.match_id]["score"]["ft"])
        found = next(b for b in verdict.by_result if b.results == (actual,))
        if found.status == CERTAIN:
            assert verdict.team in reached, found
        elif found.status == OUT:
            assert verdict.team not in reached, found
    # Contenders: every team that could still finish third; Spain were through with a draw or a win.
    assert len(verdicts) == 36
    spain = {b.results[0]: b.status for b in by_team["Spain"].by_result}
    assert spain["win"] == spain["draw"] == CERTAIN
    assert {b.results[0]: b.status for b in by_team["Iraq"].by_result} == {
        "win": DEPENDS, "draw": OUT, "defeat": OUT}
    statuses = [b.status for v in verdicts for b in v.by_result]
    assert statuses.count(UNDECIDED) <= 6 and statuses.count(DEPENDS) > 30
    assert "depends on results in other groups" in by_team["Senegal"].summary


def test_a_depends_verdict_carries_checked_scores_both_ways():
    groups, verdicts = race_2026()
    verdict = next(v for v in verdicts if v.team == "Senegal")
    assert verdict.status == DEPENDS
    assert [example["through"] for example in verdict.examples] == [True, False]
    for example in verdict.examples:
        scores = {s["match_id"]: (s["home_goals"], s["away_goals"]) for s in example["scores"]}
        tables = {}
        for group, state in groups.items():
            results = list(state.results) + [Result(f.home, f.away, *scores[f.match_id]) for f in state.remaining]
            tables[group] = compute_table(state.teams, results, "fifa-2026")
        position = next(row.position for row in tables["I"].rows if row.team == "Senegal")
        through = position <= 2 or (position == 3 and rank_third_placed(tables).row("I").status == "qualified")
        assert through is example["through"]
