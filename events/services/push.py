"""Web Push: browsers' subscriptions, and their deliveries (the outbox), written by the task queue and attempted by
it, swept when lost.

A change that notifies writes one announcement row in the transaction that commits it, whatever the number of
browsers following its teams; its fan-out job, enqueued after the commit, writes a delivery per subscribed browser
and enqueues each at the subscriber's spoiler delay after the change. The deliveries follow the webhooks' pattern
(events/services/webhooks.py): each attempt first claims its row, so that two jobs never both send it and a
delivery the push service acknowledged is never sent again; `requeue_lost` finds the announcements and the due
deliveries whose job is gone (Redis away at the commit, a worker killed). A worker killed between the push
service's answer and the row's update sends that one notification again after PUSH_ATTEMPT_LEASE, under the same
tag and Topic: the device shows it once.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext

from live import protocol

from ..models import Change, Match, PushAnnouncement, PushDelivery, PushSubscription, Team
from ..notifications import content, rate, sending
from ..webhooks import addresses
from .errors import ServiceError
from .follows import MAX_FOLLOWED_TEAMS

logger = logging.getLogger(__name__)

Status = PushDelivery.Status
EARLY = timedelta(milliseconds=500)
SWEEP_BATCH = 500
# Browsers given their deliveries per query and insert by one fan-out.
FAN_OUT_BATCH = 1000
MAX_DELAY_SECONDS = 60
ENDPOINT_LENGTH = 1000


def new_job_id() -> str:
    return f"push-{uuid.uuid4().hex}"


def max_attempts() -> int:
    return 1 + len(settings.PUSH_RETRY_SCHEDULE)


# --- subscriptions -------------------------------------------------------------------------------


def subscribe(*, endpoint: str, p256dh: str, auth: str, team_ids: list[int], delay_seconds: int = 0,
              language: str = "") -> PushSubscription:
    """Create the browser's subscription, or update it (the same endpoint): its keys, teams and delay. A
    subscription switched off (its push service said it was gone) comes back when the browser subscribes again."""
    check_endpoint(endpoint)
    check_key(p256dh, "p256dh", 65)
    check_key(auth, "auth", 16)
    wanted = list(dict.fromkeys(team_ids))
    if not wanted:
        raise ServiceError(gettext("Name at least one team."), code="required", field="teams")
    if len(wanted) > MAX_FOLLOWED_TEAMS:
        raise ServiceError(
            gettext("Follow at most %(most)s teams.") % {"most": MAX_FOLLOWED_TEAMS}, code="too_many", field="teams",
        )
    known = set(Team.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    unknown = [team_id for team_id in wanted if team_id not in known]
    if unknown:
        raise ServiceError(
            gettext("No such team: %(teams)s.") % {"teams": ", ".join(map(str, unknown))},
            code="not_found", field="teams",
        )
    if not 0 <= delay_seconds <= MAX_DELAY_SECONDS:
        raise ServiceError(
            gettext("The delay is 0 to %(most)s seconds.") % {"most": MAX_DELAY_SECONDS},
            code="invalid_field", field="delay",
        )
    fields = {"p256dh": p256dh, "auth": auth, "delay_seconds": delay_seconds,
              "language": protocol.parse_language(f"lang={quote(language)}".encode()),
              "active": True, "failures": 0, "deactivated_reason": ""}
    with transaction.atomic():
        try:
            subscription, _created = PushSubscription.objects.select_for_update().update_or_create(
                endpoint=endpoint, defaults=fields
            )
        except IntegrityError:  # two first subscriptions of one endpoint at once: the other one won
            subscription = PushSubscription.objects.select_for_update().get(endpoint=endpoint)
            PushSubscription.objects.filter(pk=subscription.pk).update(**fields)
        subscription.teams.set(wanted)
    return subscription


def unsubscribe(*, endpoint: str) -> bool:
    """Drop the subscription; whatever it still had waiting is not sent. False when there was none."""
    with transaction.atomic():
        found = PushSubscription.objects.filter(endpoint=endpoint).first()
        if found is None:
            return False
        PushDelivery.objects.filter(subscription=found, status=Status.PENDING).update(
            status=Status.EXPIRED, next_attempt_at=None, last_error="Unsubscribed."
        )
        found.delete()
    return True


def check_endpoint(endpoint: str) -> None:
    if not endpoint or len(endpoint) > ENDPOINT_LENGTH:
        raise ServiceError(gettext("The endpoint is the subscription's URL."), code="invalid_field", field="endpoint")
    parts = urlsplit(endpoint)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ServiceError(gettext("The endpoint is the subscription's URL."), code="invalid_field", field="endpoint")
    try:
        sending.check_endpoint(endpoint)
    except addresses.RefusedURL as refused:
        raise ServiceError(
            gettext("That endpoint is refused: %(why)s") % {"why": refused}, code="invalid_field", field="endpoint",
        ) from None


def check_key(value: str, field: str, size: int) -> None:
    from ..notifications.vapid import b64url_decode

    try:
        raw = b64url_decode(value)
    except ValueError:
        raw = b""
    if len(raw) != size or (field == "p256dh" and raw[0] != 4):
        raise ServiceError(gettext("keys.%(field)s is not a browser's %(field)s key (base64url).") % {"field": field},
                           code="invalid_field", field=f"keys.{field}")


# --- the outbox: one row in the change's transaction, a delivery per browser by the task queue ------------


def record_announcement(*, change: Change, match: Match) -> PushAnnouncement | None:
    """The change's announcement, when a browser follows either team of its match: written in the change's
    transaction, its fan-out job enqueued once it commits. The deliveries are the job's (fan_out), so that the
    editor's request writes one row whether ten browsers follow a team or a hundred thousand."""
    followed = PushSubscription.objects.filter(active=True, teams__in=[match.home_id, match.away_id])
    if not followed.exists():
        return None
    announcement = PushAnnouncement.objects.create(change=change, match=match, job_id=new_job_id())
    announcement_id, job_id = announcement.pk, announcement.job_id
    from ..notifications import tasks

    transaction.on_commit(lambda: tasks.enqueue_fan_out_after_commit(announcement_id, job_id))
    return announcement


