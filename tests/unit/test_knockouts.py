"""Knockout engine: aggregate, away goals per rule set, extra time, shootouts kick by kick, the winner.

Constructed ties for each rule, then real ties: every knockout tie of nine Champions League seasons
in data/openfootball, and two 2024-25 shootouts kick by kick (sources in docs/knockouts.md).
"""

import json
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest

from events.knockouts import (
    KNOCKOUT_RULE_SETS,
    DecidedBy,
    Kick,
    KickOutcome,
    Leg,
    Shootout,
    Tie,
    final_shootout_score_possible,
    get_knockout_rules,
    tie_state,
)
from events.standings import RULE_SETS

DATA = Path(__file__).resolve().parent.parent.parent / "data" / "openfootball"

SCORED, SAVED, MISSED = KickOutcome.SCORED, KickOutcome.SAVED, KickOutcome.MISSED


def two_legs(first: tuple[int, int], second: tuple[int, int] | None = None, *, rules="uefa-2019", **second_leg):
    """A v B then B v A; ``second`` is the second leg's 90-minute score, B's goals first."""
    legs = [Leg("A", "B", *first)]
    if second is not None:
        legs.append(Leg("B", "A", *second, **second_leg))
    return Tie(home="A", away="B", rule_set=rules, legs=legs)


def kicks(*spec: tuple[str, str]) -> list[Kick]:
    """("A", "x") is A scoring, "o" saved, "-" missed; takers are numbered per team."""
    outcome = {"x": SCORED, "o": SAVED, "-": MISSED}
    taken: dict[str, int] = defaultdict(int)
    result = []
    for team, mark in spec:
        taken[team] += 1
        result.append(Kick(team, f"{team}{taken[team]}", outcome[mark]))
    return result


def alternate(first: str, second: str, marks: str) -> list[Kick]:
    """Kicks in ABAB order from a string of marks, e.g. "xxo-x"."""
    return kicks(*((first if i % 2 == 0 else second, mark) for i, mark in enumerate(marks)))


def shootout_of(marks: str, first="A", second="B") -> Shootout:
    return Shootout(first=first, second=second, kicks=alternate(first, second, marks))


# --- rule sets -----------------------------------------------------------------------------------


def test_rule_sets_are_data_keyed_like_the_table_rule_sets():
    fifa = {name for name in RULE_SETS if name.startswith("fifa-")}
    assert set(KNOCKOUT_RULE_SETS) == {"uefa-2019", "uefa-2021", "uefa-league-phase-2024"} | fifa
    assert set(KNOCKOUT_RULE_SETS) <= set(RULE_SETS)
    assert not any(get_knockout_rules(name).away_goals for name in fifa)
    for name, rules in KNOCKOUT_RULE_SETS.items():
        assert rules.name == name
        assert rules.label
    assert get_knockout_rules("uefa-2019").away_goals
    assert get_knockout_rules("uefa-2019").away_goals_in_extra_time
    assert not get_knockout_rules("uefa-2021").away_goals
    assert not get_knockout_rules("uefa-league-phase-2024").away_goals


def test_unknown_rule_set_names_the_known_ones():
    with pytest.raises(ValueError, match=r"'serie-z'.*uefa-2019, uefa-2021, uefa-league-phase-2024"):
        get_knockout_rules("serie-z")
    with pytest.raises(ValueError, match="serie-z"):
        Tie(home="A", away="B", rule_set="serie-z")


# --- aggregate and the sentence, live ------------------------------------------------------------


def test_not_started():
    state = tie_state(Tie(home="A", away="B", rule_set="uefa-2021"))
    assert not state.started
    assert state.aggregate == (0, 0)
    assert state.winner is None and state.decided_by is None
    assert state.sentence() == "A v B, not started"


def test_aggregate_counts_each_teams_goals_in_both_legs():
    state = tie_state(two_legs((2, 1), (1, 0), finished=False, rules="uefa-2021"))
    # A: 2 at home + 0 away; B: 1 away + 1 at home.
    assert state.aggregate == (2, 2)
    assert state.leader is None
    assert state.sentence() == "Level 2-2 on aggregate"


def test_leader_sentence_puts_the_leaders_goals_first_and_uses_names():
    state = tie_state(two_legs((0, 1), (1, 1), finished=False, rules="uefa-2021"))
    assert state.aggregate == (1, 2)
    assert state.leader == "B" and state.leading_on is DecidedBy.AGGREGATE
    assert state.sentence({"A": "Paris Saint-Germain", "B": "Liverpool"}) == "Liverpool lead 2-1 on aggregate"
    assert state.winner is None


