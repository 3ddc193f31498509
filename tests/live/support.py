"""What the live and browser tests add to the harness: server logs on failure, a check that servers still run."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

import pytest

from harness.cluster import LiveCluster


@contextlib.contextmanager
def reporting_logs(request: pytest.FixtureRequest, cluster: contextlib.AbstractContextManager) -> Iterator[LiveCluster]:
    """Enter `cluster` (a `live_cluster(...)`) for a fixture; if any test failed meanwhile, or a server
    died, print the servers' logs as it ends."""
    failures_before = request.session.testsfailed
    with cluster as running:
        yield running
        if request.session.testsfailed > failures_before or running.dead_servers():
            report_logs(request.config, f"Daphne output ({request.node.nodeid})", running.logs())


def require_running(cluster: LiveCluster) -> None:
    """Fail a test at once when one of the cluster's processes died before it."""
    dead = cluster.dead_servers()
    if dead:
        pytest.fail(f"Daphne {', '.join(s.name for s in dead)} is no longer running:\n{cluster.logs()}", pytrace=False)


def report_logs(config: pytest.Config, title: str, text: str) -> None:
    """Write `text` straight to the terminal (past output capture), e.g. server logs after a failure."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        if reporter is None:
            sys.stderr.write(f"\n===== {title} =====\n{text}\n")
            return
        reporter.write("\n")
        reporter.write_sep("=", title)
        reporter.write_line(text)
