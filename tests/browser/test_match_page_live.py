"""The fan match page while the match is on: the connection status tells the truth after a short drop, the
clock stops while the page is cut off, a goal (and a goal taken away) is a moment, the scorers under the score
follow every change, and each state is said once.

The API (server A) records; the fan watches on server B.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, WebSocketRoute, expect

from tests.browser.conftest import (
    DemoMatch,
    assert_not_reloaded,
    mark_no_reload,
    run_commands,
    wait_live,
    wait_until_true,
)

LIVE_WITHIN_MS = 1_000

# The text a reader sees in an element: what is laid out larger than the 1 px of a screen-reader-only label.
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


def goal(api, match: DemoMatch, side: str, name: str, minute: int, kind: str = "goal") -> dict:
    team = match.home if side == "home" else match.away
    return api.event(match.id, kind=kind, minute=minute, team=team["id"], player=match.player(side, name)["id"])


def test_connection_interrupted_clears_once_back_online_while_updates_arrive(web, fan_server, api,
                                                                             liverpool_napoli):
    match = liverpool_napoli
    match.kick_off(api)
    # Should the browser drop the socket while offline, its attempts to reopen it are refused: expected.
    web.allow(r"WebSocket connection to .* failed")
    context = web.context(fan_server)
    fan = context.new_page()
    fan.goto(f"/matches/{match.id}/")
    wait_live(fan)
    status, status_text = fan.locator("#live-status"), fan.locator("#live-status-text")
    mark_no_reload(fan)

    context.set_offline(True)
    expect(status).to_have_attribute("data-state", "interrupted")
    expect(status_text).to_have_text("Connection interrupted. Retrying…")
    fan.wait_for_timeout(5_000)
    context.set_offline(False)

    scored = goal(api, match, "away", "Mertens", 21)
    expect(fan.locator(f'#timeline #event-{scored["id"]}')).to_have_count(1)
    expect(fan.locator("#score-away")).to_have_text("1")
    expect(status).to_have_attribute("data-state", "live")
    expect(status_text).to_have_text("Live updates on")
    expect(fan.locator("#stale-note")).to_be_hidden()
    # And it stays so as the next update arrives.
    later = goal(api, match, "home", "Salah", 30)
    expect(fan.locator(f'#timeline #event-{later["id"]}')).to_have_count(1, timeout=LIVE_WITHIN_MS)
    expect(status_text).to_have_text("Live updates on")
    assert_not_reloaded(fan)


def test_the_clock_stops_and_the_score_is_marked_stale_while_the_page_is_cut_off(web, cluster, fan_server, api,
                                                                                liverpool_napoli):
    match = liverpool_napoli
    # A match minute per second, so that a running clock shows within a test.
    run_commands(cluster, "from events import services", f"services.set_clock_speed(match_id={match.id}, speed=60)")
    match.kick_off(api)
    sockets: list[WebSocketRoute] = []
    cut = False

    def route(socket: WebSocketRoute) -> None:
        if cut:
            socket.close()
            return
        socket.connect_to_server()
        sockets.append(socket)

    fan = web.context(fan_server).new_page()
    fan.route_web_socket(re.compile(r"/ws/matches/\d+/"), route)
    fan.goto(f"/matches/{match.id}/")
    wait_live(fan)
    clock, stale = fan.locator("#match-clock"), fan.locator("#stale-note")
    expect(stale).to_be_hidden()
    first = clock.text_content()
    wait_until_true(fan, "(before) => document.getElementById('match-clock').textContent !== before", first)

    cut = True
    sockets[-1].close()
    expect(fan.locator("#live-status")).not_to_have_attribute("data-state", "live")
    frozen = clock.text_content()
    fan.wait_for_timeout(2_500)  # two and a half match minutes at this speed
    assert clock.text_content() == frozen, "the clock ran on while the page was cut off"
    expect(stale).to_be_visible()
    expect(stale).to_contain_text("may be out of date")

    cut = False
    wait_live(fan)
    expect(stale).to_be_hidden()
    wait_until_true(fan, "(before) => document.getElementById('match-clock').textContent !== before", frozen,
                    timeout=3_000)


def test_a_goal_and_a_goal_taken_away_by_var_are_moments_and_the_scorers_follow(web, fan_server, api,
                                                                               liverpool_napoli):
    match = liverpool_napoli
    match.kick_off(api)
    fan = web.page(fan_server, f"/matches/{match.id}/")
    calm = web.page(fan_server, f"/matches/{match.id}/", reduced_motion="reduce")
    for page in (fan, calm):
        wait_live(page)
    mark_no_reload(fan)
    banner, scorers = fan.locator("#moment"), fan.locator("#scorers")
    expect(banner).to_be_hidden()
    expect(scorers).to_be_hidden()

    first = goal(api, match, "away", "Mertens", 21)
    expect(banner).to_be_visible(timeout=LIVE_WITHIN_MS)
    expect(banner).to_contain_text("GOAL!")
    expect(banner).to_contain_text("Dries Mertens 21'")
    expect(fan).to_have_title(re.compile(r"^GOAL! Liverpool 0–1 Napoli"))
    expect(scorers.locator(".scorers__side--away")).to_have_text(re.compile(r"Mertens\s+21'"))
    expect(fan.locator(f"#event-{first['id']} .event__score")).to_have_text("0–1")
    # The banner moves in, unless the reader asked for less motion.
    assert banner.evaluate("e => getComputedStyle(e).animationName") == "moment-in"
    expect(calm.locator("#moment")).to_be_visible(timeout=LIVE_WITHIN_MS)
    assert calm.locator("#moment").evaluate("e => getComputedStyle(e).animationName") == "none"

    second = goal(api, match, "home", "Salah", 30, kind="penalty_goal")
    penalty_row = fan.locator(f"#event-{second['id']} .event__score")
    expect(penalty_row).to_have_text("1–1")
    expect(scorers.locator(".scorers__side--home")).to_have_text(re.compile(r"Salah\s+30'\s*pen"))

    check = api.event(match.id, kind="var_check", minute=31, team=match.away["id"], var_category="goal",
                      reviewed_event=first["id"])
    api.post(f"/api/events/{check['id']}/var-decision", {"decision": "overturned", "decision_reason": "offside"})
    expect(banner).to_contain_text("NO GOAL", timeout=LIVE_WITHIN_MS)
    expect(banner).to_contain_text("offside")
    expect(fan).to_have_title(re.compile(r"^NO GOAL · Liverpool 1–0 Napoli"))
    # The scorer line drops the goal; the later goal's row now says the score it really made.
    expect(scorers.locator(".scorers__side--away")).not_to_contain_text("Mertens")
    expect(scorers.locator(".scorers__side--home")).to_contain_text("Salah")
    expect(penalty_row).to_have_text("1–0")
    expect(fan.locator(f"#event-{first['id']} .event__score")).to_have_count(0)
    # The moment passes: the banner goes and the title is the score again.
    expect(banner).to_be_hidden(timeout=12_000)
    expect(fan).to_have_title("Liverpool 1–0 Napoli · Matchcentre", timeout=8_000)
    assert_not_reloaded(fan)


def test_half_time_and_full_time_are_said_once_and_a_finished_match_stops_saying_live(web, fan_server, api,
                                                                                     liverpool_napoli):
    match = liverpool_napoli
    match.kick_off(api)
    goal(api, match, "away", "Mertens", 21)
    fan = web.page(fan_server, f"/matches/{match.id}/")
    wait_live(fan)
    heading = fan.locator("#timeline-heading")
    expect(heading).to_have_text("Live events")
    expect(fan.locator("#live-status-text")).to_have_text("Live updates on")

    api.event(match.id, kind="period_end", minute=45)
    expect(fan.locator("#match-clock")).to_have_text("HT", timeout=LIVE_WITHIN_MS)
    assert visible_text(fan, ".scoreboard__state") == "HT"
    assert re.fullmatch(r"0\s*–\s*1", visible_text(fan, ".scoreboard__score")), visible_text(fan, ".scoreboard__score")

    api.event(match.id, kind="period_start", minute=45)
    api.event(match.id, kind="period_end", minute=90)
    expect(fan.locator("#match-clock")).to_have_text("FT", timeout=LIVE_WITHIN_MS)
    assert visible_text(fan, ".scoreboard__state") == "FT"
    expect(heading).to_have_text("Match events")
    expect(fan.locator("#live-status")).to_be_hidden()
    expect(fan.locator("#live-status")).to_have_attribute("data-state", "live")
    page_text = visible_text(fan, "main")
    for stale_words in ("Live events", "Live updates on", "Finished"):
        assert stale_words not in page_text, stale_words