def test_after_the_first_leg_the_tie_is_not_decided():
    state = tie_state(two_legs((3, 0), rules="uefa-2021"))
    assert state.started and state.leader == "A"
    assert state.sentence() == "A lead 3-0 on aggregate"
    assert not state.extra_time_due and not state.penalties_due
    assert state.winner is None


def test_one_leg_speaks_of_the_score_not_an_aggregate():
    tie = Tie(home="A", away="B", rule_set="uefa-2019", two_legged=False, legs=[Leg("A", "B", 0, 1, finished=False)])
    state = tie_state(tie)
    assert state.sentence() == "B lead 1-0"
    assert state.away_goals is None
    finished = tie_state(Tie(home="A", away="B", rule_set="uefa-2019", two_legged=False, legs=[Leg("A", "B", 0, 1)]))
    assert (finished.winner, finished.decided_by) == ("B", DecidedBy.AGGREGATE)
    assert finished.sentence() == "B win 1-0"


# --- away goals ----------------------------------------------------------------------------------


def test_away_goals_decide_a_level_aggregate_under_uefa_2019():
    state = tie_state(two_legs((1, 1), (0, 0)))
    assert state.aggregate == (1, 1)
    assert state.away_goals == (0, 1)
    assert (state.winner, state.decided_by) == ("B", DecidedBy.AWAY_GOALS)
    assert not state.extra_time_due
    assert state.sentence() == "B win on away goals, 1-1 on aggregate"


def test_away_goals_lead_is_said_live():
    state = tie_state(two_legs((1, 1), (0, 0), finished=False))
    assert state.leader == "B" and state.leading_on is DecidedBy.AWAY_GOALS
    assert state.sentence() == "Level 1-1 on aggregate, B lead on away goals"
    assert not state.extra_time_due


@pytest.mark.parametrize("rules", ["uefa-2021", "uefa-league-phase-2024"])
def test_no_away_goals_from_2021_22(rules):
    state = tie_state(two_legs((1, 1), (0, 0), rules=rules, finished=False))
    assert state.away_goals is None
    assert state.leader is None
    assert state.extra_time_due
    assert state.sentence() == "Level 1-1 on aggregate"


def test_level_on_away_goals_too_means_extra_time():
    state = tie_state(two_legs((1, 1), (1, 1), finished=False))
    assert state.aggregate == (2, 2) and state.away_goals == (1, 1)
    assert state.extra_time_due
    assert state.leader is None


def test_a_one_leg_final_never_uses_away_goals():
    tie = Tie(home="A", away="B", rule_set="uefa-2019", two_legged=False, legs=[Leg("A", "B", 1, 1, finished=False)])
    state = tie_state(tie)
    assert state.away_goals is None
    assert state.extra_time_due


# --- extra time ----------------------------------------------------------------------------------


def test_extra_time_due_only_when_level_after_the_second_legs_90_minutes():
    assert not tie_state(two_legs((1, 0), (0, 0), rules="uefa-2021", finished=False)).extra_time_due
    assert tie_state(two_legs((1, 0), (1, 0), rules="uefa-2021", finished=False)).extra_time_due
    assert not tie_state(two_legs((1, 0))).extra_time_due


def test_won_in_extra_time():
    tie = two_legs((1, 0), (1, 0), rules="uefa-2021", home_extra_time_goals=0, away_extra_time_goals=1)
    state = tie_state(tie)
    assert state.extra_time_due and not state.penalties_due
    assert state.aggregate == (2, 1)
    assert (state.winner, state.decided_by) == ("A", DecidedBy.EXTRA_TIME)
    assert state.sentence() == "A win 2-1 on aggregate after extra time"


def test_away_goal_in_extra_time_forces_the_home_side_to_score_twice():
    # Level 1-1 with no away goals after 90; B, at home in the second leg, score first in extra time,
    # A equalise: level on aggregate, and A's extra-time goal is an away goal.
    live = two_legs((1, 0), (1, 0), finished=False, home_extra_time_goals=1, away_extra_time_goals=1)
    state = tie_state(live)
    assert state.aggregate == (2, 2) and state.away_goals == (1, 0)
    assert state.leader == "A" and state.leading_on is DecidedBy.AWAY_GOALS
    assert not state.penalties_due
    finished = tie_state(two_legs((1, 0), (1, 0), home_extra_time_goals=1, away_extra_time_goals=1))
    assert (finished.winner, finished.decided_by) == ("A", DecidedBy.AWAY_GOALS)
    assert finished.sentence() == "A win on away goals after extra time, 2-2 on aggregate"


def test_same_extra_time_goals_without_away_goals_go_to_penalties():
    tie = two_legs((1, 0), (1, 0), rules="uefa-2021", home_extra_time_goals=1, away_extra_time_goals=1)
    state = tie_state(tie)
    assert state.penalties_due
    assert state.winner is None
    assert state.sentence() == "Level 2-2 on aggregate after extra time, penalties"


