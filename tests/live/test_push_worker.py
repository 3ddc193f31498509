"""Web Push through the real task queue: `manage.py rqworker <queue> --with-scheduler` as a process on the suite's
Redis, a database of its own, goals committed by other processes through the services, and a real push service on
the loopback interface (tests/push_service.py) that checks each push's VAPID signature and decrypts its payload
with the subscriber's keys, as a browser's push service and the browser would.

Each test has a queue of its own on the shared Redis, deleted at its end (tests/live/test_webhooks_worker.py).
"""

from __future__ import annotations

import itertools
import json
import secrets
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from events.notifications import vapid
from harness.cluster import redis_url, require_redis, run_manage, server_database, server_env
from harness.worker import TaskWorker, start_worker, wait_until_listening
from tests.live.support import report_logs
from tests.live.test_webhooks_worker import forget_queue
from tests.push_service import PushService

pytestmark = [pytest.mark.live_server, pytest.mark.redis]

SETTINGS = {
    "PUSH_RETRY_SCHEDULE": "1,1,1",
    "PUSH_ATTEMPT_LEASE": "3",
    "PUSH_SWEEP_GRACE": "2",
    "WEBHOOK_SWEEP_INTERVAL": "1",
    "PUSH_TIMEOUT": "10",
    "PUSH_ALLOW_PRIVATE_HOSTS": "1",
    "VAPID_SUBJECT": "mailto:ops@matchcentre.example",
}
ARRIVED_WITHIN = 30.0

SETUP = """
import json
from events.models import Group
from events.services import push
from tests.factories import make_competition, make_match, make_team
cup = make_competition(name="Cup {tag}")
match = make_match(home=make_team("Home {tag}", code="H"), away=make_team("Away {tag}", code="A"),
                   group=Group.objects.create(competition=cup, name="Group A"), kicked_off=True)
for browser in {browsers!r}:
    push.subscribe(endpoint=browser["endpoint"], p256dh=browser["keys"]["p256dh"], auth=browser["keys"]["auth"],
                   team_ids=[match.away_id], delay_seconds=browser.get("delay", 0))
print(json.dumps({{"match": match.id, "home": match.home.name, "away": match.away.name}}))
"""

GOALS = """
from events.models import Match
from tests.db.services.helpers import goal
match = Match.objects.get(pk={match})
for minute in range(1, {count} + 1):
    goal(match, match.home, 9, minute=minute)
"""

STATE = """
import json
from events.models import PushDelivery, PushSubscription
rows = PushDelivery.objects.filter(match_id={match}).order_by("id")
subscriptions = PushSubscription.objects.filter(deliveries__match_id={match}).distinct()
print(json.dumps({{
    "deliveries": list(rows.values("id", "tag", "status", "attempts", "last_status_code", "subscription__endpoint")),
    "subscriptions": {{s.endpoint: [s.active, s.deactivated_reason] for s in subscriptions}},
}}))
"""


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> Iterator[str]:
    url = redis_url()
    require_redis(url)
    with server_database(tmp_path_factory.mktemp("push-db")) as database_url:
        run_manage(["migrate", "--noinput", "-v0"], server_env(database_url, url, "unused"))
        yield database_url


class Site:
    def __init__(self, database_url: str, log_dir: Path):
        self.queue = f"push-test-{secrets.token_hex(4)}"
        self.keys = vapid.generate()
        self.log_dir = log_dir
        self.env = server_env(database_url, redis_url(), f"mc-push-{secrets.token_hex(4)}", {
            **SETTINGS, "TASK_QUEUE_URL": redis_url(), "WEBHOOK_QUEUE": self.queue, "PUSH_QUEUE": self.queue,
            "VAPID_PUBLIC_KEY": self.keys.public_key, "VAPID_PRIVATE_KEY": self.keys.private_key,
        })
        self.workers: list[TaskWorker] = []

    def start_worker(self) -> TaskWorker:
        worker = start_worker(self.env, self.log_dir, name="worker")
        self.workers.append(worker)
        wait_until_listening(worker)
        return worker

    def shell(self, code: str) -> dict:
        return json.loads(run_manage(["shell", "-c", code], self.env).strip().splitlines()[-1])

    def match_followed_by(self, *browsers, delays: dict[str, int] | None = None) -> dict:
        sent = [{**browser.as_json(), "delay": (delays or {}).get(browser.token, 0)} for browser in browsers]
        return self.shell(SETUP.format(tag=self.queue, browsers=sent))

    def goals(self, match: int, count: int) -> None:
        run_manage(["shell", "-c", GOALS.format(match=match, count=count)], self.env)

    def state(self, match: int) -> dict:
        return self.shell(STATE.format(match=match))

    def logs(self) -> str:
        return "\n".join(f"----- {w.name} ({'running' if w.alive() else w.process.returncode}) -----\n{w.output()}"
                         for w in self.workers)

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        forget_queue(redis_url(), self.queue)


