from django.core.management.base import BaseCommand

from events import demo, demo_ucl2024, demo_worldcup


class Command(BaseCommand):
    help = (
        "Load UEFA Champions League 2019-20 Group E and Liverpool 1-1 Napoli, or with --demo ucl2024 the 2024-25 "
        "league phase after matchday 7, with --demo worldcup2026 the 2026 World Cup before its last round of group "
        "matches, with --demo worldcup2022-final the 2022 World Cup before its final (idempotent)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo",
            choices=sorted(demo.DEMO_SUMMARIES),
            default="liverpool-napoli",
            help="liverpool-napoli and matchday6 load 2019-20 Group E; ucl2024 the 2024-25 league phase; "
            "worldcup2026 and worldcup2022-final a World Cup before the matches they replay",
        )

    def handle(self, *args, **options):
        if options["demo"] == "ucl2024":
            self.load_league_phase()
            return
        if options["demo"] in demo_worldcup.EDITIONS:
            self.load_world_cup(options["demo"])
            return
        match = demo.load_demo()
        self.stdout.write(
            f"Demo loaded: {match.home.short_name} {match.home_score}-{match.away_score} {match.away.short_name} "
            f"(match {match.id}, group {match.group_id})."
        )

    def load_league_phase(self) -> None:
        loaded = demo_ucl2024.load()
        competition = loaded.group.competition
        self.stdout.write(
            f"Demo loaded: {competition}, {loaded.group.name}: {loaded.played} results of matchdays 1-"
            f"{demo_ucl2024.LIVE_MATCHDAY - 1}, matchday {demo_ucl2024.LIVE_MATCHDAY}'s {len(loaded.to_play)} "
            f"matches to play (group {loaded.group.id}, competition {competition.id})."
        )
        if loaded.problems:
            count = len(loaded.problems)
            where = (
                f"{len(loaded.problems_loaded)} of them in what the demo loads"
                if loaded.problems_loaded
                else "none of them in what the demo loads"
            )
            self.stdout.write(
                f"The importer reported {count} problem{'s' if count != 1 else ''} in "
                f"{demo_ucl2024.DATA_FILE.name} ({where}):"
            )
            for problem in loaded.problems:
                self.stdout.write(f"  {problem}")

    def load_world_cup(self, name: str) -> None:
        loaded = demo_worldcup.load(name)
        self.stdout.write(
            f"Demo loaded: {loaded.competition}: {loaded.played} matches played, {len(loaded.to_play)} to play live "
            f"(competition {loaded.competition.id})."
        )
        if loaded.problems:
            count = len(loaded.problems)
            self.stdout.write(f"The importer reported {count} problem{'s' if count != 1 else ''} in "
                              f"{demo_worldcup.EDITIONS[name].data_file.name}:")
            for problem in loaded.problems:
                self.stdout.write(f"  {problem}")
