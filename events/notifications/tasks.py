"""The task queue's side of Web Push (RQ, on the Redis webhooks use): the jobs, and putting them on the queue.

A change's fan-out job carries its announcement's id, and writes its deliveries; a delivery's job carries the
delivery's id: what to send, and whether it is still to be sent, are in the database
(events/services/push.py). Enqueuing never raises into a request: with Redis away a delivery waits for the
worker's sweep.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from rq import Queue

from ..webhooks.tasks import FAILURE_TTL, RESULT_TTL, connection

logger = logging.getLogger(__name__)

# One send (PUSH_TIMEOUT) and the row's updates, with room to spare.
JOB_TIMEOUT = 60
# Writing and enqueuing a delivery per browser of a big club's followers.
FAN_OUT_TIMEOUT = 600


def queue() -> Queue:
    return Queue(settings.PUSH_QUEUE, connection=connection(), default_timeout=JOB_TIMEOUT)


def push(delivery_id: int, slot_taken: bool = False) -> str:
    """One attempt at a delivery (`slot_taken`: its slot of the global rate is already reserved)."""
    from ..services import push as service

    return service.attempt_delivery(delivery_id=delivery_id, slot_taken=slot_taken)


def fan_out(announcement_id: int) -> str:
    """Write a change's deliveries, one per browser following its teams, and enqueue them."""
    from ..services import push as service

    return service.fan_out(announcement_id=announcement_id)


def enqueue_fan_out_after_commit(announcement_id: int, job_id: str) -> None:
    """The announcement's fan-out on the queue; never raises into the request that committed it."""
    if not settings.TASK_QUEUE_URL:
        logger.info("Push: no task queue (TASK_QUEUE_URL, REDIS_URL); announcement %s waits", announcement_id)
        return
    try:
        enqueue_fan_out(announcement_id, job_id)
    except Exception as error:
        logger.warning("Push: announcement %s not enqueued (%s); the worker's sweep will fan it out",
                       announcement_id, error)


def enqueue_fan_out(announcement_id: int, job_id: str) -> None:
    queue().enqueue(fan_out, announcement_id, job_id=job_id, job_timeout=FAN_OUT_TIMEOUT, result_ttl=RESULT_TTL,
                    failure_ttl=FAILURE_TTL)


def enqueue_after_commit(jobs: list[tuple[int, str, datetime | None]]) -> None:
    """(delivery id, job id, when: None for now) on the queue; never raises into the request that committed them."""
    if not settings.TASK_QUEUE_URL:
        logger.info("Push: no task queue (TASK_QUEUE_URL, REDIS_URL); %d delivery(ies) wait", len(jobs))
        return
    try:
        enqueue(jobs)
    except Exception as error:
        logger.warning("Push: %d delivery(ies) not enqueued (%s); the worker's sweep will send them", len(jobs), error)


def enqueue(jobs: list[tuple[int, str, datetime | None]]) -> None:
    now = [(delivery_id, job_id) for delivery_id, job_id, at in jobs if at is None]
    if now:
        queue().enqueue_many([
            Queue.prepare_data(push, (delivery_id,), job_id=job_id, timeout=JOB_TIMEOUT, result_ttl=RESULT_TTL,
                               failure_ttl=FAILURE_TTL)
            for delivery_id, job_id in now
        ])
    for delivery_id, job_id, at in jobs:
        if at is not None:
            schedule(delivery_id, job_id, at)


def schedule(delivery_id: int, job_id: str, at: datetime, *, slot_taken: bool = False) -> None:
    """An attempt at `at`, by the worker's scheduler (`rqworker --with-scheduler`)."""
    try:
        queue().enqueue_at(at, push, delivery_id, slot_taken, job_id=job_id, job_timeout=JOB_TIMEOUT,
                           result_ttl=RESULT_TTL, failure_ttl=FAILURE_TTL)
    except Exception:
        logger.warning("Push: delivery %s was not scheduled; the sweep will send it", delivery_id, exc_info=True)
