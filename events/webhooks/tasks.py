"""The task queue's side of webhooks (RQ on Redis): the jobs, and putting them on the queue.

A job carries only a delivery's id: what to send and whether it is still to be sent are in the database
(events/services/webhooks.py). Enqueuing never raises into a request: Redis being away only delays a delivery
until the worker's sweep finds it.
"""

from __future__ import annotations

import logging
from datetime import datetime

import redis
from django.conf import settings
from rq import Queue
from rq.job import Job, JobStatus

logger = logging.getLogger(__name__)

# A job's time limit in the worker: one POST (WEBHOOK_TIMEOUT) and the row's updates, with room to spare.
JOB_TIMEOUT = 60
# How long Redis keeps a finished job's result (its line in words), and a crashed job's traceback.
RESULT_TTL = 3600
FAILURE_TTL = 7 * 24 * 3600
# A job in these states will run. A scheduled one is not counted: the sweep asks only about deliveries overdue by
# WEBHOOK_SWEEP_GRACE, and a retry still scheduled that late has no scheduler to run it (the one of a killed
# worker holds its lock for a minute).
WAITING = {JobStatus.QUEUED, JobStatus.DEFERRED}

_connection: redis.Redis | None = None


def connection() -> redis.Redis:
    """The queue's Redis, failing fast when it is away: enqueuing happens right after an editor's commit."""
    global _connection
    if _connection is None:
        _connection = redis.Redis.from_url(
            settings.RQ_QUEUES[settings.WEBHOOK_QUEUE]["URL"],
            socket_connect_timeout=2,
            socket_timeout=5,
            health_check_interval=15,
        )
    return _connection


def queue() -> Queue:
    return Queue(settings.WEBHOOK_QUEUE, connection=connection(), default_timeout=JOB_TIMEOUT)


# --- the jobs ------------------------------------------------------------------------------------


def deliver(delivery_id: int) -> str:
    """One attempt at a delivery (the job every delivery's queue entry runs)."""
    from ..services import webhooks

    return webhooks.attempt_delivery(delivery_id=delivery_id)


# --- enqueuing -----------------------------------------------------------------------------------


def enqueue_after_commit(jobs: list[tuple[int, str]]) -> None:
    """Put a commit's deliveries on the queue. Never raises into the request that committed them: without a task
    queue configured, or with Redis away, they wait in the database for the worker's sweep."""
    if not settings.TASK_QUEUE_URL:
        logger.info("Webhooks: no task queue (TASK_QUEUE_URL, REDIS_URL); %d delivery(ies) wait", len(jobs))
        return
    try:
        enqueue(jobs)
    except Exception as error:
        logger.warning("Webhooks: %d delivery(ies) not enqueued (%s); the worker's sweep will send them",
                       len(jobs), error)


def enqueue(jobs: list[tuple[int, str]]) -> None:
    """Put (delivery id, job id) pairs on the queue, in this order, in one round trip."""
    if jobs:
        queue().enqueue_many([
            Queue.prepare_data(deliver, (delivery_id,), job_id=job_id, timeout=JOB_TIMEOUT, result_ttl=RESULT_TTL,
                               failure_ttl=FAILURE_TTL)
            for delivery_id, job_id in jobs
        ])


def enqueue_retry(delivery_id: int, job_id: str, at: datetime) -> None:
    """The next attempt at `at`, by the worker's scheduler (`rqworker --with-scheduler`)."""
    try:
        queue().enqueue_at(at, deliver, delivery_id, job_id=job_id, job_timeout=JOB_TIMEOUT, result_ttl=RESULT_TTL,
                           failure_ttl=FAILURE_TTL)
    except Exception:
        logger.warning("Webhooks: the retry of delivery %s was not scheduled; the sweep will send it", delivery_id,
                       exc_info=True)


def waiting_jobs(job_ids: list[str]) -> set[str]:
    """Which of these jobs still wait in the queue to be run."""
    if not job_ids:
        return set()
    jobs = Job.fetch_many(job_ids, connection=connection())
    return {job.id for job in jobs if job is not None and job.get_status(refresh=False) in WAITING}
