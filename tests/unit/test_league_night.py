"""The league-phase night benchmark's pure parts: weighing a change, the evening before, the night's
schedule, reading a change off the wire, and delivery per socket."""

import asyncio
import json

from bench.league_night import change_weight, fan_targets, night_schedule
from bench.night_fans import NightFan, delivery, read_change
from bench.night_setup import evening_before


def compact(message: dict) -> str:
    return json.dumps(message, separators=(",", ":"))


def test_change_weight_counts_the_change_and_the_table_update_it_sent():
    change = compact({"type": "change", "match_id": 3, "seq": 4, "op": "add", "at": "2025-01-29T20:00:00+00:00",
                      "event": {"id": 9}, "match": {"home_score": 1}, "html": {"event": "<li>Goal</li>"}})
    update = compact({"type": "table", "group_id": 1, "version": 8, "base": 7, "provisional": True,
                      "rows": [{"team": 1}, {"team": 2}], "moved": [[3, 9, 1]]})

    weight = change_weight(change, update)

    assert weight == {"bytes": len(change), "table_update_bytes": len(update), "total_bytes": len(change + update),
                      "rows": 2, "moved_runs": 1, "whole_table": False}


def test_change_weight_of_a_change_that_moved_no_table_is_the_change_alone():
    change = compact({"type": "change", "match_id": 3, "seq": 4})
    whole = compact({"type": "table", "group_id": 1, "version": 8, "html": "<table></table>"})

    assert change_weight(change) == {"bytes": len(change), "table_update_bytes": 0, "total_bytes": len(change),
                                     "rows": 0, "moved_runs": 0, "whole_table": False}
    assert change_weight(change, whole)["whole_table"] is True


def test_evening_before_takes_the_matchday_and_everything_after_back_to_not_played():
    played = {"ft": [1, 0]}
    data = {
        "name": "UEFA Champions League 2024/25",
        "matches": [
            {"round": "League, Matchday 7", "date": "2025-01-22", "team1": "A", "team2": "B", "score": played},
            {"round": "League, Matchday 8", "date": "2025-01-29", "team1": "B", "team2": "C", "score": played},
            {"round": "Playoffs, Matchday 1", "date": "2025-02-11", "team1": "C", "team2": "A", "score": played},
        ],
    }

    before = evening_before(data, 8)

    assert [("score" in m) for m in before["matches"]] == [True, False, False]
    assert before["name"] == data["name"]
    assert "score" in data["matches"][1]  # the original is left as it was


def night_matches():
    def side(team_id):
        return {"id": team_id, "name": f"team {team_id}", "starters": list(range(team_id * 100, team_id * 100 + 11))}

    return [
        {"id": 10, "seq": 0, "half_time": [2, 0], "full_time": [3, 1], "home": side(1), "away": side(2)},
        {"id": 11, "seq": 0, "half_time": [0, 0], "full_time": [0, 0], "home": side(3), "away": side(4)},
    ]


def test_night_schedule_posts_each_half_s_real_goals_in_minute_order_between_the_whistles():
    kick_offs, first_half, half_time, second_half, full_time = night_schedule(night_matches(), seed=1)

    assert [(s.phase, s.match_id) for s in kick_offs] == [("kick-off", 10), ("kick-off", 11)]
    assert [p.payload["team"] for p in first_half].count(1) == 2 and len(first_half) == 2
    assert sorted(p.payload["team"] for p in second_half) == [1, 2]
    assert all(1 <= s.payload["minute"] <= 45 for s in first_half)
    assert all(46 <= s.payload["minute"] <= 90 for s in second_half)
    minutes = [s.payload["minute"] for s in first_half + second_half]
    assert minutes == sorted(minutes)
    assert all(s.payload["player"] != 100 * s.payload["team"] for s in first_half + second_half)  # not the keeper
    assert [s.phase for s in half_time] == ["half-time", "half-time", "second-half", "second-half"]
    assert [s.payload["kind"] for s in full_time] == ["period_end", "period_end"]


def test_fan_targets_spread_the_fans_over_the_matches_and_the_group_socket():
    targets = fan_targets(night_matches(), group_id=7, fans=25, group_share=0.2)

    assert [(t["label"], t["count"]) for t in targets] == [("match:10", 10), ("match:11", 10), ("group", 5)]
    assert targets[0]["path"] == "/ws/matches/10/?v=2&since=0"
    assert targets[2]["path"] == "/ws/groups/7/?v=2"
    # Saying the table version a page shows, no fan is sent the table whole on connect.
    shown = fan_targets(night_matches(), group_id=7, fans=25, group_share=0.2, table_version=31)
    assert [t["path"] for t in shown] == [
        "/ws/matches/10/?v=2&since=0&table=31", "/ws/matches/11/?v=2&since=0&table=31", "/ws/groups/7/?v=2&table=31"
    ]


def test_read_change_names_the_match_and_seq_and_times_it_from_its_commit():
    text = b'{"type":"change","match_id":139,"seq":5,"op":"add","at":"2025-01-29T20:00:00+00:00","event":null}'
    at = 1738180800.0  # 2025-01-29T20:00:00Z

    match_id, seq, latency = read_change(text, 0, len(text), now=at + 0.25)

    assert (match_id, seq) == (139, 5)
    assert round(latency) == 250


def test_read_change_reads_other_layouts_in_full_and_skips_other_messages():
    reordered = b'{"type":"change","seq":6,"match_id":140,"at":"2025-01-29T20:00:00+00:00"}'
    snapshot = b'{"type":"group_snapshot","rows":[]}'

    assert read_change(reordered, 0, len(reordered), now=1738180801.0)[:2] == (140, 6)
    assert read_change(snapshot, 0, len(snapshot), now=0.0) is None


def test_delivery_counts_each_socket_s_changes_duplicates_and_order():
    async def fans():
        match_fan = NightFan(None, b"", "match:10")
        match_fan.received = [(10, 1, 5.0, 900), (10, 1, 6.0, 900), (10, 2, 7.0, 950)]
        group_fan = NightFan(None, b"", "group")
        group_fan.received = [(11, 1, 3.0, 900), (10, 2, 4.0, 950), (10, 1, 8.0, 900)]
        return [match_fan, group_fan]

    report = delivery(asyncio.run(fans()), {"match:10": {(10, 1), (10, 2)}, "group": {(10, 1), (10, 2), (11, 1)}})

    assert report["match:10"]["delivered"] == 2 and report["match:10"]["duplicates"] == 1
    assert report["match:10"]["changes"]["10:2"] == {"latencies_ms": [7.0], "bytes": [950]}
    assert report["group"]["delivered"] == 3 and report["group"]["out_of_order"] == 1
    assert report["group"]["expected"] == 3