def fan_out(*, announcement_id: int) -> str:
    """A delivery for each active browser following either team, each due at its subscriber's spoiler delay after
    the change, and its job on the queue. Returns what happened, in words (the job's result).

    Safe to run again (a job repeated, or the sweep after a worker died mid-way): a browser that has its delivery
    already is skipped, and a delivery's job run twice sends it once (attempt_delivery claims it first)."""
    now = timezone.now()
    claimed = PushAnnouncement.objects.filter(pk=announcement_id, fanned_out_at__isnull=True).filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    ).update(claimed_until=now + timedelta(seconds=settings.PUSH_ATTEMPT_LEASE))
    if not claimed:
        return "fanned out already, or by another job now: nothing done"
    announcement = PushAnnouncement.objects.select_related("change", "match").get(pk=announcement_id)
    change, match = announcement.change, announcement.match
    names = content.team_names(match)
    built: dict[str, dict | None] = {}
    written = 0
    while True:
        batch = list(
            PushSubscription.objects.filter(active=True, teams__in=[match.home_id, match.away_id])
            .exclude(deliveries__change=change)
            .distinct()
            .order_by("id")
            .values_list("id", "delay_seconds", "language")[:FAN_OUT_BATCH]
        )
        if not batch:
            break
        rows = []
        for subscription_id, delay, language in batch:
            if language not in built:
                built[language] = content.notification(change, match, names, language or settings.LANGUAGE_CODE)
            payload = built[language]
            if payload is None:
                batch = []  # the change notifies nobody (the same in every language)
                break
            rows.append(PushDelivery(
                subscription_id=subscription_id, match=match, seq=change.seq, change=change, tag=payload["tag"],
                payload=payload, urgency=payload["urgency"], next_attempt_at=change.created_at + timedelta(
                    seconds=delay), job_id=new_job_id(),
            ))
        if not rows:
            break
        # A browser that got its delivery meanwhile (the job run twice at once after all) keeps the one it has.
        PushDelivery.objects.bulk_create(rows, ignore_conflicts=True)
        written += len(rows)
        enqueue_waiting(change, [subscription_id for subscription_id, _delay, _language in batch])
    PushAnnouncement.objects.filter(pk=announcement_id).update(fanned_out_at=timezone.now(), claimed_until=None,
                                                              deliveries=F("deliveries") + written)
    return f"{written} delivery(ies) written"


def enqueue_waiting(change: Change, subscription_ids: list[int]) -> None:
    """The jobs of the change's deliveries to these browsers that no attempt has touched yet, each at its time."""
    from ..notifications import tasks

    now = timezone.now()
    waiting = PushDelivery.objects.filter(
        change=change, subscription_id__in=subscription_ids, status=Status.PENDING, attempts=0
    ).values_list("id", "job_id", "next_attempt_at")
    tasks.enqueue_after_commit([(delivery_id, job_id, at if at > now else None) for delivery_id, job_id, at in waiting])


