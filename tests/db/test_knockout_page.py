"""The knockout part of a match: the tie in words, extra time and the shoot-out, on the page and in every change."""

import json

import pytest

from events import services
from events.models import Match
from live import messages
from tests.db.services.test_knockout_ties import goal, kick, play, to_penalties, two_legged_tie

pytestmark = pytest.mark.django_db


def test_a_second_leg_page_says_where_the_tie_stands(client):
    second, _team_a, team_b = two_legged_tie(first_leg=(2, 1))
    page = client.get(f"/matches/{second.id}/").content.decode()
    assert 'id="knockout"' in page and "Second leg" in page
    services.record_event(match_id=second.id, kind="period_start")
    goal(second, team_b, 9, minute=12)
    snapshot = messages.match_snapshot(second.id)
    tie = snapshot["match"]["knockout"]["tie"]
    assert tie["aggregate"] == [2, 2] and tie["legs"] == 2 and tie["leg"] == 2
    assert tie["sentence"] == "Level 2-2 on aggregate"
    assert "Level 2-2 on aggregate" in snapshot["html"]["knockout"]


def test_every_change_of_a_leg_carries_the_aggregate_in_words():
    second, _team_a, team_b = two_legged_tie(first_leg=(1, 0))
    services.record_event(match_id=second.id, kind="period_start")
    result = goal(second, team_b, 9, minute=30)
    result = goal(second, team_b, 10, minute=35)
    change = json.loads(messages.build_change_text(result.event.changes.get(), Match.objects.get(pk=second.pk)))
    assert change["match"]["knockout"]["tie"]["sentence"] == f"{team_b.short_name} lead 2-1 on aggregate"
    assert f"{team_b.short_name} lead 2-1 on aggregate" in change["html"]["knockout"]


def test_the_shoot_out_is_a_row_of_kicks_per_team_apart_from_the_score():
    second, team_a, team_b = to_penalties()
    kick(second, team_b, 2, "scored")
    saved = kick(second, team_a, 2, "saved")
    services.order_retake(event_id=saved.event.id, reason="Keeper off his line")
    last = kick(second, team_a, 3, "scored")
    change = json.loads(messages.build_change_text(last.event.changes.get(), Match.objects.get(pk=second.pk)))
    knockout = change["match"]["knockout"]
    assert knockout["penalties"] == {"home": 1, "away": 1} and knockout["extra_time"] is True
    first, other = knockout["shootout"]
    assert (first["side"], [k["outcome"] for k in first["kicks"]]) == ("home", ["scored"])
    assert [(k["outcome"], k["retaken"]) for k in other["kicks"]] == [("saved", True), ("scored", False)]
    html = change["html"]["knockout"]
    assert html.count('class="kick kick--') == 3 and "kick--retaken" in html and "ordered retaken" in html
    assert "After extra time; penalties 1–1" in html
    assert (change["match"]["home_score"], change["match"]["away_score"]) == (1, 0)


def test_a_group_match_has_no_knockout_part():
    from tests.factories import make_match

    match = make_match(kicked_off=True)
    assert messages.match_snapshot(match.id)["match"]["knockout"] is None


def test_a_finished_tie_names_its_winner_and_how():
    second, _team_a, team_b = two_legged_tie(first_leg=(1, 0))
    play(second, (2, 0))
    tie = messages.match_snapshot(second.id)["match"]["knockout"]["tie"]
    assert tie["winner"] == team_b.id and tie["decided_by"] == "aggregate"
    assert tie["sentence"] == f"{team_b.short_name} win 2-1 on aggregate"
