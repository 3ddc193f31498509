"""The fan match page as it looks: before kick-off (the kick-off time, a countdown and the lineups, not a
0-0), the score that stays on screen when scrolling on a phone, times written as the reader's locale writes
them, corrections with their date, and screenshots of each state on phone and desktop, light and dark."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from harness.cluster import api_request
from tests.browser.conftest import ARTIFACTS, DemoMatch, screenshot, settle, wait_live, wait_until_true

LIVE_WITHIN_MS = 1_000
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
# Text a reader sees: laid out larger than a screen-reader-only label's 1 px, and not hidden.
VISIBLE_TEXT = """(element) => {
  const words = [];
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const parent = walker.currentNode.parentElement;
    const box = parent.getBoundingClientRect();
    if (box.width > 1 && box.height > 1 && parent.checkVisibility()) words.push(walker.currentNode.textContent);
  }
  return words.join(" ").replace(/\\s+/g, " ").trim();
}"""


def visible_text(page: Page, selector: str) -> str:
    return page.locator(selector).evaluate(VISIBLE_TEXT)


def score_goal(api, match: DemoMatch, side: str, name: str, minute: int, kind: str = "goal") -> dict:
    team = match.home if side == "home" else match.away
    return api.event(match.id, kind=kind, minute=minute, team=team["id"], player=match.player(side, name)["id"])


def test_before_kick_off_the_page_shows_when_it_starts_and_the_lineups_not_a_score(web, fan_server, api,
                                                                                   liverpool_napoli):
    match = liverpool_napoli  # kicks off 2019-11-27 20:00 UTC
    fan = web.page(fan_server, f"/matches/{match.id}/", timezone_id="Europe/Rome")
    wait_live(fan)
    block = fan.locator("#kickoff-block")
    expect(block).to_be_visible()
    expect(block.locator("time")).to_have_text("21:00")
    # Its kick-off time has passed without a kick-off: the page waits, it does not count below zero.
    expect(fan.locator("#countdown")).to_have_text("Waiting for kick-off")
    expect(fan.locator("#score")).to_be_hidden()
    header = visible_text(fan, "#scoreboard")
    for wrong in ("0–0", "0 – 0", "Not started", "Scheduled"):
        assert wrong not in header, (wrong, header)
    # No corrections yet: no empty card.
    expect(fan.locator("#history-section")).to_be_hidden()
    expect(fan.get_by_text("No corrections to this match.")).to_be_hidden()
    # The lineups are known: both elevens, first in their column.
    for side in ("home", "away"):
        expect(fan.locator(f'.lineup[data-side="{side}"] .player[data-starter="true"]')).to_have_count(11)
    lineups_top = fan.locator(".section--lineups").bounding_box()["y"]
    table_top = fan.locator("#table-container").bounding_box()["y"]
    assert lineups_top < table_top, "the lineups should come before the table until kick-off"

    # Kick-off: the score takes the kick-off time's place, live.
    match.kick_off(api)
    expect(block).to_be_hidden(timeout=LIVE_WITHIN_MS)
    expect(fan.locator("#score")).to_be_visible()
    expect(fan.locator("#timeline-heading")).to_have_text("Live events")


def test_the_countdown_says_days_then_hours_then_minutes_and_seconds(web, fan_server, liverpool_napoli):
    fan = web.page(fan_server, f"/matches/{liverpool_napoli.id}/")
    now = 1_700_000_000_000
    for seconds_left, expected in (
        (3 * 86_400 + 60, "Kick-off in 3 days"),
        (26 * 3_600 + 5 * 60, "Kick-off in 26 h 5 min"),
        (3_600, "Kick-off in 1 h 0 min"),
        (4 * 60 + 59, "Kick-off in 04:59"),
        (0, "Waiting for kick-off"),
        (-600, "Waiting for kick-off"),
    ):
        text = fan.evaluate("([kickoff, now]) => window.Matchcentre.countdownText(kickoff, now)",
                            [now + seconds_left * 1000, now])
        assert text == expected, (seconds_left, text)


def test_the_score_stays_on_screen_when_scrolling_on_a_phone_without_covering_what_a_link_points_to(
        web, fan_server, api, liverpool_napoli):
    match = liverpool_napoli
    match.kick_off(api)
    scored = score_goal(api, match, "away", "Mertens", 21)
    for minute in range(25, 40, 3):
        api.event(match.id, kind="injury", minute=minute, team=match.home["id"],
                  player=match.player("home", "Salah")["id"])
    phone = web.page(fan_server, f"/matches/{match.id}/", viewport=PHONE, is_mobile=True, has_touch=True)
    wait_live(phone)
    strip = phone.locator("#score-strip")
    expect(strip).to_be_hidden()  # the score header itself is on screen

    phone.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    expect(strip).to_be_visible()
    expect(strip).to_contain_text("0–1")
    expect(strip).to_contain_text("'")  # the running clock
    # It slides in, then sits at the top, taking a small part of the screen.
    wait_until_true(phone, "document.getElementById('score-strip').getBoundingClientRect().top === 0", timeout=2_000)
    assert strip.bounding_box()["height"] < PHONE["height"] * 0.1, strip.bounding_box()

    # A goal arrives while scrolled down: the strip keeps up.
    score_goal(api, match, "home", "Salah", 40)
    expect(strip).to_contain_text("1–1", timeout=LIVE_WITHIN_MS)

    # A link to an event puts it below the strip, not under it.
    phone.evaluate("(id) => { location.hash = 'event-' + id; }", scored["id"])
    expect(strip).to_be_visible()
    wait_until_true(phone, "document.getElementById('score-strip').getBoundingClientRect().top === 0", timeout=2_000)
    row_top = phone.locator(f"#event-{scored['id']}").bounding_box()["y"]
    assert row_top >= strip.bounding_box()["height"] - 1, (row_top, strip.bounding_box())
    settle(phone)
    screenshot(phone, "match-page-scrolled-phone", full_page=False)

    phone.evaluate("window.scrollTo(0, 0)")
    expect(strip).to_be_hidden()


def test_us_english_times_have_no_leading_zero_and_corrections_carry_their_date(web, fan_server, api,
                                                                               liverpool_napoli):
    match = liverpool_napoli
    match.kick_off(api)
    scored = score_goal(api, match, "away", "Mertens", 21)
    status, answer = api_request(api.server, "PATCH", f"/api/events/{scored['id']}", {"minute": 22}, api.token)
    assert status == 200, answer

    us = web.page(fan_server, f"/matches/{match.id}/", locale="en-US", timezone_id="America/New_York")
    wait_live(us)
    # 20:00 UTC is 3 PM in New York: "3:00 PM", not "03:00 PM".
    expect(us.locator(".scoreboard__meta time")).to_contain_text("3:00 PM")
    expect(us.locator(".scoreboard__meta time")).not_to_contain_text("03:00")
    entry = us.locator("#history .history__entry time").first
    expect(entry).to_have_attribute("data-localised", "true")
    month = r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    expect(entry).to_have_text(re.compile(rf"{month} \d{{1,2}}, [1-9]\d?:\d\d [AP]M"))

    gb = web.page(fan_server, f"/matches/{match.id}/", locale="en-GB", timezone_id="Europe/London")
    wait_live(gb)
    expect(gb.locator("#history-section")).to_be_visible()
    expect(gb.locator("#history .history__entry time").first).to_have_text(
        re.compile(rf"\d{{1,2}} {month}, \d\d:\d\d"))


def shoot(web, fan_server, match: DemoMatch, state: str) -> None:
    """The match page as it stands, on a phone and a desktop, light and dark."""
    for device, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        for scheme in ("light", "dark"):
            options = {"is_mobile": True, "has_touch": True} if device == "phone" else {}
            page = web.page(fan_server, f"/matches/{match.id}/", viewport=viewport, color_scheme=scheme, **options)
            wait_live(page)
            settle(page)
            path = screenshot(page, f"match-page-{state}-{device}-{scheme}")
            assert path.stat().st_size > 10_000, path
            widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert widths[0] <= widths[1], f"{state} scrolls sideways on a {device}: {widths}"
            page.context.close()


def test_screenshots_before_kick_off_live_with_scorers_and_at_full_time(web, fan_server, api, liverpool_napoli):
    match = liverpool_napoli
    ARTIFACTS.mkdir(exist_ok=True)
    shoot(web, fan_server, match, "pre-match")

    match.kick_off(api)
    score_goal(api, match, "away", "Mertens", 21)
    score_goal(api, match, "home", "Salah", 45, kind="penalty_goal")
    shoot(web, fan_server, match, "live")

    api.event(match.id, kind="period_end", minute=45)
    api.event(match.id, kind="period_start", minute=45)
    score_goal(api, match, "home", "Firmino", 70)
    api.event(match.id, kind="period_end", minute=90)
    shoot(web, fan_server, match, "full-time")
