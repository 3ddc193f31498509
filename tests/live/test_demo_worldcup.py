"""`DEMO=worldcup2022-final make run`: scripts/run_demo.sh itself, a fan on the final's socket, at a high speed.
The goals, extra time and the shoot-out's result arrive through the server's API, as changes a fan sees."""

from __future__ import annotations

import urllib.request

import pytest

from live.protocol import PROTOCOL_VERSION
from tests.live.test_demo_replay import Listener, make_run, match_id_from_banner

pytestmark = [pytest.mark.live_server]


def test_the_final_arrives_goal_by_goal_through_extra_time_to_the_shootout_result(tmp_path):
    with make_run(tmp_path, DEMO="worldcup2022-final", KICKOFF_WAIT="60", REPLAY_SPEED="900") as demo:
        banner = demo.wait_for_output("Kick-off as soon as a fan page is open", timeout=240)
        match_id = match_id_from_banner(banner)
        port = demo.base_url.rsplit(":", 1)[1]
        fan = Listener(f"ws://127.0.0.1:{port}/ws/matches/{match_id}/?v={PROTOCOL_VERSION}", demo.base_url)
        try:
            # Full time (the last period's end), then the shoot-out's result: a change of its own, after it.
            fan.wait_for(lambda: any((m.get("match") or {}).get("penalties") for _, m in fan.changes()),
                         timeout=240, what="the shoot-out's result after full time")
        finally:
            fan.close()
        changes = [message for _at, message in fan.changes()]
        goals = [message["event"] for message in changes if (message.get("event") or {}).get("kind") in
                 ("goal", "penalty_goal")]
        assert [goal["minute"] for goal in goals] == [23, 36, 80, 81, 108, 118]
        # Protocol version 2: a change carries what it altered of the match; the fan's state is their sum.
        state = {}
        for _at, message in fan.received:
            if message.get("type") == "snapshot":
                state = dict(message["match"])
            elif message.get("type") == "change":
                state.update(message.get("match") or {})
        assert (state["home_score"], state["away_score"], state["status"]) == (3, 3, "finished"), state
        assert (state["penalties"]["home"], state["penalties"]["away"]) == (4, 2), state
        output = demo.wait_for_output("Replay finished", timeout=30)
        assert "Argentina win the shootout 4-2" in output
        with urllib.request.urlopen(f"{demo.base_url}/matches/{match_id}/", timeout=10) as page:
            assert page.status == 200
