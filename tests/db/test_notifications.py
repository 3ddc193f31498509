"""Notifications of followed teams' matches: which changes notify which browsers, what they say, a disallowed goal
replacing its own notification, the team feeds the pages listen to, the subscription API, and an attempt's rules
(coalescing, the rate bound, a gone subscription) with the push service stood in for.

End to end, with a real worker and a real push service: tests/live/test_push_worker.py; in Chromium:
tests/browser/test_notifications.py.
"""

from __future__ import annotations

import base64
import secrets
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events import services
from events.models import Change, PushAnnouncement, PushDelivery, PushSubscription
from events.notifications import rate, sending, tasks, vapid
from events.services import push
from live.protocol import team_feed
from tests.conftest import LayerListener
from tests.db.services.helpers import goal
from tests.factories import make_match, make_team, make_user, player

pytestmark = pytest.mark.django_db
URL = "/api/push/subscriptions"


@pytest.fixture(autouse=True)
def push_settings(settings):
    settings.TASK_QUEUE_URL = ""  # nothing enqueued: the attempts are called here
    settings.PUSH_ALLOW_PRIVATE_HOSTS = True
    settings.PUSH_MAX_PER_SUBSCRIPTION_MINUTE = 20


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def browser_keys() -> dict:
    public = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return {"p256dh": b64url(public), "auth": b64url(secrets.token_bytes(16))}


def subscribe(*teams, delay: int = 0) -> PushSubscription:
    keys = browser_keys()
    return push.subscribe(endpoint=f"https://push.example.test/{secrets.token_hex(8)}", p256dh=keys["p256dh"],
                          auth=keys["auth"], team_ids=[team.id for team in teams], delay_seconds=delay)


def fanned_out() -> None:
    """What the task queue's fan-out jobs do after the commit (no queue here): a delivery per following browser."""
    waiting = PushAnnouncement.objects.filter(fanned_out_at__isnull=True).order_by("id")
    for announcement_id in waiting.values_list("id", flat=True):
        push.fan_out(announcement_id=announcement_id)


def payloads(subscription: PushSubscription) -> list[dict]:
    fanned_out()
    return [row.payload for row in PushDelivery.objects.filter(subscription=subscription).order_by("seq")]


# --- which changes notify whom, and what they say ----------------------------------------------------


def test_a_goal_notifies_the_followers_of_either_team_and_nobody_else(django_capture_on_commit_callbacks):
    match = make_match(kicked_off=True)
    home_fan, away_fan, stranger = subscribe(match.home), subscribe(match.away), subscribe(make_team())
    both = subscribe(match.home, match.away)

    scored = goal(match, match.home, 9, minute=21)

    expected_title = f"Goal! {match.home.name} 1–0 {match.away.name}"
    for fan in (home_fan, away_fan, both):
        [payload] = payloads(fan)  # one each, even for a browser following both teams
        assert payload["title"] == expected_title
        assert payload["body"] == f"21' {player(match.home, 9).name}"
        assert payload["tag"] == f"event-{scored.event.id}"
        assert payload["url"] == f"/matches/{match.id}/"
        assert (payload["kind"], payload["urgency"], payload["seq"]) == ("goal", "high", scored.seq)
    assert payloads(stranger) == []


def test_a_disallowed_goal_replaces_its_notification_under_the_same_tag():
    match = make_match(kicked_off=True)
    fan = subscribe(match.away)
    scored = goal(match, match.home, 9, minute=30)
    check = services.record_event(match_id=match.id, kind="var_check", minute=31, team_id=match.home_id,
                                  reviewed_event_id=scored.event.id, var_category="goal")

    services.decide_var_check(check_id=check.event.id, decision="overturned", decision_reason="offside")

    goal_payload, replaced = payloads(fan)
    assert replaced["tag"] == goal_payload["tag"] == f"event-{scored.event.id}"
    assert replaced["title"] == "Goal disallowed: offside"
    assert replaced["body"] == f"{match.home.name} 0–0 {match.away.name}"
    assert (replaced["kind"], replaced["urgency"]) == ("goal_disallowed", "high")


