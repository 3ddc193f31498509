"""Enqueue again the webhook deliveries that are due and whose job is gone (the worker does it every 30 s)."""

from django.core.management.base import BaseCommand

from events.services import webhooks


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        count = webhooks.requeue_lost()
        self.stdout.write(f"{count} delivery(ies) enqueued again")
