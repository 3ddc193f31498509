"""A second leg's extra time and shootout through the services: the tie decides, the kicks are events."""

import itertools
from datetime import UTC, datetime

import pytest

from events import services
from events.models import Match, MatchEvent, Stage, Tie
from tests.db.services.helpers import goal, refused
from tests.factories import make_competition, make_match, make_team, player

pytestmark = pytest.mark.django_db
_numbers = itertools.count(1)


def two_legged_tie(rule_set="uefa-2021", first_leg=(1, 0)):
    """Team A beat team B `first_leg` at home; the second leg at B's is ready to kick off."""
    competition = make_competition(rule_set=rule_set)
    stage = Stage.objects.create(competition=competition, name="Round of 16", kind="knockout", order=2, legs=2)
    number = next(_numbers)
    team_a, team_b = make_team(f"Alpha {number}"), make_team(f"Beta {number}")
    tie = Tie.objects.create(stage=stage, number=1, team_a=team_a, team_b=team_b)
    first = make_match(home=team_a, away=team_b, competition=competition, group=None, tie=tie, leg=1,
                       kickoff=datetime(2020, 2, 18, 20, tzinfo=UTC))
    play(first, first_leg)
    second = make_match(home=team_b, away=team_a, competition=competition, group=None, tie=tie, leg=2,
                        extra_time_possible=True, kickoff=datetime(2020, 3, 10, 20, tzinfo=UTC))
    return second, team_a, team_b


def play(match, score, until="full_time"):
    """Kick off, score `score` (home, away) in the first half, and play to full time."""
    services.record_event(match_id=match.id, kind="period_start")
    for _ in range(score[0]):
        goal(match, match.home, 9, minute=20)
    for _ in range(score[1]):
        goal(match, match.away, 9, minute=30)
    for kind in ("period_end", "period_start", "period_end"):
        services.record_event(match_id=match.id, kind=kind)
        if Match.objects.get(pk=match.pk).period == until:
            break


def whistle(match, kind="period_end"):
    services.record_event(match_id=match.id, kind=kind)
    return Match.objects.get(pk=match.pk)


def kick(match, team, number, outcome, **extra):
    return services.record_event(match_id=match.id, kind="shootout_kick", team_id=team.id,
                                 player_id=player(team, number).id, kick_outcome=outcome, **extra)


def test_a_second_leg_won_1_0_after_losing_the_first_1_0_goes_to_extra_time():
    second, _a, team_b = two_legged_tie()
    services.record_event(match_id=second.id, kind="period_start")
    goal(second, team_b, 9, minute=30)
    whistle(second)
    whistle(second, "period_start")
    assert whistle(second).period == "before_extra_time"


def test_a_second_leg_that_is_level_on_the_day_but_not_on_aggregate_ends_at_90_minutes():
    second, _a, _b = two_legged_tie()
    play(second, (0, 0))
    assert Match.objects.get(pk=second.pk).period == "full_time"


def test_away_goals_decide_before_extra_time_under_the_2019_rules():
    # Alpha won 2-1 at home, Beta win 1-0 at home: 2-2 on aggregate, and Beta's goal at Alpha's is the
    # only away goal. With away goals Beta are through at 90 minutes; without, extra time.
    second, _a, _b = two_legged_tie(rule_set="uefa-2019", first_leg=(2, 1))
    play(second, (1, 0))
    assert Match.objects.get(pk=second.pk).period == "full_time"
    second, _a, _team_b = two_legged_tie(rule_set="uefa-2021", first_leg=(2, 1))
    play(second, (1, 0), until="before_extra_time")
    assert Match.objects.get(pk=second.pk).period == "before_extra_time"


def test_extra_time_goals_are_kept_apart_and_a_level_extra_time_leads_to_penalties():
    second, team_a, team_b = two_legged_tie()
    play(second, (1, 0), until="before_extra_time")
    for kind in ("period_start",):
        whistle(second, kind)
    goal(second, team_b, 10, minute=100)
    goal(second, team_a, 10, minute=104)
    whistle(second)
    whistle(second, "period_start")
    match = whistle(second)
    assert match.period == "before_penalties"
    assert (match.home_score, match.away_score, match.extra_time_played) == (2, 1, True)
    assert (match.home_extra_time_goals, match.away_extra_time_goals) == (1, 1)


