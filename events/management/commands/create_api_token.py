from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from events import services


class Command(BaseCommand):
    help = "Create an API token for USERNAME and print it (only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the token is for")

    def handle(self, *args, username, name, **options):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named '{username}'.") from None
        self.stdout.write(services.create_api_token(user=user, name=name))
