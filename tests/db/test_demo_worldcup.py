"""The World Cup demos: the 2026 group stage before its last round, replayed from its recorded goals, with the
thirds' race moving; the 2022 final with extra time and the shoot-out's result."""

import io
import itertools
import json

import pytest
from django.core.management import call_command

from events import demo, demo_worldcup, replay
from events.models import EventKind, Match, MatchEvent
from events.reads import thirds

pytestmark = pytest.mark.django_db


def raw(name: str) -> list[dict]:
    return json.loads(demo_worldcup.EDITIONS[name].data_file.read_text(encoding="utf-8"))["matches"]


def test_the_2026_demo_loads_the_group_stage_before_its_last_round_and_loading_again_changes_nothing():
    loaded = demo_worldcup.load("worldcup2026")
    assert (loaded.played, len(loaded.to_play)) == (48, 24)
    assert all(demo_worldcup.at_kick_off(match) for match in loaded.to_play)
    assert {match.matchday for match in loaded.to_play} == {3}
    # The knockout rounds are not loaded: the bracket is what the tables make of them.
    assert not Match.objects.filter(competition=loaded.competition, group__isnull=True).exists()
    events = MatchEvent.objects.count()
    again = demo_worldcup.load("worldcup2026")
    assert (again.played, len(again.to_play), MatchEvent.objects.count()) == (48, 24, events)


def test_the_two_matches_of_a_group_kick_off_together_and_the_groups_follow_each_other():
    demo_worldcup.load("worldcup2026")
    pairs = demo_worldcup.live_matches("worldcup2026")
    slots = demo_worldcup.slots(pairs)
    assert len(slots) == 12
    assert all(len(slot) == 2 and slot[0][0].group_id == slot[1][0].group_id for slot in slots)
    cues = demo_worldcup.timeline(pairs, speed=90)
    kickoffs = {}
    for cue in cues:
        if cue.step.kind == EventKind.PERIOD_START and cue.step.minute == 0:
            kickoffs.setdefault(cue.match.group_id, set()).add(cue.seconds)
    assert all(len(seconds) == 1 for seconds in kickoffs.values())  # both matches of a group at once
    ordered = sorted(kickoffs.items(), key=lambda item: min(item[1]))
    assert [group for group, _ in ordered] == [slot[0][0].group_id for slot in slots]
    for (group, _), (_next, [next_start]) in itertools.pairwise(ordered):
        last = max(cue.seconds for cue in cues if cue.match.group_id == group)
        assert next_start >= last + demo_worldcup.SLOT_GAP_SECONDS
    # Each goal when the clock reads the file's minute: 90 match minutes a real minute, after the start.
    goal = next(cue for cue in cues if cue.step.kind in (EventKind.GOAL, EventKind.PENALTY_GOAL)
                and cue.step.minute < 45)
    start = min(kickoffs[goal.match.group_id])
    assert goal.seconds == pytest.approx(start + goal.step.minute * 60 / 90)


def test_replayed_the_last_round_ends_as_played_with_the_real_thirds_through():
    demo_worldcup.load("worldcup2026")
    pairs = demo_worldcup.live_matches("worldcup2026")
    out = io.StringIO()
    call_command("replay_match", demo_name="worldcup2026", speed=0, stdout=out)
    recorded = {(m["team1"], m["team2"]): m for m in raw("worldcup2026")}
    for match, _fixture in pairs:
        match.refresh_from_db()
        record = recorded[(match.home.name, match.away.name)]
        assert (match.status, [match.home_score, match.away_score]) == ("finished", record["score"]["ft"])
        goals = MatchEvent.objects.filter(match=match, kind__in=["goal", "penalty_goal", "own_goal"],
                                          state="active").select_related("player")
        named = sorted(goal.player.name for goal in goals)
        assert named == sorted(g["name"] for g in record.get("goals1", []) + record.get("goals2", []))
    round_of_32 = {team for m in raw("worldcup2026") if m["round"] == "Round of 32"
                   for team in (m["team1"], m["team2"])}
    ranking = thirds.third_placed_table(demo_worldcup.competition("worldcup2026"))
    through = {row["team"]["name"] for row in ranking["rows"] if row["above_cut"]}
    assert len(through) == 8 and through <= round_of_32
    assert not {row["team"]["name"] for row in ranking["rows"] if not row["above_cut"]} & round_of_32
    said = out.getvalue()
    assert "Thirds as it stands:" in said and " in" in said and " out" in said
    assert "Thirds (final):" in said.splitlines()[-2]
    assert said.strip().endswith("Replay finished: 24 of the 24 matches played.")


def test_the_2022_final_is_replayed_with_extra_time_and_the_shootout_as_a_result():
    loaded = demo_worldcup.load("worldcup2022-final")
    [final] = loaded.to_play
    assert (loaded.played, final.home.name, final.away.name) == (63, "Argentina", "France")
    script = replay.script_from_record(*demo_worldcup.live_matches("worldcup2022-final")[0])
    assert [step.minute for step in script if step.kind in ("goal", "penalty_goal")] == [23, 36, 80, 81, 108, 118]
    out = io.StringIO()
    call_command("replay_match", demo_name="worldcup2022-final", speed=0, stdout=out)
    final.refresh_from_db()
    assert (final.home_score, final.away_score, final.extra_time_played) == (3, 3, True)
    assert (final.home_penalties, final.away_penalties, final.status) == (4, 2, "finished")
    assert not MatchEvent.objects.filter(match=final, kind=EventKind.SHOOTOUT_KICK).exists()
    assert "Argentina win the shootout 4-2" in out.getvalue()


def test_the_banner_names_the_tournament_page_and_the_other_demos():
    loaded = demo_worldcup.load("worldcup2026")
    text = demo.banner(demo_name="worldcup2026", base_url="http://127.0.0.1:8000", speed=180,
                       server_log="logs/demo-server.log", kickoff_wait=20)
    assert f"http://127.0.0.1:8000/competitions/{loaded.competition.id}/ " in text
    assert "12 kick-offs of two at once" in text
    assert "DEMO=worldcup2022-final make run" in text


def test_a_reset_takes_back_extra_time_and_the_shootout_with_the_score():
    from events import services

    demo_worldcup.load("worldcup2022-final")
    call_command("replay_match", demo_name="worldcup2022-final", speed=0, stdout=io.StringIO())
    [(final, _fixture)] = demo_worldcup.live_matches("worldcup2022-final")
    services.reset_match(match_id=final.id)
    final.refresh_from_db()
    assert (final.home_score, final.away_score, final.status) == (0, 0, "scheduled")
    assert (final.extra_time_played, final.home_extra_time_goals, final.away_extra_time_goals) == (False, 0, 0)
    assert (final.home_penalties, final.away_penalties) == (None, None)