def test_a_goal_removed_by_an_editor_replaces_its_notification_with_the_reason():
    match = make_match(kicked_off=True)
    fan = subscribe(match.home)
    scored = goal(match, match.home, 9)

    services.remove_event(event_id=scored.event.id, user=make_user(), reason="Recorded for the wrong match")

    goal_payload, replaced = payloads(fan)
    assert replaced["tag"] == goal_payload["tag"]
    assert replaced["title"] == "Goal disallowed: Recorded for the wrong match"


def test_kick_off_half_time_full_time_red_cards_and_var_decisions_notify_and_the_rest_does_not():
    match = make_match()
    fan = subscribe(match.home)
    services.record_event(match_id=match.id, kind="period_start")
    services.record_event(match_id=match.id, kind="substitution", minute=20, team_id=match.home_id,
                          player_id=player(match.home, 9).id, second_player_id=player(match.home, 12).id)
    services.record_event(match_id=match.id, kind="yellow_card", minute=25, team_id=match.away_id,
                          player_id=player(match.away, 4).id)
    services.record_event(match_id=match.id, kind="red_card", minute=30, team_id=match.away_id,
                          player_id=player(match.away, 5).id)
    check = services.record_event(match_id=match.id, kind="var_check", minute=31, team_id=match.away_id,
                                  var_category="penalty")
    services.decide_var_check(check_id=check.event.id, decision="stands", decision_reason="no_foul")
    services.record_event(match_id=match.id, kind="period_end", period="first_half", minute=45)
    services.record_event(match_id=match.id, kind="period_start", period="second_half", minute=46)
    services.record_event(match_id=match.id, kind="period_end", period="second_half", minute=90)

    said = [(payload["kind"], payload["title"]) for payload in payloads(fan)]
    assert said == [
        ("kick_off", "Kick-off"),
        ("red_card", f"Red card: {player(match.away, 5).name}"),
        ("var_decision", "VAR: Penalty / no penalty, decision stands"),
        ("half_time", "Half-time"),
        ("full_time", "Full time"),
    ]
    assert payloads(fan)[-1]["body"] == f"{match.home.name} 0–0 {match.away.name}"


def test_the_notification_goes_to_the_teams_feeds_after_the_commit(django_capture_on_commit_callbacks):
    match = make_match(kicked_off=True)
    listener = LayerListener(team_feed(match.home_id), team_feed(match.away_id))
    with django_capture_on_commit_callbacks(execute=True):
        scored = goal(match, match.away, 9, minute=5)
    messages = listener.messages()
    assert [message["tag"] for message in messages] == [f"event-{scored.event.id}"] * 2  # once per team's feed
    assert messages[0]["title"] == f"Goal! {match.home.name} 0–1 {match.away.name}"


def test_a_subscribers_spoiler_delay_holds_its_delivery_back():
    match = make_match(kicked_off=True)
    fan = subscribe(match.home, delay=30)
    before = timezone.now()
    goal(match, match.home, 9)
    fanned_out()
    row = PushDelivery.objects.get(subscription=fan)
    assert before + timedelta(seconds=30) <= row.next_attempt_at <= timezone.now() + timedelta(seconds=30)
    assert push.attempt_delivery(delivery_id=row.id).startswith("not pending, or not due yet")


# --- the outbox: one row in the editor's transaction, a delivery per browser by the task queue --------------


def test_the_editors_transaction_writes_one_announcement_however_many_browsers_follow():
    few, many = make_match(kicked_off=True), make_match(kicked_off=True)
    subscribe(few.home)
    for _ in range(40):
        subscribe(many.home)
    goal(few, few.home, 9, minute=1)  # each match's first goal reads what later ones find cached
    goal(many, many.home, 9, minute=1)
    with CaptureQueriesContext(connection) as few_queries:
        goal(few, few.home, 9, minute=2)
    with CaptureQueriesContext(connection) as many_queries:
        scored = goal(many, many.home, 9, minute=2)

    assert len(many_queries) == len(few_queries)
    assert not PushDelivery.objects.exists()
    assert PushAnnouncement.objects.filter(match=many).count() == 2
    fanned_out()
    assert PushDelivery.objects.filter(match=many, seq=scored.seq).count() == 40


