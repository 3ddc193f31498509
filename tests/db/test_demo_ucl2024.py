"""The 2024-25 demo: the league phase after matchday 7, and matchday 8 replayed from the scores the data holds."""

import io
import json
from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from events import demo, demo_ucl2024
from events.demo_ucl2024 import NightMatch
from events.importer import split_team
from events.models import Change, Match, Stage, Tie
from events.reads import tables
from tests.unit.test_standings import UCL_2024_25_LEAGUE_PHASE

MATCHDAY_8_KICKOFF = datetime(2025, 1, 29, 20, 0, tzinfo=UTC)  # 21:00 CET


def file_matchday_8() -> list[dict]:
    data = json.loads(demo_ucl2024.DATA_FILE.read_text(encoding="utf-8"))
    return [match for match in data["matches"] if match["round"] == "League, Matchday 8"]


class FakeClock:
    """time.monotonic and time.sleep for a replay that takes no time."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


# --- loading ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_league_phase_is_loaded_to_matchday_7_with_matchday_8_to_play_at_one_moment(client):
    loaded = demo_ucl2024.load()
    group = loaded.group
    finished = group.matches.filter(status=Match.Status.FINISHED)
    assert finished.count() == loaded.played == 126
    assert set(finished.values_list("matchday", flat=True)) == set(range(1, 8))
    to_play = group.matches.filter(matchday=8)
    assert to_play.count() == len(loaded.to_play) == 18
    assert all(match.status == Match.Status.SCHEDULED and not match.result_only for match in to_play)
    assert set(to_play.values_list("kickoff", flat=True)) == {MATCHDAY_8_KICKOFF}
    assert len({*group.matches.values_list("home", flat=True)}) == 36
    # The draw is still to come: no knockout round, no tie; the bracket shows where the positions lead.
    competition = group.competition
    assert not Stage.objects.filter(competition=competition, kind=Stage.Kind.KNOCKOUT).exists()
    assert not Tie.objects.filter(stage__competition=competition).exists()
    bracket = client.get(f"/api/competitions/{competition.id}/bracket").json()
    assert bracket["rounds"] == [] and bracket["league_phase"]["complete"] is False
    # The file's errors are reported, and none stops the demo.
    assert loaded.problems and not loaded.problems_loaded


@pytest.mark.django_db
def test_loading_again_changes_nothing_and_takes_matchday_8_back_to_not_played():
    first = demo_ucl2024.load()
    seqs = dict(first.group.matches.values_list("id", "seq"))
    changes = Change.objects.count()
    again = demo_ucl2024.load()
    assert dict(again.group.matches.values_list("id", "seq")) == seqs
    assert Change.objects.count() == changes

    matches, night = demo_ucl2024.live_night()
    demo_ucl2024.play_night(matches, night)
    assert all(match.status == Match.Status.FINISHED for match in first.group.matches.filter(matchday=8))
    demo_ucl2024.load()
    states = {(m.status, m.result_only, m.home_score, m.away_score) for m in first.group.matches.filter(matchday=8)}
    assert states == {("scheduled", False, 0, 0)}
    assert first.group.matches.filter(status=Match.Status.FINISHED).count() == 126


@pytest.mark.django_db
def test_the_load_command_says_what_it_loaded_and_lists_the_files_problems():
    output = io.StringIO()
    call_command("load_demo", "--demo", "ucl2024", stdout=output)
    text = output.getvalue()
    assert "126 results of matchdays 1-7, matchday 8's 18 matches to play" in text
    assert "none of them in what the demo loads" in text
    assert "a shootout cannot end level (4-4)" in text


# --- the replay's timeline, from the data ----------------------------------------------------------


def test_every_matchday_8_match_gets_exactly_its_half_time_and_final_score_and_nothing_else():
    night = demo_ucl2024.night_matches()
    expected = [
        (split_team(m["team1"])[0], split_team(m["team2"])[0], tuple(m["score"]["ht"]), tuple(m["score"]["ft"]))
        for m in file_matchday_8()
    ]
    assert [(m.home, m.away, m.half_time, m.full_time) for m in night] == expected
    cues = demo_ucl2024.timeline(night, speed=30)
    posted = sorted((cue.match, cue.period, (cue.home_goals, cue.away_goals)) for cue in cues)
    assert posted == sorted(
        entry
        for number, (_home, _away, half_time, full_time) in enumerate(expected)
        for entry in [
            (number, "first_half", (0, 0)),
            (number, "half_time", half_time),
            (number, "second_half", half_time),
            (number, "full_time", full_time),
        ]
    )


def test_the_18_kick_off_together_and_the_whistles_are_staggered_over_a_few_seconds():
    night = demo_ucl2024.night_matches()
    speed = 30
    cues = demo_ucl2024.timeline(night, speed=speed)
    assert [cue.seconds for cue in cues] == sorted(cue.seconds for cue in cues)
    at = {period: [cue.seconds for cue in cues if cue.period == period]
          for period in ("first_half", "half_time", "second_half", "full_time")}
    assert at["first_half"] == [0.0] * 18
    half = 45 * 60 / speed  # 90 s at 30x
    assert at["half_time"][0] == half and at["half_time"][-1] == half + demo_ucl2024.STAGGER_SECONDS
    assert len(set(at["half_time"])) == 18
    assert set(at["second_half"]) == {at["half_time"][-1] + demo.break_seconds(speed)}
    assert at["full_time"][0] == at["second_half"][0] + half
    assert at["full_time"][-1] - at["full_time"][0] == demo_ucl2024.STAGGER_SECONDS


def test_a_score_the_data_lacks_is_not_made_up():
    night = [
        NightMatch("A", "B", (1, 0), (2, 0)),
        NightMatch("C", "D", None, (0, 1)),  # no half-time score
        NightMatch("E", "F", None, None),  # not played
    ]
    cues = demo_ucl2024.timeline(night, speed=60)
    assert {cue.match for cue in cues} == {0, 1}
    assert [(cue.period, cue.home_goals, cue.away_goals) for cue in cues if cue.match == 1] == [
        ("first_half", 0, 0), ("full_time", 0, 1)]


def test_a_half_time_score_above_the_final_one_or_not_a_score_is_left_out():
    text = json.dumps({"name": "UEFA Champions League 2024/25", "matches": [
        {"round": "League, Matchday 8", "date": "2025-01-29", "team1": "A (ENG)", "team2": "B (ESP)",
         "score": {"ht": [2, 0], "ft": [1, 0]}},
        {"round": "League, Matchday 8", "date": "2025-01-29", "team1": "C (ENG)", "team2": "D (ESP)",
         "score": {"ht": ["1", 0], "ft": [1, 1]}},
        {"round": "League, Matchday 7", "date": "2025-01-22", "team1": "A (ENG)", "team2": "D (ESP)",
         "score": {"ht": [0, 0], "ft": [0, 0]}},
    ]})
    assert demo_ucl2024.night_matches(text) == [NightMatch("A", "B", None, (1, 0)), NightMatch("C", "D", None, (1, 1))]


# --- the replay through the services -------------------------------------------------------------------


def table_rows(group):
    return [(row["position"], row["team"]["name"], row["points"], row["goal_difference"], row["goals_for"])
            for row in tables.group_table(group)["rows"]]


@pytest.mark.django_db
def test_the_replay_moves_the_table_to_the_real_final_league_phase_table(listen_to_group, settings,
                                                                        django_capture_on_commit_callbacks):
    # The night's messages are read at its end: room for all of them on the listener's channel.
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer",
                                           "CONFIG": {"capacity": 1000}}}
    loaded = demo_ucl2024.load()
    group = loaded.group
    before = table_rows(group)
    matches, night = demo_ucl2024.live_night()
    fan = listen_to_group(group)
    clock = FakeClock()
    seen = []

    def played(match, cue):
        table = tables.group_table(group)
        seen.append((clock.now, cue.period, table["provisional"], [row["team"]["id"] for row in table["rows"]]))

    with django_capture_on_commit_callbacks(execute=True):
        demo_ucl2024.play_night(matches, night, speed=90, sleep=clock.sleep, clock=clock, played=played)

    expected = [(position, split_team(name)[0], points, difference, goals)
                for position, name, points, difference, goals in UCL_2024_25_LEAGUE_PHASE]
    assert table_rows(group) == expected
    assert before != expected
    assert not tables.group_table(group)["provisional"]
    # Provisional while any match is live; the order moves at half-time as well as at full time.
    assert all(provisional for _at, period, provisional, _order in seen[:-1])
    orders = {period: order for _at, period, _provisional, order in seen}
    assert orders["half_time"] != orders["full_time"]
    # The clock ran: the replay took the compressed night (two 30 s halves, a 10 s break, the whistles).
    assert clock.now == pytest.approx(30 + 4 + 10 + 30 + 4)
    # Every score reached the table's socket as a change of its match.
    changes = [message for message in fan.messages() if message["type"] == "change"]
    assert len(changes) == 18 * 4
    assert {message["op"] for message in changes} == {"result"}
    assert sorted(message["match_id"] for message in changes) == sorted([match.id for match in matches] * 4)
    for match in matches:
        match.refresh_from_db()
    by_teams = {(m.home.name, m.away.name): (m.home_score, m.away_score) for m in matches}
    assert by_teams == {(n.home, n.away): n.full_time for n in night}


@pytest.mark.django_db
def test_the_replay_command_narrates_each_half_time_and_final_score():
    demo_ucl2024.load()
    output = io.StringIO()
    call_command("replay_match", "--demo", "ucl2024", "--speed", "0", stdout=output)
    text = output.getvalue()
    assert "Kick-off in all 18 matches of matchday 8." in text
    assert text.count("Half-time: ") == 18 and text.count("Full time: ") == 18
    assert "Half-time: Aston Villa 2-2 Celtic." in text and "Full time: Aston Villa 4-2 Celtic." in text
    assert "Final table: 1 Liverpool, 2 Barcelona, 3 Arsenal" in text
    assert "24 Club Brugge KV, 25 GNK Dinamo Zagreb." in text
    assert "Replay finished: 18 of matchday 8's 18 matches played." in text


@pytest.mark.django_db
def test_the_banner_names_the_matchday_view_the_table_and_the_bracket():
    loaded = demo_ucl2024.load()
    text = demo.banner(demo_name="ucl2024", base_url="http://127.0.0.1:8000/", speed=90,
                       server_log="logs/demo-server.log", kickoff_wait=20)
    group, competition = loaded.group, loaded.group.competition
    assert f"http://127.0.0.1:8000/groups/{group.id}/matchdays/8/" in text
    assert f"League table: http://127.0.0.1:8000/groups/{group.id}/" in text
    assert f"http://127.0.0.1:8000/competitions/{competition.id}/bracket/" in text
    assert "18 matches at once" in text and "36-team table" in text and "29 January 2025" in text
    assert "Half-time lasts 10 s." in text
    assert "DEMO=ucl2024" not in text
    assert "DEMO=liverpool-napoli make run" in text and "DEMO=matchday6 make run" in text
