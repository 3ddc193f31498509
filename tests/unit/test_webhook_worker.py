"""events/webhooks/worker.py against the installed RQ: the worker sweeps for lost deliveries at start and every
WEBHOOK_SWEEP_INTERVAL, which relies on RQ running its upkeep from the loop that waits for jobs. Run after an
upgrade of rq or django-rq (the README's "Dependencies"); tests/live/test_webhooks_worker.py runs it for real."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime
from pathlib import Path

import redis
import rq
from rq.worker.base import BaseWorker

from events.services import webhooks
from events.webhooks import worker as worker_module
from harness.worker import worker_command


def make_worker(**kwargs):
    # No connection is made until the worker works.
    return worker_module.WebhookWorker(["webhooks"], connection=redis.Redis.from_url("redis://127.0.0.1:1/0"),
                                       prepare_for_work=False, **kwargs)


def test_the_worker_runs_its_upkeep_as_often_as_the_sweep_and_wakes_up_for_it(settings):
    settings.WEBHOOK_SWEEP_INTERVAL = 7
    worker = make_worker(worker_ttl=420)
    assert worker.maintenance_interval == 7
    assert worker.dequeue_timeout == 7
    assert "run_maintenance_tasks" in inspect.getsource(BaseWorker.dequeue_job_and_maintain_ttl)
    assert "maintenance_interval" in inspect.signature(rq.Worker.__init__).parameters


def test_the_upkeep_sweeps_after_rqs_own_and_a_failing_sweep_is_only_logged(monkeypatch, caplog):
    calls = []
    monkeypatch.setattr(rq.Worker, "run_maintenance_tasks", lambda self: calls.append("rq"))
    monkeypatch.setattr(webhooks, "requeue_lost", lambda: calls.append("sweep"))
    closed = []
    monkeypatch.setattr(worker_module.connections, "close_all", lambda: closed.append(True))
    worker = make_worker()

    worker.run_maintenance_tasks()
    assert calls == ["rq", "sweep"] and closed == [True]

    def database_away():
        raise OSError("database away")

    monkeypatch.setattr(webhooks, "requeue_lost", database_away)
    worker.run_maintenance_tasks()
    assert "the sweep for lost deliveries failed" in caplog.text and len(closed) == 2


def test_a_retry_is_scheduled_on_the_next_whole_second_as_rqs_schedule_keeps_whole_seconds():
    assert "timegm" in inspect.getsource(rq.registry.ScheduledJobRegistry.schedule)
    moment = datetime(2026, 12, 3, 14, 0, 10, 250_000, tzinfo=UTC)
    assert webhooks.whole_second_after(moment) == datetime(2026, 12, 3, 14, 0, 11, tzinfo=UTC)
    assert webhooks.whole_second_after(moment.replace(microsecond=0)) == moment.replace(microsecond=0)


def test_make_run_make_cluster_and_systemd_start_the_same_worker():
    repo = Path(__file__).resolve().parents[2]
    command = " ".join(["manage.py", *worker_command()[2:]])
    assert command == "manage.py rqworker webhooks --with-scheduler"
    unit = (repo / "deploy/systemd/matchcentre-worker.service").read_text()
    assert f"ExecStart=/srv/matchcentre/.venv/bin/python {command}\n" in unit
    assert "matchcentre-worker.service" in (repo / "deploy/systemd/matchcentre.target").read_text()
    script = (repo / "scripts/run_demo.sh").read_text()
    assert 'manage.py rqworker "${WEBHOOK_QUEUE:-webhooks}" --with-scheduler' in script
