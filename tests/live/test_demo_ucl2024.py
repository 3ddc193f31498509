"""`DEMO=ucl2024 make run`: scripts/run_demo.sh itself (one Daphne process, the in-memory channel layer), with
a fan on the league table's socket and one on the bracket's, at a high replay speed.

At 300x a half lasts 9 s, the break 10 s (events/demo.py's minimum) and each round of whistles 4 s.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request

import pytest

from events import demo_ucl2024
from events.importer import split_team
from live.protocol import PROTOCOL_VERSION
from tests.live.test_demo_replay import Listener, make_run
from tests.unit.test_standings import UCL_2024_25_LEAGUE_PHASE

pytestmark = [pytest.mark.live_server]

PERIODS = ["first_half", "half_time", "second_half", "full_time"]


def final_scores() -> dict[tuple[str, str], list[int]]:
    data = json.loads(demo_ucl2024.DATA_FILE.read_text(encoding="utf-8"))
    return {
        (split_team(m["team1"])[0], split_team(m["team2"])[0]): m["score"]["ft"]
        for m in data["matches"]
        if m["round"] == "League, Matchday 8"
    }


def table_updates(received: list[tuple[float, dict]]) -> list[tuple[bool, str]]:
    """What the socket said of the table, update by update: (provisional, what it said). A change carries
    the table (protocol 1), or the table comes as its own message, whole or the rows a change moved."""
    updates = []
    kicked_off = False  # the table a socket is sent as it opens (before kick-off) is not an update
    for _at, message in received:
        kicked_off = kicked_off or message.get("type") == "change"
        if not kicked_off:
            continue
        if message.get("type") == "change" and message.get("table"):
            table = message["table"]
            updates.append((table["provisional"], json.dumps([row["team"]["id"] for row in table["rows"]])))
        elif message.get("type") == "table":
            said = {key: message.get(key) for key in ("rows", "moved", "html")}
            updates.append((message["provisional"], json.dumps(said, sort_keys=True)))
    return updates


def test_a_table_fan_sees_the_18_scores_arrive_and_the_table_move(tmp_path):
    with make_run(tmp_path, DEMO="ucl2024", KICKOFF_WAIT="60") as demo:
        banner = demo.wait_for_output("Kick-off as soon as a fan page is open", timeout=180)
        group_id = int(re.search(r"/groups/(\d+)/matchdays/8/", banner)[1])
        competition_id = int(re.search(r"/competitions/(\d+)/bracket/", banner)[1])
        port = demo.base_url.rsplit(":", 1)[1]
        table_fan = Listener(f"ws://127.0.0.1:{port}/ws/groups/{group_id}/?v={PROTOCOL_VERSION}", demo.base_url)
        bracket_fan = Listener(f"ws://127.0.0.1:{port}/ws/competitions/{competition_id}/bracket/", demo.base_url)
        try:
            demo.wait_for_output("A fan page is open: kick-off.", timeout=10)
            table_fan.wait_for(lambda: len(table_fan.changes()) >= 18 * 4, timeout=120, what="the 72 scores")
            output = demo.wait_for_output("Replay over", timeout=15)
            time.sleep(0.5)
            with urllib.request.urlopen(f"{demo.base_url}/api/groups/{group_id}/table", timeout=10) as response:
                final_table = json.loads(response.read())
        finally:
            table_fan.close()
            bracket_fan.close()

    snapshot = next(message for _at, message in table_fan.received if message["type"] == "group_snapshot")
    states = {match["id"]: dict(match) for match in snapshot["matches"] if match["matchday"] == 8}
    assert len(states) == 18 and {state["status"] for state in states.values()} == {"scheduled"}
    changes = table_fan.changes()
    assert len(changes) == 18 * 4 and {message["op"] for _at, message in changes} == {"result"}
    # Each match's state as the fan builds it from the changes: the four moments in order, once each.
    moments: dict[int, list[tuple[str, int, int, bool]]] = {match_id: [] for match_id in states}
    for _at, message in changes:
        state = states[message["match_id"]]
        state.update(message["match"])
        moments[message["match_id"]].append(
            (state["period"], state["home_score"], state["away_score"], state["clock"]["running"]))
    assert all([moment[0] for moment in seen] == PERIODS for seen in moments.values())
    # All 18 kick off together at 0-0 with the clock running; the clock stops at the breaks.
    assert [message["match"]["period"] for _at, message in changes[:18]] == ["first_half"] * 18
    assert all(seen[0][1:] == (0, 0, True) and seen[1][3] is False and seen[2][3] is True for seen in moments.values())
    finals = sorted([home, away] for seen in moments.values() for _period, home, away, _clock in seen[-1:])
    assert finals == sorted(final_scores().values())
    # The whistles are spread over a few seconds; the break is at least 10 s.
    half_times = [at for at, m in changes if m["match"].get("period") == "half_time"]
    second_halves = [at for at, m in changes if m["match"].get("period") == "second_half"]
    assert half_times[-1] - half_times[0] >= 3.0
    assert second_halves[0] - half_times[-1] >= 10 - 0.5
    # The table moved on the fan's socket, provisional until the last whistle, and ends as the real one.
    updates = table_updates(table_fan.received)
    assert len({said for _provisional, said in updates}) > 3
    assert all(provisional for provisional, _said in updates[:-1]) and updates[-1][0] is False
    assert [row["team"]["name"] for row in final_table["rows"]] == [
        split_team(name)[0] for _position, name, *_rest in UCL_2024_25_LEAGUE_PHASE]
    assert not final_table["provisional"]

    # The bracket's league-phase part moved with the scores, and ends with the real pairings.
    parts = [m for _at, m in bracket_fan.changes() if m.get("league_phase")]
    assert len(parts) == 18 * 4
    last = parts[-1]["league_phase"]
    assert last["complete"] is True and last["provisional"] is False
    first_pairing = last["play_offs"][0]
    assert [team["name"] for team in first_pairing["seeded"]["teams"]] == ["Atalanta BC", "Borussia Dortmund"]
    assert [team["name"] for team in first_pairing["unseeded"]["teams"]] == [
        "Sporting Clube de Portugal", "Club Brugge KV"]

    console = output.split("A fan page is open: kick-off.")[1]
    for line in (
        "Kick-off in all 18 matches of matchday 8.",
        "Half-time: Aston Villa 2-2 Celtic.",
        "Full time: Aston Villa 4-2 Celtic.",
        "Full time: PSV 3-2 Liverpool.",
        "Final table: 1 Liverpool, 2 Barcelona",
    ):
        assert line in console, output
    assert console.count("Half-time: ") == 18 and console.count("Full time: ") == 18
    server_log = demo.server_log.read_text()
    assert server_log.count('/score" 200') == 18 * 4
