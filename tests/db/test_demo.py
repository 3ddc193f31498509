import io

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
        "Liverpool",
        1,
        1,
        "Napoli",
    )
    assert match.status == "finished"
    assert table_summary(match) == AFTER_MATCHDAY_5
    events = [
        (
            e.minute,
            e.kind,
            e.player.short_name if e.player else None,
            e.second_player.short_name if e.second_player else None,
        )
        for e in matches.match_events(match.id)
        if e.kind not in ("period_start", "period_end", "added_time")
    ]
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
        "RB Salzburg v Liverpool FC (2019-12-10)",
        "SSC Napoli v KRC Genk (2019-12-10)",
    ]
    assert {m.status for m in matchday_6} == {"scheduled"}
    assert {m.kickoff.strftime("%H:%M %Z") for m in matchday_6} == {"17:55 UTC"}


def test_loading_the_demo_twice_changes_nothing():
    demo.load_demo()
    counts = (Match.objects.count(), MatchEvent.objects.count(), Change.objects.count())
    demo.load_demo()
    assert (Match.objects.count(), MatchEvent.objects.count(), Change.objects.count()) == counts


def test_replay_plays_the_match_again_and_leaves_the_same_final_state():
    match = demo.load_demo()
    before = [
        (e.minute, e.kind, e.player_id, e.second_player_id, e.var_outcome) for e in matches.match_events(match.id)
    ]
    call_command("replay_match", speed=0)
    match.refresh_from_db()
    after = [(e.minute, e.kind, e.player_id, e.second_player_id, e.var_outcome) for e in matches.match_events(match.id)]
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
        ("Liverpool", 13, 13, 8),
        ("Napoli", 12, 11, 4),
        ("Salzburg", 7, 16, 13),
        ("Genk", 1, 5, 20),
    ]
    assert {m.status for m in demo.matchday_6_matches()} == {"finished"}
    scorers = [
        event.player.short_name
        for m in demo.matchday_6_matches()
        for event in matches.match_events(m.id)
        if event.kind in ("goal", "penalty_goal")
    ]
    assert scorers == ["Milik", "Milik", "Milik", "Mertens", "Keïta", "Salah"]


def test_matchday_6_replay_interleaves_the_two_matches_by_minute():
    match = demo.load_demo()
    order = []
    demo.play_matches(
        demo.matchday_6_matches(),
        submit=lambda m, payload: order.append((payload["minute"], m.home.code)) or len(order),
    )
    assert order == sorted(order, key=lambda item: item[0])
    assert {code for _minute, code in order} == {"NAP", "SAL"}
    assert match.status == "finished"


# --- the replay in real time --------------------------------------------------------------------


def featured_script():
    from events.demo_data import FEATURED, SCRIPTS

    return SCRIPTS[FEATURED]


def cue_of(script, cues, kind, minute, *, decision=False):
    return next(
        cue
        for cue in cues
        if script[cue.step].kind == kind and script[cue.step].minute == minute and cue.decision == decision
    )


@pytest.mark.parametrize("speed", [1, 30, 90, 600])
def test_the_second_half_starts_after_a_half_time_break_at_any_speed(speed):
    script = featured_script()
    cues = demo.timeline(script, speed=speed)
    half_time, second_half = cue_of(script, cues, "period_end", 45), cue_of(script, cues, "period_start", 45)
    assert second_half.seconds - half_time.seconds == pytest.approx(demo.break_seconds(speed))
    assert demo.break_seconds(speed) >= 10
    # The second half's clock starts at 45 from its kick-off: the 57th minute comes 12 minutes after it.
    substitution = cue_of(script, cues, "substitution", 57)
    assert substitution.seconds - second_half.seconds == pytest.approx(12 * 60 / speed)


def test_half_time_lasts_fifteen_match_minutes_compressed():
    assert demo.break_seconds(30) == 30
    assert demo.break_seconds(1) == 15 * 60