def test_a_change_no_browser_follows_writes_no_announcement():
    match = make_match(kicked_off=True)
    subscribe(make_team())
    goal(match, match.home, 9)
    assert not PushAnnouncement.objects.exists()


def test_a_fan_out_run_again_writes_each_browsers_delivery_once():
    match = make_match(kicked_off=True)
    fans = [subscribe(match.home) for _ in range(3)]
    goal(match, match.home, 9)
    announcement = PushAnnouncement.objects.get()
    # A worker killed mid-way: one browser's delivery written, the claim left to run out.
    first = fans[0]
    PushDelivery.objects.create(subscription=first, match=match, seq=announcement.change.seq,
                                change=announcement.change, tag="event-x", payload={}, job_id="push-old")
    PushAnnouncement.objects.filter(pk=announcement.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))

    assert push.fan_out(announcement_id=announcement.pk) == "2 delivery(ies) written"
    assert push.fan_out(announcement_id=announcement.pk).startswith("fanned out already")
    assert sorted(PushDelivery.objects.values_list("subscription_id", flat=True)) == sorted(fan.pk for fan in fans)


def test_a_fan_out_held_by_a_live_job_is_left_to_it():
    match = make_match(kicked_off=True)
    subscribe(match.home)
    goal(match, match.home, 9)
    announcement = PushAnnouncement.objects.get()
    PushAnnouncement.objects.filter(pk=announcement.pk).update(claimed_until=timezone.now() + timedelta(seconds=30))
    assert push.fan_out(announcement_id=announcement.pk).startswith("fanned out already, or by another job")
    assert not PushDelivery.objects.exists()


def test_the_sweep_enqueues_again_an_announcement_whose_job_was_lost(monkeypatch, settings):
    from events.webhooks import tasks as webhook_tasks

    settings.PUSH_SWEEP_GRACE = 0
    match = make_match(kicked_off=True)
    subscribe(match.home)
    goal(match, match.home, 9)
    announcement = PushAnnouncement.objects.get()
    enqueued = []
    monkeypatch.setattr(webhook_tasks, "waiting_jobs", lambda job_ids: set())
    monkeypatch.setattr(tasks, "enqueue_fan_out", lambda *args: enqueued.append(args))

    assert push.requeue_lost(now=timezone.now() + timedelta(seconds=1)) == 1
    [(announcement_id, job_id)] = enqueued
    assert announcement_id == announcement.pk and job_id != announcement.job_id
    assert PushAnnouncement.objects.get().job_id == job_id
    fanned_out()
    assert push.requeue_lost_announcements(timezone.now() + timedelta(seconds=1)) == 0  # fanned out: not swept


def test_a_disallowed_goal_written_out_before_the_goal_still_replaces_it(push_service):
    sent, _answers, _ = push_service
    match = make_match(kicked_off=True)
    fan = subscribe(match.home)
    scored = goal(match, match.home, 9)
    services.remove_event(event_id=scored.event.id, user=make_user(), reason="offside")
    # Two workers: the second change's fan-out writes its row first.
    for announcement in PushAnnouncement.objects.order_by("-id"):
        push.fan_out(announcement_id=announcement.pk)
    removal, goal_row = PushDelivery.objects.filter(subscription=fan).order_by("id")
    assert removal.seq > goal_row.seq

    assert push.attempt_delivery(delivery_id=goal_row.id) == "superseded by a newer notification with the same tag"
    assert push.attempt_delivery(delivery_id=removal.id) == "sent (HTTP 201)"
    assert [call["payload"]["title"] for call in sent] == ["Goal disallowed: offside"]


def test_a_delivery_is_due_its_delay_after_the_change_however_late_the_fan_out():
    match = make_match(kicked_off=True)
    fan = subscribe(match.home, delay=30)
    scored = goal(match, match.home, 9)
    changed_at = timezone.now() - timedelta(seconds=20)
    Change.objects.filter(match=match, seq=scored.seq).update(created_at=changed_at)
    fanned_out()
    assert PushDelivery.objects.get(subscription=fan).next_attempt_at == changed_at + timedelta(seconds=30)


# --- an attempt --------------------------------------------------------------------------------------


