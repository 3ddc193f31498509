"""The matchday view: Group E's last matchday, Napoli v Genk and Salzburg v Liverpool at the same time.

Before kick-off Liverpool have 10 points, Napoli 9, Salzburg 7, Genk 1. Every goal changes the table as it
stands, and the arrows say who moved since before the matchday.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, WebSocketRoute, expect

from tests.browser.conftest import Api, DemoMatch, assert_not_reloaded, mark_no_reload, wait_live

LIVE_WITHIN_MS = 1_000
# The scenarios are asked for once the change has arrived (and a burst of changes has settled).
SCENARIOS_WITHIN_MS = 2_000


def row(page: Page, team: dict):
    return page.locator(f'#table-container tr[data-team-id="{team["id"]}"]')


def move(page: Page, team: dict):
    return row(page, team).locator(".move")


def card(page: Page, match: DemoMatch):
    return page.locator(f"#md-match-{match.id}")


def scenario(page: Page, team: dict, line: str):
    return page.locator(f'#scenarios [data-team-id="{team["id"]}"] [data-line="{line}"]')


def goal(api: Api, match: DemoMatch, side: str, scorer: str, minute: int) -> dict:
    team = match.home if side == "home" else match.away
    return api.event(match.id, kind="goal", minute=minute, team=team["id"], player=match.player(side, scorer)["id"])


def test_matchday_shows_both_matches_live_and_the_table_they_make_with_arrows(web, fan_server, api, matchday_6):
    napoli_genk, salzburg_liverpool = matchday_6
    napoli, salzburg, liverpool = napoli_genk.home, salzburg_liverpool.home, salzburg_liverpool.away
    page = web.page(fan_server, f"/groups/{napoli_genk.group_id}/matchdays/6/")
    wait_live(page)
    expect(page.locator(".md-match")).to_have_count(2)
    expect(page.locator("#table-container tbody tr").first).to_have_attribute("data-team-id", str(liverpool["id"]))
    for team in (liverpool, napoli, salzburg):
        expect(move(page, team)).to_have_attribute("data-move", "same")
    mark_no_reload(page)
    for match in matchday_6:
        match.kick_off(api)
        expect(card(page, match)).to_have_attribute("data-status", "live", timeout=LIVE_WITHIN_MS)

    # Napoli score: 12 points to Liverpool's 11 as it stands. Napoli go top, Liverpool drop.
    milik = goal(api, napoli_genk, "home", "Milik", 3)
    expect(card(page, napoli_genk).locator('[data-score="home"]')).to_have_text("1", timeout=LIVE_WITHIN_MS)
    expect(page.locator(f"#latest-{napoli_genk.id} > li.event").first).to_have_attribute(
        "id", f"event-{milik['id']}", timeout=LIVE_WITHIN_MS)
    expect(row(page, napoli)).to_have_attribute("data-position", "1", timeout=LIVE_WITHIN_MS)
    expect(move(page, napoli)).to_have_attribute("data-move", "up", timeout=LIVE_WITHIN_MS)
    expect(move(page, napoli)).to_have_attribute("aria-label", "up, was 2")
    expect(move(page, liverpool)).to_have_attribute("data-move", "down")
    # The other match is untouched.
    expect(card(page, salzburg_liverpool).locator('[data-score="home"]')).to_have_text("0")
    expect(page.locator(f"#latest-{salzburg_liverpool.id} > li.event")).to_have_count(1)

    # Salzburg score: level with Liverpool on 10, ahead on away goals in their two games. Liverpool third.
    goal(api, salzburg_liverpool, "home", "Haaland", 10)
    expect(card(page, salzburg_liverpool).locator('[data-score="home"]')).to_have_text("1", timeout=LIVE_WITHIN_MS)
    expect(row(page, salzburg)).to_have_attribute("data-position", "2", timeout=LIVE_WITHIN_MS)
    expect(move(page, salzburg)).to_have_attribute("data-move", "up", timeout=LIVE_WITHIN_MS)
    expect(row(page, liverpool)).to_have_attribute("data-position", "3")
    expect(move(page, liverpool)).to_have_attribute("aria-label", "down, was 1")

    # Liverpool turn it round: back on top, nobody has moved since before the matchday.
    goal(api, salzburg_liverpool, "away", "Keïta", 40)
    goal(api, salzburg_liverpool, "away", "Salah", 41)
    expect(card(page, salzburg_liverpool).locator('[data-score="away"]')).to_have_text("2", timeout=LIVE_WITHIN_MS)
    expect(row(page, liverpool)).to_have_attribute("data-position", "1", timeout=LIVE_WITHIN_MS)
    for team in (liverpool, napoli, salzburg):
        expect(move(page, team)).to_have_attribute("data-move", "same")

    # Only the latest five events of a match are shown, newest first.
    for minute in (26, 38, 42):
        goal(api, napoli_genk, "home", "Milik", minute)
    latest = page.locator(f"#latest-{napoli_genk.id} > li.event")
    expect(card(page, napoli_genk).locator('[data-score="home"]')).to_have_text("4", timeout=LIVE_WITHIN_MS)
    expect(latest).to_have_count(5)
    expect(latest.first).to_have_attribute("data-minute", "42")
    expect(latest.last).to_have_attribute("data-minute", "0")  # kick-off, still among the five
    goal(api, napoli_genk, "home", "Mertens", 44)
    expect(latest.first).to_have_attribute("data-minute", "44", timeout=LIVE_WITHIN_MS)
    expect(latest).to_have_count(5)
    expect(latest.last).to_have_attribute("data-minute", "3")

    # What each team needs follows the scores: with Liverpool 2-1 up, a defeat now means Salzburg scoring
    # twice more (3-2 is the example the scenarios give); at full time Liverpool have won the group.
    liverpool_top_two = scenario(page, liverpool, "round-of-16")
    expect(liverpool_top_two).to_contain_text("Salzburg 3-2 Liverpool", timeout=SCENARIOS_WITHIN_MS)
    expect(scenario(page, liverpool, "group-winner")).to_have_attribute("data-status", "depends")
    for kind, minute in (("period_end", 45), ("period_start", 45), ("period_end", 90)):
        api.event(salzburg_liverpool.id, kind=kind, minute=minute)
    expect(card(page, salzburg_liverpool)).to_have_attribute("data-status", "finished", timeout=LIVE_WITHIN_MS)
    expect(scenario(page, liverpool, "group-winner")).to_have_attribute("data-status", "clinched",
                                                                        timeout=SCENARIOS_WITHIN_MS)
    expect(scenario(page, salzburg, "europa-league")).to_have_attribute("data-status", "clinched")
    expect(scenario(page, salzburg, "round-of-16")).to_have_attribute("data-status", "impossible")
    assert_not_reloaded(page)


def test_matchday_catches_up_after_its_socket_is_cut_and_restored(web, fan_server, api, matchday_6):
    napoli_genk, salzburg_liverpool = matchday_6
    for match in matchday_6:
        match.kick_off(api)
    sockets: list[WebSocketRoute] = []
    cut = False

    def route(socket: WebSocketRoute) -> None:
        if cut:
            socket.close()
            return
        socket.connect_to_server()
        sockets.append(socket)

    page = web.context(fan_server).new_page()
    page.route_web_socket(re.compile(r"/ws/groups/\d+/"), route)
    page.goto(f"/groups/{napoli_genk.group_id}/matchdays/6/")
    wait_live(page)
    region = page.locator(f"#latest-{napoli_genk.id}")
    expect(region).to_have_attribute("aria-live", "polite")
    page.evaluate(f"window.__region = document.getElementById('latest-{napoli_genk.id}')")
    mark_no_reload(page)

    cut = True
    sockets[-1].close()
    expect(page.locator("#live-status")).not_to_have_attribute("data-state", "live")
    missed = [goal(api, napoli_genk, "home", "Milik", 3), goal(api, salzburg_liverpool, "home", "Haaland", 10)]
    cut = False
    wait_live(page)
    for match, event in zip(matchday_6, missed, strict=True):
        expect(page.locator(f'#latest-{match.id} #event-{event["id"]}')).to_have_count(1)
        expect(page.locator(f"#latest-{match.id} > li.event")).to_have_count(2)
        expect(card(page, match).locator('[data-score="home"]')).to_have_text("1")
    expect(page.locator(f'#table-container tr[data-team-id="{napoli_genk.home["id"]}"]')).to_have_attribute(
        "data-position", "1")
    expect(move(page, salzburg_liverpool.away)).to_have_attribute("data-move", "down")
    # The live region is the same element, so screen readers keep following it.
    assert page.evaluate(f"document.getElementById('latest-{napoli_genk.id}') === window.__region")
    assert_not_reloaded(page)
