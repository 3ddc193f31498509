"""Redis stops in the middle of a match and comes back, with real pages open in Chromium.

A fan's match page is open on server B and the group page on server A. When Redis dies, each
process notices by itself and both pages say that live updates are interrupted, on the socket they
already have (no reload, no new socket). An editor's goal posted meanwhile is recorded (201) but
cannot reach the pages, and they do not pretend otherwise. Once Redis is back, each process closes its
fans' sockets with 4012; the pages come back by themselves (the match page with `?since=N`, the group
page for a fresh group snapshot), show the goal once with the right score and table, and say they are
live again. The next goal then arrives live, within a second, once.

The cluster and its redis-server are this module's own (harness/services.py's RedisServer), so
that killing Redis cannot disturb other browser tests; the browser and the helpers are the package's.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from harness.cluster import (
    DaphneProcess,
    LiveCluster,
    api_request,
    live_cluster,
)
from harness.services import RedisServer, own_redis_server
from live.protocol import CLOSE_RESUME
from tests.browser.conftest import (
    RECORD_SOCKETS,
    RECORD_STATES,
    Api,
    DemoMatch,
    Web,
    assert_not_reloaded,
    mark_no_reload,
    sockets,
    wait_live,
)
from tests.live.support import reporting_logs

# Each process checks its layer every second and gives a probe three seconds to come back.
NOTICED_WITHIN_MS = 6_000
# From Redis answering again to both pages caught up: the process's next check (a second or so),
# the close with 4012, the page's random wait of up to 3 s, the reconnect and what it is sent.
CAUGHT_UP_WITHIN_MS = 10_000
RESUME_SPREAD_MS = 3_000
# Timers fire late, never early; how late they may be on a busy machine.
TIMER_SLACK_MS = 500
LIVE_WITHIN_MS = 1_000
# How long a goal must stay away to show that it is not coming: longer than a live change takes.
QUIET_MS = 1_500
LIVE_TEXT = "Live updates on"
INTERRUPTED_TEXT = "Live updates interrupted. Catching up when they return…"


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory) -> Iterator[RedisServer]:
    with own_redis_server(tmp_path_factory.mktemp("browser-redis")) as server:
        yield server


@pytest.fixture(scope="module")
def cluster(request, redis_server, tmp_path_factory) -> Iterator[LiveCluster]:
    servers = live_cluster(tmp_path_factory.mktemp("browser-redis-outage"), processes=2, redis=redis_server.url)
    with reporting_logs(request, servers) as running:
        yield running


def watched_page(web: Web, server: DaphneProcess, path: str) -> Page:
    """A page whose websockets and live-status changes are recorded (see conftest.py)."""
    context: BrowserContext = web.context(server)
    context.add_init_script(RECORD_SOCKETS)
    page = context.new_page()
    page.goto(path)
    wait_live(page)
    expect(page.locator("#live-status-text")).to_have_text(LIVE_TEXT)
    mark_no_reload(page)
    page.evaluate(RECORD_STATES)
    return page


def remaining_ms(deadline: float) -> float:
    # At least 1 ms: Playwright reads a timeout of 0 as "no timeout".
    return max(1.0, (deadline - time.monotonic()) * 1000)


def post_goal(api: Api, match: DemoMatch, side: str, scorer: str, minute: int) -> dict:
    """An editor's goal through the JSON API on server A; the API's answer (event and seq)."""
    team = match.home if side == "home" else match.away
    payload = {"kind": "goal", "minute": minute, "team": team["id"], "player": match.player(side, scorer)["id"],
               "goal_type": "open_play"}
    status, answer = api_request(api.server, "POST", f"/api/matches/{match.id}/events", payload, api.token)
    assert status == 201, (status, answer)
    return answer


def first_row(page: Page):
    return page.locator("#table-container tbody tr").first


def points(page: Page, team: dict):
    return page.locator(f'#table-container tr[data-team-id="{team["id"]}"] .col-pts')


def fixture_score(page: Page, match: DemoMatch, side: str):
    return page.locator(f'#fixture-{match.id} [data-score="{side}"]')


def test_pages_say_live_updates_stopped_while_redis_is_away_and_catch_up_by_themselves(
    web, cluster, api, redis_server, editor_server, fan_server, liverpool_napoli
):
    match = liverpool_napoli
    liverpool, napoli = match.home, match.away
    match.kick_off(api)
    fan = watched_page(web, fan_server, f"/matches/{match.id}/")
    group = watched_page(web, editor_server, f"/groups/{match.group_id}/")
    pages = (fan, group)
    events = fan.locator("#timeline > li.event")
    expect(events).to_have_count(1)  # the kick-off
    for page in pages:
        # Liverpool 10 points, Napoli 9, counting the match at its current 0-0.
        expect(first_row(page)).to_have_attribute("data-team-id", str(liverpool["id"]))
        expect(points(page, napoli)).to_have_text("9")
    expect(fixture_score(group, match, "away")).to_have_text("0")
    seq_before = fan.evaluate("window.Matchcentre.view.seq")
    assert seq_before == api.snapshot(match.id)["seq"]
    assert [len(sockets(page)) for page in pages] == [1, 1]

    killed_at = time.monotonic()
    redis_server.kill()
    try:
        # (1) Each process notices by itself and tells its page, over the socket the page has.
        deadline = killed_at + NOTICED_WITHIN_MS / 1000
        for page in pages:
            expect(page.locator("#live-status")).to_have_attribute("data-state", "interrupted",
                                                                   timeout=remaining_ms(deadline))
            expect(page.locator("#live-status-text")).to_have_text(INTERRUPTED_TEXT)

        # (2) The editor's goal is recorded, but nothing can carry it to the pages.
        answer = post_goal(api, match, "away", "Mertens", 21)
        goal = answer["event"]
        assert answer["seq"] == seq_before + 1, answer
        fan.wait_for_timeout(QUIET_MS)  # room for the goal to show up, if it could
        expect(fan.locator(f'#timeline #event-{goal["id"]}')).to_have_count(0)
        expect(events).to_have_count(1)
        expect(fan.locator("#score-away")).to_have_text("0")
        assert fan.evaluate("window.Matchcentre.view.seq") == seq_before
        expect(fixture_score(group, match, "away")).to_have_text("0")
        for page in pages:
            expect(first_row(page)).to_have_attribute("data-team-id", str(liverpool["id"]))
            expect(page.locator("#live-status-text")).to_have_text(INTERRUPTED_TEXT)
            [socket] = sockets(page)
            assert socket["openedAt"] is not None and socket["closedAt"] is None, socket
            assert_not_reloaded(page)
        assert api.snapshot(match.id)["match"]["away_score"] == 1  # the database has it
    finally:
        # Started again whatever happened above, so that the module's cluster is torn down cleanly.
        redis_server.start()
    back_at = time.monotonic()

    # (3) The pages catch up by themselves: the goal once, the score, the table; live again.
    deadline = back_at + CAUGHT_UP_WITHIN_MS / 1000
    goal_item = fan.locator(f'#timeline #event-{goal["id"]}')
    expect(goal_item).to_have_count(1, timeout=remaining_ms(deadline))
    expect(fixture_score(group, match, "away")).to_have_text("1", timeout=remaining_ms(deadline))
    for page in pages:
        # Napoli 11 points at 0-1, Liverpool 9.
        expect(first_row(page)).to_have_attribute("data-team-id", str(napoli["id"]), timeout=remaining_ms(deadline))
        expect(points(page, napoli)).to_have_text("11")
        expect(points(page, liverpool)).to_have_text("9")
        expect(page.locator("#live-status")).to_have_attribute("data-state", "live", timeout=remaining_ms(deadline))
        expect(page.locator("#live-status-text")).to_have_text(LIVE_TEXT)
    expect(goal_item).to_contain_text("Dries Mertens")
    expect(events).to_have_count(2)
    expect(fan.locator("#score-home")).to_have_text("0")
    expect(fan.locator("#score-away")).to_have_text("1")
    expect(fixture_score(group, match, "home")).to_have_text("0")
    assert fan.evaluate("window.Matchcentre.view.seq") == answer["seq"]

    # How they got there: each page's first socket was closed with 4012 and it opened one more, after
    # a random wait of at most 3 s: the match page asking for what came after the last change it had.
    for page, resumed_path in ((fan, f"/ws/matches/{match.id}/?v=2&since={seq_before}&table="),
                               (group, f"/ws/groups/{match.group_id}/?v=2&table=")):
        first, resumed = sockets(page)
        assert first["code"] == CLOSE_RESUME, first
        assert resumed_path in resumed["url"], resumed["url"]
        assert resumed["openedAt"] is not None and resumed["closedAt"] is None, resumed
        waited = resumed["createdAt"] - first["closedAt"]
        assert waited <= RESUME_SPREAD_MS + TIMER_SLACK_MS, f"reconnected {waited:.0f} ms after the close"
        assert page.evaluate("window.__states") == ["interrupted", "reconnecting", "live"]
        assert_not_reloaded(page)

    # (4) Live again through Redis: the next goal reaches both pages within a second, once. The group
    # page then asks what each team needs now; the test waits for that answer so as not to end (and
    # stop the servers) with a request in flight.
    with group.expect_response(lambda r: r.url.endswith(f"/api/groups/{match.group_id}/scenarios")) as scenarios:
        later = post_goal(api, match, "home", "Salah", 40)
        deadline = time.monotonic() + LIVE_WITHIN_MS / 1000
        later_item = fan.locator(f'#timeline #event-{later["event"]["id"]}')
        expect(later_item).to_have_count(1, timeout=remaining_ms(deadline))
        expect(fan.locator("#score-home")).to_have_text("1", timeout=remaining_ms(deadline))
        expect(fixture_score(group, match, "home")).to_have_text("1", timeout=remaining_ms(deadline))
        expect(first_row(group)).to_have_attribute("data-team-id", str(liverpool["id"]),
                                                   timeout=remaining_ms(deadline))
    assert scenarios.value.ok, scenarios.value.status
    expect(later_item).to_contain_text("Mohamed Salah")
    expect(events).to_have_count(3)
    expect(goal_item).to_have_count(1)
    for page in pages:
        expect(first_row(page)).to_have_attribute("data-team-id", str(liverpool["id"]))
        expect(points(page, liverpool)).to_have_text("10")
        expect(points(page, napoli)).to_have_text("9")
        assert len(sockets(page)) == 2, "no reconnect once live again"
        assert_not_reloaded(page)
    assert fan.evaluate("window.Matchcentre.view.seq") == later["seq"] == api.snapshot(match.id)["seq"]
