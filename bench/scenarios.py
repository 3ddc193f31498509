"""How long qualification scenarios take: `.venv/bin/python bench/scenarios.py` from the project root.

Times 2019-20 Champions League Group E (Liverpool, Napoli, Salzburg, Genk) with two
matchdays (four matches) left - target under one second - and with one matchday
left, then every group of the nine seasons in data/openfootball the same way.
"""

import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, without installing the project

from events.scenarios import Fixture, scenarios  # noqa: E402
from events.standings import Result  # noqa: E402

DATA = ROOT / "data" / "openfootball"
TARGET_SECONDS = 1.0
REPEAT = 5


def groups() -> dict[str, list[dict]]:
    """Group name such as '2019-20 Group E' -> the group's matches in kick-off order."""
    found = defaultdict(list)
    for path in sorted(DATA.glob("*-uefa.cl.json")):
        season = path.name.split("-uefa")[0]
        for match in json.loads(path.read_text(encoding="utf-8"))["matches"]:
            if match["round"].startswith("Group"):
                found[f"{season} {match['round']}"].append(match)
    return {name: sorted(matches, key=lambda m: (m["date"], m["time"])) for name, matches in found.items()}


def timed_scenarios(matches: list[dict], matchdays_left: int) -> float:
    cut = len(matches) - 2 * matchdays_left
    teams = sorted({team for m in matches for team in (m["team1"], m["team2"])})
    results = [Result(m["team1"], m["team2"], *m["score"]["ft"]) for m in matches[:cut]]
    remaining = [Fixture(i, m["team1"], m["team2"]) for i, m in enumerate(matches[cut:], start=cut)]
    start = time.perf_counter()
    scenarios(teams, results, remaining, "uefa-2019")
    return time.perf_counter() - start


def main() -> None:
    all_groups = groups()
    group_e = all_groups["2019-20 Group E"]
    print(f"2019-20 Group E, best and median of {REPEAT} runs:")
    for matchdays_left in (2, 1):
        runs = [timed_scenarios(group_e, matchdays_left) for _ in range(REPEAT)]
        verdict = "within" if max(runs) < TARGET_SECONDS else "OVER"
        print(
            f"  {matchdays_left} matchday(s) left ({2 * matchdays_left} matches): "
            f"best {min(runs) * 1000:7.1f} ms, median {statistics.median(runs) * 1000:7.1f} ms "
            f"({verdict} the {TARGET_SECONDS:.0f} s target)"
        )
    print(f"All {len(all_groups)} groups of {DATA.relative_to(ROOT)}:")
    for matchdays_left in (2, 1):
        times = {name: timed_scenarios(matches, matchdays_left) for name, matches in all_groups.items()}
        slowest = max(times, key=times.get)
        print(
            f"  {matchdays_left} matchday(s) left: total {sum(times.values()):6.2f} s, "
            f"median {statistics.median(times.values()) * 1000:6.1f} ms, "
            f"slowest {times[slowest] * 1000:6.1f} ms ({slowest})"
        )


if __name__ == "__main__":
    main()