@pytest.mark.parametrize("speed", [1, 30, 90, 600, 5000])
def test_a_var_check_lasts_several_seconds_and_play_waits_for_its_decision(speed):
    script = featured_script()
    cues = demo.timeline(script, speed=speed)
    for minute in (22, 66):
        check = cue_of(script, cues, "var_check", minute)
        decision = cue_of(script, cues, "var_check", minute, decision=True)
        assert decision.seconds - check.seconds >= 8 - 1e-9
        later = [cue for cue in cues if cue.step > check.step]
        assert all(cue.seconds >= decision.seconds for cue in later)
    assert [cue.seconds for cue in cues] == sorted(cue.seconds for cue in cues)


def test_matches_played_together_each_get_their_own_break():
    for key in demo.MATCHDAY_6:
        from events.demo_data import SCRIPTS

        script = SCRIPTS[key]
        cues = demo.timeline(script, speed=30)
        end = next(cue for cue in cues if script[cue.step].kind == "period_end")
        start = next(cue for cue in cues if script[cue.step].kind == "period_start" and cue.step > end.step)
        assert start.seconds - end.seconds == pytest.approx(demo.break_seconds(30))


def test_a_replay_sleeps_through_the_break_and_the_var_check():
    """The replay at 30x with a clock of its own: what is played when."""
    match = demo.load_demo()
    call_command("replay_match", reset_only=True, verbosity=0)
    clock = {"now": 0.0}
    played = []

    def sleep(seconds):
        clock["now"] += seconds

    demo.play_matches(
        [match],
        speed=30,
        sleep=sleep,
        clock=lambda: clock["now"],
        played=lambda m, step, decision: played.append((clock["now"], step.kind, step.minute, decision)),
    )
    at = {(kind, minute, decision): when for when, kind, minute, decision in played}
    assert at[("period_start", 45, False)] - at[("period_end", 45, False)] == pytest.approx(30)
    assert at[("var_check", 22, True)] - at[("var_check", 22, False)] == pytest.approx(8)
    match.refresh_from_db()
    assert (match.home_score, match.away_score, match.status) == (1, 1, "finished")


# --- what the console says ----------------------------------------------------------------------


def test_the_replay_narrates_kick_off_goals_var_half_time_and_full_time():
    demo.load_demo()
    out = io.StringIO()
    call_command("replay_match", speed=0, stdout=out)
    lines = out.getvalue().splitlines()
    assert "0'  Kick-off: Liverpool v Napoli." in lines[0]
    expected = [
        "21'  GOAL for Napoli: Mertens, assist Di Lorenzo. Liverpool 0-1 Napoli.",
        "22'  VAR check on Napoli's goal: possible offside in the build-up.",
        "VAR: the goal stands. Liverpool 0-1 Napoli.",
        "45+1'  Half-time: Liverpool 0-1 Napoli.",
        "45'  Second half under way: Liverpool 0-1 Napoli.",
        "65'  GOAL for Liverpool: Lovren, assist Milner. Liverpool 1-1 Napoli.",
        "90+4'  Full time: Liverpool 1-1 Napoli.",
    ]
    found = [next((line.strip() for line in lines if line.strip() == text), None) for text in expected]
    assert found == expected, out.getvalue()


def test_the_narration_names_each_match_of_a_matchday_and_the_penalties():
    demo.load_demo()
    out = io.StringIO()
    call_command("replay_match", matchday=6, speed=0, stdout=out)
    text = out.getvalue()
    assert "NAP-GNK    38'  GOAL for Napoli: Milik (penalty). Napoli 3-0 Genk." in text
    assert "SAL-LIV    58'  GOAL for Liverpool: Salah, assist Henderson. Salzburg 0-2 Liverpool." in text


def test_the_narration_states_how_long_half_time_lasts():
    match = demo.load_demo()
    [half_time] = [step for step in featured_script() if step.kind == "period_end" and step.minute == 45]
    assert demo.narration(match, half_time, speed=30).endswith("The break lasts 30 s.")