def test_goalless_extra_time_goes_to_penalties_under_both_rules():
    for rules in KNOCKOUT_RULE_SETS:
        tie = two_legs((1, 0), (1, 0), rules=rules, home_extra_time_goals=0, away_extra_time_goals=0)
        assert tie_state(tie).penalties_due, rules


def test_extra_time_in_a_one_leg_final():
    tie = Tie(
        home="A",
        away="B",
        rule_set="uefa-2019",
        two_legged=False,
        legs=[Leg("A", "B", 1, 1, home_extra_time_goals=3, away_extra_time_goals=0)],
    )
    state = tie_state(tie)
    assert (state.winner, state.decided_by) == ("A", DecidedBy.EXTRA_TIME)
    assert state.sentence() == "A win 4-1 after extra time"


def test_one_leg_final_on_penalties():
    final = Leg("A", "B", 1, 1, home_extra_time_goals=0, away_extra_time_goals=0)
    tie = Tie(home="A", away="B", rule_set="uefa-2019", two_legged=False, legs=[final], recorded_penalties=(3, 4))
    state = tie_state(tie)
    assert (state.winner, state.decided_by) == ("B", DecidedBy.PENALTIES)
    assert state.sentence() == "B win 4-3 on penalties after a 1-1 draw"


# --- shootout: order, early end, sudden death, retakes -------------------------------------------


def test_shootout_score_rows_and_turn():
    shootout = shootout_of("xo-x")
    assert shootout.score == (1, 1)
    assert shootout.score_of("B") == 1
    assert [k.outcome for k in shootout.row("A")] == [SCORED, MISSED]
    assert [k.outcome for k in shootout.row("B")] == [SAVED, SCORED]
    assert shootout.next_team == "A"
    assert not shootout.over and shootout.winner is None
    assert shootout.with_kick(Kick("A", "A3", SCORED)).next_team == "B"


def test_an_empty_shootout_waits_for_the_first_kicker():
    shootout = Shootout(first="B", second="A")
    assert shootout.next_team == "B"
    assert shootout.score == (0, 0)


def test_kick_by_the_wrong_team_is_refused():
    with pytest.raises(ValueError, match=r"kick 2: it is B's turn to kick, not A's"):
        Shootout(first="A", second="B", kicks=kicks(("A", "x"), ("A", "x")))
    with pytest.raises(ValueError, match=r"kick 1: it is A's turn"):
        Shootout(first="A", second="B", kicks=kicks(("B", "x")))
    with pytest.raises(ValueError, match="C is not in this shootout"):
        shootout_of("").with_kick(Kick("C", "c", SCORED))


def test_ends_after_three_each_at_3_0_not_before():
    assert not shootout_of("xox-x").over  # 3-0 after A's third: B can still reach 3
    shootout = shootout_of("xox-xo")
    assert shootout.over and shootout.winner == "A"
    assert shootout.score == (3, 0)
    assert shootout.next_team is None


def test_ends_after_the_first_kickers_fifth_when_the_second_cannot_catch_up():
    # 4-2 after A's fifth kick, B with one kick left.
    shootout = shootout_of("xxx-xxo-x")
    assert shootout.score == (4, 2) and shootout.over and shootout.winner == "A"


def test_ends_on_the_first_kickers_miss_when_the_second_is_out_of_reach():
    # After A's fourth kick, a miss, B lead 3-1 with a kick in hand: A's last kick cannot bring them level.
    shootout = shootout_of("-xxx-x-")
    assert shootout.score == (1, 3)
    assert shootout.over and shootout.winner == "B"
    assert not shootout_of("-xxx-x").over


def test_goes_the_full_five_when_still_reachable():
    assert not shootout_of("xxxxxxxxx").over  # 5-4, B to kick their fifth
    five_each = shootout_of("xxxxxxxxx-")
    assert five_each.over and five_each.winner == "A" and five_each.score == (5, 4)


def test_sudden_death_pair_by_pair():
    level = shootout_of("xxxxxxxxxx")
    assert not level.over and level.sudden_death and level.next_team == "A"
    sixth_first = level.with_kick(Kick("A", "A6", SCORED))
    assert not sixth_first.over  # B can still answer
    assert sixth_first.next_team == "B"
    answered = sixth_first.with_kick(Kick("B", "B6", SCORED))
    assert not answered.over
    missed = answered.with_kick(Kick("A", "A7", MISSED))
    assert not missed.over  # B must still score
    won = missed.with_kick(Kick("B", "B7", SCORED))
    assert won.over and won.winner == "B" and won.score == (6, 7)


