"""Every page: no console errors, an automated accessibility check (axe-core), kick-off times in the reader's
time zone, no horizontal scroll on a 360 px phone, and screenshots of the match page as test artifacts."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS, Api, DemoMatch, screenshot, settle, wait_live

# WCAG 2.2 A/AA and axe's best practices; axe-core 4.12 as bundled by axe-playwright-python.
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
}
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def live_scene(api: Api, liverpool_napoli: DemoMatch) -> DemoMatch:
    return play_live_scene(api, liverpool_napoli)


def play_live_scene(api: Api, match: DemoMatch) -> DemoMatch:
    """Liverpool-Napoli under way, with something of everything: a goal, a card, a change and a VAR check."""
    match.kick_off(api)
    goal = api.event(match.id, kind="goal", minute=21, team=match.away["id"],
                     player=match.player("away", "Mertens")["id"],
                     second_player=match.player("away", "Di Lorenzo")["id"],
                     commentary="Di Lorenzo's ball over the top; Mertens buries it from a tough angle.")
    api.event(match.id, kind="yellow_card", minute=30, team=match.home["id"],
              player=match.player("home", "van Dijk")["id"])
    api.event(match.id, kind="substitution", minute=35, team=match.home["id"], injury=True,
              player=match.player("home", "Fabinho")["id"],
              second_player=match.player("home", "Lallana", bench=True)["id"])
    api.event(match.id, kind="var_check", minute=36, team=match.away["id"], var_category="goal",
              reviewed_event=goal["id"], var_reason="possible offside in the build-up")
    return match


def pages(match: DemoMatch) -> dict[str, str]:
    return {
        "home": "/",
        "match": f"/matches/{match.id}/",
        "group": f"/groups/{match.group_id}/",
        "matchday": f"/groups/{match.group_id}/matchdays/5/",
    }


def check_accessibility(page: Page, name: str) -> None:
    settle(page)
    results = Axe().run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, f"{name} ({page.url}):\n{results.generate_report()}"


# The dark theme (it follows the system) is checked on the pages the issue names: its colours are the risk.
DARK_CHECKED = {"home", "match", "group", "matchday", "console"}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_passes_axe_and_logs_no_errors(web, editor_server, fan_server, admin, live_scene, scheme):
    fan = web.page(fan_server, color_scheme=scheme)
    for name, path in pages(live_scene).items():
        if scheme == "dark" and name not in DARK_CHECKED:
            continue
        fan.goto(path)
        wait_live(fan)
        check_accessibility(fan, name)

    # The editor's pages, signed in through the form (as an admin, who also has the corrections page).
    admin.emulate_media(color_scheme=scheme)
    for name, path in {
        "editor": "/editor/",
        "console": f"/editor/matches/{live_scene.id}/",
        "corrections": f"/editor/matches/{live_scene.id}/corrections/",
    }.items():
        if scheme == "dark" and name not in DARK_CHECKED:
            continue
        admin.goto(path)
        if name == "console":
            wait_live(admin)
            expect(admin.locator("#timeline button[data-action='var']")).to_be_visible()
        check_accessibility(admin, name)
    # The VAR dialog, opened from the keyboard-reachable button.
    admin.goto(f"/editor/matches/{live_scene.id}/")
    wait_live(admin)
    admin.locator("#timeline button[data-action='var']").click()
    expect(admin.locator("#var-dialog")).to_be_visible()
    check_accessibility(admin, "console with the VAR dialog")

    if scheme == "light":
        login = web.page(editor_server, "/editor/login/", color_scheme=scheme)
        check_accessibility(login, "login")


def test_kickoff_times_follow_the_browsers_time_zone(web, fan_server, cluster):
    match_id, group_id = cluster.demo_match_id, cluster.demo_group_id  # Liverpool-Napoli: 2019-11-27 20:00 UTC
    rome = web.page(fan_server, f"/groups/{group_id}/", timezone_id="Europe/Rome")
    new_york = web.page(fan_server, f"/groups/{group_id}/", timezone_id="America/New_York")
    when = f"#fixture-{match_id} .fixture__when time"
    expect(rome.locator(when)).to_have_attribute("datetime", "2019-11-27T20:00:00+00:00")
    expect(rome.locator(when)).to_have_text("Wed 27 Nov, 21:00 CET")
    expect(new_york.locator(when)).to_have_text("Wed 27 Nov, 15:00 GMT-5")

    for page, expected in ((rome, "21:00 CET"), (new_york, "15:00 GMT-5")):
        page.goto(f"/matches/{match_id}/")
        expect(page.locator(".scoreboard__meta time")).to_contain_text(expected)
    # Matchday 6 kicked off at 17:55 UTC.
    for page, clock in ((rome, "18:55"), (new_york, "12:55")):
        page.goto(f"/groups/{group_id}/matchdays/6/")
        expect(page.locator(".md-match__when time").first).to_contain_text(clock)


def test_no_horizontal_scroll_on_a_phone_and_screenshots_of_the_match_page(web, fan_server, admin, live_scene):
    for stale in ARTIFACTS.glob("*.png"):
        stale.unlink()
    phone = web.page(fan_server, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    for name, path in pages(live_scene).items():
        phone.goto(path)
        wait_live(phone)
        settle(phone)
        widths = phone.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1] == PHONE["width"], f"{name} scrolls sideways at 360 px: {widths}"
        if name in ("match", "matchday"):
            screenshot(phone, f"{name}-phone")
    admin.set_viewport_size(PHONE)
    admin.goto(f"/editor/matches/{live_scene.id}/")
    wait_live(admin)
    widths = admin.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"the console scrolls sideways at 360 px: {widths}"
    screenshot(admin, "console-phone")

    phone.goto(f"/matches/{live_scene.id}/")
    wait_live(phone)
    settle(phone)
    screenshot(phone, "match-phone-viewport", full_page=False)
    for scheme in ("light", "dark"):
        desktop = web.page(fan_server, f"/matches/{live_scene.id}/", viewport=DESKTOP, color_scheme=scheme)
        wait_live(desktop)
        settle(desktop)
        screenshot(desktop, f"match-desktop-{scheme}")
        desktop.goto(f"/groups/{live_scene.group_id}/matchdays/5/")
        wait_live(desktop)
        settle(desktop)
        screenshot(desktop, f"matchday-desktop-{scheme}")
    for name in ("match-phone", "match-phone-viewport", "match-desktop-light", "match-desktop-dark"):
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 10_000, name
