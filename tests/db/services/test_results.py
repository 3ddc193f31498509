"""A match followed by its score only (record_score): live and finished without events, pushed like any change."""

from datetime import timedelta

import pytest
from django.utils import timezone

from events import services
from events.models import Change, Group, Match, Period
from events.reads import tables
from tests.db.services.helpers import refused
from tests.factories import make_competition, make_match, make_team, make_user

pytestmark = pytest.mark.django_db


def league_match(**overrides) -> Match:
    competition = make_competition(season="2024-25", rule_set="uefa-2021")
    group = Group.objects.create(competition=competition, name="League")
    return make_match(group=group, **{"with_lineups": False, **overrides})


def score(match, home_goals, away_goals, period, **extra) -> Match:
    return services.record_score(
        match_id=match.id, home_goals=home_goals, away_goals=away_goals, period=period, **extra
    )


def test_a_match_goes_live_with_a_running_clock_then_finishes_at_its_score(django_capture_on_commit_callbacks):
    match = league_match()
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        score(match, 0, 0, "first_half")
    match.refresh_from_db()
    assert (match.status, match.period, match.result_only) == (Match.Status.LIVE, Period.FIRST_HALF, True)
    assert match.period_started_at is not None and match.period_started_at >= before - timedelta(seconds=1)

    score(match, 1, 0, "half_time")
    match.refresh_from_db()
    assert (match.status, match.period, match.home_score, match.away_score) == ("live", "half_time", 1, 0)
    assert match.period_started_at is None  # a break: no clock

    score(match, 1, 0, "second_half")
    score(match, 2, 1, "full_time")
    match.refresh_from_db()
    assert (match.status, match.period, match.home_score, match.away_score) == ("finished", "full_time", 2, 1)
    changes = list(Change.objects.filter(match=match).order_by("seq"))
    assert [change.op for change in changes] == ["result"] * 4
    assert [change.seq for change in changes] == [1, 2, 3, 4]
    assert changes[-1].match_state["home_score"] == 2 and changes[-1].match_state["status"] == "finished"
    assert changes[0].match_state["clock"]["running"] is True


def test_each_score_is_pushed_to_the_match_and_its_group(listen_to_match, listen_to_group,
                                                         django_capture_on_commit_callbacks):
    match = league_match()
    fan, table_fan = listen_to_match(match), listen_to_group(match.group)
    with django_capture_on_commit_callbacks(execute=True):
        score(match, 0, 0, "first_half")
    with django_capture_on_commit_callbacks(execute=True):
        score(match, 0, 1, "half_time")
    [kick_off, half_time] = [message for message in fan.messages() if message["type"] == "change"]
    assert (kick_off["op"], kick_off["seq"], half_time["seq"]) == ("result", 1, 2)
    assert kick_off["match"]["clock"]["running"] is True and kick_off["match"]["status"] == "live"
    assert half_time["match"]["away_score"] == 1 and half_time["match"]["period"] == "half_time"
    assert [m["seq"] for m in table_fan.messages() if m["type"] == "change"] == [1, 2]


def test_the_live_score_counts_in_the_table_at_once():
    match = league_match()
    score(match, 0, 2, "first_half")
    table = tables.group_table(match.group)
    assert table["provisional"] is True
    assert [(row["team"]["id"], row["points"]) for row in table["rows"]] == [(match.away_id, 3), (match.home_id, 0)]


def test_the_same_score_again_changes_nothing():
    match = league_match()
    score(match, 1, 0, "first_half")
    score(match, 1, 0, "first_half")
    assert Change.objects.filter(match=match).count() == 1


def test_a_score_in_the_same_half_keeps_its_clock():
    match = league_match()
    score(match, 0, 0, "second_half")
    started = Match.objects.get(pk=match.pk).period_started_at
    score(match, 1, 0, "second_half")
    assert Match.objects.get(pk=match.pk).period_started_at == started