def test_sudden_death_lost_by_the_second_kicker():
    shootout = shootout_of("xxxxxxxxxx" + "xo")
    assert shootout.over and shootout.winner == "A" and shootout.score == (6, 5)


def test_kick_after_the_end_is_refused():
    over = shootout_of("xox-xo")
    with pytest.raises(ValueError, match=r"kick 7: the shootout is over, A won 3-0"):
        over.with_kick(Kick("A", "A4", SCORED))


def test_retaken_kick_is_replaced_not_added():
    # B's first kick is saved, the goalkeeper was off the line: retaken, and scored.
    saved = Kick("B", "B1", SAVED, retaken=True)
    shootout = Shootout(first="A", second="B", kicks=[Kick("A", "A1", SCORED), saved, Kick("B", "B1", SCORED)])
    assert shootout.score == (1, 1)
    assert [k.outcome for k in shootout.row("B")] == [SCORED]
    assert shootout.voided == (saved,)
    assert shootout.next_team == "A"


def test_a_kick_ordered_retaken_means_the_same_team_kicks_again():
    shootout = Shootout(first="A", second="B", kicks=[Kick("A", "A1", SAVED, retaken=True)])
    assert shootout.next_team == "A"
    assert shootout.score == (0, 0)
    with pytest.raises(ValueError, match=r"kick 2: it is A's turn to kick, not B's"):
        shootout.with_kick(Kick("B", "B1", SCORED))


def test_a_retake_can_reopen_a_shootout_its_kick_had_ended():
    # A lead 3-0 and B's third is saved: over. VAR: the goalkeeper left the line early, retake.
    ended = shootout_of("xox-xo")
    assert ended.over
    ordered = Shootout(first="A", second="B", kicks=[*ended.kicks[:-1], Kick("B", "B3", SAVED, retaken=True)])
    assert not ordered.over and ordered.next_team == "B"
    retaken = ordered.with_kick(Kick("B", "B3", SCORED))
    assert not retaken.over and retaken.score == (3, 1) and retaken.next_team == "A"


def test_retake_ordered_twice():
    first = Kick("A", "A1", SAVED, retaken=True)
    second = Kick("A", "A1", MISSED, retaken=True)
    shootout = Shootout(first="A", second="B", kicks=[first, second, Kick("A", "A1", SCORED)])
    assert shootout.score == (1, 0) and shootout.voided == (first, second)
    assert len(shootout.row("A")) == 1


def test_bad_kicks_are_refused_naming_the_field():
    with pytest.raises(ValueError, match="outcome"):
        Kick("A", "A1", "post")
    with pytest.raises(ValueError, match="taker"):
        Kick("A", "", SCORED)
    assert Kick("A", "A1", "saved").outcome is SAVED
    with pytest.raises(ValueError, match="first and second"):
        Shootout(first="A", second="A")


def test_final_shootout_scores():
    assert final_shootout_score_possible(3, 0)
    assert final_shootout_score_possible(4, 2)
    assert final_shootout_score_possible(5, 3)
    assert final_shootout_score_possible(1, 0)
    assert final_shootout_score_possible(8, 7)
    assert final_shootout_score_possible(2, 4)
    assert not final_shootout_score_possible(4, 4)  # level: not over
    assert not final_shootout_score_possible(4, 0)  # over at 3-0
    assert final_shootout_score_possible(2, 0)  # both missing their fourth
    assert not final_shootout_score_possible(6, 4)  # sudden death is won by one
    assert not final_shootout_score_possible(-1, 0)


def test_final_shootout_scores_match_every_sequence_of_the_first_five_rounds():
    import itertools

    finals = set()
    for marks in itertools.product("x-", repeat=10):
        shootout = Shootout(first="A", second="B")
        for mark in marks:
            if shootout.over:
                break
            team = shootout.next_team
            shootout = shootout.with_kick(Kick(team, "t", SCORED if mark == "x" else MISSED))
        if shootout.over:
            finals.add(shootout.score)
    for a in range(7):
        for b in range(7):
            expected = (a, b) in finals or (abs(a - b) == 1 and min(a, b) >= 5)
            assert final_shootout_score_possible(a, b) == expected, (a, b)


# --- penalties in a tie ---------------------------------------------------------------------------


def level_after_extra_time(rules="uefa-2021", **shootout):
    tie = two_legs((1, 0), (1, 0), rules=rules, finished=False, home_extra_time_goals=0, away_extra_time_goals=0)
    return Tie(home="A", away="B", rule_set=rules, legs=tie.legs, **shootout)


def test_shootout_decides_the_tie_and_is_not_the_match_score():
    tie = level_after_extra_time(shootout=shootout_of("xxxxx-x-", first="B", second="A"))
    state = tie_state(tie)
    assert state.aggregate == (1, 1)
    assert state.penalties == (2, 4)  # in the tie's order: A, B
    assert (state.winner, state.decided_by) == ("B", DecidedBy.PENALTIES)
    assert state.sentence() == "B win 4-2 on penalties, 1-1 on aggregate"


