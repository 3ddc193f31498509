"""How long the 36-team league phase table takes: `.venv/bin/python bench/league_phase.py` from the project root.

A goal in any of matchday 8's 18 simultaneous matches recomputes the whole table, so this is
paid once per goal. Times compute_table over the real 2024-25 league phase (144 results,
every tie settled by goal difference, goals, away goals or away wins) and over a worst case
where every match ends 0-0, so that all 36 teams stay level down to the opponents criteria
and then come back undecided for want of disciplinary points.
"""

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, without installing the project

from events.standings import Result, compute_table  # noqa: E402

DATA = ROOT / "data" / "openfootball" / "2024-25-uefa.cl.json"
RULES = "uefa-league-phase-2024"
RUNS = 200


def league_phase_results() -> list[Result]:
    matches = json.loads(DATA.read_text(encoding="utf-8"))["matches"]
    return [
        Result(m["team1"], m["team2"], *m["score"]["ft"]) for m in matches if m["round"].startswith("League, Matchday ")
    ]


def time_table(teams: list[str], results: list[Result], runs: int = RUNS) -> list[float]:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        compute_table(teams, results, RULES)
        timings.append(time.perf_counter() - start)
    return timings


def report(name: str, timings: list[float]) -> None:
    ms = sorted(t * 1000 for t in timings)
    print(
        f"  {name}: median {statistics.median(ms):.2f} ms, "
        f"95th percentile {ms[int(len(ms) * 0.95) - 1]:.2f} ms, best {ms[0]:.2f} ms"
    )


def main() -> None:
    results = league_phase_results()
    teams = sorted({team for r in results for team in (r.home, r.away)})
    print(f"36-team league phase table ({len(results)} results), {RUNS} runs each:")
    report("real 2024-25 final table", time_table(teams, results))
    goalless = [Result(r.home, r.away, 0, 0) for r in results]
    report("every match 0-0 (all criteria, opponents included)", time_table(teams, goalless))


if __name__ == "__main__":
    main()
