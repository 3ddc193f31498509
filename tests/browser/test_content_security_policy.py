"""The Content-Security-Policy in a real browser: every page sends it and breaks none of it, live updates
still arrive over the page's websocket under it, and it does refuse what it should.

A violation shows twice: as the DOM's `securitypolicyviolation` event (RECORD_CSP_VIOLATIONS) and as a
console message naming the "Content Security Policy"; both are checked on every page.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    RECORD_CSP_VIOLATIONS,
    RECORD_SOCKETS,
    Api,
    DemoMatch,
    csp_directives,
    csp_violations,
    screenshot,
    sockets,
    wait_live,
)
from tests.db.test_csp import POLICY  # what matchcentre/settings.py asks for


class Watched:
    """A page whose CSP violations (DOM events and console messages) are recorded from its first script on."""

    def __init__(self, page: Page):
        self.page = page
        self.console: list[str] = []
        page.add_init_script(RECORD_CSP_VIOLATIONS)
        page.on("console", self._on_console)

    def _on_console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.console.append(f"{self.page.url}: {message.text}")

    def visit(self, path: str) -> dict[str, list[str]]:
        """Opens `path` and returns its policy, as the header it came with says."""
        response = self.page.goto(path)
        assert response is not None and response.status == 200, (path, response and response.status)
        assert "content-security-policy-report-only" not in response.headers, path
        return csp_directives(response.headers.get("content-security-policy", ""))

    def assert_no_violations(self, name: str) -> None:
        # Reports are queued as tasks: let any that the page's last work caused arrive first.
        self.page.wait_for_timeout(150)
        assert csp_violations(self.page) == [], f"{name} ({self.page.url})"
        assert self.console == [], f"{name}: {self.console}"


def colour_rgb(hex_colour: str) -> str:
    red, green, blue = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


@pytest.fixture
def demo(cluster, api: Api) -> dict:
    """The demo match, as it is (no reset: these tests only look)."""
    return api.snapshot(cluster.demo_match_id)["match"]


def test_every_page_sends_the_policy_and_breaks_none_of_it(web, fan_server, editor_server, editor, admin, demo):
    match_id, group_id, matchday = demo["id"], demo["group"]["id"], demo["matchday"]

    # A fan's pages, each with its live connection up.
    fan = Watched(web.page(fan_server))
    for name, path in {
        "home": "/",
        "match": f"/matches/{match_id}/",
        "group": f"/groups/{group_id}/",
        "matchday": f"/groups/{group_id}/matchdays/{matchday}/",
    }.items():
        assert fan.visit(path) == POLICY, name
        if name != "home":
            wait_live(fan.page)
        fan.assert_no_violations(name)
        if name == "match":
            # The team colours along the top of the score header: SVG fills, no style attribute.
            strip = fan.page.locator("#scoreboard .team-colours")
            box, board = strip.bounding_box(), fan.page.locator("#scoreboard").bounding_box()
            assert box["height"] == 5 and abs(box["width"] - (board["width"] - 2)) <= 1, (box, board)
            fills = strip.locator("rect").evaluate_all("rects => rects.map(r => getComputedStyle(r).fill)")
            assert fills == [colour_rgb(demo["home"]["primary_colour"]), colour_rgb(demo["away"]["primary_colour"])]
        if name == "matchday":
            expect(fan.page.locator(".md-match .team-colours").first).to_be_visible()
            screenshot(fan.page, "csp-matchday", full_page=False)

    # The API's documentation: Swagger UI from our static files, and a request made from it.
    assert fan.visit("/api/docs") == POLICY
    expect(fan.page.locator(".swagger-ui .info .title")).to_contain_text("Matchcentre API")
    operation = fan.page.locator(".opblock-get", has=fan.page.locator('[data-path="/api/competitions"]'))
    operation.locator(".opblock-summary-control").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    expect(operation.locator(".live-responses-table tr.response .response-col_status")).to_have_text("200")
    fan.assert_no_violations("api docs")
    screenshot(fan.page, "csp-api-docs", full_page=False)

    # The sign-in pages, for someone not signed in.
    visitor = Watched(web.page(editor_server))
    for name, path in {"login": "/editor/login/", "admin login": "/admin/login/"}.items():
        assert visitor.visit(path) == POLICY, name
        visitor.assert_no_violations(name)

    # The demo editor's pages: the console with its live connection.
    desk = Watched(editor)
    for name, path in {"editor": "/editor/", "console": f"/editor/matches/{match_id}/"}.items():
        assert desk.visit(path) == POLICY, name
        if name == "console":
            wait_live(desk.page)
        desk.assert_no_violations(name)

    # An admin's: the corrections page and Django's admin (its index, a change list, a change form).
    office = Watched(admin)
    for name, path in {
        "corrections": f"/editor/matches/{match_id}/corrections/",
        "admin index": "/admin/",
        "admin change list": "/admin/events/matchevent/",
        "admin change form": f"/admin/events/team/{demo['home']['id']}/change/",
    }.items():
        assert office.visit(path) == POLICY, name
        office.assert_no_violations(name)


def test_live_updates_arrive_over_the_websocket_under_the_policy(web, fan_server, api: Api,
                                                                 liverpool_napoli: DemoMatch):
    """connect-src is 'self' alone: Chromium must let it match ws: on the page's own host and port."""
    match = liverpool_napoli
    page = web.page(fan_server)
    page.add_init_script(RECORD_SOCKETS)
    fan = Watched(page)
    policy = fan.visit(f"/matches/{match.id}/")
    assert policy["connect-src"] == ["'self'"]
    wait_live(page)

    match.kick_off(api)
    api.event(match.id, kind="goal", minute=12, team=match.home["id"], player=match.player("home", "Salah")["id"])
    expect(page.locator("#score-home")).to_have_text("1")
    expect(page.locator("#timeline")).to_contain_text("Salah")

    opened = [s for s in sockets(page) if s["openedAt"] is not None]
    assert opened and all(s["url"].startswith(f"ws://127.0.0.1:{fan_server.port}/ws/") for s in opened), opened
    assert all(s["closedAt"] is None for s in opened), opened
    fan.assert_no_violations("match page after a goal")


