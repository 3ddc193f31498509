"""Webhooks' deliveries: written with the change (the outbox), attempted by the task queue, swept when lost.

A delivery row is created in the transaction that commits its change, so a committed change always has its
deliveries and a rolled-back one never does; its job is enqueued only after the commit. The database is the
source of truth, the queue only a way to be woken up: a job that never reached Redis (it was away), or that a
killed worker lost, is found again by `requeue_lost` from the rows that are due. Each attempt first claims its
row (`attempt_delivery`), so that two jobs for one delivery never both send it, and a delivery acknowledged
once is never sent again. A worker killed between the receiver's answer and the row's update sends that one
delivery again after WEBHOOK_ATTEMPT_LEASE: receivers drop repeats by delivery id or (match, seq).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ..models import Change, Match, Webhook, WebhookDelivery
from ..webhooks import payload as payloads
from ..webhooks import sending, signing

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status
# How early an attempt may come for the row to be due: the clocks of the processes involved may differ slightly.
EARLY = timedelta(milliseconds=500)
# How many due deliveries one sweep re-enqueues; the next sweep takes the rest.
SWEEP_BATCH = 500


def new_job_id() -> str:
    return f"webhook-{uuid.uuid4().hex}"


def max_attempts() -> int:
    return 1 + len(settings.WEBHOOK_RETRY_SCHEDULE)


# --- the outbox: in the change's transaction ---------------------------------------------------


def record_deliveries(*, change: Change, match: Match) -> list[int]:
    """One delivery per active webhook of the match's competition, in the change's transaction; their jobs are
    enqueued once it commits. The ids of the deliveries created (none when the change already has them: a
    retried submission announces its change again)."""
    webhook_ids = set(
        Webhook.objects.filter(active=True, competitions=match.competition_id).values_list("id", flat=True)
    )
    if not webhook_ids:
        return []
    webhook_ids -= set(WebhookDelivery.objects.filter(change=change).values_list("webhook_id", flat=True))
    if not webhook_ids:
        return []
    payload = payloads.change_payload(change, match)
    now = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            webhook_id=webhook_id, match=match, seq=change.seq, change=change, payload=payload,
            next_attempt_at=now, job_id=new_job_id(),
        )
        for webhook_id in sorted(webhook_ids)
    )
    enqueue_on_commit(deliveries)
    return [delivery.pk for delivery in deliveries]


def enqueue_on_commit(deliveries: list[WebhookDelivery]) -> None:
    from ..webhooks import tasks

    jobs = [(delivery.pk, delivery.job_id) for delivery in deliveries]
    transaction.on_commit(lambda: tasks.enqueue_after_commit(jobs))


# --- an attempt: run by the task queue's job ---------------------------------------------------


def attempt_delivery(*, delivery_id: int) -> str:
    """Send the delivery if it is still pending and due; record what came of it, and schedule the next attempt
    after a failure. Returns what happened, in words (the job's result)."""
    now = timezone.now()
    # The claim: one atomic update, so that of two jobs for one delivery only one sends it; until the lease
    # runs out the row is not due, and the sweep leaves it alone.
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=Status.PENDING, next_attempt_at__lte=now + EARLY
    ).update(
        attempts=F("attempts") + 1,
        last_attempt_at=now,
        next_attempt_at=now + timedelta(seconds=settings.WEBHOOK_ATTEMPT_LEASE),
    )
    if not claimed:
        return "not pending, or not due yet: nothing sent"
    delivery = WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)
    webhook = delivery.webhook
    if not webhook.active:
        finish(delivery, Status.FAILED, error="The webhook was switched off.")
        return "webhook switched off"
    body = payloads.body(delivery.payload)
    headers = {
        "Content-Type": "application/json",
        signing.SIGNATURE_HEADER: signing.signature_header(webhook.secret, body),
        "X-Matchcentre-Delivery": str(delivery.pk),
        "X-Matchcentre-Seq": str(delivery.seq),
    }
    if delivery.match_id is not None:
        headers["X-Matchcentre-Match"] = str(delivery.match_id)
    outcome = sending.post(webhook.url, body, headers, timeout=settings.WEBHOOK_TIMEOUT)
    if outcome.delivered:
        finish(delivery, Status.DELIVERED, status_code=outcome.status_code)
        return f"delivered (HTTP {outcome.status_code})"
    if outcome.final or delivery.attempts >= max_attempts():
        finish(delivery, Status.FAILED, status_code=outcome.status_code, error=outcome.error)
        return f"failed after {delivery.attempts} attempt(s): {outcome.error}"
    delay = settings.WEBHOOK_RETRY_SCHEDULE[delivery.attempts - 1]
    retry_at = whole_second_after(timezone.now() + timedelta(seconds=delay))
    job_id = new_job_id()
    # Only while the claim is still ours: after the lease another attempt may have taken the row.
    kept = WebhookDelivery.objects.filter(pk=delivery.pk, status=Status.PENDING, attempts=delivery.attempts).update(
        last_status_code=outcome.status_code, last_error=outcome.error, next_attempt_at=retry_at, job_id=job_id
    )
    if kept:
        from ..webhooks import tasks

        tasks.enqueue_retry(delivery.pk, job_id, retry_at)
    return f"attempt {delivery.attempts} failed ({outcome.error}); next in {delay} s"


