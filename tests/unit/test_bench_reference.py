"""The fan-out benchmark's reference server sends the match centre's own change text, with its seq and time
set per broadcast: the split must find them in a protocol version 2 change."""

import json

from bench.reference import split_template


def test_a_version_2_change_splits_around_its_own_seq_and_time():
    change = {
        "type": "change", "match_id": 9, "seq": 4, "op": "add", "at": "2026-11-28T19:00:00.123456+00:00",
        "event": {"id": 4, "kind": "goal", "minute": 21, "created_at": "2026-11-28T19:00:00+00:00"},
        "match": {"away_score": 1}, "running_scores": [[4, 0, 1]],
    }
    before_seq, between, after_at = split_template(json.dumps(change, separators=(",", ":")))
    rebuilt = json.loads(f"{before_seq}57{between}2026-12-02T20:00:00+00:00{after_at}")
    assert (rebuilt["seq"], rebuilt["at"]) == (57, "2026-12-02T20:00:00+00:00")
    assert rebuilt["event"] == change["event"] and rebuilt["match"] == change["match"]