def test_shootout_in_progress_is_said_live():
    state = tie_state(level_after_extra_time(shootout=shootout_of("xxx", first="B", second="A")))
    assert state.winner is None
    assert state.penalties == (1, 2)
    assert state.sentence() == "Level 1-1 on aggregate after extra time, B lead 2-1 on penalties"


def test_recorded_shootout_result_without_kicks():
    state = tie_state(level_after_extra_time(recorded_penalties=(4, 1)))
    assert (state.winner, state.decided_by) == ("A", DecidedBy.PENALTIES)
    assert state.penalties == (4, 1)
    with pytest.raises(ValueError, match=r"recorded_penalties 4-4 cannot end a shootout"):
        level_after_extra_time(recorded_penalties=(4, 4))
    with pytest.raises(ValueError, match="both"):
        level_after_extra_time(recorded_penalties=(4, 1), shootout=shootout_of("x"))


def test_penalties_refused_while_the_tie_is_not_level():
    won = two_legs((1, 0), (0, 0), rules="uefa-2021")
    with pytest.raises(ValueError, match="penalties while the tie is not level"):
        Tie(home="A", away="B", rule_set="uefa-2021", legs=won.legs, shootout=shootout_of("x"))
    on_away_goals = two_legs((1, 1), (0, 0))
    with pytest.raises(ValueError, match="penalties while the tie is not level"):
        Tie(home="A", away="B", rule_set="uefa-2019", legs=on_away_goals.legs, recorded_penalties=(4, 1))


def test_penalties_refused_before_extra_time():
    level = two_legs((1, 0), (1, 0), rules="uefa-2021", finished=False)
    with pytest.raises(ValueError, match="before extra time"):
        Tie(home="A", away="B", rule_set="uefa-2021", legs=level.legs, shootout=shootout_of(""))


def test_shootout_between_other_teams_is_refused():
    with pytest.raises(ValueError, match="shootout is between C and B"):
        level_after_extra_time(shootout=shootout_of("", first="C", second="B"))


# --- bad legs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("leg", "message"),
    [
        (dict(home_goals=-1), "home_goals must be a whole number of 0 or more, got -1"),
        (dict(away_goals=1.5), "away_goals must be a whole number of 0 or more, got 1.5"),
        (dict(away_goals=True), "away_goals must be a whole number"),
        (dict(home_extra_time_goals=1), "extra-time goals of both teams, or of neither"),
        (dict(home_extra_time_goals=-2, away_extra_time_goals=0), "home_extra_time_goals must be"),
        (dict(away="A"), "A cannot play itself"),
        (dict(finished="yes"), "finished must be True or False"),
    ],
)
def test_bad_leg_is_refused_naming_the_field(leg, message):
    fields = dict(home="A", away="B", home_goals=0, away_goals=0) | leg
    with pytest.raises(ValueError, match=message):
        Leg(**fields)


def test_leg_of_teams_not_in_the_tie_is_refused():
    with pytest.raises(ValueError, match=r"leg 1: C v B is not a leg of A v B"):
        Tie(home="A", away="B", rule_set="uefa-2021", legs=[Leg("C", "B", 0, 0)])
    with pytest.raises(ValueError, match=r"leg 2: A v B should be B at home to A"):
        Tie(home="A", away="B", rule_set="uefa-2021", legs=[Leg("A", "B", 0, 0), Leg("A", "B", 0, 0)])
    with pytest.raises(ValueError, match=r"leg 1: B v A should be A at home to B"):
        Tie(home="A", away="B", rule_set="uefa-2021", legs=[Leg("B", "A", 0, 0)])


def test_too_many_legs_and_teams_level_with_themselves_are_refused():
    with pytest.raises(ValueError, match="a one-leg tie has 1 leg, got 2"):
        Tie(home="A", away="B", rule_set="uefa-2021", two_legged=False, legs=[Leg("A", "B", 0, 0), Leg("B", "A", 0, 0)])
    with pytest.raises(ValueError, match="a tie needs two different teams"):
        Tie(home="A", away="A", rule_set="uefa-2021")


def test_second_leg_before_the_first_is_finished_is_refused():
    with pytest.raises(ValueError, match="leg 2 cannot start before leg 1 is finished"):
        Tie(home="A", away="B", rule_set="uefa-2021", legs=[Leg("A", "B", 0, 0, finished=False), Leg("B", "A", 0, 0)])