def whole_second_after(moment: datetime) -> datetime:
    # The queue's schedule keeps whole seconds, truncated: without this a retry could run up to a second early.
    return moment.replace(microsecond=0) + timedelta(seconds=1) if moment.microsecond else moment


def finish(delivery: WebhookDelivery, status: str, *, status_code: int | None = None, error: str = "") -> None:
    now = timezone.now()
    fields = {"status": status, "last_status_code": status_code, "last_error": error, "next_attempt_at": None}
    rows = WebhookDelivery.objects.filter(pk=delivery.pk, status=Status.PENDING)
    if status == Status.DELIVERED:
        # Acknowledged is final, even if a later attempt claimed the row meanwhile.
        rows.update(**fields, delivered_at=now)
    else:
        rows.filter(attempts=delivery.attempts).update(**fields)


# --- the sweep: deliveries whose job was lost --------------------------------------------------


def requeue_lost(*, now: datetime | None = None) -> int:
    """Enqueue again the pending deliveries that are overdue and whose job is no longer waiting in the queue (Redis
    was away at the commit, a worker was killed mid-attempt); the number enqueued."""
    from ..webhooks import tasks

    now = now or timezone.now()
    overdue = list(
        WebhookDelivery.objects.filter(
            status=Status.PENDING, next_attempt_at__lte=now - timedelta(seconds=settings.WEBHOOK_SWEEP_GRACE)
        )
        .order_by("next_attempt_at", "match_id", "seq", "id")
        .values_list("id", "job_id")[:SWEEP_BATCH]
    )
    if not overdue:
        return 0
    waiting = tasks.waiting_jobs([job_id for _id, job_id in overdue if job_id])
    jobs = []
    for delivery_id, old_job_id in overdue:
        if old_job_id in waiting:
            continue
        job_id = new_job_id()
        if WebhookDelivery.objects.filter(pk=delivery_id, job_id=old_job_id, status=Status.PENDING).update(
            job_id=job_id
        ):
            jobs.append((delivery_id, job_id))
    if jobs:
        tasks.enqueue(jobs)
        logger.info("Webhooks: %d overdue delivery(ies) enqueued again", len(jobs))
    return len(jobs)


# --- the admin's actions -----------------------------------------------------------------------


def send_test_delivery(*, webhook: Webhook) -> WebhookDelivery:
    """A delivery with no change, to check a receiver: signed and retried like any other."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.create(
            webhook=webhook, payload=payloads.test_payload(webhook), next_attempt_at=timezone.now(), job_id=new_job_id()
        )
        enqueue_on_commit([delivery])
    return delivery


def retry_now(*, delivery_ids: list[int]) -> int:
    """Failed deliveries attempted once more, now (a receiver fixed after the retries ran out); how many."""
    with transaction.atomic():
        deliveries = list(WebhookDelivery.objects.select_for_update().filter(pk__in=delivery_ids, status=Status.FAILED))
        for delivery in deliveries:
            delivery.job_id = new_job_id()
            # Its attempts stay counted: one whose retries ran out fails again at once if this one fails.
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                status=Status.PENDING, next_attempt_at=timezone.now(), job_id=delivery.job_id
            )
        enqueue_on_commit(deliveries)
    return len(deliveries)
