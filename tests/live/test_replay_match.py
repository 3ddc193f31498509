"""`replay_match --match ID --api URL`: an imported World Cup match played again through a real server's API
from its recorded goals, with a fan on its socket. Redis carries the shootout's result, which the command
records through the services (the API has no shootout-result endpoint)."""

from __future__ import annotations

import json
import time

import pytest

from harness.cluster import api_request, redis_url, require_redis, run_manage, start_daphne, wait_until_ready
from live.protocol import PROTOCOL_VERSION
from tests.live.test_demo_replay import Listener, demo_env

pytestmark = [pytest.mark.live_server]

WORLD_CUP_2022 = "data/openfootball-worldcup/2022-worldcup.json"


def file_final() -> dict:
    with open(WORLD_CUP_2022, encoding="utf-8") as data:
        return next(m for m in json.load(data)["matches"] if m["round"] == "Final")


def scorers_and_minutes(match: dict) -> list[tuple[str, str, int, bool]]:
    return sorted(
        (side, goal["name"], goal["minute"], bool(goal.get("penalty")))
        for side, key in (("home", "goals1"), ("away", "goals2"))
        for goal in match[key]
    )


def test_the_2022_final_replayed_through_a_server_equals_the_files_score_scorers_and_minutes(tmp_path):
    url = redis_url()
    require_redis(url)
    env = demo_env(tmp_path, REDIS_URL=url, CHANNEL_LAYER_PREFIX=f"replay-{time.monotonic_ns()}")
    run_manage(["migrate", "-v0"], env)
    run_manage(["load_demo"], env)  # the editor account the replay signs in as
    run_manage(["import_openfootball", WORLD_CUP_2022], env)
    match_id = int(run_manage(["shell", "-c", "from events.models import Match; print(Match.objects.get("
                               "competition__name='FIFA World Cup', round_name='Final').id)"], env).split()[-1])
    server = start_daphne("replay", env, tmp_path)
    wait_until_ready([server])
    fan = None
    try:
        fan = Listener(server.ws_url(f"/ws/matches/{match_id}/?v={PROTOCOL_VERSION}"), server.origin)
        output = run_manage(["replay_match", "--match", str(match_id), "--api", server.base_url, "--speed", "0"], env)
        fan.wait_for(lambda: any(m.get("op") == "result" for _at, m in fan.changes()), timeout=20,
                     what="the shootout's result")
        status, snapshot = api_request(server, "GET", f"/api/matches/{match_id}")
    finally:
        if fan:
            fan.close()
        server.stop()

    assert "Replay finished: Argentina 3-3 France, 4-2 on penalties." in output
    assert status == 200
    state = snapshot["match"]
    assert (state["home_score"], state["away_score"], state["status"]) == (3, 3, "finished")
    final = file_final()
    assert (state["home_score"], state["away_score"]) == tuple(final["score"]["et"])
    goals = [event for event in snapshot["events"] if event["kind"] in ("goal", "penalty_goal", "own_goal")]
    sides = {state["home"]["id"]: "home", state["away"]["id"]: "away"}
    assert sorted((sides[g["team"]["id"]], g["player"]["name"], g["minute"], g["kind"] == "penalty_goal")
                  for g in goals) == scorers_and_minutes(final)
    # The fan saw each goal arrive, then the shootout as a result.
    added = [(m.get("event") or {}).get("kind") for _at, m in fan.changes() if m.get("op") == "add"]
    assert sum(kind in ("goal", "penalty_goal") for kind in added) == len(goals) == 6
    last = fan.changes()[-1][1]
    # A change carries what of the match changed; a fan's page keeps the rest as it was.
    seen: dict = {}
    for _at, message in fan.changes():
        seen.update(message["match"])
    assert (last["op"], seen["penalties"]) == ("result", {"home": 4, "away": 2})
    assert state["penalties"] == {"home": 4, "away": 2}
