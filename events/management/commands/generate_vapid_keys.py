"""Print a new VAPID key pair for Web Push, as the environment lines that set it (docs/notifications.md)."""

from django.core.management.base import BaseCommand

from events.notifications import vapid


class Command(BaseCommand):
    help = "Print a new VAPID key pair (VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY) for Web Push notifications."

    def handle(self, *args, **options):
        pair = vapid.generate()
        self.stdout.write(f"VAPID_PUBLIC_KEY={pair.public_key}\nVAPID_PRIVATE_KEY={pair.private_key}\n")
