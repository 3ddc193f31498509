"""The Daphne process serving a fan's match page dies (SIGKILL) and restarts: the page copes by itself.

It says it is reconnecting, then that the connection is interrupted, retries with growing waits,
and once the process is back it asks for what it missed (`?since=`), shows it once, and is live
again, all without a reload. Meanwhile the editor goes on through the other process.

The cluster is this module's own, so that killing a process cannot disturb other browser tests.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from harness.cluster import LiveCluster, live_cluster
from tests.browser.conftest import (
    RECORD_SOCKETS,
    RECORD_STATES,
    assert_not_reloaded,
    mark_no_reload,
    sockets,
    wait_live,
)
from tests.live.support import reporting_logs

# The client's backoff (static/js/live.js): 0.5 s doubling to 30 s, the wait drawn from the upper half.
BACKOFF_MIN_MS = 500
BACKOFF_MAX_MS = 30_000
# Timers fire late, never early; how late they may be on a busy machine.
TIMER_SLACK_MS = 500
# From the restart's start to the page live again: Daphne's start-up plus at most one backoff wait.
BACK_LIVE_WITHIN_MS = 20_000
# Long enough for three failed attempts (at most 0.5 + 1 + 2 s) and then some.
INTERRUPTED_WITHIN_MS = 8_000
LIVE_WITHIN_MS = 1_000

@pytest.fixture(scope="module")
def cluster(request, tmp_path_factory) -> Iterator[LiveCluster]:
    with reporting_logs(request, live_cluster(tmp_path_factory.mktemp("browser-restart"), processes=2)) as running:
        yield running


def backoff_bounds_ms(attempt: int) -> tuple[float, float]:
    """The shortest and longest wait live.js may draw before reconnect attempt `attempt + 1`."""
    base = min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2**attempt)
    return base / 2, base


def test_fan_page_rides_out_its_process_dying_and_shows_what_was_recorded_meanwhile(web, cluster, api, fan_server,
                                                                                   liverpool_napoli):
    match = liverpool_napoli
    match.kick_off(api)
    # Chromium logs each refused attempt as a console error: expected here, and only for this page's socket.
    web.allow(rf"WebSocket connection to 'ws://127\.0\.0\.1:{fan_server.port}/ws/matches/{match.id}/[^']*' failed")

    context = web.context(fan_server)
    context.add_init_script(RECORD_SOCKETS)
    fan = context.new_page()
    fan.goto(f"/matches/{match.id}/")
    wait_live(fan)
    status, status_text = fan.locator("#live-status"), fan.locator("#live-status-text")
    events = fan.locator("#timeline > li.event")
    expect(events).to_have_count(1)  # the kick-off
    expect(status_text).to_have_text("Live updates on")
    seq_before = fan.evaluate("window.Matchcentre.view.seq")
    assert seq_before == api.snapshot(match.id)["seq"]
    mark_no_reload(fan)
    fan.evaluate(RECORD_STATES)
    assert len(sockets(fan)) == 1

    cluster.kill(fan_server)
    try:
        expect(status).to_have_attribute("data-state", "reconnecting")
        expect(status_text).to_have_text("Reconnecting…")
        goal = api.event(match.id, kind="goal", minute=21, team=match.away["id"],
                         player=match.player("away", "Mertens")["id"])
        # After three failed attempts in a row the page stops saying it is merely reconnecting.
        expect(status).to_have_attribute("data-state", "interrupted", timeout=INTERRUPTED_WITHIN_MS)
        expect(status_text).to_have_text("Connection interrupted. Retrying…")
        expect(events).to_have_count(1)  # nothing can arrive while the process is down
        expect(fan.locator("#score-away")).to_have_text("0")
        assert not fan_server.alive()
    finally:
        restarted = cluster.restart(fan_server)
    assert restarted.port == fan_server.port

    expect(status).to_have_attribute("data-state", "live", timeout=BACK_LIVE_WITHIN_MS)
    expect(status_text).to_have_text("Live updates on")
    goal_item = fan.locator(f'#timeline #event-{goal["id"]}')
    expect(goal_item).to_have_count(1)
    expect(goal_item).to_contain_text("Dries Mertens")
    expect(fan.locator("#score-away")).to_have_text("1")
    expect(fan.locator("#score-home")).to_have_text("0")
    expect(events).to_have_count(2)

    # The restarted process is subscribed again: the next event arrives live, once.
    later = api.event(match.id, kind="goal", minute=40, team=match.home["id"],
                      player=match.player("home", "Salah")["id"])
    later_item = fan.locator(f'#timeline #event-{later["id"]}')
    expect(later_item).to_have_count(1, timeout=LIVE_WITHIN_MS)
    expect(fan.locator("#score-home")).to_have_text("1")
    expect(events).to_have_count(3)
    for event_id in (goal["id"], later["id"]):
        expect(fan.locator(f'#timeline #event-{event_id}')).to_have_count(1)
    assert fan.evaluate("window.Matchcentre.view.seq") == api.snapshot(match.id)["seq"]
    assert_not_reloaded(fan)

    # How it got there: reconnecting, interrupted, live; nothing in between.
    assert fan.evaluate("window.__states") == ["reconnecting", "interrupted", "live"]
    first, *attempts = sockets(fan)
    assert first["openedAt"] is not None and first["code"] == 1006, first  # closed without a goodbye
    assert len(attempts) >= 4, f"three failed attempts and the one that worked: {attempts}"
    *failed, resumed = attempts
    assert all(s["openedAt"] is None for s in failed), failed
    assert resumed["openedAt"] is not None and resumed["closedAt"] is None, resumed
    # Every attempt asks for what came after the last change the page had.
    for socket in attempts:
        assert f"/ws/matches/{match.id}/?v=2&since={seq_before}&table=" in socket["url"], socket["url"]
    # Each wait lies in the backoff's range for its attempt: 0.25-0.5 s, then 0.5-1 s, 1-2 s, 2-4 s...
    previous = first
    for attempt, socket in enumerate(attempts):
        waited = socket["createdAt"] - previous["closedAt"]
        shortest, longest = backoff_bounds_ms(attempt)
        assert shortest - 1 <= waited <= longest + TIMER_SLACK_MS, (
            f"attempt {attempt + 1} came {waited:.0f} ms after the previous socket closed, "
            f"not within {shortest:.0f}-{longest:.0f} ms"
        )
        previous = socket

