"""What a goal on the World Cup's last group matchday costs: `python -m bench.world_cup_goal` from the project root.

The 2026 group stage is loaded as it stood before its last round (events/demo_worldcup.py) into a database
of its own (SQLite in a temporary folder, unless DATABASE_URL names another), and the 24 matches of that
round are played through the services from the goals the file records. For every goal it prints:

- the CPU time (time.process_time) of recording it through the write path, from the service call to the
  end of the commit, which rebuilds the goal's group table, the ranking of third-placed teams and the
  bracket's group-stage part, and builds every text the change is pushed as;
- the CPU time of the three reads alone, as a page would ask them after the goal: the group table
  (events.reads.tables.group_table), the third-placed teams' table (events.reads.thirds) and the 2026 bracket
  (events.reads.bracket.group_stage_projection);
- the bytes of what each feed receives for the goal: the match's fans, the table's pages, the bracket's pages.

Target: under 20 ms of CPU per goal for the three together, on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 20.0


def setup_django(database_url: str | None) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matchcentre.settings")
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{tempfile.mkdtemp(prefix='wc-bench-')}/bench.sqlite3"
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-not-for-production-use-0123456789")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
    os.environ["REDIS_URL"] = ""  # the in-memory layer: the benchmark times the building, not a network
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


class Sent:
    """The texts the write path hands to the channel layer, by kind of feed."""

    def __init__(self) -> None:
        self.by_feed: dict[str, list[int]] = {}

    def install(self) -> None:
        from live import publish

        original = publish._send

        def recording(feed: str, message: dict) -> None:
            text = message.get("text")
            if text is not None:
                self.by_feed.setdefault(feed.split(".", 1)[0], []).append(len(text.encode()))
            original(feed, message)

        publish._send = recording

    def take(self) -> dict[str, int]:
        """Bytes per kind of feed since the last take (the largest message of each)."""
        taken = {feed: max(sizes) for feed, sizes in self.by_feed.items() if sizes}
        self.by_feed = {}
        return taken


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"median {statistics.median(ordered):.1f}, p95 {p95:.1f}, max {ordered[-1]:.1f}"


def run(repeat_reads: int) -> dict:
    from django.db import transaction

    from events import demo_worldcup, replay
    from events.models import EventKind, Group
    from events.reads import bracket, tables, thirds

    loaded = demo_worldcup.load("worldcup2026")
    tournament = loaded.competition
    pairs = demo_worldcup.live_matches("worldcup2026")
    sent = Sent()
    sent.install()
    goals, reads, sizes = [], [], []
    for cue in demo_worldcup.timeline(pairs, speed=demo_worldcup.demo.ORDERING_SPEED):
        is_goal = cue.step.kind in (EventKind.GOAL, EventKind.PENALTY_GOAL, EventKind.OWN_GOAL)
        sent.take()
        started = time.process_time()
        with transaction.atomic():  # the request's transaction: its commit runs the broadcast
            replay.play_step(cue.match, cue.step)
        spent = (time.process_time() - started) * 1000
        if not is_goal:
            continue
        goals.append(spent)
        sizes.append(sent.take())
        group = Group.objects.select_related("competition", "stage").get(pk=cue.match.group_id)
        for _ in range(repeat_reads):
            started = time.process_time()
            tables.group_table(group)
            thirds.third_placed_table(tournament)
            bracket.group_stage_projection(tournament)
            reads.append((time.process_time() - started) * 1000)
    return {"goals": goals, "reads": reads, "sizes": sizes, "matches": len(pairs)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file in a temporary folder")
    parser.add_argument("--repeat-reads", type=int, default=3, help="times the three reads are timed per goal")
    args = parser.parse_args(argv)
    setup_django(args.database_url)
    figures = run(args.repeat_reads)
    goals, reads, sizes = figures["goals"], figures["reads"], figures["sizes"]
    print(f"World Cup 2026, last group round: {figures['matches']} matches, {len(goals)} goals, CPU ms per goal")
    print(f"  recorded through the services (group, thirds, bracket, every pushed text): {summary(goals)}")
    print(f"  the three reads alone (group table, thirds' table, bracket): {summary(reads)}")
    for feed in sorted({feed for size in sizes for feed in size}):
        values = [size[feed] for size in sizes if feed in size]
        print(f"  bytes to the {feed} feed per goal: median {statistics.median(values):.0f}, max {max(values)}")
    verdict = "met" if statistics.median(reads) < TARGET_MS else "NOT met"
    print(f"  target: the three recomputed in under {TARGET_MS:.0f} ms per goal (median): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
