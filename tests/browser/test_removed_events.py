"""A removed event stays on the fan's timeline, struck out and readable: axe's contrast check passes."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from harness.cluster import api_request
from tests.browser.conftest import settle, wait_live
from tests.browser.test_pages import AXE_OPTIONS


def test_a_removed_goal_is_struck_out_and_passes_the_contrast_check(web, fan_server, api, liverpool_napoli):
    match = liverpool_napoli
    match.kick_off(api)
    salah = match.player("home", "Salah")
    goal = api.event(match.id, kind="goal", minute=12, team=match.home["id"], player=salah["id"])
    status, _ = api_request(api.server, "DELETE", f"/api/events/{goal['id']}?reason=Recorded+twice", None, api.token)
    assert status == 200
    page = web.page(fan_server, f"/matches/{match.id}/")
    wait_live(page)
    row = page.locator(f"#event-{goal['id']}")
    expect(row).to_have_attribute("data-state", "removed")
    expect(row.locator(".event__flag--removed")).to_have_text("(removed)")
    settle(page)
    results = Axe().run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()
