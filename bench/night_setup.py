"""The Django side of the league-phase night (bench/league_night.py): the database set up, the table timed.

Run against the benchmark's database, with its environment (DJANGO_SETTINGS_MODULE, DATABASE_URL):

    python -m bench.night_setup prepare DATA_FILE WORK_DIR   # the night's database; prints one JSON line
    python -m bench.night_setup time-table GROUP_ID [GROUP_ID ...] --runs 200   # prints one JSON line

`prepare` imports the season through the import command from a copy of the file in which the last
league matchday and everything dated after it have no score (the evening before kick-off), then gives
the two sides of each of that matchday's matches a squad and a lineup (the file names no players,
and the editor API records a goal only with a scorer on the pitch), and each match an editor of its
own with an API token, as a newsroom staffs a night (the API's write rate is per editor).

`time-table` times, per group, what a goal costs the process that records it: the table as it stands
(events.reads.tables.group_table: the group's matches read, the rule set applied, rows shaped), the
table's markup, and both; CPU time of this process (time.process_time) and wall time.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path

LEAGUE_ROUND_PREFIX = "League, Matchday "
# 11 starters (1 goalkeeper, 4 defenders, 4 midfielders, 2 forwards) and 5 on the bench.
SQUAD = ["GK"] + ["DF"] * 4 + ["MF"] * 4 + ["FW"] * 2 + ["GK", "DF", "MF", "MF", "FW"]
STARTERS = 11


def evening_before(data: dict, matchday: int) -> dict:
    """A copy of a football.json season as it stood before `matchday` of its league phase kicked off:
    that matchday's matches, and every match dated on or after its first day, without a score."""
    night = f"{LEAGUE_ROUND_PREFIX}{matchday}"
    first_day = min(m["date"] for m in data["matches"] if m["round"] == night)
    matches = []
    for match in data["matches"]:
        if match["round"] == night or match["date"] >= first_day:
            match = {key: value for key, value in match.items() if key != "score"}
        matches.append(match)
    return {**data, "matches": matches}


def team_name(written: str) -> str:
    """A team as the file writes it ("Club Brugge KV (BEL)") to the name the import gives it."""
    from events.importer import TEAM_WITH_COUNTRY

    found = TEAM_WITH_COUNTRY.match(written)
    return found["name"] if found else written


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


def summary(values: list[float]) -> dict:
    return {
        "median": round(statistics.median(values), 3),
        "p99": round(percentile(values, 0.99), 3),
        "max": round(max(values), 3),
    }


def setup_django() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matchcentre.settings")
    import django

    django.setup()


def prepare(data_file: Path, work: Path, matchday: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group as Role
    from django.core.management import call_command

    from events import services
    from events.models import Group, LineupEntry, Match, Player

    source = json.loads(data_file.read_text(encoding="utf-8"))
    copy = work / f"{data_file.stem}-before-matchday-{matchday}.json"
    copy.write_text(json.dumps(evening_before(source, matchday), indent=1), encoding="utf-8")
    output = io.StringIO()
    call_command("import_openfootball", str(copy), stdout=output)
    night = f"{LEAGUE_ROUND_PREFIX}{matchday}"
    matches = list(
        Match.objects.filter(competition__season="2024-25", round_name=night).select_related("home", "away", "group")
    )
    final_scores = {
        (team_name(m["team1"]), team_name(m["team2"])): (m["score"]["ht"], m["score"]["ft"])
        for m in source["matches"]
        if m["round"] == night and "score" in m
    }
    editors = Role.objects.get(name="Editors")
    described = []
    for match in matches:
        editor, _ = get_user_model().objects.get_or_create(username=f"night-editor-{match.id}")
        editor.groups.add(editors)
        token = services.create_api_token(user=editor, name="league-phase night")
        sides = {}
        for side, team in (("home", match.home), ("away", match.away)):
            players = []
            for index, position in enumerate(SQUAD, start=1):
                player, _ = Player.objects.get_or_create(
                    team=team,
                    name=f"{team.short_name} player {index}",
                    defaults={"short_name": f"{team.code} {index}", "number": index, "position": position},
                )
                players.append(player.id)
            if not LineupEntry.objects.filter(match=match, team=team).exists():
                services.set_lineup(
                    match_id=match.id, team_id=team.id, starting=players[:STARTERS], bench=players[STARTERS:]
                )
            sides[side] = {"id": team.id, "name": team.name, "starters": players[:STARTERS]}
        half_time, full_time = final_scores[(match.home.name, match.away.name)]
        described.append(
            {
                "id": match.id,
                "seq": match.seq,
                "half_time": half_time,
                "full_time": full_time,
                "token": token,
                **sides,
            }
        )
    group_ids = {match.group_id for match in matches}
    if len(group_ids) != 1:
        raise SystemExit(f"matchday {matchday} is spread over groups {sorted(group_ids)}: expected one league table")
    group = Group.objects.get(pk=group_ids.pop())
    return {
        "import": output.getvalue().splitlines()[0],
        "group": {"id": group.id, "name": group.name, "rule_set": group.rule_set_name},
        "teams": group.matches.values("home").distinct().count(),
        "matches": sorted(described, key=lambda m: m["id"]),
    }


def time_table(group_ids: list[int], runs: int) -> dict:
    from events import fragments
    from events.models import Group
    from events.reads import tables
    from live import messages

    timed = {}
    for group_id in group_ids:
        group = Group.objects.select_related("competition", "stage").get(pk=group_id)
        table = tables.group_table(group)  # warm: templates compiled, queries prepared
        fragments.table_html(table)
        phases: dict[str, list[float]] = {name: [] for name in ("table_cpu", "markup_cpu", "both_cpu", "both_wall")}
        for _ in range(runs):
            wall, cpu = time.perf_counter(), time.process_time()
            table = tables.group_table(group)
            cpu_table = time.process_time()
            fragments.table_html(table)
            done_cpu, done_wall = time.process_time(), time.perf_counter()
            phases["table_cpu"].append((cpu_table - cpu) * 1000)
            phases["markup_cpu"].append((done_cpu - cpu_table) * 1000)
            phases["both_cpu"].append((done_cpu - cpu) * 1000)
            phases["both_wall"].append((done_wall - wall) * 1000)
        snapshot = json.dumps(messages.group_snapshot(group_id))
        timed[str(group_id)] = {
            "name": f"{group.competition.season} {group.name}",
            "teams": len(table["rows"]),
            "rule_set": table["rule_set"]["name"],
            "table_json_bytes": len(json.dumps(table, separators=(",", ":")).encode()),
            "table_markup_bytes": len(fragments.table_html(table).encode()),
            "group_snapshot_bytes": len(snapshot.encode()),
            **{name: summary(values) for name, values in phases.items()},
        }
    return {"runs": runs, "groups": timed}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    prepare_parser = commands.add_parser("prepare")
    prepare_parser.add_argument("data", type=Path)
    prepare_parser.add_argument("work", type=Path)
    prepare_parser.add_argument("--matchday", type=int, default=8)
    time_parser = commands.add_parser("time-table")
    time_parser.add_argument("groups", type=int, nargs="+")
    time_parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args(argv)
    setup_django()
    if args.command == "prepare":
        result = prepare(args.data, args.work, args.matchday)
    else:
        result = time_table(args.groups, args.runs)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