@pytest.fixture
def push_service(monkeypatch):
    """The push service stood in for: answers from `answers` (201 when empty), sends recorded."""
    sent, answers, scheduled = [], [], []

    def send(**kwargs):
        sent.append(kwargs)
        status = answers.pop(0) if answers else 201
        if status == 201:
            return sending.Outcome(True, 201)
        return sending.Outcome(False, status, f"HTTP {status}", gone=status in sending.GONE,
                               final=status in sending.FINAL)

    monkeypatch.setattr(sending, "send", send)
    monkeypatch.setattr(rate, "reserve", lambda connection: 0.0)
    monkeypatch.setattr(tasks, "connection", lambda: None)
    monkeypatch.setattr(tasks, "schedule", lambda *args, **kwargs: scheduled.append(args))
    return sent, answers, scheduled


def test_a_notification_replaced_before_it_went_out_is_not_sent(push_service):
    sent, _answers, _ = push_service
    match = make_match(kicked_off=True)
    fan = subscribe(match.home)
    scored = goal(match, match.home, 9)
    services.remove_event(event_id=scored.event.id, user=make_user(), reason="offside")
    fanned_out()
    first, second = PushDelivery.objects.filter(subscription=fan).order_by("id")

    assert push.attempt_delivery(delivery_id=first.id) == "superseded by a newer notification with the same tag"
    assert push.attempt_delivery(delivery_id=second.id) == "sent (HTTP 201)"
    assert [call["payload"]["title"] for call in sent] == ["Goal disallowed: offside"]
    assert [call["topic"] for call in sent] == [f"event-{scored.event.id}"]
    assert PushDelivery.objects.get(pk=first.pk).status == "superseded"


def test_a_gone_subscription_is_switched_off_and_its_waiting_deliveries_expire(push_service):
    sent, answers, _ = push_service
    match = make_match(kicked_off=True)
    fan = subscribe(match.home)
    first, second = goal(match, match.home, 9, minute=1), goal(match, match.home, 9, minute=2)
    fanned_out()
    rows = list(PushDelivery.objects.filter(subscription=fan).order_by("id"))
    answers.append(410)

    assert push.attempt_delivery(delivery_id=rows[0].id).startswith("subscription expired")
    fan.refresh_from_db()
    assert fan.active is False and "410" in fan.deactivated_reason
    assert list(PushDelivery.objects.filter(subscription=fan).order_by("id").values_list("status", flat=True)) == [
        "expired", "expired"]
    assert push.attempt_delivery(delivery_id=rows[1].id).startswith("not pending")
    assert len(sent) == 1 and first.seq < second.seq


def test_a_failing_push_service_is_retried_later_and_a_success_is_never_sent_again(push_service):
    sent, answers, scheduled = push_service
    match = make_match(kicked_off=True)
    fan = subscribe(match.home)
    goal(match, match.home, 9)
    fanned_out()
    row = PushDelivery.objects.get(subscription=fan)
    answers.append(503)

    assert "failed (HTTP 503)" in push.attempt_delivery(delivery_id=row.id)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_status_code) == ("pending", 1, 503)
    assert [args[0] for args in scheduled] == [row.id] and row.next_attempt_at > timezone.now()
    PushDelivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert push.attempt_delivery(delivery_id=row.id) == "sent (HTTP 201)"
    assert push.attempt_delivery(delivery_id=row.id).startswith("not pending")
    assert len(sent) == 2


def test_a_subscription_past_its_rate_waits_its_turn_without_losing_an_attempt(push_service, settings):
    sent, _answers, scheduled = push_service
    settings.PUSH_MAX_PER_SUBSCRIPTION_MINUTE = 2
    match = make_match(kicked_off=True)
    fan = subscribe(match.home)
    for minute in (1, 2, 3):
        goal(match, match.home, 9, minute=minute)
    fanned_out()
    rows = list(PushDelivery.objects.filter(subscription=fan).order_by("id"))

    for row in rows:
        push.attempt_delivery(delivery_id=row.id)

    assert len(sent) == 2
    third = PushDelivery.objects.get(pk=rows[2].pk)
    assert (third.status, third.attempts) == ("pending", 0)
    assert timezone.now() + timedelta(seconds=50) < third.next_attempt_at <= timezone.now() + timedelta(seconds=62)
    assert [args[0] for args in scheduled] == [third.id]


