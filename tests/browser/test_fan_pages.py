"""What a fan sees, live: an editor's goal and a VAR overturn reach another browser within a second,
a cut socket catches up with what it missed, and the timeline's live region announces new events.

The editor works in one browser context on server A; the fan watches in another on server B.
"""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, WebSocketRoute, expect

from tests.browser.conftest import DemoMatch, assert_not_reloaded, mark_no_reload, wait_live, wait_until_true

# The promise under test: a fan sees a change within a second of the editor's submission returning.
LIVE_WITHIN_MS = 1_000


def record(editor: Page, match: DemoMatch, kind: str, *, side: str | None = None, player: dict | None = None,
           second: dict | None = None) -> tuple[float, dict]:
    """Record an event in the editor console with the mouse; (when the API answered, the event)."""
    editor.locator(f'label[for="kind-{kind}"]').click()
    if side:
        editor.locator(f'label[for="team-{side}"]').click()
    # The player fields are comboboxes (name or number); the team follows the player.
    if player:
        editor.locator("#field-player-search").fill(player["name"])
        editor.keyboard.press("Tab")
    if second:
        editor.locator("#field-second_player-search").fill(second["name"])
        editor.keyboard.press("Tab")
    with editor.expect_response(lambda r: r.request.method == "POST"
                                and r.url.endswith(f"/api/matches/{match.id}/events")) as answer:
        editor.locator("#event-submit").click()
    assert answer.value.status == 201, answer.value.text()
    return time.monotonic(), answer.value.json()["event"]


def table_row(page: Page, team: dict):
    return page.locator(f'#table-container tr[data-team-id="{team["id"]}"]')


def first_row(page: Page):
    return page.locator("#table-container tbody tr").first


def within_a_second(since: float) -> None:
    elapsed = time.monotonic() - since
    assert elapsed <= LIVE_WITHIN_MS / 1000, f"took {elapsed:.2f} s"


def test_fan_sees_an_editors_goal_score_and_moved_table_row_within_a_second(web, editor, fan_server,
                                                                             liverpool_napoli):
    match = liverpool_napoli
    fan = web.page(fan_server, f"/matches/{match.id}/")
    wait_live(fan)
    expect(table_row(fan, match.away)).to_have_attribute("data-position", "2")
    mark_no_reload(fan)

    editor.goto(f"/editor/matches/{match.id}/")
    wait_live(editor)
    sent, _kick_off = record(editor, match, "period_start")
    expect(fan.locator("#scoreboard")).to_have_attribute("data-status", "live", timeout=LIVE_WITHIN_MS)
    within_a_second(sent)

    mertens = match.player("away", "Mertens")
    sent, goal = record(editor, match, "goal", side="away", player=mertens)
    expect(fan.locator("#score-away")).to_have_text("1", timeout=LIVE_WITHIN_MS)
    expect(fan.locator("#score-home")).to_have_text("0")
    # Napoli (8 points) pass Liverpool (9): their row moves to the top.
    expect(first_row(fan)).to_have_attribute("data-team-id", str(match.away["id"]), timeout=LIVE_WITHIN_MS)
    expect(table_row(fan, match.away)).to_have_attribute("data-position", "1", timeout=LIVE_WITHIN_MS)
    expect(fan.locator("#timeline > li.event").first).to_have_attribute("id", f"event-{goal['id']}",
                                                                        timeout=LIVE_WITHIN_MS)
    within_a_second(sent)
    expect(fan.locator(f"#event-{goal['id']}")).to_contain_text("Dries Mertens")
    assert_not_reloaded(fan)