@pytest.fixture
def site(request, database, tmp_path) -> Iterator[Site]:
    running = Site(database, tmp_path)
    failures = request.session.testsfailed
    try:
        yield running
    finally:
        if request.session.testsfailed > failures:
            report_logs(request.config, f"worker output ({request.node.nodeid})", running.logs())
        running.close()


@pytest.fixture
def push_service(site) -> Iterator[PushService]:
    running = PushService(site.keys.public_key)
    yield running
    running.close()


def wait_for_state(site: Site, match: int, done, what: str, timeout: float = ARRIVED_WITHIN) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        state = site.state(match)
        if done(state):
            return state
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s: {state}")
        time.sleep(0.5)


def test_a_goal_reaches_a_subscribed_browser_signed_and_encrypted_and_not_an_unsubscribed_one(site, push_service):
    fan, stranger = push_service.subscribe(), push_service.subscribe()
    site.start_worker()
    made = site.match_followed_by(fan)

    site.goals(made["match"], 1)

    arrivals = push_service.wait_for(lambda found: len(found) >= 1, ARRIVED_WITHIN, "the goal's push")
    time.sleep(1.0)
    assert [arrival.token for arrival in push_service.arrivals] == [fan.token]
    assert stranger.token not in {arrival.token for arrival in push_service.arrivals}
    goal = arrivals[0]
    assert goal.payload["type"] == "notification" and goal.payload["kind"] == "goal"
    assert goal.payload["title"] == f"Goal! {made['home']} 1–0 {made['away']}"
    assert goal.payload["url"] == f"/matches/{made['match']}/"
    assert goal.payload["tag"].startswith("event-")
    # What the push service was told: wake the device now, keep it a while, and replace it by its tag's topic.
    assert goal.headers["urgency"] == "high"
    assert goal.headers["topic"] == goal.payload["tag"]
    assert int(goal.headers["ttl"]) > 0
    assert goal.claims["aud"] == push_service.origin and goal.claims["sub"] == "mailto:ops@matchcentre.example"
    state = wait_for_state(site, made["match"], lambda s: s["deliveries"][0]["status"] == "sent", "recorded as sent")
    assert [(row["status"], row["attempts"], row["last_status_code"]) for row in state["deliveries"]] == [
        ("sent", 1, 201)]


def test_a_push_service_failing_is_retried_and_a_gone_subscription_is_switched_off(site, push_service):
    flaky, gone = push_service.subscribe(), push_service.subscribe()
    # The flaky browser's push service fails twice (503, 429), then takes it; the other says the subscription is gone.
    push_service.answer = lambda token, before, payload: (410 if token == gone.token
                                                 else [503, 429, 201][min(before, 2)])
    site.start_worker()
    made = site.match_followed_by(flaky, gone)

    site.goals(made["match"], 1)

    state = wait_for_state(
        site, made["match"],
        lambda s: {row["status"] for row in s["deliveries"]} == {"sent", "expired"}, "sent, and expired",
    )
    by_endpoint = {row["subscription__endpoint"]: row for row in state["deliveries"]}
    assert (by_endpoint[flaky.endpoint]["status"], by_endpoint[flaky.endpoint]["attempts"]) == ("sent", 3)
    assert (by_endpoint[gone.endpoint]["status"], by_endpoint[gone.endpoint]["last_status_code"]) == ("expired", 410)
    assert state["subscriptions"][gone.endpoint][0] is False
    assert "410" in state["subscriptions"][gone.endpoint][1]
    assert state["subscriptions"][flaky.endpoint] == [True, ""]

    # Nothing more goes to the dead subscription.
    site.goals(made["match"], 1)
    push_service.wait_for(lambda found: sum(a.token == flaky.token and a.answer == 201 for a in found) >= 2,
                          ARRIVED_WITHIN, "the second goal")
    time.sleep(1.0)
    assert sum(arrival.token == gone.token for arrival in push_service.arrivals) == 1


