"""Real-browser tests: Playwright drives Debian's Chromium against real Daphne processes.

One cluster for the whole package (harness/cluster.py: its own database, Redis, two Daphne
processes and an editor's API token) and one browser. Editors work on server A, fans watch
on server B, so everything a fan sees has crossed processes through Redis.

Every page opened through `web` is watched: a console error or an uncaught exception fails
the test that opened it (unless the test says that exact message is expected).

Playwright never downloads a browser here: it launches /usr/bin/chromium (CHROMIUM to
point elsewhere); `.ci/run` installs Debian's package when it is missing.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from harness.cluster import REPO, DaphneProcess, LiveCluster, api_request, live_cluster
from tests.live.support import reporting_logs, require_running

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = REPO / "test-artifacts"
EDITOR = ("editor", "editor-demo-pass")
ADMIN = ("admin", "admin-demo-pass")
# What every context looks like unless a test says otherwise: an English reader in Rome.
CONTEXT_DEFAULTS = {"locale": "en-GB", "timezone_id": "Europe/Rome", "viewport": {"width": 1280, "height": 900}}
# Auto-waiting assertions: long enough for a page load, short where the issue promises a second.
expect.set_options(timeout=5_000)


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.live_server)
            item.add_marker(pytest.mark.redis)


# --- the servers and the browser ---------------------------------------------------------------


@pytest.fixture(scope="package")
def cluster(request, tmp_path_factory) -> Iterator[LiveCluster]:
    with reporting_logs(request, live_cluster(tmp_path_factory.mktemp("browser"), processes=2)) as running:
        yield running


@pytest.fixture(autouse=True)
def servers_running(cluster):
    require_running(cluster)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"No Chromium at {CHROMIUM}: install Debian's `chromium` (see .ci/run) or set CHROMIUM.",
                    pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def editor_server(cluster) -> DaphneProcess:
    return cluster.servers[0]


@pytest.fixture
def fan_server(cluster) -> DaphneProcess:
    return cluster.servers[1]


# --- watched pages ------------------------------------------------------------------------------


@dataclass
class Web:
    """Opens contexts and pages and records every console error and uncaught exception they produce."""

    browser: Browser
    errors: list[str] = field(default_factory=list)
    allowed: list[re.Pattern] = field(default_factory=list)
    contexts: list[BrowserContext] = field(default_factory=list)

    def context(self, server: DaphneProcess, **options) -> BrowserContext:
        context = self.browser.new_context(base_url=server.base_url, **{**CONTEXT_DEFAULTS, **options})
        context.set_default_timeout(10_000)
        context.on("page", self._watch)
        self.contexts.append(context)
        return context

    def page(self, server: DaphneProcess, path: str | None = None, **options) -> Page:
        """A page in a context of its own (a separate browser profile: cookies, storage, socket)."""
        page = self.context(server, **options).new_page()
        if path:
            page.goto(path)
        return page

    def allow(self, pattern: str) -> None:
        """A console error this test provokes on purpose (e.g. a request made while offline)."""
        self.allowed.append(re.compile(pattern))

    def _watch(self, page: Page) -> None:
        def on_console(message):
            if message.type == "error":
                location = message.location or {}
                self.errors.append(f"console error on {page.url}: {message.text} ({location.get('url', '')})")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught exception on {page.url}: {error}"))

    def unexpected_errors(self) -> list[str]:
        return [error for error in self.errors if not any(pattern.search(error) for pattern in self.allowed)]

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        self.contexts.clear()


@pytest.fixture
def web(browser) -> Iterator[Web]:
    session = Web(browser)
    yield session
    session.close()
    errors = session.unexpected_errors()
    if errors:
        pytest.fail("The pages logged errors:\n" + "\n".join(errors), pytrace=False)


def log_in(page: Page, username: str, password: str, next_path: str = "/editor/") -> None:
    """Sign in through the real login form, as a person would."""
    page.goto(f"/editor/login/?next={next_path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(next_path) + "$"))


@pytest.fixture
def editor(web, editor_server) -> Page:
    """A signed-in editor's page (a browser context of its own) on server A."""
    page = web.page(editor_server)
    log_in(page, *EDITOR)
    return page


@pytest.fixture
def admin(web, editor_server) -> Page:
    page = web.page(editor_server)
    log_in(page, *ADMIN)
    return page


# --- the demo data --------------------------------------------------------------------------------


@dataclass
class Api:
    """The JSON API on server A with the editor's token: for setting a scene, and for checking the truth."""

    server: DaphneProcess
    token: str

    def get(self, path: str):
        status, body = api_request(self.server, "GET", path)
        assert status == 200, (path, status, body)
        return body

    def post(self, path: str, body: dict) -> dict:
        status, answer = api_request(self.server, "POST", path, body, self.token)
        assert status in (200, 201), (path, status, answer)
        return answer

    def event(self, match_id: int, **payload) -> dict:
        """Record an event as an editor's client would; returns the event."""
        return self.post(f"/api/matches/{match_id}/events", payload)["event"]

    def snapshot(self, match_id: int) -> dict:
        return self.get(f"/api/matches/{match_id}")


@pytest.fixture
def api(cluster) -> Api:
    return Api(cluster.servers[0], cluster.token)


@dataclass(frozen=True)
class DemoMatch:
    id: int
    group_id: int
    home: dict
    away: dict
    lineups: dict

    def player(self, side: str, short_name: str, *, bench: bool = False) -> dict:
        players = self.lineups[side]["bench" if bench else "starting"]
        return next(p for p in players if short_name.lower() in p["name"].lower())

    def kick_off(self, api: Api) -> None:
        api.event(self.id, kind="period_start", minute=0)