# --- the subscription API ----------------------------------------------------------------------------


def body(*teams, **extra) -> dict:
    return {"endpoint": f"https://push.example.test/{secrets.token_hex(8)}", "expirationTime": None,
            "keys": browser_keys(), "teams": [team.id for team in teams], **extra}


def test_a_browser_subscribes_with_no_account_changes_its_teams_and_unsubscribes(client):
    one, two = make_team(), make_team()
    sent = body(one, delay=5)
    response = client.post(URL, sent, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json() == {"teams": [one.id], "delay": 5}
    again = client.post(URL, {**sent, "teams": [two.id]}, content_type="application/json")
    assert again.json()["teams"] == [two.id]
    assert PushSubscription.objects.count() == 1

    gone = client.delete(URL, {"endpoint": sent["endpoint"]}, content_type="application/json")
    assert gone.status_code == 204
    assert not PushSubscription.objects.exists()
    assert client.delete(URL, {"endpoint": sent["endpoint"]}, content_type="application/json").status_code == 404


@pytest.mark.parametrize(("change", "status", "field"), [
    ({"endpoint": "not a url"}, 400, "endpoint"),
    ({"endpoint": "ftp://push.example.test/x"}, 400, "endpoint"),
    ({"keys": {"p256dh": "AAAA", "auth": b64url(b"0" * 16)}}, 400, "keys.p256dh"),
    ({"keys": {"p256dh": browser_keys()["p256dh"], "auth": "short"}}, 400, "keys.auth"),
    ({"keys": {"p256dh": browser_keys()["p256dh"]}}, 422, "keys.auth"),
    ({"teams": [999999]}, 400, "teams"),
    ({"teams": []}, 422, "teams"),
    ({"teams": ["1"]}, 422, "teams.0"),
    ({"delay": 61}, 422, "delay"),
    ({"extra": 1}, 422, "extra"),
])
def test_a_bad_subscription_is_refused_naming_the_field(client, change, status, field):
    response = client.post(URL, {**body(make_team()), **change}, content_type="application/json")
    assert response.status_code == status, response.content
    answer = response.json()
    named = answer.get("field") or (answer.get("errors") or [{}])[0].get("field")
    assert named == field, answer
    assert not PushSubscription.objects.exists()


def test_endpoints_on_private_addresses_or_plain_http_are_refused_in_production(client, settings):
    settings.PUSH_ALLOW_PRIVATE_HOSTS = False
    for endpoint in ("http://push.example.test/x", "https://127.0.0.1/push/x"):
        response = client.post(URL, {**body(make_team()), "endpoint": endpoint}, content_type="application/json")
        assert (response.status_code, response.json()["field"]) == (400, "endpoint"), endpoint


def test_another_sites_page_cannot_subscribe(client):
    response = client.post(URL, body(make_team()), content_type="application/json",
                           headers={"Origin": "https://elsewhere.example"})
    assert response.status_code == 403
    ours = client.post(URL, body(make_team()), content_type="application/json",
                       headers={"Origin": "http://testserver"})
    assert ours.status_code == 201


def test_the_key_and_the_service_worker_are_served(client, settings):
    settings.DEBUG = False
    settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY = "", ""
    assert client.get("/api/push/key").status_code == 404  # production without keys offers no Web Push
    pair = vapid.generate()
    settings.VAPID_PRIVATE_KEY = pair.private_key
    assert client.get("/api/push/key").json() == {"public_key": pair.public_key}
    assert len(base64.urlsafe_b64decode(pair.public_key + "=")) == 65
    worker = client.get("/sw.js")
    assert worker.status_code == 200
    assert worker["Content-Type"].startswith("text/javascript")
    assert worker["Service-Worker-Allowed"] == "/"
    assert b'addEventListener("push"' in worker.content


def test_the_admin_lists_subscriptions_and_deliveries_read_only(admin_client):
    match = make_match(kicked_off=True)
    fan = subscribe(match.home)
    goal(match, match.home, 9)
    fanned_out()
    delivery = PushDelivery.objects.get(subscription=fan)
    for path in ("/admin/events/pushsubscription/", f"/admin/events/pushsubscription/{fan.pk}/change/",
                 "/admin/events/pushdelivery/", f"/admin/events/pushdelivery/{delivery.pk}/change/"):
        response = admin_client.get(path)
        assert response.status_code == 200, path
        assert fan.auth not in response.content.decode()  # the browser's secret is never shown
    assert admin_client.get("/admin/events/pushsubscription/add/").status_code == 403


def test_in_development_a_key_pair_is_made_once_and_kept(client, settings, tmp_path):
    settings.DEBUG = True
    settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY = "", ""
    settings.VAPID_KEYS_FILE = tmp_path / "local" / "vapid-keys.json"
    first = client.get("/api/push/key").json()["public_key"]
    vapid._kept.cache_clear()  # as a restarted server would
    assert client.get("/api/push/key").json()["public_key"] == first
    assert (tmp_path / "local" / ".gitignore").read_text() == "*\n"
    assert settings.VAPID_KEYS_FILE.stat().st_mode & 0o077 == 0  # the private key is the owner's alone


def test_one_address_may_subscribe_only_so_often(client, settings):
    settings.PUSH_SUBSCRIBE_RATE = "3/min"
    team = make_team()
    statuses = [client.post(URL, body(team), content_type="application/json").status_code for _ in range(4)]
    assert statuses == [201, 201, 201, 429]


def test_past_the_global_rate_a_delivery_waits_for_its_slot_and_keeps_it(push_service, monkeypatch):
    sent, _answers, scheduled = push_service
    match = make_match(kicked_off=True)
    fan = subscribe(match.home)
    goal(match, match.home, 9)
    fanned_out()
    row = PushDelivery.objects.get(subscription=fan)
    monkeypatch.setattr(rate, "reserve", lambda connection: 2.5)

    assert "held back by the global rate bound" in push.attempt_delivery(delivery_id=row.id)
    row.refresh_from_db()
    assert (row.status, row.attempts, sent) == ("pending", 0, [])
    assert scheduled == [(row.id, row.job_id, row.next_attempt_at)]
    # Its slot taken, it goes when the slot comes, without asking the bucket again.
    PushDelivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert push.attempt_delivery(delivery_id=row.id, slot_taken=True) == "sent (HTTP 201)"


@pytest.mark.redis
def test_the_global_bucket_lets_a_burst_through_then_spaces_the_rest(settings):
    import redis

    from harness.cluster import redis_url, require_redis

    require_redis(redis_url())
    settings.CHANNEL_LAYER_PREFIX = f"test-{secrets.token_hex(4)}"
    settings.PUSH_GLOBAL_RATE, settings.PUSH_GLOBAL_BURST = 10, 3
    connection = redis.Redis.from_url(redis_url())
    try:
        waits = [rate.reserve(connection) for _ in range(8)]
    finally:
        connection.delete(rate.key())
    assert waits[:4] == [0.0] * 4
    # Then one slot every tenth of a second, each caller told how long to wait for its own.
    assert [round(wait, 1) for wait in waits[4:]] == [0.1, 0.2, 0.3, 0.4], waits


def test_each_language_has_its_notification_on_its_own_team_feed(django_capture_on_commit_callbacks):
    match = make_match(kicked_off=True)
    english, german = LayerListener(team_feed(match.home_id)), LayerListener(team_feed(match.home_id, "de"))
    fan = subscribe(match.home)
    PushSubscription.objects.filter(pk=fan.pk).update(language="de")
    with django_capture_on_commit_callbacks(execute=True):
        scored = goal(match, match.home, 9)
    [in_english], [in_german] = english.messages(), german.messages()
    assert in_english["title"].startswith("Goal! ")
    assert (in_german["id"], in_german["tag"]) == (in_english["id"], in_english["tag"]) == (
        f"{match.id}-{scored.seq}", f"event-{scored.event.id}")
    assert payloads(fan)[0]["title"] == in_german["title"]


def test_a_subscriptions_language_is_one_of_the_sites(client):
    team = make_team()
    for sent, kept in (("de-AT", "de"), ("xx", "en"), ("", "en")):
        endpoint = body(team, language=sent)
        assert client.post(URL, endpoint, content_type="application/json").status_code == 201
        assert PushSubscription.objects.get(endpoint=endpoint["endpoint"]).language == kept