# --- an attempt: run by the task queue's job -----------------------------------------------------


def attempt_delivery(*, delivery_id: int, slot_taken: bool = False) -> str:
    """Send the delivery if it is still pending and due, within the rate bounds; record what came of it, and
    schedule the next attempt after a failure. Returns what happened, in words (the job's result)."""
    now = timezone.now()
    # The claim: one atomic update, so that of two jobs for one delivery only one sends it.
    claimed = PushDelivery.objects.filter(
        pk=delivery_id, status=Status.PENDING, next_attempt_at__lte=now + EARLY
    ).update(
        attempts=F("attempts") + 1, last_attempt_at=now,
        next_attempt_at=now + timedelta(seconds=settings.PUSH_ATTEMPT_LEASE),
    )
    if not claimed:
        return "not pending, or not due yet: nothing sent"
    delivery = PushDelivery.objects.select_related("subscription").get(pk=delivery_id)
    subscription = delivery.subscription
    if not subscription.active:
        finish(delivery, Status.EXPIRED, error="The subscription is gone.")
        return "subscription gone"
    # Newer by the change's seq, not by the row's id: two changes' fan-outs may write their rows in either order.
    newer = PushDelivery.objects.filter(subscription=subscription, tag=delivery.tag, match_id=delivery.match_id,
                                        seq__gt=delivery.seq).exclude(
        status__in=[Status.FAILED, Status.EXPIRED]
    )
    if newer.exists():
        # Coalesced: a newer notification about the same event replaces this one on the screen anyway.
        finish(delivery, Status.SUPERSEDED)
        return "superseded by a newer notification with the same tag"
    window = timedelta(seconds=60)
    recent = list(PushDelivery.objects.filter(subscription=subscription, sent_at__gt=now - window)
                  .order_by("sent_at").values_list("sent_at", flat=True)[:settings.PUSH_MAX_PER_SUBSCRIPTION_MINUTE])
    if len(recent) >= settings.PUSH_MAX_PER_SUBSCRIPTION_MINUTE:
        return put_back(delivery, recent[0] + window, "this subscription's rate bound")
    if not slot_taken:
        from ..notifications import tasks

        wait = rate.reserve(tasks.connection())
        if wait > 0:
            return put_back(delivery, timezone.now() + timedelta(seconds=wait), "the global rate bound",
                            slot_taken=True)
    outcome = sending.send(
        endpoint=subscription.endpoint, p256dh=subscription.p256dh, auth=subscription.auth, payload=delivery.payload,
        ttl=settings.PUSH_TTL, urgency=delivery.urgency, topic=topic_of(delivery.tag),
    )
    if outcome.delivered:
        finish(delivery, Status.SENT, status_code=outcome.status_code)
        PushSubscription.objects.filter(pk=subscription.pk).update(failures=0, last_success_at=timezone.now())
        return f"sent (HTTP {outcome.status_code})"
    if outcome.gone:
        finish(delivery, Status.EXPIRED, status_code=outcome.status_code, error=outcome.error)
        expire(subscription, f"The push service answered {outcome.error}: the subscription is gone.")
        return f"subscription expired ({outcome.error})"
    if outcome.final or delivery.attempts >= max_attempts():
        finish(delivery, Status.FAILED, status_code=outcome.status_code, error=outcome.error)
        count_failure(subscription)
        return f"failed after {delivery.attempts} attempt(s): {outcome.error}"
    delay = max(settings.PUSH_RETRY_SCHEDULE[delivery.attempts - 1], outcome.retry_after or 0)
    retry_at = whole_second_after(timezone.now() + timedelta(seconds=delay))
    job_id = new_job_id()
    kept = PushDelivery.objects.filter(pk=delivery.pk, status=Status.PENDING, attempts=delivery.attempts).update(
        last_status_code=outcome.status_code, last_error=outcome.error, next_attempt_at=retry_at, job_id=job_id
    )
    if kept:
        from ..notifications import tasks

        tasks.schedule(delivery.pk, job_id, retry_at)
    return f"attempt {delivery.attempts} failed ({outcome.error}); next in {delay:g} s"


def topic_of(tag: str) -> str:
    # RFC 8030's Topic: at most 32 characters of the base64url alphabet, which `event-<id>` is.
    return tag if len(tag) <= 32 else ""