def test_extra_time_in_a_first_leg_is_refused():
    with pytest.raises(ValueError, match="leg 1: extra time is played only at the end of the second leg"):
        Tie(
            home="A",
            away="B",
            rule_set="uefa-2021",
            legs=[Leg("A", "B", 1, 1, home_extra_time_goals=0, away_extra_time_goals=0)],
        )


def test_extra_time_when_the_tie_was_decided_in_90_minutes_is_refused():
    with pytest.raises(ValueError, match=r"leg 2: extra time, but A lead 2-1 on aggregate after 90 minutes"):
        two_legs((1, 0), (1, 1), rules="uefa-2021", home_extra_time_goals=0, away_extra_time_goals=0)
    with pytest.raises(ValueError, match=r"leg 2: extra time, but .*B lead on away goals after 90 minutes"):
        two_legs((1, 1), (0, 0), home_extra_time_goals=0, away_extra_time_goals=0)


def test_finished_level_without_extra_time_is_refused():
    with pytest.raises(ValueError, match="leg 2 is finished level after 90 minutes but has no extra time"):
        two_legs((1, 0), (1, 0), rules="uefa-2021")


def test_tie_state_to_dict():
    tie = level_after_extra_time(shootout=shootout_of("xx", first="B", second="A"))
    data = tie_state(tie).to_dict()
    assert data["aggregate"] == [1, 1]
    assert data["penalties"] == [1, 1]
    assert data["winner"] is None and data["decided_by"] is None
    assert data["extra_time_due"] and data["penalties_due"]
    assert data["shootout"]["rows"] == [
        {"team": "B", "kicks": [{"taker": "B1", "outcome": "scored", "retaken": False}]},
        {"team": "A", "kicks": [{"taker": "A1", "outcome": "scored", "retaken": False}]},
    ]
    assert data["shootout"]["next"] == "B"
    assert data["sentence"] == "Level 1-1 on aggregate after extra time, 1-1 on penalties"


# --- real ties ------------------------------------------------------------------------------------


def test_ajax_tottenham_2019_semi_final_away_goals():
    """Tottenham 0-1 Ajax, Ajax 2-3 Tottenham (Lucas Moura's third in stoppage time)."""
    legs = [Leg("Tottenham", "Ajax", 0, 1), Leg("Ajax", "Tottenham", 2, 2, finished=False)]
    live = tie_state(Tie(home="Tottenham", away="Ajax", rule_set="uefa-2019", legs=legs))
    assert live.sentence() == "Ajax lead 3-2 on aggregate"
    legs[1] = Leg("Ajax", "Tottenham", 2, 3, finished=False)
    live = tie_state(Tie(home="Tottenham", away="Ajax", rule_set="uefa-2019", legs=legs))
    assert live.sentence() == "Level 3-3 on aggregate, Tottenham lead on away goals"
    legs[1] = Leg("Ajax", "Tottenham", 2, 3)
    final = tie_state(Tie(home="Tottenham", away="Ajax", rule_set="uefa-2019", legs=legs))
    assert final.away_goals == (3, 1)
    assert (final.winner, final.decided_by) == ("Tottenham", DecidedBy.AWAY_GOALS)
    # The same scores today would have gone to extra time.
    at_full_time = [legs[0], Leg("Ajax", "Tottenham", 2, 3, finished=False)]
    today = tie_state(Tie(home="Tottenham", away="Ajax", rule_set="uefa-2021", legs=at_full_time))
    assert today.extra_time_due and today.winner is None


def test_chelsea_psg_2015_away_goal_in_extra_time():
    """PSG 1-1 Chelsea; Chelsea 1-1 PSG after 90, 2-2 after extra time: PSG through on away goals."""
    tie = Tie(
        home="PSG",
        away="Chelsea",
        rule_set="uefa-2019",
        legs=[
            Leg("PSG", "Chelsea", 1, 1),
            Leg("Chelsea", "PSG", 1, 1, home_extra_time_goals=1, away_extra_time_goals=1),
        ],
    )
    state = tie_state(tie)
    assert state.extra_time_due
    assert state.aggregate == (3, 3) and state.away_goals == (2, 1)
    assert (state.winner, state.decided_by) == ("PSG", DecidedBy.AWAY_GOALS)


def test_liverpool_atletico_2020_extra_time_with_away_goals_live():
    """Atlético 1-0 Liverpool; Liverpool 1-0 after 90, Firmino 94', Llorente 97' and 105', Morata 120'."""
    first = Leg("Atlético", "Liverpool", 1, 0)

    def state_at(liverpool: int, atletico: int, finished=False):
        second = Leg(
            "Liverpool",
            "Atlético",
            1,
            0,
            home_extra_time_goals=liverpool,
            away_extra_time_goals=atletico,
            finished=finished,
        )
        return tie_state(Tie(home="Atlético", away="Liverpool", rule_set="uefa-2019", legs=[first, second]))

    assert state_at(1, 0).sentence() == "Liverpool lead 2-1 on aggregate"
    assert state_at(1, 1).sentence() == "Level 2-2 on aggregate, Atlético lead on away goals"
    assert state_at(1, 2).sentence() == "Atlético lead 3-2 on aggregate"
    final = state_at(1, 3, finished=True)
    assert (final.winner, final.decided_by) == ("Atlético", DecidedBy.EXTRA_TIME)
    assert final.sentence() == "Atlético win 4-2 on aggregate after extra time"