def test_the_policy_refuses_inline_code_and_other_origins(web, fan_server, editor_server):
    """The checks above would pass with no policy at all: here the browser refuses what the policy forbids."""
    web.allow("Content Security Policy")
    page = Watched(web.page(fan_server))
    page.visit("/editor/login/")
    other_origin = f"ws://127.0.0.1:{editor_server.port}/ws/matches/1/"
    outcome = page.page.evaluate(
        """async (otherOrigin) => {
          const script = document.createElement("script");
          script.textContent = "window.__inlineRan = true";
          document.body.append(script);
          const marked = document.createElement("p");
          marked.setAttribute("style", "outline-color: rgb(255, 0, 0)");
          document.body.append(marked);
          let socket = "opened";
          try { new WebSocket(otherOrigin); } catch (error) { socket = error.name; }
          await new Promise((resolve) => setTimeout(resolve, 200));
          return {inlineRan: window.__inlineRan === true, outline: getComputedStyle(marked).outlineColor, socket};
        }""",
        other_origin,
    )
    assert outcome["inlineRan"] is False
    assert outcome["outline"] != "rgb(255, 0, 0)"
    refused = {(v["directive"], v["disposition"]) for v in csp_violations(page.page)}
    assert {("script-src-elem", "enforce"), ("style-src-attr", "enforce"), ("connect-src", "enforce")} <= refused
    blocked = [v["blocked"] for v in csp_violations(page.page) if v["directive"] == "connect-src"]
    assert any(re.match(rf"ws://127\.0\.0\.1:{editor_server.port}", url) for url in blocked), blocked
