"""What the live and browser tests add to the harness: server logs on failure, a check that servers still run."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

import pytest

from deploy.local_cluster import INSTALL_NGINX, find_nginx, nginx_in_front
from harness.cluster import LiveCluster, LiveServerError, live_cluster


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


@contextlib.contextmanager
def behind_nginx(
    request: pytest.FixtureRequest, name: str, *, fans: int, newsroom: int = 1, extra_env: dict | None = None
) -> Iterator[tuple[LiveCluster, object]]:
    """A module's site as deploy/ runs it: `fans` Daphne processes for fans and `newsroom` for editors,
    behind nginx; (cluster, nginx). Fails, never skips, without nginx; prints both's output if a test failed."""
    if find_nginx() is None:
        pytest.fail(f"nginx is not installed, and this test runs the site behind it: {INSTALL_NGINX}", pytrace=False)
    failures_before = request.session.testsfailed
    work = request.getfixturevalue("tmp_path_factory").mktemp(name)
    with live_cluster(work, processes=fans + newsroom, extra_env=extra_env) as cluster:
        try:
            with nginx_in_front(cluster.servers[:fans], cluster.servers[fans:], work) as nginx:
                yield cluster, nginx
                if request.session.testsfailed > failures_before:
                    logs = nginx.output() + "\n" + cluster.logs()
                    report_logs(request.config, f"nginx and Daphne output ({request.node.nodeid})", logs)
        except LiveServerError as error:
            pytest.fail(f"{error}\n{cluster.logs()}", pytrace=False)
