"""Webhooks through the real task queue: `manage.py rqworker <queue> --with-scheduler` as a process on the suite's
Redis, a database of its own (harness.cluster.server_database: SQLite, or PostgreSQL in the PostgreSQL pass),
changes committed by other processes through the services, and a real HTTP receiver on the loopback interface
that checks every signature as docs/webhooks.md tells receivers to.

Each test has a queue of its own on the shared Redis (WEBHOOK_QUEUE), so that parallel runs never take each
other's jobs; the keys it leaves are deleted at its end. The Redis outage test brings a redis-server of its own,
to kill it.
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
import redis

from harness.cluster import redis_url, require_redis, run_manage, server_database, server_env
from harness.services import own_redis_server
from harness.worker import TaskWorker, start_worker, wait_until_listening
from tests.live.support import report_logs
from tests.webhook_receiver import Receiver

pytestmark = [pytest.mark.live_server, pytest.mark.redis]

# Small enough for a test to see two retries and a lost attempt's lease run out: the schedule's delays, how long
# an attempt holds its delivery, how often the worker sweeps and how overdue a delivery must be to be swept.
SETTINGS = {
    "WEBHOOK_RETRY_SCHEDULE": "1,2,2",
    "WEBHOOK_ATTEMPT_LEASE": "3",
    "WEBHOOK_SWEEP_INTERVAL": "1",
    "WEBHOOK_SWEEP_GRACE": "2",
    "WEBHOOK_TIMEOUT": "5",
}
DELIVERED_WITHIN = 30.0

SETUP = """
import json
from events.models import Group, Webhook
from tests.factories import make_competition, make_match, make_team
# Names of this test's own: the module's tests share one database, and the builders count from 1 in each process.
cup = make_competition(name="Cup {tag}")
match = make_match(home=make_team("Home {tag}", code="H"), away=make_team("Away {tag}", code="A"),
                   group=Group.objects.create(competition=cup, name="Group A"), kicked_off=True)
hook = Webhook.objects.create(url={url!r}, description="live test")
hook.competitions.add(match.competition)
print(json.dumps({{"match": match.id, "webhook": hook.id, "secret": hook.secret}}))
"""

GOALS = """
from events.models import Match
from tests.db.services.helpers import goal
match = Match.objects.get(pk={match})
for minute in range(1, {count} + 1):
    goal(match, match.home, 9, minute=minute)
"""

DELIVERIES = """
import json
from events.models import WebhookDelivery
rows = WebhookDelivery.objects.filter(webhook_id={webhook}).order_by("seq")
print(json.dumps(list(rows.values("id", "seq", "status", "attempts", "last_status_code", "last_error"))))
"""


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> Iterator[tuple[str, str]]:
    """(database URL, Redis URL): a database of this module's own, migrated once, and the suite's Redis."""
    url = redis_url()
    require_redis(url)
    with server_database(tmp_path_factory.mktemp("webhooks-db")) as database_url:
        run_manage(["migrate", "--noinput", "-v0"], server_env(database_url, url, "unused"))
        yield database_url, url


class Site:
    """A test's processes: the environment they share, its worker, and what the database says."""

    def __init__(self, database_url: str, queue_url: str, log_dir: Path):
        self.queue = f"webhooks-test-{secrets.token_hex(4)}"
        self.queue_url = queue_url
        self.log_dir = log_dir
        self.env = server_env(database_url, redis_url(), f"mc-webhooks-{secrets.token_hex(4)}", {
            **SETTINGS, "TASK_QUEUE_URL": queue_url, "WEBHOOK_QUEUE": self.queue,
        })
        self.workers: list[TaskWorker] = []

    def start_worker(self) -> TaskWorker:
        worker = start_worker(self.env, self.log_dir, name="worker")
        self.workers.append(worker)
        wait_until_listening(worker)
        return worker

    def shell(self, code: str) -> str:
        return run_manage(["shell", "-c", code], self.env)

    def webhook_to(self, receiver: Receiver) -> dict:
        """A match kicked off, and a webhook following its competition; the receiver given its secret."""
        made = json.loads(self.shell(SETUP.format(url=receiver.url, tag=self.queue)).strip().splitlines()[-1])
        receiver.secret = made["secret"]
        return made

    def goals(self, match: int, count: int) -> None:
        self.shell(GOALS.format(match=match, count=count))

    def deliveries(self, webhook: int) -> list[dict]:
        return json.loads(self.shell(DELIVERIES.format(webhook=webhook)).strip().splitlines()[-1])

    def logs(self) -> str:
        return "\n".join(f"----- {w.name} ({'running' if w.alive() else w.process.returncode}) -----\n{w.output()}"
                         for w in self.workers)

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        forget_queue(self.queue_url, self.queue)


def forget_queue(url: str, queue: str) -> None:
    """Delete what RQ kept of `queue` on the shared Redis: its queue, registries and lock, its jobs and results."""
    try:
        connection = redis.Redis.from_url(url, socket_connect_timeout=2)
        ours = set()
        for key in connection.scan_iter(b"rq:job:*", count=1000):
            if connection.hget(key, "origin") == queue.encode():
                ours.add(key.split(b":", 2)[2])
        for worker in connection.smembers("rq:workers"):
            if connection.hget(worker, "queues") in (queue.encode(), None):
                ours.add(worker)
                connection.srem("rq:workers", worker)
        connection.srem("rq:queues", f"rq:queue:{queue}")
        keys = [key for key in connection.scan_iter(count=1000)
                if queue.encode() in key or any(job in key for job in ours)]
        if keys:
            connection.delete(*keys)
    except redis.RedisError:
        pass  # a Redis of the test's own, already gone


