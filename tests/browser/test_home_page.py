"""The home page: one day's matches by competition, live over the day socket, with a strip of days.

Editors record on server A; the fan's home page is served by server B, so every update has crossed
processes through Redis. Liverpool-Napoli and Salzburg-Genk (matchday 5) kicked off on 27 November
2019; matchday 6 on 10 December.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    ARTIFACTS,
    RECORD_SOCKETS,
    Api,
    DemoMatch,
    assert_not_reloaded,
    mark_no_reload,
    screenshot,
    settle,
    sockets,
    wait_live,
)

LIVE_WITHIN_MS = 1_000
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


def fixture(page: Page, match: DemoMatch):
    return page.locator(f"#day-matches #fixture-{match.id}")


def open_home(page: Page, path: str = "/?date=2019-11-27") -> None:
    page.goto(path)
    # The first visit stores the reader's zone and loads the page once more, built for it.
    expect(page.locator("#day-zone")).to_have_text("Europe/Rome")
    wait_live(page)


def test_a_goal_recorded_on_one_server_appears_on_the_home_page_of_the_other_without_reload_or_polling(
    web, fan_server, api: Api, liverpool_napoli: DemoMatch
):
    match = liverpool_napoli
    page = web.context(fan_server).new_page()
    page.add_init_script(RECORD_SOCKETS)
    page.clock.install()
    open_home(page)
    expect(page.locator("#day-title")).to_have_text("Wednesday 27 November 2019")
    expect(page.get_by_role("heading", level=2, name="UEFA Champions League 2019-20")).to_be_visible()
    expect(page.get_by_role("heading", level=3, name="Group E")).to_be_visible()
    expect(fixture(page, match)).to_have_attribute("data-status", "scheduled")
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    mark_no_reload(page)

    match.kick_off(api)
    expect(fixture(page, match)).to_have_attribute("data-status", "live", timeout=LIVE_WITHIN_MS)
    expect(fixture(page, match).locator("[data-status-label]")).to_have_text("First half")
    api.event(match.id, kind="goal", minute=21, team=match.away["id"], player=match.player("away", "Mertens")["id"])
    expect(fixture(page, match).locator('[data-score="away"]')).to_have_text("1", timeout=LIVE_WITHIN_MS)
    expect(fixture(page, match).locator('[data-score="home"]')).to_have_text("0")
    expect(fixture(page, match).locator(f'[data-clock-for="{match.id}"]')).to_have_text(re.compile(r"^\d+'$"))

    # More than the old 30-second poll later: not one request, only the socket.
    page.clock.run_for(35_000)
    assert requests == [], f"the home page made requests instead of listening: {requests}"
    opened = [entry["url"] for entry in sockets(page)]
    assert len(opened) == 1 and "/ws/days/2019-11-26,2019-11-27/?v=2&since=" in opened[0], opened
    assert_not_reloaded(page)


def test_the_date_strip_moves_between_days_by_link_and_keyboard(web, fan_server, cluster):
    page = web.page(fan_server)
    open_home(page)
    strip = page.get_by_role("navigation", name="Days with matches")
    expect(strip.locator('[aria-current="date"]')).to_contain_text("27 Nov")
    strip.locator('a[rel="next"]').click()
    expect(page).to_have_url(re.compile(r"\?date=2019-12-10$"))
    expect(page.locator("#day-title")).to_have_text("Tuesday 10 December 2019")
    wait_live(page)
    expect(page.locator("#day-matches .fixture")).to_have_count(2)
    assert page.evaluate("document.body.dataset.wsPath") == "/ws/days/2019-12-09,2019-12-10/"

    previous = page.get_by_role("navigation", name="Days with matches").locator('a[rel="prev"]')
    previous.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"\?date=2019-11-27$"))
    expect(page.locator(f"#fixture-{cluster.demo_match_id}")).to_be_visible()

    # The same day with JavaScript off: the list and the strip are there, nothing claims to be live.
    static = web.page(fan_server, "/?date=2019-12-10", java_script_enabled=False)
    expect(static.locator("#day-matches .fixture")).to_have_count(2)
    expect(static.locator("#live-status")).to_be_hidden()
    static.get_by_role("navigation", name="Days with matches").locator('a[rel="prev"]').click()
    expect(static.locator("#day-title")).to_have_text("Wednesday 27 November 2019")


def test_a_match_moved_to_another_day_leaves_the_open_page_and_joins_the_other(web, fan_server, cluster, api):
    """Salzburg-Genk (matchday 5) moved a day later, and back, by the rescheduling broadcast."""
    group = api.get(f"/api/groups/{cluster.demo_group_id}")
    moved = next(m for m in group["matches"] if m["matchday"] == 5 and m["id"] != cluster.demo_match_id)
    day, next_day = web.page(fan_server), web.page(fan_server)
    open_home(day)
    open_home(next_day, "/?date=2019-11-28")
    expect(next_day.locator("#day-matches .fixture")).to_have_count(0)
    for page in (day, next_day):
        mark_no_reload(page)
    try:
        reschedule(cluster, moved["id"], days=1)
        expect(day.locator(f"#fixture-{moved['id']}")).to_have_count(0)
        expect(next_day.locator(f"#day-matches #fixture-{moved['id']}")).to_be_visible()
    finally:
        reschedule(cluster, moved["id"], days=-1)
    expect(day.locator(f"#day-matches #fixture-{moved['id']}")).to_be_visible()
    for page in (day, next_day):
        assert_not_reloaded(page)


def reschedule(cluster, match_id: int, *, days: int) -> None:
    cluster.manage("shell", "-v", "0", "-c", (
        "import datetime; from django.db import transaction; from events.models import Match; "
        "from live import publish; "
        f"match = Match.objects.get(pk={match_id}); before = match.kickoff; "
        f"after = before + datetime.timedelta(days={days}); "
        f"Match.objects.filter(pk={match_id}).update(kickoff=after); "
        f"publish.publish_rescheduled({match_id}, before, after)"
    ))


def test_screenshots_of_the_home_page_on_phone_and_desktop_light_and_dark(web, fan_server, api, liverpool_napoli):
    liverpool_napoli.kick_off(api)
    api.event(liverpool_napoli.id, kind="goal", minute=21, team=liverpool_napoli.away["id"],
              player=liverpool_napoli.player("away", "Mertens")["id"])
    ARTIFACTS.mkdir(exist_ok=True)
    for scheme in ("light", "dark"):
        for name, options in (("phone", {"viewport": PHONE, "is_mobile": True, "has_touch": True,
                                          "device_scale_factor": 2}), ("desktop", {"viewport": DESKTOP})):
            page = web.page(fan_server, color_scheme=scheme, **options)
            open_home(page)
            expect(fixture(page, liverpool_napoli).locator('[data-score="away"]')).to_have_text("1")
            settle(page)
            widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert widths[0] <= widths[1], f"the home page scrolls sideways ({name}): {widths}"
            screenshot(page, f"home-{name}-{scheme}")