def hold_the_fourth_push(push_service) -> tuple[threading.Event, threading.Event, list[str]]:
    """The push service keeps the fourth push open until `release` is set, so that a worker's crash or restart
    comes mid-send: (`holding`, set once it is held; `release`; the held push's tag)."""
    arrivals = itertools.count(1)
    holding, release = threading.Event(), threading.Event()
    held: list[str] = []

    def answer(token: str, before: int, payload: dict) -> int:
        if next(arrivals) == 4:
            held.append(payload["tag"])
            holding.set()
            release.wait(30)
        return 201

    push_service.answer = answer
    return holding, release, held


def test_a_worker_killed_mid_way_loses_no_notification_and_repeats_none_it_recorded(site, push_service):
    fan = push_service.subscribe()
    holding, release, held = hold_the_fourth_push(push_service)
    worker = site.start_worker()
    made = site.match_followed_by(fan)

    site.goals(made["match"], 8)
    assert holding.wait(ARRIVED_WITHIN), f"no fourth push; got {push_service.summary()}"
    worker.kill()
    release.set()
    recorded_before = [row["tag"] for row in site.state(made["match"])["deliveries"] if row["status"] == "sent"]

    site.start_worker()

    state = wait_for_state(site, made["match"], lambda s: [row["status"] for row in s["deliveries"]] == ["sent"] * 8,
                           "all eight sent")
    tags = [row["tag"] for row in state["deliveries"]]
    received = Counter(arrival.payload["tag"] for arrival in push_service.arrivals)
    # Nothing lost: every goal reached the browser, decrypted.
    assert set(received) == set(tags)
    # None recorded as sent before the crash was sent again.
    assert all(received[tag] == 1 for tag in recorded_before), (recorded_before, received)
    # Only the push in flight at the crash may come twice (the push service may have taken it); the browser shows it
    # once: the same tag replaces the notification, and the same Topic replaces it at the push service.
    repeated = {tag for tag, count in received.items() if count > 1}
    assert repeated <= set(held) and all(count <= 2 for count in received.values()), received
    shown = {arrival.payload["tag"]: arrival.payload["title"] for arrival in push_service.arrivals}
    assert len(shown) == 8
    assert [row["attempts"] for row in state["deliveries"] if row["tag"] not in repeated] == [1] * (8 - len(repeated))


def test_a_worker_restarted_mid_way_sends_every_notification_exactly_once(site, push_service):
    fan = push_service.subscribe()
    holding, release, _held = hold_the_fourth_push(push_service)
    worker = site.start_worker()
    made = site.match_followed_by(fan)

    site.goals(made["match"], 8)
    assert holding.wait(ARRIVED_WITHIN), f"no fourth push; got {push_service.summary()}"
    # As systemd or make run stop it: SIGTERM, RQ's warm shutdown, the job in hand finished first.
    stopping = threading.Thread(target=worker.stop, kwargs={"timeout": 30})
    stopping.start()
    time.sleep(1.0)
    release.set()
    stopping.join(40)
    assert not worker.alive()
    site.start_worker()

    state = wait_for_state(site, made["match"], lambda s: [row["status"] for row in s["deliveries"]] == ["sent"] * 8,
                           "all eight sent")
    received = Counter(arrival.payload["tag"] for arrival in push_service.arrivals)
    # Nothing lost, nothing sent twice: each goal reached the browser once, in one attempt.
    assert set(received) == {row["tag"] for row in state["deliveries"]}
    assert all(count == 1 for count in received.values()), received
    assert [row["attempts"] for row in state["deliveries"]] == [1] * 8


def test_a_browser_with_a_spoiler_delay_gets_its_notification_that_much_later(site, push_service):
    live, delayed = push_service.subscribe(), push_service.subscribe()
    site.start_worker()
    made = site.match_followed_by(live, delayed, delays={delayed.token: 4})

    site.goals(made["match"], 1)

    arrivals = push_service.wait_for(lambda found: len(found) >= 2, ARRIVED_WITHIN, "both browsers' pushes")
    by_token = {arrival.token: arrival for arrival in arrivals}
    assert by_token[delayed.token].payload["tag"] == by_token[live.token].payload["tag"]
    # The worker's scheduler runs what is due each second: the delay, give or take that second.
    assert by_token[delayed.token].at - by_token[live.token].at >= 3.0
