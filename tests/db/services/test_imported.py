"""Matches known from a record: goals without a lineup, the whole match from its known goals, a shootout result."""

import pytest

from events import services
from events.models import EventKind, Match, Player, Stage, Tie
from events.services.imported import KnownGoal, record_known_goals, record_shootout_result
from tests.db.services.helpers import goal, refused
from tests.factories import make_competition, make_match, make_team, player

pytestmark = pytest.mark.django_db


def test_without_a_lineup_a_player_need_only_belong_to_the_team():
    match = make_match(with_lineups=False, kicked_off=True)
    goal(match, match.home, 5, minute=12)
    refused("player_team_mismatch", services.record_event, match_id=match.id, kind="goal", minute=20,
            team_id=match.home_id, player_id=player(match.away, 3).id)
    outsider = make_team()
    refused("player_not_in_match", services.record_event, match_id=match.id, kind="goal", minute=20,
            team_id=match.home_id, player_id=player(outsider, 3).id)
    match.refresh_from_db()
    assert (match.home_score, match.away_score) == (1, 0)


def test_without_a_lineup_the_events_still_decide_who_can_play_on():
    match = make_match(with_lineups=False, kicked_off=True)
    services.record_event(match_id=match.id, kind="red_card", minute=30, team_id=match.home_id,
                          player_id=player(match.home, 4).id)
    refused("player_not_on_pitch", goal, match, match.home, 4, minute=40)
    refused("no_first_yellow", services.record_event, match_id=match.id, kind="second_yellow", minute=41,
            team_id=match.away_id, player_id=player(match.away, 2).id)


def test_with_a_lineup_the_lineup_rule_is_unchanged():
    match = make_match(kicked_off=True)
    refused("player_not_on_pitch", goal, match, match.home, 14)  # a substitute


def knockout_match():
    competition = make_competition(rule_set="uefa-2021")
    stage = Stage.objects.create(competition=competition, name="Final", kind=Stage.Kind.KNOCKOUT, legs=1)
    match = make_match(competition=competition, with_lineups=False, extra_time_possible=True)
    tie = Tie.objects.create(stage=stage, number=1, team_a=match.home, team_b=match.away)
    Match.objects.filter(pk=match.pk).update(tie=tie, leg=1, group=None)
    return match


def test_a_match_from_its_known_goals_goes_through_its_periods_with_the_shootout_as_a_result():
    match = knockout_match()
    goals = [
        KnownGoal(team_id=match.home_id, scorer="Lionel Messi", minute=23, kind=EventKind.PENALTY_GOAL),
        KnownGoal(team_id=match.away_id, scorer="Kylian Mbappé", minute=90, added_minute=2),
        KnownGoal(team_id=match.home_id, scorer="Lionel Messi", minute=108),
        KnownGoal(team_id=match.home_id, scorer="Own Goaler", minute=118, kind=EventKind.OWN_GOAL),
    ]
    record_known_goals(match_id=match.id, goals=goals, extra_time=True, penalties=(4, 2))
    match.refresh_from_db()
    assert (match.status, match.home_score, match.away_score) == ("finished", 2, 2)
    assert (match.home_extra_time_goals, match.away_extra_time_goals) == (1, 1)
    assert (match.home_penalties, match.away_penalties) == (4, 2)
    assert Player.objects.get(team=match.home, name="Lionel Messi").number is None
    end = match.events.get(kind=EventKind.PERIOD_END, period="second_half")
    assert end.added_minute == 2


def test_known_goals_that_do_not_make_the_recorded_ending_change_nothing():
    match = knockout_match()
    goals = [KnownGoal(team_id=match.home_id, scorer="Lionel Messi", minute=23)]
    refused("inconsistent_record", record_known_goals, match_id=match.id, goals=goals, extra_time=True)
    refused("minute_out_of_range", record_known_goals, match_id=match.id, goals=[
        KnownGoal(team_id=match.home_id, scorer="Lionel Messi", minute=100)])
    assert not match.events.exists()


@pytest.mark.parametrize("score", [(5, 1), (3, 3)])
def test_a_shootout_result_that_cannot_be_is_refused(score):
    match = knockout_match()
    record_known_goals(match_id=match.id, goals=[], extra_time=True, penalties=(4, 2))
    match = knockout_match()
    refused("invalid_score", record_known_goals, match_id=match.id, goals=[], extra_time=True, penalties=score)
    refused("not_in_shootout", record_shootout_result, match_id=match.id, home=4, away=2)