def test_fan_sees_the_var_review_then_the_goal_disallowed_and_the_table_back(web, editor, fan_server, api,
                                                                             liverpool_napoli):
    match = liverpool_napoli
    match.kick_off(api)
    goal = api.event(match.id, kind="goal", minute=21, team=match.away["id"],
                     player=match.player("away", "Mertens")["id"])
    fan = web.page(fan_server, f"/matches/{match.id}/")
    wait_live(fan)
    expect(fan.locator("#score-away")).to_have_text("1")
    expect(first_row(fan)).to_have_attribute("data-team-id", str(match.away["id"]))
    expect(fan.locator("#var-banner")).to_be_hidden()
    mark_no_reload(fan)

    editor.goto(f"/editor/matches/{match.id}/")
    wait_live(editor)
    # The editor opens a check of the goal.
    editor.locator('label[for="kind-var_check"]').click()
    editor.locator("#field-var_category").select_option("goal")
    editor.locator("#field-reviewed_event").select_option(str(goal["id"]))
    editor.locator("#field-var_reason").fill("possible offside in the build-up")
    with editor.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/events")) as answer:
        editor.locator("#event-submit").click()
    sent = time.monotonic()
    assert answer.value.status == 201, answer.value.text()
    check = answer.value.json()["event"]

    # The fan sees the review under way: the banner and the check in the timeline; the goal still counts.
    expect(fan.locator("#var-banner")).to_be_visible(timeout=LIVE_WITHIN_MS)
    expect(fan.locator("#var-banner")).to_contain_text("check in progress", ignore_case=True)
    expect(fan.locator(f"#event-{check['id']}")).to_have_class(re.compile(r"event--var-in_progress"))
    within_a_second(sent)
    expect(fan.locator("#score-away")).to_have_text("1")

    # Overturned: offside.
    editor.locator(f'#event-{check["id"]} button[data-action="var"]').click()
    expect(editor.locator("#var-dialog")).to_be_visible()
    editor.get_by_label("Goal disallowed: offside").check()
    with editor.expect_response(lambda r: r.url.endswith(f"/api/events/{check['id']}/var-decision")) as answer:
        editor.locator("#var-submit").click()
    sent = time.monotonic()
    assert answer.value.status == 200, answer.value.text()

    disallowed = fan.locator(f"#event-{goal['id']}")
    expect(disallowed).to_have_attribute("data-state", "disallowed", timeout=LIVE_WITHIN_MS)
    expect(fan.locator("#score-away")).to_have_text("0", timeout=LIVE_WITHIN_MS)
    expect(first_row(fan)).to_have_attribute("data-team-id", str(match.home["id"]), timeout=LIVE_WITHIN_MS)
    expect(table_row(fan, match.away)).to_have_attribute("data-position", "2", timeout=LIVE_WITHIN_MS)
    expect(fan.locator("#var-banner")).to_be_hidden(timeout=LIVE_WITHIN_MS)
    within_a_second(sent)
    # Struck out and labelled, not gone.
    expect(disallowed).to_contain_text("Goal disallowed")
    expect(disallowed).to_contain_text("Dries Mertens")
    expect(fan.locator(f"#event-{check['id']}")).to_contain_text("decision overturned")
    assert_not_reloaded(fan)