def put_back(delivery: PushDelivery, at: datetime, why: str, *, slot_taken: bool = False) -> str:
    """Not an attempt: the delivery waits for its turn under a rate bound, its attempts as they were."""
    from ..notifications import tasks

    at = whole_second_after(at)
    job_id = new_job_id()
    kept = PushDelivery.objects.filter(pk=delivery.pk, status=Status.PENDING, attempts=delivery.attempts).update(
        attempts=F("attempts") - 1, next_attempt_at=at, job_id=job_id
    )
    if kept:
        tasks.schedule(delivery.pk, job_id, at, slot_taken=slot_taken)
    return f"held back by {why} until {at.isoformat()}"


def whole_second_after(moment: datetime) -> datetime:
    # The queue's schedule keeps whole seconds, truncated: without this an attempt could run up to a second early.
    return moment.replace(microsecond=0) + timedelta(seconds=1) if moment.microsecond else moment


def finish(delivery: PushDelivery, status: str, *, status_code: int | None = None, error: str = "") -> None:
    fields = {"status": status, "last_status_code": status_code, "last_error": error, "next_attempt_at": None}
    rows = PushDelivery.objects.filter(pk=delivery.pk, status=Status.PENDING)
    if status == Status.SENT:
        rows.update(**fields, sent_at=timezone.now())  # acknowledged is final, even if the lease ran out meanwhile
    else:
        rows.filter(attempts=delivery.attempts).update(**fields)


def expire(subscription: PushSubscription, reason: str) -> None:
    """The subscription is gone: switched off, and nothing more is sent to it."""
    PushSubscription.objects.filter(pk=subscription.pk).update(active=False, deactivated_reason=reason[:300])
    PushDelivery.objects.filter(subscription=subscription, status=Status.PENDING).update(
        status=Status.EXPIRED, next_attempt_at=None, last_error="The subscription is gone."
    )


def count_failure(subscription: PushSubscription) -> None:
    """Consecutive failed deliveries; past PUSH_MAX_FAILURES the subscription is switched off as dead."""
    PushSubscription.objects.filter(pk=subscription.pk).update(failures=F("failures") + 1)
    if PushSubscription.objects.filter(pk=subscription.pk, failures__gte=settings.PUSH_MAX_FAILURES).exists():
        expire(subscription, f"{settings.PUSH_MAX_FAILURES} deliveries in a row failed.")


# --- the sweep: deliveries whose job was lost ----------------------------------------------------


def requeue_lost(*, now: datetime | None = None) -> int:
    """Enqueue again the announcements not fanned out and the pending deliveries that are overdue and whose job no
    longer waits in the queue; how many."""
    now = now or timezone.now()
    return requeue_lost_announcements(now) + requeue_lost_deliveries(now)


def requeue_lost_announcements(now: datetime) -> int:
    from ..notifications import tasks
    from ..webhooks.tasks import waiting_jobs

    grace = now - timedelta(seconds=settings.PUSH_SWEEP_GRACE)
    overdue = list(
        PushAnnouncement.objects.filter(fanned_out_at__isnull=True, created_at__lte=grace)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("id").values_list("id", "job_id")[:SWEEP_BATCH]
    )
    waiting = waiting_jobs([job_id for _id, job_id in overdue if job_id]) if overdue else set()
    requeued = 0
    for announcement_id, old_job_id in overdue:
        if old_job_id in waiting:
            continue
        job_id = new_job_id()
        if PushAnnouncement.objects.filter(pk=announcement_id, fanned_out_at__isnull=True, job_id=old_job_id).update(
                job_id=job_id):
            tasks.enqueue_fan_out(announcement_id, job_id)
            requeued += 1
    if requeued:
        logger.info("Push: %d lost announcement(s) enqueued again", requeued)
    return requeued


def requeue_lost_deliveries(now: datetime) -> int:
    from ..notifications import tasks
    from ..webhooks.tasks import waiting_jobs

    overdue = list(
        PushDelivery.objects.filter(
            status=Status.PENDING, next_attempt_at__lte=now - timedelta(seconds=settings.PUSH_SWEEP_GRACE)
        ).order_by("next_attempt_at", "id").values_list("id", "job_id")[:SWEEP_BATCH]
    )
    if not overdue:
        return 0
    waiting = waiting_jobs([job_id for _id, job_id in overdue if job_id])
    jobs = []
    for delivery_id, old_job_id in overdue:
        if old_job_id in waiting:
            continue
        job_id = new_job_id()
        if PushDelivery.objects.filter(pk=delivery_id, status=Status.PENDING, job_id=old_job_id).update(job_id=job_id):
            jobs.append((delivery_id, job_id, None))
    if jobs:
        tasks.enqueue(jobs)
        logger.info("Push: %d lost delivery(ies) enqueued again", len(jobs))
    return len(jobs)