def test_liverpool_psg_2025_shootout_kick_by_kick():
    """PSG 0-1 Liverpool; Liverpool 0-1 PSG after extra time; PSG won the toss, kicked first, won 4-1."""
    legs = [
        Leg("PSG", "Liverpool", 0, 1),
        Leg("Liverpool", "PSG", 0, 1, home_extra_time_goals=0, away_extra_time_goals=0, finished=False),
    ]
    sequence = [
        Kick("PSG", "Vitinha", SCORED),
        Kick("Liverpool", "Salah", SCORED),
        Kick("PSG", "Gonçalo Ramos", SCORED),
        Kick("Liverpool", "Núñez", SAVED),
        Kick("PSG", "Dembélé", SCORED),
        Kick("Liverpool", "Jones", SAVED),
        Kick("PSG", "Doué", SCORED),
    ]
    shootout = Shootout(first="PSG", second="Liverpool")
    for kick in sequence[:-1]:
        shootout = shootout.with_kick(kick)
        assert not shootout.over
    shootout = shootout.with_kick(sequence[-1])
    assert shootout.over and shootout.winner == "PSG"
    assert shootout.score_of("PSG") == 4 and shootout.score_of("Liverpool") == 1
    assert [k.taker for k in shootout.row("Liverpool")] == ["Salah", "Núñez", "Jones"]
    with pytest.raises(ValueError, match="the shootout is over, PSG won 4-1"):
        shootout.with_kick(Kick("Liverpool", "Szoboszlai", SCORED))
    state = tie_state(
        Tie(home="PSG", away="Liverpool", rule_set="uefa-league-phase-2024", legs=legs, shootout=shootout)
    )
    assert state.aggregate == (1, 1) and state.penalties == (4, 1)
    assert (state.winner, state.decided_by) == ("PSG", DecidedBy.PENALTIES)
    assert state.sentence() == "PSG win 4-1 on penalties, 1-1 on aggregate"


def test_atletico_real_2025_double_touch_is_a_miss_not_a_retake():
    """Real 2-1 Atlético; Atlético 1-0 Real after extra time; Real kicked first and won 4-2.

    Julián Álvarez's kick went in but was disallowed for touching the ball twice: under the Laws
    of 2024-25 that kick is recorded as missed; nothing is taken again.
    """
    legs = [
        Leg("Real Madrid", "Atlético", 2, 1),
        Leg("Atlético", "Real Madrid", 1, 0, home_extra_time_goals=0, away_extra_time_goals=0),
    ]
    sequence = [
        Kick("Real Madrid", "Mbappé", SCORED),
        Kick("Atlético", "Sørloth", SCORED),
        Kick("Real Madrid", "Bellingham", SCORED),
        Kick("Atlético", "Julián Álvarez", MISSED),
        Kick("Real Madrid", "Valverde", SCORED),
        Kick("Atlético", "Correa", SCORED),
        Kick("Real Madrid", "Lucas Vázquez", SAVED),
        Kick("Atlético", "Llorente", MISSED),
        Kick("Real Madrid", "Rüdiger", SCORED),
    ]
    shootout = Shootout(first="Real Madrid", second="Atlético", kicks=sequence)
    assert shootout.over and shootout.winner == "Real Madrid"
    assert shootout.score == (4, 2)
    assert shootout.voided == ()
    assert [k.outcome for k in shootout.row("Atlético")] == [SCORED, MISSED, SCORED, MISSED]
    # Ended after Real's fifth: Atlético, 4-2 down with one kick left, cannot catch up.
    assert len(shootout.row("Atlético")) == 4
    # Treating the disallowed kick as a retake would be wrong: Atlético would kick again at once,
    # and the order of the rest of the sequence is refused.
    as_retake = [*sequence[:3], Kick("Atlético", "Julián Álvarez", SCORED, retaken=True), *sequence[4:]]
    with pytest.raises(ValueError, match="kick 5: it is Atlético's turn to kick, not Real Madrid's"):
        Shootout(first="Real Madrid", second="Atlético", kicks=as_retake)
    state = tie_state(
        Tie(home="Real Madrid", away="Atlético", rule_set="uefa-league-phase-2024", legs=legs, shootout=shootout)
    )
    assert state.aggregate == (2, 2)
    assert (state.winner, state.decided_by) == ("Real Madrid", DecidedBy.PENALTIES)


