"""The task queue's worker: the webhooks' one (events/webhooks/worker.py), sweeping for lost push deliveries too.

settings.RQ names this class. A deployment that gives push its own queue (PUSH_QUEUE) runs
`manage.py rqworker <push queue> <webhook queue> --with-scheduler`: RQ takes jobs from the queues in that order.
"""

from __future__ import annotations

import logging

from django.db import connections

from ..webhooks.worker import WebhookWorker

logger = logging.getLogger(__name__)


class TaskWorker(WebhookWorker):
    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        from ..services import push

        try:
            push.requeue_lost()
        except Exception:
            logger.warning("Push: the sweep for lost deliveries failed; it runs again in %d s",
                           self.maintenance_interval, exc_info=True)
        finally:
            connections.close_all()
