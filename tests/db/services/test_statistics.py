"""Match statistics (shots, shots on target, corners, fouls, offsides): counter events recorded, corrected and
removed through the services, counted per team from the active events, and carried by every change."""

import pytest

from events import services
from events.models import Change, Match, MatchEvent
from events.reads import matches, stats
from tests.db.services.helpers import goal, refused
from tests.factories import make_match, player

pytestmark = pytest.mark.django_db

STATISTIC_NAMES = ["shots", "shots_on_target", "corners", "fouls", "offsides"]


def record(match, team, kind, minute=10, **extra):
    return services.record_event(match_id=match.id, kind=kind, minute=minute, team_id=team.id if team else None,
                                 **extra)


def statistics(match) -> dict | None:
    return matches.match_detail(match.id)["match"]["statistics"]


def counts(match, side: str) -> dict[str, int]:
    found = statistics(match)
    return {name: found[name][side] for name in STATISTIC_NAMES}


def stored(match) -> tuple[int, int]:
    """How many events the match has, and its seq: a refusal changes neither."""
    return MatchEvent.objects.filter(match=match).count(), Match.objects.get(pk=match.id).seq


# --- each kind ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, counted",
    [
        ("shot", {"shots"}),
        # A shot on target is recorded once and counts as a shot too.
        ("shot_on_target", {"shots", "shots_on_target"}),
        ("corner", {"corners"}),
        ("foul", {"fouls"}),
        ("offside", {"offsides"}),
    ],
)
def test_each_statistic_counts_for_its_team_and_changes_neither_score_nor_period(kind, counted):
    match = make_match(kicked_off=True)
    goal(match, match.home, 9, minute=5)
    match.refresh_from_db()
    before = (match.home_score, match.away_score, match.period, match.status)

    result = record(match, match.away, kind, minute=12)

    match.refresh_from_db()
    assert result.created and result.event.kind == kind and result.event.period == "first_half"
    assert (match.home_score, match.away_score, match.period, match.status) == before
    assert counts(match, "away") == {name: int(name in counted) for name in STATISTIC_NAMES}
    assert counts(match, "home") == dict.fromkeys(STATISTIC_NAMES, 0)


def test_counts_add_up_per_team():
    match = make_match(kicked_off=True)
    for kind, team in [("shot", match.home), ("shot_on_target", match.home), ("shot_on_target", match.home),
                       ("corner", match.home), ("foul", match.away), ("foul", match.away), ("offside", match.away)]:
        record(match, team, kind)
    assert counts(match, "home") == {"shots": 3, "shots_on_target": 2, "corners": 1, "fouls": 0, "offsides": 0}
    assert counts(match, "away") == {"shots": 0, "shots_on_target": 0, "corners": 0, "fouls": 2, "offsides": 1}


def test_a_match_without_any_statistic_has_none():
    match = make_match(kicked_off=True)
    goal(match, match.home, 9)
    assert statistics(match) is None


def test_a_player_is_optional_and_when_named_is_on_the_pitch_for_that_team():
    match = make_match(kicked_off=True)
    assert record(match, match.home, "foul").event.player_id is None
    named = record(match, match.home, "shot", player_id=player(match.home, 9).id)
    assert named.event.player_id == player(match.home, 9).id

    before = stored(match)
    error = refused("player_team_mismatch", record, match, match.home, "shot", player_id=player(match.away, 9).id)
    assert error.field == "player"
    error = refused("player_not_on_pitch", record, match, match.home, "offside", player_id=player(match.home, 14).id)
    assert error.field == "player"
    assert stored(match) == before


# --- bad input is refused, naming the field, and stores nothing ------------------------------------


@pytest.mark.parametrize("kind", ["shot", "shot_on_target", "corner", "foul", "offside"])
def test_a_statistic_without_a_team_is_refused_naming_the_team(kind):
    match = make_match(kicked_off=True)
    before = stored(match)
    error = refused("required", record, match, None, kind)
    assert error.field == "team" and error.status == 400
    assert stored(match) == before