# --- every knockout tie in the data ----------------------------------------------------------------

UCL_SEASONS = [f"{year}-{(year + 1) % 100:02d}" for year in range(2011, 2020)]
ROUNDS = ["Round of 16", "Quarterfinals", "Semifinals", "Final"]


@cache
def load(season: str) -> list[dict]:
    return json.loads((DATA / f"{season}-uefa.cl.json").read_text(encoding="utf-8"))["matches"]


def round_name(match: dict) -> str:
    name = match["round"].removeprefix("Finals, ")
    return "Play-offs" if name.startswith("Playoffs") else name


def ties_of(season: str) -> list[tuple[str, Tie, dict]]:
    """Each knockout tie with the last leg's raw score, legs in date order, built from openfootball."""
    rules = "uefa-league-phase-2024" if season >= "2024" else "uefa-2019"
    legs_by_pair = defaultdict(list)
    for match in load(season):
        if match["round"].startswith(("Group", "League")) or "ft" not in match.get("score", {}):
            continue
        legs_by_pair[round_name(match), frozenset((match["team1"], match["team2"]))].append(match)
    ties = []
    for (name, _pair), matches in legs_by_pair.items():
        matches.sort(key=lambda m: (m["date"], m["time"]))
        legs = []
        for match in matches:
            score = match["score"]
            home, away = score["ft"]
            extra = {}
            if "et" in score:
                extra = dict(home_extra_time_goals=score["et"][0] - home, away_extra_time_goals=score["et"][1] - away)
            legs.append(Leg(match["team1"], match["team2"], home, away, **extra))
        tie = Tie(
            home=matches[0]["team1"],
            away=matches[0]["team2"],
            rule_set=rules,
            two_legged=len(matches) == 2,
            legs=legs,
        )
        ties.append((name, tie, matches[-1]["score"]))
    return ties


def teams_in_round(season: str, name: str) -> set[str]:
    return {team for m in load(season) if round_name(m) == name for team in (m["team1"], m["team2"])}


@pytest.mark.parametrize("season", [*UCL_SEASONS, "2024-25"])
def test_every_real_tie_is_won_by_the_team_in_the_next_round(season):
    decided_by = defaultdict(int)
    order = ["Play-offs", *ROUNDS]
    for name, tie, last_score in ties_of(season):
        state = tie_state(tie)
        if "p" in last_score:
            assert state.penalties_due and state.winner is None, (name, tie)
            decided_by["penalties"] += 1
            continue
        assert state.winner is not None, (name, tie)
        decided_by[state.decided_by] += 1
        if name != "Final":
            following = order[order.index(name) + 1]
            assert state.winner in teams_in_round(season, following), (name, tie)
            loser = tie.away if state.winner == tie.home else tie.home
            assert loser not in teams_in_round(season, following), (name, tie)
    assert sum(decided_by.values()) >= 15


def test_real_ties_decided_on_away_goals_and_in_extra_time():
    found = {}
    for season in UCL_SEASONS:
        for name, tie, _ in ties_of(season):
            state = tie_state(tie)
            found[season, name, frozenset((tie.home, tie.away))] = (state.winner, state.decided_by)

    def pair(*teams):
        return frozenset(teams)

    assert found["2018-19", "Semifinals", pair("AFC Ajax (NED)", "Tottenham Hotspur (ENG)")] == (
        "Tottenham Hotspur (ENG)",
        DecidedBy.AWAY_GOALS,
    )
    assert found["2014-15", "Round of 16", pair("Chelsea FC (ENG)", "Paris Saint-Germain (FRA)")] == (
        "Paris Saint-Germain (FRA)",
        DecidedBy.AWAY_GOALS,
    )
    assert found["2018-19", "Round of 16", pair("FC Porto (POR)", "AS Roma (ITA)")] == (
        "FC Porto (POR)",
        DecidedBy.EXTRA_TIME,
    )
    assert found["2011-12", "Round of 16", pair("Chelsea FC (ENG)", "SSC Napoli (ITA)")] == (
        "Chelsea FC (ENG)",
        DecidedBy.EXTRA_TIME,
    )
    assert found["2019-20", "Round of 16", pair("Liverpool FC (ENG)", "Atlético Madrid (ESP)")] == (
        "Atlético Madrid (ESP)",
        DecidedBy.EXTRA_TIME,
    )
    assert found["2013-14", "Final", pair("Real Madrid (ESP)", "Atlético Madrid (ESP)")] == (
        "Real Madrid (ESP)",
        DecidedBy.EXTRA_TIME,
    )
