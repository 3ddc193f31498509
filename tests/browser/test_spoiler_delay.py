"""The spoiler delay: a fan whose stream runs behind sets 0-60 s in the header, and the score, the timeline,
the table and the clock all show the match that far behind, consistently; the setting is remembered, shown
while on, and a page loaded with it waits the delay before showing anything live.

The API (server A) records; the fans watch on server B.
"""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect

from tests.browser.conftest import mark_no_reload, run_commands, screenshot, wait_live
from tests.browser.test_pages import check_accessibility

DELAY_SECONDS = 4


def set_delay(page: Page, seconds: str) -> None:
    page.locator(".spoiler__menu summary").click()
    page.locator("#spoiler-seconds").fill(seconds)
    page.get_by_role("button", name="Set delay").click()


def minute_of(page: Page) -> int:
    text = page.locator("#match-clock").text_content() or ""
    found = re.match(r"\s*(\d+)", text)
    assert found, f"no minute in the clock: {text!r}"
    return int(found.group(1))


def test_a_delayed_page_shows_a_goal_and_the_table_only_after_the_delay(web, fan_server, api, liverpool_napoli):
    match = liverpool_napoli
    match.kick_off(api)
    fan = web.page(fan_server, f"/matches/{match.id}/")
    wait_live(fan)
    badge = fan.locator("#spoiler-badge")
    expect(badge).to_be_hidden()

    set_delay(fan, str(DELAY_SECONDS))
    # The page starts again from what it is now, shown once the delay has passed; the badge says so.
    expect(fan.locator("#spoiler-wait")).to_be_visible()
    expect(fan.locator("#spoiler-wait")).to_contain_text(f"{DELAY_SECONDS} s behind")
    expect(fan.locator("#main")).to_be_hidden()
    expect(badge).to_have_text(f"Delayed {DELAY_SECONDS} s")
    screenshot(fan, "spoiler/waiting", full_page=False)
    expect(fan.locator("#main")).to_be_visible(timeout=(DELAY_SECONDS + 3) * 1000)
    expect(fan.locator("#spoiler-wait")).to_be_hidden()
    wait_live(fan)
    mark_no_reload(fan)
    napoli_points = fan.locator(f'#table-container tr[data-team-id="{match.away["id"]}"]')
    points_before = napoli_points.get_attribute("data-points")

    scored = api.event(match.id, kind="goal", minute=21, team=match.away["id"],
                       player=match.player("away", "Mertens")["id"])
    recorded_at = time.monotonic()
    fan.wait_for_timeout(1_500)
    # Arrived, and held back: nothing of it shows yet.
    expect(fan.locator("#score-away")).to_have_text("0")
    expect(fan.locator(f'#timeline #event-{scored["id"]}')).to_have_count(0)
    expect(napoli_points).to_have_attribute("data-points", points_before)

    expect(fan.locator("#score-away")).to_have_text("1", timeout=(DELAY_SECONDS + 3) * 1000)
    shown_after = time.monotonic() - recorded_at
    assert shown_after >= DELAY_SECONDS - 0.5, f"the goal showed {shown_after:.1f} s after it was recorded"
    expect(fan.locator(f'#timeline #event-{scored["id"]}')).to_have_count(1)
    expect(napoli_points).not_to_have_attribute("data-points", points_before)
    assert fan.evaluate("window.__noReload === true"), "the goal reloaded the page"

    # Remembered: another page of the site, loaded afresh, waits the delay too and says so.
    fan.goto(f"/groups/{match.group_id}/")
    expect(fan.locator("#spoiler-badge")).to_have_text(f"Delayed {DELAY_SECONDS} s")
    expect(fan.locator("#main")).to_be_hidden()
    expect(fan.locator("#main")).to_be_visible(timeout=(DELAY_SECONDS + 3) * 1000)

    # Off again: live at once.
    set_delay(fan, "0")
    expect(fan.locator("#spoiler-badge")).to_be_hidden()
    expect(fan.locator("#main")).to_be_visible()
    expect(fan.locator("#spoiler-wait")).to_be_hidden()


def test_the_clock_runs_the_delay_behind_a_live_page(web, cluster, fan_server, api, liverpool_napoli):
    match = liverpool_napoli
    # A match minute per second: a delay of four seconds is four minutes on the clock.
    run_commands(cluster, "from events import services", f"services.set_clock_speed(match_id={match.id}, speed=60)")
    match.kick_off(api)
    live = web.page(fan_server, f"/matches/{match.id}/")
    delayed = web.page(fan_server, f"/matches/{match.id}/")
    set_delay(delayed, str(DELAY_SECONDS))
    expect(delayed.locator("#main")).to_be_visible(timeout=(DELAY_SECONDS + 3) * 1000)
    wait_live(live)
    wait_live(delayed)
    gaps = []
    for _ in range(3):
        gaps.append(minute_of(live) - minute_of(delayed))
        live.wait_for_timeout(700)
    assert all(DELAY_SECONDS - 1 <= gap <= DELAY_SECONDS + 1 for gap in gaps), gaps


def test_a_delay_out_of_range_is_refused_with_a_message_and_changes_nothing(web, fan_server, liverpool_napoli):
    fan = web.page(fan_server, f"/matches/{liverpool_napoli.id}/")
    wait_live(fan)
    set_delay(fan, "90")
    error = fan.locator("#spoiler-error")
    expect(error).to_be_visible()
    expect(error).to_have_text("Enter a number of seconds from 0 to 60.")
    expect(fan.locator("#spoiler-seconds")).to_have_attribute("aria-invalid", "true")
    screenshot(fan, "spoiler/refused", full_page=False)
    assert fan.evaluate("localStorage.getItem('matchcentre:spoiler-delay')") is None
    expect(fan.locator("#spoiler-badge")).to_be_hidden()
    check_accessibility(fan, "match page with the delay's form refusing 90 s")


def test_the_editor_console_is_never_delayed(admin, liverpool_napoli):
    admin.evaluate(f"localStorage.setItem('matchcentre:spoiler-delay', '{DELAY_SECONDS}')")
    admin.goto(f"/editor/matches/{liverpool_napoli.id}/")
    wait_live(admin)
    expect(admin.locator("#main")).to_be_visible()
    expect(admin.locator(".spoiler")).to_have_count(0)
    assert admin.evaluate("document.documentElement.hasAttribute('data-spoiler-wait')") is False