@pytest.mark.parametrize(
    "call, code, field",
    [
        (lambda m, other: record(m, other.home, "corner"), "team_not_in_match", "team"),
        (lambda m, other: services.record_event(match_id=m.id, kind="corner", team_id=m.home_id), "required",
         "minute"),
        (lambda m, other: record(m, m.home, "corner", minute=131), "minute_out_of_range", "minute"),
        (lambda m, other: record(m, m.home, "corner", minute=60), "minute_out_of_range", "minute"),
        (lambda m, other: record(m, m.home, "shot", player_id=player(m.home, 9).id,
                                 second_player_id=player(m.home, 10).id), "invalid_field", "second_player"),
        (lambda m, other: record(m, m.home, "shot", goal_type="header"), "invalid_field", "goal_type"),
        (lambda m, other: record(m, m.home, "foul", injury=True), "invalid_field", "injury"),
        (lambda m, other: record(m, m.home, "foul", var_category="goal"), "invalid_field", "reviewed_event"),
        (lambda m, other: record(m, m.home, "shot", player_id=player(other.home, 9).id), "player_not_in_match",
         "player"),
    ],
    ids=["team of another match", "no minute", "minute past the last", "minute of a half not started",
         "a second player", "a goal type", "the injury flag", "a VAR field", "a player of another match"],
)
def test_bad_statistics_are_refused_naming_the_field_and_store_nothing(call, code, field):
    match, other = make_match(kicked_off=True), make_match()
    before = stored(match)
    error = refused(code, call, match, other)
    assert error.field == field
    assert stored(match) == before


def test_statistics_wait_for_kick_off_like_any_event():
    match = make_match()
    error = refused("match_not_started", record, match, match.home, "corner", minute=1)
    assert error.status == 409
    assert not MatchEvent.objects.filter(match=match).exists()


# --- corrections -----------------------------------------------------------------------------------


def test_removal_lowers_the_count_and_the_last_removal_leaves_no_statistics():
    match = make_match(kicked_off=True)
    first = record(match, match.home, "corner", minute=3)
    second = record(match, match.home, "corner", minute=8)
    assert counts(match, "home")["corners"] == 2

    services.remove_event(event_id=second.event.id, expected_version=1, reason="Goal kick, not a corner")
    assert counts(match, "home")["corners"] == 1
    assert MatchEvent.objects.get(pk=second.event.id).state == MatchEvent.State.REMOVED

    services.remove_event(event_id=first.event.id)
    assert statistics(match) is None
    assert Change.objects.filter(match=match, op=Change.Op.REMOVE).count() == 2


def test_a_shot_corrected_to_on_target_counts_in_both_and_moving_team_moves_the_count():
    match = make_match(kicked_off=True)
    shot = record(match, match.home, "shot", minute=20)
    amended = services.amend_event(event_id=shot.event.id, changes={"kind": "shot_on_target"}, expected_version=1)
    assert counts(match, "home")["shots"] == 1 and counts(match, "home")["shots_on_target"] == 1

    services.amend_event(event_id=amended.event.id, changes={"team": match.away_id}, expected_version=2)
    assert counts(match, "home") == dict.fromkeys(STATISTIC_NAMES, 0)
    assert counts(match, "away")["shots"] == 1 and counts(match, "away")["shots_on_target"] == 1


def test_a_retried_submission_counts_once():
    match = make_match(kicked_off=True)
    record(match, match.away, "offside", idempotency_key="offside-1")
    record(match, match.away, "offside", idempotency_key="offside-1")
    assert counts(match, "away")["offsides"] == 1


# --- the counts travel with every change --------------------------------------------------------------


def test_every_change_carries_the_new_counts(django_capture_on_commit_callbacks, listen_to_match):
    match = make_match(kicked_off=True)
    fans = listen_to_match(match)
    with django_capture_on_commit_callbacks(execute=True):
        corner = record(match, match.away, "corner", minute=30)
    [added] = fans.messages()
    assert added["event"]["kind"] == "corner" and added["event"]["is_statistic"] is True
    assert added["match"]["statistics"]["corners"] == {"home": 0, "away": 1}

    with django_capture_on_commit_callbacks(execute=True):
        goal(match, match.home, 9, minute=31)
    [scored] = fans.messages()
    assert scored["event"]["is_statistic"] is False
    assert scored["match"]["statistics"]["corners"] == {"home": 0, "away": 1}  # not only the stats' own changes

    with django_capture_on_commit_callbacks(execute=True):
        services.remove_event(event_id=corner.event.id)
    [removed] = fans.messages()
    assert removed["op"] == "remove" and removed["match"]["statistics"] is None


# --- the count itself, without the database ------------------------------------------------------------


def test_counting_takes_only_the_statistic_kinds_of_the_two_teams():
    class Event:
        def __init__(self, kind, team_id):
            self.kind, self.team_id = kind, team_id

    events = [Event("shot_on_target", 1), Event("shot", 2), Event("goal", 1), Event("corner", 3), Event("foul", None)]
    counted = stats.match_statistics(home_id=1, away_id=2, events=events)
    assert counted["shots"] == {"home": 1, "away": 1}
    assert counted["shots_on_target"] == {"home": 1, "away": 0}
    assert counted["corners"] == {"home": 0, "away": 0}
    assert list(counted) == STATISTIC_NAMES
    assert stats.match_statistics(home_id=1, away_id=2, events=[Event("goal", 1)]) is None