def test_fan_page_shows_what_was_recorded_while_its_socket_was_cut_once_each(web, fan_server, api,
                                                                             liverpool_napoli):
    match = liverpool_napoli
    match.kick_off(api)
    sockets: list[WebSocketRoute] = []
    opened: list[str] = []
    cut = False

    def route(socket: WebSocketRoute) -> None:
        opened.append(socket.url)
        if cut:
            socket.close()  # the network is still down: refused
            return
        socket.connect_to_server()  # everything is forwarded both ways
        sockets.append(socket)

    fan = web.context(fan_server).new_page()
    fan.route_web_socket(re.compile(r"/ws/matches/\d+/"), route)
    fan.goto(f"/matches/{match.id}/")
    wait_live(fan)
    events = fan.locator("#timeline > li.event")
    expect(events).to_have_count(1)  # the kick-off
    mark_no_reload(fan)

    # Cut the socket (going offline would not close it) and keep it down while the editor records.
    cut = True
    sockets[-1].close()
    expect(fan.locator("#live-status")).not_to_have_attribute("data-state", "live")
    recorded = [
        api.event(match.id, kind="goal", minute=21, team=match.away["id"],
                  player=match.player("away", "Mertens")["id"]),
        api.event(match.id, kind="yellow_card", minute=30, team=match.home["id"],
                  player=match.player("home", "Van Dijk")["id"]),
        api.event(match.id, kind="substitution", minute=35, team=match.home["id"],
                  player=match.player("home", "Fabinho")["id"],
                  second_player=match.player("home", "Lallana", bench=True)["id"]),
    ]
    expect(events).to_have_count(1)  # nothing can arrive while the socket is down

    cut = False
    wait_live(fan)
    expect(events).to_have_count(1 + len(recorded))
    for event in recorded:
        expect(fan.locator(f'#timeline #event-{event["id"]}')).to_have_count(1)
    expect(fan.locator("#score-away")).to_have_text("1")
    assert "since=" in opened[-1], f"the page reconnected without saying what it had: {opened[-1]}"

    # The socket is really back: the next event arrives live, once.
    later = api.event(match.id, kind="goal", minute=40, team=match.home["id"],
                      player=match.player("home", "Salah")["id"])
    expect(fan.locator(f'#timeline #event-{later["id"]}')).to_have_count(1, timeout=LIVE_WITHIN_MS)
    expect(events).to_have_count(2 + len(recorded))
    expect(fan.locator("#score-home")).to_have_text("1")
    assert_not_reloaded(fan)


def test_the_timeline_live_region_announces_new_events(web, fan_server, api, liverpool_napoli):
    match = liverpool_napoli
    match.kick_off(api)
    fan = web.page(fan_server, f"/matches/{match.id}/")
    wait_live(fan)
    region = fan.locator("#timeline")
    expect(region).to_have_attribute("aria-live", "polite")
    expect(region).to_have_attribute("aria-relevant", re.compile(r"\badditions\b"))
    # What a screen reader hears is what is added inside the region it was given at load.
    fan.evaluate("""() => {
        const region = document.getElementById("timeline");
        window.__region = region;
        window.__announced = [];
        new MutationObserver(records => records.forEach(r => r.addedNodes.forEach(node => {
            if (node.nodeType === 1) window.__announced.push(node.textContent.replace(/\\s+/g, " ").trim());
        }))).observe(region, {childList: true});
    }""")

    api.event(match.id, kind="goal", minute=21, team=match.away["id"],
              player=match.player("away", "Mertens")["id"])
    wait_until_true(fan, "window.__announced.some(text => /GOAL.*Dries Mertens/i.test(text))", timeout=LIVE_WITHIN_MS)
    api.event(match.id, kind="yellow_card", minute=25, team=match.home["id"],
              player=match.player("home", "Van Dijk")["id"])
    wait_until_true(
        fan, "window.__announced.some(text => /Yellow card.*Virgil van Dijk/i.test(text))", timeout=LIVE_WITHIN_MS
    )
    assert fan.evaluate("document.getElementById('timeline') === window.__region"), "the live region was replaced"
    assert fan.evaluate("window.__region.closest('[aria-hidden=true]') === null")


def test_a_german_fan_reads_the_check_with_the_capitals_german_writes(web, fan_server, api, liverpool_napoli):
    """The banner live.js writes when a check opens keeps each language's casing: "Tor", never "tor"."""
    match = liverpool_napoli
    match.kick_off(api)
    goal = api.event(match.id, kind="goal", minute=21, team=match.away["id"],
                     player=match.player("away", "Mertens")["id"])
    fan = web.page(fan_server, f"/matches/{match.id}/", locale="de-DE")
    wait_live(fan)
    expect(fan.locator("#var-banner")).to_be_hidden()
    api.event(match.id, kind="var_check", minute=22, team=match.away["id"], var_category="goal",
              reviewed_event=goal["id"])
    expect(fan.locator("#var-banner-text")).to_have_text("Tor / kein Tor: Überprüfung läuft", timeout=LIVE_WITHIN_MS)
