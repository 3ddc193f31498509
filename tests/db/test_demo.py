import pytest
from django.core.management import call_command

from events import demo
from events.models import Change, Match, MatchEvent
from events.reads import changelog, matches, tables

pytestmark = pytest.mark.django_db


def table_summary(match):
    return [
        (row["team"]["short_name"], row["points"], row["goals_for"], row["goals_against"])
        for row in tables.group_table(match.group)["rows"]
    ]


AFTER_MATCHDAY_5 = [("Liverpool", 10, 11, 8), ("Napoli", 9, 7, 4), ("Salzburg", 7, 16, 11), ("Genk", 1, 5, 16)]


def test_demo_reproduces_the_report_and_the_table_after_matchday_5():
    match = demo.load_demo()
    assert (match.home.short_name, match.home_score, match.away_score, match.away.short_name) == (
        "Liverpool", 1, 1, "Napoli")
    assert match.status == "finished"
    assert table_summary(match) == AFTER_MATCHDAY_5
    events = [(e.minute, e.kind, e.player.short_name if e.player else None,
               e.second_player.short_name if e.second_player else None)
              for e in matches.match_events(match.id) if e.kind not in ("period_start", "period_end", "added_time")]
    assert events == [
        (19, "injury", "Fabinho", None),
        (19, "substitution", "Fabinho", "Lallana"),
        (21, "goal", "Mertens", "Di Lorenzo"),
        (22, "var_check", None, None),
        (57, "substitution", "Gomez", "Oxlade-Chamberlain"),
        (65, "goal", "Lovren", "Milner"),
        (66, "var_check", None, None),
        (78, "substitution", "Milner", "Alexander-Arnold"),
    ]
    lovren = MatchEvent.objects.get(match=match, kind="goal", player__short_name="Lovren")
    assert lovren.goal_type == "header"
    assert [check.var_outcome for check in MatchEvent.objects.filter(kind="var_check")] == ["stands", "stands"]
    assert MatchEvent.objects.get(kind="substitution", minute=19).injury


def test_matchday_6_is_still_to_play():
    match = demo.load_demo()
    matchday_6 = Match.objects.filter(group=match.group, matchday=6)
    assert sorted(str(m) for m in matchday_6) == [
        "RB Salzburg v Liverpool FC (2019-12-10)", "SSC Napoli v KRC Genk (2019-12-10)"]
    assert {m.status for m in matchday_6} == {"scheduled"}
    assert {m.kickoff.strftime("%H:%M %Z") for m in matchday_6} == {"17:55 UTC"}


def test_loading_the_demo_twice_changes_nothing():
    demo.load_demo()
    counts = (Match.objects.count(), MatchEvent.objects.count(), Change.objects.count())
    demo.load_demo()
    assert (Match.objects.count(), MatchEvent.objects.count(), Change.objects.count()) == counts


def test_replay_plays_the_match_again_and_leaves_the_same_final_state():
    match = demo.load_demo()
    before = [(e.minute, e.kind, e.player_id, e.second_player_id, e.var_outcome)
              for e in matches.match_events(match.id)]
    call_command("replay_match", speed=0)
    match.refresh_from_db()
    after = [(e.minute, e.kind, e.player_id, e.second_player_id, e.var_outcome)
             for e in matches.match_events(match.id)]
    assert after == before
    assert (match.home_score, match.away_score, match.status) == (1, 1, "finished")
    assert table_summary(match) == AFTER_MATCHDAY_5


def test_demo_accounts_have_their_roles(settings):
    settings.DEMO_MODE = True
    demo.load_demo()
    from django.contrib.auth import get_user_model

    editor = get_user_model().objects.get(username="editor")
    assert editor.has_perm("events.add_matchevent") and not editor.has_perm("events.correct_match")
    assert get_user_model().objects.get(username="admin").has_perm("events.correct_match")


def test_no_demo_accounts_outside_demo_mode(settings):
    settings.DEMO_MODE = False
    demo.load_demo()
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.exists()


def test_a_page_from_before_a_replay_reset_gets_a_snapshot_not_a_hole():
    match = demo.load_demo()
    seen = match.seq
    call_command("replay_match", reset_only=True)
    assert changelog.changes_since(match.id, seen) is None
    from events import services

    services.record_event(match_id=match.id, kind="period_start")
    assert changelog.changes_since(match.id, seen) is None


def test_the_changes_api_refuses_a_seq_from_before_a_reset(client):
    match = demo.load_demo()
    seen = match.seq
    call_command("replay_match", reset_only=True)
    response = client.get(f"/api/matches/{match.id}/changes?since={seen}")
    assert response.status_code == 400 and response.json()["code"] == "unknown_seq"


def test_matchday_6_replays_both_matches_together_to_the_real_final_table():
    match = demo.load_demo()
    call_command("replay_match", matchday=6, speed=0)
    assert table_summary(match) == [
        ("Liverpool", 13, 13, 8), ("Napoli", 12, 11, 4), ("Salzburg", 7, 16, 13), ("Genk", 1, 5, 20)]
    assert {m.status for m in demo.matchday_6_matches()} == {"finished"}
    scorers = [event.player.short_name for m in demo.matchday_6_matches() for event in matches.match_events(m.id)
               if event.kind in ("goal", "penalty_goal")]
    assert scorers == ["Milik", "Milik", "Milik", "Mertens", "Keïta", "Salah"]


def test_matchday_6_replay_interleaves_the_two_matches_by_minute():
    match = demo.load_demo()
    order = []
    demo.play_matches(demo.matchday_6_matches(),
                      submit=lambda m, payload: order.append((payload["minute"], m.home.code)) or len(order))
    assert order == sorted(order, key=lambda item: item[0])
    assert {code for _minute, code in order} == {"NAP", "SAL"}
    assert match.status == "finished"
