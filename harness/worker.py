"""The task queue's worker as a real process, for the live tests and `make cluster`: `manage.py rqworker
<queue> --with-scheduler`, as deploy/systemd runs it, with its output in a log file.

    with running_worker(env, log_dir) as worker:
        ...
        worker.kill()   # SIGKILL to it and to every process it started, as a crash would

`env` is the processes' environment (harness.cluster.server_env): the queue's Redis in TASK_QUEUE_URL (or
REDIS_URL) and its name in WEBHOOK_QUEUE, which the processes that enqueue must share.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .cluster import MANAGE, REPO, LiveServerError

STARTUP_TIMEOUT = 30.0
DEFAULT_QUEUE = "webhooks"


@dataclass
class TaskWorker:
    name: str
    process: subprocess.Popen
    log_path: Path

    def alive(self) -> bool:
        return self.process.poll() is None

    def output(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM: RQ's warm shutdown, the job in hand finished first; SIGKILL after `timeout`."""
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._kill_descendants(descendants(self.process.pid))

    def kill(self) -> None:
        """SIGKILL to the worker and everything it started (the job's process, the scheduler's), at once: a
        crash, or systemd killing the unit's control group."""
        children = descendants(self.process.pid) if self.alive() else []
        if self.alive():
            self.process.kill()
        self._kill_descendants(children)
        self.process.wait(timeout=10)

    @staticmethod
    def _kill_descendants(pids: list[int]) -> None:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def descendants(pid: int) -> list[int]:
    """Every living process below `pid` (a job's process runs in a process group of its own, so a signal to the
    worker's group would miss it)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, pending = [], [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


def worker_command(queue: str = DEFAULT_QUEUE) -> list[str]:
    return [sys.executable, str(MANAGE), "rqworker", queue, "--with-scheduler"]


def start_worker(env: dict[str, str], log_dir: Path, name: str = "worker") -> TaskWorker:
    """Start a worker on the queue `env` names (WEBHOOK_QUEUE); its output appended to a log in `log_dir`."""
    log_path = log_dir / f"{name}.log"
    with log_path.open("ab") as log:  # a restart keeps what came before
        process = subprocess.Popen(
            worker_command(env.get("WEBHOOK_QUEUE", DEFAULT_QUEUE)),
            cwd=REPO,
            env={**env, "PYTHONUNBUFFERED": "1"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return TaskWorker(name=name, process=process, log_path=log_path)


@contextlib.contextmanager
def running_worker(env: dict[str, str], log_dir: Path, name: str = "worker") -> Iterator[TaskWorker]:
    """A worker listening on its queue, stopped on the way out however the caller ended."""
    worker = start_worker(env, log_dir, name)
    try:
        wait_until_listening(worker)
        yield worker
    finally:
        worker.stop()


def wait_until_listening(worker: TaskWorker, timeout: float = STARTUP_TIMEOUT) -> None:
    """Wait until the worker says it listens on its queue."""
    deadline = time.monotonic() + timeout
    while "*** Listening on" not in worker.output():
        if not worker.alive():
            raise LiveServerError(f"The worker exited with {worker.process.returncode}:\n{worker.output()}")
        if time.monotonic() > deadline:
            raise LiveServerError(f"The worker did not start within {timeout:.0f} s:\n{worker.output()}")
        time.sleep(0.1)
