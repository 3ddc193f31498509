from django.core.management.base import BaseCommand

from events import demo


class Command(BaseCommand):
    help = "Load UEFA Champions League 2019-20 Group E and Liverpool 1-1 Napoli (idempotent)."

    def handle(self, *args, **options):
        match = demo.load_demo()
        self.stdout.write(
            f"Demo loaded: {match.home.short_name} {match.home_score}-{match.away_score} {match.away.short_name} "
            f"(match {match.id}, group {match.group_id})."
        )
