"""The task queue's worker: RQ's, sweeping the database for lost deliveries as it goes.

`manage.py rqworker webhooks --with-scheduler` runs it (settings.RQ names this class). At start and every
WEBHOOK_SWEEP_INTERVAL seconds, beside RQ's own upkeep, it enqueues again the deliveries that are due and whose
job is gone (events/services/webhooks.py: requeue_lost). That needs nothing from RQ's scheduler, which a
worker killed outright leaves locked for about a minute: the sweep is what makes a crash or a Redis outage
delay deliveries, never lose them.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connections
from rq import Worker

logger = logging.getLogger(__name__)


class WebhookWorker(Worker):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("maintenance_interval", settings.WEBHOOK_SWEEP_INTERVAL)
        super().__init__(*args, **kwargs)

    @property
    def dequeue_timeout(self) -> int:
        # An idle worker wakes up in time for its next sweep instead of waiting on the queue for minutes.
        return max(1, min(super().dequeue_timeout, self.maintenance_interval))

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        from ..services import webhooks

        try:
            webhooks.requeue_lost()
        except Exception:
            # The database or Redis away: the worker waits for them, as it does for jobs.
            logger.warning("Webhooks: the sweep for lost deliveries failed; it runs again in %d s",
                           self.maintenance_interval, exc_info=True)
        finally:
            # Each job runs in a process forked from this one: none may inherit this process's connection.
            connections.close_all()