@pytest.fixture
def site(request, database, tmp_path) -> Iterator[Site]:
    database_url, url = database
    running = Site(database_url, url, tmp_path)
    failures = request.session.testsfailed
    try:
        yield running
    finally:
        if request.session.testsfailed > failures:
            report_logs(request.config, f"worker output ({request.node.nodeid})", running.logs())
        running.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.close()


def wait_for_deliveries(site: Site, webhook: int, count: int, timeout: float = DELIVERED_WITHIN) -> list[dict]:
    """The webhook's deliveries once `count` of them are delivered (failing after `timeout`)."""
    deadline = time.monotonic() + timeout
    while True:
        rows = site.deliveries(webhook)
        if sum(row["status"] == "delivered" for row in rows) >= count:
            return rows
        if time.monotonic() > deadline:
            raise AssertionError(f"{count} deliveries not delivered within {timeout:.0f} s: {rows}")
        time.sleep(0.5)


# --- retries ---------------------------------------------------------------------------------------


def test_each_change_is_posted_signed_and_a_failing_receiver_is_retried_with_backoff(site, receiver):
    receiver.answer = lambda delivery, before: 500 if before < 2 else 200  # two failures, then accepted
    site.start_worker()
    made = site.webhook_to(receiver)

    site.goals(made["match"], 3)

    receiver.wait_for(lambda requests: len(requests) >= 9, DELIVERED_WITHIN, "three attempts at each of 3 changes")
    rows = wait_for_deliveries(site, made["webhook"], 3)
    assert [(row["seq"], row["status"], row["attempts"], row["last_status_code"]) for row in rows] == [
        (seq, "delivered", 3, 200) for seq in (2, 3, 4)
    ]
    assert all(request.verified for request in receiver.requests), "a signature did not verify as documented"
    by_delivery: dict[int, list] = {}
    for request in receiver.requests:
        by_delivery.setdefault(request.delivery, []).append(request)
    assert sorted(by_delivery) == [row["id"] for row in rows]
    for delivery, (first, second, third) in by_delivery.items():
        # Backoff: the retries come after the schedule's first (1 s) and second (2 s) delays, not at once.
        assert second.at - first.at >= 0.95, (delivery, second.at - first.at)
        assert third.at - second.at >= 1.95, (delivery, third.at - second.at)
        assert first.body == second.body == third.body  # the same payload, signed afresh each time
        assert first.signature != third.signature
        payload = first.payload
        assert (payload["type"], payload["match_id"], payload["seq"]) == ("change", made["match"], first.seq)
        assert payload["event"]["kind"] == "goal" and first.match == str(made["match"])
    assert receiver.acknowledged() == Counter({row["id"]: 1 for row in rows})


# --- a worker killed mid-way ---------------------------------------------------------------------------


def test_a_worker_killed_mid_way_loses_nothing_and_never_resends_what_was_acknowledged(site, receiver):
    arrivals = itertools.count(1)
    holding, release = threading.Event(), threading.Event()
    held: list[int] = []

    def answer(delivery: int, before: int) -> int:
        # The fourth request is kept open until the worker has been killed: the crash comes mid-attempt.
        if next(arrivals) == 4:
            held.append(delivery)
            holding.set()
            release.wait(30)
        return 200

    receiver.answer = answer
    worker = site.start_worker()
    made = site.webhook_to(receiver)

    site.goals(made["match"], 10)
    assert holding.wait(DELIVERED_WITHIN), f"no fourth request; got {receiver.summary()}"
    worker.kill()
    release.set()
    assert worker.process.returncode is not None
    acknowledged_before = [request.delivery for request in receiver.requests if request.delivery not in held]
    assert len(acknowledged_before) == 3

    site.start_worker()

    rows = wait_for_deliveries(site, made["webhook"], 10)
    assert [row["status"] for row in rows] == ["delivered"] * 10
    received = Counter(request.delivery for request in receiver.requests)
    # Nothing lost: every change reached the receiver, signed.
    assert set(received) == {row["id"] for row in rows}
    assert all(request.verified for request in receiver.requests)
    # Nothing acknowledged and recorded was sent again; the one in flight when the worker died was sent again once
    # its claim lapsed (at least once: the receiver drops the repeat by delivery id, docs/webhooks.md).
    assert received == Counter({row["id"]: 2 if row["id"] in held else 1 for row in rows})
    attempts = {row["id"]: row["attempts"] for row in rows}
    assert attempts == {row["id"]: 2 if row["id"] in held else 1 for row in rows}
    applied = {request.delivery for request in receiver.requests}  # the receiver's dedup by delivery id
    assert len(applied) == 10


# --- Redis away at the commit --------------------------------------------------------------------------


def test_a_change_committed_while_redis_is_away_is_delivered_once_it_is_back(database, tmp_path, request, receiver):
    database_url, _ = database
    with own_redis_server(tmp_path) as queue_redis:
        site = Site(database_url, queue_redis.url, tmp_path)
        try:
            site.start_worker()
            made = site.webhook_to(receiver)

            queue_redis.kill()
            started = time.monotonic()
            site.goals(made["match"], 1)  # commits: the enqueue fails, and is only logged
            took = time.monotonic() - started
            assert [row["status"] for row in site.deliveries(made["webhook"])] == ["pending"]
            time.sleep(1.0)
            assert receiver.requests == []

            queue_redis.start()  # empty: the job that was never enqueued is not there either

            rows = wait_for_deliveries(site, made["webhook"], 1)
            assert [(row["status"], row["attempts"]) for row in rows] == [("delivered", 1)]
            assert [(request.delivery, request.verified) for request in receiver.requests] == [(rows[0]["id"], True)]
            assert took < 15, f"the commit's process took {took:.1f} s with Redis away"
        except BaseException:
            report_logs(request.config, f"worker output ({request.node.nodeid})", site.logs())
            raise
        finally:
            site.close()