def demo_match(api: Api, match_id: int) -> DemoMatch:
    snapshot = api.snapshot(match_id)
    assert snapshot["match"]["status"] == "scheduled", "the match should be back at kick-off"
    match = snapshot["match"]
    return DemoMatch(match_id, match["group"]["id"], match["home"], match["away"], snapshot["lineups"])


def run_commands(cluster: LiveCluster, *calls: str) -> None:
    """Management commands in one process (a Django start-up is most of what a command costs)."""
    cluster.manage("shell", "-v", "0", "-c", "from django.core.management import call_command; " + "; ".join(calls))


@pytest.fixture
def liverpool_napoli(cluster, api) -> DemoMatch:
    """Liverpool v Napoli (matchday 5) back at kick-off: Liverpool 9 pts, Napoli 8, Salzburg 7, Genk 1.

    Matchday 6 is taken back to kick-off too, so that no other test's goals are in the table.
    """
    run_commands(cluster, "call_command('replay_match', reset_only=True)",
                 "call_command('replay_match', matchday=6, reset_only=True)")
    return demo_match(api, cluster.demo_match_id)


@pytest.fixture
def matchday_6(cluster, api) -> list[DemoMatch]:
    """Napoli v Genk and Salzburg v Liverpool back at kick-off (Liverpool-Napoli finished 1-1)."""
    featured = api.snapshot(cluster.demo_match_id)["match"]
    commands = [] if (featured["status"], featured["home_score"], featured["away_score"]) == ("finished", 1, 1) else [
        "call_command('replay_match', matchday=5, speed=0)"  # from kick-off to 1-1, whatever came before
    ]
    commands.append("call_command('replay_match', matchday=6, reset_only=True)")
    run_commands(cluster, *commands)
    group = api.get(f"/api/groups/{cluster.demo_group_id}")
    ids = [m["id"] for m in group["matches"] if m["matchday"] == 6]
    return [demo_match(api, match_id) for match_id in ids]


# --- small helpers ----------------------------------------------------------------------------------


def wait_until_true(page: Page, expression: str, arg=None, timeout: float = 10_000) -> None:
    """Playwright's wait_for_function, polled from here: its own polling evaluates the expression with
    eval inside the page, which the site's Content-Security-Policy (no 'unsafe-eval') refuses."""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout:.0f} ms: {expression}")
        page.wait_for_timeout(50)


def wait_live(page: Page) -> None:
    """The page's socket is open and its first message applied."""
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")


def mark_no_reload(page: Page) -> None:
    page.evaluate("window.__noReload = true")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__noReload === true"), "the page reloaded"


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page, animations="disabled")
    return path


def settle(page: Page, seconds: float = 0.0) -> None:
    """Let highlight animations (up to 4 s) finish before an accessibility check or a screenshot."""
    page.evaluate(
        "document.querySelectorAll('.event--new,.event--changed,.row--changed,.score--changed,.fixture--changed')"
        ".forEach(e => e.classList.remove('event--new','event--changed','row--changed','score--changed',"
        "'fixture--changed'))"
    )
    if seconds:
        time.sleep(seconds)


# --- what a page's live connection does ------------------------------------------------------------

# Every websocket the page opens: its URL, when it was created, opened and closed, and its close code.
RECORD_SOCKETS = """(() => {
  const Native = window.WebSocket;
  const sockets = (window.__sockets = []);
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(url, protocols);
      const entry = {url: String(url), createdAt: performance.now(), openedAt: null, closedAt: null, code: null};
      sockets.push(entry);
      this.addEventListener("open", () => { entry.openedAt = performance.now(); });
      this.addEventListener("close", (event) => { entry.closedAt = performance.now(); entry.code = event.code; });
    }
  };
})();"""

# Every state the live status shows from now on, in order.
RECORD_STATES = """() => {
  const status = document.getElementById("live-status");
  window.__states = [];
  new MutationObserver(() => window.__states.push(status.dataset.state))
    .observe(status, {attributes: true, attributeFilter: ["data-state"]});
}"""


def sockets(page: Page) -> list[dict]:
    """What RECORD_SOCKETS has recorded on `page`."""
    return page.evaluate("window.__sockets")


# --- what the Content-Security-Policy refuses --------------------------------------------------------

# Every Content-Security-Policy violation the page reports (the DOM's `securitypolicyviolation` events),
# from before its first script runs. A violation also shows as a console error, which `web` reports.
RECORD_CSP_VIOLATIONS = """(() => {
  const violations = (window.__cspViolations = []);
  document.addEventListener("securitypolicyviolation", (event) => {
    violations.push({directive: event.effectiveDirective, blocked: event.blockedURI, source: event.sourceFile,
                     line: event.lineNumber, sample: event.sample, disposition: event.disposition});
  });
})();"""


def csp_violations(page: Page) -> list[dict]:
    """What RECORD_CSP_VIOLATIONS has recorded on `page` since its last navigation."""
    return page.evaluate("window.__cspViolations || []")


def csp_directives(header: str) -> dict[str, list[str]]:
    """A Content-Security-Policy header as {directive: [sources]}, whatever order it lists them in."""
    parsed = {}
    for part in header.split(";"):
        if part.strip():
            name, *sources = part.split()
            parsed[name] = sources
    return parsed