def to_penalties():
    second, team_a, team_b = two_legged_tie()
    play(second, (1, 0), until="before_extra_time")
    for kind in ("period_start", "period_end", "period_start", "period_end", "period_start"):
        whistle(second, kind)
    assert Match.objects.get(pk=second.pk).period == "penalties"
    return second, team_a, team_b


def test_the_shootout_is_kick_by_kick_apart_from_the_score_and_ends_when_one_side_cannot_catch_up():
    second, team_a, team_b = to_penalties()
    # Beta (at home) kick first: scored, Alpha saved, three times: 3-0 after three each is over.
    for number in (2, 3, 4):
        kick(second, team_b, number, "scored")
        kick(second, team_a, number, "saved")
    match = Match.objects.get(pk=second.pk)
    assert (match.home_score, match.away_score) == (1, 0)
    assert (match.home_penalties, match.away_penalties) == (3, 0)
    error = refused("out_of_turn", kick, second, team_b, 5, "scored")
    assert "over" in error.message and "Beta won 3-0" in error.message


def test_a_kick_out_of_turn_is_refused_and_nothing_is_recorded():
    second, _team_a, team_b = to_penalties()
    kick(second, team_b, 2, "scored")
    error = refused("out_of_turn", kick, second, team_b, 3, "scored")
    assert error.field == "team" and "Alpha's kick" in error.message
    assert MatchEvent.objects.filter(match=second, kind="shootout_kick").count() == 1


def test_a_retaken_kick_no_longer_counts_and_the_same_team_kicks_again():
    second, team_a, team_b = to_penalties()
    kick(second, team_b, 2, "scored")
    saved = kick(second, team_a, 2, "saved")
    seq_before = Match.objects.get(pk=second.pk).seq
    services.order_retake(event_id=saved.event.id, reason="Goalkeeper off his line (VAR)")
    match = Match.objects.get(pk=second.pk)
    assert match.seq == seq_before + 1 and (match.home_penalties, match.away_penalties) == (1, 0)
    assert MatchEvent.objects.get(pk=saved.event.id).state == "retaken"
    kick(second, team_a, 2, "scored")
    assert Match.objects.get(pk=second.pk).away_penalties == 1
    refused("required", services.order_retake, event_id=saved.event.id, reason=" ")
    refused("not_a_kick", services.order_retake, event_id=saved.event.id, reason="again")


def test_sudden_death_after_five_each():
    second, team_a, team_b = to_penalties()
    for number in range(2, 7):
        kick(second, team_b, number, "scored")
        kick(second, team_a, number, "scored")
    kick(second, team_b, 7, "missed")
    kick(second, team_a, 7, "scored")
    match = Match.objects.get(pk=second.pk)
    assert (match.home_penalties, match.away_penalties) == (5, 6)
    refused("out_of_turn", kick, second, team_b, 8, "scored")


def test_kicks_outside_a_shootout_and_outcomes_on_other_events_are_refused():
    second, _team_a, team_b = two_legged_tie()
    services.record_event(match_id=second.id, kind="period_start")
    refused("not_in_shootout", kick, second, team_b, 2, "scored")
    refused("invalid_field", goal, second, team_b, 9, minute=10, kick_outcome="scored")
    second, _team_a, team_b = to_penalties()
    refused("required", services.record_event, match_id=second.id, kind="shootout_kick", team_id=team_b.id)


def test_a_kick_is_not_edited_or_restored_but_taken_again():
    second, _team_a, team_b = to_penalties()
    first = kick(second, team_b, 2, "scored")
    error = refused("not_editable", services.amend_event, event_id=first.event.id,
                    changes={"minute": 121}, reason="wrong")
    assert error.status == 409
    services.remove_event(event_id=first.event.id, reason="Recorded for the wrong team")
    refused("not_editable", services.restore_event, event_id=first.event.id, reason="back")
    assert Match.objects.get(pk=second.pk).home_penalties is None
