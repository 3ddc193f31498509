"""How long league-phase verdicts take: `.venv/bin/python bench/league_scenarios.py` from the project root.

Times ``league_scenarios`` on the real 2024-25 Champions League before matchday 8: 36 teams,
18 fixtures left, verdicts for the top 8 and the top 24 for every team (target: under 2 s).
"""

import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, without installing the project

from events.league_scenarios import league_scenarios  # noqa: E402
from events.scenarios import Fixture  # noqa: E402
from events.standings import Result  # noqa: E402

DATA = ROOT / "data" / "openfootball" / "2024-25-uefa.cl.json"
RULES = "uefa-league-phase-2024"
TARGET_SECONDS = 2.0
RUNS = 5


def before_matchday_8() -> tuple[list[str], list[Result], list[Fixture]]:
    matches = [
        m for m in json.loads(DATA.read_text(encoding="utf-8"))["matches"] if m["round"].startswith("League, Matchday ")
    ]
    teams = sorted({team for m in matches for team in (m["team1"], m["team2"])})
    played = [Result(m["team1"], m["team2"], *m["score"]["ft"]) for m in matches if m["round"] != "League, Matchday 8"]
    last = [m for m in matches if m["round"] == "League, Matchday 8"]
    return teams, played, [Fixture(i, m["team1"], m["team2"]) for i, m in enumerate(last)]


def main() -> None:
    teams, played, remaining = before_matchday_8()
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        found = league_scenarios(teams, played, remaining, RULES)
        timings.append(time.perf_counter() - start)
    median = statistics.median(timings)
    verdict = "within" if median < TARGET_SECONDS else "OVER"
    print(f"2024-25 league phase before matchday 8 ({len(teams)} teams, {len(remaining)} fixtures left), {RUNS} runs:")
    print(
        f"  all teams, top 8 and top 24: median {median * 1000:.0f} ms, best {min(timings) * 1000:.0f} ms "
        f"({verdict} the {TARGET_SECONDS:.0f} s target)"
    )
    counts = Counter((s.line.worst, s.status) for s in found)
    for worst in sorted({s.line.worst for s in found}):
        line = ", ".join(f"{status} {n}" for (w, status), n in sorted(counts.items()) if w == worst)
        print(f"  top {worst}: {line}")


if __name__ == "__main__":
    main()
