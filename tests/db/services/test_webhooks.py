"""events/services/webhooks.py: deliveries written with the change, attempted against a real local receiver,
retried, and swept when their job was lost. The task queue is stood in for here (what was enqueued is
recorded); tests/live/test_webhooks_worker.py runs the real worker."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from events import services
from events.models import Change, Webhook, WebhookDelivery
from events.services import webhooks
from events.webhooks import payload as payloads
from events.webhooks import tasks
from tests.db.services.helpers import goal
from tests.factories import make_competition, make_match, make_user
from tests.webhook_receiver import Receiver

pytestmark = pytest.mark.django_db


class Queue:
    """What went on the task queue: jobs after commits, retries at their times."""

    def __init__(self):
        self.jobs: list[tuple[int, str]] = []
        self.retries: list[tuple[int, str, object]] = []


@pytest.fixture
def queue(monkeypatch, settings):
    settings.TASK_QUEUE_URL = "redis://queue.invalid:6379/0"  # configured, never reached: enqueue is replaced
    queued = Queue()
    monkeypatch.setattr(tasks, "enqueue", lambda jobs: queued.jobs.extend(jobs))
    monkeypatch.setattr(tasks, "enqueue_retry", lambda *args: queued.retries.append(args))
    return queued


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.close()


def webhook(competition, url="https://news.example/hooks", active=True) -> Webhook:
    hook = Webhook.objects.create(url=url, active=active)
    hook.competitions.add(competition)
    return hook


def delivery_for(receiver: Receiver, match, **webhook_options) -> WebhookDelivery:
    hook = webhook(match.competition, url=receiver.url, **webhook_options)
    receiver.secret = hook.secret
    goal(match, match.home, 9, minute=21)
    return WebhookDelivery.objects.get(webhook=hook, seq=match.changes.count())


def due_now(delivery: WebhookDelivery) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


# --- the outbox ----------------------------------------------------------------------------------


def test_a_change_gets_one_delivery_per_active_webhook_following_its_competition(
    queue, django_capture_on_commit_callbacks
):
    match = make_match(kicked_off=True)
    first, second = webhook(match.competition), webhook(match.competition, url="https://other.example/in")
    webhook(match.competition, active=False)
    webhook(make_competition())  # another competition's

    with django_capture_on_commit_callbacks(execute=True):
        result = goal(match, match.home, 9, minute=21)

    deliveries = list(WebhookDelivery.objects.order_by("webhook_id"))
    change = Change.objects.get(match=match, seq=result.seq)
    assert [d.webhook_id for d in deliveries] == [first.id, second.id]
    assert all((d.match_id, d.seq, d.change_id, d.status, d.attempts) == (match.id, result.seq, change.id, "pending", 0)
               for d in deliveries)
    assert deliveries[0].payload == deliveries[1].payload
    assert queue.jobs == [(d.id, d.job_id) for d in deliveries]


def test_deliveries_are_enqueued_only_once_the_change_commits(queue, django_capture_on_commit_callbacks):
    match = make_match(kicked_off=True)
    webhook(match.competition)

    with django_capture_on_commit_callbacks() as callbacks:
        goal(match, match.home, 9)
        assert WebhookDelivery.objects.count() == 1
    assert queue.jobs == []
    for callback in callbacks:
        callback()
    assert [delivery_id for delivery_id, _job in queue.jobs] == [WebhookDelivery.objects.get().id]


def test_a_change_rolled_back_leaves_no_delivery(queue, django_capture_on_commit_callbacks):
    match = make_match(kicked_off=True)
    webhook(match.competition)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        goal(match, match.home, 9)
        raise RuntimeError("the request failed after the service")

    assert WebhookDelivery.objects.count() == 0
    assert queue.jobs == []


def test_a_retried_submission_gets_no_second_delivery(queue, django_capture_on_commit_callbacks):
    match = make_match(kicked_off=True)
    webhook(match.competition)
    editor = make_user()

    with django_capture_on_commit_callbacks(execute=True):
        first = goal(match, match.home, 9, user=editor, idempotency_key="k1")
        again = goal(match, match.home, 9, user=editor, idempotency_key="k1")

    assert (again.created, again.seq) == (False, first.seq)
    assert WebhookDelivery.objects.count() == 1 and len(queue.jobs) == 1


def test_every_kind_of_change_is_delivered_in_seq_order(queue, django_capture_on_commit_callbacks):
    match = make_match(kicked_off=True)
    webhook(match.competition)
    with django_capture_on_commit_callbacks(execute=True):
        scored = goal(match, match.home, 9, minute=21)
        services.amend_event(event_id=scored.event.id, changes={"minute": 22})
        services.remove_event(event_id=scored.event.id, reason="Offside")

    deliveries = list(WebhookDelivery.objects.order_by("id"))
    assert [(d.seq, d.payload["op"]) for d in deliveries] == [(2, "add"), (3, "update"), (4, "remove")]
    assert [delivery_id for delivery_id, _job in queue.jobs] == [d.id for d in deliveries]


def test_the_payload_is_the_change_as_the_api_lists_it_with_its_competition(queue):
    match = make_match(kicked_off=True)
    webhook(match.competition)
    result = goal(match, match.home, 9, minute=21)

    payload = WebhookDelivery.objects.get().payload
    assert payload["type"] == "change" and payload["version"] == payloads.PAYLOAD_VERSION
    assert (payload["competition_id"], payload["group_id"]) == (match.competition_id, match.group_id)
    assert (payload["match_id"], payload["seq"], payload["op"]) == (match.id, result.seq, "add")
    assert payload["event"]["kind"] == "goal" and payload["event"]["minute"] == 21
    assert payload["event"]["player"]["id"] == result.event.player_id
    assert (payload["match"]["home_score"], payload["match"]["away_score"]) == (1, 0)
    assert payload["match"]["seq"] == result.seq


def test_the_payload_is_built_once_per_change_whatever_the_number_of_webhooks(queue, monkeypatch):
    match = make_match(kicked_off=True)
    for index in range(3):
        webhook(match.competition, url=f"https://news{index}.example/in")
    built = []
    original = payloads.change_payload
    monkeypatch.setattr(payloads, "change_payload", lambda *args: built.append(args) or original(*args))

    goal(match, match.home, 9)

    assert len(built) == 1 and WebhookDelivery.objects.count() == 3


def test_without_webhooks_a_change_pays_one_query_for_them(django_assert_num_queries):
    match = make_match(kicked_off=True)
    change = Change.objects.filter(match=match).last()
    with django_assert_num_queries(1):
        assert webhooks.record_deliveries(change=change, match=match) == []


# --- an attempt ----------------------------------------------------------------------------------


def test_an_attempt_posts_the_signed_change_and_a_2xx_delivers_it(queue, receiver):
    match = make_match(kicked_off=True)
    delivery = delivery_for(receiver, match)

    assert webhooks.attempt_delivery(delivery_id=delivery.id) == "delivered (HTTP 200)"

    [request] = receiver.requests
    assert request.verified, "the signature does not verify as docs/webhooks.md says"
    assert (request.delivery, request.seq, request.match) == (delivery.id, delivery.seq, str(match.id))
    assert request.payload == delivery.payload
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None


def test_a_signature_made_with_another_secret_does_not_verify(queue, receiver):
    match = make_match(kicked_off=True)
    delivery = delivery_for(receiver, match)
    receiver.secret = "not the webhook's secret"

    webhooks.attempt_delivery(delivery_id=delivery.id)

    assert [request.verified for request in receiver.requests] == [False]


def test_a_failed_attempt_is_retried_after_the_first_delay_of_the_schedule(queue, receiver, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [10, 30]
    receiver.answer = lambda delivery, before: 500 if before == 0 else 200
    match = make_match(kicked_off=True)
    delivery = delivery_for(receiver, match)
    started = timezone.now()

    assert webhooks.attempt_delivery(delivery_id=delivery.id) == (
        "attempt 1 failed (HTTP 500 Internal Server Error); next in 10 s"
    )

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert timedelta(seconds=9) < delivery.next_attempt_at - started < timedelta(seconds=12)
    [(delivery_id, job_id, at)] = queue.retries
    assert (delivery_id, job_id, at) == (delivery.id, delivery.job_id, delivery.next_attempt_at)
    # The retry's job, run before its time, sends nothing.
    assert webhooks.attempt_delivery(delivery_id=delivery.id).startswith("not pending, or not due")
    assert len(receiver.requests) == 1

    due_now(delivery)
    assert webhooks.attempt_delivery(delivery_id=delivery.id) == "delivered (HTTP 200)"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert all(request.verified for request in receiver.requests) and len(receiver.requests) == 2


def test_after_the_last_attempt_the_delivery_is_failed(queue, receiver, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [10]
    receiver.answer = lambda delivery, before: 503
    match = make_match(kicked_off=True)
    delivery = delivery_for(receiver, match)

    webhooks.attempt_delivery(delivery_id=delivery.id)
    due_now(delivery)
    outcome = webhooks.attempt_delivery(delivery_id=delivery.id)
    assert outcome == "failed after 2 attempt(s): HTTP 503 Service Unavailable"

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 2, 503)
    assert delivery.next_attempt_at is None and len(queue.retries) == 1


def test_a_redirect_is_a_failure_and_is_not_followed(queue, receiver):
    receiver.answer = lambda delivery, before: 302
    match = make_match(kicked_off=True)
    delivery = delivery_for(receiver, match)

    webhooks.attempt_delivery(delivery_id=delivery.id)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_status_code, delivery.last_error) == ("pending", 302, "HTTP 302 Found")
    assert len(receiver.requests) == 1


def test_a_receiver_that_is_not_there_is_an_error_to_retry(queue, receiver):
    match = make_match(kicked_off=True)
    delivery = delivery_for(receiver, match)
    receiver.close()

    webhooks.attempt_delivery(delivery_id=delivery.id)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, None)
    assert "refused" in delivery.last_error.lower()


def test_an_acknowledged_delivery_is_never_sent_again(queue, receiver):
    match = make_match(kicked_off=True)
    delivery = delivery_for(receiver, match)
    webhooks.attempt_delivery(delivery_id=delivery.id)
    due_now(delivery)

    assert webhooks.attempt_delivery(delivery_id=delivery.id).startswith("not pending")
    assert len(receiver.requests) == 1


def test_a_webhook_switched_off_gets_nothing_more(queue, receiver):
    match = make_match(kicked_off=True)
    delivery = delivery_for(receiver, match)
    Webhook.objects.update(active=False)

    assert webhooks.attempt_delivery(delivery_id=delivery.id) == "webhook switched off"

    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == ("failed", "The webhook was switched off.")
    assert receiver.requests == []


def test_a_url_on_a_private_address_is_refused_at_send_time_in_production(queue, receiver, settings):
    match = make_match(kicked_off=True)
    delivery = delivery_for(receiver, match)
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False

    webhooks.attempt_delivery(delivery_id=delivery.id)

    delivery.refresh_from_db()
    assert delivery.status == "failed" and "not a public address" in delivery.last_error
    assert receiver.requests == [] and queue.retries == []


# --- the sweep -----------------------------------------------------------------------------------


def test_the_sweep_enqueues_overdue_deliveries_whose_job_is_gone(queue, monkeypatch, settings):
    settings.WEBHOOK_SWEEP_GRACE = 10
    match = make_match(kicked_off=True)
    webhook(match.competition)
    lost, waiting, recent = (goal(match, match.home, 9, minute=minute) for minute in (1, 2, 3))
    deliveries = {d.seq: d for d in WebhookDelivery.objects.all()}
    now = timezone.now()
    WebhookDelivery.objects.filter(seq__in=[lost.seq, waiting.seq]).update(next_attempt_at=now - timedelta(minutes=1))
    WebhookDelivery.objects.filter(seq=recent.seq).update(next_attempt_at=now - timedelta(seconds=2))
    monkeypatch.setattr(tasks, "waiting_jobs", lambda job_ids: {deliveries[waiting.seq].job_id} & set(job_ids))
    queue.jobs.clear()

    assert webhooks.requeue_lost() == 1

    swept = WebhookDelivery.objects.get(seq=lost.seq)
    assert queue.jobs == [(swept.id, swept.job_id)] and swept.job_id != deliveries[lost.seq].job_id
    assert WebhookDelivery.objects.get(seq=waiting.seq).job_id == deliveries[waiting.seq].job_id


def test_the_sweep_leaves_delivered_and_failed_deliveries_alone(queue, monkeypatch):
    match = make_match(kicked_off=True)
    webhook(match.competition)
    goal(match, match.home, 9, minute=1)
    goal(match, match.home, 9, minute=2)
    past = timezone.now() - timedelta(hours=1)
    first, second = WebhookDelivery.objects.order_by("id")
    WebhookDelivery.objects.filter(pk=first.pk).update(status="delivered", next_attempt_at=past)
    WebhookDelivery.objects.filter(pk=second.pk).update(status="failed", next_attempt_at=past)
    monkeypatch.setattr(tasks, "waiting_jobs", lambda job_ids: set())

    assert webhooks.requeue_lost() == 0


# --- the admin's actions -------------------------------------------------------------------------


def test_a_test_delivery_is_signed_and_sent_like_a_change(queue, receiver, django_capture_on_commit_callbacks):
    hook = Webhook.objects.create(url=receiver.url)
    receiver.secret = hook.secret
    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhooks.send_test_delivery(webhook=hook)
    assert queue.jobs == [(delivery.id, delivery.job_id)]

    webhooks.attempt_delivery(delivery_id=delivery.id)

    [request] = receiver.requests
    assert request.verified and (request.seq, request.match) == (0, None)
    assert request.payload["type"] == "test" and request.payload["webhook_id"] == hook.id


def test_trying_a_failed_delivery_again_gives_it_one_more_attempt(queue, receiver, settings,
                                                                   django_capture_on_commit_callbacks):
    settings.WEBHOOK_RETRY_SCHEDULE = []
    receiver.answer = lambda delivery, before: 500 if before == 0 else 200
    match = make_match(kicked_off=True)
    delivery = delivery_for(receiver, match)
    webhooks.attempt_delivery(delivery_id=delivery.id)
    delivery.refresh_from_db()
    assert delivery.status == "failed"

    with django_capture_on_commit_callbacks(execute=True):
        assert webhooks.retry_now(delivery_ids=[delivery.id]) == 1
    assert webhooks.attempt_delivery(delivery_id=delivery.id) == "delivered (HTTP 200)"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)


def test_a_matchs_reset_keeps_its_delivery_log(queue):
    match = make_match(kicked_off=True)
    webhook(match.competition)
    scored = goal(match, match.home, 9)

    services.reset_match(match_id=match.id)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.change_id, delivery.seq, delivery.payload["seq"]) == (None, scored.seq, scored.seq)