def test_negative_goals_are_refused_naming_the_field():
    match = league_match()
    error = refused("invalid_score", score, match, 0, -1, "first_half")
    assert (error.field, error.status) == ("away_goals", 400)
    error = refused("invalid_score", score, match, -2, 0, "first_half")
    assert error.field == "home_goals"
    assert not Change.objects.filter(match=match).exists()


def test_an_unknown_period_or_kick_off_or_a_shootout_is_refused():
    match = league_match()
    for period in ("second half", "pre_match", "penalties"):
        error = refused("invalid_period", score, match, 0, 0, period)
        assert (error.field, error.status) == ("period", 400)


def test_extra_time_is_refused_for_a_match_that_cannot_go_to_it():
    match = league_match()
    error = refused("no_extra_time", score, match, 1, 1, "extra_time_first_half")
    assert error.field == "period"


def test_a_period_that_goes_backwards_is_refused():
    match = league_match()
    score(match, 1, 0, "second_half")
    error = refused("period_backwards", score, match, 1, 0, "first_half")
    assert error.status == 409 and error.field == "period"
    assert Match.objects.get(pk=match.pk).period == Period.SECOND_HALF


def test_a_match_with_events_is_refused():
    match = league_match(kicked_off=True, with_lineups=True)
    error = refused("has_events", score, match, 1, 0, "first_half")
    assert error.status == 409
    assert Match.objects.get(pk=match.pk).home_score == 0


def test_a_finished_match_is_corrected_only_by_an_admin_with_a_reason():
    match = league_match()
    score(match, 2, 1, "full_time")
    editor, admin = make_user(), make_user(role="Admins")
    error = refused("match_finished", score, match, 2, 2, "full_time", user=editor)
    assert error.status == 403
    error = refused("required", score, match, 2, 2, "full_time", user=admin)
    assert (error.field, error.status) == ("reason", 400)
    error = refused("match_finished", score, match, 2, 2, "full_time")
    assert error.status == 403  # nobody named: no correction
    score(match, 2, 2, "full_time", user=admin, reason="The referee's report: the late goal counted")
    match.refresh_from_db()
    assert (match.home_score, match.away_score, match.status) == (2, 2, "finished")
    correction = Change.objects.filter(match=match).order_by("-seq").first()
    assert correction.reason == "The referee's report: the late goal counted" and correction.user == admin
    assert correction.before == {"home_goals": 2, "away_goals": 1, "period": "full_time"}


def test_a_deciding_leg_level_after_90_minutes_cannot_finish_there():
    home, away = make_team(), make_team()
    competition = make_competition(season="2024-25", rule_set="uefa-2021")
    final = make_match(home=home, away=away, competition=competition, with_lineups=False, extra_time_possible=True)
    error = refused("extra_time_due", score, final, 1, 1, "full_time")
    assert error.field == "period"
    score(final, 2, 1, "full_time")
    assert Match.objects.get(pk=final.pk).status == Match.Status.FINISHED


def test_goals_after_90_minutes_are_extra_time_goals():
    competition = make_competition(season="2024-25", rule_set="uefa-2021")
    final = make_match(competition=competition, with_lineups=False, extra_time_possible=True)
    score(final, 1, 1, "before_extra_time")
    score(final, 2, 1, "extra_time_first_half")
    error = refused("invalid_score", score, final, 0, 1, "extra_time_second_half")
    assert error.field == "home_goals"  # below the score after 90 minutes
    score(final, 3, 1, "full_time")
    final.refresh_from_db()
    assert (final.extra_time_played, final.home_extra_time_goals, final.away_extra_time_goals) == (True, 2, 0)


def test_a_retried_final_score_is_answered_not_refused():
    match = league_match()
    editor = make_user()
    score(match, 2, 1, "full_time", user=editor)
    again = score(match, 2, 1, "full_time", user=editor)
    assert (again.status, again.home_score) == (Match.Status.FINISHED, 2)
    assert Change.objects.filter(match=match).count() == 1