# --- the banner of `make run` ---------------------------------------------------------------------


def banner(demo_name):
    return demo.banner(
        demo_name=demo_name,
        base_url="http://127.0.0.1:8000",
        speed=30,
        server_log="logs/demo-server.log",
        kickoff_wait=20,
    )


def test_the_matchday_6_banner_names_the_matches_it_replays():
    featured = demo.load_demo()
    text = banner("matchday6")
    for match in demo.matchday_6_matches():
        assert f"http://127.0.0.1:8000/matches/{match.id}/   {match.home.short_name} v {match.away.short_name}" in text
    assert f"/groups/{featured.group_id}/matchdays/6/" in text
    assert f"/matches/{featured.id}/" not in text  # finished: not the live match
    assert "DEMO=matchday6" not in text  # what the reader has just run
    assert "DEMO=liverpool-napoli make run" in text


def test_the_liverpool_napoli_banner_names_its_match_and_the_other_demo():
    featured = demo.load_demo()
    text = banner("liverpool-napoli")
    assert f"Watch it:     http://127.0.0.1:8000/matches/{featured.id}/   Liverpool v Napoli" in text
    assert "DEMO=liverpool-napoli" not in text and "DEMO=matchday6 make run" in text
    assert "Half-time lasts 30 s, a VAR check 8 s." in text
    assert "logs/demo-server.log" in text and "at the latest in 20 s" in text
    assert not any(f"/matches/{match.id}/" in text for match in demo.matchday_6_matches())


# --- a reset through the server ------------------------------------------------------------------


def post_reset(client, match_id, token):
    return client.post(
        f"/api/matches/{match_id}/reset",
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"} if token else {},
    )


@pytest.fixture
def editor_token():
    from events import services
    from tests.factories import make_user

    return services.create_api_token(user=make_user(role="Editors"))


def test_a_reset_through_the_api_takes_the_match_back_and_tells_open_pages(
    settings, client, editor_token, listen_to_match, listen_to_group, django_capture_on_commit_callbacks
):
    settings.DEMO_MODE = True
    match = demo.load_demo()
    fans, table = listen_to_match(match), listen_to_group(match.group)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_reset(client, match.id, editor_token)
    assert response.status_code == 200, response.content
    match.refresh_from_db()
    assert response.json() == {"match_id": match.id, "seq": match.seq, "status": "scheduled"}
    assert (match.status, match.home_score, match.away_score, match.events.count()) == ("scheduled", 0, 0, 0)
    assert fans.messages() == [{"type": "resync", "match_id": match.id}]
    assert table.messages() == [{"type": "resync", "match_id": None}]


def test_a_reset_through_the_api_is_refused_outside_demo_mode(settings, client, editor_token):
    settings.DEMO_MODE = False
    match = demo.load_demo()
    response = post_reset(client, match.id, editor_token)
    assert response.status_code == 403 and "demo mode" in response.json()["detail"]
    match.refresh_from_db()
    assert (match.status, match.home_score, match.away_score) == ("finished", 1, 1)


def test_a_reset_through_the_api_needs_an_editor(settings, client):
    from events import services
    from tests.factories import make_user

    settings.DEMO_MODE = True
    match = demo.load_demo()
    assert post_reset(client, match.id, None).status_code == 401
    fan_token = services.create_api_token(user=make_user(role=None))
    assert post_reset(client, match.id, fan_token).status_code == 403
    match.refresh_from_db()
    assert match.status == "finished"


def test_a_reset_of_an_unknown_match_is_a_404(settings, client, editor_token):
    settings.DEMO_MODE = True
    response = post_reset(client, 999999, editor_token)
    assert response.status_code == 404 and response.json()["field"] == "match"


def test_a_reset_only_without_the_server_warns_that_open_pages_do_not_hear_of_it():
    demo.load_demo()
    err = io.StringIO()
    call_command("replay_match", reset_only=True, stdout=io.StringIO(), stderr=err)
    assert "--api" in err.getvalue()
