from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from events import services
from events.importer import ImportFormatError, parse_football_json
from events.importer_worldcup import parse_world_cup_json, world_cup_year
from events.standings import RULE_SETS


class Command(BaseCommand):
    help = (
        "Import fixtures and results from openfootball football.json files (idempotent): club competitions, "
        "and World Cup files (worldcup.json) with their goals as events. FILE may be a folder: every .json in it."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--rules", choices=sorted(RULE_SETS), help="Standings rule set (default: by competition)")

    def handle(self, *args, file: Path, rules: str | None, **options):
        files = sorted(file.glob("*.json")) if file.is_dir() else [file]
        if not files:
            raise CommandError(f"{file}: no .json file in this folder")
        for path in files:
            self.import_file(path, rules)

    def import_file(self, file: Path, rules: str | None) -> None:
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror}") from None
        parse = parse_world_cup_json if world_cup_year(text) else parse_football_json
        try:
            data = parse(text, rule_set=rules, now=timezone.now())
        except ImportFormatError as error:
            raise CommandError(f"{file}: {error} (nothing imported)") from None
        summary = services.import_competition(data=data)
        self.stdout.write(
            f"{summary.competition} ({data.rule_set}): {len(data.fixtures)} matches imported, "
            f"{summary.matches_created} new, {summary.results_recorded} results recorded"
            + (f", {summary.skipped_with_events} followed live kept as they are" if summary.skipped_with_events else "")
        )
        if summary.problems:
            count = len(summary.problems)
            self.stdout.write(f"{count} problem{'s' if count != 1 else ''} in {file.name}, left for an admin:")
            for problem in summary.problems:
                self.stdout.write(f"  {problem}")
